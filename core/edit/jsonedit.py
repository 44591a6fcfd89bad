"""Surgical edits of JSON front matter: only the edited value's text is replaced.

The front matter is scanned once per edit into a tree of value spans (:func:`scan`); an edit
replaces the span of the value it changes, inserts one ``"key": value`` pair after the last
one of its object (on its own line before the last pair of a multi-line object, so that
no other line changes), or removes one pair with its comma. A new value copies its neighbours'
layout: a list written one item per line stays so, with the same indentation. The caller
verifies the result by parsing it (:mod:`core.edit.apply`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .ops import Edit, FieldPath, RenameKey, apply_to_data

_WS = re.compile(r"[ \t\r\n]*")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_DECODER = json.JSONDecoder()


@dataclass
class Span:
    """One JSON value in the text: ``start``/``end`` character offsets."""

    kind: str  # "object", "array" or "scalar"
    start: int
    end: int
    pairs: list[tuple[str, int, Span]] = field(default_factory=list)  # key, key offset, value
    items: list[Span] = field(default_factory=list)

    def get(self, key: str) -> tuple[int, Span] | None:
        for index, (name, _, value) in enumerate(self.pairs):
            if name == key:
                return index, value
        return None


def scan(text: str) -> Span:
    """The span tree of the JSON value in ``text`` (valid JSON: the caller parsed it)."""
    value, end = _value(text, _WS.match(text, 0).end())  # type: ignore[union-attr]
    return value


def _skip(text: str, at: int) -> int:
    return _WS.match(text, at).end()  # type: ignore[union-attr]


def _value(text: str, at: int) -> tuple[Span, int]:
    ch = text[at]
    if ch == "{":
        node = Span("object", at, at)
        at = _skip(text, at + 1)
        while text[at] != "}":
            key_at = at
            key, at = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
            at = _skip(text, at)
            at = _skip(text, at + 1)  # the colon
            value, at = _value(text, at)
            node.pairs.append((key, key_at, value))
            at = _skip(text, at)
            if text[at] == ",":
                at = _skip(text, at + 1)
        node.end = at + 1
        return node, at + 1
    if ch == "[":
        node = Span("array", at, at)
        at = _skip(text, at + 1)
        while text[at] != "]":
            value, at = _value(text, at)
            node.items.append(value)
            at = _skip(text, at)
            if text[at] == ",":
                at = _skip(text, at + 1)
        node.end = at + 1
        return node, at + 1
    if ch == '"':
        _, end = json.decoder.scanstring(text, at + 1)  # type: ignore[attr-defined]
        return Span("scalar", at, end), end
    for word in ("true", "false", "null"):
        if text.startswith(word, at):
            return Span("scalar", at, at + len(word)), at + len(word)
    number = _NUMBER.match(text, at)
    if number is None:
        raise ValueError(f"not JSON at offset {at}")
    return Span("scalar", at, number.end()), number.end()


def apply_json(fm: str, data: dict[str, Any], edits: list[Edit], newline: str) -> str:
    """``fm`` (a JSON object's text) with ``edits`` made; ``data`` is what it holds.
    Raises ValueError with a reason when an edit cannot be placed."""
    current = data
    for edit in edits:
        after = apply_to_data(current, [edit])
        if after != current:
            if isinstance(edit, RenameKey):
                fm = _rename_key(fm, edit.field, edit.new)
            else:
                fm = _edit_one(fm, edit.field, current, after, newline)
        current = after
    return fm


_MISSING = object()


def _lookup(data: Any, path: FieldPath) -> Any:
    node = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _edit_one(fm: str, path: FieldPath, before: dict[str, Any], after: dict[str, Any], newline: str) -> str:
    root = scan(fm)
    new_value = _lookup(after, path)
    # the deepest object along the path that exists in the text
    node = root
    depth = 0
    parents: list[Span] = []
    while depth < len(path):
        if node.kind != "object":
            raise ValueError(f"{'.'.join(path[:depth])} is not an object")
        found = node.get(path[depth])
        if found is None:
            break
        parents.append(node)
        node = found[1]
        depth += 1
    if depth == len(path):  # the field exists: replace or remove it
        if new_value is _MISSING:
            return _remove_pair(fm, parents[-1], path[-1])
        return fm[: node.start] + _render_like(fm, node, new_value, newline) + fm[node.end :]
    if new_value is _MISSING:
        return fm  # nothing to delete
    if node.kind == "scalar" and fm[node.start : node.end] == "null" and depth:
        # a null parent to fill: the new object takes its place
        return fm[: node.start] + _render(_lookup(after, path[:depth]), "", "", newline) + fm[node.end :]
    nested: Any = new_value
    for key in reversed(path[depth + 1 :]):
        nested = {key: nested}
    return _insert_pair(fm, node, path[depth], nested, newline)


def _rename_key(fm: str, path: FieldPath, new: str) -> str:
    """``fm`` with the key string of ``path`` (which exists) replaced by ``new``'s."""
    node = scan(fm)
    for key in path[:-1]:
        found = node.get(key) if node.kind == "object" else None
        if found is None:
            raise ValueError(f"cannot find {'.'.join(path)}")
        node = found[1]
    for name, key_at, _ in node.pairs:
        if name == path[-1]:
            _, end = json.decoder.scanstring(fm, key_at + 1)  # type: ignore[attr-defined]
            return fm[:key_at] + json.dumps(new, ensure_ascii=False) + fm[end:]
    raise ValueError(f"cannot find {'.'.join(path)}")


def _line_start(fm: str, at: int) -> int:
    return max(fm.rfind("\n", 0, at), fm.rfind("\r", 0, at)) + 1


def _indent_at(fm: str, at: int) -> str:
    """The indentation of the line holding offset ``at``."""
    start = _line_start(fm, at)
    return fm[start : _WS.match(fm, start).end()].lstrip("\r\n")  # type: ignore[union-attr]


def _starts_line(fm: str, at: int) -> bool:
    return fm[_line_start(fm, at) : at].strip(" \t") == ""


def _multiline(fm: str, node: Span) -> bool:
    return "\n" in fm[node.start : node.end] or "\r" in fm[node.start : node.end]


def _render(value: Any, indent: str, step: str, newline: str) -> str:
    """``value`` as JSON: one line, or (with ``step``) containers one entry per line."""
    if not step or not isinstance(value, (dict, list)) or not value:
        return json.dumps(value, ensure_ascii=False)
    inner = indent + step
    if isinstance(value, dict):
        entries = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_render(v, inner, step, newline)}" for k, v in value.items()]
        return "{" + newline + ("," + newline).join(entries) + newline + indent + "}"
    entries = [inner + _render(v, inner, step, newline) for v in value]
    return "[" + newline + ("," + newline).join(entries) + newline + indent + "]"


def _step(fm: str, node: Span) -> str:
    """How far the entries of a multi-line container are indented past its own line."""
    first = node.pairs[0][1] if node.pairs else node.items[0].start if node.items else None
    if first is None:
        return "  "
    own = _indent_at(fm, node.start)
    inner = _indent_at(fm, first)
    return inner[len(own) :] if inner.startswith(own) and len(inner) > len(own) else "  "


def _render_like(fm: str, old: Span, value: Any, newline: str) -> str:
    """``value`` written in the layout of the value ``old`` it replaces; the items of a
    list that stay keep their text."""
    if old.kind == "array" and isinstance(value, list) and old.items:
        originals: dict[str, list[str]] = {}
        for item in old.items:
            written = fm[item.start : item.end]
            originals.setdefault(_same(json.loads(written)), []).append(written)
        texts = []
        for v in value:
            kept = originals.get(_same(v))
            texts.append(kept.pop(0) if kept else json.dumps(v, ensure_ascii=False))
        if not _multiline(fm, old):
            separator = fm[old.items[0].end : old.items[1].start] if len(old.items) > 1 else ", "
            return "[" + separator.join(texts) + "]"
        if not value:
            return "[]"
        indent = _indent_at(fm, old.items[0].start)
        closing = _indent_at(fm, old.end - 1) if _starts_line(fm, old.end - 1) else _indent_at(fm, old.start)
        return "[" + newline + ("," + newline).join(indent + t for t in texts) + newline + closing + "]"
    if old.kind in ("array", "object") and _multiline(fm, old):
        return _render(value, _indent_at(fm, old.start), _step(fm, old), newline)
    return json.dumps(value, ensure_ascii=False)


def _same(value: Any) -> str:
    """A key that equal JSON values share (``1`` and ``true`` apart)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _remove_pair(fm: str, parent: Span, key: str) -> str:
    found = parent.get(key)
    assert found is not None
    index, value = found
    pairs = parent.pairs
    if len(pairs) == 1:
        return fm[: parent.start] + "{}" + fm[parent.end :]
    if index + 1 < len(pairs):
        # from this key to the next one: its comma and the line break go with it
        start, stop = pairs[index][1], pairs[index + 1][1]
        if _starts_line(fm, start) and _starts_line(fm, stop):
            start, stop = _line_start(fm, start), _line_start(fm, stop)  # whole lines
        return fm[:start] + fm[stop:]
    # the last pair: from the end of the previous value (its comma) to the end of this one
    return fm[: pairs[index - 1][2].end] + fm[value.end :]


def _insert_pair(fm: str, parent: Span, key: str, value: Any, newline: str) -> str:
    if parent.kind != "object":
        raise ValueError(f"cannot add {key!r}: its parent is not an object")
    name = json.dumps(key, ensure_ascii=False)
    if not parent.pairs:
        return fm[: parent.start] + "{" + name + ": " + json.dumps(value, ensure_ascii=False) + "}" + fm[parent.end :]
    last_key_at, last = parent.pairs[-1][1], parent.pairs[-1][2]
    if _multiline(fm, parent) and _starts_line(fm, last_key_at):
        # On its own line before the last pair: after it, the last pair's line would
        # change too (it gains a comma), and only the new field's lines may.
        indent = _indent_at(fm, last_key_at)
        multiline = isinstance(value, (dict, list)) and value and _multiline(fm, last)
        rendered = _render(value, indent, _step(fm, parent), newline) if multiline else json.dumps(value, ensure_ascii=False)
        at = _line_start(fm, last_key_at)
        return fm[:at] + f"{indent}{name}: {rendered},{newline}" + fm[at:]
    separator = fm[parent.pairs[0][2].end : parent.pairs[1][1]] if len(parent.pairs) > 1 else ", "
    return fm[: last.end] + f"{separator}{name}: {json.dumps(value, ensure_ascii=False)}" + fm[last.end :]
