"""The article schema as data: loading it and asking what it says about a field.

Validation itself lives in :mod:`core.rules`; this module answers the questions the CLI,
the query language and the TUI's editor ask: which fields exist, what type a field has,
which values an enum allows, and how to type a value typed on a command line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml_rs

from .config import Config
from .edit.ops import FieldPath
from .errors import CopydeskError

BUNDLED_SCHEMA = Path(__file__).with_name("schema.json")


class SchemaError(CopydeskError):
    """The schema file cannot be read; the message names it."""


def load_schema(config: Config, *, compiled: bool = True) -> dict[str, Any]:
    """The JSON Schema for ``config`` (the bundled one unless configured), as data.

    Read through :func:`core.rules.load_schema`, the one loader (cached per file and
    modification time, remote ``$ref`` never fetched), so the CLI, the query language and
    the TUI see exactly the schema the checks validate with. With ``compiled=False`` the
    file is only read (:func:`read_schema`): no validator is compiled and the rules are not
    imported (~40 ms), for a screen that must show at once; a schema the validator refuses
    is then still reported by the checks.
    """
    from .config import ConfigError

    try:
        if not compiled:
            return read_schema(config.schema or BUNDLED_SCHEMA)
        from .rules import load_schema as compile_schema

        return compile_schema(config).root
    except ConfigError as exc:
        raise SchemaError(str(exc)) from exc


def read_schema(path: Path) -> dict[str, Any]:
    """The JSON object of the schema file ``path``, as read (not compiled).

    Raises ConfigError naming the file when it cannot be read or holds no JSON object.
    """
    from .config import ConfigError, read_settings_text

    text = read_settings_text(Path(path), "schema")
    try:
        root = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{path}: cannot read schema: {exc}") from exc
    if not isinstance(root, dict):
        raise ConfigError(f"{path}: a JSON Schema must be an object")
    return root


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while isinstance(node, dict) and "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return {}
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        node = target
        seen += 1
    return node if isinstance(node, dict) else {}


def field_schema(schema: dict[str, Any], path: FieldPath) -> dict[str, Any] | None:
    """The (resolved) sub-schema of a dotted field, or None when the schema does not know it."""
    node = _resolve(schema, schema)
    for key in path:
        props = node.get("properties", {})
        if key in props:
            node = _resolve(schema, props[key])
        elif isinstance(node.get("additionalProperties"), dict):
            node = _resolve(schema, node["additionalProperties"])
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
            walk(_resolve(schema, sub), f"{name}.", depth + 1)

    walk(_resolve(schema, schema), "", 0)
    return out


def required_fields(schema: dict[str, Any]) -> list[str]:
    return list(_resolve(schema, schema).get("required", []))


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
