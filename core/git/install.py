"""``copydesk git install``: the merge driver named in the repository's ``.git/config``
(``merge.copydesk.name`` / ``.driver``) and chosen for the articles in ``.gitattributes``.

Installing twice changes nothing; uninstalling removes exactly the lines and settings
installing adds. ``.git/config`` is written by ``git config`` itself; ``.gitattributes``
through the write protocol (:func:`core.storage.files.write_atomic`).
"""

from __future__ import annotations

import os
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from ..display import c_quote
from . import GitError, repo_root, run_git

DRIVER = "copydesk"
DRIVER_NAME = "copydesk: articles merged field by field"
_COMMENT = "# articles merge field by field (copydesk git install)"


@dataclass(frozen=True)
class Installed:
    """What an install or uninstall did: the repository, the patterns, whether each file
    changed."""

    root: Path
    patterns: tuple[str, ...]
    config_changed: bool
    attributes_changed: bool


def driver_command(program: str | None = None) -> str:
    """The command git runs (through a shell: the program is quoted): ``PROGRAM
    merge-driver %O %A %B %P``; the program is the ``copydesk`` running now when it can be
    named, else ``copydesk`` found on PATH."""
    if program is None:
        argv0 = sys.argv[0] if sys.argv else ""
        program = shlex.quote(os.path.abspath(argv0)) if os.path.basename(argv0) == "copydesk" else "copydesk"
    return f"{program} merge-driver %O %A %B %P"


def attribute_patterns(config: Config, root: Path) -> tuple[str, ...]:
    """One ``.gitattributes`` pattern per article extension, below the corpus root."""
    try:
        below = config.root.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        below = "."
    prefix = "" if below == "." else f"{below}/**/"
    out = []
    for ext in config.extensions:
        pattern = f"{prefix}*{ext}"
        quoted = c_quote(pattern)
        if not quoted.startswith('"') and any(ch in pattern for ch in " \t#"):
            quoted = f'"{quoted}"'
        out.append(f"{quoted} merge={DRIVER}")
    return tuple(out)


def install(config: Config, where: Path, *, program: str | None = None, uninstall: bool = False) -> Installed:
    """Install (or with ``uninstall`` remove) the merge driver for the articles of
    ``config`` in the repository holding ``where``. Raises GitError outside a repository."""
    root = repo_root(where)
    if root is None:
        raise GitError(f"{where} is not inside a git repository (run `git init` there first)")
    lines = attribute_patterns(config, root)
    if os.path.islink(root / ".gitattributes"):  # refused before anything is written
        raise GitError(f"{root / '.gitattributes'} is a symbolic link: not written")
    if uninstall:
        config_changed = _unset(root)
    else:
        config_changed = _set(root, "name", DRIVER_NAME) | _set(root, "driver", driver_command(program))
    attributes_changed = _edit_attributes(root / ".gitattributes", lines, uninstall)
    return Installed(root, lines, config_changed, attributes_changed)


def _set(root: Path, key: str, value: str) -> bool:
    name = f"merge.{DRIVER}.{key}"
    done = run_git(["config", "--local", "--get", name], root, check=False)
    if done.returncode == 0 and done.stdout.rstrip(b"\n") == os.fsencode(value):
        return False
    run_git(["config", "--local", name, value], root)
    return True


def _unset(root: Path) -> bool:
    done = run_git(["config", "--local", "--remove-section", f"merge.{DRIVER}"], root, check=False)
    return done.returncode == 0


def _edit_attributes(path: Path, lines: tuple[str, ...], uninstall: bool) -> bool:
    from ..storage.files import write_atomic

    try:
        old = path.read_bytes().decode("utf-8", "surrogateescape")
    except FileNotFoundError:
        old = ""
    present = old.splitlines()
    ours = {*lines, _COMMENT}
    if uninstall:
        if not any(line in ours for line in present):
            return False
        kept = [line for line in present if line not in ours]
        new = "".join(line + "\n" for line in kept)
    else:
        missing = [line for line in lines if line not in present]
        if not missing:
            return False
        head = old if not old or old.endswith("\n") else old + "\n"
        new = head + "".join(line + "\n" for line in ([_COMMENT] if _COMMENT not in present else []) + missing)
    if new == old:
        return False
    write_atomic(path, new.encode("utf-8", "surrogateescape"))
    return True
