"""Safe saves: every write copydesk makes goes through here.

Protocol for one file: take a lock file beside it; refuse links, non-regular and read-only
files; re-read the file and compare it with the version the change was planned from (the
sha256 catches a same-size edit with the mtime restored); if it changed on disk, re-apply
our field edits to the new version when the fields we edit did not change there (a merge),
else report a conflict and write nothing; journal the prior bytes; write a temp file in
the same directory, restore the mode, fsync, ``os.replace``, fsync the directory.

A batch (:func:`save_changes`) runs the same protocol for every file, split in two: the
main thread locks, re-reads and compares each file (the Python work); worker threads do
the rest, file by file: keep the prior bytes in the journal, write and fsync the temp
file, write the journal line, check with an ``lstat`` that the file is still exactly the
one read, replace it and release the lock. Their fsyncs overlap, which costs a fraction of
one fsync after another. Each folder is fsynced once at the end of the batch. A file that
another program changed meanwhile goes through the one-file protocol again (merge or
conflict). Locks of a batch are hard links to one owner file per folder.

Every file a save creates, renames or removes is named relative to its folder opened from
the corpus root one component at a time without following links (:class:`Folders`): a
folder replaced by a symbolic link since loading is refused, never written through. An undo
reads, writes and removes its files the same way (:func:`lock_file`). What
saves that died left beside articles (temp, owner and lock files) is removed by the next
save in that folder.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import stat
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from ..config import Config, Limits
from ..display import c_quote
from ..document import Article, get_path, thaw
from ..edit.apply import EditRefused, apply_edits
from ..edit.ops import Edit, ReplaceText, field_name, touched_fields
from ..text.formats import parse_front_matter
from ..text.frontmatter import split_text
from ..text.guard import UnsafeFile, read_guarded
from ..text.yamldata import YamlError
from .files import (
    Folders,
    LockBusy,
    OpenFolder,
    UnsafeFolder,
    clean_leftovers,
    corpus_root_of,
    lock_in,
    unlink_quietly,
    unlock_in,
    write_temp_in,
)

Status = Literal["saved", "unchanged", "merged", "conflict", "refused"]
# Threads writing a batch's files: overlapping fsyncs cost ~0.1-0.2 ms a file where one
# after another cost ~1 ms each.
_WRITERS = 8
_WINDOW = 32  # files checked and locked ahead of the writers
_READ_LIMITS = Limits(max_file_bytes=1 << 34)  # a save re-reads whatever is there now

Rewrite = Callable[[str], str]


@dataclass(frozen=True)
class Change:
    """Edits to one article, planned against the text it had when read."""

    article: Article
    edits: tuple[Edit, ...]
    old_text: str
    new_text: str
    base_sha256: str  # of the bytes ``old_text`` came from
    rewrite: Rewrite | None = None  # a whole-text transform applied after the edits (body fixes, adopt)

    @property
    def path(self) -> Path:
        return self.article.path

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text

    def diff(self, context: int = 3, name: str | None = None) -> str:
        """Unified diff of this change, named ``name`` (default: the path relative to the corpus root)."""
        return unified_diff(self.old_text, self.new_text, name or self.article.relpath, context)


@dataclass(frozen=True)
class SaveResult:
    path: Path
    status: Status
    message: str = ""
    diff: str = ""  # for conflicts: what is on disk vs what we would write
    journal_problem: str = ""  # written, but the undo journal could not be finished (also in message)

    @property
    def ok(self) -> bool:
        return self.status in ("saved", "unchanged", "merged")


def unified_diff(old: str, new: str, name: str, context: int = 3) -> str:
    """The change from ``old`` to ``new`` as a patch ``git apply`` accepts: lines end at
    ``\n`` only (as git splits them, so a form feed or a lone ``\r`` stays inside its line)
    and a name that is not plain ASCII is quoted as git quotes it."""
    lines = difflib.unified_diff(_git_lines(old), _git_lines(new), c_quote(f"a/{name}"), c_quote(f"b/{name}"), n=context)
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _git_lines(text: str) -> list[str]:
    lines = text.split("\n")
    last = lines.pop()
    return [line + "\n" for line in lines] + ([last] if last else [])


def plan_change(article: Article, edits: Sequence[Edit], rewrite: Rewrite | None = None) -> Change:
    """Read the article's current text and apply ``edits`` (then ``rewrite``) in memory.

    The edits were decided against the version *loaded* (maybe minutes ago), so the save
    compares the disk with that version: a file changed since loading goes through the
    merge check (same field changed: conflict) even when it changed before this call.
    Raises EditRefused (unsafe edit) or UnsafeFile / UnicodeDecodeError (unreadable file).
    """
    if article.kind == "unreadable":
        # Loading refused it (a link or linked folder leaving the corpus, a FIFO...): the
        # re-read below only knows the file's own folder, so it must not get a second try.
        raise UnsafeFile(article.problems[0].message if article.problems else "the file could not be read safely")
    data = article.read_bytes()
    text = data.decode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    base = article.fingerprint.sha256 if article.fingerprint is not None else digest
    # Unchanged since loading: the loaded metadata is what parsing these bytes gives.
    known = article.meta if article.editable and digest == base else None
    new = apply_edits(text, edits, name=article.relpath, data=known) if edits else text
    if rewrite is not None:
        new = rewrite(new)
    return Change(article, tuple(edits), text, new, base, rewrite)


# -- saving ------------------------------------------------------------------------------


READ_ONLY_FILE_SYSTEM = "the file system is mounted read-only: nothing can be saved there"


def _read_only_file_system(where: OpenFolder) -> bool:
    """Whether the folder lies on a file system mounted read-only (where every file and
    folder refuses writes, whatever its mode says)."""
    try:
        return bool(os.fstatvfs(where.fd).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _writable_target(where: OpenFolder, name: str, writable_folders: set[Path] | None = None) -> tuple[os.stat_result | None, str]:
    """The ``lstat`` of article ``name`` when copydesk may replace it, else the reason it may not.

    ``writable_folders``: folders of this batch already seen writable (asked once each).
    """
    try:
        info = os.lstat(name, dir_fd=where.fd)
    except FileNotFoundError:
        return None, "the file no longer exists"
    except OSError as exc:
        return None, f"cannot stat: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return None, "symbolic link: copydesk does not write through links"
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    if not info.st_mode & 0o222 or not os.access(name, os.W_OK, dir_fd=where.fd):
        if _read_only_file_system(where):
            return None, READ_ONLY_FILE_SYSTEM
        return None, "read-only file (make it writable to edit it)"
    if writable_folders is None or where.path not in writable_folders:
        if not os.access(".", os.W_OK, dir_fd=where.fd):
            if _read_only_file_system(where):
                return None, READ_ONLY_FILE_SYSTEM
            return None, "the folder is read-only (a safe save needs a temp file beside the article)"
        if writable_folders is not None:
            writable_folders.add(where.path)
    return info, ""


def _edited_fields_unchanged(base: Mapping[str, Any] | None, disk: Mapping[str, Any], edits: Iterable[Edit]) -> list[str]:
    """Names of the fields we edit whose value on disk differs from what we started from."""
    missing = object()
    changed = []
    for edit in edits:
        for path in touched_fields(edit):  # a rename reads its old name and writes its new one
            name = field_name(path)
            if name not in changed and thaw(get_path(base, name, missing)) != thaw(get_path(disk, name, missing)):
                changed.append(name)
    return changed


def _merge(change: Change, disk_text: str) -> tuple[str | None, str]:
    """Our edits re-applied to ``disk_text``; (None, reason) when they cannot be."""
    if change.rewrite is not None or any(isinstance(edit, ReplaceText) for edit in change.edits):
        return None, "the file changed on disk and this change rewrites its text"
    split = split_text(disk_text)
    if not split.has_front_matter:
        return None, "the file on disk no longer has front matter"
    try:
        disk_meta, _ = parse_front_matter(disk_text[split.fm_start : split.fm_end], split.format, _READ_LIMITS)
    except YamlError as exc:
        return None, f"the version on disk has invalid {split.format.upper()} ({exc.problem.message})"
    disk_meta = disk_meta or {}
    if not isinstance(disk_meta, dict):
        return None, "the version on disk is not a mapping"
    clashes = _edited_fields_unchanged(change.article.meta, disk_meta, change.edits)
    if clashes:
        return None, f"changed on disk in the field(s) we edit: {', '.join(clashes)}"
    try:
        return apply_edits(disk_text, change.edits, name=change.article.relpath), ""
    except EditRefused as exc:
        return None, f"our edits no longer apply: {exc.reason}"


@dataclass(eq=False, slots=True)
class _Staged:
    """A change checked against the disk under its lock, waiting to be written."""

    change: Change
    where: OpenFolder  # the article's folder
    lock: str | None
    mode: int
    read: os.stat_result  # the file as read under the lock
    current: bytes
    current_sha: str
    data: bytes
    status: Status
    message: str
    overwrite: bool
    index: int = -1
    temp: str | None = None


def _prepare(
    change: Change, overwrite: bool, where: OpenFolder, owners: Folders | None, writable_folders: set[Path] | None = None
) -> SaveResult | _Staged:
    """Lock the file and decide what to write: a result when there is nothing to write.

    A batch (``owners`` given) checks the file once, under the lock; a single save checks
    it before taking the lock too.
    """
    path = change.path
    if owners is None:
        _, reason = _writable_target(where, path.name)
        if reason:
            return SaveResult(path, "refused", reason)
    try:
        lock = lock_in(where, path.name, owners)
    except LockBusy as exc:
        return SaveResult(path, "refused", str(exc))
    except OSError as exc:
        _, reason = _writable_target(where, path.name)  # say why when it is the file or its folder
        return SaveResult(path, "refused", reason or f"cannot create a lock file: {exc.strerror or exc}")
    try:
        outcome = _check_locked(change, overwrite, where, lock, writable_folders)
    except BaseException:
        unlock_in(where, lock)
        raise
    if isinstance(outcome, SaveResult):
        unlock_in(where, lock)
    return outcome


def _check_locked(change: Change, overwrite: bool, where: OpenFolder, lock: str, writable_folders: set[Path] | None) -> SaveResult | _Staged:
    path = change.path
    info, reason = _writable_target(where, path.name, writable_folders)
    if info is None:
        return SaveResult(path, "refused", reason)
    try:
        current, opened = read_guarded(path.name, where.path, _READ_LIMITS, dir_fd=where.fd)
    except UnsafeFile as exc:
        return SaveResult(path, "refused", str(exc))
    current_sha = hashlib.sha256(current).hexdigest()
    status: Status = "saved"
    message = ""
    new_text = change.new_text
    if current_sha != change.base_sha256 and not overwrite:
        try:
            disk_text = current.decode("utf-8")
        except UnicodeDecodeError:
            return SaveResult(path, "conflict", "changed on disk and no longer valid UTF-8", "")
        merged, why = _merge(change, disk_text)
        if merged is None:
            return SaveResult(path, "conflict", why, unified_diff(disk_text, change.new_text, change.article.relpath))
        new_text, status, message = merged, "merged", "changed on disk in other fields; our edits were re-applied"
    data = new_text.encode("utf-8")
    if data == current:
        return SaveResult(path, "unchanged")
    return _Staged(change, where, lock, info.st_mode, opened, current, current_sha, data, status, message, overwrite)


def _folder_refused(path: Path, exc: OSError) -> SaveResult:
    return SaveResult(path, "refused", f"{exc}; file untouched")


def would_refuse(changes: Sequence[Change]) -> list[SaveResult | None]:
    """For each change, the refusal a save would give it before reading the file (a folder
    it may not open, a file it may not replace: read-only, a link, gone), else None: the
    save's own checks, so that a dry run reports those files as the real run does."""
    folders = Folders()
    writable: set[Path] = set()
    refusals: list[SaveResult | None] = []
    try:
        for change in changes:
            path = change.path
            try:
                where = folders.open(corpus_root_of(change.article), path.parent)
            except UnsafeFolder as exc:
                refusals.append(_folder_refused(path, exc))
                continue
            _, reason = _writable_target(where, path.name, writable)
            folders.done(where)
            refusals.append(SaveResult(path, "refused", reason) if reason else None)
    finally:
        folders.close()
    return refusals


def save_change(
    change: Change,
    *,
    batch: Any = None,
    overwrite: bool = False,
    fsync_dir: bool = True,
    attempts: int = 3,
) -> SaveResult:
    """Write one change with the safe-save protocol (see the module docstring): the same
    check under the lock and the same write as a batch's, one file at a time. A file that
    another program rewrites while it is saved is read again and merged, ``attempts`` times
    at most; then the save is a conflict and nothing is written."""
    path = change.path
    if not change.changed:
        return SaveResult(path, "unchanged")
    folders = Folders()
    try:
        try:
            where = folders.open(corpus_root_of(change.article), path.parent)
        except UnsafeFolder as exc:
            return _folder_refused(path, exc)
        staged = _prepare(change, overwrite, where, None)
        if isinstance(staged, SaveResult):
            return staged
        clean_leftovers(where)
        result = _write_staged(staged, batch, attempts)  # releases the lock
        if fsync_dir and result.status in ("saved", "merged"):
            try:
                os.fsync(where.fd)
            except OSError:
                pass  # written and renamed: only the rename's durability is at stake
        return result
    finally:
        folders.close()


def _same_as_read(where: OpenFolder, name: str, read: os.stat_result) -> bool:
    """Whether article ``name`` is still the very file that was read (no program wrote it since)."""
    try:
        now = os.lstat(name, dir_fd=where.fd)
    except OSError:
        return False
    return (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
        read.st_ino,
        read.st_dev,
        read.st_size,
        read.st_mtime_ns,
        read.st_ctime_ns,
    )


def _write_staged(staged: _Staged, batch: Any, attempts: int = 3) -> SaveResult:
    """Worker thread: the write half of the protocol for one file checked under its lock.

    Keep the prior bytes in the journal, write and fsync the temp file, write the journal
    line, check the file is still the one read, replace it, release the lock.
    """
    path = staged.change.path
    where = staged.where
    try:
        if batch is not None:
            try:
                kept = batch.keep(staged.current, staged.current_sha)
            except OSError as exc:
                return SaveResult(path, "refused", f"cannot keep the prior version in the journal, file untouched: {exc.strerror or exc}")
        try:
            staged.temp = write_temp_in(where, path.name, staged.data, staged.mode)
        except OSError as exc:
            return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
        if batch is not None:
            new_sha = hashlib.sha256(staged.data).hexdigest()
            try:
                batch.record(path, staged.current, staged.data, kept=kept, new_digest=new_sha)
            except OSError as exc:
                return SaveResult(path, "refused", f"cannot write the journal, file untouched: {exc.strerror or exc}")
        if not _same_as_read(where, path.name, staged.read):
            # Another program wrote the file since it was read under our lock (copydesk
            # waits for the lock; an editor does not): start over the one-file way, which
            # re-reads it and merges or reports a conflict.
            _abandon(staged)
            if attempts <= 1:
                return SaveResult(path, "conflict", "the file kept changing while it was being saved; nothing written")
            return save_change(staged.change, batch=batch, overwrite=staged.overwrite, fsync_dir=False, attempts=attempts - 1)
        try:
            os.replace(staged.temp, path.name, src_dir_fd=where.fd, dst_dir_fd=where.fd)
        except OSError as exc:
            return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
        staged.temp = None
        if batch is not None:
            batch.written(path, defer=True)  # a replace whose line is lost is still undone right
        return SaveResult(path, staged.status, staged.message)
    finally:
        _abandon(staged)


def _abandon(staged: _Staged) -> None:
    """Remove what is left of a staged write (its temp file) and release its lock."""
    if staged.temp is not None:
        unlink_quietly(staged.temp, staged.where.fd)
        staged.temp = None
    if staged.lock is not None:
        unlock_in(staged.where, staged.lock)
        staged.lock = None


class _BatchSaver:
    """The pipeline of :func:`save_changes` (see the module docstring)."""

    def __init__(self, batch: Any, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.batch = batch
        self.total = total
        self.progress = progress
        self.results: list[SaveResult | None] = [None] * total
        self.done = 0
        self.folders = Folders()
        self.roots: dict[Path, Path] = {}  # each folder's corpus root
        self.cleaned: set[Path] = set()
        self.writable: set[Path] = set()  # folders seen writable
        self.opened = False
        self.written: set[Path] = set()  # folders with a replaced file, fsynced at the end
        self.pool: ThreadPoolExecutor | None = None
        self.window: deque[tuple[_Staged, Future[SaveResult]]] = deque()
        self.in_flight: set[Path] = set()

    def add(self, index: int, change: Change, overwrite: bool) -> None:
        path = change.path
        if not change.changed:
            self._finish(index, SaveResult(path, "unchanged"))
            return
        if path in self.in_flight:
            self.drain()  # the same file twice: the first write lands before the second is compared
        folder = path.parent
        root = self.roots.setdefault(folder, corpus_root_of(change.article))
        try:
            where = self.folders.open(root, folder)
        except UnsafeFolder as exc:
            self._finish(index, _folder_refused(path, exc))
            return
        if folder not in self.cleaned:
            self.cleaned.add(folder)
            clean_leftovers(where)
        outcome = _prepare(change, overwrite, where, self.folders, self.writable)
        if isinstance(outcome, SaveResult):
            self.folders.done(where)
            self._finish(index, outcome)
            return
        outcome.index = index
        if self.batch is not None and not self.opened:
            try:
                self.batch.open()  # the journal's folders exist before a worker keeps a copy
            except OSError as exc:
                _abandon(outcome)
                self.folders.done(where)
                self._finish(index, SaveResult(path, "refused", f"cannot write the journal, file untouched: {exc.strerror or exc}"))
                return
            self.opened = True
        if self.pool is None:
            self.pool = ThreadPoolExecutor(_WRITERS, thread_name_prefix="copydesk-save")
        try:
            future = self.pool.submit(_write_staged, outcome, self.batch)
        except BaseException:
            _abandon(outcome)
            raise
        self.in_flight.add(path)
        self.window.append((outcome, future))
        while len(self.window) > _WINDOW:
            self._collect()

    def _collect(self) -> None:
        staged, future = self.window.popleft()
        self.in_flight.discard(staged.change.path)
        result = future.result()
        self.folders.done(staged.where)
        self._finish(staged.index, result)

    def drain(self) -> None:
        while self.window:
            self._collect()

    def _finish(self, index: int, result: SaveResult) -> None:
        if result.status in ("saved", "merged"):
            self.written.add(result.path.parent)
        self.results[index] = result
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        """Let the writes under way finish (each file ends old or new), fsync every written
        folder, remove the lock owner files and close the folders."""
        for staged, future in self.window:
            try:
                result = future.result()
            except BaseException:  # noqa: BLE001 - the batch is stopping anyway
                continue
            if result.status in ("saved", "merged"):
                self.written.add(staged.change.path.parent)
        self.window.clear()
        folders = sorted(self.written)
        if len(folders) > 1 and self.pool is not None:
            list(self.pool.map(self._fsync_quietly, folders))
        else:
            for folder in folders:
                self._fsync_quietly(folder)
        if self.pool is not None:
            self.pool.shutdown()
        self.folders.close()

    def _fsync_quietly(self, folder: Path) -> None:
        self.folders.fsync(self.roots[folder], folder)


def _across_folders(changes: Sequence[Change]) -> list[int]:
    """The order to save ``changes`` in: one file of each folder in turn.

    Files saved at the same time then sit in different folders: creating, fsyncing and
    renaming files in one folder queue behind each other (on ext4 without a journal, the
    fsync of a new file also writes its folder).
    """
    by_folder: dict[Path, list[int]] = {}
    for index, change in enumerate(changes):
        by_folder.setdefault(change.path.parent, []).append(index)
    if len(by_folder) < 2:
        return list(range(len(changes)))
    queues = list(by_folder.values())
    order: list[int] = []
    for turn in range(max(len(q) for q in queues)):
        order.extend(q[turn] for q in queues if turn < len(q))
    return order


def save_changes(
    changes: Sequence[Change],
    *,
    config: Config,
    label: str,
    overwrite: frozenset[Path] = frozenset(),
    journal: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[SaveResult]:
    """Save a batch: every prior version goes to the journal first (``copydesk undo``);
    temp files are written and fsynced by worker threads, directories are fsynced once per
    batch. ``overwrite`` lists paths the user chose to overwrite despite a conflict.
    Results are in the order of ``changes``, one per change whatever happens to the disk:
    when the journal cannot be finished (a full disk), the files written say so in their
    message (their status stays ``saved`` or ``merged``: they were written)."""
    batch = None
    if journal:
        from .journal import Journal

        batch = Journal(config.root, keep=config.journal_batches).begin(label)
    saver = _BatchSaver(batch, len(changes), progress)
    unfinished = ""
    try:
        for index in _across_folders(changes):
            change = changes[index]
            saver.add(index, change, change.path in overwrite)
        saver.drain()
    finally:
        saver.close()
        if batch is not None:
            try:
                batch.close()  # says what it could not record in batch.problem
            except OSError as exc:
                unfinished = f"the undo journal could not be finished ({exc.strerror or exc})"
            else:
                unfinished = batch.problem or ""
    results = saver.results
    assert all(r is not None for r in results)
    if unfinished:
        note = unfinished
        results = [
            replace(r, message=f"{r.message}; {note}" if r.message else note, journal_problem=note)
            if r is not None and r.ok and r.status != "unchanged" else r
            for r in results
        ]
    return results  # type: ignore[return-value]
