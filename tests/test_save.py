"""Safe saves on a real filesystem: conflicts, merges, refusals, locks, modes."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from core.config import Config, load_config
from core.document import load_article
from core.edit.ops import AddItem, RenameKey, SetValue
from core.storage.files import acquire_lock, lock_path, release_lock
from core.storage.save import plan_change, save_change, save_changes

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


def test_a_rename_conflicts_with_a_change_on_disk_to_its_new_name(tmp_path):
    path = write(tmp_path)
    change = plan_change(article(tmp_path, path), [RenameKey(("draft",), "hidden")])
    theirs = TEXT.replace("draft: false\n", "draft: false\nhidden: true\n")  # they add the new name
    path.write_text(theirs)
    result = save_change(change)
    assert result.status == "conflict"
    assert "field(s) we edit: hidden" in result.message
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
    from core.storage.journal import Journal

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
    from core.storage.files import LockBusy, _break_stale_lock

    path = write(tmp_path)
    lock = lock_path(path)
    lock.write_text(f"999999999 {socket.gethostname()} 0\n")  # stale: that process is gone
    judged = (lock.stat().st_ino, lock.read_bytes())
    # another process breaks it and takes the lock before we act on our judgement
    lock.unlink()
    lock.write_text(f"{os.getpid()} {socket.gethostname()} 0\n")
    folder = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(LockBusy):
            _break_stale_lock(folder, path.name, lock.name, judged)
    finally:
        os.close(folder)
    assert lock.read_text().startswith(f"{os.getpid()} ")  # the live lock is back in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [".a.md.copydesk-lock", "a.md"]


# -- batches --------------------------------------------------------------------------


def _folders_of_articles(root: Path, folders: int, per_folder: int) -> list[Path]:
    paths = []
    for f in range(folders):
        folder = root / f"2024/0{f + 1}"
        folder.mkdir(parents=True)
        for i in range(per_folder):
            path = folder / f"a{i}.md"
            text = TEXT.replace("Old title", f"Title {f}-{i}")
            if i % 3 == 1:
                text = text.replace("\n", "\r\n")  # CRLF files stay CRLF
            if i % 3 == 2:
                text = "\ufeff" + text
            path.write_bytes(text.encode())
            paths.append(path)
    return paths


def _left_over(root: Path) -> list[str]:
    """Files in the article folders that are not articles (locks, temps, owner files)."""
    return sorted(p.name for p in root.rglob("*") if p.is_file() and ".copydesk" not in p.parts and p.suffix != ".md")


def test_batch_results_follow_the_input_order_and_leave_nothing_behind(tmp_path):
    paths = _folders_of_articles(tmp_path, 3, 6)
    config = Config(root=tmp_path)
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in paths]
    changes[4] = plan_change(article(tmp_path, paths[4]), [SetValue(("draft",), False)])  # no change
    os.chmod(paths[7], 0o444)
    calls: list[tuple[int, int]] = []
    results = save_changes(changes, config=config, label="tag --add NEWS", progress=lambda d, n: calls.append((d, n)))
    assert [r.path for r in results] == paths
    expected = ["saved"] * len(paths)
    expected[4], expected[7] = "unchanged", "refused"
    assert [r.status for r in results] == expected
    assert "read-only" in results[7].message
    assert calls == [(i, len(paths)) for i in range(1, len(paths) + 1)]
    for i, path in enumerate(paths):
        text = path.read_bytes().decode()
        assert ("NEWS" in text) == (expected[i] == "saved")
    assert _left_over(tmp_path) == []


def test_batch_keeps_prior_versions_in_one_pack_and_undo_restores_every_byte(tmp_path):
    from core.storage.journal import Journal

    paths = _folders_of_articles(tmp_path, 4, 10)
    before = {p: p.read_bytes() for p in paths}
    config = Config(root=tmp_path)
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS"), SetValue(("draft",), True)]) for p in paths]
    results = save_changes(changes, config=config, label="bulk")
    assert {r.status for r in results} == {"saved"}
    blobs = [p for p in (tmp_path / ".copydesk/journal/blobs").rglob("*") if p.is_file()]
    assert [p.parent.name for p in blobs] == ["packs"]  # one pack file, no file per article
    assert blobs[0].stat().st_mode & 0o777 == 0o600
    report = Journal(tmp_path).undo()
    assert len(report.restored) == len(paths) and not report.failed
    assert {p: p.read_bytes() for p in paths} == before


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync-each"])
def test_batch_in_groups_saves_every_file_with_or_without_syncfs(tmp_path, monkeypatch, syncfs):
    import core.storage.files
    import core.storage.save
    from core.storage.journal import Journal

    if syncfs and not core.storage.files.can_sync_file_system():
        pytest.skip("this system has no syncfs that reports write-back errors (Linux 5.8 or later)")
    if not syncfs:
        monkeypatch.setattr(core.storage.files, "_SYNCFS", None)
    synced: list[int] = []
    real_sync = core.storage.save.sync_file_system
    monkeypatch.setattr(core.storage.save, "sync_file_system", lambda fd: (synced.append(fd), real_sync(fd)))
    monkeypatch.setattr(core.storage.save, "_GROUP_FILES", 4)  # several groups, one spanning two folders
    paths = _folders_of_articles(tmp_path, 3, 5)
    before = {p: p.read_bytes() for p in paths}
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in paths]
    results = save_changes(changes, config=Config(root=tmp_path), label="bulk")
    assert [r.status for r in results] == ["saved"] * len(paths)
    assert all(b"NEWS" in p.read_bytes() for p in paths)
    assert len(synced) == (5 if syncfs else 0)  # 4 groups of at most 4 files, then the folders
    assert _left_over(tmp_path) == []
    assert not Journal(tmp_path).undo().failed
    assert {p: p.read_bytes() for p in paths} == before


def test_a_group_that_cannot_be_made_durable_is_refused_untouched(tmp_path, monkeypatch):
    import errno

    import core.storage.save

    def failing(fd):
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(core.storage.save, "can_sync_file_system", lambda: True)
    monkeypatch.setattr(core.storage.save, "sync_file_system", failing)
    paths = _folders_of_articles(tmp_path, 2, 3)
    before = {p: p.read_bytes() for p in paths}
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in paths]
    results = save_changes(changes, config=Config(root=tmp_path), label="bulk")
    assert {r.status for r in results} == {"refused"}
    assert all("untouched" in r.message and os.strerror(errno.EIO) in r.message for r in results)
    assert {p: p.read_bytes() for p in paths} == before
    assert _left_over(tmp_path) == []  # no temp file, no lock


def test_journal_copy_already_kept_is_not_stored_again(tmp_path):
    from core.storage.journal import Journal

    paths = _folders_of_articles(tmp_path, 1, 4)
    config = Config(root=tmp_path)
    journal = Journal(tmp_path)

    def tag_all(tag: str) -> None:
        changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), tag)]) for p in paths]
        assert {r.status for r in save_changes(changes, config=config, label=tag)} == {"saved"}

    tag_all("ONE")
    with_one = {p: p.read_bytes() for p in paths}
    undo = journal.undo()  # keeps the versions with ONE as loose copies
    journal.undo(undo.undo_batch_id)  # and puts them back
    tag_all("TWO")
    packs = list((tmp_path / ".copydesk/journal/blobs/packs").iterdir())
    assert len(packs) == 1  # TWO's batch found every prior version kept already
    report = journal.undo()
    assert len(report.restored) == len(paths)
    assert {p: p.read_bytes() for p in paths} == with_one


def test_a_file_another_program_writes_during_a_batch_is_merged_or_reported(tmp_path, monkeypatch):
    import core.storage.save

    paths = _folders_of_articles(tmp_path, 1, 2)
    config = Config(root=tmp_path)
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in paths]
    first_theirs = paths[0].read_text().replace("Title 0-0", "Their title")  # another field: merged
    second_theirs = paths[1].read_bytes().decode().replace("ASIA", "EUROPE")  # the same field: conflict
    pending = {paths[0]: first_theirs, paths[1]: second_theirs}
    real_write_temp = core.storage.save.write_temp_in

    def editor_saves_meanwhile(where, name, data, mode, **kwargs):
        # An editor (no copydesk lock) writes the file after the batch read it, before the replace.
        path = where.path / name
        if path in pending:
            path.write_bytes(pending.pop(path).encode())
        return real_write_temp(where, name, data, mode, **kwargs)

    monkeypatch.setattr(core.storage.save, "write_temp_in", editor_saves_meanwhile)
    results = save_changes(changes, config=config, label="bulk")
    assert not pending
    assert [r.status for r in results] == ["merged", "conflict"]
    assert paths[0].read_text() == first_theirs.replace("  - ASIA\n", "  - ASIA\n  - NEWS\n")
    assert paths[1].read_bytes().decode() == second_theirs
    assert "tags" in results[1].message
    assert _left_over(tmp_path) == []


def test_the_same_file_twice_in_a_batch_is_saved_then_compared_again(tmp_path):
    (path,) = _folders_of_articles(tmp_path, 1, 1)
    loaded = article(tmp_path, path)
    changes = [plan_change(loaded, [AddItem(("tags",), "ONE")]), plan_change(loaded, [SetValue(("draft",), True)])]
    results = save_changes(changes, config=Config(root=tmp_path), label="twice")
    # the second change was planned against the version before the first: a merge
    assert [r.status for r in results] == ["saved", "merged"]
    meta = article(tmp_path, path).meta
    assert list(meta["tags"]) == ["ASIA", "ONE"] and meta["draft"] is True


def test_a_batch_lock_names_its_owner_and_is_refused_to_others(tmp_path):
    from core.storage.files import Folders, LockBusy

    path = write(tmp_path)
    owners = Folders()
    lock = acquire_lock(path, owners)
    assert lock.read_text().split()[0] == str(os.getpid())
    assert lock.stat().st_nlink == 2  # a link to the folder's owner file, not a new file
    with pytest.raises(LockBusy, match="locked by copydesk process"):
        acquire_lock(path)
    release_lock(lock)
    owners.close()
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_stale_temp_and_owner_files_are_cleaned_and_recent_ones_kept(tmp_path):
    path = write(tmp_path)
    stale = [tmp_path / ".copydesk-tmp-owner-1-2", tmp_path / ".b.md.copydesk-tmp-3-4"]
    recent = tmp_path / ".c.md.copydesk-tmp-5-6"
    for leftover in [*stale, recent]:
        leftover.write_text("x")
    an_hour_ago = os.stat(path).st_mtime - 3600
    for leftover in stale:
        os.utime(leftover, (an_hour_ago, an_hour_ago))
    change = plan_change(article(tmp_path, path), [SetValue(("title",), "New")])
    assert save_changes([change], config=Config(root=tmp_path), label="t")[0].status == "saved"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".copydesk") == [recent.name, "a.md"]


def test_a_journal_that_cannot_be_written_refuses_every_file_and_touches_none(tmp_path):
    paths = _folders_of_articles(tmp_path, 2, 2)
    before = {p: p.read_bytes() for p in paths}
    (tmp_path / ".copydesk").mkdir()
    (tmp_path / ".copydesk" / "journal").write_text("a file where the journal's folder goes")
    changes = [plan_change(article(tmp_path, p), [AddItem(("tags",), "NEWS")]) for p in paths]
    results = save_changes(changes, config=Config(root=tmp_path), label="bulk")
    assert [r.status for r in results] == ["refused"] * len(paths)
    assert all("cannot write the journal, file untouched" in r.message for r in results)
    assert {p: p.read_bytes() for p in paths} == before
    assert _left_over(tmp_path) == []


def test_a_file_rewritten_during_every_attempt_is_a_conflict_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    """Another program that rewrites the file between copydesk's locked read and its rename,
    again and again: after a few attempts the save is a conflict and nothing is written
    (it used to start over without end, until Python's recursion limit)."""
    import core.storage.save as save

    path = write(tmp_path)
    change = plan_change(load_article(path, load_config(tmp_path)), [SetValue(("title",), "New title")])
    checks = []

    def rewritten_meanwhile(where, name, read) -> bool:
        checks.append(name)
        return False

    monkeypatch.setattr(save, "_same_as_read", rewritten_meanwhile)
    result = save_change(change)
    assert result.status == "conflict" and "kept changing" in result.message
    assert len(checks) == 3
    assert path.read_text() == TEXT


def test_a_staged_text_rewrite_then_field_edits_save_and_a_changed_file_is_a_conflict(tmp_path: Path) -> None:
    # The terminal UI stages an adoption as a whole-text rewrite, then the fields the editor
    # fills: the save writes both; a file changed on disk meanwhile is never overwritten.
    from core.adopt import adopt_text
    from core.edit.ops import ReplaceText
    from core.schema import load_schema

    raw = "Ferry fares rise\n\nThe harbour ferry costs more from Monday.\n"
    path = tmp_path / "raw.txt"
    path.write_text(raw, encoding="utf-8")
    config = load_config(tmp_path)
    adoption = adopt_text(raw, load_schema(config))
    edits = (ReplaceText(raw, adoption.text, adoption.meta, "adopt"), SetValue(("lang",), "en"))
    change = plan_change(load_article(path, config), edits)
    assert save_change(change).status == "saved"
    saved = path.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(adoption.text.splitlines(), saved.splitlines(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0] == "lang: ''" and "en" in changed[0][1]

    path.write_text(raw, encoding="utf-8")
    article = load_article(path, config)
    change = plan_change(article, edits)
    path.write_text(raw + "A line a colleague added.\n", encoding="utf-8")
    result = save_change(change)
    assert result.status == "conflict" and "rewrites its text" in result.message
    assert path.read_text(encoding="utf-8") == raw + "A line a colleague added.\n"


def test_a_text_rewrite_is_refused_when_the_text_is_no_longer_the_one_it_was_made_from(tmp_path: Path) -> None:
    from core.edit.apply import EditRefused, apply_edits
    from core.edit.ops import ReplaceText

    edit = ReplaceText("old body\n", "---\ntitle: T\n---\nold body\n", {"title": "T"}, "adopt")
    assert apply_edits("old body\n", [edit]) == "---\ntitle: T\n---\nold body\n"
    with pytest.raises(EditRefused, match="changed since it was read"):
        apply_edits("another body\n", [edit])
