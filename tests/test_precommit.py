"""The pre-commit hook (``.pre-commit-hooks.yaml``) run by the real ``pre-commit`` on the
staged articles of a temporary repository.

``pre-commit try-repo`` with ``language: python`` builds a virtualenv and pip-installs
copydesk from PyPI's dependencies (slow, and it needs the network): that run is the
``--run-slow`` test. The fast one runs the same hook definition, read from the project's
file, as a local hook with ``language: system`` and this environment's ``copydesk``: the
same ``files``, ``types``, ``pass_filenames`` and entry arguments, through ``git commit``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.gitrepo import COPYDESK, Repo, isolated_env
from tests.test_check_targets import BROKEN, CLEAN

PROJECT = Path(__file__).resolve().parents[1]
PRE_COMMIT = COPYDESK.parent / "pre-commit"


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((PROJECT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = [h for h in hooks if h["id"] == "copydesk-check"]
    return hook


def test_the_hook_definition() -> None:
    hook = _hook()
    assert hook["entry"] == "copydesk check" and hook["language"] == "python" and hook["pass_filenames"] is True
    files = re.compile(str(hook["files"]))
    assert files.search("news/a.md") and files.search("b.markdown") and files.search("c.mdx")
    assert not files.search("setup.py") and not files.search("a.md.orig")


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    if not PRE_COMMIT.exists():
        pytest.fail("pre-commit is part of the test extra (pip install -e '.[test]')")
    repo = Repo(tmp_path / "desk", isolated_env(tmp_path / "home"))
    hook = dict(_hook(), language="system", entry=f"{COPYDESK} check")
    repo.write(".pre-commit-config.yaml", yaml.safe_dump({"repos": [{"repo": "local", "hooks": [hook]}]}))
    repo.write("news/copydesk.toml", "")
    repo.write("news/clean.md", CLEAN)
    repo.commit("start")
    done = subprocess.run([str(PRE_COMMIT), "install"], cwd=repo.path, env=repo.env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return repo


def test_commit_of_a_broken_article_is_stopped_and_a_clean_one_passes(repo: Repo) -> None:
    repo.write("news/bad.md", BROKEN)
    repo.write("news/untracked-bad.md", BROKEN)  # not staged: not the hook's business
    repo.write("notes.py", "x = 1\n")
    repo.git("add", "news/bad.md", "notes.py")
    refused = repo.git("commit", "-q", "-m", "bad", check=False)
    said = (refused.stdout + refused.stderr).decode()
    assert refused.returncode != 0
    assert "news/bad.md:5:7: CD209" in said
    assert "untracked-bad.md" not in said and "clean.md" not in said
    repo.write("news/bad.md", CLEAN)
    repo.git("add", "news/bad.md")
    passed = repo.git("commit", "-q", "-m", "fixed", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert repo.git("log", "--format=%s", "-1").stdout == b"fixed\n"


def test_the_staged_version_is_checked_not_the_working_copy(repo: Repo) -> None:
    repo.write("news/new.md", CLEAN)
    repo.git("add", "news/new.md")
    repo.write("news/new.md", BROKEN)  # an unstaged edit: pre-commit sets it aside while the hook runs
    passed = repo.git("commit", "-q", "-m", "clean staged", check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert (repo.path / "news/new.md").read_text() == BROKEN  # the unstaged edit is back


@pytest.mark.slow
def test_try_repo_installs_the_hook_from_the_project(tmp_path: Path) -> None:
    """The hook as users get it: pre-commit builds its virtualenv and installs copydesk
    (needs the network to fetch the dependencies)."""
    repo = Repo(tmp_path / "desk", isolated_env(tmp_path / "home"))
    repo.write("news/copydesk.toml", "")
    repo.write("news/bad.md", BROKEN)
    repo.git("add", "-A")
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns(".venv", ".copydesk", "__pycache__", ".git"))
    project_repo = Repo(project, repo.env)
    project_repo.commit("snapshot")
    done = subprocess.run([str(PRE_COMMIT), "try-repo", str(project), "copydesk-check", "--files", "news/bad.md"],
                          cwd=repo.path, env=repo.env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "news/bad.md:5:7: CD209" in done.stdout
