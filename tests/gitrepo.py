"""Temporary git repositories for the tests that run the real ``git``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="the git program is not installed")

# The user's own git configuration (a global hook, a signing key) stays out of the tests.
GIT_ENV = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "Desk", "GIT_AUTHOR_EMAIL": "desk@example.org",
           "GIT_COMMITTER_NAME": "Desk", "GIT_COMMITTER_EMAIL": "desk@example.org"}


def git(repo: Path, *args: str) -> str:
    """``git ARGS`` in ``repo``; its output (raises when git fails)."""
    done = subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def make_repo(repo: Path) -> Path:
    """A repository at ``repo`` with everything in it committed."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "Desk")
    git(repo, "config", "user.email", "desk@example.org")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start", "--allow-empty")
    return repo


@pytest.fixture
def git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app's own git calls see the same isolated configuration as :func:`git`."""
    for key in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_NOSYSTEM", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL",
                "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(key, GIT_ENV[key])
