"""Git, used as the engine for several editors: every call to the ``git`` program goes
through :func:`run_git`, so one place decides how git is started.

Git is run as a subprocess (never a shell) because it is what the user already has, it
reads the user's own configuration, credentials and hooks, and no library we could add
(pygit2, dulwich) merges, commits or reports status exactly as the user's ``git`` does.

A shared folder can be written by others, and its ``.git/config`` with it: a repository's
``core.fsmonitor`` names a program git would start. Read-only calls (status, diff,
merge-base) switch it off; so does every call, since copydesk never needs it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from core.errors import CopydeskError

__all__ = ["GitError", "changed_since", "git_available", "repo_root", "run_git"]

# Options for every call: no program named by the repository's configuration is started
# for a read (fsmonitor), and output is never paged nor coloured.
_SAFE_OPTIONS = ("-c", "core.fsmonitor=false", "-c", "color.ui=false", "--no-pager")


class GitError(CopydeskError):
    """A git command failed or git is not installed; the message says which and why."""


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    env["GIT_TERMINAL_PROMPT"] = "0"
    env.pop("GIT_PAGER", None)
    return env


def run_git(
    args: Sequence[str],
    cwd: Path,
    *,
    input: bytes | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[bytes]:
    """Run ``git ARGS`` in *cwd* and return the finished process (output as bytes, since
    git prints paths as they are on disk). Raises :class:`GitError` when git is missing, or
    when it fails and *check* is true (the message carries git's own last line)."""
    try:
        done = subprocess.run(
            ["git", *_SAFE_OPTIONS, *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=_environment(),
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed (no `git` program on PATH)") from exc
    if check and done.returncode != 0:
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = said[-1] if said else f"exit {done.returncode}"
        raise GitError(f"git {args[0]} failed: {reason}")
    return done


def git_available() -> bool:
    """Whether a ``git`` program can be started."""
    try:
        run_git(["--version"], Path.cwd())
    except GitError:
        return False
    return True


def repo_root(path: Path) -> Path | None:
    """The top of the git work tree that holds *path*, or None outside any repository."""
    folder = path if path.is_dir() else path.parent
    done = run_git(["rev-parse", "--show-toplevel"], folder, check=False)
    if done.returncode != 0:
        return None
    return Path(os.fsdecode(done.stdout.rstrip(b"\n")))


def changed_since(rev: str, where: Path) -> tuple[Path, list[Path]]:
    """The files of the repository holding *where* that differ between ``git merge-base
    REV HEAD`` and the working tree (added, copied, modified, renamed: at their new path;
    deleted ones left out), and the untracked files git does not ignore: the repository's
    top and the files, as absolute paths. Raises :class:`GitError` outside a repository or
    for a revision git does not know."""
    root = repo_root(where)
    if root is None:
        raise GitError(f"{where} is not inside a git repository")
    if rev.startswith("-"):
        raise GitError(f"{rev!r} is not a revision")
    base = run_git(["merge-base", rev, "HEAD"], root).stdout.strip().decode("ascii")
    # -z: names exactly as on disk (spaces, newlines, any bytes); --no-relative: from the top.
    diff = run_git(["diff", "-z", "--name-only", "--no-relative", "--find-renames", "--diff-filter=d", base, "--"], root).stdout
    untracked = run_git(["ls-files", "-z", "--others", "--exclude-standard", "--full-name", "--", "."], root).stdout
    names = dict.fromkeys(name for name in (diff + untracked).split(b"\0") if name)
    return root, [root / os.fsdecode(name) for name in names]
