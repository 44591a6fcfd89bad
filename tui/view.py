"""The list's columns, as the folder's view names them (``core.schema.view_columns``).

A row keeps the same slots whatever the view (see :class:`tui.model.Row`): an enum, flags,
a date, a short text, the title and the terms of the taxonomies. A :class:`ListView` says
which front-matter field fills each slot and what its header reads; a slot no field fills
is not drawn. The news view (sentiment, draft, publishedAt, source, title, tags) is the one
the index's display values answer without reading the files again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.config import Config


@dataclass(frozen=True)
class ListView:
    """Which field fills each slot of a row (empty: the slot is not shown)."""

    enum: str = ""  # a field of a few values, shown short (sentiment: POS/NEU/NEG)
    enum_values: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()  # booleans, one cell each showing the field's initial when true
    date: str = ""
    text: str = ""  # a short text (the news source's name)
    title: str = "title"
    terms: tuple[str, ...] = ()  # the taxonomies, their terms joined, one part each

    @property
    def is_news(self) -> bool:
        """Whether the index's display values hold every column (see :func:`tui.model.row_of`)."""
        return self == NEWS_VIEW

    @property
    def keys(self) -> frozenset[str]:
        """The top-level front-matter keys the rows read."""
        names = [self.enum, *self.flags, self.date, self.text, self.title, *self.terms]
        return frozenset(name.split(".")[0] for name in names if name)

    @property
    def enum_width(self) -> int:
        if not self.enum:
            return 0
        if self.enum == "sentiment":
            return 3  # POS, NEU, NEG
        longest = max([len(v) for v in self.enum_values] + [3])
        return min(longest, ENUM_MAX)

    @property
    def flags_label(self) -> str:
        return "".join(flag_letter(name) for name in self.flags)

    @property
    def enum_label(self) -> str:
        return "SEN" if self.enum == "sentiment" else self.enum.upper()

    @property
    def date_label(self) -> str:
        return "DATE" if self.date in ("publishedAt", "date", "") else self.date.upper()

    @property
    def text_label(self) -> str:
        return "SOURCE" if self.text == "source.name" else self.text.upper()

    @property
    def terms_label(self) -> str:
        return TERMS_SEPARATOR.join(name.upper() for name in self.terms)

    def key(self) -> str:
        """The view in a few characters, for the saved list's version (rows depend on it)."""
        return repr((self.enum, self.flags, self.date, self.text, self.title, self.terms))


ENUM_MAX = 10  # an enum's cells are cut here
TERMS_SEPARATOR = " │ "  # between the terms of two taxonomies in one cell

NEWS_VIEW = ListView(
    enum="sentiment",
    enum_values=("POSITIVE", "NEUTRAL", "NEGATIVE"),
    flags=("draft",),
    date="publishedAt",
    text="source.name",
    title="title",
    terms=("tags",),
)
_NEWS_COLUMNS = ("sentiment", "draft", "publishedAt", "title", "tags")
_TITLE_NAMES = ("title", "name", "headline", "linkTitle")


def flag_letter(name: str) -> str:
    """The letter a true boolean shows in its cell: its name's initial, upper case."""
    return (name[:1] or "?").upper()


def list_view(config: Config, schema: dict[str, Any] | None) -> ListView:
    """The list's view: ``core.schema.view_columns`` (``[view] columns``, else what the schema
    suggests) given a slot each by what the schema says of the field. The news columns also
    show the source's name, as the news list always has."""
    from core.schema import date_formats, enum_values, field_types, view_columns

    if schema is None:
        return NEWS_VIEW
    columns = view_columns(config, schema)
    if columns == _NEWS_COLUMNS and "source" in (schema.get("properties") or {}):
        return NEWS_VIEW
    enum, values, flags, date, text, title, terms = "", (), [], "", "", "", []
    for name in columns:
        path = tuple(name.split("."))
        types = field_types(schema, path) - {"null"}
        choices = enum_values(schema, path)
        if name in config.taxonomies or "array" in types:
            terms.append(name)
        elif "boolean" in types and types <= {"boolean"}:
            flags.append(name)
        elif date_formats(_field(schema, path), schema):
            date = date or name
        elif choices and all(isinstance(v, str) for v in choices) and not enum:
            enum, values = name, tuple(choices)
        elif name in _TITLE_NAMES and not title:
            title = name
        elif not text:
            text = name
        elif not title:
            title = name
    if not title and text:  # a single text column reads as the title
        title, text = text, ""
    return ListView(enum, values, tuple(flags), date, text, title or "title", tuple(terms))


def _field(schema: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    from core.schema import field_schema

    return field_schema(schema, path)
