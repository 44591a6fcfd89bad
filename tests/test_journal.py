"""The undo journal: batches record prior bytes; undo restores them, itself as a batch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.storage.files import write_atomic
from core.storage.journal import Journal, JournalError


def save(journal_batch, path: Path, data: bytes) -> None:
    """What a writer does: record the prior bytes, replace the file, confirm."""
    prior = path.read_bytes() if path.exists() else None
    journal_batch.record(path, prior, data)
    write_atomic(path, data)
    journal_batch.written(path)


def make_files(root: Path, count: int) -> list[Path]:
    paths = []
    for i in range(count):
        path = root / f"a{i}.md"
        path.write_bytes(f"---\ntitle: Article {i}\r\n---\nbody {i}\n".encode())
        paths.append(path)
    return paths


def test_undo_restores_exact_prior_bytes(tmp_path: Path) -> None:
    paths = make_files(tmp_path, 3)
    before = {p: p.read_bytes() for p in paths}
    journal = Journal(tmp_path)
    batch = journal.begin("tag --add X")
    for p in paths:
        save(batch, p, p.read_bytes() + b"changed\n")
    batch_id = batch.close()
    assert batch_id is not None
    assert all(p.read_bytes() != before[p] for p in paths)

    report = journal.undo()
    assert report.batch_id == batch_id
    assert sorted(report.restored) == sorted(p.name for p in paths)
    assert report.changed_since == [] and report.failed == []
    assert {p: p.read_bytes() for p in paths} == before


def test_file_changed_after_batch_is_reported_not_restored(tmp_path: Path) -> None:
    a, b = make_files(tmp_path, 2)
    original_a = a.read_bytes()
    journal = Journal(tmp_path)
    batch = journal.begin("set draft=true")
    save(batch, a, b"A1\n")
    save(batch, b, b"B1\n")
    batch.close()
    b.write_bytes(b"B edited by a colleague\n")

    report = journal.undo()
    assert report.restored == ["a0.md"]
    assert report.changed_since == ["a1.md"]
    assert a.read_bytes() == original_a
    assert b.read_bytes() == b"B edited by a colleague\n"


def test_undo_is_a_batch_that_can_be_undone(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    original = a.read_bytes()
    journal = Journal(tmp_path)
    batch = journal.begin("first")
    save(batch, a, b"edited\n")
    first = batch.close()

    undo = journal.undo()
    assert a.read_bytes() == original
    listing = journal.list()
    assert [info.id for info in listing] == [undo.undo_batch_id, first]
    assert listing[0].undoes == first and listing[1].undone

    # Undoing the undo batch brings the edit back (a redo).
    redo = journal.undo(undo.undo_batch_id)
    assert redo.restored == ["a0.md"]
    assert a.read_bytes() == b"edited\n"
    listing = {info.id: info for info in journal.list()}
    assert not listing[first].undone and listing[undo.undo_batch_id].undone


def test_repeated_undo_walks_back_through_history(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    original = a.read_bytes()
    journal = Journal(tmp_path)
    for text in (b"one\n", b"two\n"):
        batch = journal.begin(text.decode().strip())
        save(batch, a, text)
        batch.close()
    journal.undo()
    assert a.read_bytes() == b"one\n"
    journal.undo()
    assert a.read_bytes() == original
    with pytest.raises(JournalError, match="nothing to undo"):
        journal.undo()


def test_created_file_is_deleted_by_undo(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    new = tmp_path / "new.md"
    batch = journal.begin("adopt")
    save(batch, new, b"---\ntitle: x\n---\n")
    batch.close()
    report = journal.undo()
    assert report.restored == ["new.md"]
    assert not new.exists()
    journal.undo(report.undo_batch_id)
    assert new.read_bytes() == b"---\ntitle: x\n---\n"


def test_nothing_written_gives_no_batch(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path)
    batch = journal.begin("dry")
    batch.record(a, a.read_bytes(), b"never written\n")
    assert batch.close() is None
    assert journal.list() == []
    assert list((tmp_path / ".copydesk" / "journal" / "batches").iterdir()) == []


def test_recorded_but_not_written_entries_are_dropped(tmp_path: Path) -> None:
    a, b = make_files(tmp_path, 2)
    journal = Journal(tmp_path)
    batch = journal.begin("partial")
    save(batch, a, b"A\n")
    batch.record(b, b.read_bytes(), b"B\n")  # the save of b was refused after recording
    batch.close()
    assert journal.list()[0].files == ("a0.md",)


def test_identical_prior_contents_are_stored_once(tmp_path: Path) -> None:
    paths = []
    for i in range(20):
        path = tmp_path / f"same{i}.md"
        path.write_bytes(b"---\ntitle: same\n---\n")
        paths.append(path)
    journal = Journal(tmp_path)
    batch = journal.begin("bulk")
    for p in paths:
        save(batch, p, b"---\ntitle: new\n---\n")
    batch.close()
    blobs = [p for p in (tmp_path / ".copydesk" / "journal" / "blobs").rglob("*") if p.is_file()]
    assert len(blobs) == 1


def test_journal_is_bounded_and_old_blobs_pruned(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path, keep=3)
    journal.blob_grace_seconds = 0  # no concurrent writer in this test
    journal.gc_every = 1  # sweep blobs at every prune
    ids = []
    for i in range(6):
        batch = journal.begin(f"edit {i}")
        save(batch, a, f"version {i}\n".encode())
        ids.append(batch.close())
    listing = journal.list()
    assert [info.id for info in listing] == list(reversed(ids[-3:]))
    blob_dir = tmp_path / ".copydesk" / "journal" / "blobs"
    stored = {p.read_bytes() for p in blob_dir.rglob("*") if p.is_file()}
    # Only the priors of the three kept batches (edits 3-5) remain: versions 2, 3, 4.
    assert stored == {f"version {i}\n".encode() for i in (2, 3, 4)}
    journal.undo()
    assert a.read_bytes() == b"version 4\n"
    # Undo batches count towards the bound too: the oldest edit left the journal.
    assert [info.label for info in journal.list()][1:] == ["edit 5", "edit 4"]


def test_blobs_of_pruned_batches_are_swept_in_batches_of_prunes(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path, keep=2)
    journal.blob_grace_seconds = 0
    journal.gc_every = 3
    blob_dir = tmp_path / ".copydesk" / "journal" / "blobs"

    def blobs() -> int:
        return sum(1 for p in blob_dir.rglob("*") if p.is_file())

    counts = []
    for i in range(7):
        batch = journal.begin(f"edit {i}")
        save(batch, a, f"version {i}\n".encode())
        batch.close()
        counts.append(blobs())
    # Batches 0..2 are pruned one by one (after edits 2, 3, 4); the sweep after the third
    # prune deletes their three blobs at once.
    assert counts == [1, 2, 3, 4, 2, 3, 4]
    assert len(journal.list()) == 2


def test_unknown_and_ambiguous_and_already_undone_ids(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path)
    batch = journal.begin("x")
    save(batch, a, b"x\n")
    batch_id = batch.close()
    with pytest.raises(JournalError, match="no batch 'zzz'"):
        journal.undo("zzz")
    journal.undo(batch_id[:10])  # a unique prefix is enough
    with pytest.raises(JournalError, match="already undone"):
        journal.undo(batch_id)


def test_manifest_is_json_and_gitignored(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path)
    batch = journal.begin("x")
    save(batch, a, b"x\n")
    batch_id = batch.close()
    (path,) = (tmp_path / ".copydesk/journal/batches").glob(f"*-{batch_id}.json")
    manifest = json.loads(path.read_text())
    assert manifest["label"] == "x" and manifest["entries"][0][0] == "a0.md"
    assert (tmp_path / ".copydesk" / ".gitignore").read_text() == "*\n"


def test_damaged_blob_is_reported_not_restored(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    journal = Journal(tmp_path)
    batch = journal.begin("x")
    save(batch, a, b"x\n")
    batch.close()
    for blob in (tmp_path / ".copydesk/journal/blobs").rglob("*"):
        if blob.is_file():
            blob.write_bytes(b"garbage")
    report = journal.undo()
    assert report.restored == []
    assert report.failed and "damaged" in report.failed[0][1]
    assert a.read_bytes() == b"x\n"


KILLED_WRITER = """
import os, sys
from pathlib import Path
from core.storage.files import write_atomic
from core.storage.journal import Journal
root = Path(sys.argv[1])
batch = Journal(root).begin("killed")
for name in ("a0.md", "a1.md"):
    path = root / name
    batch.record(path, path.read_bytes(), b"half-done\\n")
    write_atomic(path, b"half-done\\n")
    batch.written(path)
os._exit(9)  # dies before close()
"""


def test_batch_cut_short_by_a_crash_can_still_be_undone(tmp_path: Path) -> None:
    paths = make_files(tmp_path, 2)
    before = [p.read_bytes() for p in paths]
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], capture_output=True)
    assert proc.returncode == 9, proc.stderr.decode()
    journal = Journal(tmp_path)
    (info,) = journal.list()
    assert info.incomplete and info.label == "killed"
    report = journal.undo()
    assert sorted(report.restored) == ["a0.md", "a1.md"]
    assert [p.read_bytes() for p in paths] == before


def test_write_atomic_keeps_mode_and_refuses_symlinks(tmp_path: Path) -> None:
    target = tmp_path / "t.md"
    target.write_bytes(b"x")
    os.chmod(target, 0o640)
    write_atomic(target, b"y")
    assert target.read_bytes() == b"y" and (target.stat().st_mode & 0o777) == 0o640
    link = tmp_path / "link.md"
    link.symlink_to(target)
    with pytest.raises(OSError):
        write_atomic(link, b"z")
    assert target.read_bytes() == b"y"


def test_a_writer_killed_between_its_manifest_and_removing_its_log_lists_the_batch_once(tmp_path: Path) -> None:
    (a,) = make_files(tmp_path, 1)
    before = a.read_bytes()
    journal = Journal(tmp_path, keep=1)
    batch = journal.begin("x")
    save(batch, a, b"x\n")
    pending = next((tmp_path / ".copydesk/journal/batches").glob("*.pending"))
    log = pending.read_bytes()
    batch_id = batch.close()
    dead = log.replace(f'"pid": {os.getpid()}'.encode(), b'"pid": 999999999')
    assert dead != log
    pending.write_bytes(dead)  # the log of a writer killed before removing it
    assert [info.id for info in journal.list()] == [batch_id]
    journal.undo(batch_id)
    assert a.read_bytes() == before
    assert not list((tmp_path / ".copydesk/journal/batches").glob("*.pending"))  # cleaned by the undo's prune
