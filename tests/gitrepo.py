"""Real git repositories for the tests that run ``git``, isolated from the user's git: no
global or system configuration (a global hook or signing key stays out), the author set in the
repository. ``Repo`` also puts this environment's ``copydesk`` first on PATH, since git starts
the merge driver through a shell."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

COPYDESK = Path(sys.executable).parent / "copydesk"


def isolated_env(home: Path) -> dict[str, str]:
    """The environment for git and copydesk: the user's git configuration left out."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_GLOBAL=str(home / ".gitconfig"),
               GIT_CONFIG_NOSYSTEM="1", PATH=f"{COPYDESK.parent}{os.pathsep}{env.get('PATH', '')}", LC_ALL="C")
    return env


class Repo:
    """A repository in ``path`` and the commands run in it."""

    def __init__(self, path: Path, env: dict[str, str]) -> None:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        self.path = path
        self.env = env
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Desk Test")
        self.git("config", "user.email", "desk@example.org")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", *args], cwd=self.path, env=self.env, capture_output=True, check=check, timeout=60)

    def copydesk(self, *args: str, input: bytes | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([str(COPYDESK), *args], cwd=cwd or self.path, env=self.env, capture_output=True,
                              input=input, timeout=120)
        return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode("utf-8", "replace"),
                                           done.stderr.decode("utf-8", "replace"))

    def write(self, name: str, data: bytes | str) -> Path:
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return path

    def commit(self, message: str, *names: str) -> str:
        self.git("add", "--", *names) if names else self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message)
        return self.git("rev-parse", "HEAD").stdout.decode().strip()


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
