"""Commit one saved batch with git: exactly its files, with a message naming what changed.

``git commit --only -- FILES`` takes those paths as they are in the work tree and leaves
whatever else the index holds staged, so nothing but the batch goes in; untracked files of
the batch are added by name first (never ``git add -A``). The repository's hooks run as for
any commit.

A file that held changes git did not have before the save (or that changed again since)
would bring them into the commit: :func:`commit_refusal` says so, and nothing is committed.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..display import plural, printable
from ..edit.ops import Edit, describe_edit
from . import GitError, repo_root, run_git
from .status import FileState, git_states

__all__ = ["SavedFile", "batch_message", "commit_batch", "commit_refusal", "file_digest"]

SUMMARY_PARTS = 4  # what changed, named in the subject line; the rest counted


@dataclass(frozen=True)
class SavedFile:
    """A file a save wrote: its path relative to the corpus root, the digest of what was
    written, and what git said of it just before the save (None: clean, or no repository)."""

    relpath: str
    digest: str
    before: FileState | None


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes (what the save wrote, compared before committing)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def batch_message(edits_by_file: Iterable[Sequence[Edit]]) -> str:
    """The commit message of a batch, from each saved file's edits:
    ``copydesk: tags +REVIEWED on 4 articles; sentiment on 1``. Values are shown with their
    control characters escaped (a tag's newline must not start a new paragraph)."""
    counts: Counter[str] = Counter()
    files = 0
    for edits in edits_by_file:
        files += 1
        for words in dict.fromkeys(printable(describe_edit(edit, short=True)) for edit in edits):
            counts[words] += 1
    parts = []
    for n, (words, count) in enumerate(counts.most_common()):  # ties in the order first seen
        if n == SUMMARY_PARTS:
            parts.append(plural(len(counts) - n, "other change"))
            break
        parts.append(f"{words} on {plural(count, 'article') if n == 0 else count}")
    subject = "copydesk: " + ("; ".join(parts) if parts else f"{plural(files, 'article')} saved")
    return subject


def commit_refusal(root: Path, saved: Sequence[SavedFile]) -> str:
    """Why the batch cannot be committed as it is, or "" when it can: no repository, a file
    gone or changed since the save, a file that held uncommitted changes before the save
    (committing it would sweep them in), an unmerged file."""
    if not saved:
        return "no saved batch since the last commit"
    if repo_root(root) is None:
        return "the folder is not in a git repository"
    for item in saved:
        path = root / item.relpath
        try:
            if file_digest(path) != item.digest:
                return f"{printable(item.relpath)} changed since the save: commit it with git yourself"
        except OSError:
            return f"{printable(item.relpath)} is gone since the save"
        before = item.before
        if before is not None and before.conflicted:
            return f"{printable(item.relpath)} is unmerged: resolve the conflict first"
        if before is not None and (before.modified or before.staged):
            return (f"{printable(item.relpath)} held uncommitted changes before the save: committing it would "
                    "include them (commit with git yourself)")
    return ""


def commit_batch(root: Path, saved: Sequence[SavedFile], message: str) -> str:
    """Commit exactly the batch's files with ``message``; returns the new commit's short id.
    Raises :class:`GitError` with git's own words when git refuses (a hook, no identity)."""
    top = repo_root(root)
    if top is None:
        raise GitError("the folder is not in a git repository")
    base = Path(os.path.realpath(root))
    paths = [os.path.relpath(base / item.relpath, os.path.realpath(top)) for item in saved]
    # Pathspecs are literal: a name holding `*` or `:(` is that file, not a pattern.
    literal = [f":(top,literal){Path(p).as_posix()}" for p in paths]
    now = git_states(root, [item.relpath for item in saved])
    untracked = [spec for spec, item in zip(literal, saved, strict=True)
                 if (state := now.get(item.relpath)) is not None and state.untracked]
    if untracked:
        run_git(["add", "--", *untracked], top)
    run_git(["commit", "--only", "--file=-", "--", *literal], top, input=message.encode("utf-8"))
    done = run_git(["rev-parse", "--short", "HEAD"], top)
    return done.stdout.decode("ascii", "replace").strip()
