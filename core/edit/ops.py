"""The edit operations every writer (CLI, TUI, adopt, ``--fix``) expresses its changes in.

An edit names a field by its path of keys (``("source", "name")``; see :func:`parse_field`)
and says what to do. :mod:`core.edit.apply` applies a sequence of them to an article's text
surgically; :func:`apply_to_data` applies them to plain data, which is what the editor
verifies the re-parsed result against and what the TUI shows for staged edits.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import CopydeskError

FieldPath = tuple[str, ...]


def parse_field(dotted: str, alias: bool = True) -> FieldPath:
    """``"source.name"`` -> ``("source", "name")``; ``tag`` is an alias of ``tags`` (unless
    ``alias`` is false: a key to rename is named as it is written)."""
    parts = tuple(p for p in dotted.strip().split("."))
    if not parts or any(not p for p in parts):
        raise ValueError(f"invalid field name {dotted!r}")
    if alias and parts == ("tag",):
        return ("tags",)
    return parts


def field_name(path: FieldPath) -> str:
    return ".".join(path)


@dataclass(frozen=True, slots=True)
class SetValue:
    """Set a field (created with its parents when missing); a list value replaces the list."""

    field: FieldPath
    value: Any


@dataclass(frozen=True, slots=True)
class DeleteKey:
    """Remove a field and its lines (no-op when absent)."""

    field: FieldPath


@dataclass(frozen=True, slots=True)
class AddItem:
    """Append ``value`` to a list field (created when missing); no-op when already present."""

    field: FieldPath
    value: Any


@dataclass(frozen=True, slots=True)
class RemoveItem:
    """Remove every item equal to ``value`` from a list field (no-op when absent)."""

    field: FieldPath
    value: Any


@dataclass(frozen=True, slots=True)
class ReplaceItem:
    """Rename ``old`` to ``new`` in a list field, in place; when ``new`` is already present,
    ``old`` is removed instead (a merge never creates a duplicate)."""

    field: FieldPath
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RenameKey:
    """Rename the last key of ``field`` to ``new`` in its mapping, in place: the key keeps
    its position and its value (no-op when the field is absent; an EditError when ``new``
    is already a key of that mapping)."""

    field: FieldPath
    new: str

    @property
    def target(self) -> FieldPath:
        """The field's path once renamed."""
        return self.field[:-1] + (self.new,)


@dataclass(frozen=True, slots=True)
class ReplaceText:
    """Replace the whole file text ``old`` by ``new``: adopting a raw article, a body fix.

    Applied before the other edits of its sequence, which then edit ``new``; refused when the
    file no longer holds ``old`` (a text rewrite never merges with another change). ``meta``
    is the front matter ``new`` holds, as parsed: what :func:`apply_to_data` gives.
    ``what`` says what it does, for the user (``adopt``, ``remove the call-to-action line 12``).
    """

    old: str
    new: str
    meta: Mapping[str, Any]
    what: str
    field: FieldPath = ()


Edit = SetValue | DeleteKey | AddItem | RemoveItem | ReplaceItem | RenameKey | ReplaceText


def touched_fields(edit: Edit) -> tuple[FieldPath, ...]:
    """The fields whose value ``edit`` may change: its field, and for a rename the new name
    too; none named for a text rewrite (it never merges: every field is its own)."""
    if isinstance(edit, ReplaceText):
        return ()
    return (edit.field, edit.target) if isinstance(edit, RenameKey) else (edit.field,)


def text_replacements(edits: Sequence[Edit]) -> tuple[list[ReplaceText], list[Edit]]:
    """The leading :class:`ReplaceText` edits of ``edits`` and the edits after them."""
    count = 0
    while count < len(edits) and isinstance(edits[count], ReplaceText):
        count += 1
    if any(isinstance(e, ReplaceText) for e in edits[count:]):
        raise EditError("a text replacement must come before the field edits")
    return list(edits[:count]), list(edits[count:])  # type: ignore[arg-type]


def describe_edit(edit: Edit, *, short: bool = False) -> str:
    """One edit in words, as a notice says it (``add 'ASIA' to tags``, ``set draft to
    true``) or, ``short``, as a commit subject does (``tags +ASIA``, ``draft``); a text
    rewrite by what it does (``adopt``). Values are as edited: printing them is the
    caller's (``core.display.printable``)."""
    if isinstance(edit, ReplaceText):
        return edit.what
    name = ".".join(str(part) for part in edit.field)
    match edit:
        case SetValue(value=value):
            if short:
                return name
            shown = ("true" if value else "false") if isinstance(value, bool) else repr(value)
            return f"set {name} to {shown if len(shown) <= 40 else shown[:39] + '…'}"
        case DeleteKey():
            return f"{name} deleted" if short else f"delete {name}"
        case RenameKey(new=new):
            return f"{name}→{new}" if short else f"rename {name} to {new!r}"
        case AddItem(value=value):
            return f"{name} +{value}" if short else f"add {value!r} to {name}"
        case RemoveItem(value=value):
            return f"{name} -{value}" if short else f"remove {value!r} from {name}"
        case ReplaceItem(old=old, new=new):
            return f"{name} {old}→{new}" if short else f"rename {old!r} to {new!r} in {name}"
    raise TypeError(f"not an edit: {edit!r}")


class EditError(CopydeskError, ValueError):
    """An edit that makes no sense for the data (e.g. adding an item to a string field)."""


def apply_to_data(meta: Mapping[str, Any] | None, edits: Sequence[Edit]) -> dict[str, Any]:
    """The plain data that ``edits`` should produce from ``meta`` (a deep copy is edited)."""
    data: dict[str, Any] = mutable_copy(meta) if meta is not None else {}
    for edit in edits:
        _apply_one(data, edit)
    return data


def mutable_copy(value: Any) -> Any:
    """A deep, mutable copy of metadata: mappings become dicts, tuples and lists become lists.

    The same as ``core.document.thaw``, with the plain types tested first: an ``isinstance``
    test against the abstract ``Mapping`` is most of the cost of copying a front matter.
    """
    cls = value.__class__
    if cls is dict or cls is MappingProxyType:
        return {k: mutable_copy(v) for k, v in value.items()}
    if cls is list or cls is tuple:
        return [mutable_copy(v) for v in value]
    if cls is str or cls is int or cls is bool or cls is float or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: mutable_copy(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [mutable_copy(v) for v in value]
    return value


def _parent(data: dict[str, Any], path: FieldPath, create: bool) -> dict[str, Any] | None:
    node: Any = data
    for key in path[:-1]:
        if not isinstance(node, dict):
            raise EditError(f"{'.'.join(path)}: {key!r} is inside a value that is not a mapping")
        if key not in node or node[key] is None:
            if not create:
                return None
            node[key] = {}
        node = node[key]
    if not isinstance(node, dict):
        raise EditError(f"{'.'.join(path)}: parent is not a mapping")
    return node


def _list_at(data: dict[str, Any], path: FieldPath, create: bool) -> list[Any] | None:
    parent = _parent(data, path, create)
    if parent is None:
        return None
    key = path[-1]
    current = parent.get(key)
    if current is None:
        if not create:
            return None
        parent[key] = current = []
    if not isinstance(current, list):
        from ..checks.wording import show
        from ..display import kind_of

        raise EditError(f"{'.'.join(path)} is {kind_of(current)} ({show(current)}), not a list")
    return current


def _apply_one(data: dict[str, Any], edit: Edit) -> None:
    match edit:
        case SetValue(field=path, value=value):
            parent = _parent(data, path, create=True)
            assert parent is not None
            parent[path[-1]] = copy.deepcopy(value)
        case DeleteKey(field=path):
            parent = _parent(data, path, create=False)
            if parent is not None:
                parent.pop(path[-1], None)
        case AddItem(field=path, value=value):
            items = _list_at(data, path, create=True)
            assert items is not None
            if value not in items:
                items.append(value)
        case RemoveItem(field=path, value=value):
            items = _list_at(data, path, create=False)
            if items is not None:
                items[:] = [item for item in items if item != value]
        case ReplaceText(meta=meta):
            data.clear()
            data.update(mutable_copy(meta))
        case ReplaceItem(field=path, old=old, new=new):
            items = _list_at(data, path, create=False)
            if items is None or old not in items:
                return
            if new in items:
                items[:] = [item for item in items if item != old]
            else:
                items[:] = [new if item == old else item for item in items]
        case RenameKey(field=path, new=new):
            parent = _parent(data, path, create=False)
            old = path[-1]
            if parent is None or old not in parent or new == old:
                return
            if new in parent:
                raise EditError(f"cannot rename {'.'.join(path)} to {new!r}: {'.'.join(edit.target)} exists already")
            # rebuilt in place so that the key keeps its position
            items = list(parent.items())
            parent.clear()
            parent.update((new if key == old else key, value) for key, value in items)
        case _:
            raise TypeError(f"not an edit: {edit!r}")
