"""Give a raw article (scraped text, no front matter) a front matter built from the schema.

- ``title``: the first non-blank line (whitespace and a Markdown ``#`` marker trimmed; a line
  over :data:`MAX_TITLE` characters is cut at a word). The line is removed from the body
  only when it is exactly the title; nothing else of the text changes, byte for byte.
- ``draft: true``: an adopted article needs an editor's look before it is published.
- ``publishedAt`` (the schema's date field: :func:`date_field`): from a byline date near the
  top ("Published 2025-11-03", "Nov 3, 2025", "3 November 2025 10:30"), else the file's
  modification time (when the caller gives it), in the field's format (``date-time``:
  ``2025-11-03T10:30:00.000Z``; ``date``: ``2025-11-03``), else a placeholder.
- ``tags``: vocabulary tags found in the text (:func:`tags_found`; :func:`tag_vocabulary` says
  which tags are looked for).
- every other required field of the schema: the value ``[adopt]`` in copydesk.toml gives
  (``[[adopt.sources]]`` for the ``source`` object of the files its glob matches), else an
  empty placeholder ``key: ''`` (nested for objects such as ``source``) that ``check``
  reports as CD207 until someone fills it in. A configured field the schema does not
  require is written too; a value adopt found (title, draft, a date, tags) is kept.

The new text keeps the file's BOM and line ending. A file that already has front matter
(even broken) is refused, as is anything that is not decodable text.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .config import ADOPT_SOURCE_FIELD, Config, Limits
from .document import Article
from .edit.apply import plain_ok, render_scalar
from .errors import CopydeskError
from .schema import date_formats, field_schema, required_fields
from .storage.save import Change
from .taxonomy import canonical_terms, suggest_tags
from .text.frontmatter import BOM, split_text
from .text.yamldata import YamlError, parse_yaml

MAX_TITLE = 150
MAX_TAGS = 8
BYLINE_LINES = 12  # non-blank lines after the title searched for a byline date
_BYLINE_MAX_LENGTH = 120

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = r"(?:[ T,]+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?"
_DATE_PATTERNS = [
    re.compile(r"(?<!\d)(?P<year>\d{4})[-/.](?P<mon>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)" + _TIME, re.IGNORECASE),
    re.compile(r"\b" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})(?!\d)" + _TIME, re.IGNORECASE),
    re.compile(r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<year>\d{4})(?!\d)" + _TIME, re.IGNORECASE),
]
_BYLINE_WORDS = re.compile(r"(?i)^\W*(published|posted|updated|date[d]?|by|written|from)\b|[·|•—]")
_HEADING_MARK = re.compile(r"^#{1,6}\s+")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_TEXT_LIMITS = Limits()


class AdoptRefused(CopydeskError):
    """The file cannot be adopted; the message says why."""


@dataclass(frozen=True)
class Adoption:
    """The adopted text and what was decided, for the report."""

    text: str
    title: str
    title_line_removed: bool
    published_at: str | None
    tags: tuple[str, ...]
    placeholders: tuple[str, ...]  # dotted names of the fields left empty
    notes: tuple[str, ...] = field(default=())
    meta: Mapping[str, Any] = field(default_factory=dict)  # the front matter written, as parsed
    defaults: tuple[str, ...] = ()  # dotted names of the fields filled from the configuration
    published_from: str | None = None  # where ``published_at`` came from: "byline" or "file time"
    date_field: str = "publishedAt"  # the field ``published_at`` was written to


BYLINE = "byline"
FILE_TIME = "file time"


def tag_vocabulary(config: Config, counts: Callable[[], Mapping[str, int]]) -> list[str]:
    """The tags looked for in a text: the configured ``vocabulary``, else the canonical
    spellings of the tags the folder uses (``counts``, asked for only then)."""
    return list(config.vocabulary) or canonical_terms(counts())


def tags_found(body: str, vocabulary: Sequence[str], limit: int | None = MAX_TAGS) -> tuple[str, ...]:
    """The ``vocabulary`` tags found in ``body`` (whole words, any case, plural allowed),
    most frequent first: what adopt writes, and what the terminal UI's tag inputs offer
    first for an article that has front matter already."""
    return tuple(s.tag for s in suggest_tags(body, vocabulary, limit=limit)) if vocabulary else ()


def date_field(schema: Mapping[str, Any]) -> tuple[str, str] | None:
    """(name, format) of the date field adopt fills: the first required field whose schema
    is a ``date-time`` or ``date`` (``publishedAt`` first), else None."""
    found: list[tuple[str, str]] = []
    for name in required_fields(dict(schema)):
        formats = date_formats(field_schema(dict(schema), (name,)), dict(schema))
        if formats & {"date-time", "date"}:
            found.append((name, "date-time" if "date-time" in formats else "date"))
    found.sort(key=lambda item: item[0] != "publishedAt")
    return found[0] if found else None


def _date_text(moment: datetime, form: str) -> str:
    return moment.strftime("%Y-%m-%d" if form == "date" else "%Y-%m-%dT%H:%M:%S.000Z")


def adopt_text(
    text: str,
    schema: Mapping[str, Any],
    vocabulary: Sequence[str] = (),
    *,
    defaults: Mapping[str, Any] | None = None,
    file_time: datetime | None = None,
) -> Adoption:
    """The raw article ``text`` with a front matter in front of it (see the module docstring).

    ``defaults``: configured field values (nested mappings for objects), written instead
    of empty placeholders; ``file_time``: the file's modification time (UTC), the date
    when the text has no byline date.
    """
    split = split_text(text)
    if split.kind != "raw":
        raise AdoptRefused("the file already has front matter" if split.kind == "front-matter" else "the file starts a front matter that is never closed")
    bom = BOM if split.bom else ""
    body = text[len(bom) :]
    newline = split.newline
    lines = [m.group(0) for m in _LINE.finditer(body) if m.group(0)]
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise AdoptRefused("the file is empty: there is no text to take a title from")
    title_line = lines[first]
    content = title_line.rstrip("\r\n")
    title = " ".join(_HEADING_MARK.sub("", content.strip()).split())
    notes: list[str] = []
    if len(title) > MAX_TITLE:
        cut = title[:MAX_TITLE].rsplit(" ", 1)[0].rstrip(",;:")
        title = cut + "…"
        notes.append("the first line is long: the title was cut from it, check it")
    removed = content == title
    rest = lines[first + 1 :]
    new_body = "".join(lines[:first] + rest) if removed else body
    dated = date_field(schema)
    moment, published_from = _byline_date(rest), BYLINE
    if moment is None and file_time is not None:
        moment, published_from = file_time, FILE_TIME
    published = _date_text(moment, dated[1]) if moment is not None and dated is not None else None
    suggested = tags_found(body, vocabulary)
    configured = dict(defaults or {})
    values: dict[str, Any] = {}
    placeholders: list[str] = []
    filled: list[str] = []
    for name in required_fields(dict(schema)):
        if name == "title":
            values[name] = title
        elif name == "draft":
            values[name] = True
        elif dated is not None and name == dated[0] and published:
            values[name] = published
        elif name == "tags" and (suggested or not configured.get(name)):
            values[name] = list(suggested)
        else:
            values[name] = _placeholder(schema, (name,), placeholders, configured.get(name), filled)
    # Fields the schema does not require are left out, except the ones we found and the
    # ones the configuration gives.
    if "title" not in values:
        values = {"title": title, **values}
    if "draft" not in values:
        values["draft"] = True
    for name, value in configured.items():
        if name not in values:
            values[name] = _placeholder(schema, (name,), placeholders, value, filled)
    front = _emit(values, newline)
    expected = _plain(values)
    try:
        parsed = parse_yaml(front, _TEXT_LIMITS)
    except YamlError as exc:  # a bug in the emitter must never reach the disk
        raise AdoptRefused(f"could not build valid front matter ({exc.problem.message})") from None
    if parsed != expected:
        raise AdoptRefused("could not build front matter that reads back as intended")
    new_text = f"{bom}---{newline}{front}---{newline}{new_body}"
    return Adoption(
        new_text, title, removed, published, suggested, tuple(placeholders), tuple(notes), meta=expected,
        defaults=tuple(filled), published_from=published_from if published else None,
        date_field=dated[0] if dated else "publishedAt",
    )


def _placeholder(schema: Mapping[str, Any], path: tuple[str, ...], placeholders: list[str], configured: Any = None,
                 filled: list[str] | None = None) -> Any:
    """The value of field ``path``: the ``configured`` one (recorded in ``filled``), else an
    empty placeholder (recorded in ``placeholders``); an object's required keys one by one."""
    node = field_schema(dict(schema), path) or {}
    required = node.get("required")
    if isinstance(configured, Mapping) or (node.get("type") == "object" and isinstance(required, list) and required):
        given = dict(configured) if isinstance(configured, Mapping) else {}
        keys = [*(required if isinstance(required, list) else ()), *(k for k in given if k not in (required or ()))]
        return {key: _placeholder(schema, (*path, key), placeholders, given.get(key), filled) for key in keys}
    if configured is not None and configured != "" and configured != []:
        if filled is not None:
            filled.append(".".join(path))
        return configured
    placeholders.append(".".join(path))
    return ""


def configured_values(config: Config, relpath: str) -> dict[str, Any]:
    """The field values ``[adopt]`` gives a file at ``relpath`` (relative to the corpus
    root): the defaults, with the ``source`` keys of the first ``[[adopt.sources]]`` entry
    whose glob matches over them."""
    values = dict(config.adopt.defaults)
    source = config.adopt.source_for(relpath)
    if source is not None:
        base = values.get(ADOPT_SOURCE_FIELD)
        values[ADOPT_SOURCE_FIELD] = {**(base if isinstance(base, Mapping) else {}), **source.values}
    return values


def _byline_date(lines: Sequence[str]) -> datetime | None:
    """The date (and time) of a byline among the first non-blank lines, else None."""
    seen = 0
    for line in lines:
        text = line.strip()
        if not text:
            continue
        seen += 1
        if seen > BYLINE_LINES:
            break
        if len(text) > _BYLINE_MAX_LENGTH:
            continue
        for pattern in _DATE_PATTERNS:
            match = pattern.search(text)
            if match is None:
                continue
            # A date on a short line is a byline; on a longer one it needs a byline start
            # ("Published", "By ...") or separator, so a date in a sentence is not taken.
            if len(text) > 40 and not _BYLINE_WORDS.search(text):
                continue
            moment = _to_datetime(match)
            if moment is not None:
                return moment
    return None


def _to_datetime(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    month = _MONTHS[parts["month"].lower()] if parts.get("month") else int(parts["mon"])
    hour = int(parts["hour"]) if parts.get("hour") else 0
    minute = int(parts["minute"]) if parts.get("minute") else 0
    second = int(parts["second"]) if parts.get("second") else 0
    ampm = (parts.get("ampm") or "").replace(".", "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        return datetime(int(parts["year"]), month, int(parts["day"]), hour, minute, second)
    except ValueError:
        return None


# -- emitting ------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int | float):  # (configured values): written as numbers, never quoted
        return render_scalar(value)
    text = str(value)
    if re.search(r"[\x00-\x1f\x7f\u2028\u2029\ufeff]", text):
        escaped = text.encode("unicode_escape").decode("ascii").replace('"', '\\"')
        return f'"{escaped}"'
    if plain_ok(text):  # the editor's rule: read back as this string by YAML 1.1 and 1.2 readers
        return text
    return "'" + text.replace("'", "''") + "'"


def _emit(values: Mapping[str, Any], newline: str, indent: str = "") -> str:
    """Block-style YAML in the seeds' style (2-space indents, '  - ' list items)."""
    out: list[str] = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.append(f"{indent}{key}:{newline}")
            out.append(_emit(value, newline, indent + "  "))
        elif isinstance(value, list):
            if not value:
                out.append(f"{indent}{key}: []{newline}")
                continue
            out.append(f"{indent}{key}:{newline}")
            out.extend(f"{indent}  - {_scalar(item)}{newline}" for item in value)
        else:
            out.append(f"{indent}{key}: {_scalar(value)}{newline}")
    return "".join(out)


def _plain(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in values.items()}


# -- planning a write ----------------------------------------------------------------------


def plan_adopt(
    article: Article, schema: Mapping[str, Any], vocabulary: Sequence[str] = (), config: Config | None = None
) -> tuple[Change, Adoption]:
    """A :class:`core.storage.save.Change` that adopts ``article`` (saved with ``save_changes``).

    The date falls back on the file's modification time; ``config`` gives the ``[adopt]``
    values (the defaults, and the ``source`` of the ``[[adopt.sources]]`` entry matching
    the article's path).

    Raises AdoptRefused (already has front matter, empty, not text, an ``[adopt]`` value
    the schema refuses) or the reading errors of :meth:`Article.read_bytes` (UnsafeFile).
    """
    if article.kind != "raw":
        reasons = {
            "front-matter": "the file already has front matter",
            "unclosed": "the file starts a front matter that is never closed",
            "invalid-yaml": "the file already has front matter (with invalid YAML: fix it instead)",
            "invalid-utf8": "the file is not valid UTF-8",
            "unreadable": "the file cannot be read",
        }
        raise AdoptRefused(reasons.get(article.kind, f"not a raw article ({article.kind})"))
    data = article.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdoptRefused("the file is not valid UTF-8") from exc
    defaults = None
    if config is not None:
        from .checks.runner import adopt_settings_problem

        # a caller may not have run validate_config (the terminal UI does not); judged once per config
        problem = adopt_settings_problem(config)
        if problem:
            raise AdoptRefused(f"the configuration's [adopt] values cannot be written: {problem}")
        defaults = configured_values(config, article.relpath)
    mtime_ns = article.fingerprint.mtime_ns if article.fingerprint is not None else os.stat(article.path).st_mtime_ns
    file_time = datetime.fromtimestamp(mtime_ns / 1e9, UTC)
    adoption = adopt_text(text, schema, vocabulary, defaults=defaults, file_time=file_time)
    new_text = adoption.text

    def rewrite(current: str) -> str:
        # Adoption is a whole-text rewrite: a file changed since it was read is a conflict.
        return new_text

    change = Change(article, (), text, new_text, hashlib.sha256(data).hexdigest(), rewrite)
    return change, adoption
