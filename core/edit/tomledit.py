"""Edits of TOML front matter through tomlkit, which keeps every byte it is not asked to change.

Each edit is made on tomlkit's document (a value set in place keeps its key's spacing and
comment; a list item added keeps the list's layout); a new top-level key is written as one
line after the last top-level key (a mapping as an inline table), since tomlkit would
place it after the tables' blank line. The result is checked here to differ from the original only in the edited fields'
text: with the edited fields removed from both documents, tomlkit (which writes back what
it read byte for byte) must write the same text. The caller verifies the data by parsing.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from ..errors import CopydeskError
from .ops import (
    AddItem,
    DeleteKey,
    Edit,
    FieldPath,
    RemoveItem,
    RenameKey,
    ReplaceItem,
    SetValue,
    apply_to_data,
)

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
_TABLE_HEADER = re.compile(r"[ \t]*\[")


class TomlEditError(CopydeskError, ValueError):
    """An edit tomlkit cannot make without changing more than the field."""


def apply_toml(fm: str, data: dict[str, Any], edits: list[Edit], newline: str) -> str:
    """``fm`` (TOML text) with ``edits`` made; ``data`` is what it holds (as
    :func:`core.text.formats.parse_toml` reads it). Raises TomlEditError."""
    import tomlkit

    current = data
    for edit in edits:
        after = apply_to_data(current, [edit])
        if after == current:
            continue
        document = tomlkit.parse(fm)
        if _new_top_level_key(document, edit):
            fm = _insert_top_level(fm, edit.field[0], _value_of(after, edit.field[:1]), newline)
        else:
            _edit_document(document, edit, after)
            new_fm = document.as_string()
            if isinstance(edit, RenameKey):
                _check_only_key_renamed(fm, new_fm, edit)
            else:
                _check_only_field_changed(fm, new_fm, edit.field)
            fm = new_fm
        current = after
    return fm


def _value_of(data: Any, path: FieldPath) -> Any:
    for key in path:
        data = data[key]
    return data


def _new_top_level_key(document: Any, edit: Edit) -> bool:
    return not isinstance(edit, DeleteKey | RenameKey) and edit.field[0] not in document


def _insert_top_level(fm: str, key: str, value: Any, newline: str) -> str:
    """``key = value`` on a new line after the last top-level key (before the first table)."""
    import tomlkit

    if isinstance(value, dict):  # one line: an inline table
        item: Any = tomlkit.inline_table()
        item.update(_toml_value(value))
    else:
        item = _item_for(value, None)
    line = f"{_key_text(key)} = {item.as_string()}"
    lines = fm.splitlines(keepends=True)
    at = 0  # the offset after the last top-level content line
    offset = 0
    for text in lines:
        if _TABLE_HEADER.match(text):
            break
        offset += len(text)
        if text.strip() and not text.lstrip().startswith("#"):
            at = offset
    if at and not fm[:at].endswith(("\n", "\r")):
        line = newline + line
    return fm[:at] + line + newline + fm[at:]


def _key_text(key: str) -> str:
    import json

    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _toml_value(value: Any) -> Any:
    if value is None:
        raise TomlEditError("TOML has no null value (delete the field instead)")
    if isinstance(value, dict):
        return {k: _toml_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_toml_value(v) for v in value]
    return value


def _item_for(value: Any, old: Any) -> Any:
    """The tomlkit item for ``value`` where ``old`` was: a date-time literal stays one
    when the new text is one too; a literal string ('...') stays literal when it can."""
    import tomlkit

    if isinstance(value, str):
        if isinstance(old, (datetime.date, datetime.time)):
            try:
                parsed = tomlkit.parse(f"x = {value}")["x"]
            except Exception:  # noqa: BLE001 - not a date-time literal: a string
                parsed = None
            if isinstance(parsed, (datetime.date, datetime.time)) and parsed.as_string() == value:
                return parsed
        kind = getattr(old, "type", None)
        literal = isinstance(old, str) and kind is not None and hasattr(kind, "is_literal") and kind.is_literal()
        if literal and "'" not in value and "\n" not in value and "\r" not in value:
            return tomlkit.string(value, literal=True)
        return tomlkit.string(value)
    return tomlkit.item(_toml_value(value))


def _container(document: Any, path: FieldPath, create: bool) -> Any:
    import tomlkit

    node = document
    for key in path[:-1]:
        if key not in node:
            if not create:
                return None
            node[key] = tomlkit.table()
        node = node[key]
    return node


def _edit_document(document: Any, edit: Edit, after: dict[str, Any]) -> None:
    path = edit.field
    match edit:
        case SetValue(value=value):
            parent = _container(document, path, create=True)
            parent[path[-1]] = _item_for(value, parent.get(path[-1]))
        case DeleteKey():
            parent = _container(document, path, create=False)
            if parent is not None and path[-1] in parent:
                del parent[path[-1]]
        case AddItem(value=value):
            parent = _container(document, path, create=True)
            current = parent.get(path[-1])
            if current is None:
                parent[path[-1]] = _item_for([value], None)
            else:
                current.append(_toml_value(value))
        case RemoveItem(value=value):
            parent = _container(document, path, create=False)
            _remove_items(parent, path[-1], lambda item: item == value)
        case ReplaceItem(old=old, new=new):
            parent = _container(document, path, create=False)
            items = parent[path[-1]]
            plain = _plain_list(items)
            if new in plain:
                _remove_items(parent, path[-1], lambda item: item == old)
            else:
                for index, item in enumerate(plain):
                    if item == old:
                        items[index] = _item_for(new, items[index])
        case RenameKey(new=new):
            _rename(_container(document, path, create=False), path[-1], new)
        case _:
            raise TypeError(f"not an edit: {edit!r}")


def _rename(parent: Any, old: str, new: str) -> None:
    """Rename key ``old`` of table ``parent`` in place: only the key's text changes (its
    spacing before ``=``, the value and its comment stay)."""
    from tomlkit.container import Container
    from tomlkit.items import AoT, KeyType, SingleKey, Table

    container = parent if isinstance(parent, Container) else parent.value
    found = next(((key, value) for key, value in container.body if key is not None and key.key == old), None)
    if found is None:
        raise TomlEditError(f"cannot find the key {old!r}")
    key, value = found
    if key.is_dotted() or isinstance(value, (Table, AoT)):
        raise TomlEditError("the key is a table or a dotted key (rename it by hand)")
    written = key.as_string()
    spacing = written[len(written.rstrip(" \t")) :]
    bare = _BARE_KEY.match(new) is not None
    text = _key_text(new)
    # tomlkit's own replacement of a key in place (it keeps the value and its trivia)
    container._replace(key, SingleKey(new, KeyType.Bare if bare else KeyType.Basic, key.sep, text + spacing), value)


def _remove_items(parent: Any, key: str, matches: Callable[[Any], bool]) -> None:
    """Delete the items of array ``parent[key]`` that ``matches`` keeps, leaving no comma the
    array did not have: tomlkit leaves ``[ "a", ]`` when ``"b"`` goes from ``[ "a", "b" ]``."""
    import tomlkit

    items = parent[key]
    before = items.as_string()
    for index in reversed([i for i, item in enumerate(_plain_list(items)) if matches(item)]):
        del items[index]
    after = items.as_string()
    if _TRAILING_COMMA.search(before) or not _TRAILING_COMMA.search(after):
        return
    fixed = tomlkit.parse("x = " + _TRAILING_COMMA.sub(r"\1]", after))["x"]
    fixed.trivia.comment_ws, fixed.trivia.comment, fixed.trivia.trail = (
        items.trivia.comment_ws, items.trivia.comment, items.trivia.trail)
    parent[key] = fixed


_TRAILING_COMMA = re.compile(r",(\s*)\]\Z")


def _plain_list(items: Any) -> list[Any]:
    from ..text.formats import toml_plain

    return toml_plain(items)


def _check_only_field_changed(old: str, new: str, path: FieldPath) -> None:
    """Refuse unless ``old`` and ``new`` are the same text once the edited field (its first
    part the old text lacks, when it is new) is gone from both."""
    import tomlkit

    before = tomlkit.parse(old)
    node: Any = before
    depth = 0
    while depth < len(path) - 1 and isinstance(node, dict) and path[depth] in node:
        node = node[path[depth]]
        depth += 1
    cut = path[: depth + 1]
    if _without(before, cut) != _without(tomlkit.parse(new), cut):
        raise TomlEditError("the edit would change TOML outside the field (edit it by hand)")


def _check_only_key_renamed(old: str, new: str, edit: RenameKey) -> None:
    """Refuse unless ``old`` and ``new`` are the same text once the renamed field is gone
    from both (under its old name in ``old``, its new name in ``new``)."""
    import tomlkit

    if _without(tomlkit.parse(old), edit.field) != _without(tomlkit.parse(new), edit.target):
        raise TomlEditError("the rename would change TOML outside the key (edit it by hand)")


def _without(document: Any, path: FieldPath) -> str:
    """The document's text with ``path`` removed (as it is when absent)."""
    node = document
    for key in path[:-1]:
        if not isinstance(node, dict) or key not in node:
            return document.as_string()
        node = node[key]
    if isinstance(node, dict) and path[-1] in node:
        del node[path[-1]]
    return document.as_string()
