"""Each article's git state: what ``git status`` says of it, by the article's path relative
to the corpus root (``Article.relpath``), whether the corpus is the whole repository or a
folder inside it.

``git status --porcelain=v2 -z --untracked-files=all`` is read: paths come NUL-terminated and
unquoted, so a name holding a newline, a quote or an escape is read exactly as it is on disk
(drawing it safely is the display's job: ``core.display.printable``). Outside a repository,
or without git, there is no git state: an empty answer, never an error.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import GitError, repo_root, run_git

__all__ = ["GIT_STATES", "FileState", "git_states", "index_file", "may_be_in_repository", "parse_porcelain_v2"]

# The ``is:`` words of the query language, each a test of a FileState.
GIT_STATES = ("modified", "staged", "untracked", "conflicted", "renamed")


@dataclass(frozen=True, slots=True)
class FileState:
    """What git says of one file: changes in the work tree not staged (``modified``), changes
    staged in the index (``staged``), not tracked at all, unmerged (``conflicted``), or staged
    as the new name of a rename (``renamed``, with the old name relative to the corpus root,
    or None when it was outside it)."""

    modified: bool = False
    staged: bool = False
    untracked: bool = False
    conflicted: bool = False
    renamed: bool = False
    renamed_from: str | None = None

    @property
    def letter(self) -> str:
        """The list's one-letter mark: ``U`` conflicted, ``M`` modified (unstaged changes,
        staged ones or not), ``R`` renamed, ``S`` staged, ``?`` untracked; what needs the
        user's attention first."""
        if self.conflicted:
            return "U"
        if self.modified:
            return "M"
        if self.renamed:
            return "R"
        if self.staged:
            return "S"
        if self.untracked:
            return "?"
        return " "

    def is_(self, state: str) -> bool:
        """Whether the file is in ``state`` (one of :data:`GIT_STATES`)."""
        return bool(getattr(self, state))


def _corpus_prefix(root: Path, top: Path) -> str | None:
    """The corpus root relative to the work tree's top as git writes it (``news/``), "" when
    they are the same, None when the corpus is not inside it."""
    try:
        inside = Path(os.path.realpath(root)).relative_to(os.path.realpath(top))
    except ValueError:
        return None
    text = inside.as_posix()
    return "" if text == "." else text + "/"


def git_states(root: Path, relpaths: Sequence[str] | None = None) -> dict[str, FileState]:
    """Every file under the corpus root that git reports (clean files are left out), by
    its path relative to ``root`` with ``/`` separators; only ``relpaths`` when given.
    Empty outside a repository, when git is missing, or when git fails (a damaged repository
    shows no state rather than an error: the list is still usable)."""
    try:
        top = repo_root(root)
        if top is None:
            return {}
        prefix = _corpus_prefix(root, top)
        if prefix is None:
            return {}
        # The pathspec keeps git's walk inside the corpus; literal, so that a folder name
        # holding `*` or `[` is a name, not a pattern. (`git status` takes no list of paths
        # on stdin, and a batch's names could pass the limit of a command line: the corpus
        # is asked, then the answer narrowed.)
        spec = f":(top,literal){prefix}" if prefix else ":(top)"
        # --no-optional-locks: a status in the background must not rewrite the index (which
        # would also make the next look at the index's time ask again).
        done = run_git(["--no-optional-locks", "status", "--porcelain=v2", "-z", "--untracked-files=all", "--renames", "--", spec], root)
    except (GitError, OSError):
        return {}
    states = parse_porcelain_v2(done.stdout, prefix)
    if relpaths is not None:
        states = {rel: states[rel] for rel in relpaths if rel in states}
    return states


def parse_porcelain_v2(output: bytes, prefix: str = "") -> dict[str, FileState]:
    """``git status --porcelain=v2 -z`` output as states by path relative to ``prefix``
    (paths outside it are left out). Names are decoded as the walk decodes them
    (``os.fsdecode``: bytes that are not UTF-8 kept as surrogates)."""
    states: dict[str, FileState] = {}
    fields = output.split(b"\0")
    i = 0

    def relative(raw: bytes) -> str | None:
        name = os.fsdecode(raw)
        if not name.startswith(prefix):
            return None
        return name[len(prefix):]

    while i < len(fields):
        entry = fields[i]
        i += 1
        if not entry:
            continue
        kind = entry[:1]
        if kind == b"1":
            # 1 XY sub mH mI mW hH hI path
            parts = entry.split(b" ", 8)
            xy, path = parts[1], parts[8]
            state = FileState(modified=xy[1:2] != b".", staged=xy[:1] != b".")
        elif kind == b"2":
            # 2 XY sub mH mI mW hH hI Xscore path, then the original path as its own field
            parts = entry.split(b" ", 9)
            xy, path = parts[1], parts[9]
            original = fields[i] if i < len(fields) else b""
            i += 1
            state = FileState(modified=xy[1:2] != b".", staged=True, renamed=True,
                              renamed_from=relative(original))
        elif kind == b"u":
            # u XY sub m1 m2 m3 mW h1 h2 h3 path
            path = entry.split(b" ", 10)[10]
            state = FileState(conflicted=True)
        elif kind == b"?":
            path = entry[2:]
            state = FileState(untracked=True)
        else:  # "#" headers, "!" ignored files: not asked for
            continue
        name = relative(path)
        if name is not None:
            states[name] = state
    return states


def may_be_in_repository(root: Path) -> bool:
    """Whether ``root`` may be inside a git work tree: a ``.git`` (folder, or file of a linked
    work tree) in it or a folder above, or ``GIT_DIR`` set. A few ``stat`` calls, so that a
    folder in no repository never starts git at all."""
    if os.environ.get("GIT_DIR"):
        return True
    folder = Path(os.path.abspath(root))
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return True
    return False


def index_file(root: Path) -> Path | None:
    """The repository's index file (``.git/index``: git rewrites it on every add, commit or
    checkout, so its time says when to ask git again), or None outside a repository."""
    try:
        done = run_git(["rev-parse", "--path-format=absolute", "--git-path", "index"], root, check=False)
    except (GitError, OSError):
        return None
    if done.returncode != 0:
        return None
    return Path(os.fsdecode(done.stdout.rstrip(b"\n")))
