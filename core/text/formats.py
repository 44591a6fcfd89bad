"""Front-matter text to data, whatever its format: YAML, TOML or JSON.

:func:`parse_front_matter` is the one entry point the loader, the editor's verification and
saves use. Every format gives the same data model as YAML does (:mod:`core.text.yamldata`):
mappings, lists, strings, numbers, booleans and null; dates and times stay strings, as the
file writes them (TOML's date-time literals included), so the schema sees what the file
says. Errors are :class:`~core.text.yamldata.YamlError` with a problem positioned in the
front-matter text (1-based), whatever the format: CD103 for a syntax error, CD104 for a
key written twice, CD108 for a safety limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..checks import Problem, problem
from ..config import Limits
from ..errors import CopydeskError
from .frontmatter import Format
from .guard import check_data, prescan_characters
from .yamldata import YamlError, parse_yaml_tolerant

_TOML_DUPLICATE = re.compile(r'Key "(.*)" already exists')


def parse_front_matter(text: str, fmt: Format, limits: Limits) -> tuple[Any, list[Problem]]:
    """Parse front-matter ``text`` written in ``fmt`` into plain data, or raise YamlError.

    Returns the data and the warnings reading it gave (YAML that only libyaml reads,
    :func:`~core.text.yamldata.parse_yaml_tolerant`), positioned in ``text``.
    """
    if fmt == "yaml":
        return parse_yaml_tolerant(text, limits)
    refusal = prescan_characters(text, limits, fmt.upper())
    if refusal is not None:
        raise YamlError(problem(refusal.code, f"front matter not parsed: {refusal.reason}", refusal.line, refusal.column))
    try:
        data = parse_toml(text) if fmt == "toml" else parse_json(text)
    except RecursionError:
        raise YamlError(problem("CD108", "front matter not parsed: nested too deeply")) from None
    except MemoryError:
        raise YamlError(problem("CD108", "front matter not parsed: too large to hold in memory")) from None
    refusal = check_data(data, limits)
    if refusal is not None:
        raise YamlError(problem(refusal.code, f"front matter not used: {refusal.reason}"))
    return data, []


# -- TOML --------------------------------------------------------------------------------


def parse_toml(text: str) -> dict[str, Any]:
    """TOML text to plain data (date-time literals as written); raises YamlError."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    try:
        document = tomlkit.parse(text)
    except ParseError as exc:
        line, column = exc.line, exc.col + 1
        message = str(exc).split(" at line ")[0]
        duplicate = _TOML_DUPLICATE.search(message)
        if duplicate:
            key = duplicate.group(1)
            line, column = _second_toml_key(text, key) or (line, column)
            raise YamlError(problem("CD104", f"duplicate key {key!r}", line, column)) from None
        code = "CD108" if "nested more than" in message else "CD103"  # tomlkit's own depth limit
        what = "front matter not parsed" if code == "CD108" else "TOML syntax error"
        raise YamlError(problem(code, f"{what}: {message}", line, column)) from None
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile input must not crash a folder load
        raise YamlError(problem("CD103", f"TOML parser failed: {exc or 'an unexpected error'}")) from None
    return toml_plain(document)


def _second_toml_key(text: str, key: str) -> tuple[int, int] | None:
    """Line and column of the second ``key =`` or ``[key]`` line (tomlkit reports where it
    stopped reading, the line after)."""
    name = re.escape(key)
    pattern = re.compile(rf"""^([ \t]*)(?:\[\[?[ \t]*(?:[^\]]*\.)?["']?{name}["']?[ \t]*\]|["']?{name}["']?[ \t]*=)""", re.MULTILINE)
    matches = list(pattern.finditer(text))
    if len(matches) < 2:
        return None
    at = matches[1].start() + len(matches[1].group(1))
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1


def toml_plain(item: Any) -> Any:
    """A tomlkit document or item as plain data, date-times and times as the text writes them."""
    import datetime

    if isinstance(item, dict):  # documents, tables, inline tables
        return {str(key): toml_plain(value) for key, value in item.items()}
    if isinstance(item, list):  # arrays, arrays of tables
        return [toml_plain(value) for value in item]
    if isinstance(item, (datetime.date, datetime.time)):
        as_string = getattr(item, "as_string", None)
        return as_string() if as_string is not None else item.isoformat()
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if unwrap is not None else item


# -- JSON --------------------------------------------------------------------------------


class _Duplicate(CopydeskError, ValueError):
    """A key written twice in one JSON object (raised from the decoder's hook)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse_json(text: str) -> Any:
    """JSON text to data, refusing duplicate keys and NaN / Infinity; raises YamlError."""
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant)
    except _Duplicate as exc:
        line, column = _second_key(text, exc.key)
        raise YamlError(problem("CD104", f"duplicate key {exc.key!r}", line, column)) from None
    except json.JSONDecodeError as exc:
        raise YamlError(problem("CD103", f"JSON syntax error: {exc.msg}", exc.lineno, exc.colno)) from None
    except ValueError as exc:  # NaN, an integer over Python's digit limit
        code = "CD108" if "digits" in str(exc) else "CD103"
        raise YamlError(problem(code, f"JSON not used: {exc}")) from None


def _second_key(text: str, key: str) -> tuple[int, int]:
    """Line and column of the second ``"key":`` in ``text`` (1:1 when not found)."""
    pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"\s*:")
    matches = list(pattern.finditer(text))
    if len(matches) < 2:
        return 1, 1
    at = matches[1].start()
    before = text[:at]
    return before.count("\n") + 1, at - (before.rfind("\n") + 1) + 1
