"""Checking a folder through the index: :func:`scan` (only changed files parsed) and
:func:`snapshot` (the index as it is, without looking at the folder).

When an entry is trusted: the file is a regular file (links and special files are always
re-read) and its ``lstat`` still shows the size, ``mtime_ns``, ``ctime_ns`` and inode seen
just *before* it was read. Any write or ``chmod`` after that moves ``ctime``, which a user
cannot set back, so a same-size edit with the mtime restored is still caught. A file whose
times fell within :data:`~core.index.records.RACY_WINDOW_NS` of its reading could have
changed again within the same clock tick: such an entry is re-hashed (SHA-256 of the
bytes) before it is trusted. An entry serves a scan only when the rule selection it was
made under holds the scan's (its problems then filtered to it); an entry made under a
narrower selection is parsed again.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

from ..checks import SelectionKey, selected_by, selection_key
from ..config import Config
from ..document import KINDS, inspect_file
from ..walk import Found, walk_batches
from .records import (
    PACK_FP,
    Entry,
    Record,
    entry_of,
    kind_of,
    narrowed,
    problems_entry,
    racy,
    unpack_fingerprint,
)
from .store import Columns, index_token, read_columns, save_index
from .workers import Inherited, in_workers, inherited, workers_for, worth_forking


@dataclass
class Scan:
    """The result of :func:`scan`: one entry per article, sorted by relative path.

    Entries stay encoded until asked for: :attr:`records` decodes every one,
    :meth:`with_problems` only those that have problems (what ``check`` prints).
    """

    config: Config
    parsed: int = 0  # files read and parsed
    reused: int = 0  # taken from the index on stat alone
    verified: int = 0  # taken from the index after re-hashing (recently written files)
    workers: int = 0  # worker processes used (0: parsed in this process)
    cache: str = "off"  # "off", "none" (no index yet), "loaded", or why the index was ignored
    written: bool = False  # the index was updated
    # The index file this scan read (see index_token), when its entries are exactly this
    # scan's: nothing parsed, nothing gone. None otherwise, or when the file changed while
    # it was read. A view saved from that very file (load_view) still holds.
    unchanged_index: tuple[int, int, int] | None = None
    # Absolute paths in relative-path order, and for each an entry or, for one taken from
    # the index unchanged, its position there (decoded only when asked for).
    _paths: list[str] = field(default_factory=list, repr=False)
    _entries: list[Entry | int] = field(default_factory=list, repr=False)
    _stored: Columns | None = field(default=None, repr=False)
    _records: list[Record] | None = field(default=None, repr=False)
    values_written: bool = False  # with ``values=True``: the kept values were written (core.index.values)
    # With ``values=True``: what the workers read of each file parsed, by relative path
    # (core.index.values.Packed; unpacked by core.index.values.unpacked_values).
    fresh_values: dict[str, Any] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def paths(self) -> list[str]:
        """The articles' absolute paths, in relative-path order."""
        return self._paths

    def _entry(self, i: int) -> Entry:
        entry = self._entries[i]
        if type(entry) is int:
            assert self._stored is not None
            return self._stored.entry(entry)
        return entry  # type: ignore[return-value]

    @property
    def records(self) -> list[Record]:
        """Every article's record (decoded once)."""
        if self._records is None:
            self._records = [Record(path, self._entry(i)) for i, path in enumerate(self._paths)]
        return self._records

    def record(self, i: int) -> Record:
        """The record of article ``i`` (decoded when asked for)."""
        if self._records is not None:
            return self._records[i]
        return Record(self._paths[i], self._entry(i))

    def kind(self, i: int) -> str:
        """The kind of article ``i``, without decoding its entry."""
        entry = self._entries[i]
        if type(entry) is int:
            assert self._stored is not None
            return kind_of(self._stored.flags[entry])
        return kind_of(entry[2])  # type: ignore[index]

    def versions(self) -> Iterator[tuple[str, bytes]]:
        """Each article's relative path and version (16 bytes of its SHA-256, zeros when
        unreadable), in order, without decoding the entries."""
        stored = self._stored
        size = PACK_FP.size
        for entry in self._entries:
            if type(entry) is int:
                assert stored is not None
                at = entry * size + 24  # after the packed size, mtime and inode
                yield stored.relpaths[entry], stored.fingerprints[at : at + 16]
            else:
                packed = entry[4]  # type: ignore[index]
                yield entry[0], packed[24:40] if packed else bytes(16)  # type: ignore[index]

    def with_problems(self) -> Iterator[Record]:
        """The records of the articles that have problems, in order."""
        stored = self._stored
        for i, entry in enumerate(self._entries):
            if type(entry) is int:
                assert stored is not None
                if stored.problems[entry] is not None:
                    yield Record(self._paths[i], stored.entry(entry))
            elif entry[3] is not None:  # type: ignore[index]
                yield Record(self._paths[i], entry)  # type: ignore[arg-type]

    def kinds(self) -> dict[str, int]:
        """How many articles of each kind."""
        counts = dict.fromkeys(KINDS, 0)
        for i in range(len(self._entries)):
            counts[kind_of(self._entry(i)[2])] += 1
        return counts


# -- which stored entries serve this scan's rule selection ---------------------------------


def _served_as_stored(stored: Columns, config: Config) -> set[int]:
    """The selections (positions in ``stored.selections``) whose entries serve ``config``'s
    selection as they are: the same settings. Per-file ignores make the selection depend
    on the file: then every entry is compared with its own file's (none is in this set)."""
    if config.per_file_ignores:
        return set()
    wanted = selection_key(config, "")
    return {i for i, made in enumerate(stored.selections) if made == wanted}


def _serves(made: SelectionKey, config: Config, relpath: str) -> frozenset[str] | bool:
    """Whether an entry made under ``made`` serves the file at ``relpath`` under ``config``:
    True as it is, a set of codes when its problems must be filtered to them (made under a
    wider selection), False when rules the scan wants never ran on it."""
    wanted_key = selection_key(config, relpath)
    if made == wanted_key:
        return True
    wanted = selected_by(wanted_key)
    try:
        had = selected_by(made)
    except ValueError:  # a selector no rule matches any more
        return False
    if not wanted <= had:
        return False
    return True if wanted == had else wanted


def snapshot(config: Config) -> list[Record] | None:
    """The records as the index last saw them, *without* looking at the folder (None when
    there is no usable index): enough to paint a list at once, before :func:`scan` (run it
    next, e.g. in a thread) says which files changed since."""
    columns, _ = read_columns(config)  # saved in relative-path order
    if columns is None:
        return None
    root = str(config.root)
    prefix = root if root.endswith("/") else root + "/"
    entry = columns.entry
    as_stored = _served_as_stored(columns, config)
    records = []
    for i, rel in enumerate(columns.relpaths):
        found = entry(i)
        if columns.chosen[i] not in as_stored:
            serves = _serves(columns.selections[columns.chosen[i]], config, rel)
            if type(serves) is frozenset:  # a narrower entry is shown as it is, until the scan
                found = narrowed(found, serves)
        records.append(Record(rel if rel.startswith("/") else prefix + rel, found))
    return records


# -- the scan ------------------------------------------------------------------------------


def parse_chunk(chunk: Sequence[tuple[str, str, bytes]]) -> list[Entry]:
    """Index entries of ``chunk`` (``Found`` items, or plain tuples in worker processes):
    the work a scan gives its workers."""
    state = inherited()
    config, started_ns, keys = state.config, state.started_ns, state.values
    if state.problems_only:
        return [problems_entry(relpath, inspect_file(path, config, relpath, fingerprint=False)) for path, relpath, _ in chunk]
    if keys is None:
        return [entry_of(relpath, inspect_file(path, config, relpath), key, started_ns) for path, relpath, key in chunk]
    from .values import packed_values

    entries: list[Entry] = []
    for path, relpath, key in chunk:
        found = inspect_file(path, config, relpath)
        # The kept values ride after the entry (core.index.values); the scan takes them off.
        kept = packed_values(found.meta, keys) if found.fingerprint is not None else None
        entries.append((*entry_of(relpath, found, key, started_ns), kept))  # type: ignore[arg-type]
    return entries


def _sha256_of(path: str) -> str | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


class _Triage:
    """Sorts the files a walk finds into those the index serves (as stored, re-hashed, or
    filtered to the scan's rule selection) and those to parse, and keeps what it found.

    One thread sorts at a time: the scan's own, then, while the walk feeds the worker
    processes, the pool's feeding thread (:meth:`feed`); the scan reads the rest only once
    the workers are done. ``needed`` alone is read meanwhile, for progress reports.
    """

    def __init__(self, stored: Columns | None, config: Config, started_ns: int) -> None:
        self.stored = stored
        self.config = config
        self.started_ns = started_ns
        self.position = dict(zip(stored.relpaths, range(len(stored)), strict=True)) if stored is not None else {}
        self.as_stored = _served_as_stored(stored, config) if stored is not None else set()
        self.found: list[Found] = []  # every file the walk found
        self.served: dict[str, Entry] = {}  # re-hashed or narrowed, by relative path
        self.unchanged: list[tuple[int, str]] = []  # (position in ``stored``, path) of the entries reused as they are
        # Entries served with their problems filtered to this scan's selection (made under a
        # wider one), by relative path: the index keeps them as they are (their position).
        self.narrowed: dict[str, int] = {}
        self.narrowed_count = 0  # taken from the index on stat alone, filtered
        self.verified = 0  # taken from the index after re-hashing
        self.needed = 0  # files found to need parsing so far (grows while the walk feeds the workers)

    def sort(self, batch: list[Found]) -> list[Found]:
        """The files of ``batch`` that need parsing; the others are taken from the index."""
        self.found.extend(batch)
        stored = self.stored
        if stored is None:
            self.needed += len(batch)
            return batch
        config, position, as_stored = self.config, self.position, self.as_stored
        served, unchanged, narrowed_at = self.served, self.unchanged, self.narrowed
        keys, flags, chosen, selections = stored.keys, stored.flags, stored.chosen, stored.selections
        out: list[Found] = []
        for item in batch:
            i = position.get(item.relpath)
            # A link or special file has no key (always re-read); no regular file has the
            # key stored for those.
            if i is None or not item.key or not keys.startswith(item.key, i * 32):
                out.append(item)
                continue
            wanted = None  # the stored entry serves as it is
            if chosen[i] not in as_stored:
                serves = _serves(selections[chosen[i]], config, item.relpath)
                if serves is False:
                    out.append(item)  # made under a narrower selection: rules this one wants never ran
                    continue
                if type(serves) is frozenset:
                    wanted = serves
            if not flags[i] & 1:
                if wanted is None:
                    unchanged.append((i, item.path))
                else:
                    served[item.relpath] = narrowed(stored.entry(i), wanted)
                    narrowed_at[item.relpath] = i
                    self.narrowed_count += 1
            else:
                entry = stored.entry(i)
                fingerprint = unpack_fingerprint(entry[4])
                if fingerprint is not None and _sha256_of(item.path) == fingerprint.sha256:
                    if not racy(item.key, self.started_ns):
                        entry = (*entry[:2], entry[2] & ~1, *entry[3:])  # no longer racy
                    if wanted is not None:
                        entry = narrowed(entry, wanted)
                        narrowed_at[item.relpath] = i
                    served[item.relpath] = entry
                    self.verified += 1
                else:
                    out.append(item)
        self.needed += len(out)
        return out

    def feed(self, batches: Iterable[list[Found]]) -> Iterator[Found]:
        """The files to parse in the rest of the walk, as it goes (run by the pool's feeding thread)."""
        for batch in batches:
            yield from self.sort(batch)


def _files_to_parse(paths: Sequence[Path], config: Config, triage: _Triage,
                    workers: int | None) -> tuple[Iterable[Found], int]:
    """The files to parse and how many worker processes parse them. The walk goes on until
    enough files need parsing to make workers worth starting; then the rest of the walk
    feeds them as it goes (parsing starts before the walk ends)."""
    batches = walk_batches(paths, config, ordered=False)
    to_parse: list[Found] = []
    may_fork = workers is None or workers > 1
    walking = False
    for batch in batches:
        to_parse += triage.sort(batch)
        if may_fork and worth_forking(len(to_parse)):
            walking = True
            break
    if workers is None:
        workers = workers_for(len(to_parse))
    if walking:
        if workers > 1:
            return chain(to_parse, triage.feed(batches)), workers
        for batch in batches:  # one core: finish the walk here and parse here
            to_parse += triage.sort(batch)
    return to_parse, workers


def scan(
    paths: Sequence[Path],
    config: Config,
    *,
    cache: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    values: bool = False,
    write_values: bool = True,
    problems_only: bool = False,
) -> Scan:
    """Every article under ``paths`` as a :class:`Record`, sorted by relative path.

    With ``cache``, unchanged files come from the index and the index is updated. ``workers``
    is the number of parsing processes (default: :func:`~core.index.workers.default_workers`
    when there are at least :data:`~core.index.workers.PARALLEL_MIN_FILES` files to parse,
    else none). ``progress(done, total)`` is called as files are parsed (``total`` counts
    only the files that need parsing, as far as the walk of the folder has found them: it
    may grow while parsing starts).

    ``values``: keep the values of a few metadata keys of each article parsed beside the
    index (see :mod:`core.index.values`; with ``cache`` only). ``write_values=False``: only
    hand them back (:attr:`Scan.fresh_values`), for a caller that keeps its own.

    ``problems_only`` (without ``cache``): the records hold only each article's kind,
    format and problems (no fingerprint: no SHA-256 of the files; no display values), what
    ``check --no-cache`` prints.
    """
    if problems_only and cache:
        raise ValueError("problems_only scans neither read nor write the index: pass cache=False")
    result = Scan(config)
    started_ns = time.time_ns()
    stored: Columns | None = None
    read_token = None
    if cache:
        read_token = index_token(config)
        stored, result.cache = read_columns(config)
        if index_token(config) != read_token:
            read_token = None  # replaced while being read: which one was read is unknown
    triage = _Triage(stored, config, started_ns)
    keys = None
    if values and cache:
        from .values import kept_keys

        keys = kept_keys(config)
    fresh: dict[str, Any] = {}
    name_sets: dict[tuple[str, ...], tuple[str, ...]] = {}
    source, workers = _files_to_parse(paths, config, triage, workers)
    result.workers = workers if workers > 1 else 0
    parsed: dict[str, Entry] = {}
    done = 0
    state = Inherited(config, started_ns, values=keys, problems_only=problems_only)
    for done, entry in enumerate(in_workers(parse_chunk, source, state, workers, ordered=False), 1):
        if keys is not None:
            kept = entry[6]  # type: ignore[misc]
            if kept is not None:
                # Each chunk of results brings its own copy of the field-name sets: one each.
                fresh[entry[0]] = (kept[0], name_sets.setdefault(kept[1], kept[1]))
            entry = entry[:6]  # type: ignore[assignment]
        parsed[entry[0]] = entry
        if progress is not None and (done % 256 == 0 or done >= triage.needed):
            progress(done, max(done, triage.needed))
    result.parsed = done
    result.reused = len(triage.unchanged) + triage.narrowed_count
    result.verified = triage.verified
    result._stored = stored
    _put_in_order(result, triage, parsed)
    whole_root = any(os.path.abspath(p) == str(config.root) for p in paths)
    # Nothing parsed or re-hashed: every entry came from the index, which holds more only
    # when files are gone.
    gone = len(stored) != len(result._entries) if stored is not None else bool(result._entries)
    if stored is not None and not result.parsed and not gone and not triage.narrowed:
        result.unchanged_index = read_token
    if cache and (result.parsed or result.verified or (whole_root and gone)):
        result.written = _save(result, triage, whole_root)
    if keys is not None:
        result.fresh_values = fresh
    if keys is not None and write_values:
        from .values import keep_scanned

        result.values_written = keep_scanned(result, keys, fresh, whole_root, bool(result.parsed) or gone)
    return result


def _put_in_order(result: Scan, triage: _Triage, parsed: dict[str, Entry]) -> None:
    """Fill ``result``'s paths and entries, in relative-path order."""
    stored, unchanged = triage.stored, triage.unchanged
    if not parsed and not triage.served:
        # Everything from the index as it was (a warm run): the index is in relative-path
        # order already, so its positions give the order.
        unchanged.sort()
        result._entries = [i for i, _ in unchanged]
        result._paths = [path for _, path in unchanged]
        return
    assert stored is not None or not unchanged
    merged: dict[str, Entry | int] = {stored.relpaths[i]: i for i, _ in unchanged} if stored is not None else {}
    merged.update(triage.served)
    merged.update(parsed)
    paths_by_rel = {item.relpath: item.path for item in triage.found}
    order = sorted(merged)
    result._paths = [paths_by_rel[rel] for rel in order]
    result._entries = [merged[rel] for rel in order]


def _save(result: Scan, triage: _Triage, whole_root: bool) -> bool:
    """Write the index of ``result``: a scan of part of the folder keeps the other entries;
    one of the whole folder drops the entries of files that are gone."""
    stored = triage.stored
    rows = result._entries
    if triage.narrowed:
        # What this scan serves is filtered; the index keeps what the wider selection found.
        narrowed_at = triage.narrowed
        rows = [r if type(r) is int else narrowed_at.get(r[0], r) for r in rows]  # type: ignore[index]
    if not whole_root and stored is not None:
        kept: dict[str, Entry | int] = dict(zip(stored.relpaths, range(len(stored)), strict=True))
        kept.update(zip((stored.relpaths[r] if type(r) is int else r[0] for r in rows),  # type: ignore[index]
                        rows, strict=True))
        rows = [kept[rel] for rel in sorted(kept)]
    return save_index(result.config, rows, stored)
