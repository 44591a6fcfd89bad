"""The ``=`` group view: the editor keeps one article of a group of duplicate stories and
the others are marked (``[dupes] mark``, default ``draft: true``) in one staged, undoable
step; the filter box takes ``is:duplicate`` and ``dup:``. Pilot presses the keys; the
files on disk are checked after ``ctrl+s``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from tests.test_tui_support import article_text, make_app, settle, write_folder
from tui.model import Workspace
from tui.screens.dupes import DupesScreen

SIZE = (140, 40)
STORY = "\n\n".join(" ".join(f"harbour{p}x{i} ferry{i % 7} fares{i % 5}" for i in range(30)) for p in range(4))
OTHER = "\n\n".join(" ".join(f"council{p}y{i} budget{i % 3} vote{i % 4}" for i in range(30)) for p in range(4))


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("user-cache")))


def _folder(root: Path, settings: str = "") -> Path:
    def text(title: str, body: str, sentiment: str = "NEUTRAL") -> str:
        head = article_text(title, ["MARKET"], sentiment=sentiment)
        return head.split("---\n", 2)[0] + "---\n" + head.split("---\n", 2)[1] + "---\n" + body + "\n"

    write_folder(root, {
        "a-ferry.md": text("Ferry fares rise", STORY),
        "b-ferry-reprint.md": text("Fares on the ferry go up", STORY + "\n\n👉 Subscribe for the daily briefing", "POSITIVE"),
        "c-council.md": text("Council votes the budget", OTHER),
    })
    (root / "copydesk.toml").write_text(settings)
    return root


def _status(app) -> str:
    return str(app.main_screen.query_one("#status").render())


async def _open_groups(pilot, app) -> DupesScreen:
    await pilot.press("equals_sign")
    await settle(pilot, app)
    screen = app.screen
    assert isinstance(screen, DupesScreen)
    return screen


async def test_keep_one_marks_the_other_as_draft_then_saves(tmp_path: Path) -> None:
    root = _folder(tmp_path / "news")
    before = {p.name: p.read_text() for p in root.glob("*.md")}
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = await _open_groups(pilot, app)
        [group] = screen.report.groups
        assert [m.relpath for m in group.members] == ["a-ferry.md", "b-ferry-reprint.md"]
        await pilot.press("enter")  # the first article is highlighted: keep it
        await settle(pilot, app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert "1 unsaved" in _status(app)
        assert {p.name: p.read_text() for p in root.glob("*.md")} == before  # staged only
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = {p.name: p.read_text() for p in root.glob("*.md")}
    assert after["a-ferry.md"] == before["a-ferry.md"]
    assert after["c-council.md"] == before["c-council.md"]
    assert after["b-ferry-reprint.md"] == before["b-ferry-reprint.md"].replace("draft: false", "draft: true")


async def test_keeping_the_second_marks_the_first_and_u_takes_it_back(tmp_path: Path) -> None:
    root = _folder(tmp_path / "news")
    before = {p.name: p.read_text() for p in root.glob("*.md")}
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _open_groups(pilot, app)
        await pilot.press("j", "enter", "escape")  # keep the reprint
        await settle(pilot, app)
        assert "1 unsaved" in _status(app)
        await pilot.press("u")
        await settle(pilot, app)
        assert "0 unsaved" in _status(app)
        await _open_groups(pilot, app)
        await pilot.press("j", "enter", "escape")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = {p.name: p.read_text() for p in root.glob("*.md")}
    assert after["a-ferry.md"] == before["a-ferry.md"].replace("draft: false", "draft: true")
    assert after["b-ferry-reprint.md"] == before["b-ferry-reprint.md"]


async def test_the_mark_comes_from_the_settings(tmp_path: Path) -> None:
    root = _folder(tmp_path / "news", '[dupes]\nmark = {sentiment = "NEGATIVE"}\n')
    before = (root / "b-ferry-reprint.md").read_text()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _open_groups(pilot, app)
        await pilot.press("enter", "escape")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert (root / "b-ferry-reprint.md").read_text() == before.replace("sentiment: POSITIVE", "sentiment: NEGATIVE")


async def test_filter_box_takes_is_duplicate_and_dup(tmp_path: Path) -> None:
    root = _folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert not (root / ".copydesk" / "index" / "dupes.bin").exists()  # never at start-up
        await pilot.press("slash", *"is:duplicate", "enter")
        await settle(pilot, app)
        shown = sorted(app.main_screen.ws.states[i].entry.relpath for i in app.main_screen.ws.visible)
        assert shown == ["a-ferry.md", "b-ferry-reprint.md"]
        await pilot.press("slash", "ctrl+u", *"-dup:b-ferry-reprint.md", "enter")
        await settle(pilot, app)
        shown = [app.main_screen.ws.states[i].entry.relpath for i in app.main_screen.ws.visible]
        assert shown == ["c-council.md"]


async def test_help_lists_the_group_view_with_its_key(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    root = _folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table").content)
        line = next(line for line in console.export_text().splitlines() if "Duplicate stories" in line)
        assert line.split()[0] == "="


async def test_dup_naming_no_group_is_shown_as_a_filter_error(tmp_path: Path, monkeypatch) -> None:
    # `dup:` with a mistyped id, or an article no group holds, used to show an empty list
    # and nothing more.
    root = _folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await pilot.press("slash", *"dup:a-ferry.md", "enter")
        await settle(pilot, app)
        assert len(screen.ws.visible) == 2
        await pilot.press("slash", "ctrl+u", *"dup:c-council.md")  # an article no group holds
        await settle(pilot, app)
        error = str(screen.query_one("#filter-error").render())
        assert "✗ column 1: no duplicate group 'c-council.md'" in error and "the list shows “dup:a-ferry.md”" in error
        assert screen.query_one("#filter-error").display and screen.filter_input.has_class("-bad-query")
        assert len(screen.ws.visible) == 2  # the rows of the filter the user had
        # Applied with `enter` before the groups were found (slow to find): the same error,
        # and the list unfiltered, not rows the message does not describe.
        found = Workspace.duplicates

        def slowly(ws: Workspace, *args) -> object:
            time.sleep(0.3)
            return found(ws, *args)

        monkeypatch.setattr(Workspace, "duplicates", slowly)
        await pilot.press("ctrl+u", *"dup:d0", "enter")  # a mistyped group id
        await settle(pilot, app)
        error = str(screen.query_one("#filter-error").render())
        assert "✗ column 1: no duplicate group 'd0'" in error and "the list is unfiltered" in error
        assert len(screen.ws.visible) == 3


async def test_the_first_is_duplicate_says_it_is_finding_the_groups(tmp_path: Path, monkeypatch) -> None:
    # With no signatures kept beside the index, the filter's worker computed the groups with
    # nothing on screen saying so.
    import core.dupes

    root = _folder(tmp_path / "news")
    found, release = core.dupes.find_duplicates, threading.Event()

    def held(*args, **kwargs):
        release.wait(10)  # held until the test has read the status line
        return found(*args, **kwargs)

    monkeypatch.setattr(core.dupes, "find_duplicates", held)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert not (root / ".copydesk" / "index" / "dupes.bin").exists()
        await pilot.press("slash", *"is:duplicate", "enter")
        for _ in range(300):
            if "finding duplicate stories…" in _status(app):
                break
            await pilot.pause(0.01)
        release.set()
        assert "finding duplicate stories…" in _status(app)
        await settle(pilot, app)
        assert "finding" not in _status(app)
        shown = sorted(app.main_screen.ws.states[i].entry.relpath for i in app.main_screen.ws.visible)
        assert shown == ["a-ferry.md", "b-ferry-reprint.md"]
