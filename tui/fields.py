"""Which metadata fields the editor pane offers, and with which kind of input.

Derived from the folder's JSON Schema (strings -> text input, enums -> select, booleans ->
switch, dates -> an input validated by the schema's ``format``
(``date``, ``date-time``, or dates as the folder writes them), the ``tags`` array -> tag
editor, other arrays of strings -> comma lists with completion from the folder's terms,
integers and numbers -> an input that takes only a number of that type within the schema's
``minimum``/``maximum``);
without a schema, from the fields of the seed article format. Everything else is shown
read-only.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from core.checks.datetimes import EXAMPLE as DATETIME_EXAMPLE
from core.checks.datetimes import is_date, is_datetime, is_written_date
from core.config import Config
from core.schema import DATE_FORMATS, WRITTEN_DATES, date_formats, resolve_ref

# A key of tui.widgets.field_kinds.KINDS, which says how the editor shows and stages it:
# "string", "text", "enum", "bool", "datetime", "date", "tags", "list", "integer", "number".
FieldKind = str


@dataclass(frozen=True)
class FieldSpec:
    """One editable field: its path, the kind of input and, for enums, the choices."""

    path: tuple[str, ...]
    kind: FieldKind
    choices: tuple[str, ...] = ()
    required: bool = False
    formats: tuple[str, ...] = ()  # a "date" field's accepted formats (core.schema.date_formats)
    minimum: float | None = None  # an "integer" or "number" field's bounds (the schema's)
    maximum: float | None = None

    @property
    def name(self) -> str:
        return ".".join(self.path)

    @property
    def widget_id(self) -> str:
        return "field-" + "-".join(self.path)


# The seed article's fields, in its order (used when no schema is available).
SEED_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(("title",), "text", required=True),
    FieldSpec(("description",), "text", required=True),
    FieldSpec(("publishedAt",), "datetime", required=True),
    FieldSpec(("updatedAt",), "datetime"),
    FieldSpec(("lang",), "string", required=True),
    FieldSpec(("source", "name"), "string", required=True),
    FieldSpec(("source", "key"), "string", required=True),
    FieldSpec(("source", "type"), "string", required=True),
    FieldSpec(("category",), "string", required=True),
    FieldSpec(("tags",), "tags", required=True),
    FieldSpec(("sentiment",), "enum", ("POSITIVE", "NEUTRAL", "NEGATIVE"), required=True),
    FieldSpec(("draft",), "bool", required=True),
)

_LONG_TEXT = {"title", "description"}


def load_field_specs(config: Config) -> tuple[FieldSpec, ...]:
    """The editor's fields from the folder's schema, or the seed fields when there is none."""
    try:
        from core.schema import SchemaError, load_schema
    except ImportError:
        return SEED_FIELDS
    try:
        schema = load_schema(config, compiled=False)  # compiling it waits until after the first screen
    except SchemaError:
        return SEED_FIELDS
    return specs_from_schema(schema) or SEED_FIELDS


def specs_from_schema(schema: dict[str, Any]) -> tuple[FieldSpec, ...]:
    """Editable fields of a JSON Schema for an object (one level of nested objects)."""
    specs: list[FieldSpec] = []
    _collect(schema, schema, (), specs, depth=0)
    return tuple(specs)


def _collect(root: dict[str, Any], node: dict[str, Any], prefix: tuple[str, ...], out: list[FieldSpec], depth: int) -> None:
    properties = node.get("properties")
    if not isinstance(properties, dict):
        return
    required = set(node.get("required", ()) or ())
    for name, prop in properties.items():
        prop = resolve_ref(root, prop)
        if not isinstance(prop, dict):
            continue
        path = (*prefix, name)
        spec = _spec_for(path, prop, name in required, root)
        if spec is not None:
            out.append(spec)
        elif _types(prop) == {"object"} and depth == 0:
            _collect(root, prop, path, out, depth + 1)


def _types(prop: dict[str, Any]) -> set[str]:
    kind = prop.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    if "enum" in prop:
        return {"string"}
    return set()


def _spec_for(path: tuple[str, ...], prop: dict[str, Any], required: bool, root: dict[str, Any]) -> FieldSpec | None:
    types = _types(prop) - {"null"}
    if "enum" in prop and all(isinstance(v, str) for v in prop["enum"]):
        return FieldSpec(path, "enum", tuple(prop["enum"]), required)
    if types == {"boolean"}:
        return FieldSpec(path, "bool", (), required)
    formats = date_formats(prop, root)
    if formats and types <= {"string"}:
        if formats == {"date-time"}:
            return FieldSpec(path, "datetime", (), required)
        return FieldSpec(path, "date", (), required, tuple(sorted(formats)))
    if types == {"string"}:
        if prop.get("format") == "uri" or "pattern" in prop and "https" in str(prop.get("pattern")):
            return None  # URLs are left read-only: long, rarely edited by hand
        return FieldSpec(path, "text" if path[-1] in _LONG_TEXT else "string", (), required)
    if types and types <= {"integer", "number"}:
        kind = "integer" if types == {"integer"} else "number"
        return FieldSpec(path, kind, (), required, minimum=_bound(prop.get("minimum")), maximum=_bound(prop.get("maximum")))
    if types == {"array"} and path == ("tags",):
        return FieldSpec(path, "tags", (), required)
    if types == {"array"} and _types(resolve_ref(root, prop.get("items")) or {}) <= {"string"}:
        return FieldSpec(path, "list", (), required)  # categories, keywords, aliases...
    return None


def spec_for_values(path: tuple[str, ...], values: Iterable[Any]) -> FieldSpec:
    """A field the schema does not describe, its kind from the values the folder writes:
    all booleans -> "bool", all integers -> "integer", all numbers -> "number", any list ->
    "list", anything else a one-line "string"."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return FieldSpec(path, "bool")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        return FieldSpec(path, "integer" if all(isinstance(v, int) for v in present) else "number")
    if any(isinstance(v, list | tuple) for v in present):
        return FieldSpec(path, "list")
    return FieldSpec(path, "string")


def _bound(value: Any) -> float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")


def number_value(text: str, spec: FieldSpec) -> tuple[int | float | None, str | None]:
    """(the number ``text`` writes, None) for an "integer" or "number" field, else (None, what
    is wrong with it): ``1.5`` and ``abc`` are not integers, and a value outside the schema's
    ``minimum``/``maximum`` is refused as the schema check would."""
    text = text.strip()
    integer = spec.kind == "integer"
    example = "an integer, e.g. 3" if integer else "a number, e.g. 3 or 2.5"
    if _INTEGER.fullmatch(text):
        value: int | float = int(text)
    elif not integer and _NUMBER.fullmatch(text):
        value = float(text)
        if math.isinf(value):
            return None, f"too large: expected {example}"
    else:
        return None, f"expected {example}"
    if spec.minimum is not None and value < spec.minimum:
        return None, f"expected at least {spec.minimum:g}"
    if spec.maximum is not None and value > spec.maximum:
        return None, f"expected at most {spec.maximum:g}"
    return value, None


def valid_date(text: str, formats: tuple[str, ...]) -> str | None:
    """None when ``text`` is a date in one of ``formats`` (or empty); else what is wrong with it."""
    text = text.strip()
    if not text or is_date(text) and "date" in formats or is_datetime(text) and "date-time" in formats:
        return None
    if WRITTEN_DATES in formats and is_written_date(text):
        return None
    if set(formats) & set(DATE_FORMATS) == {"date"}:
        return "expected a date, e.g. 2025-12-01"
    return f"expected a date, e.g. 2025-12-01, or a date and a time, e.g. {DATETIME_EXAMPLE}"


def valid_datetime(text: str) -> str | None:
    """None when ``text`` is a date-time ``check`` accepts (or empty); else what is wrong with it."""
    text = text.strip()
    if not text or is_datetime(text):
        return None
    if "t" not in text.lower():
        return f"expected a date and a time, e.g. {DATETIME_EXAMPLE}"
    return f"not an ISO-8601 date-time, e.g. {DATETIME_EXAMPLE}"
