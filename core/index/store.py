"""The index file, ``<root>/.copydesk/index/articles.bin``: its key, its columns, reading and
writing it.

The index records a key of the configuration, the schema and copydesk's own code (every
file of the ``core`` package, :func:`code_files`): any change there discards it. The rule
selection is not part of that key: each entry records the selection its problems were
found under (see :class:`Columns`). The file is safe to delete, versioned, and written and
read as a private file (:mod:`core.index.private`).
"""

from __future__ import annotations

import hashlib
import os
import sys
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import fields
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import Any

from ..checks import SelectionKey, selection_key
from ..config import STATE_DIR, Config
from .private import read_private, write_private
from .records import PACK_FP, Entry

INDEX_FORMAT = 4
INDEX_DIR = "index"
INDEX_NAME = "articles.bin"  # the format version is inside: another one is rebuilt in place

_CORE = Path(__file__).resolve().parents[1]  # the ``core`` package, whose files the key hashes


def index_path(config: Config) -> Path:
    """Where the index of ``config``'s folder is kept."""
    return config.root / STATE_DIR / INDEX_DIR / INDEX_NAME


def index_token(config: Config) -> tuple[int, int, int] | None:
    """What identifies the index file as it is now (inode, size, modification time; the
    index is only ever replaced whole), or None when there is none."""
    try:
        info = os.stat(index_path(config))
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


# -- the key --------------------------------------------------------------------------------

_CODE_KEY: str | None = None


def code_files() -> list[Path]:
    """The files of copydesk's core the cached results may depend on: every module and data
    file of the ``core`` package and its sub-packages (the checks, the schema, the text
    layer, the model, this index...), so that no change to any of them serves a result it
    made before."""
    found: list[Path] = []
    for folder, subfolders, names in os.walk(_CORE):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        found += [Path(folder, name) for name in names if name.endswith((".py", ".json"))]
    return sorted(found)


def _code_key() -> str:
    """A digest of copydesk's core code and parser version (made once per process, ~1 ms):
    results change when they do."""
    global _CODE_KEY
    if _CODE_KEY is None:
        import yaml_rs

        digest = hashlib.sha256(f"{INDEX_FORMAT}|{sys.version}|{getattr(yaml_rs, '__version__', '?')}".encode())
        for path in code_files():
            digest.update(path.relative_to(_CORE).as_posix().encode())
            digest.update(path.read_bytes())
        _CODE_KEY = digest.hexdigest()
    return _CODE_KEY


# Not in the index's key: where the folder is and what names the file (the key digests the
# root itself), and the rule selection, which each entry records for itself.
_NOT_IN_KEY = {"root", "source", "keys", "journal_batches", "select", "ignore", "per_file_ignores"}


def config_key(config: Config) -> str:
    """What the results depend on besides each file and the rule selection: settings,
    schema file, copydesk's code."""
    digest = hashlib.sha256(_code_key().encode())
    for f in fields(config):
        if f.name not in _NOT_IN_KEY:
            digest.update(f"{f.name}={getattr(config, f.name)!r}\n".encode())
    digest.update(str(config.root).encode())
    if config.schema is not None:
        try:
            digest.update(config.schema.read_bytes())
        except OSError:
            digest.update(b"unreadable schema")
    return digest.hexdigest()


# -- the columns ----------------------------------------------------------------------------

# On disk the entries are stored by columns, most of them single byte strings that decode
# at memory speed: the keys (32 bytes each), the flags (one byte each), the fingerprints
# (56 bytes each, zeros for none) and the display values (concatenated, with their ends).
_FP_SIZE = PACK_FP.size
_NO_FP = bytes(_FP_SIZE)


class Columns:
    """The entries of an index file, decoded one by one when asked for."""

    __slots__ = ("relpaths", "keys", "flags", "problems", "fingerprints", "ends", "displays", "selections", "chosen")

    def __init__(self, relpaths: list[str], keys: bytes, flags: bytes, problems: list[bytes | None],
                 fingerprints: bytes, ends: array, displays: bytes, selections: list[SelectionKey],
                 chosen: array) -> None:
        self.relpaths = relpaths
        self.keys = keys
        self.flags = flags
        self.problems = problems
        self.fingerprints = fingerprints
        self.ends = ends  # end offset of each entry's display values in ``displays``
        self.displays = displays
        self.selections = selections  # every rule selection the entries were made under
        self.chosen = chosen  # each entry's selection: its position in ``selections``

    def __len__(self) -> int:
        return len(self.relpaths)

    def entry(self, i: int) -> Entry:
        fingerprint = self.fingerprints[i * _FP_SIZE : (i + 1) * _FP_SIZE]
        display = self.displays[self.ends[i - 1] if i else 0 : self.ends[i]]
        return (self.relpaths[i], self.keys[i * 32 : i * 32 + 32], self.flags[i], self.problems[i],
                None if fingerprint == _NO_FP else fingerprint, display or None)

    @classmethod
    def of(cls, entries: Sequence[Entry | int], config: Config, stored: Columns | None = None) -> Columns:
        """The columns of ``entries``; an int stands for the entry at that position in
        ``stored``, copied column by column: decoding every stored entry into a tuple first
        would hold ~20 MB more at 50,000 articles while the index is written. An entry made
        now was made under ``config``'s selection for its file; a stored one keeps its own."""
        selections: dict[SelectionKey, int] = {}

        def chosen(selection: SelectionKey) -> int:
            return selections.setdefault(selection, len(selections))

        def made_now(entry: Entry) -> int:
            return chosen(selection_key(config, entry[0]))

        if stored is None:
            columns = cls._of_entries(entries)  # type: ignore[arg-type]
            columns.chosen = array("H", map(made_now, entries))  # type: ignore[arg-type]
            columns.selections = list(selections)
            return columns
        old = stored

        def column(new: Callable[[Entry], Any], kept: Callable[[int], Any]) -> Iterator[Any]:
            return (kept(e) if type(e) is int else new(e) for e in entries)  # type: ignore[arg-type]

        def display_length(i: int) -> int:
            return old.ends[i] - (old.ends[i - 1] if i else 0)

        def display(i: int) -> bytes:
            return old.displays[old.ends[i - 1] if i else 0 : old.ends[i]]

        return cls(
            list(column(itemgetter(0), old.relpaths.__getitem__)),
            b"".join(column(itemgetter(1), lambda i: old.keys[i * 32 : i * 32 + 32])),
            bytes(column(itemgetter(2), old.flags.__getitem__)),
            list(column(itemgetter(3), old.problems.__getitem__)),
            b"".join(column(lambda e: e[4] or _NO_FP, lambda i: old.fingerprints[i * _FP_SIZE : (i + 1) * _FP_SIZE])),
            array("q", accumulate(column(lambda e: len(e[5] or b""), display_length))),
            b"".join(column(lambda e: e[5] or b"", display)),
            [],
            array("H", column(made_now, lambda i: chosen(old.selections[old.chosen[i]]))),
        )._with_selections(selections)

    def _with_selections(self, selections: dict[SelectionKey, int]) -> Columns:
        self.selections = list(selections)
        return self

    @classmethod
    def _of_entries(cls, entries: Sequence[Entry]) -> Columns:
        ends = array("q", accumulate(len(e[5] or b"") for e in entries))
        return cls([e[0] for e in entries], b"".join(e[1] for e in entries), bytes(e[2] for e in entries),
                   [e[3] for e in entries], b"".join(e[4] or _NO_FP for e in entries), ends,
                   b"".join(e[5] or b"" for e in entries), [], array("H"))


# -- reading and writing --------------------------------------------------------------------


def read_columns(config: Config) -> tuple[Columns | None, str]:
    """The stored entries (in relative-path order), and ``loaded`` or why there are none."""
    payload, status = read_private(index_path(config))
    if payload is None:
        return None, status
    if not isinstance(payload, tuple) or not payload or payload[0] != INDEX_FORMAT:
        return None, "other format"
    try:
        _, stored_key, relpaths, keys, flags, problems, fingerprints, ends, displays, selections, chosen = payload
        ends = array("q", ends)
        chosen = array("H", chosen)
        if not all(type(key) is tuple and len(key) == 3 for key in selections):
            raise ValueError("not a selection")
    except (ValueError, TypeError):
        return None, "damaged"
    if stored_key != config_key(config):
        return None, "settings or copydesk changed"
    count = len(relpaths)
    if not (count == len(flags) == len(problems) == len(ends) == len(chosen) == len(keys) // 32
            == len(fingerprints) // _FP_SIZE and len(keys) == count * 32 and (not count or ends[-1] == len(displays))
            and (not count or max(chosen) < len(selections))):
        return None, "damaged"
    return Columns(relpaths, keys, flags, problems, fingerprints, ends, displays, selections, chosen), "loaded"


def load_index(config: Config) -> tuple[dict[str, Entry], str]:
    """The stored entries by relative path, and ``loaded`` or why there are none."""
    columns, status = read_columns(config)
    if columns is None:
        return {}, status
    return {columns.relpaths[i]: columns.entry(i) for i in range(len(columns))}, status


def save_index(config: Config, entries: Sequence[Entry | int], stored: Columns | None = None) -> bool:
    """Write the index atomically (``entries`` in relative-path order; an int stands for the
    entry at that position in ``stored``); False when it cannot be written (the folder is
    read-only...)."""
    columns = Columns.of(entries, config, stored)
    return write_private(index_path(config), (
        INDEX_FORMAT, config_key(config), columns.relpaths, columns.keys, columns.flags, columns.problems,
        columns.fingerprints, columns.ends.tobytes(), columns.displays,
        columns.selections, columns.chosen.tobytes(),
    ))
