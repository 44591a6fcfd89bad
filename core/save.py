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
import errno
import hashlib
import os
import re
import socket
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
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
# A lock with no owner line in it (empty: a full disk or a kill right after creating it) is
# stale once this old: copydesk fills a lock within microseconds of creating it.
UNOWNED_LOCK_SECONDS = 10
_OWNER_RENEW_SECONDS = 60  # see Folders
_OPEN_FOLDERS = 128  # folder descriptors a batch keeps open (the usual limit is 1,024 files)
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
# The host in copydesk's temp and owner file names (a process id means something only on
# its own host); _own_name writes it, _LEFTOVER reads it back.
_HOST_TAG = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_LEFTOVER = re.compile(r"-h([0-9a-f]{8})-(\d+)-\d+$")
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


# -- the folders a save writes in ----------------------------------------------------------


class UnsafeFolder(OSError):
    """A folder on the way to an article cannot be written in safely (a symbolic link put in
    its place since loading, gone, unreadable); the message names it."""


@dataclass(eq=False, slots=True)
class _Dir:
    """A folder opened for saving: what a save creates, renames or removes there is named
    relative to ``fd``, so it lands in this very folder even if a folder on the way is
    replaced by a link afterwards."""

    path: Path
    fd: int
    users: int = 0  # staged saves still using it (it is not closed under them)
    owner: tuple[str, bytes] | None = None  # this batch's lock owner file here, and its content
    owner_since: float = 0.0


def _open_folder(root: Path, folder: Path) -> int:
    """A descriptor of ``folder``, opened from ``root`` one component at a time, none of
    them through a symbolic link (``O_NOFOLLOW``); raises UnsafeFolder naming the link.

    ``root`` itself is opened as named: it is the folder the user chose (loading resolved
    it), and the components below it are what a colleague or a scraped archive can replace.
    """
    try:
        parts = folder.relative_to(root).parts
    except ValueError:
        root, parts = folder, ()
    try:
        fd = os.open(root, _DIR_FLAGS)
    except OSError as exc:
        raise UnsafeFolder(f"cannot open the folder {root}: {exc.strerror or exc}") from exc
    try:
        for depth, part in enumerate(parts, 1):
            try:
                inner = os.open(part, _DIR_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                raise _folder_refusal(fd, part, "/".join(parts[:depth]), exc) from exc
            os.close(fd)
            fd = inner
    except BaseException:
        os.close(fd)
        raise
    return fd


def _folder_refusal(parent: int, name: str, shown: str, exc: OSError) -> UnsafeFolder:
    """Why folder ``name`` (``shown`` from the corpus root) in folder ``parent`` cannot be opened."""
    try:
        info = os.lstat(name, dir_fd=parent)
    except OSError:
        return UnsafeFolder(f"the folder {shown} no longer exists")
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(name, dir_fd=parent)
        except OSError:
            target = "somewhere else"
        return UnsafeFolder(f"the folder {shown} is now a symbolic link (to {target}): copydesk does not write through links")
    if not stat.S_ISDIR(info.st_mode):
        return UnsafeFolder(f"{shown} is no longer a folder")
    return UnsafeFolder(f"cannot open the folder {shown}: {exc.strerror or exc}")


def _corpus_root(article: Article) -> Path:
    """The folder ``article`` was loaded from: its path without its relative path (its own
    folder when it was given from outside the corpus root)."""
    rel = article.relpath.split("/")
    path = article.path
    if os.path.isabs(article.relpath) or ".." in rel or path.parts[-len(rel):] != tuple(rel):
        return path.parent
    return path.parents[len(rel) - 1]


class Folders:
    """The folders one save or batch writes in (see :class:`_Dir`), each opened once from
    its corpus root by :func:`_open_folder`, and the batch's lock owner file in each.

    Owner files: each lock of a batch is a hard link to its folder's owner file, so taking a
    lock creates no new file (on some file systems, creating a file is the dearest step of a
    save). A lock still says who holds it and since when, exactly like a lock of its own.
    Owner files are renewed every minute, so that the time in a lock (what other hosts judge
    staleness by) stays recent during a long batch.

    At most ``limit`` folders stay open: the least recently used one nobody uses is closed
    (its owner file removed: the locks linked to it keep their content).
    """

    def __init__(self, limit: int | None = None) -> None:
        self._open: dict[Path, _Dir] = {}  # least recently used first
        self.limit = limit or _OPEN_FOLDERS

    def open(self, root: Path, folder: Path) -> _Dir:
        """``folder`` (under ``root``) opened; give it back with :meth:`done`. Raises UnsafeFolder."""
        known = self._open.pop(folder, None)
        if known is None:
            if len(self._open) >= self.limit:
                self._shrink()
            known = _Dir(folder, _open_folder(root, folder))
        self._open[folder] = known
        known.users += 1
        return known

    def done(self, where: _Dir) -> None:
        where.users -= 1

    def get(self, folder: Path) -> _Dir | None:
        """``folder`` when it is open."""
        return self._open.get(folder)

    def _shrink(self) -> None:
        for folder, where in list(self._open.items()):
            if where.users == 0:
                _close_folder(where)
                del self._open[folder]
                if len(self._open) <= self.limit // 2:
                    return

    def owner(self, where: _Dir) -> tuple[str, bytes] | None:
        """The owner file of ``where`` and its content; None when it cannot be created."""
        now = time.monotonic()
        if where.owner is not None:
            if now - where.owner_since < _OWNER_RENEW_SECONDS:
                return where.owner
            _unlink_quietly(where.owner[0], where.fd)
            where.owner = None
        info = _lock_info()
        name = _own_name("", "owner")
        try:
            _write_new(where.fd, name, info)
        except OSError:
            return None
        where.owner, where.owner_since = (name, info), now
        return where.owner

    def fsync(self, root: Path, folder: Path) -> None:
        """fsync ``folder`` (under ``root``), quietly: the one written in when it is still
        open, else opened again the safe way (a folder replaced by a link is not fsynced)."""
        where = self._open.get(folder)
        try:
            if where is not None:
                os.fsync(where.fd)
                return
            fd = _open_folder(root, folder)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            pass

    def close(self) -> None:
        """Remove the owner files and close every folder (call it once nothing uses them)."""
        for where in self._open.values():
            _close_folder(where)
        self._open.clear()


def _close_folder(where: _Dir) -> None:
    if where.owner is not None:
        _unlink_quietly(where.owner[0], where.fd)
        where.owner = None
    os.close(where.fd)


# -- locking and atomic writes -----------------------------------------------------------


class LockBusy(Exception):
    pass


def _lock_name(name: str) -> str:
    return f".{name}{LOCK_SUFFIX}"


def lock_path(path: Path) -> Path:
    return path.with_name(_lock_name(path.name))


def _lock_info() -> bytes:
    return f"{os.getpid()} {socket.gethostname()} {time.time():.0f}\n".encode()


def _own_name(prefix: str, kind: str = "") -> str:
    """A new name for a file of this process (temp, lock temp, owner): ``prefix``, the temp
    marker, ``kind``, then the host and process that made it (what :func:`_leftover_is_dead`
    reads) and a unique number."""
    kind = f"-{kind}" if kind else ""
    return f"{prefix}{TEMP_MARKER}{kind}-h{_HOST_TAG}-{os.getpid()}-{time.monotonic_ns()}"


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (one of another user counts as running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftover_is_dead(name: str, mtime: float, now: float) -> bool:
    """Whether the temp or owner file ``name`` belongs to no save under way: the process of
    this host named in it is gone, or (another host's, or named before hosts were) it is
    older than STALE_LOCK_SECONDS."""
    found = _LEFTOVER.search(name)
    if found is not None and found[1] == _HOST_TAG:
        return not _process_alive(int(found[2]))
    return now - mtime > STALE_LOCK_SECONDS


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_new(dir_fd: int, name: str, data: bytes) -> None:
    """Create ``name`` in the folder (never an existing file, never through a link) holding
    ``data``; nothing is left behind when it cannot be written whole (a full disk)."""
    fd = os.open(name, _NEW_FLAGS, 0o644, dir_fd=dir_fd)
    try:
        _write_all(fd, data)
    except BaseException:
        os.close(fd)
        _unlink_quietly(name, dir_fd)
        raise
    os.close(fd)


def acquire_lock(path: Path, owners: Folders | None = None) -> Path:
    """Create the lock file for ``path`` (removing a stale one); raises LockBusy, or OSError.

    With ``owners`` (a batch's folders), the lock is a link to the folder's owner file,
    which stays until ``owners`` is closed.
    """
    folders = owners if owners is not None else Folders()
    try:
        where = folders.open(path.parent, path.parent)
        try:
            _acquire(where, path.name, owners)
        finally:
            folders.done(where)
    finally:
        if owners is None:
            folders.close()
    return lock_path(path)


def _acquire(where: _Dir, name: str, owners: Folders | None) -> str:
    """Take the lock of article ``name`` in ``where``; its name. Raises LockBusy or OSError.

    The lock appears with its owner already written in it (a hard link to a filled file:
    the folder's owner file of a batch's ``owners``, else a temp file of its own): a process
    killed half-way never leaves an empty lock that would look busy, with no owner to
    check, until it is old enough to be called stale.
    """
    lock = _lock_name(name)
    source = owners.owner(where) if owners is not None else None
    if source is not None:
        return _take_lock(where.fd, name, lock, *source)
    info = _lock_info()
    temp = _own_name(f".{name}", "lock")
    _write_new(where.fd, temp, info)
    try:
        return _take_lock(where.fd, name, lock, temp, info)
    finally:
        _unlink_quietly(temp, where.fd)


def _take_lock(dir_fd: int, name: str, lock: str, source: str, info: bytes) -> str:
    for _ in range(2):
        try:
            _create_lock(dir_fd, source, lock, info)
        except FileExistsError:
            try:
                judged = _lock_identity(dir_fd, lock)
            except FileNotFoundError:
                continue  # released meanwhile
            except OSError:
                raise LockBusy(_lock_owner(dir_fd, lock)) from None
            if _lock_is_stale(dir_fd, lock):
                _break_stale_lock(dir_fd, name, lock, judged)
                continue
            raise LockBusy(_lock_owner(dir_fd, lock)) from None
        return lock
    raise LockBusy(_lock_owner(dir_fd, lock))


def _read_lock(dir_fd: int, lock: str) -> bytes:
    """The first bytes of lock file ``lock``; OSError when it is not a regular file (a FIFO
    or a link put there would block or lead elsewhere)."""
    if not stat.S_ISREG(os.lstat(lock, dir_fd=dir_fd).st_mode):
        raise OSError(errno.EINVAL, "not a regular file", lock)
    fd = os.open(lock, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0), dir_fd=dir_fd)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", lock)
        return os.read(fd, 512)
    finally:
        os.close(fd)


def _lock_identity(dir_fd: int, lock: str) -> tuple[int, bytes]:
    """Inode and owner line of a lock (an inode number alone can be reused at once)."""
    return os.lstat(lock, dir_fd=dir_fd).st_ino, _read_lock(dir_fd, lock)


def _break_stale_lock(dir_fd: int, name: str, lock: str, judged: tuple[int, bytes]) -> None:
    """Remove the stale lock that was ``judged`` without ever removing a live one.

    Two processes can find the same stale lock; a plain unlink by the slower one would
    delete the lock the faster one has just taken. So the lock is renamed aside (only one
    process wins the rename) and, if what was moved is not the lock judged stale, it is put
    back and the file is reported busy.
    """
    aside = _own_name(f".{name}", "stale-lock")
    try:
        os.rename(lock, aside, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except FileNotFoundError:
        return  # another process broke it first
    try:
        if _lock_identity(dir_fd, aside) != judged:
            try:
                os.link(aside, lock, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)  # a live lock taken meanwhile: restore it
            except OSError:
                pass
            raise LockBusy(_lock_owner(dir_fd, lock))
    finally:
        _unlink_quietly(aside, dir_fd)


def _create_lock(dir_fd: int, source: str, lock: str, info: bytes) -> None:
    """Make ``lock`` exist with ``info`` in it; FileExistsError when it already exists."""
    try:
        os.link(source, lock, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        return
    except FileExistsError:
        raise
    except OSError:
        pass  # no hard links here (FAT, some shares) or the owner file is gone: create and fill
    _write_new(dir_fd, lock, info)


def _lock_owner(dir_fd: int, lock: str) -> str:
    try:
        pid, host, since = _read_lock(dir_fd, lock).decode().split()
        return f"locked by copydesk process {pid} on {host} since {time.strftime('%H:%M:%S', time.localtime(float(since)))}"
    except (OSError, ValueError):
        return "locked by another copydesk process"


def _lock_is_stale(dir_fd: int, lock: str) -> bool:
    try:
        content = _read_lock(dir_fd, lock)
    except OSError:
        try:  # unreadable (another user's, not a file): stale once old
            return time.time() - os.lstat(lock, dir_fd=dir_fd).st_mtime > STALE_LOCK_SECONDS
        except OSError:
            return True
    try:
        pid_text, host, since = content.decode().split()
        pid, started = int(pid_text), float(since)
    except ValueError:
        # Empty or not a copydesk owner line: a lock appears filled, or is filled right
        # after it is created, so nobody holds this one once it is a few seconds old (a
        # full disk or a kill between the two steps leaves it so).
        try:
            return time.time() - os.lstat(lock, dir_fd=dir_fd).st_mtime > UNOWNED_LOCK_SECONDS
        except OSError:
            return True
    if host == socket.gethostname():
        return not _process_alive(pid)
    return time.time() - started > STALE_LOCK_SECONDS


def release_lock(lock: Path) -> None:
    try:
        os.unlink(lock)
    except FileNotFoundError:
        pass


def _release(where: _Dir, lock: str) -> None:
    _unlink_quietly(lock, where.fd)


def _clean_leftovers(where: _Dir) -> None:
    """Remove what saves that died left in this folder: their temp and owner files (see
    :func:`_leftover_is_dead`) and their stale locks."""
    try:
        entries = list(os.scandir(where.fd))
    except OSError:
        return
    now = time.time()
    for entry in entries:
        name = entry.name
        if not name.startswith("."):
            continue
        try:
            if TEMP_MARKER in name:
                if _leftover_is_dead(name, entry.stat(follow_symlinks=False).st_mtime, now):
                    os.unlink(name, dir_fd=where.fd)
            elif name.endswith(LOCK_SUFFIX):
                judged = _lock_identity(where.fd, name)
                if _lock_is_stale(where.fd, name):
                    _break_stale_lock(where.fd, name[1 : -len(LOCK_SUFFIX)], name, judged)
        except (OSError, LockBusy):
            pass


def _write_temp(where: _Dir, name: str, data: bytes, mode: int | None) -> str:
    """A new temp file beside article ``name`` holding ``data`` with ``mode``, fsynced and
    closed; its name."""
    temp = _own_name(f".{name}")
    fd = os.open(temp, _NEW_FLAGS, 0o600, dir_fd=where.fd)
    try:
        _write_all(fd, data)
        if mode is not None:
            os.fchmod(fd, stat.S_IMODE(mode))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        _unlink_quietly(temp, where.fd)
        raise
    os.close(fd)
    return temp


def write_atomic(path: Path, data: bytes, mode: int | None = None, fsync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync,
    ``os.replace``, then the directory fsync unless the caller batches it).

    The file keeps its mode (``mode`` overrides); a symbolic link is never replaced
    (OSError), since replacing it would silently turn the link into a file.
    """
    folders = Folders()
    try:
        where = folders.open(path.parent, path.parent)
        _replace(where, path.name, data, mode, fsync_dir)
    finally:
        folders.close()


def _replace(where: _Dir, name: str, data: bytes, mode: int | None, fsync_dir: bool) -> None:
    """:func:`write_atomic` of article ``name`` in ``where``."""
    try:
        current = os.lstat(name, dir_fd=where.fd)
    except FileNotFoundError:
        current = None
    if current is not None and stat.S_ISLNK(current.st_mode):
        raise OSError(f"{where.path / name}: symbolic link: copydesk does not write through links")
    if mode is None and current is not None:
        mode = current.st_mode
    temp = _write_temp(where, name, data, mode)
    try:
        os.replace(temp, name, src_dir_fd=where.fd, dst_dir_fd=where.fd)
    except BaseException:
        _unlink_quietly(temp, where.fd)
        raise
    if fsync_dir:
        os.fsync(where.fd)


class LockedFile:
    """A file of the corpus locked for writing outside a save (``copydesk undo``): read,
    replaced and removed by its name in its folder, opened from the corpus root without
    following links (:meth:`Folders.open`), so a folder swapped for a link afterwards is
    never read, written or deleted through. Get one with :func:`lock_file`."""

    def __init__(self, folders: Folders, where: _Dir, name: str, lock: str) -> None:
        self._folders = folders
        self._where = where
        self.name = name
        self._lock: str | None = lock

    def read(self) -> bytes | None:
        """The file's bytes now, None when it does not exist; OSError for a link or anything
        but a regular file."""
        fd_dir = self._where.fd
        try:
            info = os.lstat(self.name, dir_fd=fd_dir)
        except FileNotFoundError:
            return None
        if stat.S_ISLNK(info.st_mode):
            raise OSError(errno.ELOOP, "is a symbolic link")
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            # (swapped for a link or a FIFO since the lstat: refused, never blocks)
            fd = os.open(self.name, flags | getattr(os, "O_NONBLOCK", 0), dir_fd=fd_dir)
        except BlockingIOError:
            # A lease held by another program (a file server's client with the file open):
            # wait for it to let go, as any program opening the file does.
            fd = os.open(self.name, flags, dir_fd=fd_dir)
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise OSError(errno.EINVAL, "not a regular file")
            return handle.read()

    def replace(self, data: bytes) -> None:
        """Replace the file with ``data`` by the safe-write protocol (its mode kept); the
        folder is fsynced later (:meth:`Folders.fsync`)."""
        _replace(self._where, self.name, data, None, fsync_dir=False)

    def remove(self) -> None:
        os.unlink(self.name, dir_fd=self._where.fd)

    def release(self) -> None:
        """Give the lock and the folder back."""
        if self._lock is not None:
            _release(self._where, self._lock)
            self._lock = None
            self._folders.done(self._where)


def lock_file(folders: Folders, root: Path, path: Path) -> LockedFile:
    """Lock ``path`` (under the corpus root ``root``) in its folder opened by ``folders``;
    release it with :meth:`LockedFile.release`. Raises UnsafeFolder (naming the link or the
    missing folder), LockBusy, or OSError when the lock cannot be created."""
    where = folders.open(root, path.parent)
    try:
        lock = _acquire(where, path.name, folders)
    except BaseException:
        folders.done(where)
        raise
    return LockedFile(folders, where, path.name, lock)


def _unlink_quietly(name: Path | str, dir_fd: int | None = None) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass


def fsync_directory(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# -- saving ------------------------------------------------------------------------------


READ_ONLY_FILE_SYSTEM = "the file system is mounted read-only: nothing can be saved there"


def _read_only_file_system(where: _Dir) -> bool:
    """Whether the folder lies on a file system mounted read-only (where every file and
    folder refuses writes, whatever its mode says)."""
    try:
        return bool(os.fstatvfs(where.fd).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _writable_target(where: _Dir, name: str, writable_folders: set[Path] | None = None) -> tuple[os.stat_result | None, str]:
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
    where: _Dir  # the article's folder
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
    change: Change, overwrite: bool, where: _Dir, owners: Folders | None, writable_folders: set[Path] | None = None
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
        lock = _acquire(where, path.name, owners)
    except LockBusy as exc:
        return SaveResult(path, "refused", str(exc))
    except OSError as exc:
        _, reason = _writable_target(where, path.name)  # say why when it is the file or its folder
        return SaveResult(path, "refused", reason or f"cannot create a lock file: {exc.strerror or exc}")
    try:
        outcome = _check_locked(change, overwrite, where, lock, writable_folders)
    except BaseException:
        _release(where, lock)
        raise
    if isinstance(outcome, SaveResult):
        _release(where, lock)
    return outcome


def _check_locked(change: Change, overwrite: bool, where: _Dir, lock: str, writable_folders: set[Path] | None) -> SaveResult | _Staged:
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
    folders = Folders()
    try:
        try:
            where = folders.open(_corpus_root(change.article), path.parent)
        except UnsafeFolder as exc:
            return _folder_refused(path, exc)
        staged = _prepare(change, overwrite, where, None)
        if isinstance(staged, SaveResult):
            return staged
        assert staged.lock is not None
        try:
            if batch is not None:
                try:
                    batch.record(path, staged.current, staged.data)
                except OSError as exc:
                    return SaveResult(path, "refused", f"cannot keep the prior version in the journal, file untouched: {exc.strerror or exc}")
            _clean_leftovers(where)
            try:
                _replace(where, path.name, staged.data, staged.mode, fsync_dir)
            except OSError as exc:
                return SaveResult(path, "refused", f"write failed, file untouched: {exc.strerror or exc}")
            if batch is not None:
                # Logged when the batch closes: a full disk here must not turn a file
                # written into an error (a replace whose line is lost is still undone right).
                batch.written(path, defer=True)
            return SaveResult(path, staged.status, staged.message)
        finally:
            _release(where, staged.lock)
    finally:
        folders.close()


def _same_as_read(where: _Dir, name: str, read: os.stat_result) -> bool:
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


def _write_staged(staged: _Staged, batch: Any) -> SaveResult:
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
            staged.temp = _write_temp(where, path.name, staged.data, staged.mode)
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
            return save_change(staged.change, batch=batch, overwrite=staged.overwrite, fsync_dir=False)
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
        _unlink_quietly(staged.temp, staged.where.fd)
        staged.temp = None
    if staged.lock is not None:
        _release(staged.where, staged.lock)
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
        root = self.roots.setdefault(folder, _corpus_root(change.article))
        try:
            where = self.folders.open(root, folder)
        except UnsafeFolder as exc:
            self._finish(index, _folder_refused(path, exc))
            return
        if folder not in self.cleaned:
            self.cleaned.add(folder)
            _clean_leftovers(where)
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
