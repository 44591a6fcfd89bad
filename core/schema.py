"""The article schema: reading it, compiling it, and asking what it says about a field.

One place for the schema file: :func:`read_schema` reads it as JSON, :func:`compiled_schema`
compiles it into a :class:`CompiledSchema` (the validator the checks run, cached per file
and modification time, remote ``$ref`` never fetched), and :func:`load_schema` gives the
schema as data to the CLI, the query language and the TUI's editor: which fields exist,
what type a field has, which values an enum allows, and how to type a value typed on a
command line. The checks that report what the validator finds live in
:mod:`core.checks.fields`.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml_rs

from .checks.datetimes import is_date, is_datetime
from .config import Config, ConfigError
from .edit.ops import FieldPath
from .errors import CopydeskError

if TYPE_CHECKING:
    import fastjsonschema

BUNDLED_SCHEMA = Path(__file__).with_name("schema.json")
MAX_REF_HOPS = 50  # a $ref chain longer than this is a loop


class SchemaError(CopydeskError):
    """The schema file cannot be read; the message names it."""


def load_schema(config: Config, *, compiled: bool = True) -> dict[str, Any]:
    """The JSON Schema for ``config`` (the bundled one unless configured), as data.

    Read through :func:`compiled_schema` (so the CLI, the query language and the TUI see
    exactly the schema the checks validate with), raising SchemaError when the validator
    refuses it. With ``compiled=False`` the file is only read (:func:`read_schema`): no
    validator is compiled (~40 ms), for a screen that must show at once; a schema the
    validator refuses is then still reported by the checks.
    """
    try:
        if not compiled:
            return read_schema(config.schema or BUNDLED_SCHEMA)
        return compiled_schema(config).root
    except ConfigError as exc:
        raise SchemaError(str(exc)) from exc


def read_schema(path: Path) -> dict[str, Any]:
    """The JSON object of the schema file ``path``, as read (not compiled).

    Raises ConfigError naming the file when it cannot be read or holds no JSON object.
    """
    from .config import read_settings_text

    text = read_settings_text(Path(path), "schema")
    try:
        root = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: cannot read schema: {exc}") from exc
    if not isinstance(root, dict):
        raise ConfigError(f"{path}: a JSON Schema must be an object")
    return root


def resolve_ref(root: Any, node: Any) -> Any:
    """``node`` with its local ``$ref`` pointers followed (``#/definitions/x``, JSON-pointer
    escapes ``~0`` ``~1`` read); a pointer to nothing, or a remote one, leaves the node as it
    is. Keywords beside a ``$ref`` are ignored, as the validator ignores them."""
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
        target: Any = root
        for part in node["$ref"][1:].split("/"):
            if not part:
                continue
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(target, dict) or part not in target:
                return node
            target = target[part]
        node = target
        hops += 1
        if hops >= MAX_REF_HOPS:
            return node
    return node


# -- the compiled schema ------------------------------------------------------------------

_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": is_datetime, "date": is_date}


def _no_remote(uri: str) -> Any:
    import fastjsonschema

    raise fastjsonschema.JsonSchemaDefinitionException(f"remote $ref {uri!r} is not fetched: keep the schema in one file")


# A checker never goes to the network: every remote $ref is refused.
_HANDLERS = {scheme: _no_remote for scheme in ("http", "https", "ftp", "file", "urn", "data")}


class CompiledSchema:
    """A compiled schema: the whole validator and lazily compiled sub-validators."""

    def __init__(self, root: dict[str, Any], path: Path) -> None:
        import fastjsonschema

        self.root = root
        self.path = path
        try:
            self.validate = fastjsonschema.compile(root, handlers=_HANDLERS, formats=_FORMATS)
        except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError, re.error) as exc:
            raise ConfigError(f"{path}: invalid JSON Schema: {exc}") from exc
        self._invalid = fastjsonschema.JsonSchemaValueException
        self._leaves: dict[int, Callable[[Any], Any]] = {}
        self._defs = {k: root[k] for k in ("definitions", "$defs") if isinstance(root.get(k), dict)}
        # Whether metadata as parsed (lists, not tuples) can be validated without a copy:
        # "default" makes the validator fill values in, and "uniqueItems" compares nested
        # lists and tuples differently.
        self.checks_in_place = not _uses_keywords(root, {"default", "uniqueItems"})

    def accepts(self, data: Any) -> bool:
        """Whether the whole schema accepts ``data``."""
        return self.error(data) is None

    def error(self, data: Any) -> fastjsonschema.JsonSchemaValueException | None:
        """The first error the whole schema finds in ``data``, or None."""
        try:
            self.validate(data)
        except self._invalid as exc:
            return exc
        return None

    def leaf_error(self, node: dict[str, Any], value: Any) -> fastjsonschema.JsonSchemaValueException | None:
        """The first error the sub-schema ``node`` (a node of this schema) finds in ``value``, or None."""
        validator = self._leaves.get(id(node))
        if validator is None:
            import fastjsonschema

            validator = fastjsonschema.compile({**node, **self._defs}, handlers=_HANDLERS, formats=_FORMATS)
            self._leaves[id(node)] = validator
        try:
            validator(value)
        except self._invalid as exc:
            return exc
        return None

    def resolve(self, node: Any) -> Any:
        """``node`` with its local ``$ref`` pointers followed (:func:`resolve_ref`)."""
        return resolve_ref(self.root, node)


def _uses_keywords(node: Any, keywords: set[str]) -> bool:
    """Whether any object in the JSON ``node`` has one of ``keywords`` as a key."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if keywords & item.keys():
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


_COMPILED: dict[tuple[str, int, int], CompiledSchema] = {}
_RECENT: dict[Path, tuple[float, CompiledSchema]] = {}
_RECHECK_SECONDS = 2.0  # a schema file edited while copydesk runs is picked up this late


def compiled_schema(config: Config) -> CompiledSchema:
    """The compiled schema for ``config`` (cached per file and modification time).

    Raises ConfigError naming the file when it cannot be read or is not a valid schema.
    """
    path = config.schema or BUNDLED_SCHEMA
    now = time.monotonic()
    recent = _RECENT.get(path)
    if recent is not None and now - recent[0] < _RECHECK_SECONDS:
        return recent[1]  # checking the file's mtime for every article would cost more than the checks
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read schema: {exc.strerror or exc}") from exc
    key = (str(path), info.st_mtime_ns, info.st_size)
    schema = _COMPILED.get(key)
    if schema is None:
        schema = _COMPILED[key] = CompiledSchema(read_schema(path), Path(path))
    _RECENT[path] = (now, schema)
    return schema


# -- what the schema says about a field -----------------------------------------------------


def _node(schema: dict[str, Any], node: Any) -> dict[str, Any]:
    """A resolved node as a mapping ({} for a boolean schema or a dangling pointer's target)."""
    node = resolve_ref(schema, node)
    return node if isinstance(node, dict) else {}


def field_schema(schema: dict[str, Any], path: FieldPath) -> dict[str, Any] | None:
    """The (resolved) sub-schema of a dotted field, or None when the schema does not know it."""
    node = _node(schema, schema)
    for key in path:
        props = node.get("properties", {})
        if key in props:
            node = _node(schema, props[key])
        elif isinstance(node.get("additionalProperties"), dict):
            node = _node(schema, node["additionalProperties"])
        else:
            return None
    return node


def field_types(schema: dict[str, Any], path: FieldPath) -> set[str]:
    """JSON types the schema allows for a field (empty when unknown or unconstrained)."""
    node = field_schema(schema, path)
    if node is None:
        return set()
    kind = node.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return set(kind)
    if "enum" in node:
        return {type_name(v) for v in node["enum"]}
    return set()


def enum_values(schema: dict[str, Any], path: FieldPath) -> list[Any]:
    node = field_schema(schema, path) or {}
    values = node.get("enum")
    return list(values) if isinstance(values, list) else []


def known_fields(schema: dict[str, Any]) -> set[str]:
    """Every dotted field name the schema declares (``source``, ``source.name``...)."""
    out: set[str] = set()

    def walk(node: dict[str, Any], prefix: str, depth: int) -> None:
        if depth > 8:
            return
        for key, sub in node.get("properties", {}).items():
            name = f"{prefix}{key}"
            out.add(name)
            walk(_node(schema, sub), f"{name}.", depth + 1)

    walk(_node(schema, schema), "", 0)
    return out


def required_fields(schema: dict[str, Any]) -> list[str]:
    return list(_node(schema, schema).get("required", []))


def is_required(schema: dict[str, Any], path: FieldPath) -> bool:
    """Whether the schema requires field ``path`` in its parent (``source.name`` in ``source``)."""
    parent = _node(schema, schema) if len(path) == 1 else field_schema(schema, path[:-1])
    required = (parent or {}).get("required", [])
    return isinstance(required, list) and path[-1] in required


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    return "object"


def coerce(text: str, types: set[str]) -> Any:
    """Type a command-line value: by the schema's types when known, else as a YAML scalar.

    ``externalId=55192977`` stays a string when the schema says string; ``draft=true`` is a
    bool when it says boolean. Raises ValueError when the text cannot have the type.
    """
    if types and types <= {"string", "null"} or types == {"string"}:
        return text
    if "boolean" in types and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if "integer" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            number = float(text)
            return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number
        except ValueError:
            pass
    if "array" in types:
        parsed = _yaml_scalar(text)
        if isinstance(parsed, list):
            return parsed
        return [t.strip() for t in text.split(",") if t.strip()]
    if "null" in types and text in ("", "null", "~"):
        return None
    if "string" in types:
        return text
    if types:
        raise ValueError(f"{text!r} is not a valid {' or '.join(sorted(types))}")
    return _yaml_scalar(text)


def _yaml_scalar(text: str) -> Any:
    try:
        data = yaml_rs.loads(f"v: {text}", parse_datetime=False)
    except Exception:  # noqa: BLE001 - not YAML: keep the text as typed
        return text
    if not isinstance(data, dict):
        return text
    value = data.get("v")
    return text if isinstance(value, dict) else value


# -- what lists show -------------------------------------------------------------------------

DATE_FORMATS = ("date-time", "date")
WRITTEN_DATES = "written"  # dates checked by their shape, not ISO 8601 (see checks.datetimes)
_TITLE_NAMES = ("title", "name", "headline", "linkTitle")
_DATE_NAMES = ("publishedAt", "date", "pubDate", "publishDate", "published", "created", "updatedAt", "lastmod")


def date_formats(node: dict[str, Any] | None, schema: dict[str, Any] | None = None) -> set[str]:
    """The date formats a field's (resolved) schema node accepts: ``date-time`` and/or
    ``date``, also through an ``anyOf`` of them (a folder writing both), or
    :data:`WRITTEN_DATES` (dates as the folder writes them, a pattern whose errors are
    CD204); empty for others."""
    if not node:
        return set()
    found = {node["format"]} & set(DATE_FORMATS) if isinstance(node.get("format"), str) else set()
    if node.get("x-copydesk-code") == "CD204":
        found.add(WRITTEN_DATES)
    for branch in node.get("anyOf") or ():
        branch = resolve_ref(schema, branch) if schema is not None else branch
        if isinstance(branch, dict) and branch.get("format") in DATE_FORMATS:
            found.add(branch["format"])
    return found


def view_columns(config: Config, schema: dict[str, Any]) -> tuple[str, ...]:
    """The front-matter fields a list shows, in order: ``[view] columns`` when configured,
    else what the schema suggests: an enum (such as ``sentiment``), up to two booleans
    (``draft`` first), a date field, the title, the configured taxonomies the schema
    declares (or ``tags``)."""
    if config.view.columns:
        return config.view.columns
    root = _node(schema, schema)
    props: dict[str, Any] = {k: _node(schema, v) for k, v in (root.get("properties") or {}).items()}
    enums = [k for k, n in props.items() if isinstance(n.get("enum"), list) and 1 < len(n["enum"]) <= 8]
    booleans = sorted((k for k, n in props.items() if n.get("type") == "boolean"), key=lambda k: k != "draft")
    dates = [k for k, n in props.items() if date_formats(n, schema)]
    dates.sort(key=lambda k: _DATE_NAMES.index(k) if k in _DATE_NAMES else len(_DATE_NAMES))
    titles = [k for k in _TITLE_NAMES if k in props] or [k for k, n in props.items() if n.get("type") == "string"][:1]
    taxonomies = [t for t in config.taxonomies if t in props]
    return tuple(dict.fromkeys([*enums[:1], *booleans[:2], *dates[:1], *titles[:1], *taxonomies]))
