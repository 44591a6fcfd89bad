"""Files only this user's copydesk reads back: the index and the views kept beside it.

Each is marshalled, written atomically (temp file + ``os.replace``, never through a link)
and authenticated with an HMAC whose key lives in the user's cache folder
(``$XDG_CACHE_HOME/copydesk/index.key``): a file that was damaged, truncated, or shipped
inside somebody else's folder is ignored, never decoded.
"""

from __future__ import annotations

import hmac
import marshal
import mmap
import os
import secrets
import stat
import struct
from collections.abc import Iterable
from itertools import chain
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from ..storage.files import unlink_quietly

_MAGIC = b"copydesk-index\n"
_MAGIC_PARTS = b"copydesk-parts\n"  # same length: a file written in parts


def _user_key() -> bytes | None:
    """The HMAC key of this user's indexes (created on first use; None when it cannot be)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "copydesk", "index.key")
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another process created it first
        try:
            with open(path, "rb") as handle:
                key = handle.read()
            return key if len(key) >= 32 else None
        except OSError:
            return None
    except OSError:
        return None


def write_private(target: Path, value: Any, parts: Iterable[Any] | None = None) -> bool:
    """Write ``value`` marshalled and authenticated with the user's key, atomically, never
    through a link, into ``<root>/.copydesk/<folder>/``; False when it cannot be written
    (read-only folder, no user key...).

    With ``parts`` (values too), each is marshalled and written in turn after ``value``, so
    that a long list written in parts never has its whole encoding in memory at once (50,000
    articles' filter values in one piece: ~70 MB for marshal's work on top of the app).
    """
    key = _user_key()
    if key is None:
        return False
    payload = marshal.dumps(value)
    temp = target.with_name(f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.copydesk-tmp")
    # Not imported at start-up: the TUI paints its list first.
    from ..storage.journal import make_state_folder

    try:
        # `<root>/.copydesk` gets its .gitignore whichever of the index and the journal comes first.
        if not make_state_folder(target.parents[2], mode=0o700):
            return False  # a link planted in the folder: never write through it
        target.parent.mkdir(mode=0o700, exist_ok=True)
        if not stat.S_ISDIR(os.lstat(target.parent).st_mode):
            return False
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(temp, flags, 0o600), "wb") as handle:
            if parts is None:
                # Three writes, not one of the three joined: that would copy the payload (~18
                # MB at 50,000 articles) at the moment the process holds the most.
                handle.write(_MAGIC)
                handle.write(hmac.digest(key, payload, "sha256"))
                handle.write(payload)
            else:
                # Each piece with its length; the digest (of everything after it) goes in last.
                mac = hmac.new(key, digestmod="sha256")
                handle.write(_MAGIC_PARTS)
                handle.write(bytes(32))
                for blob in chain((payload,), map(marshal.dumps, parts)):
                    for piece in (struct.pack("<Q", len(blob)), blob):
                        mac.update(piece)
                        handle.write(piece)
                handle.seek(len(_MAGIC_PARTS))
                handle.write(mac.digest())
        os.replace(temp, target)  # no fsync: a torn file fails the HMAC and is rebuilt
        return True
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        unlink_quietly(temp)
        return False
    except BaseException:  # from the parts' generator: no temp file left behind either
        unlink_quietly(temp)
        raise


def read_private(path: Path, *, mapped: bool = False) -> tuple[Any, str]:
    """What :func:`write_private` wrote, and ``loaded``; else None and why not. A file
    written in parts gives a :class:`Parted`, whose parts are read from the file one at a
    time (the whole file is never in memory: ~24 MB for 50,000 articles' filter values).

    ``mapped``: a file in one piece is authenticated and decoded straight from a memory
    mapping instead of a copy (the saved list at a warm start of 50,000 articles, 11 MB:
    ~15 ms less in a fresh process). Only for what is read before anything can be staged:
    a mapped file truncated in place meanwhile kills the process (copydesk only ever
    replaces these files whole)."""
    key = _user_key()
    if key is None:
        return None, "no user key"
    try:
        handle = open(path, "rb")  # noqa: SIM115 - a file in parts stays open for its parts
    except FileNotFoundError:
        return None, "none"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    digest_at = len(_MAGIC)
    payload_at = digest_at + 32
    try:
        head = handle.read(payload_at)
        in_parts = head.startswith(_MAGIC_PARTS)
        if not (in_parts or head.startswith(_MAGIC)) or len(head) < payload_at:
            handle.close()
            return None, "not an index"
        if not in_parts:
            if mapped:
                return _read_mapped(handle, key, head[digest_at:], payload_at)
            with handle:
                payload = handle.read()
            if not hmac.compare_digest(head[digest_at:], hmac.digest(key, payload, "sha256")):
                return None, "not written by this user, or damaged"
            return marshal.loads(payload), "loaded"
        # Authenticated whole before anything is decoded, then read again part by part.
        mac = hmac.new(key, digestmod="sha256")
        while chunk := handle.read(1 << 20):
            mac.update(chunk)
        if not hmac.compare_digest(head[digest_at:], mac.digest()):
            handle.close()
            return None, "not written by this user, or damaged"
        handle.seek(payload_at)
        first = _piece(handle)
        if first is None:
            handle.close()
            return None, "damaged"
        return Parted(marshal.loads(first), Parts(handle)), "loaded"
    except (OSError, EOFError, ValueError, TypeError, struct.error) as exc:
        handle.close()
        return None, f"unreadable ({exc.strerror})" if isinstance(exc, OSError) else "damaged"


def _read_mapped(handle: BinaryIO, key: bytes, digest: bytes, payload_at: int) -> tuple[Any, str]:
    """The rest of :func:`read_private` for a file in one piece, from a memory mapping."""
    with handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapping:
        with memoryview(mapping) as whole, whole[payload_at:] as payload:
            if not hmac.compare_digest(digest, hmac.digest(key, payload, "sha256")):
                return None, "not written by this user, or damaged"
            return marshal.loads(payload), "loaded"


class Parted(NamedTuple):
    """What :func:`read_private` gives for a file written in parts."""

    value: Any
    parts: Parts


class Parts:
    """The parts of a file written in parts, each decoded as it is read from the file (which
    is closed at the end, at the first error, or by :meth:`close`)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def __iter__(self) -> Parts:
        return self

    def __next__(self) -> Any:
        try:
            blob = _piece(self._handle)
            if blob is None:
                raise StopIteration
            return marshal.loads(blob)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._handle.close()


def _piece(handle: BinaryIO) -> bytes | None:
    """The next piece of a file written in parts (each after its length); None at the end."""
    head = handle.read(8)
    if not head:
        return None
    if len(head) < 8:
        raise ValueError("truncated")
    (size,) = struct.unpack("<Q", head)
    blob = handle.read(size)
    if len(blob) != size:
        raise ValueError("truncated")
    return blob
