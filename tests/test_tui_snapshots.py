"""Snapshots of the main screen and the help screen (update with ``pytest --snapshot-update``)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from tests.test_tui_support import BROKEN, article_text, make_app, settle, write_folder

SIZE = (140, 40)


def _prepare(app, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot, app)
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.press(*keys)
        await settle(pilot, app)
        # The editor follows the cursor on a timer, then works out the sentiment suggestion
        # in a thread: wait for both, or the picture depends on the machine's speed.
        for _ in range(50):
            if app.main_screen._pane_timer is None:
                break
            await pilot.pause(0.05)
        await settle(pilot, app)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare, tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    # A marked row, a staged draft flag (dirty mark), the cursor on the second row.
    assert snap_compare(app, terminal_size=SIZE, run_before=_prepare(app, "space", "d"))


def test_help_screen(snap_compare, tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    assert snap_compare(app, terminal_size=SIZE, run_before=_prepare(app, "question_mark"))


def _samples(tmp_path: Path) -> Path:
    """A copy of samples/ (the cursor starts on the top row of the date order)."""
    import shutil

    root = tmp_path / "samples"
    shutil.copytree(Path(__file__).resolve().parent.parent / "samples", root, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    return root


def test_main_screen_80x24(snap_compare, tmp_path: Path) -> None:
    app = make_app(_samples(tmp_path))
    assert snap_compare(app, terminal_size=(80, 24), run_before=_prepare(app))


def test_main_screen_120x35(snap_compare, tmp_path: Path) -> None:
    app = make_app(_samples(tmp_path))
    assert snap_compare(app, terminal_size=(120, 35), run_before=_prepare(app))


def test_main_screen_200x50(snap_compare, tmp_path: Path) -> None:
    app = make_app(_samples(tmp_path))
    assert snap_compare(app, terminal_size=(200, 50), run_before=_prepare(app))


def test_save_introduces_problems_dialog(snap_compare, tmp_path: Path) -> None:
    # a4's publishedAt emptied and its lang made EN, then ctrl+s: the dialog names both.
    root = write_folder(tmp_path / "news")
    app = make_app(root)

    async def run_before(pilot) -> None:
        await settle(pilot, app)
        for widget in app.query(Input):
            widget.cursor_blink = False
        await pilot.press("j")
        await settle(pilot, app)
        for field, keys in (("#field-publishedAt", ()), ("#field-lang", tuple("EN"))):
            app.set_focus(app.main_screen.query_one(field))
            await pilot.pause()
            await pilot.press("ctrl+u", *keys, "enter")
            await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_reader_heading(snap_compare, tmp_path: Path) -> None:
    from tests.test_tui_reader import LONG_TITLE

    text = article_text(LONG_TITLE, ["HARBOUR", "''", "' ECONOMY'"], sentiment="NEGATIVE", draft=True, source="Harbour Desk")
    root = write_folder(tmp_path / "news", {"a1-harbour.md": text})
    app = make_app(root)
    # The full title wrapped, description, date, source, tags (the empty and the spaced one
    # visible) and status; the staged draft flag shows as an unsaved edit.
    assert snap_compare(app, terminal_size=SIZE, run_before=_prepare(app, "d"))


def test_reader_raw_article(snap_compare, tmp_path: Path) -> None:
    from tests.test_tui_reader import RAW

    root = write_folder(tmp_path / "news", {}, {"raw-council.txt": RAW.encode()})
    app = make_app(root)
    # Numbered lines with the problem lines marked; enter on the second problem (CD406,
    # line 5) has taken the text to that line and highlighted it.
    assert snap_compare(app, terminal_size=(120, 50), run_before=_prepare(app, "enter", "j", "enter"))
