"""Saves in a hostile shared folder: a sub-folder swapped for a link after loading, a full
disk, and what killed saves leave behind. Real files, real links, a real small disk (a tmpfs
mounted as root; where mounting is not allowed, the disk's refusals are injected)."""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import core.storage.files
import core.storage.journal
import core.storage.save
from core.cli.main import main as copydesk
from core.config import load_config
from core.document import load_corpus
from core.edit.ops import AddItem, SetValue
from core.storage.files import lock_path
from core.storage.save import plan_change, save_change, save_changes

ARTICLE = "---\ntitle: Port strike ends\ntags:\n  - LABOUR\ndraft: false\n---\nBody.\n"
REPO = Path(__file__).resolve().parent.parent


def listing(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def dot_files(folder: Path) -> list[str]:
    """copydesk's lock, temp and owner files (and anything hidden) beside the articles."""
    return sorted(p.name for p in folder.rglob(".*") if ".copydesk" not in p.relative_to(folder).parts[:1])


# -- 5. a folder swapped for a symbolic link between loading and saving --------------------


def corpus_with_folder(tmp_path: Path, folder: str) -> tuple[Path, Path]:
    """A corpus with ``folder/a.md`` and, outside it, a folder holding the same file (what
    a save through a link would find and overwrite)."""
    root = tmp_path / "news"
    (root / folder).mkdir(parents=True)
    (root / "copydesk.toml").write_text("")
    (root / folder / "a.md").write_text(ARTICLE)
    (root / "top.md").write_text(ARTICLE)
    outside = tmp_path / "outside"
    (outside / folder).mkdir(parents=True)
    (outside / folder / "a.md").write_text(ARTICLE)
    return root, outside


def swap_for_link(root: Path, outside: Path, component: str) -> None:
    """Replace folder ``component`` of the corpus by a link to the same place outside."""
    moved = root / component
    moved.rename(moved.with_name(moved.name + "-moved"))
    moved.symlink_to(outside / component, target_is_directory=True)


@pytest.mark.parametrize("component", ["2024", "2024/05"])
def test_5_a_folder_swapped_for_a_link_after_loading_is_refused_and_nothing_written_outside(tmp_path, component):
    root, outside = corpus_with_folder(tmp_path, "2024/05")
    corpus = load_corpus([root])
    article = next(a for a in corpus.articles if a.relpath == "2024/05/a.md")
    change = plan_change(article, [SetValue(("title",), "Ours")])
    before = listing(outside)
    swap_for_link(root, outside, component)

    one = save_change(change)
    batch = save_changes([change], config=corpus.config, label="t")[0]

    for result in (one, batch):
        assert result.status == "refused"
        assert result.path == article.path
        assert f"the folder {component} is now a symbolic link (to {outside / component})" in result.message
    assert listing(outside) == before  # no article, lock, owner or temp file written there


def test_5_set_refuses_a_folder_swapped_for_a_link_while_it_runs(tmp_path, monkeypatch, capsys):
    root, outside = corpus_with_folder(tmp_path, "sub")
    before = listing(outside)
    real_save_changes = core.storage.save.save_changes

    def swapped_after_loading(changes, **kwargs):
        swap_for_link(root, outside, "sub")
        return real_save_changes(changes, **kwargs)

    monkeypatch.setattr(core.storage.save, "save_changes", swapped_after_loading)
    monkeypatch.chdir(root)
    code = copydesk(["set", ".", "title=Ours"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"sub/a.md: refused (the folder sub is now a symbolic link (to {outside / 'sub'})" in out
    assert "top.md: changed" in out  # the rest of the batch is saved
    assert listing(outside) == before


def test_5_a_batch_over_more_folders_than_it_keeps_open_saves_all_and_closes_them(tmp_path, monkeypatch):
    monkeypatch.setattr(core.storage.files, "_OPEN_FOLDERS", 4)
    root = tmp_path / "news"
    for folder in range(12):
        (root / f"f{folder}").mkdir(parents=True)
        for name in ("a.md", "b.md", "c.md"):
            (root / f"f{folder}" / name).write_text(ARTICLE)
    (root / "copydesk.toml").write_text("")
    corpus = load_corpus([root])
    open_before = len(os.listdir("/proc/self/fd"))
    results = save_changes([plan_change(a, [AddItem(("tags",), "PORTS")]) for a in corpus.articles], config=corpus.config, label="t")
    assert [r.status for r in results] == ["saved"] * 36
    assert all("PORTS" in a.path.read_text() for a in corpus.articles)
    assert dot_files(root) == []
    assert len(os.listdir("/proc/self/fd")) == open_before


# -- 7 and 8. a full disk ------------------------------------------------------------------


class SmallDisk:
    """A folder on a small file system that :meth:`fill` makes full."""

    def __init__(self, folder: Path, mounted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.mounted = mounted
        self.monkeypatch = monkeypatch

    def fill(self) -> None:
        if self.mounted:
            fd = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                while True:
                    os.write(fd, b"x" * 65536)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
            try:
                while True:
                    os.write(fd, b"x")
            except OSError:
                pass
            finally:
                os.close(fd)
            return
        # No tmpfs here: every write copydesk makes fails the way a full disk fails it.
        def no_space(*args: object, **kwargs: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        self.monkeypatch.setattr(core.storage.files, "write_all", no_space)
        self.monkeypatch.setattr(core.storage.journal.BatchWriter, "keep", no_space)
        self.monkeypatch.setattr(core.storage.journal.BatchWriter, "_close", no_space)


@pytest.fixture
def small_disk(tmp_path, monkeypatch):
    folder = tmp_path / "disk"
    folder.mkdir()
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True)
    try:
        yield SmallDisk(folder, mount.returncode == 0, monkeypatch)
    finally:
        if mount.returncode == 0:
            subprocess.run(["umount", "-l", str(folder)], check=True)


def many_articles(root: Path, count: int) -> Path:
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    for i in range(count):
        (root / f"a{i:03}.md").write_text(ARTICLE.replace("Port strike ends", f"Story {i}"))
    return root


def test_7_a_batch_that_fills_the_disk_reports_each_file_and_returns(small_disk, monkeypatch):
    # temp files made durable 8 at a time: the disk fills between two groups
    monkeypatch.setattr(core.storage.save, "_GROUP_FILES", 8)
    root = many_articles(small_disk.folder / "news", 120)
    corpus = load_corpus([root])
    changes = [plan_change(a, [AddItem(("tags",), "PORTS")]) for a in corpus.articles]

    def progress(done: int, total: int) -> None:
        if done == 15:
            small_disk.fill()

    results = save_changes(changes, config=corpus.config, label="t", progress=progress)  # never raises

    written = {c.path for c in changes if "PORTS" in c.path.read_text()}
    assert 15 <= len(written) < len(changes)
    assert {r.path for r in results if r.ok} == written
    for result in results:
        if not result.ok:
            assert result.status == "refused" and "No space left on device" in result.message
            assert "untouched" in result.message
    assert dot_files(root) == []


def test_8_a_batch_on_a_full_disk_leaves_no_empty_lock_owner_or_temp_files(small_disk):
    root = many_articles(small_disk.folder / "news", 5)
    corpus = load_corpus([root])
    changes = [plan_change(a, [SetValue(("title",), "Ours")]) for a in corpus.articles]
    before = listing(root)
    small_disk.fill()
    results = save_changes(changes, config=corpus.config, label="t")
    assert {r.status for r in results} == {"refused"}
    assert all("No space left on device" in r.message for r in results)
    assert dot_files(root) == []
    assert {k: v for k, v in listing(root).items() if not k.startswith(".copydesk")} == before


# -- 8. what killed saves leave ------------------------------------------------------------

KILLED_MID_BATCH = """
import os, signal, sys
from pathlib import Path
from core.document import load_corpus
from core.edit.ops import SetValue
from core.storage.save import plan_change, save_changes
corpus = load_corpus([Path(sys.argv[1])])
article = next(a for a in corpus.articles if a.path.name == "a000.md")
def killed(*args, **kwargs):  # the moment the batch replaces the article: locked, temp written
    os.kill(os.getpid(), signal.SIGKILL)
os.replace = killed
save_changes([plan_change(article, [SetValue(("draft",), True)])], config=corpus.config, label="killed")
"""


def test_8_locks_owner_and_temp_files_of_a_killed_save_are_removed_by_the_next_save(tmp_path):
    root = many_articles(tmp_path / "news", 2)
    a, b = root / "a000.md", root / "a001.md"
    child = subprocess.run([sys.executable, "-c", KILLED_MID_BATCH, str(root)], cwd=REPO, capture_output=True)
    assert child.returncode == -signal.SIGKILL, child.stderr
    left = dot_files(root)
    assert lock_path(a).name in left and len(left) == 3  # the lock, the owner file, the temp file

    corpus = load_corpus([root])
    other = next(x for x in corpus.articles if x.path == b)
    assert save_change(plan_change(other, [SetValue(("draft",), True)])).status == "saved"
    assert dot_files(root) == []  # the next save in the folder removed them (not in 10 minutes)
    edited = next(x for x in corpus.articles if x.path == a)
    assert save_change(plan_change(edited, [SetValue(("draft",), True)])).status == "saved"


def test_8_an_empty_lock_left_by_a_full_disk_is_stale_after_a_few_seconds(tmp_path):
    root = many_articles(tmp_path / "news", 1)
    path = root / "a000.md"
    lock = lock_path(path)
    lock.write_bytes(b"")  # created, never filled: the disk was full or the process killed
    a_minute_ago = time.time() - 60
    os.utime(lock, (a_minute_ago, a_minute_ago))
    article = load_corpus([root]).articles[0]
    result = save_changes([plan_change(article, [SetValue(("draft",), True)])], config=load_config(root), label="t")[0]
    assert result.status == "saved", result.message
    assert dot_files(root) == []


def test_8_a_fresh_empty_lock_and_a_live_process_lock_are_respected(tmp_path):
    root = many_articles(tmp_path / "news", 2)
    first, second = root / "a000.md", root / "a001.md"
    lock_path(first).write_bytes(b"")  # being filled right now
    lock_path(second).write_text(f"{os.getpid()} {socket.gethostname()} {time.time():.0f}\n")
    articles = load_corpus([root]).articles
    results = save_changes([plan_change(a, [SetValue(("draft",), True)]) for a in articles], config=load_config(root), label="t")
    assert [r.status for r in results] == ["refused", "refused"]
    assert "locked by another copydesk process" in results[0].message
    assert f"locked by copydesk process {os.getpid()}" in results[1].message
    assert lock_path(first).exists() and lock_path(second).exists()


SAVE_ONE = """
import sys
from pathlib import Path
from core.document import load_corpus
from core.edit.ops import SetValue
from core.storage.save import plan_change, save_change
article = load_corpus([Path(sys.argv[1])]).articles[0]
result = save_change(plan_change(article, [SetValue(("draft",), True)]))
print(result.status, result.message)
"""


def test_8_a_fifo_put_as_a_lock_does_not_block_a_save(tmp_path):
    root = many_articles(tmp_path / "news", 1)
    os.mkfifo(lock_path(root / "a000.md"))
    # In a child with a timeout: reading the FIFO as a lock would block for ever.
    child = subprocess.run([sys.executable, "-c", SAVE_ONE, str(root)], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert child.stdout.startswith("refused locked"), child.stderr


async def test_7_a_tui_save_that_fills_the_disk_accounts_for_every_file_and_keeps_the_rest_staged(small_disk, monkeypatch):
    from tests.test_tui_support import article_text, make_app, settle
    from tui.screens.diff import ConflictScreen

    monkeypatch.setattr(core.storage.save, "_GROUP_FILES", 8)  # the disk fills between two groups
    root = small_disk.folder / "news"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    paths = [root / f"a{i:02}.md" for i in range(80)]
    for i, path in enumerate(paths):
        path.write_text(article_text(f"Story {i}", ["ASIA"]))
    real_save_changes = core.storage.save.save_changes

    def disk_fills_after_15(changes, **kwargs):
        progress = kwargs["progress"]

        def fill_at_15(done: int, total: int) -> None:
            if done == 15:
                small_disk.fill()
            progress(done, total)

        return real_save_changes(changes, **{**kwargs, "progress": fill_at_15})

    monkeypatch.setattr(core.storage.save, "save_changes", disk_fills_after_15)
    app = make_app(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "t")  # mark every row, add a tag to them
        await pilot.pause()
        await pilot.press(*"ports", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        written = [p for p in paths if "PORTS" in p.read_text()]
        assert 15 <= len(written) < len(paths)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)  # not "save failed, nothing lost"
        counts = f"save: {len(written)} saved, {len(paths) - len(written)} refused"
        # The disk may be too full for the journal's last record too: then the title says so.
        assert dialog.outcome == counts or dialog.outcome.startswith(f"{counts}, the journal could not finish its record")
        assert sorted(t.path for t in dialog.troubles) == sorted(set(paths) - set(written))
        assert all("No space left on device" in t.message and "untouched" in t.message for t in dialog.troubles)
        await pilot.press("escape")  # skip: the rest stay staged
        await settle(pilot, app)
        screen = app.main_screen
        ws = screen.ws
        assert sorted(ws.articles[i].path for i in ws.staged) == sorted(set(paths) - set(written))
        screen._watch_worker()  # what the folder watcher finds: none of our own writes
        await settle(pilot, app)
        assert screen.outside_changes == []
        assert ws.changed_on_disk() == []


# -- 7. a read-only file system ---------------------------------------------------------------


def mount_tmpfs(folder: Path, size: str) -> None:
    """A small tmpfs on ``folder`` (the caller unmounts it). CI runs as root, where mounting
    works: there a failure fails the test; elsewhere it is skipped with the reason."""
    mount = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    if mount.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root, where a tmpfs can be mounted: {mount.stderr.decode()}")
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mount.stderr.decode().strip()}")


def test_7_a_read_only_file_system_is_named_as_such_and_nothing_is_written(tmp_path, capsys):
    """On a file system mounted read-only, every file is refused as on a read-only file
    system (not as a "read-only file", which sends the user to chmod), with no traceback."""
    folder = tmp_path / "disk"
    folder.mkdir()
    mount_tmpfs(folder, "4m")
    try:
        root = many_articles(folder / "news", 3)
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        before = listing(root)
        code = copydesk(["set", str(root), "title=Ours"])
        out, err = capsys.readouterr()
        assert code == 1
        assert out.count("file system is mounted read-only") == 3, out
        assert "read-only file (" not in out and "Traceback" not in err
        assert listing(root) == before
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


async def test_7_a_tui_save_whose_journal_cannot_be_finished_says_so(tmp_path):
    """The files are written but the journal's record of them cannot be finished (its
    folder is full): the save's toast says so, as a warning, instead of a plain success."""
    from tests.test_tui_support import article_text, make_app, settle

    root = tmp_path / "news"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    paths = [root / f"a{i}.md" for i in range(3)]
    for i, path in enumerate(paths):
        path.write_text(article_text(f"Story {i}", ["ASIA"]))
    batches = root / ".copydesk" / "journal" / "batches"
    batches.mkdir(parents=True)
    mount_tmpfs(batches, "64k")
    try:
        app = make_app(root)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot, app)
            await pilot.press("a", "t")
            await pilot.pause()
            await pilot.press(*"ports", "enter")
            await settle(pilot, app)
            # The log of the batch is created as the save starts; the manifest comes last.
            real_close = core.storage.journal.BatchWriter.close

            def close_on_a_full_disk(self):  # the disk fills up just before the manifest
                fill = os.open(batches / ".filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
                try:
                    while True:
                        os.write(fill, b"x" * 4096)
                except OSError:
                    pass
                finally:
                    os.close(fill)
                return real_close(self)

            core.storage.journal.BatchWriter.close = close_on_a_full_disk
            try:
                await pilot.press("ctrl+s")
                await settle(pilot, app)
            finally:
                core.storage.journal.BatchWriter.close = real_close
            assert all("PORTS" in p.read_text() for p in paths)
            toast = list(app._notifications)[-1]
            assert toast.severity == "warning", toast.message
            assert "3 saved" in toast.message and "could not finish its record" in toast.message
    finally:
        subprocess.run(["umount", "-l", str(batches)], check=True)
