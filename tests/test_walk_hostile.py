"""6. A sub-folder copydesk cannot list (no permission; a path longer than the system allows)
is a problem (CD107) on the folder in every view, never skipped in silence.

Permissions deny nothing to root, so that case runs copydesk in a child process that drops
the privilege: as uid 65534 when the interpreter is reachable by it, else as root without the
capabilities that bypass permissions (``setpriv``)."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.document import load_corpus
from tests.test_tui_support import article_text, make_app, settle
from tui.model import Row

REPO = Path(__file__).resolve().parent.parent
GOOD = article_text("Port strike ends", ["PORTS"])
BROKEN = "---\ntitle: [unclosed\n---\nBody.\n"
REASON = "folder cannot be listed ({}): the articles in it are not checked"


@functools.cache
def _unprivileged() -> tuple[list[str], dict[str, object]] | None:
    """How to run a child that permissions apply to: (command prefix, subprocess options)."""
    if os.geteuid() != 0:
        return [], {}
    nobody: dict[str, object] = {"user": 65534, "group": 65534, "extra_groups": []}
    try:
        probe = subprocess.run([sys.executable, "-c", "import core.cli.main"], cwd=REPO, capture_output=True, **nobody)  # type: ignore[call-overload]
    except OSError:  # the interpreter lies in a folder that user may not enter
        probe = None
    if probe is not None and probe.returncode == 0:
        return [], nobody
    if shutil.which("setpriv"):
        return ["setpriv", "--bounding-set=-dac_override,-dac_read_search"], {}
    return None


@pytest.fixture
def shared_tree() -> Iterator[Path]:
    """A folder every user may read and write (outside pytest's private temp folder)."""
    top = Path(tempfile.mkdtemp(prefix="copydesk-walk-"))
    os.chmod(top, 0o777)
    try:
        yield top
    finally:
        for folder, dirs, _ in os.walk(top):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o755)
        shutil.rmtree(top)


def copydesk_unprivileged(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess[str]:
    how = _unprivileged()
    if how is None:
        pytest.skip("no way to run a child that permissions apply to (not root's uid 65534, no setpriv)")
    prefix, options = how
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "HOME": str(cache)}
    return subprocess.run([*prefix, sys.executable, "-m", "core.cli.main", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, **options)  # type: ignore[call-overload]


def folder_with_a_locked_sub_folder(top: Path) -> Path:
    root = top / "news"
    (root / "ok").mkdir(parents=True)
    (root / "locked").mkdir()
    (root / "copydesk.toml").write_text("")
    (root / "ok" / "a.md").write_text(GOOD)
    (root / "locked" / "bad.md").write_text(BROKEN)
    (top / "cache").mkdir()
    for folder, _, files in os.walk(top):
        os.chmod(folder, 0o777)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o666)
    os.chmod(root / "locked", 0)
    return root


def test_6_check_reports_a_folder_it_may_not_list_and_fails_every_run(shared_tree):
    root = folder_with_a_locked_sub_folder(shared_tree)
    cache = shared_tree / "cache"
    for _ in range(2):  # the second run reads the index the first one wrote
        result = copydesk_unprivileged("check", ".", cwd=root, cache=cache)
        assert result.returncode == 1, result.stdout + result.stderr
        assert f"locked:1:1: CD107 {REASON.format('Permission denied')}" in result.stdout
        assert "All checks passed" not in result.stdout
        assert (root / ".copydesk" / "index").is_dir()
    as_json = json.loads(copydesk_unprivileged("check", ".", "--format", "json", cwd=root, cache=cache).stdout)
    assert {"path": "locked", "code": "CD107"}.items() <= as_json[0].items()
    github = copydesk_unprivileged("check", ".", "--format", "github", cwd=root, cache=cache).stdout
    assert "::error file=locked,line=1,col=1,title=CD107::folder cannot be listed" in github
    listed = copydesk_unprivileged("list", ".", "--format", "json", cwd=root, cache=cache)
    rows = {row["path"]: row for row in json.loads(listed.stdout)}
    assert set(rows) == {"locked", "ok/a.md"}
    assert rows["locked"]["kind"] == "unreadable"
    tags = copydesk_unprivileged("tags", ".", cwd=root, cache=cache)
    assert "1 file or folder could not be read" in tags.stderr
    adopt = copydesk_unprivileged("adopt", ".", "--dry-run", cwd=root, cache=cache)
    assert "locked: refused (folder cannot be listed" in adopt.stderr and adopt.returncode == 1
    assert "already had front matter" in adopt.stderr and "2 files already" not in adopt.stderr


def too_long_folder(root: Path) -> str:
    """Nest folders under ``root`` until their path is longer than the system allows, with a
    broken article at the bottom; the relative path of the first folder too long to list."""
    limit = os.pathconf(root, "PC_PATH_MAX")
    name = "f" * 200
    depth = (limit - len(str(root))) // (len(name) + 1) + 2
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            inner = os.open(name, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
        article = os.open("bad.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(article, BROKEN.encode())
        os.close(article)
    finally:
        os.close(fd)
    parts = [name] * depth
    first = next(n for n in range(1, depth + 1) if len(os.path.join(root, *parts[:n])) >= limit)
    return "/".join(parts[:first])


def test_6_check_reports_a_folder_whose_path_is_too_long_and_fails_every_run(tmp_path):
    root = tmp_path / "news"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    (root / "a.md").write_text(GOOD)
    long_folder = too_long_folder(root)
    for _ in range(2):
        result = subprocess.run([sys.executable, "-m", "core.cli.main", "check", str(root), "--format", "json"],
                                cwd=REPO, capture_output=True, text=True, timeout=120)
        assert result.returncode == 1, result.stderr
        (problem,) = json.loads(result.stdout)
        assert problem["code"] == "CD107"
        assert problem["path"].endswith(long_folder)
        assert problem["message"] == REASON.format("File name too long")
    # The loader's own walk (load_corpus: set, tag, adopt) lists it the same way.
    (folder,) = [a for a in load_corpus([root]).articles if a.kind == "unreadable"]
    assert folder.relpath == long_folder
    assert folder.problems[0].message == REASON.format("File name too long")


async def test_6_the_tui_lists_a_folder_it_cannot_list_as_a_row_with_its_problem(tmp_path):
    root = tmp_path / "news"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    (root / "a.md").write_text(GOOD)
    long_folder = too_long_folder(root)
    app = make_app(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        ws = app.main_screen.ws
        (index,) = [i for i, a in enumerate(ws.articles) if a.relpath == long_folder]
        assert Row._make(ws.rows[index]).status == "broken"
        assert index in ws.visible
        assert [p.code for p in ws.articles[index].problems] == ["CD107"]
        assert REASON.format("File name too long") in ws.articles[index].problems[0].message


@pytest.mark.parametrize("command", [["check"], ["list"], ["tags"], ["set", "draft=true"], ["adopt"], ["undo", "--list"]],
                         ids=" ".join)
def test_a_path_given_inside_a_folder_that_cannot_be_searched_is_a_clear_error(shared_tree: Path, command: list[str]) -> None:
    """`copydesk check news/locked` (a folder it may not search) ends with a message naming
    the folder and the reason, exit 2, not a traceback; a file under it is not called
    missing."""
    root = folder_with_a_locked_sub_folder(shared_tree)
    os.chmod(root / "locked", 0)
    for target in ("news/locked", "news/locked/bad.md"):
        proc = copydesk_unprivileged(command[0], target, *command[1:], cwd=shared_tree, cache=shared_tree / "cache")
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
        assert "Permission denied" in proc.stderr and "no such file" not in proc.stderr, proc.stderr
