"""Keys typed or pasted in a burst reach the app whole and in order.

``pilot.press`` waits for the app to go idle after every key, which is exactly what a paste
or a fast typist does not do: these tests post every key of a burst at once, as the
terminal driver does, then look at the screen and the files on disk. The tmux tests send
bursts to the real program in a pane: over 200 characters and control keys, and `enter` `j`
`enter` from the list to a problem's line.
"""

from __future__ import annotations

import asyncio
import sys
import unicodedata
from pathlib import Path

import pytest
from textual import events

from core.config import load_config
from core.document import load_article
from tests.terminal import Terminal
from tests.test_tui_support import ARTICLES, make_app, settle, write_folder
from tui.app import CopydeskApp
from tui.input_order import SETTLE_LIMIT
from tui.screens.dialogs import TagPrompt
from tui.widgets.editor import MetadataEditor

SIZE = (140, 40)

# What a terminal sends for the named keys these tests use.
CHARACTERS = {"enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f", "space": " ", "slash": "/"}


def key_event(key: str) -> events.Key:
    """The event the terminal driver makes for ``key`` (a character or a key name)."""
    if len(key) == 1:
        character = key
        if not key.isalnum():
            key = {" ": "space", "/": "slash"}.get(key) or unicodedata.name(key).lower().replace(" ", "_").replace("-", "_")
        return events.Key(key, character)
    if key.startswith("ctrl+") and len(key) == 6:
        return events.Key(key, chr(ord(key[-1]) - ord("a") + 1))
    return events.Key(key, CHARACTERS.get(key))


def burst(app: CopydeskApp, *keys: str) -> None:
    """Send ``keys`` with no pause between them, as a paste or a fast typist does."""
    for key in keys:
        app.post_message(key_event(key))
    SENT[app] = SENT.get(app, 0) + len(keys)


def paste(app: CopydeskApp, text: str) -> None:
    """A bracketed paste of ``text``."""
    app.post_message(events.Paste(text))
    SENT[app] = SENT.get(app, 0) + 1


SENT: dict[CopydeskApp, int] = {}  # keys and pastes sent to each app


async def drained(pilot, app: CopydeskApp) -> None:
    """Wait until every key sent has been handled and the workers they started are done
    (a save in the burst cancels the check of the edits staged before it)."""
    for _ in range(3000):
        if app.input_order.handled >= SENT.get(app, 0):
            break
        await pilot.pause(0.01)
    assert app.input_order.handled == SENT.get(app, 0)
    for delay in (0, 0, 0, 0.12, 0):
        await pilot.pause(delay)
        await asyncio.gather(*(worker.wait() for worker in list(app.workers)), return_exceptions=True)


def meta(root: Path, name: str) -> dict:
    article = load_article(root / name, load_config(root))
    assert article.meta is not None
    return dict(article.meta)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


async def test_filter_burst_keeps_ctrl_u_before_the_text_and_a_marks_only_the_matches(tmp_path: Path) -> None:
    # The reproduction: `/`, `ctrl+u` and the query in one burst left the box empty
    # (ctrl+u ran after the text) and the list unfiltered; `a` then marked every row.
    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "slash", "ctrl+u", *"tag:ASIA", "enter", "a")
        await drained(pilot, app)
        screen = app.main_screen
        assert screen.filter_input.value == "tag:ASIA"
        assert screen.list.shown == 3  # a4, a2, a1
        assert app.workspace.marked_count == 3
        assert app.focused is screen.list


async def test_enter_in_the_filter_box_then_commands_in_the_same_burst_run_as_commands(tmp_path: Path) -> None:
    # `/tag:ETF` `enter` `a` `t` typed `at` into the filter box: the keys after `enter` went to
    # the box before the focus had moved back to the list.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "slash", *"tag:ETF", "enter", "a", "t", *"hong kong", "enter", "ctrl+s")
        await drained(pilot, app)
        assert app.main_screen.filter_input.value == "tag:ETF"
        assert not isinstance(app.screen, TagPrompt)
    after = snapshot(root)
    assert [name for name in before if before[name] != after[name]] == ["a3-etf-flows.md"]
    assert meta(root, "a3-etf-flows.md")["tags"] == ("ETF", "MARKET", "HONG KONG")


async def test_tab_inside_an_editor_burst_moves_on_and_the_rest_lands_in_the_next_field(tmp_path: Path) -> None:
    # `tab` followed at once by a typed date dropped the date: the field left behind was
    # staged after the next field had been typed into, and refilling the editor wiped it.
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "e", "ctrl+u", *"Harbour strike ends", "tab", "ctrl+u", *"Dockers vote to return", "tab",
              "ctrl+u", *"2025-12-01T09:30:00.000Z", "tab", "ctrl+s")
        await drained(pilot, app)
    saved = meta(root, "a5-stablecoins.md")  # the first row: the newest article
    assert saved["title"] == "Harbour strike ends"
    assert saved["description"] == "Dockers vote to return"
    assert saved["publishedAt"] == "2025-12-01T09:30:00.000Z"


async def test_e_then_text_before_the_editor_is_built_goes_into_its_first_field(tmp_path: Path) -> None:
    # The editor's inputs are built after the first rows are painted: `e` pressed before
    # that builds them, and the keys behind it wait for the field instead of running as
    # list commands (`d` draft, `s` sentiment...).
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        while app.main_screen.list.shown < len(ARTICLES):  # the rows, not yet the editor
            await asyncio.sleep(0.001)
        burst(app, "e", "ctrl+u", *"dsa title", "enter", "ctrl+s")
        await drained(pilot, app)
    saved = meta(root, "a5-stablecoins.md")
    assert saved["title"] == "dsa title"
    assert saved["draft"] is False


@pytest.mark.parametrize("late", [-0.03, 0.3], ids=["just-within-the-settle-limit", "past-it"])
async def test_e_then_text_waits_for_an_editor_built_slowly(tmp_path: Path, monkeypatch, late: float) -> None:
    # On a loaded machine the editor's build outlasted the wait for a key's effects: ctrl+u
    # ran on the list (`d` then toggled draft), or in the field before its focus had put the
    # cursor after its text, and the title saved was "Stablecoin bill advancesdsa title".
    build = MetadataEditor._mount_fields

    async def slow_build(editor: MetadataEditor) -> None:
        await asyncio.sleep(SETTLE_LIMIT + late)
        await build(editor)

    monkeypatch.setattr(MetadataEditor, "_mount_fields", slow_build)
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        while app.main_screen.list.shown < len(ARTICLES):
            await asyncio.sleep(0.001)
        burst(app, "e", "ctrl+u", *"dsa title", "enter", "ctrl+s")
        await drained(pilot, app)
    saved = meta(root, "a5-stablecoins.md")
    assert (saved["title"], saved["draft"]) == ("dsa title", False)


async def test_keys_behind_one_still_waiting_its_turn_wait_for_it(tmp_path: Path) -> None:
    # On a loaded machine a key could wait in a queue longer than the settle limit: the
    # keys behind it were handed over before its binding had run (`ctrl+u` after `e` went
    # to the list). Here the screen's queue is busy for longer than the limit.
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)

        async def busy() -> None:
            await asyncio.sleep(SETTLE_LIMIT + 0.3)

        app.main_screen.call_later(busy)
        burst(app, "e", "ctrl+u", *"dsa title", "enter", "ctrl+s")
        await drained(pilot, app)
    saved = meta(root, "a5-stablecoins.md")
    assert (saved["title"], saved["draft"]) == ("dsa title", False)


async def test_a_paste_after_slash_lands_in_the_filter_box(tmp_path: Path) -> None:
    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "slash")
        paste(app, "tag:ASIA")
        burst(app, "enter", "a")
        await drained(pilot, app)
        assert app.main_screen.filter_input.value == "tag:ASIA"
        assert app.workspace.marked_count == 3


async def test_a_paste_in_an_editor_burst_lands_in_the_field_the_tab_reached(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "e", "ctrl+u")
        paste(app, "Pasted title")
        burst(app, "tab", "ctrl+u")
        paste(app, "Pasted standfirst")
        burst(app, "tab", "ctrl+s")
        await drained(pilot, app)
    saved = meta(root, "a5-stablecoins.md")
    assert (saved["title"], saved["description"]) == ("Pasted title", "Pasted standfirst")


async def test_typing_after_slash_refines_the_filter_instead_of_replacing_it(tmp_path: Path) -> None:
    # The box selected its text on focus: the next character replaced the whole query.
    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        burst(app, "slash", *"tag:ASIA", "enter", "slash", *" -is:draft", "enter")
        await drained(pilot, app)
        assert app.main_screen.filter_input.value == "tag:ASIA -is:draft"
        assert app.main_screen.list.shown == 2  # a4, a1 (a2 is a draft)


def many_articles(root: Path, count: int) -> int:
    """``count`` small articles, every third tagged ASIA; returns how many are."""
    root.mkdir(parents=True)
    asia = 0
    for i in range(count):
        tags = ["ASIA", "MARKET"] if i % 3 == 0 else ["ETF"]
        asia += i % 3 == 0
        day = 1 + i % 28
        text = ARTICLES["a1-asia-markets.md"].replace("Asia markets slide", f"Story {i}").replace(
            "tags:\n  - ASIA\n  - MARKET", "tags:\n" + "".join(f"  - {t}\n" for t in tags).rstrip("\n")
        ).replace("2025-11-01", f"2025-10-{day:02d}")
        (root / f"s{i:05d}.md").write_text(text, encoding="utf-8")
    return asia


async def test_keys_typed_while_a_large_folder_is_read_are_not_lost(tmp_path: Path) -> None:
    # At 50,000 articles the first characters after `/` were once lost during start-up
    # (`/g:ASIA`): keys typed before the list is on screen must all reach the filter box.
    root = tmp_path / "big"
    asia = many_articles(root, 3000)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "slash", *"tag:ASIA", "enter", "a")
        await drained(pilot, app)
        for _ in range(300):  # the folder is still being read and checked
            await settle(pilot, app)
            if app.main_screen.list.shown == asia and app.workspace.marked_count:
                break
        assert app.main_screen.filter_input.value == "tag:ASIA"
        assert app.main_screen.list.shown == asia
        assert app.workspace.marked_count == asia


def test_a_200_character_burst_in_a_real_terminal_loses_nothing(tmp_path: Path, terminal: Terminal) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    terminal.start([sys.executable, "-m", "tui.launch", str(root)], size=SIZE)
    terminal.wait_for("5/5 shown")
    title = "Harbour workers end a two-week strike, ports reopen at dawn, and exporters count the cost"
    description = "Dockers voted 412 to 96 to return, unions said, after talks brokered by the port authority overnight"
    date = "2025-12-01T09:30:00.000Z"
    # One tmux command: every key below reaches the program in one burst, with no pause.
    steps: list[tuple[str, ...]] = [
        ("-l", "/"), ("C-u",), ("-l", "tag:ETF"), ("Enter",), ("-l", "e"),
        ("C-u",), ("-l", title), ("Tab",), ("C-u",), ("-l", description), ("Tab",), ("C-u",), ("-l", date),
        ("Tab",), ("C-s",),
    ]
    typed = sum(len(step[-1]) if step[0] == "-l" else 1 for step in steps)
    assert typed >= 200
    terminal.burst(*steps)
    terminal.wait_for("1 saved")
    after = snapshot(root)
    assert [name for name in before if before[name] != after[name]] == ["a3-etf-flows.md"]
    saved = meta(root, "a3-etf-flows.md")
    assert (saved["title"], saved["description"], saved["publishedAt"]) == (title, description, date)


def test_enter_j_enter_in_one_burst_goes_to_the_second_problems_line(tmp_path: Path, terminal: Terminal) -> None:
    # From the list: enter focuses the reader's problems, j takes the second, enter scrolls the
    # text to its line. A key lost or run before the last one's effect leaves the text at its
    # top (line 1) or the cursor on the first problem.
    lines = [f"Paragraph {n} of the council story, as the scraper left it." for n in range(2, 61)]
    lines[47] = "👉 Tell us what you think about late-night opening"  # line 49: CD404
    raw = "Council story\n" + "\n".join(lines) + "\n"
    root = write_folder(tmp_path / "news", {}, {"r1-raw.txt": raw.encode()})
    terminal.start([sys.executable, "-m", "tui.launch", str(root)], size=SIZE)
    terminal.wait_for("1/1 shown")
    terminal.wait_for("49:1 CD404")  # the reader shows the article
    terminal.burst(("Enter", "j", "Enter"))
    screen = terminal.wait_for("49 │ 👉 Tell us", timeout=10)
    assert "  1 │ Council story" not in screen, screen


def footer(app: CopydeskApp) -> list[str]:
    """The footer's entries as shown: key and description."""
    from textual.widgets._footer import FooterKey

    return [f"{item.key_display} {item.description}" for item in app.screen.query(FooterKey)]


async def test_the_footer_offers_in_a_text_box_what_keys_do_there_not_the_list_commands(tmp_path: Path) -> None:
    # `/ Filter` was offered while an editor field had the focus, where `/` types a slash.
    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "/ Filter" in footer(app)
        burst(app, "e")
        await drained(pilot, app)
        shown = footer(app)
        assert "tab Next field" in shown and "^s Save" in shown
        assert not any(entry.endswith((" Filter", " Mark", " Tag", " Draft", " Quit", " Help")) for entry in shown), shown
        burst(app, "escape", "slash")
        await drained(pilot, app)
        shown = footer(app)
        assert "esc Clear filter" in shown and "^s Save" in shown
        assert "/ Filter" not in shown and "d Draft" not in shown
        burst(app, "escape")
        await drained(pilot, app)
        assert "/ Filter" in footer(app)


def test_only_commands_whose_keys_type_text_are_withheld_in_a_text_box() -> None:
    from tui.commands import typing_actions

    default = typing_actions({})
    assert {"filter", "toggle_draft", "add_tag", "toggle_mark", "quit", "help"} <= default
    assert not {"save", "cursor_down", "focus_list"} & default  # ctrl+s, ↓, escape work there
    # Remapped to a control key, a command is offered in a text box too.
    assert "toggle_draft" not in typing_actions({"toggle-draft": "ctrl+d"})
