"""Safe saves on a real filesystem: conflicts, merges, refusals, locks, modes."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from core.config import Config
from core.document import load_article
from core.edit_ops import AddItem, SetValue
from core.save import acquire_lock, lock_path, plan_change, release_lock, save_change, save_changes

TEXT = "---\ntitle: Old title\ntags:\n  - ASIA\ndraft: false\n---\nBody.\n"


def write(tmp_path: Path, name: str = "a.md", text: str = TEXT) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def article(tmp_path: Path, path: Path):
    return load_article(path, Config(root=tmp_path))


def test_save_writes_only_the_edit_and_keeps_the_mode(tmp_path):
    path = write(tmp_path)
    os.chmod(path, 0o640)
    result = save_change(plan_change(article(tmp_path, path), [AddItem(("tags",), "NEWS")]))
    assert result.status == "saved"
    assert path.read_text() == TEXT.replace("  - ASIA\n", "  - ASIA\n  - NEWS\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not lock_path(path).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]  # no temp or lock file left


def test_no_op_edit_does_not_touch_the_file(tmp_path):
    path = write(tmp_path)
    before = path.stat().st_mtime_ns
    result = save_change(plan_change(article(tmp_path, path), [SetValue(("draft",), False)]))
    assert result.status == "unchanged"
    assert path.stat().st_mtime_ns == before


def test_change_in_another_field_on_disk_is_merged(tmp_path):
    path = write(tmp_path)
    loaded = article(tmp_path, path)
    change = plan_change(loaded, [AddItem(("tags",), "NEWS")])
    path.write_text(TEXT.replace("Old title", "Colleague's title"))  # a colleague saves first
    result = save_change(change)
    assert result.status == "merged"
    assert path.read_text() == TEXT.replace("Old title", "Colleague's title").replace("  - ASIA\n", "  - ASIA\n  - NEWS\n")


def test_change_in_the_same_field_on_disk_is_a_conflict_and_nothing_is_written(tmp_path):
    path = write(tmp_path)
    loaded = article(tmp_path, path)
    change = plan_change(loaded, [SetValue(("title",), "Our title")])
    theirs = TEXT.replace("Old title", "Their title")
    path.write_text(theirs)
    result = save_change(change)
    assert result.status == "conflict"
    assert "title" in result.message
    assert "-title: Their title" in result.diff and "+title: Our title" in result.diff
    assert path.read_text() == theirs


def test_same_size_edit_with_restored_mtime_is_still_detected(tmp_path):
    path = write(tmp_path)
    loaded = article(tmp_path, path)
    change = plan_change(loaded, [SetValue(("title",), "Our title")])
    info = path.stat()
    path.write_text(TEXT.replace("Old title", "Odd title"))  # same size
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert save_change(change).status == "conflict"


def test_overwrite_after_a_conflict_is_an_explicit_choice(tmp_path):
    path = write(tmp_path)
    change = plan_change(article(tmp_path, path), [SetValue(("title",), "Our title")])
    path.write_text(TEXT.replace("Old title", "Their title"))
    result = save_changes([change], config=Config(root=tmp_path), label="test", overwrite=frozenset({path}))
    assert result[0].status == "saved"
    assert "title: Our title" in path.read_text()


def test_read_only_file_is_refused(tmp_path):
    path = write(tmp_path)
    change = plan_change(article(tmp_path, path), [SetValue(("title",), "New")])
    os.chmod(path, 0o444)
    result = save_change(change)
    assert result.status == "refused" and "read-only" in result.message
    assert path.read_text() == TEXT


def test_symlink_is_never_written_through(tmp_path):
    target = write(tmp_path, "real.md")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    change = plan_change(article(tmp_path, target), [SetValue(("title",), "New")])
    object.__setattr__(change.article, "path", link)
    result = save_change(change)
    assert result.status == "refused" and "symbolic link" in result.message
    assert target.read_text() == TEXT


def test_a_live_lock_refuses_and_a_stale_lock_is_cleaned(tmp_path):
    path = write(tmp_path)
    change = plan_change(article(tmp_path, path), [SetValue(("title",), "New")])
    lock = acquire_lock(path)
    result = save_change(change)
    assert result.status == "refused" and "locked by copydesk process" in result.message
    release_lock(lock)
    # a lock left by a process that died on this host is stale
    lock_path(path).write_text(f"999999999 {socket.gethostname()} 0\n")
    assert save_change(change).status == "saved"
    assert not lock_path(path).exists()


def test_batch_goes_to_the_journal_and_fsyncs(tmp_path):
    a, b = write(tmp_path, "a.md"), write(tmp_path, "b.md")
    config = Config(root=tmp_path)
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in (a, b)]
    results = save_changes(changes, config=config, label="tag --add NEWS")
    assert [r.status for r in results] == ["saved", "saved"]
    from core.journal import Journal

    batches = Journal(tmp_path).list()
    assert batches and batches[0].label == "tag --add NEWS"
    Journal(tmp_path).undo()
    assert a.read_text() == TEXT and b.read_text() == TEXT


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_folder_is_refused(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = write(folder)
    change = plan_change(load_article(path, Config(root=folder)), [SetValue(("title",), "New")])
    os.chmod(folder, 0o555)
    try:
        assert save_change(change).status == "refused"
    finally:
        os.chmod(folder, 0o755)


def test_same_field_changed_between_loading_and_planning_is_a_conflict(tmp_path):
    path = write(tmp_path)
    loaded = article(tmp_path, path)  # the editor decides on this version
    theirs = TEXT.replace("Old title", "Their title")
    path.write_text(theirs)  # a colleague saves before we even plan
    result = save_change(plan_change(loaded, [SetValue(("title",), "Our title")]))
    assert result.status == "conflict"
    assert path.read_text() == theirs


def test_breaking_a_stale_lock_never_removes_a_lock_taken_meanwhile(tmp_path):
    from core.save import LockBusy, _break_stale_lock

    path = write(tmp_path)
    lock = lock_path(path)
    lock.write_text(f"999999999 {socket.gethostname()} 0\n")  # stale: that process is gone
    judged = (lock.stat().st_ino, lock.read_bytes())
    # another process breaks it and takes the lock before we act on our judgement
    lock.unlink()
    lock.write_text(f"{os.getpid()} {socket.gethostname()} 0\n")
    with pytest.raises(LockBusy):
        _break_stale_lock(path, lock, judged)
    assert lock.read_text().startswith(f"{os.getpid()} ")  # the live lock is back in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.md.copydesk-lock", "a.md"]
