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
"""

from __future__ import annotations

import difflib
import hashlib
import os
import socket
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .config import Config, Limits
from .display import c_quote
from .document import LOCK_SUFFIX, TEMP_MARKER, Article, get_path, thaw
from .edit import EditRefused, apply_edits
from .edit_ops import Edit, field_name
from .frontmatter import split_text
from .guard import UnsafeFile, read_guarded
from .yamldata import YamlError, parse_yaml

Status = Literal["saved", "unchanged", "merged", "conflict", "refused"]
STALE_LOCK_SECONDS = 600
# A batch's lock owner files are renewed this often, so that the time in a lock (what other
# hosts judge staleness by) stays recent during a long batch.
_OWNER_RENEW_SECONDS = 60
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


# -- locking and atomic writes -----------------------------------------------------------


class LockBusy(Exception):
    pass


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def _lock_info() -> bytes:
    return f"{os.getpid()} {socket.gethostname()} {time.time():.0f}\n".encode()


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing file, never through a link) holding ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


class LockOwners:
    """Owner files for the locks of one batch: one per folder, renewed every minute.

    Each lock is a hard link to its folder's owner file, so taking a lock creates no new
    file (on some file systems, creating a file is the dearest step of a save). A lock
    still says who holds it and since when, exactly like a lock of its own.
    """

    def __init__(self) -> None:
        self._owners: dict[Path, tuple[Path, bytes, float]] = {}

    def owner(self, folder: Path) -> tuple[Path, bytes] | None:
        """The owner file of ``folder`` and its content; None when it cannot be created."""
        now = time.monotonic()
        known = self._owners.get(folder)
        if known is not None:
            if now - known[2] < _OWNER_RENEW_SECONDS:
                return known[0], known[1]
            _unlink_quietly(known[0])
            del self._owners[folder]
        info = _lock_info()
        path = folder / f"{TEMP_MARKER}-owner-{os.getpid()}-{time.monotonic_ns()}"
        try:
            _write_new(path, info)
        except OSError:
            return None
        self._owners[folder] = (path, info, now)
        return path, info

    def close(self) -> None:
        for path, _, _ in self._owners.values():
            _unlink_quietly(path)
        self._owners.clear()


def acquire_lock(path: Path, owners: LockOwners | None = None) -> Path:
    """Create the lock file for ``path`` (removing a stale one); raises LockBusy.

    The lock appears with its owner already written in it (a hard link to a filled file:
    the folder's owner file of a batch's ``owners``, else a temp file of its own): a process
    killed half-way never leaves an empty lock that would look busy, with no owner to
    check, until it is old enough to be called stale.
    """
    lock = lock_path(path)
    source = owners.owner(path.parent) if owners is not None else None
    if source is not None:
        return _take_lock(path, lock, *source)
    info = _lock_info()
    temp = path.with_name(f".{path.name}{TEMP_MARKER}-lock-{os.getpid()}-{time.monotonic_ns()}")
    _write_new(temp, info)
    try:
        return _take_lock(path, lock, temp, info)
    finally:
        _unlink_quietly(temp)


def _take_lock(path: Path, lock: Path, source: Path, info: bytes) -> Path:
    for _ in range(2):
        try:
            _create_lock(source, lock, info)
        except FileExistsError:
            try:
                judged = _lock_identity(lock)
            except FileNotFoundError:
                continue  # released meanwhile
            if _lock_is_stale(lock):
                _break_stale_lock(path, lock, judged)
                continue
            raise LockBusy(_lock_owner(lock)) from None
        return lock
    raise LockBusy(_lock_owner(lock))


def _lock_identity(lock: Path) -> tuple[int, bytes]:
    """Inode and owner line of a lock (an inode number alone can be reused at once)."""
    return os.lstat(lock).st_ino, lock.read_bytes()


def _break_stale_lock(path: Path, lock: Path, judged: tuple[int, bytes]) -> None:
    """Remove the stale lock that was ``judged`` without ever removing a live one.

    Two processes can find the same stale lock; a plain unlink by the slower one would
    delete the lock the faster one has just taken. So the lock is renamed aside (only one
    process wins the rename) and, if what was moved is not the lock judged stale, it is put
    back and the file is reported busy.
    """
    aside = path.with_name(f".{path.name}{TEMP_MARKER}-stale-lock-{os.getpid()}-{time.monotonic_ns()}")
    try:
        os.rename(lock, aside)
    except FileNotFoundError:
        return  # another process broke it first
    try:
        if _lock_identity(aside) != judged:
            try:
                os.link(aside, lock)  # a live lock taken meanwhile: restore it
            except OSError:
                pass
            raise LockBusy(_lock_owner(lock))
    finally:
        _unlink_quietly(aside)


def _create_lock(source: Path, lock: Path, info: bytes) -> None:
    """Make ``lock`` exist with ``info`` in it; FileExistsError when it already exists."""
    try:
        os.link(source, lock)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (FAT, some shares) or the owner file is gone: create and fill
    fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.write(fd, info)
    finally:
        os.close(fd)


def _lock_owner(lock: Path) -> str:
    try:
        pid, host, since = lock.read_text().split()
        return f"locked by copydesk process {pid} on {host} since {time.strftime('%H:%M:%S', time.localtime(float(since)))}"
    except (OSError, ValueError):
        return "locked by another copydesk process"


def _lock_is_stale(lock: Path) -> bool:
    try:
        pid_text, host, since = lock.read_text().split()
        pid, started = int(pid_text), float(since)
    except (OSError, ValueError):
        try:  # unreadable or half-written lock: stale once old enough
            return time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS
        except OSError:
            return True
    if host == socket.gethostname():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False
    return time.time() - started > STALE_LOCK_SECONDS


def release_lock(lock: Path) -> None:
    try:
        os.unlink(lock)
    except FileNotFoundError:
        pass


def _clean_stale_temps(folder: Path) -> None:
    """Remove copydesk's temp and owner files in ``folder`` left by a save killed long ago."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if name.startswith(".") and TEMP_MARKER in name:
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_LOCK_SECONDS:
                    os.unlink(entry.path)
            except OSError:
                pass


def _write_temp(path: Path, data: bytes, mode: int | None) -> Path:
    """A new temp file beside ``path`` holding ``data`` with ``mode``, fsynced and closed."""
    temp = path.with_name(f".{path.name}{TEMP_MARKER}-{os.getpid()}-{time.monotonic_ns()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if mode is not None:
            os.fchmod(fd, stat.S_IMODE(mode))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp)
        raise
    os.close(fd)
    return temp


def write_atomic(path: Path, data: bytes, mode: int | None = None, fsync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync,
    ``os.replace``, then the directory fsync unless the caller batches it).

    The file keeps its mode (``mode`` overrides); a symbolic link is never replaced
    (OSError), since replacing it would silently turn the link into a file.
    """
    try:
        current = os.lstat(path)
    except FileNotFoundError:
        current = None
    if current is not None and stat.S_ISLNK(current.st_mode):
        raise OSError(f"{path}: symbolic link: copydesk does not write through links")
    if mode is None and current is not None:
        mode = current.st_mode
    temp = _write_temp(path, data, mode)
    try:
        os.replace(temp, path)
    except BaseException:
        _unlink_quietly(temp)
        raise
    if fsync_dir:
        fsync_directory(path.parent)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def fsync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- saving ------------------------------------------------------------------------------


def _writable_target(path: Path, writable_folders: set[Path] | None = None) -> tuple[os.stat_result | None, str]:
    """The file's ``lstat`` when copydesk may replace it, else the reason it may not.

    ``writable_folders``: folders of this batch already seen writable (asked once each).
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None, "the file no longer exists"
    except OSError as exc:
        return None, f"cannot stat: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        return None, "symbolic link: copydesk does not write through links"
    if not stat.S_ISREG(info.st_mode):
        return None, "not a regular file"
    if not info.st_mode & 0o222 or not os.access(path, os.W_OK):
        return None, "read-only file (make it writable to edit it)"
    folder = path.parent
    if writable_folders is None or folder not in writable_folders:
        if not os.access(folder, os.W_OK):
            return None, "the folder is read-only (a safe save needs a temp file beside the article)"
        if writable_folders is not None:
            writable_folders.add(folder)
    return info, ""


def _edited_fields_unchanged(base: Mapping[str, Any] | None, disk: Mapping[str, Any], edits: Iterable[Edit]) -> list[str]:
    """Names of the fields we edit whose value on disk differs from what we started from."""
    missing = object()
    changed = []
    for edit in edits:
        name = field_name(edit.field)
        if thaw(get_path(base, name, missing)) != thaw(get_path(disk, name, missing)):
            changed.append(name)
    return changed


def _merge(change: Change, disk_text: str) -> tuple[str | None, str]:
    """Our edits re-applied to ``disk_text``; (None, reason) when they cannot be."""
    if change.rewrite is not None:
        return None, "the file changed on disk and this change rewrites its text"
    split = split_text(disk_text)
    if not split.has_front_matter:
        return None, "the file on disk no longer has front matter"
    try:
        disk_meta = parse_yaml(disk_text[split.fm_start : split.fm_end], _READ_LIMITS)
    except YamlError as exc:
        return None, f"the version on disk has invalid YAML ({exc.problem.message})"
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
    lock: Path | None
    mode: int
    read: os.stat_result  # the file as read under the lock
    current: bytes
    current_sha: str
    data: bytes
    status: Status
    message: str
    overwrite: bool
    index: int = -1
    temp: Path | None = None


def _prepare(
    change: Change, overwrite: bool, owners: LockOwners | None, writable_folders: set[Path] | None = None
) -> SaveResult | _Staged:
    """Lock the file and decide what to write: a result when there is nothing to write.

    A batch (``owners`` given) checks the file once, under the lock; a single save checks
    it before taking the lock too.
    """
    path = change.path
    if not change.changed:
        return SaveResult(path, "unchanged")
    if owners is None:
        _, reason = _writable_target(path)
        if reason:
            return SaveResult(path, "refused", reason)
    try:
        lock = acquire_lock(path, owners)
    except LockBusy as exc:
        return SaveResult(path, "refused", str(exc))
    except OSError as exc:
        _, reason = _writable_target(path)  # say why when it is the file or its folder
        return SaveResult(path, "refused", reason or f"cannot create a lock file: {exc.strerror}")
    try:
        outcome = _check_locked(change, overwrite, lock, writable_folders)
    except BaseException:
        release_lock(lock)
        raise
    if isinstance(outcome, SaveResult):
        release_lock(lock)
    return outcome


def _check_locked(change: Change, overwrite: bool, lock: Path, writable_folders: set[Path] | None) -> SaveResult | _Staged:
    path = change.path
    info, reason = _writable_target(path, writable_folders)
    if info is None:
        return SaveResult(path, "refused", reason)
    try:
        current, opened = read_guarded(path, path.parent, _READ_LIMITS)
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
    return _Staged(change, lock, info.st_mode, opened, current, current_sha, data, status, message, overwrite)


def save_change(
    change: Change,
    *,
    batch: Any = None,
    overwrite: bool = False,
    fsync_dir: bool = True,
) -> SaveResult:
    """Write one change with the safe-save protocol (see the module docstring)."""
    staged = _prepare(change, overwrite, None)
    if isinstance(staged, SaveResult):
        return staged
    path = change.path
    assert staged.lock is not None
    try:
        if batch is not None:
            try:
                batch.record(path, staged.current, staged.data)
            except OSError as exc:
                return SaveResult(path, "refused", f"cannot keep the prior version in the journal, file untouched: {exc.strerror or exc}")
        _clean_stale_temps(path.parent)
        try:
            write_atomic(path, staged.data, staged.mode, fsync_dir=fsync_dir)
        except OSError as exc:
            return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
        if batch is not None:
            batch.written(path)
        return SaveResult(path, staged.status, staged.message)
    finally:
        release_lock(staged.lock)


def _same_as_read(path: Path, read: os.stat_result) -> bool:
    """Whether ``path`` is still the very file that was read (no program wrote it since)."""
    try:
        now = os.lstat(path)
    except OSError:
        return False
    return (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns, now.st_ctime_ns) == (
        read.st_ino,
        read.st_dev,
        read.st_size,
        read.st_mtime_ns,
        read.st_ctime_ns,
    )


def _write_staged(staged: _Staged, batch: Any) -> SaveResult:
    """Worker thread: the write half of the protocol for one file checked under its lock.

    Keep the prior bytes in the journal, write and fsync the temp file, write the journal
    line, check the file is still the one read, replace it, release the lock.
    """
    path = staged.change.path
    try:
        if batch is not None:
            try:
                kept = batch.keep(staged.current, staged.current_sha)
            except OSError as exc:
                return SaveResult(path, "refused", f"cannot keep the prior version in the journal, file untouched: {exc.strerror or exc}")
        try:
            staged.temp = _write_temp(path, staged.data, staged.mode)
        except OSError as exc:
            return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
        if batch is not None:
            new_sha = hashlib.sha256(staged.data).hexdigest()
            try:
                batch.record(path, staged.current, staged.data, kept=kept, new_digest=new_sha)
            except OSError as exc:
                return SaveResult(path, "refused", f"cannot write the journal, file untouched: {exc.strerror or exc}")
        if not _same_as_read(path, staged.read):
            # Another program wrote the file since it was read under our lock (copydesk
            # waits for the lock; an editor does not): start over the one-file way, which
            # re-reads it and merges or reports a conflict.
            _abandon(staged)
            return save_change(staged.change, batch=batch, overwrite=staged.overwrite, fsync_dir=False)
        try:
            os.replace(staged.temp, path)
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
        _unlink_quietly(staged.temp)
        staged.temp = None
    if staged.lock is not None:
        release_lock(staged.lock)
        staged.lock = None


class _BatchSaver:
    """The pipeline of :func:`save_changes` (see the module docstring)."""

    def __init__(self, batch: Any, total: int, progress: Callable[[int, int], None] | None) -> None:
        self.batch = batch
        self.total = total
        self.progress = progress
        self.results: list[SaveResult | None] = [None] * total
        self.done = 0
        self.owners = LockOwners()
        self.cleaned: set[Path] = set()
        self.writable: set[Path] = set()  # folders seen writable
        self.opened = False
        self.folders: set[Path] = set()  # folders with a replaced file, fsynced at the end
        self.pool: ThreadPoolExecutor | None = None
        self.window: deque[tuple[_Staged, Future[SaveResult]]] = deque()
        self.in_flight: set[Path] = set()

    def add(self, index: int, change: Change, overwrite: bool) -> None:
        if change.path in self.in_flight:
            self.drain()  # the same file twice: the first write lands before the second is compared
        folder = change.path.parent
        if folder not in self.cleaned:
            self.cleaned.add(folder)
            _clean_stale_temps(folder)
        outcome = _prepare(change, overwrite, self.owners, self.writable)
        if isinstance(outcome, SaveResult):
            self._finish(index, outcome)
            return
        outcome.index = index
        if self.batch is not None and not self.opened:
            try:
                self.batch.open()  # the journal's folders exist before a worker keeps a copy
            except OSError as exc:
                _abandon(outcome)
                self._finish(index, SaveResult(change.path, "refused", f"cannot write the journal, file untouched: {exc.strerror or exc}"))
                return
            self.opened = True
        if self.pool is None:
            self.pool = ThreadPoolExecutor(_WRITERS, thread_name_prefix="copydesk-save")
        try:
            future = self.pool.submit(_write_staged, outcome, self.batch)
        except BaseException:
            _abandon(outcome)
            raise
        self.in_flight.add(change.path)
        self.window.append((outcome, future))
        while len(self.window) > _WINDOW:
            self._collect()

    def _collect(self) -> None:
        staged, future = self.window.popleft()
        self.in_flight.discard(staged.change.path)
        self._finish(staged.index, future.result())

    def drain(self) -> None:
        while self.window:
            self._collect()

    def _finish(self, index: int, result: SaveResult) -> None:
        if result.status in ("saved", "merged"):
            self.folders.add(result.path.parent)
        self.results[index] = result
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, self.total)

    def close(self) -> None:
        """Let the writes under way finish (each file ends old or new), fsync every written
        folder, remove the lock owner files."""
        for staged, future in self.window:
            try:
                result = future.result()
            except BaseException:  # noqa: BLE001 - the batch is stopping anyway
                continue
            if result.status in ("saved", "merged"):
                self.folders.add(staged.change.path.parent)
        self.window.clear()
        self.owners.close()
        folders = sorted(self.folders)
        if len(folders) > 1 and self.pool is not None:
            list(self.pool.map(_fsync_quietly, folders))
        else:
            for folder in folders:
                _fsync_quietly(folder)
        if self.pool is not None:
            self.pool.shutdown()


def _fsync_quietly(folder: Path) -> None:
    try:
        fsync_directory(folder)
    except OSError:
        pass


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
    Results are in the order of ``changes``."""
    batch = None
    if journal:
        from .journal import Journal

        batch = Journal(config.root, keep=config.journal_batches).begin(label)
    saver = _BatchSaver(batch, len(changes), progress)
    try:
        for index in _across_folders(changes):
            change = changes[index]
            saver.add(index, change, change.path in overwrite)
        saver.drain()
    finally:
        saver.close()
        if batch is not None:
            batch.close()
    results = saver.results
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]
