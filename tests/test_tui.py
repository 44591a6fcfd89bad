"""The TUI driven as a user would: keys pressed through Pilot, then the files on disk checked."""

from __future__ import annotations

import difflib
import io
from pathlib import Path

import pytest
from rich.console import Console
from textual.widgets import OptionList

from tests.test_tui_support import (
    ARTICLES,
    BROKEN,
    article_text,
    make_app,
    reader_problems,
    settle,
    write_folder,
)
from tui.model import Row
from tui.screens.dialogs import ConfirmQuit, SentimentPicker, TagPrompt
from tui.screens.diff import ConflictScreen, DiffScreen
from tui.screens.help import HelpScreen

SIZE = (140, 40)


def changed_lines(before: str, after: str) -> list[str]:
    """The +/- lines of a diff (no headers)."""
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def status_text(app) -> str:
    return str(app.main_screen.query_one("#status").render())


async def test_filter_mark_tag_save_changes_only_tag_lines_of_marked_files(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # Filter to the ASIA stories: a4, a2, a1 (newest first).
        await pilot.press("slash", *"tag:ASIA", "enter")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 3
        # Mark the first two shown (space marks and moves down): a4 and a2.
        await pilot.press("space", "space")
        # Clear the filter: the marks survive it.
        await pilot.press("slash", "escape")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 5
        assert "2 marked" in status_text(app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt)
        # Typed as it comes, added in the house style (upper-case, single spaces).
        await pilot.press(*"hong  kong", "enter")
        await settle(pilot, app)
        assert "2 unsaved" in status_text(app)
        assert snapshot(root) == before  # staged only: nothing written yet
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
    after = snapshot(root)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["a2-hashkey-ipo.md", "a4-hong-kong-rules.md"]
    for name in changed:
        assert changed_lines(before[name].decode(), after[name].decode()) == ["+  - HONG KONG"]


async def test_a_tag_is_added_as_typed_when_the_folder_ignores_the_case_rule(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('ignore = ["CD303"]\n')
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        await pilot.press(*"Hong  Kong", "enter", "ctrl+s")
        await settle(pilot, app)
    assert changed_lines(before["a5-stablecoins.md"].decode(), (root / "a5-stablecoins.md").read_text()) == ["+  - Hong Kong"]


async def test_sentiment_picker_and_draft_key_on_mixed_marked_set(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # Rows newest first: a5 (no sentiment), a4 NEGATIVE, a3 NEUTRAL, a2 POSITIVE draft, a1.
        await pilot.press("space", "space", "space", "space")  # a5, a4, a3, a2 marked
        await pilot.press("s")
        await pilot.pause()
        assert isinstance(app.screen, SentimentPicker)
        await pilot.press("p")
        await settle(pilot, app)
        # Drafts are mixed (only a2): d sets draft on all four. a2 was already a POSITIVE
        # draft, so it has nothing to save.
        await pilot.press("d")
        await settle(pilot, app)
        assert "3 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    diff = {name: changed_lines(before[name].decode(), after[name].decode()) for name in after}
    assert diff["a1-asia-markets.md"] == []
    assert diff["a2-hashkey-ipo.md"] == []
    assert diff["a3-etf-flows.md"] == ["-sentiment: NEUTRAL", "-draft: false", "+sentiment: POSITIVE", "+draft: true"]
    assert diff["a4-hong-kong-rules.md"] == ["-sentiment: NEGATIVE", "-draft: false", "+sentiment: POSITIVE", "+draft: true"]
    assert "+sentiment: POSITIVE" in diff["a5-stablecoins.md"] and "+draft: true" in diff["a5-stablecoins.md"]
    assert all(line.startswith("+") or line == "-draft: false" for line in diff["a5-stablecoins.md"])


async def test_draft_key_clears_when_every_target_is_a_draft(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")  # a5, a4: not drafts
        await pilot.press("d")  # -> both drafts
        await pilot.press("d")  # all drafts -> cleared again: nothing left to save
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press("d", "ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    for name in ("a5-stablecoins.md", "a4-hong-kong-rules.md"):
        assert changed_lines(before[name].decode(), after[name].decode()) == ["-draft: false", "+draft: true"]
    assert {n for n in after if after[n] != before[n]} == {"a5-stablecoins.md", "a4-hong-kong-rules.md"}


async def test_quit_with_unsaved_changes_asks(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await settle(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("escape")  # cancel: still running, still unsaved
        await pilot.pause()
        assert app.is_running and not isinstance(app.screen, ConfirmQuit)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmQuit)
        await pilot.press("d")  # discard
        await pilot.pause()
    assert not app.is_running
    assert snapshot(root) == before


async def test_quit_save_choice_writes_then_exits(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "q")
        await pilot.pause()
        await pilot.press("s")
        await settle(pilot, app)
    assert not app.is_running
    assert "draft: true" in (root / "a5-stablecoins.md").read_text()


async def test_same_field_changed_on_disk_is_not_overwritten(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    target = root / "a5-stablecoins.md"
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")  # stage draft: true on a5
        await settle(pilot, app)
        # Someone else sets the same field meanwhile.
        outside = target.read_text().replace("draft: false", "draft: 'no'")
        target.write_text(outside)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        assert target.read_text() == outside
        # What the save did is in the dialog's title; the save raises no toast over its key
        # line (the watcher may have noticed the outside change first: that notice is its own).
        assert "1 file was not saved (save: 1 conflict)" in str(app.screen.query_one(".dialog-title").render())
        assert not [n for n in app._notifications if "changed on disk" not in str(n.message)]
        await pilot.press("s")  # skip: our edit stays staged
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("r")  # reload from disk: our edit is dropped
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
    assert target.read_text() == outside


async def test_the_conflict_dialog_shows_the_lines_in_conflict_on_a_small_screen(tmp_path: Path) -> None:
    from textual.widgets import RichLog

    root = write_folder(tmp_path / "news")
    target = root / "a5-stablecoins.md"
    app = make_app(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await settle(pilot, app)
        target.write_text(target.read_text().replace("draft: false", "draft: 'no'"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        log = app.screen.query_one(RichLog)
        lines = [line.text for line in log.lines]
        window = lines[int(log.scroll_y): int(log.scroll_y) + log.size.height]
        assert "-draft: 'no'" in window and "+draft: true" in window, window  # not only headers
        top = log.scroll_y
        await pilot.press("k")  # j/k scroll the diff (the arrows choose the file)
        await pilot.pause()
        assert log.scroll_y == top - 1


async def test_other_field_changed_on_disk_is_merged(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    target = root / "a5-stablecoins.md"
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        target.write_text(target.read_text().replace("category: MARKET", "category: POLICY"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, ConflictScreen)
    text = target.read_text()
    assert "category: POLICY" in text and "draft: true" in text


async def test_raw_and_malformed_files_are_rows_not_crashes(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        total = len(ARTICLES) + len(BROKEN)
        assert app.main_screen.list.shown == total
        assert f"{total}/{total} shown" in status_text(app)
        # Undated broken files sort last; walk onto each and try to edit it.
        await pilot.press("G")
        for _ in range(len(BROKEN)):
            await settle(pilot, app)
            problems = reader_problems(app.main_screen)
            assert "CD1" in problems
            await pilot.press("d", "s")
            await pilot.pause()
            assert not isinstance(app.screen, SentimentPicker) or True
            if isinstance(app.screen, SentimentPicker):
                await pilot.press("p")
            await pilot.press("k")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 1
    assert snapshot(root) == before


async def test_printable_keys_type_into_the_filter_box(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"qdjk")
        await settle(pilot, app)
        assert app.is_running
        assert app.main_screen.filter_input.value == "qdjk"
        assert "0 unsaved" in status_text(app)


async def test_bad_query_shows_inline_error_and_keeps_list(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"nosuchfield:x")
        await settle(pilot, app)
        error = app.main_screen.query_one("#filter-error")
        assert error.display
        assert "nosuchfield" in str(error.render())
        # The rows are not those of the half-typed word `nosuchfield`: the list is unfiltered.
        assert "the list is unfiltered" in str(error.render())
        assert app.main_screen.list.shown == 5 and "filter:" not in status_text(app)
        await pilot.press("enter")  # refused: the box keeps the focus and the error stays
        await settle(pilot, app)
        assert app.focused is app.main_screen.filter_input and error.display
        await pilot.press("escape")
        await settle(pilot, app)
        assert not error.display
        assert app.main_screen.list.shown == 5
        # With a filter entered before, a bad query shows that filter's rows, and says so.
        await pilot.press("slash", *"tag:asia", "enter")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 3
        await pilot.press("slash", *" titel:x")
        await settle(pilot, app)
        assert "the list shows “tag:asia”" in str(error.render())
        assert app.main_screen.list.shown == 3 and "filter: tag:asia" in status_text(app)
        # A value no article can validly hold is a typo to say, not an empty list.
        await pilot.press("escape", "slash", *"sentiment:negativ")
        await settle(pilot, app)
        assert error.display and "did you mean 'NEGATIVE'" in str(error.render())
        # The query is in the box above: the line does not repeat it, so what the list shows
        # still fits its two rows at 100 columns.
        assert "(in '" not in str(error.render())
        assert len(str(error.render())) <= 2 * (100 - 2)


async def test_the_diff_and_the_tag_picker_move_with_the_list_keys(tmp_path: Path) -> None:
    from textual.widgets import OptionList, RichLog

    from tui.screens.dialogs import TagRemove

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "d", "D")  # every article's draft flag: a diff longer than the screen
        await settle(pilot, app)
        assert isinstance(app.screen, DiffScreen)
        log = app.screen.query_one(RichLog)
        assert log.max_scroll_y > 0 and log.scroll_y == 0
        await pilot.press("G")
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y
        await pilot.press("g", "j", "j")
        await pilot.pause()
        assert log.scroll_y == 2
        await pilot.press("escape", "T")
        await settle(pilot, app)
        assert isinstance(app.screen, TagRemove)
        options = app.screen.query_one(OptionList)
        await pilot.press("j", "j")
        assert options.highlighted == 2
        await pilot.press("k")
        assert options.highlighted == 1
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1


async def test_arrow_keys_move_the_cursor_in_a_list_longer_than_the_screen(tmp_path: Path) -> None:
    # In a list that could scroll, ↓ scrolled the view and left the cursor (and the reader,
    # and the target of the next edit) behind; a five-row list could not show it.
    articles = {f"n{i:02d}.md": article_text(f"Story {i:02d}", ["ASIA"], date=f"2025-10-{i + 1:02d}T08:00:00.000Z") for i in range(30)}
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.list.max_scroll_y > 0
        await pilot.press("down", "down", "down")
        await settle(pilot, app)
        assert screen.list.cursor == 3
        assert screen.ws.articles[screen.list.current].relpath == "n26.md"  # newest first
        await pilot.press("up")
        await settle(pilot, app)
        assert screen.list.cursor == 2


async def test_undo_and_diff(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "j", "d")
        await settle(pilot, app)
        assert "2 unsaved" in status_text(app)
        await pilot.press("u")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("D")
        await settle(pilot, app)
        assert isinstance(app.screen, DiffScreen)
        log = "\n".join(str(line) for line in app.screen.query_one("#diff-log").lines)
        assert "+draft: true" in log and "a5-stablecoins.md" in log
        await pilot.press("escape")
        await pilot.press("u")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert snapshot(root) == before


async def test_editor_stages_field_edits_for_the_current_article(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j")  # a4
        await settle(pilot, app)
        await pilot.press("e")  # focus the first field: title
        await pilot.pause()
        title = app.main_screen.query_one("#field-title")
        assert app.focused is title
        await pilot.press("end", *" (update)", "enter")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("escape", "ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert changed_lines(before["a4-hong-kong-rules.md"].decode(), after["a4-hong-kong-rules.md"].decode()) == [
        "-title: Hong Kong studies derivatives",
        "+title: Hong Kong studies derivatives (update)",
    ]
    assert {n for n in after if after[n] != before[n]} == {"a4-hong-kong-rules.md"}


async def test_remove_tag_from_marked_set(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"tag:asia", "enter")
        await settle(pilot, app)
        await pilot.press("a")  # mark every shown row
        await pilot.press("T")
        await pilot.pause()
        await pilot.press("enter")  # the most common tag first: ASIA (3)
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    changed = {n for n in after if after[n] != before[n]}
    assert changed == {"a1-asia-markets.md", "a2-hashkey-ipo.md", "a4-hong-kong-rules.md"}
    for name in changed:
        assert changed_lines(before[name].decode(), after[name].decode()) == ["-  - ASIA"]


@pytest.mark.parametrize(("tag", "line", "shown"), [
    ("", "-  - ''", "⟨empty⟩"),  # T took the empty tag for "nothing chosen"
    (" REGULATIONS", "-  - ' REGULATIONS'", '"␠REGULATIONS"'),
    ("  ", "-  - '  '", '"␠␠"'),
])
async def test_remove_tag_takes_an_empty_or_blank_edged_tag_off_the_file(
        tmp_path: Path, tag: str, line: str, shown: str) -> None:
    text = article_text("Odd tags", ["Hong Kong", "' REGULATIONS'", "''", "'  '", "HONGKONG"])
    root = write_folder(tmp_path / "news", {"c1-odd.md": text})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("T")
        await pilot.pause()
        options = app.screen.query_one("#untag-options", OptionList)
        ids = [options.get_option_at_index(n).id for n in range(options.option_count)]
        position = ids.index(tag)
        assert str(options.get_option_at_index(position).prompt).split()[0] == shown
        await pilot.press(*["j"] * position, "enter")
        await settle(pilot, app)
        assert f"remove tag {shown}: 1 article changed" in status_text(app) + "".join(
            str(n.message) for n in app._notifications)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert changed_lines(text, (root / "c1-odd.md").read_text()) == [line]


async def test_help_screen_lists_every_command(tmp_path: Path) -> None:
    from tui.commands import COMMANDS

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table").content)
        rendered = console.export_text()
        for cmd in COMMANDS:
            assert cmd.help in rendered
        # Every symbol a row can show is explained.
        from tui.widgets.article_list import SENTIMENT_TEXT, STATUS_MARK

        console.print(app.screen.query_one("#help-rows").content)
        legend = console.export_text()
        for symbol in ["●", "*", "D", *STATUS_MARK.values(), *filter(None, SENTIMENT_TEXT.values())]:
            assert any(line.lstrip().startswith(symbol) or f" {symbol} " in line for line in legend.splitlines()), symbol
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_keys_are_remapped_by_the_config_file(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('[keys]\ntoggle-draft = "x"\nfilter = "f"\n')
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press("x")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("slash")
        await settle(pilot, app)
        assert app.focused is app.main_screen.list
        await pilot.press("f", *"tag:etf", "enter")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 1


async def test_a_key_taken_from_another_command_is_said_and_shown_in_the_help(tmp_path: Path) -> None:
    from tui.screens.help import help_table

    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('[keys]\ntoggle-draft = "j"\n')
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        messages = [str(n.message) for n in app._notifications]
        assert any("j is now toggle-draft, no longer cursor-down" in m for m in messages), messages
        await pilot.press("j")  # the draft flag, not a move
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app) and app.main_screen.list.cursor == 0
        await pilot.press("down")
        assert app.main_screen.list.cursor == 1
    console = Console(file=io.StringIO(), width=120)
    console.print(help_table({"toggle-draft": "j"}))
    lines = console.file.getvalue().splitlines()
    down = next(line for line in lines if "Move the cursor down" in line)
    assert down.split()[0] == "↓" and "cursor-down" in down  # the key left, and the id to remap it


async def test_outside_change_is_noticed_and_reloaded(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        target = root / "a3-etf-flows.md"
        target.write_text(target.read_text().replace("ETF flows turn positive", "ETF flows reverse"))
        app.main_screen._next_watch = 0.0  # the app's own timer may have just run it
        app.main_screen._watch()
        await settle(pilot, app)
        assert "1 changed on disk" in status_text(app)
        await pilot.press("R")
        await settle(pilot, app)
        assert "changed on disk" not in status_text(app)
        titles = [Row._make(app.main_screen.ws.rows[i]).title for i in app.main_screen.ws.visible]
        assert "ETF flows reverse" in titles


async def test_the_status_bar_says_what_ctrl_s_does_with_articles_changed_on_disk(tmp_path: Path) -> None:
    # It said "ctrl+s merges" for a staged rewrite too, which a save never merges: it cannot
    # write it. Each claim is checked by pressing ctrl+s.
    raw = b"Council votes on the ferry budget\n\nThe vote was close.\n"
    root = write_folder(tmp_path / "news", dict(list(ARTICLES.items())[:1]), {"raw.txt": raw})
    article = root / next(iter(ARTICLES))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen

        async def changed_on_disk(path: Path, old: str, new: str) -> None:
            path.write_text(path.read_text().replace(old, new))
            screen._next_watch = 0.0  # the app's own timer may have just run it
            screen._watch()
            await settle(pilot, app)

        await pilot.press("g", "d")  # the article (the first row): stage draft: true
        await changed_on_disk(article, "category: MARKET", "category: POLICY")
        assert "1 changed on disk (ctrl+s merges)" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert "changed on disk" not in status_text(app)
        assert "category: POLICY" in article.read_text() and "draft: true" in article.read_text()
        await pilot.press("G", "i")  # the raw file (the last row): adopt it
        await settle(pilot, app)
        await pilot.press("enter", "escape")  # stage the adoption, back to the list
        await settle(pilot, app)
        await changed_on_disk(root / "raw.txt", "close", "tight")
        assert "1 changed on disk (ctrl+s cannot save 1 staged rewrite: a rewrite does not merge)" in status_text(app)
        await pilot.press("g", "d")  # draft: false staged on the article, changed again on disk
        await changed_on_disk(article, "category: POLICY", "category: MARKET")
        assert "2 changed on disk (ctrl+s merges 1, cannot save 1 staged rewrite)" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        assert [trouble.relpath for trouble in app.screen.troubles] == ["raw.txt"]  # not saved
        await pilot.press("escape")
        await settle(pilot, app)
    assert "category: MARKET" in article.read_text() and "draft: false" in article.read_text()
    assert (root / "raw.txt").read_bytes() == raw.replace(b"close", b"tight")


async def test_reload_drops_deleted_files_adds_new_ones_and_keeps_staged_edits(tmp_path: Path) -> None:
    # R used to leave a deleted file as a "cannot stat" row, and to drop the staged edits of
    # an article a colleague had changed (u could not bring them back).
    root = write_folder(tmp_path / "news")
    edited = root / "a5-stablecoins.md"
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await pilot.press("space", "d")  # a5 (the newest, first): mark it, stage draft: true
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("G")  # the cursor on a1, below the file about to go
        await settle(pilot, app)
        edited.write_text(edited.read_text().replace("category: MARKET", "category: POLICY"))
        (root / "a3-etf-flows.md").unlink()
        (root / "a6-new.md").write_text((root / "a4-hong-kong-rules.md").read_text().replace("Hong Kong studies derivatives", "A new story"))
        screen._next_watch = 0.0  # the app's own timer may have just run it
        screen._watch()
        await settle(pilot, app)
        # The watcher tells a deleted file from a changed one, and sees added files too.
        assert "1 changed on disk, 1 deleted, 1 new (R reloads)" in status_text(app)
        await pilot.press("R")
        await settle(pilot, app)
        names = [screen.ws.articles[i].relpath for i in screen.ws.visible]
        assert "a3-etf-flows.md" not in names and "a6-new.md" in names
        # The cursor, the reader and the editor stay on a1 (the rows above it moved).
        a1 = screen.ws.index_of((root / "a1-asia-markets.md").resolve())
        assert screen.list.current == a1 and screen.editor.index == a1
        assert screen.reader._shown[0].name == "a1-asia-markets.md"
        assert "5/5 shown" in status_text(app) and "1 unsaved" in status_text(app)
        assert "1 marked" in status_text(app)
        marked = [screen.ws.articles[i].relpath for i in screen.ws.marked]
        assert marked == ["a5-stablecoins.md"]  # the mark moved with its article
        await pilot.press("ctrl+s")  # the kept edit merges with the colleague's change
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
    text = edited.read_text()
    assert "category: POLICY" in text and "draft: true" in text


async def test_tag_screen_renames_across_the_folder_with_preview(tmp_path: Path) -> None:
    from tui.screens.tags import RenamePreview, TagsScreen

    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsScreen)
        await pilot.press("slash", *"market", "enter")  # narrow the tag list to MARKET
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt)
        await pilot.press("ctrl+a", "ctrl+k", *"markets", "enter")  # renamed in the house style
        await pilot.pause()
        assert isinstance(app.screen, RenamePreview)
        preview = str(app.screen.query_one("#rename-lines").render())
        assert "2 articles" in preview
        await pilot.press("enter", "escape")
        await settle(pilot, app)
        assert "2 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a1-asia-markets.md", "a3-etf-flows.md"}
    for name in ("a1-asia-markets.md", "a3-etf-flows.md"):
        assert changed_lines(before[name].decode(), after[name].decode()) == ["-  - MARKET", "+  - MARKETS"]


async def test_a_near_duplicate_group_is_chosen_and_merged_from_the_groups_pane(tmp_path: Path) -> None:
    from tui.screens.tags import RenamePreview, TagsScreen

    articles = dict(ARTICLES)
    articles["a4-hong-kong-rules.md"] = articles["a4-hong-kong-rules.md"].replace("  - REGULATION", "  - Market")
    root = write_folder(tmp_path / "news", articles)
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        assert isinstance(app.screen, TagsScreen)
        await pilot.press("tab")  # from the tags to the groups
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#tags-similar")
        await pilot.press("enter")  # the first group: MARKET (2) <- Market (1)
        await pilot.pause()
        assert isinstance(app.screen, RenamePreview)
        assert "'Market' → 'MARKET': 1 article" in str(app.screen.query_one("#rename-lines").render())
        await pilot.press("enter", "escape")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a4-hong-kong-rules.md"}
    assert changed_lines(before["a4-hong-kong-rules.md"].decode(), after["a4-hong-kong-rules.md"].decode()) == ["-  - Market", "+  - MARKET"]


async def test_sort_cycles_and_command_palette_runs_commands(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ws = app.main_screen.ws
        assert ws.articles[ws.visible[0]].path.name == "a5-stablecoins.md"
        await pilot.press("o")  # title
        await settle(pilot, app)
        assert "sort: title" in status_text(app)
        assert Row._make(ws.rows[ws.visible[0]]).title == "Asia markets slide"
        await pilot.press("o", "o")  # source, problems
        await settle(pilot, app)
        assert "sort: problems" in status_text(app)
        assert Row._make(ws.rows[ws.visible[0]]).status == "broken"
        await pilot.press("o", "g")  # back to date, top row
        await settle(pilot, app)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Draft")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)


async def test_keys_typed_faster_than_focus_moves_still_go_into_the_filter(tmp_path: Path) -> None:
    from textual import events

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # All queued at once, as a paste or a fast typist delivers them.
        names = {"/": "slash", ":": "colon", " ": "space"}
        for char in "/tag:asia dt":
            app.post_message(events.Key(names.get(char, char), char))
        app.post_message(events.Key("enter", "\r"))
        await settle(pilot, app)
        assert app.main_screen.filter_input.value == "tag:asia dt"
        assert not app.main_screen.ws.marked and "0 unsaved" in status_text(app)
        assert not isinstance(app.screen, TagPrompt)


async def test_read_only_file_is_refused_and_edits_stay_staged(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    target = root / "a5-stablecoins.md"
    before = target.read_bytes()
    target.chmod(0o444)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d", "ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        assert "read-only" in str(app.screen.query_one("#conflict-files").get_option_at_index(0).prompt)
        await pilot.press("escape")  # skip
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("E")  # staged edits on this row: refused with a message
        await pilot.press("j", "E")  # no terminal to hand over here: a message, not a crash
        await settle(pilot, app)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any("staged edits" in m for m in messages)
        assert any("cannot run" in m for m in messages)
    assert target.read_bytes() == before


async def test_conflict_overwrite_writes_ours_when_asked(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    target = root / "a5-stablecoins.md"
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")
        target.write_text(target.read_text().replace("draft: false", "draft: 'no'"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        diff = "\n".join(str(line) for line in app.screen.query_one("#conflict-diff").lines)
        assert "-draft: 'no'" in diff and "+draft: true" in diff
        await pilot.press("o")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
    text = target.read_text()
    assert "draft: true" in text and "'no'" not in text


async def test_a_schema_the_validator_refuses_is_reported_and_nothing_is_written(tmp_path: Path) -> None:
    # The TUI reads the schema's fields without compiling it (the first screen must not wait
    # for the validator): a schema that is JSON but not a valid JSON Schema still has to be
    # reported, by the check that follows, naming the file.
    root = write_folder(tmp_path / "news")
    (root / "schema.json").write_text('{"type": "object", "properties": {"title": {"type": 5}}}', encoding="utf-8")
    (root / "copydesk.toml").write_text('schema = "schema.json"\n', encoding="utf-8")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any("schema.json" in m and "invalid JSON Schema" in m for m in messages), messages
    assert snapshot(root) == before


async def test_tags_are_counted_only_when_a_tag_input_suggests(tmp_path: Path) -> None:
    # At 50,000 articles counting every tag took ~0.6 s of the event loop at each editor
    # sync after a change: moving through the list must not pay for it.
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        ws = app.main_screen.ws
        counted: list[int] = []
        real_count = ws._count_tags

        def count(indices):
            counted.append(1)
            return real_count(indices)

        ws._count_tags = count
        await pilot.press("j", "j", "k")
        await settle(pilot, app)
        await pilot.press("space", "d")  # an edit: the rows change
        await pilot.press("j")
        await settle(pilot, app)
        assert counted == []
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt)
        await pilot.press(*"asi")
        await settle(pilot, app)
        options = app.screen.query_one(".tag-input--suggestions")
        labels = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert labels and labels[0].split() == ["ASIA", "3"], labels
        assert counted == [1]  # once, then kept while nothing changes
        await pilot.press("escape", "escape")


async def test_while_typing_a_filter_the_reader_waits_for_a_pause_then_shows_the_cursor_article(tmp_path: Path, monkeypatch) -> None:
    # Each keystroke can move the cursor to another article; re-rendering the reader between
    # two keystrokes delayed the next one's list. It follows once the typing pauses.
    from tui.screens import main as main_screen

    monkeypatch.setattr(main_screen, "TYPING_PANE_DELAY", 1.0)  # a wide margin on a slow machine
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        first_shown = screen.reader._shown
        assert first_shown is not None and first_shown[0] == screen.ws.articles[screen.list.current].path
        await pilot.press("slash", *"slide")
        for _ in range(20):  # the filtered list arrives from its worker thread
            await pilot.pause(0.02)
            if screen.list.shown == 1:
                break
        assert screen.list.shown == 1
        cursor_path = screen.ws.articles[screen.list.current].path
        assert cursor_path.name == "a1-asia-markets.md" != first_shown[0].name
        assert screen.reader._shown == first_shown  # still the article before the typing
        await pilot.pause(1.3)
        await settle(pilot, app)
        assert screen.reader._shown[0] == cursor_path
        reader_text = str(screen.query_one("#reader-path").render())
        assert "a1-asia-markets.md" in reader_text


async def test_typing_in_an_editor_field_adds_to_its_value_and_escape_drops_what_was_typed(tmp_path: Path) -> None:
    # Focus used to select a field's whole value: typing ", PORTS" into the tags replaced
    # them all, and escape then staged that.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j")  # a4: tags ASIA, REGULATION
        await settle(pilot, app)
        await pilot.press("e")  # the first field: title
        await pilot.pause()
        title = app.main_screen.query_one("#field-title")
        assert app.focused is title
        await pilot.press(*" (draft)", "escape")
        await settle(pilot, app)
        assert title.value == "Hong Kong studies derivatives"
        assert app.focused is app.main_screen.list
        assert "0 unsaved" in status_text(app)

        tags = app.main_screen.query_one("#field-tags").input
        app.set_focus(tags)
        await pilot.pause()
        await pilot.press(*", PORTS", "escape")  # the first escape closes the suggestions
        await pilot.pause()
        await pilot.press("escape")
        await settle(pilot, app)
        assert tags.value == "ASIA, REGULATION"
        assert "0 unsaved" in status_text(app)

        app.set_focus(tags)
        await pilot.pause()
        await pilot.press(*", ETFS")
        await pilot.pause()
        assert app.main_screen.query_one("#field-tags").suggestions.display  # ETF
        await pilot.press("tab")  # leaving the field stages it, and closes its suggestions
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        assert not app.main_screen.query_one("#field-tags").suggestions.display
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a4-hong-kong-rules.md"}
    assert changed_lines(before["a4-hong-kong-rules.md"].decode(), after["a4-hong-kong-rules.md"].decode()) == ["+  - ETFS"]


async def test_save_and_quit_count_text_still_being_typed_in_a_field(tmp_path: Path) -> None:
    # ctrl+s used to say "nothing to save" with the typed text on screen, and ctrl+q quit
    # without asking: both now stage the focused field first, as leaving it would.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "e")  # a4's title
        await settle(pilot, app)
        await pilot.press(*" (update)", "ctrl+s")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press(*" again", "ctrl+q")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmQuit)
        assert app.screen.unsaved == 1
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.is_running and "1 unsaved" in status_text(app)
    after = snapshot(root)
    assert changed_lines(before["a4-hong-kong-rules.md"].decode(), after["a4-hong-kong-rules.md"].decode()) == [
        "-title: Hong Kong studies derivatives",
        "+title: Hong Kong studies derivatives (update)",
    ]


async def test_an_impossible_date_keeps_the_focus_in_its_field_and_nothing_is_staged(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j")
        await settle(pilot, app)
        date = app.main_screen.query_one("#field-publishedAt")
        app.set_focus(date)
        await pilot.pause()
        await pilot.press("ctrl+u", *"2025-11-31", "tab")
        await settle(pilot, app)
        assert app.focused is date  # tab refused: the text is in neither the list nor the file
        assert "0 unsaved" in status_text(app)
        await pilot.press("ctrl+s")  # refused too: nothing half-saved
        await settle(pilot, app)
        assert app.focused is date and "0 unsaved" in status_text(app)
        await pilot.press("ctrl+q")  # no quit with the refused text on screen
        await settle(pilot, app)
        assert app.is_running and not isinstance(app.screen, ConfirmQuit)
        await pilot.press("escape")  # drops it
        await settle(pilot, app)
        assert date.value == "2025-11-04T08:00:00.000Z"
        assert app.focused is app.main_screen.list
    assert snapshot(root) == before


async def test_the_editor_turns_tags_written_as_a_string_into_a_list(tmp_path: Path) -> None:
    articles = dict(ARTICLES)
    articles["a5-stablecoins.md"] = articles["a5-stablecoins.md"].replace("tags:\n  - STABLECOINS", "tags: STABLECOINS  # one")
    root = write_folder(tmp_path / "news", articles)
    before = snapshot(root)
    assert b"tags: STABLECOINS  # one" in before["a5-stablecoins.md"]
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)  # a5 is the first row
        tags = app.main_screen.query_one("#field-tags").input
        app.set_focus(tags)
        await pilot.pause()
        assert tags.value == "STABLECOINS"
        await pilot.press(*", markets", "escape")  # close the suggestions; staged in the house style
        await pilot.press("tab")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert changed_lines(before["a5-stablecoins.md"].decode(), (root / "a5-stablecoins.md").read_text()) == [
        "-tags: STABLECOINS  # one",
        "+tags:",
        "+  - STABLECOINS",
        "+  - MARKETS  # one",
    ]


async def test_a_new_filter_starts_at_its_first_match_and_escape_returns_to_the_article(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen

        def current() -> str:
            return screen.ws.articles[screen.list.current].path.name

        await pilot.press("j", "j", "j", "j")  # a1, the oldest: last of the list
        await settle(pilot, app)
        assert current() == "a1-asia-markets.md"
        await pilot.press("slash", "a")  # every article matches, a1 included
        await settle(pilot, app)
        assert screen.list.shown == 5 and screen.list.cursor == 0 and current() == "a5-stablecoins.md"
        await pilot.press("escape")  # the filter dropped: back where the cursor was
        await settle(pilot, app)
        assert current() == "a1-asia-markets.md"

        await pilot.press("k", "k")  # a3, not an ASIA article
        await pilot.press("slash", *"tag:asia")
        await settle(pilot, app)
        assert screen.list.shown == 3 and current() == "a4-hong-kong-rules.md"  # the newest match
        await pilot.press("enter", "j")  # keep the filter; move to a2 in it
        await settle(pilot, app)
        assert current() == "a2-hashkey-ipo.md"
        await pilot.press("slash", "escape")  # cleared: the cursor stays on the article chosen
        await settle(pilot, app)
        assert screen.list.shown == 5 and current() == "a2-hashkey-ipo.md"


async def test_staged_edits_are_checked_before_the_save(tmp_path: Path) -> None:
    # Fixing a missing sentiment turned the row clean only after ctrl+s; the row, the status
    # bar and the reader now show what the staged edits fix (or break) before anything is written.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        a5 = screen.list.current  # the newest: a5, without a sentiment
        assert screen.ws.articles[a5].path.name == "a5-stablecoins.md"
        assert Row._make(screen.ws.rows[a5]).status == "error"
        assert "1 with problems" in status_text(app)
        assert "CD201" in reader_problems(screen)
        await pilot.press("s", "p")  # sentiment: POSITIVE
        await settle(pilot, app)
        assert Row._make(screen.ws.rows[a5]) [:2] == ("clean", "POSITIVE")
        assert "0 with problems" in status_text(app) and "1 unsaved" in status_text(app)
        assert "CD201" not in reader_problems(screen)
        assert snapshot(root) == before  # checked in memory: nothing written
        await pilot.press("u")
        await settle(pilot, app)
        assert Row._make(screen.ws.rows[a5]).status == "error"
        assert "1 with problems" in status_text(app)
        assert "CD201" in reader_problems(screen)


async def test_an_edit_made_in_the_editor_is_checked_before_the_save(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        await pilot.press("j")  # a4, clean
        await settle(pilot, app)
        a4 = screen.list.current
        assert Row._make(screen.ws.rows[a4]).status == "clean" and "1 with problems" in status_text(app)
        await pilot.press("e")  # the title field
        await pilot.pause()
        await pilot.press(*["backspace"] * len("Hong Kong studies derivatives"), "tab")  # emptied, staged
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        assert Row._make(screen.ws.rows[a4]).status == "error" and "2 with problems" in status_text(app)
        assert "title" in reader_problems(screen)


async def test_a_sentiment_outside_the_enum_does_not_pass_for_a_valid_one_in_the_list(tmp_path: Path) -> None:
    from tests.test_tui_support import article_text

    articles = {
        "typo.md": article_text("Exchanges warn on fees", ["MARKETS"], sentiment="POSITVE", date="2025-11-02T08:00:00Z"),
        "fine.md": article_text("Ferry fares rise", ["TRANSPORT"], sentiment="POSITIVE", date="2025-11-01T08:00:00Z"),
    }
    app = make_app(write_folder(tmp_path / "news", articles))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        lines = ["".join(segment.text for segment in app.main_screen.list.render_line(y)) for y in range(2)]
    assert " PO? " in lines[0] and "Exchanges" in lines[0]
    assert " POS " in lines[1] and "Ferry" in lines[1]
