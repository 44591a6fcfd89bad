"""The start-up pipeline, out of the screen: what runs in worker threads and what it reports.

1. :meth:`Loader.restore` (on the event loop, before the first paint): the list the last
   session saved beside the index;
2. :meth:`Loader.load` (a thread): the index's records painted when no list was restored,
   then the folder checked (``core.index.scan``), or read slice by slice without an index;
3. :meth:`Loader.read_metadata` (a thread): the values filters read, then
   :meth:`Loader.keep_values` keeps them for the next start and warms the query index.

Each step reports with the messages of :mod:`tui.messages`; the screen reacts to them and
never runs the pipeline itself. See docs/ARCHITECTURE.md for the order and its reasons.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any

from textual.message import Message
from textual.worker import get_current_worker

from . import freeze_long_lived
from .messages import (
    MetadataProgress,
    MetadataRead,
    RecordsShown,
    RowsStreamed,
    ScanFinished,
    ScanProgress,
    ValuesShown,
)
from .model import (
    COMMON_KEYS,
    LIST_VIEW,
    Entry,
    PlainRow,
    ProvisionalEntries,
    Slim,
    Workspace,
    checked_values,
    checked_versions,
    collector_paused,
    iter_values,
    list_view_version,
    path_key,
    read_values,
    release_freed_memory,
    restore_view,
    row_of,
    same_entries,
    same_entry,
    save_values,
    saved_values,
    streamed_values,
    view_payload,
)

FIRST_SLICE = 1000  # files parsed before the first rows show when there is no index (then 3x more each time)
# ... up to this many: a slice's decoded records and their filter values are held together
# while its rows are made (a slice of 27,000 at 50,000 articles raised the start's peak memory).
SLICE_LIMIT = 20_000
# Entries without filter values this many or fewer, the others having theirs: the files are
# read, not the values kept beside the index (decoded whole: ~1 s at 50,000 articles).
_FEW = 2_000


class Phase(Enum):
    """Where the list is in its start-up (one value: the status bar shows it)."""

    LOADING = "loading"  # no rows yet, or rows streaming in from a folder without an index
    CHECKING = "checking"  # rows on screen (restored or from the index), the folder being checked
    METADATA = "metadata"  # the values filters read being read
    READY = "ready"


class Loader:
    """Runs the pipeline for one workspace; reports through ``post`` (thread-safe)."""

    def __init__(self, workspace: Workspace, paths: Sequence[Path], scope: Sequence[str],
                 post: Callable[[Message], Any]) -> None:
        self.ws = workspace
        self.paths = list(paths)
        self.scope = list(scope)
        self.post = post
        self.painted = threading.Event()  # the first rows are on screen
        self.view_loaded = False  # the list was painted from the view saved by the last session
        self._restored: tuple[ProvisionalEntries, list[PlainRow]] | None = None
        self._restored_token: tuple[int, int, int] | None = None  # the index file a restored list came from
        # The keys the entries' filter values hold, once every entry has them (values kept
        # beside the index, or read with the rows streamed in): the metadata pass then reads
        # only the entries without them.
        self.values_keys: frozenset[str] = frozenset()
        self._values_unsaved = False  # those values were read from the files: keep them (keep_values)

    # -- 1. the saved list -------------------------------------------------------------------

    def restore(self) -> tuple[ProvisionalEntries, list[PlainRow], list[int]] | None:
        """The list the last session saved beside the index (None: none usable).

        Read on the event loop, before anything else runs: ~40 ms at 50,000 articles on its
        own, but several times that in a thread competing with Textual's start-up for the
        interpreter."""
        from core.index import index_token, load_view

        config = self.ws.config
        # Taken before the view is read: a view valid for this very index file can have its
        # rows kept after the check (load).
        self._restored_token = index_token(config)
        # load_view answers None for anything missing, unreadable, damaged or stale.
        restored = restore_view(config, self.scope, load_view(config, LIST_VIEW, list_view_version() + self.ws.view.key()))
        if restored is not None:
            self.view_loaded = True
            self._restored = (restored[0], restored[1])
        return restored

    # -- 2. the check, or the first read ------------------------------------------------------

    def load(self) -> None:
        """Check the folder against the rows shown (a restored list, else the index's records,
        painted first), or read it in slices when there is no index."""
        from core.index import scan, snapshot

        worker = get_current_worker()
        config = self.ws.config
        # A list restored from the last session is on screen: only check it. Else a warm
        # index's records are painted at once. Either way the scan then checks them.
        restored = self.ws.provisional
        records = None
        shown: tuple[list[Slim], list[PlainRow]] | None = None
        if not restored:
            records = snapshot(config)
        if records is not None:
            if str(config.root) not in self.scope:  # opened on part of the folder
                records = [r for r in records if _under(r.path, self.scope)]
            if records and not worker.is_cancelled:
                with collector_paused():
                    entries = [Slim.from_record(r) for r in records]
                shown = (entries, [row_of(e, self.ws.view) for e in entries])
                self.post(RecordsShown(*shown))
        last = time.monotonic()

        def progress(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last > 0.25 or done == total:
                last = now
                self.post(ScanProgress(done, total))

        if not restored and not records:
            self._stream(worker)
            return
        self.painted.wait(2.0)  # let the first paint have the interpreter to itself
        del records
        if shown is not None and not worker.is_cancelled:
            self._show_values(shown[0])
        result = scan(self.paths, config, progress=progress)
        if worker.is_cancelled:
            return
        fresh, written, unchanged = result.records, result.written, result.unchanged_index
        del result  # the decoded index: ~2 KB an article, freed as soon as the entries are built
        # The list is saved before the metadata pass starts: the two passes' peaks of memory
        # then do not add up.
        save = written or not self.view_loaded
        # Nothing changed (the usual case with an index): keep the entries drawn.
        if shown is not None and same_entries(fresh, shown[0]):
            del fresh
            if save:
                self._save_view(*shown)
            self.post(ScanFinished())
            return
        drawn = {e.key: (e, row) for e, row in zip(*shown, strict=True)} if shown is not None else {}
        with collector_paused():
            # An entry the check found as drawn stays (with the filter values it was given,
            # and its row); the others are made from the check's records.
            kept = [(old if (old := drawn.get(r.path)) is not None and same_entry(r, old[0]) else None)
                    for r in fresh]
            entries = [Slim.from_record(r) if k is None else k[0] for r, k in zip(fresh, kept, strict=True)]
        del fresh, drawn
        # A restored list is tied to the index file it was saved from (load_view): when the
        # check found that very file's entries, its rows are these entries' rows (~0.3 s at
        # 50,000 not spent making them again to compare).
        same_index = restored and unchanged is not None and unchanged == self._restored_token
        if same_index and self._restored is not None:
            rows = self._restored[1]  # only read: the new states hold the same row tuples
        elif shown is not None:
            rows = [row_of(e, self.ws.view) if k is None else k[1] for e, k in zip(entries, kept, strict=True)]
        else:
            rows = self._reuse_rows(entries)
        del kept
        self._restored = None
        if save:
            self._save_view(entries, rows)
        self.post(ScanFinished(entries, rows))

    def filter_keys(self) -> frozenset[str]:
        """The keys every start reads for filters: the common ones, the list's columns and the
        taxonomies (a filter on a rarer key has it read too, see the main screen)."""
        return frozenset(COMMON_KEYS) | self.ws.view.keys | set(self.ws.config.taxonomies)

    def _show_values(self, entries: list[Slim]) -> None:
        """The filter values of the index's records just painted, from what the last session
        (``saved_values``) or ``copydesk check`` (``checked_values``) kept beside the index,
        when that covers every one of them: filters are then answered at once, over the
        records as the index has them (marked partial until the check confirms them)."""
        config, keys = self.ws.config, self.filter_keys()
        for kept_values in (saved_values, checked_values):
            kept = kept_values(config, entries, keys)
            if kept is not None and not kept.stale:
                self.values_keys = kept.keys
                self.post(ValuesShown(kept.loaded, kept.names, kept.keys))
                return
            del kept  # (a whole decoded view) before the other is read

    def _reuse_rows(self, entries: list[Slim]) -> list[PlainRow]:
        """The rows of ``entries``, reusing the restored rows that did not change: the two
        lists are not both kept in memory (~1 KB an article)."""
        if self._restored is None:
            return [row_of(e, self.ws.view) for e in entries]
        provisional, old = self._restored  # not edited while provisional
        rows = []
        for i, entry in enumerate(entries):
            row = row_of(entry, self.ws.view)
            # Both lists are in path order: the same position is usually the same file.
            if i < len(old) and provisional.relpath(i) == entry.relpath and old[i] == row:
                row = old[i]
            rows.append(row)
        return rows

    def _save_view(self, entries: list[Slim], rows: list[PlainRow]) -> None:
        """Keep the list for the next start (a cache: failing to write it costs only speed)."""
        from core.index import save_view

        save_view(self.ws.config, LIST_VIEW, list_view_version() + self.ws.view.key(), view_payload(self.scope, entries, rows))

    def _stream(self, worker) -> None:  # noqa: ANN001 - a textual Worker
        """No usable index: scan the folder in growing slices so rows appear within a second
        or two and keep streaming in (each slice is added to the index as it is parsed).
        The workers read each file's filter values with it: a filter is answered over the
        slices read so far, and the metadata pass that follows reads no file again."""
        from core.document import load_article
        from core.index import scan
        from core.index.values import kept_keys
        from core.walk import walk

        config = self.ws.config
        keys = kept_keys(config)
        if not self.filter_keys() <= set(keys):
            keys = None  # (cannot happen: the kept keys include the list's) the metadata pass reads them
        found = walk(self.paths, config)
        total = len(found)
        self.post(ScanProgress(0, total))
        done = 0
        size = FIRST_SLICE
        entries: list[Slim] = []
        rows: list[PlainRow] = []
        while done < total:
            chunk = found[done : done + size]
            result = scan([Path(f.path) for f in chunk], config, values=keys is not None, write_values=False)
            if worker.is_cancelled:
                return
            done += len(chunk)
            slims: list[Entry] = [Slim.from_record(r) for r in result.records]
            slim_rows = [row_of(e, self.ws.view) for e in slims]
            names: set[str] = set()
            if keys is not None:
                fresh = result.fresh_values or {}
                for at, slim in enumerate(slims):
                    packed = fresh.get(slim.relpath)
                    if packed is not None:
                        slim.values, its_names = streamed_values(keys, packed)
                        slim.display = None  # the values hold the same keys, exactly
                        names.update(its_names)
                    elif slim.display is not None:  # values the index does not keep (rare): the whole article
                        slims[at] = load_article(slim.path, config, slim.relpath)
                        slim_rows[at] = row_of(slims[at], self.ws.view)
            # The decoded records (~2 KB an article) and what the workers sent go before the
            # next slice is read, and back to the system: the values kept meanwhile would
            # otherwise add to the next slice's peak.
            del result
            fresh = {}
            release_freed_memory()
            entries += slims
            rows += slim_rows
            self.post(RowsStreamed(slims, slim_rows, done, total, names, frozenset(keys or ())))
            size = min(size * 3, SLICE_LIMIT)
        if keys is not None:
            self.values_keys = frozenset(keys)
            self._values_unsaved = True
        self._save_view(entries, rows)  # before the metadata pass (see load)
        self.post(ScanFinished())

    # -- 3. the values filters read ------------------------------------------------------------

    def read_metadata(self, keys: frozenset[str]) -> None:
        """The values of ``keys`` for every article, for filters (files parsed across worker
        processes; only the kept values stay in memory, never whole metadata)."""
        worker = get_current_worker()
        config = self.ws.config
        entries = list(self.ws.articles)
        have: dict[str, Any] = {}
        if keys <= self.values_keys:
            # The entries given their values at start-up (kept beside the index, or streamed
            # in with the rows) still hold them: only the others are read. (An entry without
            # readable front matter has none to read.)
            have = {e.key: e.values for e in entries
                    if type(e) is Slim and (e.values is not None or e.display is None)}
            keys = self.values_keys
        rest = [e for e in entries if path_key(e) not in have] if have else entries
        saved = None
        if rest and (not have or len(rest) > _FEW):
            # What the last pass kept, for the files still as it read them (the usual start:
            # all but the few changed or added since); the others are read.
            saved = saved_values(config, rest, keys)
            if saved is None:  # no session kept its own yet: what `copydesk check` kept, if it did
                saved = checked_values(config, rest, keys)
        if saved is not None:
            loaded, names, stale, kept_keys = saved
            keys |= kept_keys  # the stale files are read for every kept key: all stay loaded
            paths = [Path(path_key(e)) for e in stale] if len(stale) < len(entries) else self.paths
        else:
            loaded, names, stale = {}, set(), rest
            paths = [Path(path_key(e)) for e in stale] if len(stale) < len(entries) else self.paths
        loaded.update(have)
        del have, rest
        # The version each value is of, by path key (to keep them for the next start).
        versions: dict[str, tuple[str, Any]] = {path_key(e): (e.relpath, e.fingerprint) for e in entries}
        if stale:
            current = self._entry_by_key
            total = len(stale)
            last = time.monotonic()
            for done, item in enumerate(iter_values(paths, config, keys, checked_versions(stale)), 1):
                if worker.is_cancelled:
                    return
                key, value = read_values(item, names, current)
                loaded[key] = value
                if isinstance(value, Slim):
                    versions[key] = (value.relpath, value.fingerprint)
                now = time.monotonic()
                if now - last > 0.5:
                    last = now
                    self.post(MetadataProgress(done, total))
        if worker.is_cancelled:
            return
        self.post(MetadataRead(loaded, names, keys, versions if stale or self._values_unsaved else None))
        # Once attached, the entries' values are the workspace's (a later pass, for a rarer
        # key or after a reload, reads what it needs).
        self.values_keys = frozenset()
        self._values_unsaved = False

    def _entry_by_key(self, key: str):  # noqa: ANN202 - an Entry or None
        index = self.ws.index_of(key)
        return None if index is None else self.ws.articles[index]

    def keep_values(self, read: MetadataRead) -> None:
        """Once the workspace has the values: keep them for the next start (when files were
        read), then build what the first filter would otherwise wait for."""
        worker = get_current_worker()
        if read.versions is not None and read.loaded is not None:
            save_values(self.ws.config, read.loaded, read.versions, read.names, read.keys)
        # Both mappings (~15 MB at 50,000) and what the save freed go before the query index
        # is built: that is the session's peak of memory.
        read.loaded = read.versions = None
        release_freed_memory()
        if worker.is_cancelled:
            return
        self.ws.warm_query_index()
        # The first filter walks the list's order, which the metadata pass made stale:
        # sorting it again took ~40 ms of that first keystroke at 50,000 articles.
        self.ws.order(self.ws.sort)
        freeze_long_lived()


def _under(path: str, scope: Sequence[str]) -> bool:
    return any(path == top or path.startswith(top.rstrip("/") + "/") for top in scope)
