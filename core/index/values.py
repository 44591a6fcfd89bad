"""The values of a few metadata keys of every article, kept beside the index (the view
``values``), so that ``list --where``, ``tags`` and the planning of ``set`` / ``tag --where``
answer from the index without reading every file again.

A scan asked for them (``scan(..., values=True)``: ``check`` and those commands) has its
workers keep, for each file it parses, the values of :func:`kept_keys` and the article's
field names, and merges them into the view. Each value records the version of the file it
was read from (16 bytes of its SHA-256): :func:`listed_articles` uses it only for that
version and reads any other file again (and keeps what it read), so a stale or missing
view costs speed, never a wrong answer.
"""

from __future__ import annotations

import marshal
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import closing
from typing import TYPE_CHECKING, Any

from ..config import Config
from .records import DISPLAY_KEYS
from .views import load_view_parts, save_view, view_path

if TYPE_CHECKING:
    from .scanning import Scan

VALUES_VIEW = "values"  # the name of the view (core.index.views)
_FORMAT = "2"
# The keys every list, filter and tag count of the terminal UI and the command line read
# first; the taxonomies and the list's columns are added (kept_keys).
BASE_KEYS = ("title", "description", "publishedAt", "source", "category", "sentiment", "draft", "tags", "lang")
_PART = 2_000  # articles per part of the view (written and read one part at a time)

# One article's kept values: (version: 16 bytes, which keys it has: bit i for the i-th kept
# key, None without readable front matter; their values in the kept keys' order, None for
# a key it lacks; its dotted field names).
Kept = tuple[bytes, int | None, tuple[Any, ...], tuple[str, ...]]
# What values_of reads of one article: Kept without the version.
Read = tuple[int | None, tuple[Any, ...], tuple[str, ...]]
# What a scan's worker sends back for one article (packed_values): its mask and values
# marshalled together, and its field names. Bytes cost the result pipe and the scan's
# process a fraction of the objects they stand for (no pickling value by value, nothing
# for the garbage collector to walk); they are decoded only when written, a part at a time.
Packed = tuple[bytes, tuple[str, ...]]
# Kept as a scan holds it until written: the version, then Packed.
KeptPacked = tuple[bytes, bytes, tuple[str, ...]]


def kept_keys(config: Config) -> tuple[str, ...]:
    """The top-level keys whose values are kept: :data:`BASE_KEYS`, the display keys, the
    configured taxonomies and the list's columns."""
    return tuple(sorted({*BASE_KEYS, *DISPLAY_KEYS, *listed_keys(config)}))


def listed_keys(config: Config) -> set[str]:
    """The keys a list or a tag count reads whatever the query: the draft flag, the
    taxonomies and the list's columns."""
    from ..schema import SchemaError, load_schema, view_columns

    keys = {"draft", *config.taxonomies}
    try:
        keys.update(column.split(".")[0] for column in view_columns(config, load_schema(config, compiled=False)))
    except SchemaError:
        pass
    return keys


def version_of(sha256: str | None) -> bytes:
    """Which version of a file a kept value is of: 16 bytes of its SHA-256 (zeros: none)."""
    return bytes.fromhex(sha256[:32]) if sha256 else bytes(16)


def _plain(value: Any) -> Any:
    """``value`` as plain data marshal stores, lists as tuples (a TOML front matter's values
    are subclasses of the plain types); ValueError for anything else."""
    kind = type(value)
    # The exact plain types first: the abstract Mapping test costs more than the rest
    # together, and YAML front matter holds only these.
    if kind is str:
        # Tags, enums and names repeat from one article to the next: one object each.
        return sys.intern(value) if len(value) <= 48 else value
    if kind is int or kind is float or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return tuple([_plain(v) for v in value])
    if kind is dict or isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return tuple([_plain(v) for v in value])
    for plain in (bool, str, int, float):
        if isinstance(value, plain):
            return plain(value)
    raise ValueError(f"not kept: a {kind.__name__}")  # the article is then read again by whoever needs it


def values_of(meta: Mapping[str, Any] | None, keys: Sequence[str]) -> Read | None:
    """What is kept of one article's metadata (in a scan's workers): the values of ``keys``
    and its field names; None when they cannot be stored."""
    if meta is None:
        return None, (), ()
    from ..query import fields_of

    mask = 0
    items: list[Any] = []
    try:
        for i, key in enumerate(keys):
            if key in meta:
                mask |= 1 << i
                items.append(_plain(meta[key]))
            else:
                items.append(None)
    except (ValueError, RecursionError):
        return None
    layout = _layout(meta)
    names = _NAMES_OF_LAYOUT.get(layout) if layout is not None else None
    if names is None:
        names = tuple(sorted(fields_of(meta)))
        # Most articles have the same field names: one tuple for all of them (~40 strings
        # each, 120 MB at 50,000 articles when each article came back with its own).
        names = _NAME_SETS.setdefault(names, names)
        if layout is not None and len(_NAMES_OF_LAYOUT) < 10_000:
            _NAMES_OF_LAYOUT[layout] = names
    return mask, tuple(items), names


_NAME_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}
# Field names by key layout: most articles share a few layouts, and walking the layout
# costs a fraction of naming every field again (sorted, dotted).
_NAMES_OF_LAYOUT: dict[tuple[Any, ...], tuple[str, ...]] = {}


_SCALARS = frozenset({str, int, float, bool, type(None), list, tuple})


def _layout(meta: Mapping[str, Any]) -> tuple[Any, ...] | None:
    """The keys of ``meta`` and of the mappings in it, one level down (what decides its field
    names); None when that is not enough to tell (deeper mappings, keys other than strings,
    whose equal values name fields differently: ``1``, ``True``)."""
    layout: list[Any] = []
    for key, value in meta.items():
        if type(key) is not str:
            return None
        kind = type(value)
        if kind is dict:
            for k, v in value.items():
                if type(k) is not str or (type(v) not in _SCALARS and isinstance(v, Mapping)):
                    return None
            layout.append((key, tuple(value)))
        elif kind not in _SCALARS and isinstance(value, Mapping):
            return None
        else:
            layout.append(key)
    return tuple(layout)


def packed_values(meta: Mapping[str, Any] | None, keys: Sequence[str]) -> Packed | None:
    """:func:`values_of` as a scan's worker sends it back (see :data:`Packed`)."""
    read = values_of(meta, keys)
    return None if read is None else (marshal.dumps(read[:2]), read[2])


def unpacked_values(packed: Packed) -> Read:
    """What a scan's worker read of one article (:attr:`Scan.fresh_values`), decoded: the
    mask of the kept keys it has, their values in :func:`kept_keys` order, its field names."""
    mask, items = marshal.loads(packed[0])  # written by this process's own scan's workers
    return mask, items, packed[1]


def _unpacked(row: Kept | KeptPacked) -> Kept:
    if len(row) == 3:
        return (row[0], *unpacked_values(row[1:]))  # type: ignore[arg-type, return-value]
    return row  # type: ignore[return-value]


# On disk, each part of the view holds its articles' relative paths, versions (16 bytes
# each), field-name sets (each distinct set once, and each article's), which articles have
# front matter (one byte each) and, by key, which articles have it (one byte each) and the
# values (marshalled on their own): a reader decodes only the keys it reads.
def _parts(keys: tuple[str, ...], kept: Mapping[str, Kept | KeptPacked]) -> Iterator[tuple[Any, ...]]:
    relpaths = sorted(kept)
    for start in range(0, len(relpaths), _PART):
        rows = [_unpacked(kept[rel]) for rel in relpaths[start : start + _PART]]
        sets: dict[tuple[str, ...], int] = {}
        by_object: dict[int, int] = {}  # the same set is mostly the same object: no hashing 40 strings a row
        ids = []
        for row in rows:
            at = by_object.get(id(row[3]))
            if at is None:
                at = by_object[id(row[3])] = sets.setdefault(row[3], len(sets))
            ids.append(at)
        masks = [row[1] or 0 for row in rows]
        nothing = (None,) * len(keys)
        items = [row[2] if row[1] is not None else nothing for row in rows]
        columns = {}
        for i, key in enumerate(keys):
            bit = 1 << i
            columns[key] = (bytes([1 if mask & bit else 0 for mask in masks]),
                            marshal.dumps([values[i] for values in items]))
        yield (relpaths[start : start + _PART], b"".join(row[0] for row in rows), list(sets), ids,
               bytes(row[1] is not None for row in rows), columns)


def write_kept(config: Config, keys: tuple[str, ...], kept: Mapping[str, Kept | KeptPacked]) -> bool:
    return save_view(config, VALUES_VIEW, _FORMAT, list(keys), of_index=False, parts=_parts(keys, kept))


_Part = tuple[list[str], bytes, list[tuple[str, ...]], list[int], bytes, dict[str, tuple[bytes, list[Any]]]]


def read_parts(config: Config, keys: Collection[str] | None) -> tuple[tuple[str, ...], Iterator[_Part]] | None:
    """The kept keys, and each part with the columns of ``keys`` (None: every kept key)
    decoded; None when there is no usable view or it does not keep every key of ``keys``.
    Iterating may raise ValueError (a damaged view)."""
    found = load_view_parts(config, VALUES_VIEW, _FORMAT)
    if found is None:
        return None
    header, parts = found
    if keys is not None and not set(keys) <= set(header):
        parts.close()
        return None
    if keys is None:
        keys = tuple(header)

    def decoded() -> Iterator[_Part]:
        with closing(parts):
            for relpaths, versions, name_sets, ids, has_meta, columns in parts:
                count = len(relpaths)
                if len(versions) != 16 * count or len(ids) != count or len(has_meta) != count:
                    raise ValueError("damaged")
                wanted = {}
                for key in keys:
                    present, blob = columns[key]
                    values = marshal.loads(blob)
                    if len(present) != count or len(values) != count:
                        raise ValueError("damaged")
                    wanted[key] = (present, values)
                yield relpaths, versions, name_sets, ids, has_meta, wanted

    return tuple(header), decoded()


def read_kept(config: Config) -> tuple[tuple[str, ...], dict[str, Kept]] | None:
    """The kept keys and every article's kept values by relative path (None: no usable view)."""
    found = read_parts(config, None)
    if found is None:
        return None
    keys = found[0]
    kept: dict[str, Kept] = {}
    try:
        for relpaths, versions, name_sets, ids, has_meta, columns in found[1]:
            by_key = [columns[key] for key in keys]
            for i, rel in enumerate(relpaths):
                if not has_meta[i]:
                    kept[rel] = (versions[16 * i : 16 * i + 16], None, (), name_sets[ids[i]])
                    continue
                mask = 0
                for j, (present, _) in enumerate(by_key):
                    if present[i]:
                        mask |= 1 << j
                kept[rel] = (versions[16 * i : 16 * i + 16], mask, tuple(values[i] for _, values in by_key),
                             name_sets[ids[i]])
    except (ValueError, TypeError, KeyError, IndexError, EOFError):  # damaged: the files are read
        return None
    return keys, kept


def keep_scanned(result: Scan, keys: tuple[str, ...], fresh: Mapping[str, Packed], whole_root: bool,
                 changed: bool) -> bool:
    """Merge what a scan's workers read (``fresh``, by relative path) into the view, for
    every article the scan found (a scan of part of the folder keeps the others). Nothing
    is read nor written when the scan changed nothing (files parsed or gone) and a view
    exists. Whether the view was written."""
    if not changed and view_path(result.config, VALUES_VIEW).exists():
        return False
    old = read_kept(result.config) if not (whole_root and len(fresh) == len(result)) else None
    old_kept = old[1] if old is not None and old[0] == keys else {}
    kept: dict[str, Kept | KeptPacked] = {} if whole_root else dict(old_kept)
    for rel, version in result.versions():
        new = fresh.get(rel)
        if new is not None:
            kept[rel] = (version, *new)
        else:
            was = old_kept.get(rel)
            if was is not None and was[0] == version:
                kept[rel] = was
            else:
                kept.pop(rel, None)
    return write_kept(result.config, keys, kept)
