"""The file protocol of every write: folders opened from the corpus root one component at
a time without following links (:class:`Folders`), lock files beside articles (a lock of a
dead process is cleared), temp files written, fsynced and renamed over the article, and the
removal of what writers that died left behind. :mod:`core.storage.save` (saves) and
:mod:`core.storage.journal` (undo) both write through it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CopydeskError
from ..walk import LOCK_SUFFIX, TEMP_MARKER

if TYPE_CHECKING:
    from ..document import Article

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


# -- the folders a save writes in ----------------------------------------------------------


class UnsafeFolder(CopydeskError, OSError):
    """A folder on the way to an article cannot be written in safely (a symbolic link put in
    its place since loading, gone, unreadable); the message names it."""


@dataclass(eq=False, slots=True)
class OpenFolder:
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


def corpus_root_of(article: Article) -> Path:
    """The folder ``article`` was loaded from: its path without its relative path (its own
    folder when it was given from outside the corpus root)."""
    rel = article.relpath.split("/")
    path = article.path
    if os.path.isabs(article.relpath) or ".." in rel or path.parts[-len(rel):] != tuple(rel):
        return path.parent
    return path.parents[len(rel) - 1]


class Folders:
    """The folders one save or batch writes in (see :class:`OpenFolder`), each opened once from
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
        self._open: dict[Path, OpenFolder] = {}  # least recently used first
        self.limit = limit or _OPEN_FOLDERS

    def open(self, root: Path, folder: Path) -> OpenFolder:
        """``folder`` (under ``root``) opened; give it back with :meth:`done`. Raises UnsafeFolder."""
        known = self._open.pop(folder, None)
        if known is None:
            if len(self._open) >= self.limit:
                self._shrink()
            known = OpenFolder(folder, _open_folder(root, folder))
        self._open[folder] = known
        known.users += 1
        return known

    def done(self, where: OpenFolder) -> None:
        where.users -= 1

    def get(self, folder: Path) -> OpenFolder | None:
        """``folder`` when it is open."""
        return self._open.get(folder)

    def _shrink(self) -> None:
        for folder, where in list(self._open.items()):
            if where.users == 0:
                _close_folder(where)
                del self._open[folder]
                if len(self._open) <= self.limit // 2:
                    return

    def owner(self, where: OpenFolder) -> tuple[str, bytes] | None:
        """The owner file of ``where`` and its content; None when it cannot be created."""
        now = time.monotonic()
        if where.owner is not None:
            if now - where.owner_since < _OWNER_RENEW_SECONDS:
                return where.owner
            unlink_quietly(where.owner[0], where.fd)
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


def _close_folder(where: OpenFolder) -> None:
    if where.owner is not None:
        unlink_quietly(where.owner[0], where.fd)
        where.owner = None
    os.close(where.fd)


# -- locking and atomic writes -----------------------------------------------------------


class LockBusy(CopydeskError):
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


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` of this host runs (one of another user counts as running; a
    number read from a file that names no process, 0 or negative included, does not)."""
    if pid <= 0:
        return False  # os.kill(0 or -n) would ask about process groups
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except (OverflowError, OSError):
        return False
    return True


def _leftover_is_dead(name: str, mtime: float, now: float) -> bool:
    """Whether the temp or owner file ``name`` belongs to no save under way: the process of
    this host named in it is gone, or (another host's, or named before hosts were) it is
    older than STALE_LOCK_SECONDS."""
    found = _LEFTOVER.search(name)
    if found is not None and found[1] == _HOST_TAG:
        return not process_alive(int(found[2]))
    return now - mtime > STALE_LOCK_SECONDS


def write_all(fd: int, data: bytes, offset: int | None = None) -> None:
    """Write every byte of ``data`` to ``fd`` (at ``offset`` when given: ``pwrite``)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view) if offset is None else os.pwrite(fd, view, offset)
        view = view[written:]
        if offset is not None:
            offset += written


def _write_new(dir_fd: int, name: str, data: bytes) -> None:
    """Create ``name`` in the folder (never an existing file, never through a link) holding
    ``data``; nothing is left behind when it cannot be written whole (a full disk)."""
    fd = os.open(name, _NEW_FLAGS, 0o644, dir_fd=dir_fd)
    try:
        write_all(fd, data)
    except BaseException:
        os.close(fd)
        unlink_quietly(name, dir_fd)
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
            lock_in(where, path.name, owners)
        finally:
            folders.done(where)
    finally:
        if owners is None:
            folders.close()
    return lock_path(path)


def lock_in(where: OpenFolder, name: str, owners: Folders | None) -> str:
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
        unlink_quietly(temp, where.fd)


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
        unlink_quietly(aside, dir_fd)


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
        return not process_alive(pid)
    return time.time() - started > STALE_LOCK_SECONDS


def release_lock(lock: Path) -> None:
    try:
        os.unlink(lock)
    except FileNotFoundError:
        pass


def unlock_in(where: OpenFolder, lock: str) -> None:
    unlink_quietly(lock, where.fd)


def clean_leftovers(where: OpenFolder) -> None:
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


def write_temp_in(where: OpenFolder, name: str, data: bytes, mode: int | None, *, durable: bool = True) -> str:
    """A new temp file beside article ``name`` holding ``data`` with ``mode``, fsynced
    (unless ``durable`` is False: the caller then makes it durable with
    :func:`sync_file_system` or :func:`fsync_in` before renaming it) and closed; its name."""
    temp = _own_name(f".{name}")
    fd = os.open(temp, _NEW_FLAGS, 0o600, dir_fd=where.fd)
    try:
        write_all(fd, data)
        if mode is not None:
            os.fchmod(fd, stat.S_IMODE(mode))
        if durable:
            os.fsync(fd)
    except BaseException:
        os.close(fd)
        unlink_quietly(temp, where.fd)
        raise
    os.close(fd)
    return temp


def fsync_in(where: OpenFolder, name: str) -> None:
    """fsync file ``name`` of ``where`` (a temp file written with ``durable=False``)."""
    fd = os.open(name, os.O_RDONLY | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0), dir_fd=where.fd)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs() -> Callable[[int], int] | None:
    """libc's ``syncfs`` where it reports write-back errors (Linux 5.8 and later), else None."""
    if not sys.platform.startswith("linux"):
        return None
    version = re.match(r"(\d+)\.(\d+)", os.uname().release)
    if version is None or (int(version[1]), int(version[2])) < (5, 8):
        return None  # syncfs returned 0 even when writing back failed
    try:
        import ctypes

        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


_SYNCFS = _syncfs()


def can_sync_file_system() -> bool:
    """Whether :func:`sync_file_system` is available here."""
    return _SYNCFS is not None


def sync_file_system(fd: int) -> None:
    """Make everything written on the file system holding ``fd`` durable, data and metadata
    (Linux ``syncfs``; see :func:`can_sync_file_system`). Raises OSError when the kernel
    reports that writing back failed on that file system since ``fd`` was opened or since
    the previous call with ``fd``."""
    assert _SYNCFS is not None
    if _SYNCFS(fd) != 0:
        import ctypes

        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def write_atomic(path: Path, data: bytes, mode: int | None = None, fsync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically (temp file in the same directory, fsync,
    ``os.replace``, then the directory fsync unless the caller batches it).

    The file keeps its mode (``mode`` overrides); a symbolic link is never replaced
    (OSError), since replacing it would silently turn the link into a file.
    """
    folders = Folders()
    try:
        where = folders.open(path.parent, path.parent)
        replace_in(where, path.name, data, mode, fsync_dir)
    finally:
        folders.close()


def replace_in(where: OpenFolder, name: str, data: bytes, mode: int | None, fsync_dir: bool) -> None:
    """:func:`write_atomic` of article ``name`` in ``where``."""
    try:
        current = os.lstat(name, dir_fd=where.fd)
    except FileNotFoundError:
        current = None
    if current is not None and stat.S_ISLNK(current.st_mode):
        raise OSError(f"{where.path / name}: symbolic link: copydesk does not write through links")
    if mode is None and current is not None:
        mode = current.st_mode
    temp = write_temp_in(where, name, data, mode)
    try:
        os.replace(temp, name, src_dir_fd=where.fd, dst_dir_fd=where.fd)
    except BaseException:
        unlink_quietly(temp, where.fd)
        raise
    if fsync_dir:
        os.fsync(where.fd)


class LockedFile:
    """A file of the corpus locked for writing outside a save (``copydesk undo``): read,
    replaced and removed by its name in its folder, opened from the corpus root without
    following links (:meth:`Folders.open`), so a folder swapped for a link afterwards is
    never read, written or deleted through. Get one with :func:`lock_file`."""

    def __init__(self, folders: Folders, where: OpenFolder, name: str, lock: str) -> None:
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
        replace_in(self._where, self.name, data, None, fsync_dir=False)

    def remove(self) -> None:
        os.unlink(self.name, dir_fd=self._where.fd)

    def release(self) -> None:
        """Give the lock and the folder back."""
        if self._lock is not None:
            unlock_in(self._where, self._lock)
            self._lock = None
            self._folders.done(self._where)


def lock_file(folders: Folders, root: Path, path: Path) -> LockedFile:
    """Lock ``path`` (under the corpus root ``root``) in its folder opened by ``folders``;
    release it with :meth:`LockedFile.release`. Raises UnsafeFolder (naming the link or the
    missing folder), LockBusy, or OSError when the lock cannot be created."""
    where = folders.open(root, path.parent)
    try:
        lock = lock_in(where, path.name, folders)
    except BaseException:
        folders.done(where)
        raise
    return LockedFile(folders, where, path.name, lock)


def unlink_quietly(name: Path | str, dir_fd: int | None = None) -> None:
    try:
        os.unlink(name, dir_fd=dir_fd)
    except OSError:
        pass




