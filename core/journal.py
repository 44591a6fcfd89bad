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
what the batch wrote and reports the others; the undo is itself a batch, so it can be undone.
The journal keeps the newest ``keep`` batches and deletes blobs no batch refers to.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import socket
import stat
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATE_DIR = ".copydesk"  # copydesk's own folder at the corpus root: the journal and the index
JOURNAL_SUBDIR = Path(STATE_DIR) / "journal"
_MANIFEST_VERSION = 2  # 2: an entry may say where its prior content is in the batch's pack
# Blobs of pruned batches are swept once this many batches were pruned (a sweep reads every
# remaining manifest, so it is not done on every save).
_GC_EVERY = 10
# A blob younger than this is never garbage-collected: another process may be recording a
# batch that refers to it and has not written its manifest yet.
_BLOB_GRACE_SECONDS = 600


def make_state_folder(root: Path, mode: int = 0o777) -> bool:
    """Create ``<root>/.copydesk`` when missing and give it a ``.gitignore`` of ``*``: it
    holds copies of articles (the journal) and a cache (the index), which must stay out of
    the newsroom's repository from the first read-only command on. A ``.gitignore``
    already there (ours, or one the user edited) is never touched. False when the path is
    not a real folder (a planted link: nothing is written through it)."""
    folder = Path(root) / STATE_DIR
    folder.mkdir(mode=mode, exist_ok=True)
    if not stat.S_ISDIR(os.lstat(folder).st_mode):
        return False
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(folder / ".gitignore", flags, 0o644)
    except OSError:  # there already (never overwritten), or a read-only folder
        return True
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("*\n")
    return True


class JournalError(Exception):
    """Nothing to undo, an unknown batch id, an unreadable journal: the message says which."""


class UnknownBatch(JournalError):
    """The batch id given matches no batch, or several: a usage error, not a state of the journal."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a batch: content before and after (sha256 hex; None = file absent)."""

    path: str  # relative to the corpus root ("/"-separated), absolute when outside it
    prior: str | None
    new: str | None
    packed: tuple[int, int] | None = None  # (offset, length) of the prior content in the batch's pack

    def as_list(self) -> list[Any]:
        return [self.path, self.prior, self.new, *(self.packed or ())]

    @classmethod
    def from_list(cls, values: list[Any]) -> Entry:
        path, prior, new, *packed = values
        return cls(path, prior, new, (int(packed[0]), int(packed[1])) if packed else None)


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

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "time": self.time,
            "files": list(self.files),
            "undone": self.undone,
            "undoes": self.undoes,
            "incomplete": self.incomplete,
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch_id,
            "undo_batch": self.undo_batch_id,
            "restored": self.restored,
            "changed_since": self.changed_since,
            "already": self.already,
            "failed": [{"path": p, "reason": r} for p, r in self.failed],
        }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes, fsync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` by the safe-write protocol of :mod:`core.save`."""
    from .save import write_atomic as save_write_atomic

    save_write_atomic(path, data, fsync_dir=fsync_dir)


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


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(slots=True)
class _Batch:
    id: str
    label: str
    time: str
    ns: int
    entries: list[Entry]
    undoes: str | None = None
    incomplete: bool = False


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

    # -- writing ---------------------------------------------------------------------

    def begin(self, label: str, *, undoes: str | None = None) -> BatchWriter:
        """Start a batch; ``label`` says what made it (``tag --add X``, ``tui save``)."""
        return BatchWriter(self, label, undoes)

    def _ensure_folders(self) -> None:
        if self.batches.is_dir() and self.blobs.is_dir():
            return
        make_state_folder(self.root)
        self.batches.mkdir(parents=True, exist_ok=True)
        self.blobs.mkdir(parents=True, exist_ok=True)

    def _blob_path(self, digest: str) -> Path:
        return self.blobs / digest[:2] / digest

    def _store_blob(self, data: bytes, digest: str | None = None) -> str:
        """Keep ``data`` under its sha256 (``digest`` when the caller has it); safe from threads."""
        digest = digest or sha256(data)
        target = self._blob_path(digest)
        try:
            # Refresh its age so a concurrent prune does not collect it before our manifest exists.
            os.utime(target)
            return digest
        except FileNotFoundError:
            pass
        folder = target.parent
        folder.mkdir(exist_ok=True)
        tmp = folder / f".blob.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.close(fd)
            fd = -1
            os.replace(tmp, target)
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
            if packed is None:
                data = self._blob_path(digest).read_bytes()
            else:
                offset, length = packed
                with open(self._pack_path(stem), "rb") as handle:
                    handle.seek(offset)
                    data = handle.read(length)
        except OSError as exc:
            raise JournalError(f"journal copy {digest[:12]} is missing ({exc.strerror or exc})") from exc
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

    def _absolute(self, stored: str) -> Path:
        candidate = Path(stored)
        return candidate if candidate.is_absolute() else self.root / candidate

    def _write_manifest(self, batch: _Batch) -> None:
        data = {
            "version": _MANIFEST_VERSION,
            "id": batch.id,
            "label": batch.label,
            "time": batch.time,
            "ns": batch.ns,
            "undoes": batch.undoes,
            "entries": [e.as_list() for e in batch.entries],
        }
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

    def _load_all(self) -> list[_Batch]:
        """Every batch on disk, oldest first (pending logs of live writers excluded)."""
        if not self.batches.is_dir():
            return []
        batches: list[_Batch] = []
        names = {entry.name for entry in os.scandir(self.batches) if not entry.name.startswith(".")}
        for name in names:
            if name.endswith(".json"):
                batch = self._read_manifest(self.batches / name)
            elif name.endswith(".pending") and name[: -len(".pending")] + ".json" not in names:
                # (a writer killed between its manifest and removing its log leaves both)
                batch = self._read_pending(self.batches / name)
            else:
                continue
            if batch is not None:
                batches.append(batch)
        batches.sort(key=lambda b: (b.ns, b.id))
        return batches

    def _read_manifest(self, path: Path) -> _Batch | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            entries = [Entry.from_list(values) for values in data["entries"]]
            return _Batch(data["id"], data["label"], data["time"], int(data["ns"]), entries, data.get("undoes"))
        except (OSError, ValueError, KeyError, TypeError):
            # A damaged manifest is skipped rather than blocking every other undo.
            return None

    def _read_pending(self, path: Path) -> _Batch | None:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
            header = json.loads(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        if header.get("host") == socket.gethostname() and _pid_alive(int(header.get("pid", 0))):
            return None  # still being written by a running copydesk
        recorded: dict[str, Entry] = {}
        written: dict[str, Entry] = {}
        for line in lines[1:]:
            try:
                event = json.loads(line)
            except ValueError:
                break  # a line cut short by the crash
            if event.get("op") == "record":
                packed = event.get("packed")
                recorded[event["path"]] = Entry(event["path"], event["prior"], event["new"], tuple(packed) if packed else None)
            elif event.get("op") == "written" and event.get("path") in recorded:
                written[event["path"]] = recorded[event["path"]]
        # A recorded file whose "written" line is missing may or may not have been replaced;
        # keeping it is harmless because undo only restores files whose content matches `new`.
        entries = list({**recorded, **written}.values())
        return _Batch(header["id"], header["label"], header["time"], int(header["ns"]), entries, header.get("undoes"), incomplete=True)

    @staticmethod
    def _undone_ids(batches: list[_Batch]) -> set[str]:
        """Batches whose effect is currently reverted (an undo that was itself undone does not count)."""
        undone: set[str] = set()
        # Newest first: an undo batch only counts if it has not been undone by a later one.
        for batch in reversed(batches):
            if batch.undoes and batch.id not in undone:
                undone.add(batch.undoes)
        return undone

    def list(self) -> list[BatchInfo]:
        """Recent batches, newest first."""
        batches = self._load_all()
        undone = self._undone_ids(batches)
        return [
            BatchInfo(b.id, b.label, b.time, tuple(e.path for e in b.entries), b.id in undone, b.undoes, b.incomplete)
            for b in reversed(batches)
        ]

    def _find(self, batches: list[_Batch], batch_id: str | None) -> _Batch:
        undone = self._undone_ids(batches)
        if batch_id is None:
            # Repeated `undo` walks back through history; undo batches are skipped (undo one
            # by its id to redo what it reverted).
            for batch in reversed(batches):
                if batch.id not in undone and batch.undoes is None:
                    return batch
            raise JournalError(f"nothing to undo in {self.folder}")
        matches = [b for b in batches if b.id == batch_id] or [b for b in batches if b.id.startswith(batch_id)]
        if not matches:
            raise UnknownBatch(f"no batch {batch_id!r} in the journal (see `copydesk undo --list`)")
        if len(matches) > 1:
            raise UnknownBatch(f"batch id {batch_id!r} is ambiguous: {', '.join(b.id for b in matches)}")
        batch = matches[0]
        if batch.id in undone:
            raise JournalError(f"batch {batch.id} ({batch.label}) was already undone")
        return batch

    # -- undo ------------------------------------------------------------------------

    def undo(self, batch_id: str | None = None) -> UndoReport:
        """Restore the prior bytes of every file of a batch (the newest when ``batch_id`` is None).

        A file whose current content is not what the batch wrote is listed in
        ``changed_since`` and left alone. The restore is recorded as a new batch.
        """
        batch = self._find(self._load_all(), batch_id)
        report = UndoReport(batch.id)
        writer = self.begin(f"undo {batch.id} ({batch.label})", undoes=batch.id)
        try:
            for entry in batch.entries:
                self._undo_entry(entry, _stem(batch.ns, batch.id), writer, report)
        finally:
            # Folders are synced once per batch rather than once per file.
            for folder in {self._absolute(rel).parent for rel in report.restored}:
                _fsync_dir(folder)
            report.undo_batch_id = writer.close()
        return report

    def _undo_entry(self, entry: Entry, stem: str, writer: BatchWriter, report: UndoReport) -> None:
        from .save import LockBusy, acquire_lock, release_lock

        path = self._absolute(entry.path)
        try:
            lock = acquire_lock(path)
        except LockBusy as exc:
            report.failed.append((entry.path, str(exc)))
            return
        except OSError as exc:
            report.failed.append((entry.path, f"cannot create a lock file: {exc.strerror or exc}"))
            return
        try:
            self._restore(entry, stem, path, writer, report)
        finally:
            release_lock(lock)

    def _restore(self, entry: Entry, stem: str, path: Path, writer: BatchWriter, report: UndoReport) -> None:
        try:
            current = _read_current(path)
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
        try:
            writer.record(path, current, prior)
            if prior is None:
                os.unlink(path)  # the batch created the file
            else:
                write_atomic(path, prior, fsync_dir=False)
            writer.written(path)
        except OSError as exc:
            report.failed.append((entry.path, f"cannot write: {exc.strerror or exc}"))
            return
        report.restored.append(entry.path)

    # -- pruning ---------------------------------------------------------------------

    def prune(self) -> None:
        """Keep the newest ``keep`` batches; blobs only they referred to go in a later sweep."""
        if not self.batches.is_dir():
            return
        names = sorted(n for n in os.listdir(self.batches) if n.endswith((".json", ".pending")) and not n.startswith("."))
        manifests = {n[: -len(".json")] for n in names if n.endswith(".json")}
        for name in [n for n in names if n.endswith(".pending") and n[: -len(".pending")] in manifests]:
            # the log of a finished batch whose writer was killed before removing it
            (self.batches / name).unlink(missing_ok=True)
            names.remove(name)
        finished = [n for n in names if n.endswith(".json") or self._read_pending(self.batches / n) is not None]
        if len(finished) <= self.keep:
            return
        lines: list[str] = []
        for name in finished[: -self.keep]:
            path = self.batches / name
            batch = self._read_manifest(path) if name.endswith(".json") else self._read_pending(path)
            if batch is not None:
                lines.append(f"# {batch.id}\n")
                lines.extend(f"{d}\n" for e in batch.entries for d in (e.prior, e.new) if d)
            lines.append(f"{_PACK_PREFIX}{name.rsplit('.', 1)[0]}\n")
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        with open(self.gc_candidates, "a", encoding="utf-8") as handle:
            handle.writelines(lines)
        if self._pruned_since_sweep() >= self.gc_every:
            self.collect_garbage()

    def _pruned_since_sweep(self) -> int:
        try:
            with open(self.gc_candidates, encoding="utf-8") as handle:
                return sum(1 for line in handle if line.startswith("#"))
        except FileNotFoundError:
            return 0

    def collect_garbage(self) -> int:
        """Delete the blobs of pruned batches that no remaining batch refers to; their count."""
        try:
            candidates = {line.strip() for line in self.gc_candidates.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")}
        except FileNotFoundError:
            return 0
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
                if blob.stat().st_mtime >= horizon:
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
            tmp.write_text("".join(young), encoding="utf-8")
            os.replace(tmp, self.gc_candidates)
        finally:
            tmp.unlink(missing_ok=True)
        return deleted


_PACK_PREFIX = "pack:"


def _stem(ns: int, batch_id: str) -> str:
    return f"{ns:020d}-{batch_id}"


def _read_current(path: Path) -> bytes | None:
    """The file's bytes now (None when it does not exist); symbolic links are refused."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        raise OSError(0, "is a symbolic link")
    if not stat.S_ISREG(info.st_mode):
        raise OSError(0, "not a regular file")
    with open(path, "rb") as handle:
        return handle.read()


class BatchWriter:
    """Records one batch; created by :meth:`Journal.begin`."""

    def __init__(self, journal: Journal, label: str, undoes: str | None = None) -> None:
        # record(), written(), flush() and keep() may be called from several threads
        self._lock = threading.RLock()
        self.journal = journal
        self.label = label
        self.undoes = undoes
        self.ns, self.time = _now()
        self.id = _new_id(self.ns)
        self._recorded: dict[str, Entry] = {}
        self._written: dict[str, Entry] = {}
        self._log: Any = None
        self._lines: list[str] = []  # deferred log lines, written by flush()
        self._closed = False
        self._pack_lock = threading.Lock()
        self._pack_fd = -1
        self._pack_end = 0
        self._kept: dict[str, Kept] = {}

    def open(self) -> None:
        """Create the journal's folders and this batch's pending log (done by the first record)."""
        with self._lock:
            if self._closed:
                raise JournalError(f"batch {self.id} is already closed")
            if self._log is None:
                self._open_log()

    def _open_log(self) -> None:
        self.journal._ensure_folders()
        path = self.journal.batches / f"{_stem(self.ns, self.id)}.pending"
        self._log = open(path, "x", encoding="utf-8")  # noqa: SIM115 - kept open for the batch
        header = {
            "id": self.id,
            "label": self.label,
            "time": self.time,
            "ns": self.ns,
            "undoes": self.undoes,
            "pid": os.getpid(),
            "host": socket.gethostname(),
        }
        self._append(header)

    def _append(self, event: dict[str, Any], defer: bool = False) -> None:
        self._lines.append(json.dumps(event) + "\n")  # ASCII escapes keep non-UTF-8 file names
        if not defer:
            self.flush()

    def flush(self) -> None:
        """Hand the deferred log lines to the operating system (one write; no fsync)."""
        with self._lock:
            if self._lines and self._log is not None:
                self._log.write("".join(self._lines))
                self._log.flush()
                self._lines.clear()

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
        try:
            os.utime(self.journal._blob_path(digest))  # a loose copy exists: refresh its age
            kept = Kept(digest)
        except FileNotFoundError:
            with self._pack_lock:
                if self._pack_fd < 0:
                    pack = self.journal._pack_path(_stem(self.ns, self.id))
                    pack.parent.mkdir(exist_ok=True)
                    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
                    self._pack_fd = os.open(pack, flags, 0o600)
                offset = self._pack_end
                self._pack_end += len(data)
                fd = self._pack_fd
            view = memoryview(data)
            at = offset
            while view:
                written = os.pwrite(fd, view, at)
                view, at = view[written:], at + written
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
        if self._log is None:
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
        self._recorded[rel] = entry
        event: dict[str, Any] = {"op": "record", "path": rel, "prior": prior_sha, "new": new_sha}
        if packed is not None:
            event["packed"] = list(packed)
        self._append(event, defer)

    def written(self, path: Path, *, defer: bool = False) -> None:
        """Confirm that ``path`` was replaced with the recorded content."""
        rel = self.journal._relative(path)
        with self._lock:
            entry = self._recorded.get(rel)
            if entry is None:
                raise JournalError(f"{path}: written() without record()")
            self._written[rel] = entry
            self._append({"op": "written", "path": rel}, defer)

    def close(self) -> str | None:
        """Finish the batch; its id, or None when nothing was written (no batch is kept)."""
        with self._lock:
            return self._close()

    def _close(self) -> str | None:
        if self._closed:
            return self.id if self._written else None
        self._closed = True
        if self._pack_fd >= 0:
            os.close(self._pack_fd)
            self._pack_fd = -1
        if self._log is None:
            return None
        self.flush()
        self._log.close()
        pending = self.journal.batches / f"{_stem(self.ns, self.id)}.pending"
        if not self._written:
            pending.unlink(missing_ok=True)
            self.journal._pack_path(_stem(self.ns, self.id)).unlink(missing_ok=True)
            return None
        batch = _Batch(self.id, self.label, self.time, self.ns, list(self._written.values()), self.undoes)
        self.journal._write_manifest(batch)
        pending.unlink(missing_ok=True)
        self.journal.prune()
        return self.id

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
