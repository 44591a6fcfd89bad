"""What a valid date-time is: the schema's ``date-time`` format (CD204), the dates CD301
compares and the editor's date inputs all use this one definition; and what a valid date
is (the schema's ``date`` format)."""

from __future__ import annotations

import re
from datetime import date, datetime

EXAMPLE = "2025-12-01T07:29:42.000Z"

# ASCII digits only (faster): datetime.fromisoformat refuses any other digit anyway.
_SHAPE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?\Z", re.ASCII
)


_DATE_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)


def is_date(text: str) -> bool:
    """An ISO-8601 calendar date, ``2028-07-06``: a day that exists, no time part."""
    if not _DATE_SHAPE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_datetime(text: str) -> bool:
    """An ISO-8601 date-time with a time part (hours and minutes at least); the offset is
    optional; ``T`` or ``t`` between date and time; ``Z`` or ``z`` for UTC."""
    if not _SHAPE.match(text):
        return False
    try:
        datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "zZ" else text)
    except ValueError:
        return False
    return True


def parse_datetime(value: object) -> datetime | None:
    """The instant ``value`` names when it is a valid date-time (:func:`is_datetime`), else None."""
    if not isinstance(value, str) or not is_datetime(value):
        return None
    return datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "zZ" else value)


# Dates as site generators also read them (Jekyll, Hugo: YAML 1.1 timestamps): a space for
# the `T`, a one-digit hour, an offset after a space, `2013-11-30 4:31:19 -0400`. A schema
# states it as this pattern (portable JSON Schema); its errors are CD204.
WRITTEN_DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?: ?(?:[zZ]|[+-]\d{2}:?\d{2}))?)?$"
_WRITTEN = re.compile(WRITTEN_DATE_PATTERN, re.ASCII)


def is_written_date(text: str) -> bool:
    """A date, or a date and time, in :data:`WRITTEN_DATE_PATTERN` on a day that exists."""
    if not _WRITTEN.match(text):
        return False
    try:
        date.fromisoformat(text[:10])
    except ValueError:
        return False
    return True
