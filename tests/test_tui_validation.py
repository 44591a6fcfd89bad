"""One validation for every edit: what the TUI stages is judged as the command line judges
it, shown at once, and a save that would add problems asks first (driven through Pilot,
files checked on disk)."""

from __future__ import annotations

from pathlib import Path

from tests.test_tui import SIZE, changed_lines, snapshot, status_text
from tests.test_tui_support import ARTICLES, article_text, make_app, settle, write_folder
from tui.model import Row
from tui.screens.dialogs import SaveIntroduces

A4 = "a4-hong-kong-rules.md"  # the second row (newest first), clean


async def _focus_field(pilot, app, field_id: str) -> None:
    await pilot.press("j")  # a4
    await settle(pilot, app)
    widget = app.main_screen.query_one(f"#{field_id}")
    app.set_focus(getattr(widget, "input", widget))  # the tag list: its text input
    await pilot.pause()


def _problems_shown(app) -> str:
    """What the dialog lists, as text."""
    options = app.screen.query_one("#save-problems")
    return "\n".join(str(options.get_option_at_index(i).prompt) for i in range(options.option_count))


async def test_an_emptied_required_field_is_shown_at_once_and_the_save_asks(tmp_path: Path) -> None:
    # ctrl+u, tab in publishedAt then ctrl+s used to write `publishedAt: ''` with "1 saved",
    # while `copydesk set publishedAt=` refuses the same edit.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await _focus_field(pilot, app, "field-publishedAt")
        await pilot.press("ctrl+u", "tab")
        await pilot.pause()
        a4 = screen.list.current
        # At once, before the staged check has run: the row, the field and a notice say so.
        assert Row._make(screen.ws.rows[a4]).status == "error"
        row = screen.query_one("#field-publishedAt").parent
        assert row.has_class("-problem")
        assert "required field 'publishedAt' is empty" in str(screen.query_one("#field-publishedAt").tooltip)
        assert any("ctrl+s will ask" in n.message for n in app._notifications)
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        shown = _problems_shown(app)
        assert A4 in shown and "CD207" in shown and "required field 'publishedAt' is empty" in shown
        assert snapshot(root) == before  # nothing written while it asks
        await pilot.press("escape")  # one escape cancels
        await settle(pilot, app)
        assert app.screen is screen and "1 unsaved" in status_text(app)
        assert snapshot(root) == before
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        await pilot.press("s")  # save anyway
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
    assert changed_lines(before[A4].decode(), (root / A4).read_text()) == [
        "-publishedAt: '2025-11-04T08:00:00.000Z'",
        "+publishedAt: ''",
    ]


async def test_go_to_it_puts_the_cursor_and_the_editor_on_the_article_and_field(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await _focus_field(pilot, app, "field-lang")
        await pilot.press("ctrl+u", *"EN", "enter")
        await pilot.press("escape")  # back to the list
        await pilot.press("g")  # the cursor leaves the article
        await settle(pilot, app)
        assert screen.ws.articles[screen.list.current].path.name != A4
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        assert "lang is 'EN': must match the pattern" in _problems_shown(app)
        await pilot.press("g")
        await settle(pilot, app)
        assert app.screen is screen
        assert screen.ws.articles[screen.list.current].path.name == A4
        assert app.focused is screen.query_one("#field-lang")
        assert "1 unsaved" in status_text(app)
    assert snapshot(root) == before


async def test_an_edit_to_an_article_with_problems_already_saves_without_asking(tmp_path: Path) -> None:
    # a5 lacks its sentiment (CD201): a draft flag adds nothing new, so nothing to ask.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, SaveIntroduces)
        assert "0 unsaved" in status_text(app)
    assert changed_lines(before["a5-stablecoins.md"].decode(), (root / "a5-stablecoins.md").read_text()) == [
        "-draft: false",
        "+draft: true",
    ]


async def test_tags_typed_anywhere_are_normalised_and_judged_as_copydesk_tag_does(tmp_path: Path) -> None:
    # Typed `library, city` in the editor staged LIBRARY, CITY while `copydesk tag --add
    # library` was refused: now both faces write the house style, with the vocabulary's
    # spelling, and ask (TUI) or refuse (CLI) about what is still outside the vocabulary.
    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text(
        'vocabulary = ["ASIA", "MARKET", "HASHKEY", "ETF", "REGULATION", "STABLECOINS", "CITY", "HONG KONG"]\n'
    )
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await _focus_field(pilot, app, "field-tags")
        await pilot.press("ctrl+u", *"asia, regulations, cities, library", "enter")
        await settle(pilot, app)
        a4 = screen.list.current
        assert screen.ws.tags_of(a4) == ("ASIA", "REGULATION", "CITY", "LIBRARY")
        assert screen.query_one("#field-tags").parent.has_class("-problem")
        assert "'LIBRARY' is not in the vocabulary" in str(screen.query_one("#field-tags").input.tooltip)
        await pilot.press("escape", "t")
        await pilot.pause()
        await pilot.press(*"Hong-Kong", "enter")
        await settle(pilot, app)
        assert "HONG KONG" in screen.ws.tags_of(a4)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        shown = _problems_shown(app)
        assert "CD208" in shown and "'LIBRARY'" in shown and "tags" in shown
        assert "CITY'" not in shown and "HONG KONG" not in shown
        await pilot.press("s")
        await settle(pilot, app)
    assert changed_lines(before[A4].decode(), (root / A4).read_text()) == [
        "+  - CITY",
        "+  - LIBRARY",
        "+  - HONG KONG",
    ]


async def test_a_tag_added_with_t_outside_the_vocabulary_is_named_at_once(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {"a4-hong-kong-rules.md": ARTICLES[A4],
                                             "z.md": article_text("Ferry fares rise", ["ASIA"])})
    (root / "copydesk.toml").write_text('vocabulary = ["ASIA", "REGULATION"]\n')
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"library", "enter")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("add tag 'LIBRARY'" in m and "'LIBRARY' is not in the vocabulary" in m and "(CD208)" in m and "ctrl+s will ask" in m for m in said), said
        screen = app.main_screen
        assert Row._make(screen.ws.rows[screen.list.current]).status == "warning"


async def test_counts_are_worded_with_the_right_plural(tmp_path: Path) -> None:
    # The tag screen said "1 near-duplicate groups".
    articles = {
        "m1.md": article_text("Markets rally", ["MARKET"]),
        "m2.md": article_text("Markets fall", ["MARKETS"], date="2025-11-02T08:00:00.000Z"),
    }
    app = make_app(write_folder(tmp_path / "news", articles))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space")
        await pilot.press("A")
        await pilot.pause()
        assert any(n.message == "1 mark cleared" for n in app._notifications)
        await pilot.press("number_sign")
        await settle(pilot, app)
        title = str(app.screen.query_one("#tags-title").render())
        assert "2 distinct, 1 near-duplicate group" in title and "groups" not in title


async def test_save_and_quit_asks_too_and_cancelling_keeps_the_app_open(tmp_path: Path) -> None:
    from tui.screens.dialogs import ConfirmQuit

    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _focus_field(pilot, app, "field-title")
        await pilot.press("ctrl+u", "enter", "ctrl+q")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        assert "required field 'title' is empty" in _problems_shown(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.is_running and "1 unsaved" in status_text(app)
        # A later save of something else does not quit on the cancelled quit's behalf.
        await pilot.press("escape", "u", "G", "d", "ctrl+s")
        await settle(pilot, app)
        assert app.is_running and "0 unsaved" in status_text(app)
    assert [n for n in before if snapshot(root)[n] != before[n]] == ["a1-asia-markets.md"]


async def test_a_tag_screen_rename_takes_the_vocabularys_spelling(tmp_path: Path) -> None:
    from tui.screens.tags import RenamePreview, TagsScreen

    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('vocabulary = ["ASIA", "MARKETS", "HONG KONG"]\n')
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsScreen)
        await pilot.press("slash", *"regulation", "enter", "r")
        await pilot.pause()
        await pilot.press("ctrl+a", "ctrl+k", *"Hong-Kong", "enter")  # the vocabulary's HONG KONG
        await pilot.pause()
        assert isinstance(app.screen, RenamePreview)
        assert "'REGULATION' → 'HONG KONG': 1 article" in str(app.screen.query_one("#rename-lines").render())
        await pilot.press("enter", "escape")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, SaveIntroduces)  # HONG KONG is in the vocabulary
    assert changed_lines(before[A4].decode(), (root / A4).read_text()) == ["-  - REGULATION", "+  - HONG KONG"]


async def test_a_failed_save_says_what_happened_in_words(tmp_path: Path) -> None:
    # The notice read "save failed, nothing lost (edits stay staged): FileNotFoundError: [Errno 2] ...".
    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        try:
            (tmp_path / "gone" / "a.md").read_text()
        except OSError as exc:
            app.main_screen._failed("save", exc)
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert said == [f"save failed, nothing lost (edits stay staged): No such file or directory: {tmp_path}/gone/a.md"]


async def test_a_bulk_tag_outside_the_vocabulary_asks_once_for_every_article(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('vocabulary = ["ASIA", "MARKET", "HASHKEY", "ETF", "REGULATION", "STABLECOINS"]\n')
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "t")
        await pilot.pause()
        await pilot.press(*"ports", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        assert "The save would add 5 problems to 5 articles:" in str(app.screen.query_one(".dialog-title").render())
        assert _problems_shown(app).count("tag 'PORTS' is not in the vocabulary") == 5
        await pilot.press("c")
        await settle(pilot, app)
        assert "5 unsaved" in status_text(app)
    assert snapshot(root) == before
