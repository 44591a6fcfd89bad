"""Undo and redo as an editor's: repeated undos go back, `undo --redo` goes forward again
until a new edit, the listing says what undid or redid what, and the journal's safety holds
(a file changed since is named and left alone; a redo cut short is finished by the next)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.storage.files import acquire_lock, release_lock
from core.storage.journal import Journal, JournalError

ARTICLE = "---\ntitle: A\n---\nbody\n"


def copydesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd, env=env)


def edit(journal: Journal, label: str, files: dict[Path, bytes]) -> str:
    """One batch writing ``files`` as a save does."""
    batch = journal.begin(label)
    for path, data in files.items():
        batch.record(path, path.read_bytes(), data)
        path.write_bytes(data)
        batch.written(path)
    batch_id = batch.close()
    assert batch_id
    return batch_id


@pytest.fixture
def desk(tmp_path: Path) -> tuple[Journal, Path]:
    (tmp_path / "copydesk.toml").write_text("")
    article = tmp_path / "a.md"
    article.write_text(ARTICLE)
    return Journal(tmp_path), article


def test_undo_goes_back_and_redo_forward_again_as_in_an_editor(desk: tuple[Journal, Path]) -> None:
    journal, a = desk
    first = edit(journal, "one", {a: b"one\n"})
    second = edit(journal, "two", {a: b"two\n"})
    assert journal.undo().batch_id == second and a.read_bytes() == b"one\n"
    assert journal.undo().batch_id == first and a.read_bytes() == ARTICLE.encode()
    with pytest.raises(JournalError, match=r"nothing to undo .*`copydesk undo --redo` redoes the last undo"):
        journal.undo()
    redo = journal.redo()
    assert (redo.redid, redo.label, a.read_bytes()) == (first, "one", b"one\n")
    # an undo right after a redo takes that edit back again
    assert journal.undo().batch_id == first and a.read_bytes() == ARTICLE.encode()
    assert journal.redo().redid == first
    assert journal.redo().redid == second and a.read_bytes() == b"two\n"
    with pytest.raises(JournalError, match="nothing to redo"):
        journal.redo()
    assert journal.undo().batch_id == second and a.read_bytes() == b"one\n"


def test_a_new_edit_ends_the_redos_but_an_undo_is_still_redone_by_its_edits_id(desk: tuple[Journal, Path]) -> None:
    journal, a = desk
    b = a.with_name("b.md")
    b.write_text(ARTICLE)
    first = edit(journal, "one", {a: b"one\n"})
    undo = journal.undo().undo_batch_id
    edit(journal, "other", {b: b"other\n"})
    with pytest.raises(JournalError, match=rf"written after the last undo, {undo}; `copydesk undo --redo {undo}`"):
        journal.redo()
    assert journal.redo(first).redid == first and a.read_bytes() == b"one\n"
    with pytest.raises(JournalError, match="is not undone"):
        journal.redo(first)


def test_a_redo_leaves_a_file_changed_since_the_undo_and_names_it(desk: tuple[Journal, Path]) -> None:
    journal, a = desk
    edit(journal, "one", {a: b"one\n"})
    journal.undo()
    a.write_bytes(b"a colleague's edit\n")
    report = journal.redo()
    assert report.changed_since == ["a.md"] and report.restored == []
    assert a.read_bytes() == b"a colleague's edit\n"


def test_a_redo_cut_short_is_finished_by_the_next_redo(desk: tuple[Journal, Path]) -> None:
    journal, a = desk
    b = a.with_name("b.md")
    b.write_text(ARTICLE)
    first = edit(journal, "both", {a: b"A\n", b: b"B\n"})
    journal.undo()
    lock = acquire_lock(b)  # a colleague's copydesk is saving that file
    try:
        cut = journal.redo()
    finally:
        release_lock(lock)
    assert cut.restored == ["a.md"] and [p for p, _ in cut.failed] == ["b.md"]
    again = journal.redo()  # the same undo again: its redo was not done
    assert again.redid == first and again.restored == ["b.md"] and again.already == ["a.md"]
    assert (a.read_bytes(), b.read_bytes()) == (b"A\n", b"B\n")
    assert journal.undo().batch_id == first and a.read_bytes() == b.read_bytes() == ARTICLE.encode()


def test_the_command_line_offers_the_redo_and_lists_who_undid_what(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\ntags:\n  - X\n---\nbody\n")
    assert copydesk("tag", ".", "--add", "Y", "--new-tag", cwd=tmp_path).returncode == 0
    undo = copydesk("undo", cwd=tmp_path)
    assert undo.returncode == 0, undo.stderr
    assert "undid batch" in undo.stderr and "`copydesk undo --redo` redoes it" in undo.stderr
    nothing = copydesk("undo", cwd=tmp_path)
    assert nothing.returncode == 1 and "`copydesk undo --redo` redoes the last undo" in nothing.stderr
    redo = copydesk("undo", "--redo", cwd=tmp_path)
    assert redo.returncode == 0, redo.stderr
    assert "redid batch" in redo.stderr and "(tag --add Y)" in redo.stderr
    assert "  - 'Y'\n" in (tmp_path / "a.md").read_text()

    rows = json.loads(copydesk("undo", "--list", "--format", "json", cwd=tmp_path).stdout)
    redo_row, undo_row, edit_row = rows
    assert (redo_row["redo"], redo_row["origin"]) == (True, edit_row["id"])
    assert (undo_row["redo"], undo_row["origin"], undo_row["undone_by"]) == (False, edit_row["id"], redo_row["id"])
    assert redo_row["label"] == f"redo {edit_row['id']} (tag --add Y)"
    text = copydesk("undo", "--list", cwd=tmp_path).stdout.splitlines()
    assert f"redo of {edit_row['id']}" in text[1]
    assert f"undo of {edit_row['id']}, redone by {redo_row['id']}" in text[2]
    assert text[3].split()[3:] == ["tag", "--add", "Y"]  # in place again: no state

    assert copydesk("undo", cwd=tmp_path).returncode == 0
    text = copydesk("undo", "--list", cwd=tmp_path).stdout.splitlines()
    newest = json.loads(copydesk("undo", "--list", "--format", "json", cwd=tmp_path).stdout)[0]["id"]
    assert f"undone by {newest}" in text[-1]


def test_a_journal_redone_the_old_way_reads_the_same(desk: tuple[Journal, Path]) -> None:
    """Before `--redo`, a redo was `copydesk undo <undo id>`: such a journal is listed and
    continued alike (the format on disk did not change)."""
    journal, a = desk
    first = edit(journal, "one", {a: b"one\n"})
    undo = journal.undo().undo_batch_id
    old_redo = journal.undo(undo)
    assert old_redo.redid == first and a.read_bytes() == b"one\n"
    listed = {b.id: b for b in journal.list()}
    assert listed[old_redo.undo_batch_id].redo and listed[old_redo.undo_batch_id].origin == first
    assert listed[undo].undone_by == old_redo.undo_batch_id
    assert journal.undo().batch_id == first
