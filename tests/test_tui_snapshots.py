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
