"""Git in the terminal UI, against the real git in a temporary repository: the list's git
column and filters, and `C` committing exactly the last save's files."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import git, git_identity, make_repo, needs_git  # noqa: F401 - git_identity is a fixture
from tests.test_tui_support import article_text, make_app, settle, write_folder
from tui.screens.dialogs import CommitPrompt

pytestmark = [needs_git, pytest.mark.usefixtures("git_identity")]

SIZE = (140, 40)
GIT = 6  # the git mark's cell: after the mark, the status and the dirty mark, each with its gap


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def row_text(app, position: int) -> str:
    """The list's row at ``position`` as drawn."""
    strip = app.main_screen.list.render_line(position)
    return "".join(segment.text for segment in strip)


def corpus_in_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    root = write_folder(repo / "news")
    make_repo(repo)
    return repo, root


async def test_git_column_filters_and_commit_of_the_last_save(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    # Rows newest first: a6 (untracked), a5, a4, a3, a2, a1 (changed by hand, not saved by copydesk).
    (root / "a6-new.md").write_text(article_text("A new story", ["ASIA"], date="2025-11-06T08:00:00.000Z"))
    with open(root / "a1-asia-markets.md", "a") as handle:
        handle.write("A line the user typed.\n")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert row_text(app, 0)[GIT] == "?"
        assert row_text(app, 5)[GIT] == "M"
        assert [row_text(app, n)[GIT] for n in range(1, 5)] == [" "] * 4
        await pilot.press("slash", *"is:modified", "enter")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 1
        await pilot.press("slash", "escape")
        await settle(pilot, app)

        await pilot.press("space", "space")  # a6 and a5
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"REVIEWED", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("C")
        await settle(pilot, app)
        assert isinstance(app.screen, CommitPrompt)
        message = app.screen.query_one("#commit-message").value
        assert message == "copydesk: tags +REVIEWED on 2 articles"
        await pilot.press("enter")
        await settle(pilot, app)
        assert any(t.startswith("committed ") for t in toasts(app)), toasts(app)
        assert row_text(app, 0)[GIT] == " "  # committed: the column follows
        await pilot.press("C")  # nothing saved since
        await settle(pilot, app)
        assert any("no save since the last commit" in t for t in toasts(app))

    names = git(repo, "log", "-1", "--name-only", "--format=%s").splitlines()
    assert names[0] == "copydesk: tags +REVIEWED on 2 articles"
    assert sorted(n for n in names[1:] if n) == ["news/a5-stablecoins.md", "news/a6-new.md"]
    # The user's own change was left alone: still modified, not committed.
    assert git(repo, "status", "--porcelain", "--", "news/a1-asia-markets.md").startswith(" M")


async def test_commit_refuses_a_file_that_held_other_changes(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    with open(root / "a5-stablecoins.md", "a") as handle:
        handle.write("A line the user typed.\n")
    head = git(repo, "rev-parse", "HEAD")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "ctrl+s")  # a5: draft, saved
        await settle(pilot, app)
        await pilot.press("C")
        await settle(pilot, app)
        assert not isinstance(app.screen, CommitPrompt)
        assert any("held uncommitted changes before the save" in t for t in toasts(app)), toasts(app)
    assert git(repo, "rev-parse", "HEAD") == head


async def test_a_hook_that_refuses_says_why_and_commits_nothing(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'house rule: no commits today' >&2\nexit 1\n")
    hook.chmod(0o755)
    head = git(repo, "rev-parse", "HEAD")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "ctrl+s")
        await settle(pilot, app)
        await pilot.press("C")
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert any("commit failed" in t and "house rule" in t for t in toasts(app)), toasts(app)
    assert git(repo, "rev-parse", "HEAD") == head


async def test_outside_a_repository_no_column_and_c_says_why(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        header = str(app.main_screen.query_one("#list-header").render())
        assert header.split()[:2] == ["S", "*"]
        await pilot.press("C")
        await settle(pilot, app)
        assert any("not in a git repository" in t for t in toasts(app))


async def test_a_commit_made_outside_is_seen_when_the_index_changes(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    (root / "a6-new.md").write_text(article_text("A new story", ["ASIA"], date="2025-11-06T08:00:00.000Z"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert row_text(app, 0)[GIT] == "?"
        git(repo, "add", "news/a6-new.md")
        app.main_screen._watch()  # what the app's timer runs every few seconds
        await settle(pilot, app)
        assert row_text(app, 0)[GIT] == "S"
        git(repo, "commit", "-qm", "by hand")
        app.main_screen._watch()
        await settle(pilot, app)
        assert row_text(app, 0)[GIT] == " "
