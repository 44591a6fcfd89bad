"""Schema validation and editorial rules (CD2xx-CD4xx); mechanical fixes for ``--fix``.

How schema errors are collected. ``fastjsonschema`` compiles a schema to Python code (a
few microseconds per valid article, against ~190 us for ``jsonschema``), but it stops at the
first error. Almost every article in a kept folder is valid, so the whole-schema validator
runs first and that is the only schema cost for a valid article. Only when it fails do we
*walk* the schema beside the data: object nodes (``properties`` / ``required`` /
``additionalProperties``) and array ``items`` are walked in Python, and every other node is
validated by its own compiled sub-validator (compiled lazily, cached with the schema). That
yields every error, one per field, at the price of the walk paid only by invalid articles.
A node using keywords the walk does not understand (``allOf``, ``if``...) is validated whole,
so a custom schema can use anything fastjsonschema supports; if the walk finds nothing while
the whole validator failed, that first error is reported as it is.

Error -> code: ``required`` CD201, ``type`` CD202, ``enum``/``const`` CD203, a date/time
``format`` CD204, unknown field (``additionalProperties: false``) CD206, a required field
that is null or blank CD207, anything else CD209. A schema node can name its own code with
``"x-copydesk-code"`` (the bundled schema marks https URLs CD205).

Positions. The data parser gives no positions, so problems are positioned afterwards by an
indentation scan of the front-matter text (:class:`FrontMatterIndex`), built only when an
article has a problem to position. Body rules scan the body's lines once.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import fastjsonschema

from .config import DEFAULT_CTA_PATTERNS, DEFAULT_FOOTER_PATTERNS, Config, ConfigError
from .edit.ops import Edit, RemoveItem, ReplaceItem, SetValue, apply_to_data
from .problems import RULES, Problem, problem
from .schema import BUNDLED_SCHEMA, read_schema
from .text import frontmatter

if TYPE_CHECKING:
    from .document import Source

CODE_KEYWORD = "x-copydesk-code"

FIXABLE = frozenset(code for code, r in RULES.items() if r.fixable)
TAG_FIX_CODES = frozenset({"CD302", "CD303", "CD304", "CD305"})
TAGS: tuple[str, ...] = ("tags",)

# --------------------------------------------------------------------------------------
# Schema loading


def _iso_datetime(value: str) -> bool:
    """ISO-8601 date-time with a time part; offset optional, ``T`` separator required."""
    if not _DATETIME_SHAPE.match(value):
        return False
    try:
        datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "zZ" else value)
    except ValueError:
        return False
    return True


# ASCII digits only (faster): datetime.fromisoformat refuses any other digit anyway.
_DATETIME_SHAPE = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?\Z", re.ASCII
)
_FORMATS: dict[str, Callable[[str], bool]] = {"date-time": _iso_datetime}


def _no_remote(uri: str) -> Any:
    raise fastjsonschema.JsonSchemaDefinitionException(f"remote $ref {uri!r} is not fetched: keep the schema in one file")


# A checker never goes to the network: every remote $ref is refused.
_HANDLERS = {scheme: _no_remote for scheme in ("http", "https", "ftp", "file", "urn", "data")}
_DATE_FORMATS = {"date-time", "date", "time"}
# Keywords the walk handles itself on an object / array node; any other keyword (besides
# annotations) makes the node a leaf that its compiled sub-validator checks whole.
_OBJECT_WALKED = {"type", "properties", "required", "additionalProperties"}
_ARRAY_WALKED = {"type", "items"}
_ANNOTATIONS = {
    "$schema", "$id", "id", "$comment", "title", "description", "default", "examples",
    "definitions", "$defs", "readOnly", "writeOnly", "deprecated", CODE_KEYWORD,
}  # fmt: skip


class Schema:
    """A compiled schema: the whole validator and lazily compiled sub-validators."""

    def __init__(self, root: dict[str, Any], path: Path) -> None:
        self.root = root
        self.path = path
        try:
            self.validate = fastjsonschema.compile(root, handlers=_HANDLERS, formats=_FORMATS)
        except (fastjsonschema.JsonSchemaDefinitionException, ValueError, TypeError, re.error) as exc:
            raise ConfigError(f"{path}: invalid JSON Schema: {exc}") from exc
        self._leaves: dict[int, Callable[[Any], Any]] = {}
        self._defs = {k: root[k] for k in ("definitions", "$defs") if isinstance(root.get(k), dict)}
        # Whether metadata as parsed (lists, not tuples) can be validated without a copy:
        # "default" makes the validator fill values in, and "uniqueItems" compares nested
        # lists and tuples differently.
        self.checks_in_place = not _uses_keywords(root, {"default", "uniqueItems"})

    def accepts(self, data: Any) -> bool:
        """Whether the whole schema accepts ``data``."""
        try:
            self.validate(data)
        except fastjsonschema.JsonSchemaValueException:
            return False
        return True

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref`` pointers (``#/definitions/x``)."""
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            target: Any = self.root
            for part in node["$ref"][1:].split("/"):
                if not part:
                    continue
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    return node
                target = target[part]
            node = target
            seen += 1
            if seen > 50:
                return node
        return node

    def leaf(self, node: dict[str, Any]) -> Callable[[Any], Any]:
        validator = self._leaves.get(id(node))
        if validator is None:
            validator = fastjsonschema.compile({**node, **self._defs}, handlers=_HANDLERS, formats=_FORMATS)
            self._leaves[id(node)] = validator
        return validator


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


_SCHEMAS: dict[tuple[str, int, int], Schema] = {}
_RECENT: dict[Path, tuple[float, Schema]] = {}
_RECHECK_SECONDS = 2.0  # a schema file edited while copydesk runs is picked up this late


def load_schema(config: Config) -> Schema:
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
    schema = _SCHEMAS.get(key)
    if schema is None:
        schema = _SCHEMAS[key] = Schema(read_schema(path), Path(path))
    _RECENT[path] = (now, schema)
    return schema


def validate_config(config: Config) -> None:
    """Raise ConfigError now for a bad schema or pattern, instead of while loading articles."""
    load_schema(config)
    where = config.source or "configuration"
    for key, patterns in (("cta-patterns", config.cta_patterns), ("footer-patterns", config.footer_patterns)):
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{where}: {key}: invalid regular expression {pattern!r}: {exc}") from exc


# --------------------------------------------------------------------------------------
# Positions in the front matter

Path_ = tuple[str | int, ...]

_NEWLINES = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines without their endings (``\\n``, ``\\r\\n`` or ``\\r``); no empty last line."""
    lines = text.split("\n") if "\r" not in text else _NEWLINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@dataclass(frozen=True, slots=True)
class Position:
    """Where a field is: 1-based file line, key column and value column (key's when none)."""

    line: int
    key_col: int
    value_col: int
    value_text: str  # the rest of the line from the value column


# A mapping key at the start of a line's content: quoted ('k' or "k") or plain (up to the
# first ": " / ":" at the end of the line), then the colon.
_ANY_KEY = re.compile(r"""(?:(['"])(.*?)\1|([^'"\s].*?))[ \t]*:(?=[ \t]|$)""")


def _key_column(line: str) -> tuple[int, bool]:
    """Column of the first character after indentation and ``- `` markers, and whether a dash was seen."""
    i = 0
    dash = False
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in " \t":
            i += 1
        elif ch == "-" and (i + 1 == n or line[i + 1] in " \t"):
            dash = True
            i += 1
        else:
            break
    return i, dash


class FrontMatterIndex:
    """Finds the line and columns of a field path in front-matter text by indentation.

    Handles block mappings and sequences (indented or flush), items of flow sequences and
    keys of flow mappings on the key's line; a path it cannot follow yields the deepest
    ancestor found.
    """

    def __init__(self, fm_text: str, first_line: int) -> None:
        self.lines = split_lines(fm_text)
        self.first_line = first_line
        self._block_keys: dict[tuple[int, int, int | None], dict[str, tuple[int, int, int]]] = {}

    def _content(self, i: int) -> bool:
        stripped = self.lines[i].lstrip(" \t")
        return bool(stripped) and not stripped.startswith("#")

    def _position(self, i: int, key_col: int, after_key: int) -> Position:
        line = self.lines[i]
        j = after_key
        while j < len(line) and line[j] in " \t":
            j += 1
        if j >= len(line) or line[j] == "#":
            return Position(self.first_line + i, key_col + 1, key_col + 1, "")
        return Position(self.first_line + i, key_col + 1, j + 1, line[j:])

    def _find_key(self, lo: int, hi: int, key: str, start_col: int | None) -> tuple[int, int, int] | None:
        """(line index, key column, column after the colon) of ``key`` in the block [lo, hi)."""
        text = key if isinstance(key, str) else str(key)  # `~: x`, `1: y` are keys too
        keys = self._block_keys.get((lo, hi, start_col))
        if keys is None:
            # One pass per block, then dictionary lookups: locating every key of a front
            # matter with thousands of keys was quadratic (seconds for 2,000 keys).
            keys = self._block_keys[(lo, hi, start_col)] = self._scan_block(lo, hi, start_col)
        return keys.get(text)

    def _scan_block(self, lo: int, hi: int, start_col: int | None) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = {}
        block_col = None
        for i in range(lo, hi):
            if not self._content(i):
                continue
            line = self.lines[i]
            col = start_col if (i == lo and start_col is not None) else _key_column(line)[0]
            if block_col is None:
                block_col = col
            if col != block_col:
                continue
            m = _ANY_KEY.match(line, col)
            if m:
                found.setdefault(m.group(2) if m.group(1) else m.group(3).rstrip(" \t"), (i, col, m.end()))
        return found

    def _block(self, i: int, key_col: int) -> tuple[int, int]:
        """Lines after line ``i`` that belong to the value of the key at ``key_col``."""
        j = i + 1
        last = i + 1
        while j < len(self.lines):
            if self._content(j):
                line = self.lines[j]
                indent = len(line) - len(line.lstrip(" \t"))
                flush_item = indent == key_col and line[indent] == "-" and line[indent + 1 : indent + 2] in ("", " ", "\t")
                if indent <= key_col and not flush_item:
                    break
                last = j + 1
            j += 1
        return i + 1, last

    def _find_item(self, lo: int, hi: int, index: int) -> tuple[int, int, int] | None:
        """(line index, dash column, item column) of the ``index``-th block sequence item."""
        item_indent = None
        count = -1
        for i in range(lo, hi):
            if not self._content(i):
                continue
            line = self.lines[i]
            indent = len(line) - len(line.lstrip(" \t"))
            is_item = line[indent] == "-" and line[indent + 1 : indent + 2] in ("", " ", "\t")
            if item_indent is None:
                if not is_item:
                    return None
                item_indent = indent
            if indent != item_indent or not is_item:
                continue
            count += 1
            if count == index:
                col = indent + 1
                while col < len(line) and line[col] in " \t":
                    col += 1
                return i, indent, col if col < len(line) else indent  # an empty item: its dash
        return None

    def _flow_item(self, i: int, start: int, index: int) -> int | None:
        """Column of the ``index``-th item of a flow sequence starting at or after ``start``."""
        line = self.lines[i]
        open_at = line.find("[", start)
        if open_at < 0:
            return None
        depth = 0
        count = 0
        quote = ""
        j = open_at + 1
        item_start = j
        while j < len(line):
            ch = line[j]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                if count == index:
                    break
                count += 1
                item_start = j + 1
            j += 1
        if count != index:
            return None
        while item_start < len(line) and line[item_start] in " \t":
            item_start += 1
        return item_start

    def find(self, path: Path_) -> Position | None:
        """The position of ``path`` (or of its deepest ancestor found); None if not even the first key."""
        lo, hi = 0, len(self.lines)
        start_col: int | None = None
        found: Position | None = None
        found_line = -1
        for part in path:
            if isinstance(part, int):
                hit = self._find_item(lo, hi, part)
                if hit is not None:
                    i, dash_col, col = hit
                    found = self._position_item(i, dash_col, col)
                    found_line = i
                    lo, hi = self._block(i, dash_col)
                    lo = i
                    start_col = col
                    continue
                if found is not None and found.value_text.startswith("["):
                    col = self._flow_item(found_line, found.value_col - 1, part)
                    if col is not None:
                        line = self.lines[found_line]
                        found = Position(found.line, col + 1, col + 1, line[col:])
                return found
            hit_key = self._find_key(lo, hi, part, start_col)
            if hit_key is None:
                if found is not None and found.value_text.startswith("{"):
                    line = self.lines[found_line]
                    m = re.compile(r"[{,][ \t]*(['\"]?)" + re.escape(part) + r"\1[ \t]*:").search(line, found.value_col - 1)
                    if m:
                        col = m.start(1)
                        return self._position(found_line, col, m.end())
                return found
            i, col, after = hit_key
            found = self._position(i, col, after)
            found_line = i
            lo, hi = self._block(i, col)
            start_col = None
        return found

    def _position_item(self, i: int, dash_col: int, col: int) -> Position:
        line = self.lines[i]
        return Position(self.first_line + i, col + 1, col + 1, line[col:])


class _Locator:
    """Lazily built positions for one article's problems."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._index: FrontMatterIndex | None = None

    @property
    def index(self) -> FrontMatterIndex:
        if self._index is None:
            self._index = FrontMatterIndex(self.source.front_matter, self.source.split.fm_first_line)
        return self._index

    def key(self, path: Path_) -> tuple[int, int]:
        pos = self.index.find(path) if path else None
        return (pos.line, pos.key_col) if pos else (1, 1)

    def value(self, path: Path_) -> tuple[int, int]:
        pos = self.index.find(path) if path else None
        if pos is None:
            return 1, 1
        return pos.line, pos.value_col


# --------------------------------------------------------------------------------------
# Front-matter rules


def dotted(path: Path_) -> str:
    """``("coverImage", "thumb")`` -> ``coverImage.thumb``; ``("tags", 2)`` -> ``tags[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:  # keys need not be strings: `~: x`, `1.5: y`, `true: z`
            out += f".{part}" if out else str(part)
    return out or "(front matter)"


def _show(value: Any, limit: int = 60) -> str:
    """A value quoted for a message (strings in quotes, the rest as JSON), shortened to about ``limit`` characters."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 1] + "…")
    try:
        text = json.dumps(_plain(value), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


_TYPE_NAMES = {
    str: "a string", bool: "a boolean", int: "an integer", float: "a number",
    list: "a list", tuple: "a list", dict: "a mapping", type(None): "empty (null)",
}  # fmt: skip
_SCHEMA_TYPE_NAMES = {
    "string": "a string", "boolean": "a boolean", "integer": "an integer", "number": "a number",
    "array": "a list", "object": "a mapping", "null": "null",
}  # fmt: skip


def _type_name(value: Any) -> str:
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_CONTAINERS = frozenset({MappingProxyType, dict, tuple, list})
_YAML11_BOOLS = frozenset("y Y yes Yes YES n N no No NO on On ON off Off OFF".split())
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_NUMBER_START = frozenset("0123456789+-")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+(?:[ \t]*(?:#.*)?)?\Z")

Suspect = tuple[str, Path_, Any]  # (kind, path, value) of a scalar YAML 1.1 and 1.2 read differently


def _prepare(meta: Mapping[str, Any]) -> tuple[dict[str, Any], list[Suspect]]:
    """Plain data for the validator, and the scalars YAML 1.1 and 1.2 read differently, in one pass.

    Read-only mappings become dicts; tuples are kept (fastjsonschema accepts them as arrays)
    unless they hold containers. :func:`_find_suspects` finds the same scalars without the
    copy.
    """
    found: list[Suspect] = []
    containers = _CONTAINERS
    bools = _YAML11_BOOLS

    def suspect(value: Any) -> str:
        if type(value) is int:
            return "int"
        if value in bools:
            return "bool"
        return "sexagesimal" if _SEXAGESIMAL.match(value) else ""

    def convert(node: Any, path: Path_) -> Any:
        if type(node) is MappingProxyType or type(node) is dict:
            out = {}
            for key, value in node.items():
                if key in bools or key == "<<":
                    found.append(("merge" if key == "<<" else "bool-key", path + (key,), key))
                kind = type(value)
                if kind in containers:
                    value = convert(value, path + (key,))
                elif (kind is str and ((len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START))) or (kind is int and not -8 < value < 8):
                    what = suspect(value)
                    if what:
                        found.append((what, path + (key,), value))
                out[key] = value
            return out
        holds_containers = False
        for i, value in enumerate(node):
            kind = type(value)
            if kind in containers:
                holds_containers = True
            elif (kind is str and ((len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START))) or (kind is int and not -8 < value < 8):
                what = suspect(value)
                if what:
                    found.append((what, path + (i,), value))
        if holds_containers:
            return [convert(v, path + (i,)) if type(v) in containers else v for i, v in enumerate(node)]
        return node if type(node) is tuple else tuple(node)  # as frozen metadata holds it

    return convert(meta, ()), found


def _find_suspects(node: Any, path: Path_, found: list[Suspect]) -> None:
    """Append to ``found`` what :func:`_prepare` finds in ``node``, in the same order,
    without copying anything (the common case: metadata the schema accepts as it is)."""
    bools = _YAML11_BOOLS
    containers = _CONTAINERS
    if type(node) is dict or type(node) is MappingProxyType:
        for key, value in node.items():
            if key in bools or key == "<<":
                found.append(("merge" if key == "<<" else "bool-key", path + (key,), key))
            kind = type(value)
            if kind is str:
                if (len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START):
                    what = "bool" if value in bools else ("sexagesimal" if _SEXAGESIMAL.match(value) else "")
                    if what:
                        found.append((what, path + (key,), value))
            elif kind in containers:
                _find_suspects(value, path + (key,), found)
            elif kind is int and not -8 < value < 8:
                found.append(("int", path + (key,), value))
        return
    holds_containers = False
    for i, value in enumerate(node):
        kind = type(value)
        if kind is str:
            if (len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START):
                what = "bool" if value in bools else ("sexagesimal" if _SEXAGESIMAL.match(value) else "")
                if what:
                    found.append((what, path + (i,), value))
        elif kind in containers:
            holds_containers = True
        elif kind is int and not -8 < value < 8:
            found.append(("int", path + (i,), value))
    if holds_containers:
        for i, value in enumerate(node):
            if type(value) in containers:
                _find_suspects(value, path + (i,), found)


# Where a leading-zero integer may be written: a "0" and digits up to the end of the line
# (or a comment). Only where this matches can an "int" suspect be a problem.
_LEADING_ZERO_TEXT = re.compile(r"0[0-9_]+[ \t]*(?:#[^\r\n]*)?(?![^\r\n])")
_VALUE_START_AFTER = frozenset(" \t-+:[,{?\r\n")


def _may_have_leading_zero(fm_text: str) -> bool:
    """Whether an integer with a leading zero may start a value somewhere in ``fm_text``:
    a ``0`` and digits up to the end of the line (or a comment) at a line start or after
    one of ``_VALUE_START_AFTER`` or a sign."""
    match = _LEADING_ZERO_TEXT.search(fm_text)
    while match is not None:
        start = match.start()
        if start == 0 or fm_text[start - 1] in _VALUE_START_AFTER:
            return True
        match = _LEADING_ZERO_TEXT.search(fm_text, start + 1)  # overlapping: every "0"
    return False


@dataclass
class _SchemaIssue:
    code: str
    path: Path_
    message: str
    at: str  # "key" or "value"


def _closest(word: str, choices: Iterable[str], cutoff: float = 75) -> str | None:
    from rapidfuzz import fuzz, process

    choices = list(choices)
    if not choices:
        return None
    hit = process.extractOne(word, choices, scorer=fuzz.ratio, processor=_fold, score_cutoff=cutoff)
    return hit[0] if hit else None


def _fold(text: str) -> str:
    return _NON_WORD.sub("", text.casefold())


_NON_WORD = re.compile(r"[\W_]+")


def _map_error(exc: fastjsonschema.JsonSchemaValueException, node: dict[str, Any], path: Path_) -> _SchemaIssue:
    """One fastjsonschema error (raised by the sub-validator of ``node`` at ``path``) as a problem."""
    rel = [p for p in (exc.path or [])[1:]]
    full: Path_ = path + tuple(int(p) if isinstance(p, int) else p for p in rel)
    name = dotted(full)
    definition = exc.definition if isinstance(exc.definition, dict) else {}
    code = definition.get(CODE_KEYWORD) or node.get(CODE_KEYWORD)
    rule_name = exc.rule
    value = exc.value
    if code == "CD205" or (code is None and rule_name == "pattern" and "https" in str(exc.rule_definition)):
        return _SchemaIssue("CD205", full, f"{name} is not an https URL: {_show(value)}", "value")
    if code in RULES and code != "CD205":
        return _SchemaIssue(code, full, f"{name}: {_relative_message(exc)}", "value")
    if rule_name == "type":
        wanted = exc.rule_definition
        wanted_names = " or ".join(_SCHEMA_TYPE_NAMES.get(t, str(t)) for t in (wanted if isinstance(wanted, list) else [wanted]))
        shown = "" if value is None else f" ({_show(value)})"
        return _SchemaIssue("CD202", full, f"{name} must be {wanted_names}, not {_type_name(value)}{shown}", "value")
    if rule_name in ("enum", "const"):
        allowed = exc.rule_definition if isinstance(exc.rule_definition, list) else [exc.rule_definition]
        shown = ", ".join(str(a) for a in allowed)
        hint = _closest(str(value), [str(a) for a in allowed], 60) if isinstance(value, str) else None
        extra = f" (did you mean {hint}?)" if hint and hint != value else ""
        return _SchemaIssue("CD203", full, f"{name} is {_show(value)}; allowed: {shown}{extra}", "value")
    if rule_name == "format" and exc.rule_definition in _DATE_FORMATS:
        return _SchemaIssue("CD204", full, f"{name} is not an ISO-8601 date-time: {_show(value)} (expected e.g. 2025-12-01T07:29:42Z)", "value")
    if rule_name == "required":
        missing = [k for k in (exc.rule_definition or []) if not (isinstance(value, dict) and k in value)]
        what = dotted(full + (missing[0],)) if missing else name
        return _SchemaIssue("CD201", full, f"missing required field {what!r}", "key")
    if rule_name == "additionalProperties":
        return _SchemaIssue("CD206", full, f"{name}: {_relative_message(exc)}", "key")
    return _SchemaIssue("CD209", full, f"{name} is {_show(value)}: {_constraint(exc)}", "value")


def _relative_message(exc: fastjsonschema.JsonSchemaValueException) -> str:
    message = exc.message
    if exc.name and message.startswith(exc.name):
        message = message[len(exc.name) :].strip()
    return message


def _constraint(exc: fastjsonschema.JsonSchemaValueException) -> str:
    d = exc.rule_definition
    return {
        "pattern": f"must match the pattern {d}",
        "minLength": f"must be at least {d} characters",
        "maxLength": f"must be at most {d} characters",
        "minimum": f"must be at least {d}",
        "maximum": f"must be at most {d}",
        "exclusiveMinimum": f"must be greater than {d}",
        "exclusiveMaximum": f"must be less than {d}",
        "minItems": f"must have at least {d} items",
        "maxItems": f"must have at most {d} items",
        "uniqueItems": "must not repeat items",
        "format": f"must be a valid {d}",
        "multipleOf": f"must be a multiple of {d}",
    }.get(exc.rule or "", _relative_message(exc))


def _walk(schema: Schema, node: Any, value: Any, path: Path_, out: list[_SchemaIssue]) -> None:
    node = schema.resolve(node)
    if node is True or node == {}:
        return
    if node is False:
        out.append(_SchemaIssue("CD209", path, f"{dotted(path)} is not allowed", "key"))
        return
    if not isinstance(node, dict):
        return
    keywords = set(node) - _ANNOTATIONS
    if isinstance(value, dict) and node.get("type", "object") == "object" and keywords <= _OBJECT_WALKED:
        props = node.get("properties") or {}
        required = node.get("required") or []
        for key in required:
            if key not in value:
                out.append(_SchemaIssue("CD201", path, f"missing required field {dotted(path + (key,))!r}", "key"))
        extra = node.get("additionalProperties", True)
        known = list(props)
        for key, item in value.items():
            child = path + (key,)
            if key in props:
                if key in required and _blank(item) and not _allows_blank(schema, props[key], item):
                    out.append(_SchemaIssue("CD207", child, f"required field {dotted(child)!r} is empty", "value"))
                    continue
                _walk(schema, props[key], item, child, out)
            elif extra is False:
                hint = _closest(str(key), known)
                extra_text = f" (did you mean {hint!r}?)" if hint else ""
                out.append(_SchemaIssue("CD206", child, f"unknown field {dotted(child)!r}{extra_text}", "key"))
            elif isinstance(extra, dict):
                _walk(schema, extra, item, child, out)
        return
    items = node.get("items")
    if isinstance(value, list) and node.get("type") == "array" and keywords <= _ARRAY_WALKED and isinstance(items, dict):
        for i, item in enumerate(value):
            _walk(schema, items, item, path + (i,), out)
        return
    try:
        schema.leaf(node)(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        out.append(_map_error(exc, node, path))


def _allows_blank(schema: Schema, node: Any, value: Any) -> bool:
    """A required field whose schema accepts a null/blank value is not a placeholder."""
    node = schema.resolve(node)
    if not isinstance(node, dict):
        return True
    try:
        schema.leaf(node)(value)
    except fastjsonschema.JsonSchemaValueException:
        return False
    return True


def _schema_issues(schema: Schema, data: dict[str, Any]) -> list[_SchemaIssue]:
    try:
        schema.validate(data)
    except fastjsonschema.JsonSchemaValueException as first:
        issues: list[_SchemaIssue] = []
        _walk(schema, schema.root, data, (), issues)
        if not issues:
            issues.append(_map_error(first, schema.root, ()))
        return issues
    return []


def _yaml_version_problems(candidates: list[Suspect], loc: _Locator) -> list[Problem]:
    out: list[Problem] = []
    for kind, path, value in candidates:
        pos = loc.index.find(path)
        if pos is None:
            continue
        name = dotted(path)
        if kind == "merge":
            out.append(problem("CD109", f"merge key '<<' in {name}: YAML 1.1 tools merge the mapping, YAML 1.2 readers keep a literal '<<' key", pos.line, pos.key_col))
        elif kind == "bool-key":
            if _unquoted_at(loc, pos.line, pos.key_col, value):
                out.append(problem("CD306", f"key {value!r} is unquoted: YAML 1.1 tools read the boolean {_bool11(value)}, YAML 1.2 the string {value!r} (quote it)", pos.line, pos.key_col))
        elif kind == "bool":
            if _unquoted_at(loc, pos.line, pos.value_col, value):
                out.append(problem("CD306", f"{name}: unquoted {value!r}: YAML 1.1 tools read the boolean {_bool11(value)}, YAML 1.2 the string {value!r} (write {_bool11(value)} or quote it)", pos.line, pos.value_col))
        elif kind == "sexagesimal":
            if _unquoted_at(loc, pos.line, pos.value_col, value):
                out.append(problem("CD109", f"{name}: unquoted {value!r} is a base-60 number in YAML 1.1 and a string in YAML 1.2 (quote it)", pos.line, pos.value_col))
        elif kind == "int" and _LEADING_ZERO.match(pos.value_text):
            written = pos.value_text.split("#")[0].strip()
            digits = written.lstrip("+-").replace("_", "")
            old = f"the octal number {int(digits, 8)}" if set(digits) <= set("01234567") else f"the string {written!r}"
            out.append(problem("CD109", f"{name}: {written} has a leading zero: YAML 1.1 tools read {old}, YAML 1.2 the number {value} (quote it)", pos.line, pos.value_col))
    return out


def _bool11(word: str) -> str:
    return "true" if word.lower() in ("y", "yes", "on") else "false"


def _unquoted_at(loc: _Locator, line: int, col: int, word: str) -> bool:
    text = loc.index.lines[line - loc.index.first_line]
    if not text.startswith(word, col - 1):
        return False
    rest = text[col - 1 + len(word) :].lstrip(" \t")
    return rest == "" or rest[0] in "#,]}:"


def _parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _iso_datetime(value):
        return None
    return datetime.fromisoformat(value[:-1] + "+00:00" if value[-1] in "zZ" else value)


def _date_problems(meta: Mapping[str, Any], loc: _Locator) -> list[Problem]:
    published_text = meta.get("publishedAt")
    updated_text = meta.get("updatedAt")
    if not isinstance(published_text, str) or not isinstance(updated_text, str):
        return []
    if len(published_text) == len(updated_text) and published_text[-1:] == updated_text[-1:] == "Z":
        # Same UTC layout: the strings order like the instants (when both are valid).
        if updated_text >= published_text:
            return []
    published = _parse_time(published_text)
    updated = _parse_time(updated_text)
    if published is None or updated is None:
        return []
    if (published.tzinfo is None) != (updated.tzinfo is None):
        return []  # one has an offset and the other not: not comparable
    if updated < published:
        line, col = loc.value(("updatedAt",))
        return [problem("CD301", f"updatedAt {updated_text} is before publishedAt {published_text}", line, col)]
    return []


def normalize_tag(tag: str) -> str:
    """The house form of a tag: upper-case, trimmed, single spaces."""
    return " ".join(tag.split()).upper()


def _plainly_clean_tags(tags: Sequence[Any]) -> bool:
    """Whether the tags certainly have none of the tag problems (no vocabulary asked): all
    printable ASCII, upper-case, trimmed, single-spaced and distinct (then each is its own
    house form). Tested on the tags joined, at C speed; anything else goes through the rules."""
    try:
        joined = "|".join(tags)
    except TypeError:  # not all strings
        return False
    return bool(
        joined
        and joined.isascii()
        and joined.isprintable()
        and joined.count("|") == len(tags) - 1
        and joined[0] not in "| "
        and joined[-1] not in "| "
        and "||" not in joined
        and " |" not in joined
        and "| " not in joined
        and "  " not in joined
        and joined == joined.upper()
        and len(set(tags)) == len(tags)
    )


def _tag_problems(tags: Sequence[Any], loc: _Locator, config: Config) -> list[Problem]:
    if not config.vocabulary and _plainly_clean_tags(tags):
        return []
    out: list[Problem] = []
    seen_exact: dict[str, int] = {}
    seen_norm: dict[str, int] = {}
    vocab = _vocabulary(config.vocabulary) if config.vocabulary else None
    for i, tag in enumerate(tags):
        path = ("tags", i)
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            line, col = loc.value(path)
            out.append(problem("CD305", f"tags[{i}] is empty", line, col))
            continue
        if not isinstance(tag, str):
            continue  # the schema reports the type
        norm = normalize_tag(tag)
        if tag in seen_exact or norm in seen_norm:
            first = seen_exact.get(tag, seen_norm.get(norm, 0))
            line, col = loc.value(path)
            same = "repeats" if tag == tags[first] else "duplicates"
            out.append(problem("CD302", f"tag {tag!r} {same} tags[{first}] {tags[first]!r}", line, col))
            continue
        seen_exact[tag] = i
        seen_norm[norm] = i
        if tag != tag.strip() or "  " in tag or "\t" in tag or "\n" in tag:
            line, col = loc.value(path)
            out.append(problem("CD304", f"tag {tag!r} has stray whitespace (should be {norm!r})", line, col))
        if tag != tag.upper():
            line, col = loc.value(path)
            out.append(problem("CD303", f"tag {tag!r} is not upper-case (should be {norm!r})", line, col))
        if vocab is not None and norm not in vocab[0]:
            line, col = loc.value(path)
            hint = _closest(norm, vocab[1])  # 60 named POLITICS for PORTS
            extra = f"; closest known tag: {hint!r}" if hint else "; no close match"
            out.append(problem("CD208", f"tag {tag!r} is not in the vocabulary{extra}", line, col))
    return out


@lru_cache(maxsize=8)
def _vocabulary(words: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    return frozenset(normalize_tag(w) for w in words), words


class _Unplaced:
    """The locator of a value not written yet: what the rules report on it is at 1:1."""

    def key(self, path: Path_) -> tuple[int, int]:
        return 1, 1

    def value(self, path: Path_) -> tuple[int, int]:
        return 1, 1


def _selected(problems: Iterable[Problem], config: Config) -> list[Problem]:
    """The problems whose code the configuration selects (``select`` / ``ignore``)."""
    from .document import rule_enabled

    return [p for p in problems if rule_enabled(config, p.code)]


def value_problems(config: Config, path: Path_, value: Any) -> list[Problem]:
    """What ``check`` would report on ``value`` once set at ``path`` (the command line's
    ``set``): the schema's verdict on the value (type, enum, date-time, pattern, an empty
    required field) and on the field's name (unknown: CD206), among the codes the
    configuration selects. What depends on the rest of the article (missing siblings,
    ``updatedAt`` before ``publishedAt``) is not judged here."""
    schema = load_schema(config)
    data: Any = value
    for key in reversed(path):
        data = {key: data}
    issues: list[_SchemaIssue] = []
    _walk(schema, schema.root, data, (), issues)
    # The data holds only this field: the fields it lacks (CD201), and whatever the
    # schema says about the whole mapping (an empty path), are not about the value.
    found = [problem(i.code, i.message) for i in issues if i.path and i.code != "CD201"]
    return _selected(found, config)


def tag_problems(tag: str, config: Config) -> list[Problem]:
    """What ``check`` would report on ``tag`` once added to an article (the command line's
    ``tag``): empty, stray whitespace, not upper-case, outside the configured vocabulary,
    among the codes the configuration selects."""
    return _selected(_tag_problems([tag], _Unplaced(), config), config)  # type: ignore[arg-type]


def check_meta(source: Source, config: Config) -> list[Problem]:
    """Schema and consistency problems of one article's front matter."""
    meta = source.meta
    if meta is None:
        return []
    loc = _Locator(source)
    out: list[Problem] = []
    schema = load_schema(config)
    if type(meta) is dict and schema.checks_in_place and schema.accepts(meta):
        # Metadata as parsed (not frozen) that the validator accepts as it is: no copy to make.
        suspects: list[Suspect] = []
        _find_suspects(meta, (), suspects)
    else:
        data, suspects = _prepare(meta)
        for issue in _schema_issues(schema, data):
            line, col = loc.key(issue.path) if issue.at == "key" else loc.value(issue.path)
            out.append(problem(issue.code, issue.message, line, col))
    out.extend(_date_problems(meta, loc))
    tags = meta.get("tags")
    if isinstance(tags, (tuple, list)):  # list: metadata as parsed, not frozen
        out.extend(_tag_problems(tags, loc, config))
    if suspects and (any(kind != "int" for kind, _, _ in suspects) or _may_have_leading_zero(source.front_matter)):
        # Locating a suspect costs an indentation scan: an integer (the common suspect) is
        # a problem only when written with a leading zero.
        out.extend(_yaml_version_problems(suspects, loc))
    return out


# --------------------------------------------------------------------------------------
# Body rules

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\Z")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*\Z")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"\s*(?:[-*+•▪◦‣·–—]|\d{1,3}[.)])(?:\s|\Z)")
_NUMBERED = re.compile(r"\d{1,3}[.)]\s")
_URL = re.compile(r"https?://|www\.")
_SPEAKER = re.compile(r"[\w.'’-]{1,30}:\Z")
_SENTENCE_END = ".!?:;,…"
_NON_TEXT_START = "!<[|>{`*_=#"


@lru_cache(maxsize=32)
def _combined(patterns: tuple[str, ...]) -> Callable[[str], Any]:
    """One matcher for a list of line patterns (a single regex when they combine)."""
    if not patterns:
        return lambda line: None
    pieces = []
    for p in patterns:
        m = re.match(r"\(\?([aiLmsux]+)\)", p)
        pieces.append(f"(?{m.group(1)}:{p[m.end():]})" if m else f"(?:{p})")
    try:
        combined = re.compile("|".join(pieces))
        for p in patterns:  # numbered back-references change meaning when combined
            if re.search(r"\\[1-9]", p):
                raise re.error("back-reference")
        return combined.match
    except re.error:
        compiled = []
        for p in patterns:
            try:
                compiled.append(re.compile(p))
            except re.error as exc:
                raise ConfigError(f"invalid pattern {p!r}: {exc}") from exc

        def match(line: str) -> Any:
            for c in compiled:
                m = c.match(line)
                if m:
                    return m
            return None

        return match


def _same_folded(text: str, folded: str) -> bool:
    """Whether ``_fold(text) == folded``, folding only a prefix of ``text`` when that
    already tells (folding works character by character, so the fold of a prefix is a
    prefix of the fold: a long first paragraph is not folded whole to compare it with a
    title)."""
    cut = 32
    if len(text) > cut:
        head = _fold(text[:cut])
        if len(head) > len(folded) or not folded.startswith(head):
            return False
    return _fold(text) == folded


def _norm_title(text: str) -> str:
    """Letters and digits only, case-folded: '## The *Title*' and 'The title.' compare equal."""
    return _fold(text)


@dataclass
class _Heading:
    index: int  # line index in the body
    level: int
    text: str


@dataclass
class _BodyScan:
    lines: list[str]
    kinds: list[str] = field(default_factory=list)  # blank, text, heading, rule, fence, promo
    headings: list[_Heading] = field(default_factory=list)
    promos: list[int] = field(default_factory=list)  # indices of promotional lines
    colons: list[int] = field(default_factory=list)  # indices of text lines ending in ':'


_MARKUP_START = frozenset("`~#=-*_")

# The default promotional patterns all match whitespace then one of a few emoji or words
# (case-insensitively). A line starting with two ASCII characters can match them only if
# those characters, lower-cased, start one of the words: most lines then skip the patterns
# (the costliest step of the body scan). tests/test_rules.py derives this set from the
# patterns themselves.
_DEFAULT_PROMO_PATTERNS = DEFAULT_CTA_PATTERNS + DEFAULT_FOOTER_PATTERNS
_DEFAULT_PROMO_STARTS = frozenset(
    {"cl", "si", "su", "re", "do", "jo", "te", "x ", "tw", "di", "fa", "li", "yo", "in", "fo"}
)


def _scan_body(lines: list[str], promo: Callable[[str], Any], promo_starts: frozenset[str] | None = None) -> _BodyScan:
    """Classify every body line once (hot path: keep the common text line cheap).

    ``promo_starts``: when given, a line whose first two characters (after whitespace) are
    ASCII can be promotional only if they are one of these, lower-cased (see
    :data:`_DEFAULT_PROMO_STARTS`); other lines are not matched against ``promo`` at all.
    """
    scan = _BodyScan(lines)
    kinds = scan.kinds
    append = kinds.append
    fence = ""
    prev_text = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if fence:
            append("fence")
            if stripped.startswith(fence):
                fence = ""
            continue
        if not stripped:
            append("blank")
            prev_text = False
            continue
        first = stripped[0]
        if first == "#":
            # What _markup_kind does for an ATX heading (the commonest markup line), inline.
            atx = _atx_heading(line)
            if atx is not None:
                scan.headings.append(_Heading(i, atx[0], atx[1]))
                append("heading")
                prev_text = False
                continue
        # List items and emphasis start with markup characters too; only fences,
        # underlines and rules (which end with their first character) need a closer look.
        elif first in _MARKUP_START and (first in "`~" or stripped[-1] == first):
            kind = _markup_kind(scan, i, line, stripped, first, prev_text)
            if kind:
                if kind == "fence":
                    fence = _FENCE.match(line).group(1)  # type: ignore[union-attr]
                append(kind)
                prev_text = False
                continue
        if promo_starts is not None:
            start = stripped[:2]
            maybe_promo = not start.isascii() or start.lower() in promo_starts
        else:
            maybe_promo = True
        if maybe_promo and promo(line):
            append("promo")
            scan.promos.append(i)
            prev_text = False
            continue
        append("text")
        if stripped[-1] == ":":
            scan.colons.append(i)
        prev_text = True
    return scan


def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, as ``_ATX`` reads it, or None.

    String operations instead of the regular expression, whose lazy text group costs a
    try per character (3 us per heading line; headings are common)."""
    if line[:1] == "#":
        rest = line
    else:
        indent = len(line) - len(line.lstrip(" "))
        if indent > 3:
            return None
        rest = line[indent:]
    level = len(rest) - len(rest.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = rest[level:]
    if not rest:
        return level, ""
    if rest[0] not in " \t":
        return None
    if rest[-1] not in " \t#":
        return level, rest.lstrip(" \t")  # no closing sequence or trailing whitespace
    # The text is the shortest that leaves a closing sequence (whitespace, hashes) and
    # trailing whitespace after it: strip the longest such end.
    text = rest.lstrip(" \t").rstrip(" \t")
    before_hashes = text.rstrip("#")
    if len(before_hashes) < len(text) and before_hashes[-1:] in (" ", "\t"):
        text = before_hashes.rstrip(" \t")
    return level, text


def _markup_kind(scan: _BodyScan, i: int, line: str, stripped: str, first: str, prev_text: bool) -> str:
    """The kind of a line starting with a Markdown markup character ('' for plain text)."""
    if first in "`~":
        return "fence" if _FENCE.match(line) else ""
    if first == "#":
        atx = _atx_heading(line)
        if atx is not None:
            scan.headings.append(_Heading(i, *atx))
            return "heading"
        return ""
    if stripped[-1] != first:
        return ""  # a list item or emphasis, not an underline or a rule
    if first in "=-" and prev_text and not stripped.strip(first) and _SETEXT.match(line):
        scan.kinds[i - 1] = "heading"
        scan.headings.append(_Heading(i - 1, 1 if first == "=" else 2, scan.lines[i - 1].strip()))
        return "rule"
    if first in "-*_" and len(stripped) >= 3 and not stripped.replace(" ", "").strip(first):
        return "rule"
    return ""


def _bare_headings(scan: _BodyScan, skip_first: bool) -> list[_Heading]:
    """Plain-text headings of scraped text: short one-line paragraphs without end punctuation."""
    lines, kinds = scan.lines, scan.kinds
    out: list[_Heading] = []
    first_text = next((i for i, k in enumerate(kinds) if k == "text"), None)
    for i, line in enumerate(lines):
        if kinds[i] != "text" or (skip_first and i == first_text):
            continue
        if (i > 0 and kinds[i - 1] != "blank") or (i + 1 < len(lines) and kinds[i + 1] != "blank"):
            continue
        s = line.strip()
        if len(s) > 100 or len(s.split()) > 15 or not (s[0].isupper() or s[0].isdigit()):
            continue
        end = s.rstrip("\"'”’)")
        if not end or end[-1] in _SENTENCE_END or _URL.search(s):
            continue
        numbered = _NUMBERED.match(s) is not None
        if s[0].isdigit() and not numbered:
            continue
        out.append(_Heading(i, 3 if numbered else 2, s))
    return out


def _empty_sections(scan: _BodyScan, headings: list[_Heading], bare: bool) -> list[_Heading]:
    empty = []
    heading_at = {h.index: h for h in headings}
    for h in headings:
        has_text = False
        closed_by_heading = False
        for j in range(h.index + 1, len(scan.lines)):
            other = heading_at.get(j)
            if other is not None:
                if other.level <= h.level:
                    closed_by_heading = True
                    break
                continue
            if scan.kinds[j] in ("text", "fence"):
                has_text = True
                break
        if bare and not closed_by_heading and not has_text:
            continue  # a last short line of scraped text is a sign-off, not a heading
        if not has_text:
            empty.append(h)
    return empty


def check_body(source: Source, config: Config, title: str | None = None) -> list[Problem]:
    """Body problems (CD401-CD407); lines are file lines."""
    text = source.text
    split = source.split
    raw = not split.has_front_matter
    start = split.body_start if not raw else (1 if split.bom else 0)
    first_line = split.body_first_line
    body = text[start:]
    if not body or body.isspace():
        line = first_line - 1 if not raw and first_line > 1 else 1
        return [problem("CD401", "the article has no body text", line, 1)]
    lines = split_lines(body)
    footer = _combined(tuple(config.footer_patterns))
    promo_patterns = tuple(config.cta_patterns) + tuple(config.footer_patterns)
    starts = _DEFAULT_PROMO_STARTS if promo_patterns == _DEFAULT_PROMO_PATTERNS else None
    scan = _scan_body(lines, _combined(promo_patterns), starts)
    kinds = scan.kinds
    out: list[Problem] = []

    def at(i: int) -> tuple[int, int]:
        line = lines[i]
        return first_line + i, len(line) - len(line.lstrip()) + 1

    # CD404 / CD405: promotional lines; footer lines separated only by blank lines are one problem.
    group: list[int] = []
    for i in scan.promos:
        line = lines[i]
        if not footer(line):
            out.append(problem("CD404", f"call-to-action line: {_show(line.strip(), 70)}", *at(i)))
            continue
        if group and not all(k == "blank" for k in kinds[group[-1] + 1 : i]):
            out.append(_footer_problem(lines, group[0], len(group), at))
            group = []
        group.append(i)
    if group:
        out.append(_footer_problem(lines, group[0], len(group), at))

    # CD402: headings with nothing under them.
    headings = scan.headings
    bare = False
    if not headings:
        headings = _bare_headings(scan, skip_first=raw)
        bare = True
    for h in _empty_sections(scan, headings, bare):
        label = "heading" if not bare else "heading-like line"
        out.append(problem("CD402", f"{label} {_show(h.text, 60)} has no text before the next heading", *at(h.index)))

    # CD403: a lead-in ending in ':' with no list after it.
    for i in scan.colons:
        s = lines[i].rstrip()
        if s.endswith("::") or _SPEAKER.match(s.lstrip()) or _LIST_ITEM.match(s):
            continue
        j = i + 1
        while j < len(lines) and kinds[j] == "blank":
            j += 1
        if j < len(lines) and _structured_follower(lines[j], kinds[j]):
            continue
        out.append(problem("CD403", f"line ends with ':' but no list follows: {_show(s.strip(), 60)}", *at(i)))

    # CD406: the title repeated at the top of the body.
    out.extend(_title_repeated(lines, kinds, title, raw, at))

    # CD407: trailing blank lines.
    last = len(lines) - 1
    while last >= 0 and kinds[last] == "blank":
        last -= 1
    trailing = len(lines) - 1 - last
    if trailing > 0:
        out.append(problem("CD407", f"{trailing} trailing blank line{'s' if trailing != 1 else ''} at the end of the body", first_line + last + 1, 1))
    return out


def _structured_follower(line: str, kind: str) -> bool:
    """Whether a line after a lead-in ending in ':' shows the list or example was kept.

    A list item, indented text, code, a table, a quotation, media or markup all count; so does
    a line starting in lower case (the lead-in was a hard-wrapped line, not a lead-in).
    """
    if kind == "fence" or line[:1] in " \t" or _LIST_ITEM.match(line) or "|" in line:
        return True
    first = line.lstrip()[:1]
    return first in "|>!<[{`:\"“'‘«" or first.islower()


def _footer_problem(lines: list[str], start: int, count: int, at: Callable[[int], tuple[int, int]]) -> Problem:
    more = f" (+{count - 1} more line{'s' if count > 2 else ''})" if count > 1 else ""
    return problem("CD405", f"social/community boilerplate: {_show(lines[start].strip(), 60)}{more}", *at(start))


def _title_repeated(lines: list[str], kinds: list[str], title: str | None, raw: bool, at: Callable[[int], tuple[int, int]]) -> list[Problem]:
    texts: list[int] = []  # the first six text or heading lines
    for i, kind in enumerate(kinds):
        if kind == "text" or kind == "heading":
            texts.append(i)
            if len(texts) == 6:
                break
    if not texts:
        return []
    if not raw:
        wanted = _norm_title(title) if title else ""
        if not wanted:
            return []
        first = texts[0]
        if _same_folded(lines[first], wanted):
            return [problem("CD406", "the body starts by repeating the title", *at(first))]
        return []
    if len(lines[texts[0]].split()) < 3:
        return []  # too short to call a repetition a scraping artefact
    head = _norm_title(lines[texts[0]])
    for i in texts[1:]:
        if _norm_title(lines[i]) == head:
            line, _ = at(texts[0])
            return [problem("CD406", f"the title line (line {line}) is repeated", *at(i))]
    return []


# --------------------------------------------------------------------------------------
# Entry point


def check_source(source: Source, config: Config, relpath: str) -> list[Problem]:
    """Every schema and editorial problem of one decoded article (structure problems excluded).

    Raw articles get only the body rules. Raises ConfigError when the configured schema or a
    pattern is invalid (call :func:`load_schema` first to report that up front).
    """
    out: list[Problem] = []
    title = None
    if source.split.has_front_matter and source.meta is not None:
        out.extend(check_meta(source, config))
        value = source.meta.get("title")
        title = value if isinstance(value, str) else None
    out.extend(check_body(source, config, title))
    return out


# --------------------------------------------------------------------------------------
# Fixes


def fixed_tags(tags: Sequence[Any], codes: Iterable[str] = FIXABLE) -> list[Any]:
    """``tags`` with the selected tag fixes applied (house form, duplicates and empties removed)."""
    codes = set(codes)
    out: list[Any] = []
    seen: set[Any] = set()
    for tag in tags:
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            if "CD305" in codes:
                continue
            out.append(tag)
            continue
        new = tag
        if isinstance(tag, str):
            if "CD304" in codes:
                new = " ".join(new.split())
            if "CD303" in codes:
                new = new.upper()
        key = normalize_tag(new) if isinstance(new, str) and "CD302" in codes else new
        if "CD302" in codes:
            if key in seen:
                continue
            seen.add(key)
        out.append(new)
    return out


def fix_edits(meta: Mapping[str, Any] | None, codes: Iterable[str] = FIXABLE) -> list[Edit]:
    """Front-matter edits for the selected mechanical fixes (tag case, whitespace, duplicates, empties).

    Item-level edits (replace/remove) are preferred so only the affected tag lines change;
    when they cannot express the result (an exact duplicate), the list is set whole.
    """
    codes = set(codes) & TAG_FIX_CODES
    if not meta or not codes:
        return []
    tags = meta.get("tags")
    if not isinstance(tags, (tuple, list)):
        return []
    current = list(tags)
    target = fixed_tags(current, codes)
    if target == current:
        return []
    edits: list[Edit] = []
    for tag in current:
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            if "CD305" in codes:
                edit: Edit = RemoveItem(TAGS, tag)
                if edit not in edits:
                    edits.append(edit)
            continue
        new = fixed_tags([tag], codes - {"CD302"})[0] if isinstance(tag, str) else tag
        if new != tag:
            edit = ReplaceItem(TAGS, tag, new)
            if edit not in edits:
                edits.append(edit)
    if apply_to_data({"tags": current}, edits).get("tags") == target:
        return edits
    return [SetValue(TAGS, target)]


def fix_body_text(text: str) -> str:
    """``text`` (a whole file) with the run of trailing blank lines after its body removed.

    The last text line keeps its own line ending; everything before the body is untouched.
    """
    split = frontmatter.split_text(text)
    start = split.body_start if split.has_front_matter else (1 if split.bom else 0)
    if split.kind == "unclosed":
        return text
    body = text[start:]
    stripped = body.rstrip()
    if not stripped:
        return text
    rest = body[len(stripped) :]
    m = re.match(r"[^\S\r\n]*(\r\n|\r|\n)?", rest)
    assert m is not None
    return text[:start] + stripped + m.group(0)
