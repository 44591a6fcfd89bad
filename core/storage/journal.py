"""The undo journal: every write copydesk makes is a batch whose prior bytes are kept.

Layout under ``<root>/.copydesk/journal/`` (``root`` is the corpus root)::

    blobs/ab/abcdef...        file contents, content-addressed by sha256 (shared by batches)
    blobs/packs/<ns>-<id>.pack  the prior contents kept by one bulk batch, one after another
    batches/<ns>-<id>.json    the manifest of a finished batch (written atomically)
    batches/<ns>-<id>.pending JSON lines of a batch still being written (or cut short)
    gc-candidates             blobs and packs of pruned batches, deleted in a later sweep

File names start with the batch's time in nanoseconds, so their order is the batches' order
and pruning needs no parsing.

A writer calls :meth:`BatchWriter.record` before replacing a file and
:meth:`BatchWriter.written` after; :meth:`BatchWriter.close` turns the pending log into a
manifest. A bulk writer keeps the prior bytes first (:meth:`BatchWriter.keep`, safe from
worker threads: they go into the batch's pack file, one file for the whole batch rather
than one per article, unless a blob with that content exists already) and may defer the
log lines of a group of files to one write (``defer=True``, then :meth:`BatchWriter.flush`),
as long as each file's record line is flushed before that file is replaced. Every copy,
loose or packed, is checked against its sha256 before undo restores it. When copydesk is killed mid-batch, the pending log
survives (it is in the operating system's hands after each flush) and the batch can still
be undone (it is listed as incomplete). Durability: manifests are fsynced; blobs and the
pending log are not synced one by one (that would double the cost of a bulk edit), so an
operating-system crash during a batch may lose that batch's journal, never an article.

:meth:`Journal.undo` restores the prior bytes of every file whose current content is still
what the batch wrote and reports the others; the undo is itself a batch, so it can be undone:
that is a redo (:meth:`Journal.redo`). Undo and redo work as an editor's: a plain undo takes
back the edit most recently put in place (again to go further back), a plain redo the undo
made last, until a new edit is written. The on-disk format knows nothing of this: an undo
batch names the batch it undid (``undoes``), and which batch is an undo or a redo of which
edit follows from that chain.
An undo batch that did not restore every file (killed, or a file it could not write) does
not count as done: the next undo of the same batch finishes the job and takes the earlier
attempt's files into its own manifest.
The journal keeps the newest ``keep`` batches and deletes blobs no batch refers to.

Everything in the journal may have been written by someone else (a shared folder): the
folders must be real folders (never a link), every manifest is checked (file paths relative,
inside the corpus root, never reached through a link leading out of it; copies named by
their sha256), and a batch that fails a check is listed as damaged and never undone. Undo
writes each file as a save does (:func:`core.storage.files.lock_file`), never through a folder
swapped for a link after that check.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import socket
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import STATE_DIR, Limits
from ..display import plural
from ..errors import CopydeskError
from ..text.guard import UnsafeFile, is_inside, read_guarded
from .files import Folders, LockBusy, LockedFile, UnsafeFolder, lock_file, process_alive, write_all

JOURNAL_SUBDIR = Path(STATE_DIR) / "journal"
_MANIFEST_VERSION = 2  # 2: an entry may say where its prior content is in the batch's pack
# Blobs of pruned batches are swept once this many batches were pruned (a sweep reads every
# remaining manifest, so it is not done on every save).
_GC_EVERY = 10
# A blob younger than this is never garbage-collected: another process may be recording a
# batch that refers to it and has not written its manifest yet.
_BLOB_GRACE_SECONDS = 600
# What a name read from the journal may look like: a batch id, a sha256, a file's stem.
_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z-]{0,63}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_STEM = re.compile(r"(\d{1,20})-([0-9A-Za-z][0-9A-Za-z-]{0,63})")
# Manifests and logs are read whole; a 50,000-file batch's is ~10 MB.
_LOG_LIMITS = Limits(max_file_bytes=1 << 28)
_BLOB_LIMITS = Limits(max_file_bytes=1 << 34)  # a prior content: as large as a save may read
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# Pending logs of this process whose batch was closed without its manifest: listed (and
# undoable) although their writer is alive.
_GIVEN_UP: set[str] = set()


def make_state_folder(root: Path, mode: int = 0o777) -> bool:
    """Create ``<root>/.copydesk`` when missing and give it a ``.gitignore`` of ``*``: it
    holds copies of articles (the journal) and a cache (the index), which must stay out of
    the newsroom's repository from the first read-only command on. A ``.gitignore``
    already there (ours, or one the user edited) is never touched. False when the path is
    not a real folder (a planted link or file: nothing is written through it)."""
    folder = Path(root) / STATE_DIR
    with contextlib.suppress(FileExistsError):  # whatever is there is checked just below
        folder.mkdir(mode=mode)
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return False
    except FileNotFoundError:
        return False
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(folder / ".gitignore", flags, 0o644)
    except OSError:  # there already (never overwritten), or a read-only folder
        return True
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("*\n")
    return True


class JournalError(CopydeskError):
    """Nothing to undo, an unknown batch id, an unreadable journal: the message says which."""


class UnknownBatch(JournalError):
    """The batch id given matches no batch, or several: a usage error, not a state of the journal."""


class UnsafeJournal(JournalError, OSError):
    """A folder of the journal is a symbolic link or not a folder: nothing is read or written
    through it. (An ``OSError`` too, so that a save refuses its file with this message.)"""


def _check_folder(path: Path) -> bool:
    """True for a real folder, False when there is nothing at ``path``; raises
    :class:`UnsafeJournal` for a link or anything else (never followed, never replaced:
    it may be a colleague's mistake as well as a trap)."""
    try:
        info = os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise JournalError(f"cannot read the journal folder {path}: {exc.strerror or exc}") from exc
    if stat.S_ISDIR(info.st_mode):
        return True
    what = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
    raise UnsafeJournal(
        f"{path} is {what}: copydesk keeps its journal (copies of articles) only in a real folder "
        "and reads or writes nothing through it; move it aside"
    )


def _make_folder(path: Path) -> None:
    """Create ``path`` (its parent exists) unless it is there; anything but a real folder
    there is refused (:func:`_check_folder`)."""
    if _check_folder(path):
        return
    with contextlib.suppress(FileExistsError):  # made meanwhile by another process: checked below
        path.mkdir()
    if not _check_folder(path):
        raise UnsafeJournal(f"{path} disappeared while being created")


def _entry_path_problem(rel: Any) -> str | None:
    """Why a file path read from the journal cannot be one of the corpus root's files, or None.

    Only a relative path of plain names is accepted: an absolute path, ``..`` or ``.``,
    an empty name or a NUL could lead outside the folder (a planted manifest is the threat).
    """
    if not isinstance(rel, str) or not rel:
        return "a file path that is not text"
    if rel.startswith("/") or os.path.isabs(rel):
        return f"absolute path {rel!r}, outside the folder"
    if "\0" in rel:
        return f"file path {rel!r} holds a NUL"
    names = rel.split("/")
    if os.sep != "/":
        names = [n for name in names for n in name.split(os.sep)]
    if any(name in ("", ".", "..") for name in names):
        return f"file path {rel!r} leads outside the folder (or is not a plain path)"
    return None


def _digest_or_none(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and _DIGEST.fullmatch(value)):
        return value
    raise ValueError(f"{value!r} is not a sha256")


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a batch: content before and after (sha256 hex; None = file absent)."""

    path: str  # relative to the corpus root, "/"-separated
    prior: str | None
    new: str | None
    packed: tuple[int, int] | None = None  # (offset, length) of the prior content in the batch's pack

    def as_list(self) -> list[Any]:
        return [self.path, self.prior, self.new, *(self.packed or ())]

    @classmethod
    def from_list(cls, values: Any) -> Entry:
        """The entry ``values`` (read from a manifest) describe; ValueError saying why not."""
        if not isinstance(values, list) or len(values) not in (3, 5):
            raise ValueError("an entry that is not [path, prior, new(, offset, length)]")
        path, prior, new, *packed = values
        problem = _entry_path_problem(path)
        if problem:
            raise ValueError(problem)
        return cls(path, _digest_or_none(prior), _digest_or_none(new), _span(packed) if packed else None)


def _span(values: Any) -> tuple[int, int]:
    """(offset, length) in a pack, checked: two non-negative integers."""
    if not isinstance(values, list | tuple) or len(values) != 2:
        raise ValueError("a pack position that is not [offset, length]")
    offset, length = values
    if type(offset) is not int or type(length) is not int or offset < 0 or length < 0:
        raise ValueError(f"pack position {values!r} is not two non-negative integers")
    return offset, length


@dataclass(frozen=True, slots=True)
class Kept:
    """Prior content kept by :meth:`BatchWriter.keep`: its sha256 and, when it went into the
    batch's pack rather than a loose blob, where."""

    digest: str
    packed: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class BatchInfo:
    """A batch as listed by :meth:`Journal.list`."""

    id: str
    label: str
    time: str  # ISO 8601, UTC
    files: tuple[str, ...]
    undone: bool = False
    undoes: str | None = None  # set on an undo batch: the batch it reverted
    incomplete: bool = False  # copydesk stopped before closing the batch
    partial: bool = False  # an undo that did not restore every file (undo its batch again to finish)
    partly_undone: bool = False  # an undo of this batch was cut short or did not restore every file
    damaged: str | None = None  # why the batch cannot be read or trusted (it is never undone)
    undone_by: str | None = None  # the batch that undid it (when ``undone``)
    origin: str | None = None  # on an undo or redo batch: the edit it takes back or puts back
    redo: bool = False  # an undo of an undo: it puts ``origin`` back

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "time": self.time,
            "files": list(self.files),
            "undone": self.undone,
            "undoes": self.undoes,
            "incomplete": self.incomplete,
            "partial": self.partial,
            "partly_undone": self.partly_undone,
            "damaged": self.damaged,
            "undone_by": self.undone_by,
            "origin": self.origin,
            "redo": self.redo,
        }


@dataclass(slots=True)
class UndoReport:
    """What an undo did: restored files, files changed since the batch (left alone), failures."""

    batch_id: str
    undo_batch_id: str | None = None
    restored: list[str] = field(default_factory=list)
    changed_since: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # back to the prior content already
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    resumed: list[str] = field(default_factory=list)  # earlier undos of the batch, cut short, finished by this one
    problem: str | None = None  # the journal could not record this undo as it should (see BatchWriter.problem)
    redid: str | None = None  # the batch undone was an undo: this edit is back in place (a redo)
    label: str = ""  # the label of the batch undone, or of the edit redone

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "redid": self.redid,
            "label": self.label,
            "undo_batch": self.undo_batch_id,
            "restored": self.restored,
            "changed_since": self.changed_since,
            "already": self.already,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
            "resumed": self.resumed,
            "problem": self.problem,
        }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()




def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _now() -> tuple[int, str]:
    ns = time.time_ns()
    stamp = datetime.fromtimestamp(ns / 1e9, UTC)
    return ns, stamp.isoformat(timespec="seconds").replace("+00:00", "Z")


def _new_id(ns: int) -> str:
    stamp = datetime.fromtimestamp(ns / 1e9, UTC)
    return f"{stamp:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"






@dataclass(slots=True)
class _Batch:
    id: str
    label: str
    time: str
    ns: int
    entries: list[Entry]
    undoes: str | None = None
    incomplete: bool = False
    partial: bool = False  # an undo batch that did not restore every file
    damaged: str | None = None  # why it cannot be trusted; then only id, ns and time are known
    name: str = ""  # its file in batches/

    @property
    def counts_as_undo(self) -> bool:
        """An undo batch that restored every file it could: its batch is undone."""
        return self.undoes is not None and not (self.incomplete or self.partial or self.damaged)


def _damaged(name: str, reason: str) -> _Batch:
    """A batch file that cannot be read or trusted: listed as damaged, never undone."""
    stem = name.rsplit(".", 1)[0]
    match = _STEM.fullmatch(stem)
    ns, batch_id = (int(match.group(1)), match.group(2)) if match else (0, stem)
    stamp = datetime.fromtimestamp(ns / 1e9, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return _Batch(batch_id, "", stamp, ns, [], damaged=reason, name=name)


def _read_text(path: Path, root: Path) -> str | None:
    """``path`` as text: a regular file under ``root``, never opened through a link, never
    blocking (a FIFO planted in its place); None when it is not there. UnsafeFile when it
    cannot be read, ValueError when it is not UTF-8."""
    try:
        data, _ = read_guarded(path, root, _LOG_LIMITS)
    except UnsafeFile as exc:
        if isinstance(exc.__cause__, FileNotFoundError):
            return None
        raise
    return data.decode("utf-8")


def _header(data: Any) -> tuple[str, str, str, int, str | None]:
    """(id, label, time, ns, undoes) of a manifest or a log's header; ValueError saying
    what is wrong (every name later used in a path is checked here)."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    batch_id, label, when, ns, undoes = (data.get(key) for key in ("id", "label", "time", "ns", "undoes"))
    if not isinstance(batch_id, str) or not _ID.fullmatch(batch_id):
        raise ValueError(f"batch id {batch_id!r} is not a batch id")
    if undoes is not None and (not isinstance(undoes, str) or not _ID.fullmatch(undoes)):
        raise ValueError(f"undone batch {undoes!r} is not a batch id")
    if not isinstance(label, str) or not isinstance(when, str):
        raise ValueError("label or time missing")
    if type(ns) is not int or not 0 <= ns < 10**20:
        raise ValueError(f"time {ns!r} is not a time in nanoseconds")
    return batch_id, label, when, ns, undoes


def _span_or_none(values: Any) -> list[Any]:
    return [] if values is None else list(values) if isinstance(values, list) else [values]


def _distrust_conflicts(batches: list[_Batch]) -> list[_Batch]:
    """``batches`` with those that contradict others marked damaged.

    Anyone who can write in the folder can add a manifest, and a planted one must not stop
    a real batch from being undone nor hide it as undone. The rules are kept simple:

    - Two batch files holding one id are both damaged, each naming the other: which one
      copydesk wrote cannot be told, so neither is undone; the listing shows both, and the
      user moves aside the one they did not make.
    - A batch saying it undoes batch X counts as an undo only when each of its files reverses
      one of X's (same path, its prior content X's new one, its new content X's prior one),
      as every undo copydesk writes does; any other is damaged, naming X, and X stays
      undoable. A forgery copying X's own hashes still counts (nothing in a shared folder
      proves who wrote it), but then what undid X is named (``BatchInfo.undone_by``) and a
      new undo of X refuses naming it, so the user can see it and move it aside.
    """
    by_id: dict[str, list[_Batch]] = {}
    for batch in batches:
        by_id.setdefault(batch.id, []).append(batch)
    checked: list[_Batch] = []
    for batch in batches:
        same = by_id[batch.id]
        if len(same) > 1:
            others = ", ".join(other.name for other in same if other is not batch)
            batch = replace(
                batch,
                damaged=f"another batch file holds the same id ({others}); one of them was not written by copydesk: "
                "move aside the one you did not make",
            )
        checked.append(batch)
    for index, batch in enumerate(checked):
        targets = by_id.get(batch.undoes or "", [])
        if batch.damaged or len(targets) != 1 or targets[0].damaged:
            continue  # nothing to check it against (the batch undone was pruned, or is damaged)
        reversed_entries = {(e.path, e.new, e.prior) for e in targets[0].entries}
        if not batch.entries or any((e.path, e.prior, e.new) not in reversed_entries for e in batch.entries):
            checked[index] = replace(
                batch, damaged=f"it says it undoes batch {batch.undoes}, but its files do not match that batch's"
            )
    return checked


def _chains(batches: list[_Batch]) -> dict[str, tuple[int, str]]:
    """Each batch's (depth, edit): an edit is (0, itself); an undo of a batch of depth d
    has depth d + 1 and the same edit. An odd depth takes the edit back, an even one puts
    it back (a redo). A chain whose batch was pruned ends there (its id stands for the
    edit); a planted loop ends where it comes back."""
    by_id = {b.id: b for b in batches}
    out: dict[str, tuple[int, str]] = {}
    for batch in batches:
        depth, current, seen = 0, batch, {batch.id}
        edit = batch.id
        while current.undoes is not None:
            depth += 1
            edit = current.undoes
            following = by_id.get(current.undoes)
            if following is None or following.id in seen:
                break
            seen.add(following.id)
            current = following
            edit = current.id
        out[batch.id] = (depth, edit)
    return out


class Journal:
    """The undo journal of one corpus root."""

    def __init__(self, root: Path, keep: int = 50) -> None:
        self.root = Path(os.path.abspath(root))
        self.keep = max(1, keep)
        self.folder = self.root / JOURNAL_SUBDIR
        self.blobs = self.folder / "blobs"
        self.batches = self.folder / "batches"
        self.blob_grace_seconds = _BLOB_GRACE_SECONDS
        self.gc_every = _GC_EVERY
        self.gc_candidates = self.folder / "gc-candidates"
        root_text = str(self.root)
        self._root_prefix = root_text if root_text.endswith(os.sep) else root_text + os.sep
        self._blob_folders: set[Path] = set()  # blob sub-folders seen to be real folders

    # -- writing ---------------------------------------------------------------------

    def begin(self, label: str, *, undoes: str | None = None) -> BatchWriter:
        """Start a batch; ``label`` says what made it (``tag --add X``, ``tui save``)."""
        return BatchWriter(self, label, undoes)

    def _ensure_folders(self) -> None:
        """Create the journal's folders; each must be a real folder (UnsafeJournal else)."""
        state = self.root / STATE_DIR
        if not make_state_folder(self.root):
            _check_folder(state)  # says what is there instead of a folder
            raise UnsafeJournal(f"{state} cannot be created")
        for folder in (self.folder, self.batches, self.blobs):
            _make_folder(folder)

    def _blob_path(self, digest: str) -> Path:
        return self.blobs / digest[:2] / digest

    def _has_blob(self, path: Path) -> bool:
        """True when a loose copy is at ``path``, its age refreshed (so that a concurrent
        prune does not collect it before our manifest exists). A link or anything but a
        regular file there does not count."""
        try:
            os.utime(path, follow_symlinks=False)
        except OSError:
            return False
        try:
            return _check_folder(path.parent) and stat.S_ISREG(os.lstat(path).st_mode)
        except OSError:  # UnsafeJournal included
            return False

    def _blob_folder(self, folder: Path) -> None:
        if folder not in self._blob_folders:
            _make_folder(folder)
            self._blob_folders.add(folder)

    def _store_blob(self, data: bytes, digest: str | None = None) -> str:
        """Keep ``data`` under its sha256 (``digest`` when the caller has it); safe from threads."""
        digest = digest or sha256(data)
        target = self._blob_path(digest)
        if self._has_blob(target):
            return digest
        folder = target.parent
        self._blob_folder(folder)
        tmp = folder / f".blob.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.close(fd)
            fd = -1
            os.replace(tmp, target)  # (a link planted at target is replaced, never followed)
        except BaseException:
            if fd >= 0:
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return digest

    def _pack_path(self, stem: str) -> Path:
        return self.blobs / "packs" / f"{stem}.pack"

    def _read_blob(self, digest: str, packed: tuple[int, int] | None = None, stem: str = "") -> bytes:
        try:
            path = self._blob_path(digest) if packed is None else self._pack_path(stem)
            _check_folder(self.blobs)
            _check_folder(path.parent)
            if packed is None:
                data, _ = read_guarded(path, self.blobs, _BLOB_LIMITS)
            else:
                data = _read_span(path, *packed)
        except (UnsafeFile, OSError) as exc:  # UnsafeJournal is an OSError
            missing = isinstance(exc, FileNotFoundError) or isinstance(exc.__cause__, FileNotFoundError)
            hint = ": was the folder moved or renamed?" if missing else ""
            raise JournalError(f"journal copy {digest[:12]} cannot be read ({exc}){hint}") from exc
        if sha256(data) != digest:
            raise JournalError(f"journal copy {digest[:12]} is damaged (content does not match its hash)")
        return data

    def _relative(self, path: Path) -> str:
        absolute = os.path.abspath(path)
        # A string prefix test: the pathlib round trip cost more than the rest of a record.
        prefix = self._root_prefix
        if absolute.startswith(prefix):
            absolute = absolute[len(prefix) :]
        return absolute.replace(os.sep, "/") if os.sep != "/" else absolute

    def _target_problem(self, rel: str, real_root: str) -> str | None:
        """Why the file ``rel`` (checked by :func:`_entry_path_problem`) must not be
        touched, or None: its folder must really lie inside the corpus root (``real_root``,
        its real path), not be reached through a link leading out of it."""
        parent = os.path.dirname(os.path.join(self.root, rel))
        real_parent = os.path.realpath(parent)
        if is_inside(real_parent, real_root):
            return None
        return f"reached through a symbolic link leaving the folder ({os.path.join(real_parent, os.path.basename(rel))})"

    def _write_manifest(self, batch: _Batch) -> None:
        data: dict[str, Any] = {
            "version": _MANIFEST_VERSION,
            "id": batch.id,
            "label": batch.label,
            "time": batch.time,
            "ns": batch.ns,
            "undoes": batch.undoes,
            "entries": [e.as_list() for e in batch.entries],
        }
        if batch.partial:
            data["partial"] = True
        target = self.batches / f"{_stem(batch.ns, batch.id)}.json"
        fd, tmp = tempfile.mkstemp(dir=self.batches, prefix=f".{batch.id}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))  # ASCII escapes keep non-UTF-8 file names
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(self.batches)

    # -- reading ---------------------------------------------------------------------

    def _readable(self) -> bool:
        """True when the batches folder exists; UnsafeJournal when a folder on the way is a
        link or not a folder, JournalError when one cannot be looked at."""
        return all(_check_folder(folder) for folder in (self.root / STATE_DIR, self.folder, self.batches))

    def _load_all(self) -> list[_Batch]:
        """Every batch on disk, oldest first: pending logs of live writers excluded, files
        that cannot be read or trusted included as damaged batches. JournalError when the
        journal folder itself cannot be read."""
        if not self._readable():
            return []
        try:
            with os.scandir(self.batches) as listing:
                names = {entry.name for entry in listing if not entry.name.startswith(".")}
        except OSError as exc:
            raise JournalError(f"cannot read the journal folder {self.batches}: {exc.strerror or exc}") from exc
        batches: list[_Batch] = []
        for name in names:
            if name.endswith(".json"):
                batch = self._read_manifest(name)
            elif name.endswith(".pending") and name[: -len(".pending")] + ".json" not in names:
                # (a writer killed between its manifest and removing its log leaves both)
                batch = self._read_pending(name)
            else:
                continue
            if batch is not None:
                batches.append(batch)
        batches.sort(key=lambda b: (b.ns, b.id))
        return _distrust_conflicts(batches)

    def _read_manifest(self, name: str) -> _Batch | None:
        """The batch of manifest ``name`` (None when it vanished meanwhile: pruned), damaged
        when it cannot be read or fails a check."""
        try:
            text = _read_text(self.batches / name, self.batches)
            if text is None:
                return None
            data = json.loads(text)
            batch_id, label, when, ns, undoes = _header(data)
            values = data.get("entries")
            if not isinstance(values, list):
                raise ValueError("no list of entries")
            entries = [Entry.from_list(v) for v in values]
        except UnsafeFile as exc:
            return _damaged(name, f"cannot be read: {exc}")
        except (ValueError, RecursionError) as exc:
            return _damaged(name, str(exc))
        if name != f"{_stem(ns, batch_id)}.json":
            return _damaged(name, f"its id and time ({batch_id}, {ns}) do not match its file name")
        return _Batch(batch_id, label, when, ns, entries, undoes, partial=data.get("partial") is True, name=name)

    def _read_pending(self, name: str) -> _Batch | None:
        """The batch of pending log ``name``: None while its writer is alive (or when it
        vanished, or holds nothing yet); damaged when it cannot be read or fails a check."""
        path = self.batches / name
        try:
            text = _read_text(path, self.batches)
        except (UnsafeFile, ValueError) as exc:
            return _damaged(name, f"cannot be read: {exc}")
        if not text:
            return None  # gone, or created this instant (its header follows at once)
        lines = text.splitlines()
        try:
            header = json.loads(lines[0])
            batch_id, label, when, ns, undoes = _header(header)
        except (ValueError, RecursionError) as exc:
            return _damaged(name, f"its first line is not a batch header ({exc})")
        if name != f"{_stem(ns, batch_id)}.pending":
            return _damaged(name, f"its id and time ({batch_id}, {ns}) do not match its file name")
        recorded: dict[str, Entry] = {}
        written: dict[str, Entry] = {}
        closed = str(path) in _GIVEN_UP
        for number, line in enumerate(lines[1:], 2):
            try:
                event = json.loads(line)
                if not isinstance(event, dict):
                    raise ValueError("not a JSON object")
                op = event.get("op")
                if op == "record":
                    values = [event.get("path"), event.get("prior"), event.get("new"), *_span_or_none(event.get("packed"))]
                    entry = Entry.from_list(values)
                    recorded[entry.path] = entry
                elif op == "written" and event.get("path") in recorded:
                    written[event["path"]] = recorded[event["path"]]
                elif op == "closed":
                    closed = True
            except (ValueError, RecursionError) as exc:
                if number == len(lines):
                    break  # the last line, cut short by the crash
                return _damaged(name, f"line {number}: {exc}")
        pid, host = header.get("pid"), header.get("host")
        if not closed and host == socket.gethostname() and type(pid) is int and process_alive(pid):
            return None  # still being written by a running copydesk
        # A recorded file whose "written" line is missing may or may not have been replaced;
        # keeping it is harmless because undo only restores files whose content matches `new`.
        entries = list({**recorded, **written}.values())
        return _Batch(batch_id, label, when, ns, entries, undoes, incomplete=True, name=name)

    @staticmethod
    def _states(batches: list[_Batch]) -> tuple[dict[str, str], dict[str, list[_Batch]], set[str]]:
        """(the batches whose effect is currently reverted, each with the undo that did it, the unfinished undos of
        each batch that a new undo of it takes over, unfinished undos made pointless by a
        later finished undo of their batch).

        Only an undo that restored every file counts: one cut short or with a file it could
        not restore leaves its batch to be undone again. An undo that was itself undone
        does not count either.
        """
        undone: dict[str, str] = {}
        finished: set[str] = set()  # batches with a finished undo newer than the one looked at
        unfinished: dict[str, list[_Batch]] = {}
        superseded: set[str] = set()
        for batch in reversed(batches):  # newest first
            if batch.undoes is None or batch.damaged:
                continue
            if batch.counts_as_undo:
                if batch.id not in undone:
                    undone.setdefault(batch.undoes, batch.id)
                finished.add(batch.undoes)
            elif batch.undoes in finished:
                superseded.add(batch.id)
            elif batch.id not in undone:
                unfinished.setdefault(batch.undoes, []).append(batch)
        return undone, unfinished, superseded

    def list(self) -> list[BatchInfo]:
        """Recent batches, newest first (damaged ones included, saying why)."""
        batches = self._load_all()
        undone, unfinished, superseded = self._states(batches)
        chains = _chains(batches)
        return [
            BatchInfo(
                b.id,
                b.label,
                b.time,
                tuple(e.path for e in b.entries),
                b.id in undone,
                b.undoes,
                b.incomplete,
                b.partial,
                b.id in unfinished and b.id not in undone,
                b.damaged,
                undone.get(b.id),
                chains[b.id][1] if b.undoes is not None else None,
                b.undoes is not None and chains[b.id][0] % 2 == 0,
            )
            for b in reversed(batches)
            if b.id not in superseded
        ]

    def _find(self, batches: list[_Batch], batch_id: str | None, undone: dict[str, str]) -> _Batch:
        if batch_id is None:
            return self._newest_in_place(batches, undone)
        batch = self._match(batches, batch_id)
        if batch.damaged:
            raise JournalError(f"batch {batch.id} cannot be undone: it is damaged ({batch.damaged}); nothing was restored")
        if batch.id in undone:
            again = "redo" if batch.undoes is None else "undo"
            raise JournalError(
                f"batch {batch.id} ({batch.label}) was already undone by batch {undone[batch.id]} "
                f"(`copydesk undo --redo {batch.id}` to {again} it)"
            )
        return batch

    def _match(self, batches: list[_Batch], batch_id: str) -> _Batch:
        """The batch ``batch_id`` (or a unique prefix of it) names; UnknownBatch else."""
        exact = [b for b in batches if b.id == batch_id]  # several: damaged, see _distrust_conflicts
        matches = exact or [b for b in batches if b.id.startswith(batch_id)]
        if not matches:
            raise UnknownBatch(f"no batch {batch_id!r} in the journal (see `copydesk undo --list`)")
        if len(matches) > 1 and not exact:
            raise UnknownBatch(f"batch id {batch_id!r} is ambiguous: {', '.join(b.id for b in matches)}")
        return matches[0]

    def _newest_in_place(self, batches: list[_Batch], undone: dict[str, str]) -> _Batch:
        """What a plain undo takes back, as an editor's undo does: the edit most recently
        put in place (written, or put back by a redo), so that repeated undos go further
        back and an undo right after a redo takes that edit back again. Undo and redo
        batches are never the answer: undoing an edit again is recorded against the edit."""
        by_id = {b.id: b for b in batches}
        in_place: dict[str, int] = {b.id: b.ns for b in batches if b.undoes is None and b.id not in undone}
        for batch in batches:  # an undo of an edit that was itself undone: the edit is back since then
            redo = by_id.get(undone.get(batch.id, ""))
            if batch.undoes in in_place and redo is not None and by_id[batch.undoes].undoes is None:
                in_place[batch.undoes] = max(in_place[batch.undoes], redo.ns)
        damaged = [b for b in batches if b.damaged]
        candidates = [by_id[i] for i in in_place if not by_id[i].damaged]
        newest = max(candidates, key=lambda b: (in_place[b.id], b.ns), default=None)
        newer_damaged = [b for b in damaged if newest is None or b.ns > in_place[newest.id]]
        if newer_damaged:
            batch = newer_damaged[-1]
            raise JournalError(
                f"the newest batch, {batch.id}, cannot be undone: it is damaged ({batch.damaged}); nothing was "
                "restored. An older batch can be undone by its id (see `copydesk undo --list`)"
            )
        if newest is None:
            hint = ""
            with contextlib.suppress(JournalError):
                self._redo_target(batches, None, undone)
                hint = " (`copydesk undo --redo` redoes the last undo)"
            raise JournalError(f"nothing to undo in {self.folder}{hint}")
        return newest

    def _redo_target(self, batches: list[_Batch], batch_id: str | None, undone: dict[str, str]) -> _Batch:
        """The undo batch a redo takes back: the last undo made, walking back over the undos
        already redone, up to the newest edit written since (a new edit ends the redos, as
        in an editor; an older undo is still redone by its id or its edit's id)."""
        chains = _chains(batches)
        if batch_id is not None:
            batch = self._match(batches, batch_id)
            if batch.undoes is None:
                if batch.id not in undone:
                    raise JournalError(f"batch {batch.id} ({batch.label}) is not undone: there is nothing to redo")
                batch = self._match(batches, undone[batch.id])
            elif chains[batch.id][0] % 2 == 0:
                raise JournalError(
                    f"batch {batch.id} ({batch.label}) is a redo, not an undo: `copydesk undo {batch.id}` takes it back"
                )
            if batch.damaged:
                raise JournalError(f"batch {batch.id} cannot be undone: it is damaged ({batch.damaged}); nothing was restored")
            if batch.id in undone:
                raise JournalError(f"the undo {batch.id} ({batch.label}) was already redone by batch {undone[batch.id]}")
            return batch
        def redoable(batch: _Batch) -> bool:
            return chains[batch.id][0] % 2 == 1 and batch.counts_as_undo and batch.id not in undone

        for index in range(len(batches) - 1, -1, -1):
            batch = batches[index]
            if batch.damaged:
                continue
            if batch.undoes is None and batch.id not in undone:
                older = next((b for b in reversed(batches[:index]) if not b.damaged and redoable(b)), None)
                if older is not None:
                    raise JournalError(
                        f"nothing to redo: batch {batch.id} ({batch.label}) was written after the last undo, "
                        f"{older.id}; `copydesk undo --redo {older.id}` still redoes it"
                    )
                break
            if redoable(batch):
                return batch
        raise JournalError(f"nothing to redo in {self.folder}")

    # -- undo ------------------------------------------------------------------------

    def undo(self, batch_id: str | None = None) -> UndoReport:
        """Restore the prior bytes of every file of a batch (the newest when ``batch_id`` is None).

        A file whose current content is not what the batch wrote is listed in
        ``changed_since`` and left alone. The restore is recorded as a new batch, which
        counts as done only when no file failed; it takes over the files of earlier undos
        of the batch that were cut short, so that undoing it redoes them all.
        A batch with a file outside the corpus root, or reached through a link leading out
        of it, is refused before anything is written. Then each file is locked, read and
        written or removed through its folder opened from the root without following links,
        as a save does: a folder that is a link by then is refused for that file, naming it.
        """
        batches = self._load_all()
        undone, unfinished, superseded = self._states(batches)
        batch = self._find([b for b in batches if b.id not in superseded], batch_id, undone)
        return self._revert(batch, batches, unfinished, superseded)

    def redo(self, batch_id: str | None = None) -> UndoReport:
        """Put back an edit that was undone, by undoing its undo (see :meth:`undo`): the last
        undo made when ``batch_id`` is None (repeated redos walk forward again, until an edit
        written after the undos), else the undo ``batch_id`` names, or the undo of the
        edit it names. A file changed since the undo is reported and left alone."""
        batches = self._load_all()
        undone, unfinished, superseded = self._states(batches)
        batch = self._redo_target([b for b in batches if b.id not in superseded], batch_id, undone)
        return self._revert(batch, batches, unfinished, superseded)

    def _revert(self, batch: _Batch, batches: list[_Batch], unfinished: dict[str, list[_Batch]], superseded: set[str]) -> UndoReport:
        """Undo ``batch``, recorded as a new batch (see :meth:`undo`)."""
        depth, origin_id = _chains(batches)[batch.id]
        origin = next((b for b in batches if b.id == origin_id), None)
        redoing = depth % 2 == 1  # undoing an undo puts its edit back
        real_root = os.path.realpath(self.root)
        for entry in batch.entries:
            problem = self._target_problem(entry.path, real_root)
            if problem:
                raise JournalError(
                    f"batch {batch.id} ({batch.label}) cannot be undone: {entry.path}: {problem}; nothing was restored"
                )
        earlier = unfinished.get(batch.id, [])
        report = UndoReport(batch.id, resumed=[b.id for b in earlier], label=batch.label)
        if redoing and origin is not None:
            report.redid, report.label = origin.id, origin.label
            label = f"redo {origin.id} ({origin.label})"
        else:
            label = f"undo {batch.id} ({batch.label})"
        writer = self.begin(label, undoes=batch.id)
        stem = _stem(batch.ns, batch.id)
        done = False
        folders = Folders()  # each folder opened once, from the root down, as a save does
        try:
            for entry in batch.entries:
                self._undo_entry(entry, stem, writer, report, folders)
            done = True
        finally:
            # Folders are synced once per batch rather than once per file.
            for folder in {(self.root / rel).parent for rel in report.restored}:
                folders.fsync(self.root, folder)
            folders.close()
            writer.partial = not done or bool(report.failed)
            # What the earlier attempts restored is part of this undo (the loose copies they
            # kept; an entry in a pack is not theirs to give).
            writer.absorb([e for b in earlier for e in b.entries if e.packed is None])
            report.undo_batch_id = writer.close()
            report.problem = writer.problem
        if report.undo_batch_id is not None and writer.problem is None:
            for old in [*earlier, *(b for b in batches if b.id in superseded)]:
                self._delete(old)
        return report

    def _delete(self, batch: _Batch) -> None:
        """Remove a batch's files (its manifest or log, its pack)."""
        with contextlib.suppress(OSError):
            (self.batches / batch.name).unlink()
        with contextlib.suppress(OSError):
            self._pack_path(_stem(batch.ns, batch.id)).unlink()

    def _undo_entry(self, entry: Entry, stem: str, writer: BatchWriter, report: UndoReport, folders: Folders) -> None:
        # The lock, the read, the write and the removal all go through the file's folder
        # opened from the root without following links (core.storage.files.lock_file): a folder
        # swapped for a link since the check of the whole batch is refused here, naming
        # the link, and one swapped later is never written through.
        try:
            file = lock_file(folders, self.root, self.root / entry.path)
        except UnsafeFolder as exc:
            report.failed.append((entry.path, f"{exc}; file untouched"))
            return
        except LockBusy as exc:
            report.failed.append((entry.path, str(exc)))
            return
        except OSError as exc:
            report.failed.append((entry.path, f"cannot create a lock file: {exc.strerror or exc}"))
            return
        try:
            self._restore(entry, stem, file, writer, report)
        finally:
            file.release()

    def _restore(self, entry: Entry, stem: str, file: LockedFile, writer: BatchWriter, report: UndoReport) -> None:
        try:
            current = file.read()
        except OSError as exc:
            report.failed.append((entry.path, f"cannot read: {exc.strerror or exc}"))
            return
        current_sha = sha256(current) if current is not None else None
        if current_sha != entry.new:
            if current_sha == entry.prior:
                report.already.append(entry.path)
                return
            report.changed_since.append(entry.path)
            return
        try:
            prior = self._read_blob(entry.prior, entry.packed, stem) if entry.prior is not None else None
        except JournalError as exc:
            report.failed.append((entry.path, str(exc)))
            return
        path = self.root / entry.path
        try:
            writer.record(path, current, prior)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ENOENT:
                reason += ": was the folder moved or renamed?"
            report.failed.append((entry.path, f"cannot write the journal, file untouched: {reason}"))
            return
        try:
            if prior is None:
                file.remove()  # the batch created the file
            else:
                file.replace(prior)
        except OSError as exc:
            report.failed.append((entry.path, f"cannot write: {exc.strerror or exc}"))
            return
        with contextlib.suppress(OSError):  # (a lost line: the recorded entry is undone right anyway)
            writer.written(path)
        report.restored.append(entry.path)

    # -- pruning ---------------------------------------------------------------------

    def prune(self) -> None:
        """Keep the newest ``keep`` batches; blobs only they referred to go in a later sweep."""
        if not self._readable():
            return
        names = sorted(n for n in os.listdir(self.batches) if n.endswith((".json", ".pending")) and not n.startswith("."))
        manifests = {n[: -len(".json")] for n in names if n.endswith(".json")}
        for name in [n for n in names if n.endswith(".pending") and n[: -len(".pending")] in manifests]:
            # the log of a finished batch whose writer was killed before removing it
            (self.batches / name).unlink(missing_ok=True)
            names.remove(name)
        finished = [n for n in names if n.endswith(".json") or self._read_pending(n) is not None]
        if len(finished) <= self.keep:
            return
        lines: list[str] = []
        for name in finished[: -self.keep]:
            batch = self._read_manifest(name) if name.endswith(".json") else self._read_pending(name)
            if batch is not None and not batch.damaged:
                lines.append(f"# {batch.id}\n")
                lines.extend(f"{d}\n" for e in batch.entries for d in (e.prior, e.new) if d)
            else:
                lines.append("# damaged\n")
            stem = name.rsplit(".", 1)[0]
            if _STEM.fullmatch(stem):
                lines.append(f"{_PACK_PREFIX}{stem}\n")
            with contextlib.suppress(FileNotFoundError):
                (self.batches / name).unlink()
        _append(self.gc_candidates, "".join(lines))
        if self._pruned_since_sweep() >= self.gc_every:
            self.collect_garbage()

    def _candidates(self) -> list[str] | None:
        """The lines of ``gc-candidates`` (None when there is none; a damaged one reads as empty)."""
        try:
            text = _read_text(self.gc_candidates, self.folder)
        except (UnsafeFile, ValueError):
            return []
        return None if text is None else text.splitlines()

    def _pruned_since_sweep(self) -> int:
        return sum(1 for line in self._candidates() or () if line.startswith("#"))

    def collect_garbage(self) -> int:
        """Delete the blobs of pruned batches that no remaining batch refers to; their count."""
        lines = self._candidates()
        if lines is None:
            return 0
        # Only names of blobs and packs: a line planted in the file never names anything else.
        candidates = {line for line in lines if _DIGEST.fullmatch(line) or _PACK.fullmatch(line)}
        referenced = {d for b in self._load_all() for e in b.entries for d in (e.prior, e.new) if d}
        # A live writer's pending log is not loaded; its blobs are protected by their age.
        # A pack belongs to its batch alone: it goes once that batch was pruned.
        horizon = time.time() - self.blob_grace_seconds
        deleted = 0
        young: list[str] = []
        for digest in candidates - referenced:
            if digest.startswith(_PACK_PREFIX):
                blob = self._pack_path(digest[len(_PACK_PREFIX) :])
            else:
                blob = self._blob_path(digest)
            try:
                if os.lstat(blob).st_mtime >= horizon:
                    young.append(f"{digest}\n")
                    continue
                blob.unlink()
                deleted += 1
            except FileNotFoundError:
                pass
        # Another process may sweep at the same time: a temp name of our own, and whichever
        # list lands last wins (a candidate dropped by the other only stays on disk).
        tmp = self.gc_candidates.with_name(f".gc-candidates.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            with open(tmp, "x", encoding="utf-8") as handle:
                handle.write("".join(young))
            os.replace(tmp, self.gc_candidates)
        finally:
            tmp.unlink(missing_ok=True)
        return deleted


_PACK_PREFIX = "pack:"
_PACK = re.compile(re.escape(_PACK_PREFIX) + _STEM.pattern)


def _stem(ns: int, batch_id: str) -> str:
    return f"{ns:020d}-{batch_id}"


def _append(path: Path, text: str) -> None:
    """Append ``text`` to the regular file ``path`` (created when missing), never through a
    link and never blocking on a FIFO."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UnsafeJournal(f"{path} is not a regular file")
        write_all(fd, text.encode("utf-8"))
    finally:
        os.close(fd)




def _read_span(path: Path, offset: int, length: int) -> bytes:
    """``length`` bytes at ``offset`` of the regular file ``path`` (never through a link,
    never blocking), all of them or UnsafeFile."""
    fd = os.open(path, _READ_FLAGS)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile(f"{path.name} is not a regular file")
        if offset + length > info.st_size:
            raise UnsafeFile(f"{path.name} ends before the copy (at {offset}, {length} bytes)")
        data = os.pread(fd, length, offset)
    finally:
        os.close(fd)
    if len(data) != length:
        raise UnsafeFile(f"{path.name} ends before the copy (at {offset}, {length} bytes)")
    return data


class BatchWriter:
    """Records one batch; created by :meth:`Journal.begin`."""

    def __init__(self, journal: Journal, label: str, undoes: str | None = None) -> None:
        # record(), written(), flush() and keep() may be called from several threads
        self._lock = threading.RLock()
        self.journal = journal
        self.label = label
        self.undoes = undoes
        self.partial = False  # an undo that did not restore every file: its batch is not undone yet
        # Set by close() when the manifest could not be written (a full disk, the folder
        # renamed): the batch stays as its log, listed as incomplete and still undoable.
        self.problem: str | None = None
        self.ns, self.time = _now()
        self.id = _new_id(self.ns)
        self._recorded: dict[str, Entry] = {}
        self._written: dict[str, Entry] = {}
        self._absorbed: list[Entry] = []
        self._log_fd = -1
        self._log_end = 0
        self._lines: list[str] = []  # deferred log lines, written by flush()
        self._closed = False
        self._result: str | None = None
        self._pack_lock = threading.Lock()
        self._pack_fd = -1
        self._pack_end = 0
        self._kept: dict[str, Kept] = {}

    def _pending(self) -> Path:
        return self.journal.batches / f"{_stem(self.ns, self.id)}.pending"

    def open(self) -> None:
        """Create the journal's folders and this batch's pending log (done by the first record)."""
        with self._lock:
            if self._closed:
                raise JournalError(f"batch {self.id} is already closed")
            if self._log_fd < 0:
                self._open_log()

    def _open_log(self) -> None:
        self.journal._ensure_folders()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        self._log_fd = os.open(self._pending(), flags, 0o666)
        header = {
            "id": self.id,
            "label": self.label,
            "time": self.time,
            "ns": self.ns,
            "undoes": self.undoes,
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        try:
            self._append(header)
        except OSError:
            # A log without its header could not be read back: none at all (a full disk).
            os.close(self._log_fd)
            self._log_fd = -1
            with contextlib.suppress(OSError):
                self._pending().unlink()
            raise

    def _append(self, event: dict[str, Any], defer: bool = False) -> None:
        self._lines.append(json.dumps(event) + "\n")  # ASCII escapes keep non-UTF-8 file names
        if not defer:
            self.flush()

    def flush(self) -> None:
        """Hand the deferred log lines to the operating system (one write; no fsync).

        When the write fails (a full disk), the log is cut back to its last whole line and
        the lines are dropped: the caller, told by the OSError, does not replace the file
        whose record was among them (a lost ``written`` line is harmless: see
        :meth:`Journal._read_pending`).
        """
        with self._lock:
            if not self._lines or self._log_fd < 0:
                return
            data = "".join(self._lines).encode("ascii")
            self._lines.clear()
            try:
                write_all(self._log_fd, data, self._log_end)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._log_fd, self._log_end)
                raise
            self._log_end += len(data)

    def keep(self, data: bytes, digest: str | None = None) -> Kept:
        """Keep ``data`` (a prior content) now, for :meth:`record`'s ``kept``.

        Safe from worker threads once :meth:`open` was called. Content the journal holds
        already (a loose blob, or kept earlier in this batch) is not stored again; anything
        else is appended to the batch's pack file: one file for the batch instead of one
        per article (creating files is the dearest part of keeping a copy).
        """
        digest = digest or sha256(data)
        with self._pack_lock:
            known = self._kept.get(digest)
        if known is not None:
            return known
        if self.journal._has_blob(self.journal._blob_path(digest)):
            kept = Kept(digest)
        else:
            with self._pack_lock:
                if self._pack_fd < 0:
                    pack = self.journal._pack_path(_stem(self.ns, self.id))
                    _make_folder(pack.parent)
                    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
                    self._pack_fd = os.open(pack, flags, 0o600)
                offset = self._pack_end
                self._pack_end += len(data)
                fd = self._pack_fd
            write_all(fd, data, offset)
            kept = Kept(digest, (offset, len(data)))
        with self._pack_lock:
            # only now, once written: a file recorded with it may be replaced right after
            return self._kept.setdefault(digest, kept)

    def record(
        self,
        path: Path,
        prior: bytes | None,
        new: bytes | None,
        *,
        kept: Kept | None = None,
        new_digest: str | None = None,
        defer: bool = False,
    ) -> None:
        """Keep ``prior`` (None: the file is being created) before ``path`` becomes ``new``.

        Call it before replacing the file. ``new`` None means the file is being deleted.
        ``kept``: the prior bytes were already kept with :meth:`keep`.
        ``new_digest``: the sha256 of ``new`` when the caller has it. ``defer``: the log line
        waits for :meth:`flush`, which must run before the file is replaced.
        """
        with self._lock:
            self._record(path, prior, new, kept, new_digest, defer)

    def _record(self, path: Path, prior: bytes | None, new: bytes | None, kept: Kept | None, new_digest: str | None, defer: bool) -> None:
        if self._closed:
            raise JournalError(f"batch {self.id} is already closed")
        if self._log_fd < 0:
            self._open_log()
        rel = self.journal._relative(path)
        previous = self._recorded.get(rel)
        packed = None
        if prior is None:
            prior_sha = None
        elif kept is not None:
            prior_sha, packed = kept.digest, kept.packed
        else:
            prior_sha = self.journal._store_blob(prior)
        if previous is not None and rel in self._written:
            # A second write to the same file in one batch: undo goes back to the first prior.
            prior_sha, packed = previous.prior, previous.packed
        new_sha = (new_digest or sha256(new)) if new is not None else None
        entry = Entry(rel, prior_sha, new_sha, packed)
        event: dict[str, Any] = {"op": "record", "path": rel, "prior": prior_sha, "new": new_sha}
        if packed is not None:
            event["packed"] = list(packed)
        self._append(event, defer)
        self._recorded[rel] = entry  # (only once its line is on its way: see flush)

    def written(self, path: Path, *, defer: bool = False) -> None:
        """Confirm that ``path`` was replaced with the recorded content."""
        rel = self.journal._relative(path)
        with self._lock:
            entry = self._recorded.get(rel)
            if entry is None:
                raise JournalError(f"{path}: written() without record()")
            self._written[rel] = entry
            self._append({"op": "written", "path": rel}, defer)

    def absorb(self, entries: list[Entry]) -> None:
        """Make ``entries`` (files an earlier, unfinished undo of the same batch restored)
        part of this batch when it closes; a file this batch wrote keeps its own entry."""
        with self._lock:
            self._absorbed.extend(entries)

    def close(self) -> str | None:
        """Finish the batch; its id, or None when nothing was written (no batch is kept).

        Never raises for a failure to write the manifest once files were written: the batch
        then stays as its log (undoable, listed as incomplete) and :attr:`problem` says why.
        """
        with self._lock:
            if not self._closed:
                self._closed = True
                self._result = self._close()
            return self._result

    def _close(self) -> str | None:
        if self._pack_fd >= 0:
            os.close(self._pack_fd)
            self._pack_fd = -1
        entries = dict(self._written)
        for entry in self._absorbed:
            entries.setdefault(entry.path, entry)
        pending = self._pending()
        logged = self._log_fd >= 0
        if logged:
            with contextlib.suppress(OSError):
                self.flush()  # (only "written" lines: the manifest holds them too)
        if not entries:
            if logged:
                os.close(self._log_fd)
                self._log_fd = -1
                with contextlib.suppress(OSError):
                    pending.unlink()
                with contextlib.suppress(OSError):
                    self.journal._pack_path(_stem(self.ns, self.id)).unlink()
            return None
        batch = _Batch(self.id, self.label, self.time, self.ns, list(entries.values()), self.undoes, partial=self.partial)
        try:
            if not logged:
                self.journal._ensure_folders()  # only files an earlier undo restored
            self.journal._write_manifest(batch)
        except OSError as exc:
            return self._give_up(pending, len(self._written), exc)
        finally:
            if logged:
                os.close(self._log_fd)
                self._log_fd = -1
        with contextlib.suppress(OSError):
            pending.unlink()
        with contextlib.suppress(OSError, JournalError):
            self.journal.prune()  # housekeeping: never a reason to fail a batch that is written
        return self.id

    def _give_up(self, pending: Path, count: int, exc: OSError) -> str | None:
        """The manifest could not be written: keep the log as the batch's record (marked
        closed, so that it is listed although this process lives on)."""
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOENT:
            reason += ": was the folder moved or renamed?"
        if self._log_fd < 0:
            self.problem = f"the journal could not record batch {self.id} in {self.journal.batches} ({reason})"
            return None
        with contextlib.suppress(OSError):
            write_all(self._log_fd, json.dumps({"op": "closed"}).encode("ascii") + b"\n", self._log_end)
        _GIVEN_UP.add(str(pending))
        files = plural(count, 'file')
        self.problem = (
            f"the journal could not finish its record of batch {self.id} in {self.journal.batches} ({reason}); "
            f"the {files} written are in its log, listed as an incomplete batch that `copydesk undo` can take back"
        )
        return self.id

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
