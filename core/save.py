"""Safe saves: every write copydesk makes goes through here.

Protocol for one file: take a lock file beside it; refuse links, non-regular and read-only
files; re-read the file and compare it with the version the change was planned from (the
sha256 catches a same-size edit with the mtime restored); if it changed on disk, re-apply
our field edits to the new version when the fields we edit did not change there (a merge),
else report a conflict and write nothing; journal the prior bytes; write a temp file in
the same directory, restore the mode, fsync, ``os.replace``, fsync the directory.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import socket
import stat
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from .config import Config, Limits
from .document import LOCK_SUFFIX, TEMP_MARKER, Article, get_path, thaw
from .edit import EditRefused, apply_edits
from .edit_ops import Edit, field_name
from .frontmatter import split_text
from .guard import UnsafeFile, read_guarded
from .yamldata import YamlError, parse_yaml

Status = Literal["saved", "unchanged", "merged", "conflict", "refused"]
STALE_LOCK_SECONDS = 600
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
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}", n=context
    )
    out = []
    for line in lines:
        out.append(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n")
    return "".join(out)


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
    new = apply_edits(text, edits, name=article.relpath) if edits else text
    if rewrite is not None:
        new = rewrite(new)
    base = article.fingerprint.sha256 if article.fingerprint is not None else hashlib.sha256(data).hexdigest()
    return Change(article, tuple(edits), text, new, base, rewrite)


# -- locking and atomic writes -----------------------------------------------------------


class LockBusy(Exception):
    pass


def lock_path(path: Path) -> Path:
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def acquire_lock(path: Path) -> Path:
    """Create the lock file for ``path`` (removing a stale one); raises LockBusy.

    The lock appears with its owner already written in it (a hard link to a filled temp
    file): a process killed half-way never leaves an empty lock that would look busy, with
    no owner to check, until it is old enough to be called stale.
    """
    lock = lock_path(path)
    info = f"{os.getpid()} {socket.gethostname()} {time.time():.0f}\n".encode()
    temp = path.with_name(f".{path.name}{TEMP_MARKER}-lock-{os.getpid()}-{time.monotonic_ns()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    try:
        os.write(fd, info)
    finally:
        os.close(fd)
    try:
        for _ in range(2):
            try:
                _create_lock(temp, lock, info)
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
    finally:
        _unlink_quietly(temp)


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


def _create_lock(temp: Path, lock: Path, info: bytes) -> None:
    """Make ``lock`` exist with ``info`` in it; FileExistsError when it already exists."""
    try:
        os.link(temp, lock)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links on this file system (FAT, some shares): create and fill
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


def _clean_stale_temps(path: Path) -> None:
    prefix = f".{path.name}{TEMP_MARKER}"
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        if entry.name.startswith(prefix):
            try:
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_LOCK_SECONDS:
                    os.unlink(entry.path)
            except OSError:
                pass


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


def _writable_target(path: Path) -> tuple[os.stat_result | None, str]:
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
    if not os.access(path.parent, os.W_OK):
        return None, "the folder is read-only (a safe save needs a temp file beside the article)"
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


def save_change(
    change: Change,
    *,
    batch: Any = None,
    overwrite: bool = False,
    fsync_dir: bool = True,
) -> SaveResult:
    """Write one change with the safe-save protocol (see the module docstring)."""
    path = change.path
    if not change.changed:
        return SaveResult(path, "unchanged")
    _, reason = _writable_target(path)
    if reason:
        return SaveResult(path, "refused", reason)
    try:
        lock = acquire_lock(path)
    except LockBusy as exc:
        return SaveResult(path, "refused", str(exc))
    except OSError as exc:
        return SaveResult(path, "refused", f"cannot create a lock file: {exc.strerror}")
    try:
        info, reason = _writable_target(path)
        if info is None:
            return SaveResult(path, "refused", reason)
        try:
            current, _ = read_guarded(path, path.parent, _READ_LIMITS)
        except UnsafeFile as exc:
            return SaveResult(path, "refused", str(exc))
        status: Status = "saved"
        message = ""
        new_text = change.new_text
        if hashlib.sha256(current).hexdigest() != change.base_sha256 and not overwrite:
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
        if batch is not None:
            batch.record(path, current, data)
        _clean_stale_temps(path)
        try:
            write_atomic(path, data, info.st_mode, fsync_dir=fsync_dir)
        except OSError as exc:
            return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
        if batch is not None:
            batch.written(path)
        return SaveResult(path, status, message)
    finally:
        release_lock(lock)


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
    directories are fsynced once per batch. ``overwrite`` lists paths the user chose to
    overwrite despite a conflict."""
    batch = None
    if journal:
        from .journal import Journal

        batch = Journal(config.root, keep=config.journal_batches).begin(label)
    results: list[SaveResult] = []
    folders: set[Path] = set()
    try:
        for done, change in enumerate(changes, 1):
            result = save_change(change, batch=batch, overwrite=change.path in overwrite, fsync_dir=False)
            if result.status in ("saved", "merged"):
                folders.add(change.path.parent)
            results.append(result)
            if progress is not None:
                progress(done, len(changes))
    finally:
        for folder in folders:
            try:
                fsync_directory(folder)
            except OSError:
                pass
        if batch is not None:
            batch.close()
    return results
