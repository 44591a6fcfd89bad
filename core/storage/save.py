"""Safe saves: every write copydesk makes goes through here.

Protocol for one file: take a lock file beside it; refuse links, non-regular and read-only
files; re-read the file and compare it with the version the change was planned from (the
sha256 catches a same-size edit with the mtime restored); if it changed on disk, re-apply
our field edits to the new version when the fields we edit did not change there (a merge),
else report a conflict and write nothing; journal the prior bytes; write a temp file in
the same directory, restore the mode, fsync, ``os.replace``, fsync the directory.

A batch (:func:`save_changes`) runs the same protocol for every file, folder by folder, with
the durability step shared by a group of files (up to :data:`_GROUP_FILES` files,
:data:`_GROUP_BYTES` bytes or :data:`_GROUP_FOLDERS` folders): for each file of the group,
lock it, re-read and compare it, keep the prior bytes in the journal, write its temp file
(not yet fsynced) and its journal line; then hand the group's journal lines to the
operating system and make the temp files durable together: one ``syncfs`` of each file
system they are on (Linux 5.8 and later, where ``syncfs`` reports a failed write-back),
else an fsync of each temp file, overlapping in threads. Only then is each file checked
with an ``lstat`` to be still exactly the one read, replaced by its temp file, and
unlocked (by threads: a rename may wait for the old file's blocks to be freed, and
overlapped waits cost a fraction of one after another). What the one-file protocol guarantees holds for every file of a group:

- A replace never points at data that is not durable: every temp file of the group was
  written before the ``syncfs`` (or its fsync) began, and a replace starts only after it
  returned without error. ``syncfs`` writes back every dirty page and inode of the file
  system and commits its journal, the same promise as an fsync of each file; when it
  reports an error (any write-back failure on that file system since the last call), no
  file of the group is replaced: all are refused, untouched, and their temp files removed.
- A crash or kill at any moment leaves each article old or new, never partial: before its
  replace it is untouched (its temp file is a leftover the next save removes), after it the
  new version is durable. The journal line of every file is out before its replace, so an
  interrupted batch can be undone.
- The folders' entries (the renames) are made durable once at the end of the batch: a
  ``syncfs`` of each file system written, else an fsync of each folder.

One ``syncfs`` instead of an fsync a file is what makes a bulk edit cheap (no thread per
fsync, no per-file journal commit); its cost is that it also writes back what other
programs left unwritten on that file system. A file that another program changed meanwhile
goes through the one-file protocol again (merge or conflict). Locks of a batch are hard
links to one owner file per folder.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
    can_sync_file_system,
    clean_leftovers,
    corpus_root_of,
    fsync_in,
    lock_in,
    sync_file_system,
    unlink_quietly,
    unlock_in,
    write_temp_in,
)

Status = Literal["saved", "unchanged", "merged", "conflict", "refused"]
# A batch's temp files are made durable together, this many (or bytes) at a time; each
# file stays locked until its group is in place.
_GROUP_FILES = 512
_GROUP_BYTES = 32 << 20
_GROUP_FOLDERS = 64  # folders a group holds open (one article per folder: page bundles)
# Threads overlapping fsyncs where no syncfs is at hand: ~0.1-0.2 ms a file where one after
# another cost ~1 ms each.
_FSYNC_THREADS = 8
# Threads replacing a group's files: a rename over a file frees the old one's blocks, which
# some file systems make the renaming process wait for (ext4 mounted with ``discard``);
# overlapped, the waits cost a fraction of one after another.
_REPLACERS = 8
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
    """The write half of the protocol for one file checked under its lock: keep the prior
    bytes in the journal, write and fsync the temp file, write the journal line, check the
    file is still the one read, replace it, release the lock."""
    try:
        return _stage(staged, batch, durable=True) or _put_in_place(staged, batch, attempts)
    finally:
        _abandon(staged)


def _stage(staged: _Staged, batch: Any, durable: bool) -> SaveResult | None:
    """Keep the prior bytes in the journal, write the temp file (fsynced when ``durable``;
    else the caller makes it durable before :func:`_put_in_place`) and record it in the
    journal (the line deferred when not ``durable``: the caller flushes it before the
    replace). None when done; else why the file is refused (the caller abandons it)."""
    path = staged.change.path
    kept = None
    if batch is not None:
        try:
            kept = batch.keep(staged.current, staged.current_sha)
        except OSError as exc:
            return SaveResult(path, "refused", f"cannot keep the prior version in the journal, file untouched: {exc.strerror or exc}")
    try:
        staged.temp = write_temp_in(staged.where, path.name, staged.data, staged.mode, durable=durable)
    except OSError as exc:
        return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
    if batch is not None:
        new_sha = hashlib.sha256(staged.data).hexdigest()
        try:
            batch.record(path, staged.current, staged.data, kept=kept, new_digest=new_sha, defer=not durable)
        except OSError as exc:
            return SaveResult(path, "refused", f"cannot write the journal, file untouched: {exc.strerror or exc}")
    return None


def _put_in_place(staged: _Staged, batch: Any, attempts: int) -> SaveResult:
    """Replace the file with its durable temp file, once checked to be still the very file
    read under the lock (else the one-file protocol again: merge or conflict)."""
    path = staged.change.path
    where = staged.where
    assert staged.temp is not None
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


def _put_in_place_and_unlock(staged: _Staged, batch: Any) -> SaveResult:
    """Worker thread: :func:`_put_in_place`, then release the lock (and remove the temp
    file when it was not put in place)."""
    try:
        return _put_in_place(staged, batch, 3)
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
        self.written: set[Path] = set()  # folders with a replaced file, made durable at the end
        self.group: list[_Staged] = []  # temp files written, not yet durable nor in place
        self.group_bytes = 0
        self.in_group: set[Path] = set()
        self.group_folders: set[Path] = set()
        self.devices: dict[Path, int] = {}  # each folder's file system (st_dev)
        self.pool: ThreadPoolExecutor | None = None  # replacing files (see _REPLACERS)

    def add(self, index: int, change: Change, overwrite: bool) -> None:
        path = change.path
        if not change.changed:
            self._finish(index, SaveResult(path, "unchanged"))
            return
        if path in self.in_group:
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
                self.batch.open()  # the journal's folders exist before a prior version is kept
            except OSError as exc:
                outcome.message = f"cannot write the journal, file untouched: {exc.strerror or exc}"
                self._give_up(outcome, "refused")
                return
            self.opened = True
        try:
            refused = _stage(outcome, self.batch, durable=False)
        except BaseException:
            _abandon(outcome)
            raise
        if refused is not None:
            _abandon(outcome)
            self.folders.done(where)
            self._finish(index, refused)
            return
        self.group.append(outcome)
        self.in_group.add(path)
        self.group_bytes += len(outcome.data)
        self.group_folders.add(folder)
        if len(self.group) >= _GROUP_FILES or self.group_bytes >= _GROUP_BYTES or len(self.group_folders) >= _GROUP_FOLDERS:
            self.drain()

    def drain(self) -> None:
        """Make the group's temp files durable together, then put each in place."""
        group, self.group, self.group_bytes = self.group, [], 0
        self.in_group.clear()
        self.group_folders.clear()
        if not group:
            return
        what = "cannot write the journal"
        try:
            if self.batch is not None:
                self.batch.flush()  # every record line is out before its file is replaced
            what = "write failed"
            self._make_durable(group)
        except OSError as exc:
            for staged in group:
                staged.message = f"{what}, file untouched: {exc.strerror or exc}"
                self._give_up(staged, "refused")
            return
        except BaseException:
            for staged in group:
                _abandon(staged)
            raise
        if self.pool is None:
            self.pool = ThreadPoolExecutor(_REPLACERS, thread_name_prefix="copydesk-save")
        futures = [self.pool.submit(_put_in_place_and_unlock, staged, self.batch) for staged in group]
        failure: BaseException | None = None
        for staged, future in zip(group, futures, strict=True):
            try:
                result = future.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised once every file is settled
                failure = failure or exc
                continue
            self.folders.done(staged.where)
            self._finish(staged.index, result)
        if failure is not None:
            raise failure

    def _give_up(self, staged: _Staged, status: Status) -> None:
        _abandon(staged)
        self.folders.done(staged.where)
        self._finish(staged.index, SaveResult(staged.change.path, status, staged.message))

    def _device(self, where: OpenFolder) -> int:
        device = self.devices.get(where.path)
        if device is None:
            device = self.devices[where.path] = os.fstat(where.fd).st_dev
        return device

    def _make_durable(self, group: Sequence[_Staged]) -> None:
        """The temp files of ``group`` durable: one ``syncfs`` per file system they are on,
        or (where that call is missing) an fsync of each, overlapping in threads."""
        if can_sync_file_system():
            synced: set[int] = set()
            for staged in group:
                device = self._device(staged.where)
                if device not in synced:
                    synced.add(device)
                    sync_file_system(staged.where.fd)
            return
        with ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix="copydesk-fsync") as pool:
            list(pool.map(lambda staged: fsync_in(staged.where, staged.temp), group))

    def _finish(self, index: int, result: SaveResult) -> None:
        if result.status in ("saved", "merged"):
            self.written.add(result.path.parent)
        self.results[index] = result
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        """Abandon what was not put in place (each file stays old), make every written
        folder durable, remove the lock owner files and close the folders."""
        for staged in self.group:
            _abandon(staged)
        self.group.clear()
        folders = sorted(self.written)
        if folders and can_sync_file_system():
            # the renames: one syncfs per file system instead of an fsync per folder
            synced: set[int] = set()
            for folder in folders:
                where = self.folders.get(folder)
                if where is None:
                    self._fsync_quietly(folder)
                    continue
                try:
                    device = self._device(where)
                    if device not in synced:
                        synced.add(device)
                        sync_file_system(where.fd)
                except OSError:
                    pass  # written and renamed: only the renames' durability is at stake
        elif len(folders) > 1:
            with ThreadPoolExecutor(_FSYNC_THREADS, thread_name_prefix="copydesk-fsync") as pool:
                list(pool.map(self._fsync_quietly, folders))
        else:
            for folder in folders:
                self._fsync_quietly(folder)
        if self.pool is not None:
            self.pool.shutdown()
        self.folders.close()

    def _fsync_quietly(self, folder: Path) -> None:
        self.folders.fsync(self.roots[folder], folder)


def _by_folder(changes: Sequence[Change]) -> list[int]:
    """The order to save ``changes`` in: folder by folder (in the order each folder first
    comes), each folder's files in their order. A group made durable together then spans
    few folders, which stay open until it is in place."""
    by_folder: dict[Path, list[int]] = {}
    for index, change in enumerate(changes):
        by_folder.setdefault(change.path.parent, []).append(index)
    return [index for indices in by_folder.values() for index in indices]


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
    temp files are made durable a group at a time before they replace the articles, the
    folders once per batch (see the module docstring). ``overwrite`` lists paths the user chose to overwrite despite a conflict.
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
        for index in _by_folder(changes):
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
