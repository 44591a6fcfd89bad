"""The editor pane and the dialogs, driven with the user's keys: moving between fields,
labels, reading a long value whole, one escape closing any dialog, edits refused at once
where nothing can be edited, pickers that stop at their ends."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select, Switch

from tests.test_tui_layout import line
from tests.test_tui_support import ARTICLES, BROKEN, article_text, make_app, settle, write_folder
from tui.screens.dialogs import SentimentPicker, TagPrompt, TagRemove, ValueScreen

SIZE = (140, 40)


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.iterdir()) if p.is_file()}


def status_text(app) -> str:
    return str(app.main_screen.query_one("#status").render())


def toasts(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def focused_field(app) -> str:
    """The editor field with focus, by its schema name (a tag box's input: its TagInput)."""
    focused = app.focused
    assert focused is not None
    widget = focused.parent if focused.id is None and focused.parent is not None else focused
    return (widget.id or "").removeprefix("field-")


# -- moving between fields -------------------------------------------------------------------


async def test_down_and_up_move_between_editor_fields_and_typing_lands_in_the_field_reached(tmp_path: Path) -> None:
    # ↓ used to scroll the editor pane instead: the focus stayed in the title, and the
    # text typed next was appended to it.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        assert focused_field(app) == "title"
        await pilot.press("down")
        assert focused_field(app) == "description"
        await pilot.press("down", "up")
        assert focused_field(app) == "description"
        await pilot.press("ctrl+u", *"XYZ", "enter")
        await settle(pilot, app)
        title = app.main_screen.query_one("#field-title", Input)
        assert title.value == "Stablecoin bill advances"
        assert app.main_screen.query_one("#field-description", Input).value == "XYZ"
        # enter went on to the next field to fill: the article has no sentiment.
        assert focused_field(app) == "sentiment"
        await pilot.press("up")
        assert focused_field(app) == "stickyWeight"
        app.main_screen.set_focus(app.main_screen.query_one("#field-description", Input))
        await pilot.press("up")
        assert focused_field(app) == "title"
        await pilot.press("up")  # the first field: the focus stays (no wrap to the last)
        assert focused_field(app) == "title"
        await pilot.press("escape", "ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a5-stablecoins.md"}
    assert "description: 'XYZ'" in after["a5-stablecoins.md"].decode()
    assert "title: Stablecoin bill advances" in after["a5-stablecoins.md"].decode()


async def test_arrows_pass_through_a_select_and_a_switch_and_j_k_move_where_nothing_is_typed(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        names = [spec.name for spec in app.main_screen.editor.specs]
        sentiment = names.index("sentiment")
        await pilot.press(*["down"] * sentiment)
        assert focused_field(app) == "sentiment"
        assert isinstance(app.focused, Select)
        # The editor's order is the schema's: tags, stickyWeight, sentiment, score, draft.
        assert names[sentiment - 2:sentiment + 3] == ["tags", "stickyWeight", "sentiment", "score", "draft"]
        await pilot.press("down")  # on a select, ↓ moves on; enter opens its menu
        assert focused_field(app) == "score"
        await pilot.press("down")  # a number's box passes ↓ on too
        assert focused_field(app) == "draft"
        assert isinstance(app.focused, Switch)
        await pilot.press("k")  # a switch takes no text: j/k move too
        assert focused_field(app) == "score"
        await pilot.press("up")
        assert focused_field(app) == "sentiment"
        await pilot.press("j", "up", "up", "up")  # a select takes no text either
        assert focused_field(app) == "tags"
        await pilot.press("j")  # in a text box j is typed, not a move
        assert focused_field(app) == "tags"
        assert app.focused.value.endswith("j")
        await pilot.press("escape")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)


async def test_enter_opens_the_select_menu_and_its_keys_stay_in_the_menu(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        select = app.main_screen.query_one("#field-sentiment", Select)
        app.main_screen.set_focus(select)
        await pilot.pause()
        await pilot.press("enter")
        await settle(pilot, app)
        assert select.expanded
        # The menu opens in place: the next field moves down, nothing is drawn over it.
        menu = select.query_one(OptionList)
        draft_label = app.main_screen.query_one("#field-draft").parent.query_one(".editor-label")
        assert draft_label.region.y >= menu.region.bottom
        assert menu.region.x >= select.region.x
        await pilot.press("down", "enter")  # ↓ moves in the open menu, not to the next field
        await settle(pilot, app)
        assert not select.expanded
        assert select.value != Select.NULL
        assert focused_field(app) == "sentiment"
        await pilot.press("escape", "ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a5-stablecoins.md"}
    assert "sentiment:" in after["a5-stablecoins.md"].decode()


# -- labels ------------------------------------------------------------------------------------


async def test_editor_labels_show_the_longest_field_name_whole(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        editor = app.main_screen.editor
        longest = max((spec.name for spec in editor.specs), key=len)
        labels = [str(label.render()) for label in editor.query(".editor-label")]
        assert longest in labels
        assert not any(label.endswith("…") for label in labels)
        assert all(label.tooltip for label in editor.query(".editor-label"))


async def test_a_long_field_name_is_cut_but_named_whole_in_its_tooltip(tmp_path: Path) -> None:
    from tui.fields import FieldSpec
    from tui.widgets.editor import label_width

    name = "translation.originalPublisherName"
    specs = (FieldSpec(("title",), "text"), FieldSpec(tuple(name.split(".")), "string"))
    assert label_width(specs) < len(name)  # the value keeps its room
    assert label_width(specs[:1]) == len("title") + 1


# -- a long value read whole ---------------------------------------------------------------


LONG_TITLE = ("Harbour authority extends the ferry timetable into the night for the summer season, "
              "with extra boats on weekends and a new stop at the old cannery pier")


async def test_a_focused_long_value_is_shown_whole_below_its_field(tmp_path: Path) -> None:
    # Focused, an input scrolled to its end: the start of a long title was hidden.
    articles = dict(ARTICLES)
    articles["a5-stablecoins.md"] = article_text(LONG_TITLE, ["STABLECOINS"], date="2025-11-05T08:00:00.000Z")
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        whole = app.main_screen.query_one("#editor-whole")
        assert whole.display
        assert "".join(str(whole.render()).split()) == "".join(LONG_TITLE.split())
        await pilot.press(*" (update)")
        await pilot.pause()
        assert str(whole.render()).replace("\n", " ").rstrip().endswith("pier (update)")
        await pilot.press("down")  # a short description: nothing more to show
        await pilot.pause()
        assert not whole.display
        tags = app.main_screen.query_one("#field-tags").input
        app.main_screen.set_focus(tags)
        await pilot.pause()
        assert not whole.display
        many = ", ".join(f"TAG NUMBER {n}" for n in range(5))  # wider than the box
        await pilot.press(*f", {many}")
        await pilot.pause()
        assert "".join(str(whole.render()).split()).endswith("".join(many.split()))
        await pilot.press("escape", "escape")


async def test_a_long_tag_list_shows_its_start_in_the_editor_until_the_field_is_focused(tmp_path: Path) -> None:
    # The tags box showed "LATION, , HONGKONG, Hong-Kong": the end of the list, its first tags
    # hidden, although no one was typing there (the title box showed its start).
    tags = ["ECONOMY", "TRANSPORT", "HONG KONG", "REGULATION", "MARKETS", "HOUSING", "CITY", "WEATHER"]
    articles = {"a1-many-tags.md": article_text("Many tags", tags),
                "a2-few-tags.md": article_text("Few tags", ["ASIA"], date="2025-11-02T08:00:00.000Z")}
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("j")  # the editor filled again, for another article
        await settle(pilot, app)
        box = app.main_screen.query_one("#field-tags").input
        assert box.content_size.width < len(", ".join(tags))  # the list is longer than its box
        assert line(box).lstrip().startswith("ECONOMY, TRANSPORT")
        await pilot.press("e")
        await settle(pilot, app)
        app.main_screen.set_focus(box)
        await pilot.pause()
        assert box.cursor_position == len(box.value)  # typing goes after the last tag


async def test_a_box_filled_again_while_it_has_the_focus_keeps_the_cursor_at_the_end(tmp_path: Path) -> None:
    # Filled while focused (the editor built or refilled just as `e` moved the focus there),
    # the title box put its cursor at the start: ctrl+u then cleared nothing and the typed
    # title was saved in front of the old one ("dsa titleStablecoin bill advances").
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await settle(pilot, app)
        screen = app.main_screen
        box = screen.query_one("#field-title", Input)
        assert app.focused is box
        index = screen.list.current
        app.workspace.set_field(index, ("title",), "Staged elsewhere")  # the box is filled again
        screen._sync_editor()
        await pilot.pause()
        assert box.value == "Staged elsewhere"
        await pilot.press("ctrl+u", *"Typed title", "enter", "ctrl+s")
        await settle(pilot, app)
    assert "title: Typed title\n" in (root / "a5-stablecoins.md").read_text()


async def test_v_shows_the_focused_value_whole_and_one_escape_closes_it(tmp_path: Path) -> None:
    hostile = LONG_TITLE + " \x1b]52;c;aGk=\x07 [bold]x[/bold]"
    articles = dict(ARTICLES)
    quoted = '"' + hostile.replace("\x1b", "\\e").replace("\x07", "\\a") + '"'  # YAML escapes
    articles["a5-stablecoins.md"] = article_text(quoted, ["STABLECOINS"], date="2025-11-05T08:00:00.000Z")
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("v")  # from the list: the current article's title
        await pilot.pause()
        assert isinstance(app.screen, ValueScreen)
        shown = str(app.screen.query_one("#value-text").render())
        assert "\x1b" not in shown and "\\x1b]52" in shown and "[bold]x[/bold]" in shown
        assert "".join(shown.split()).startswith("".join(LONG_TITLE.split()))
        await pilot.press("escape")
        assert app.screen is app.main_screen
        await pilot.press("e")
        await settle(pilot, app)
        await pilot.press("down")  # description
        await pilot.press("v")  # in a text box, v is typed...
        assert app.main_screen.query_one("#field-description", Input).value.endswith("v")
        await pilot.press("ctrl+o")  # ...and ctrl+o shows the value
        await pilot.pause()
        assert isinstance(app.screen, ValueScreen)
        assert "description" in str(app.screen.query_one("#value-title").render())
        assert "A short standfirst for the tests.v" in str(app.screen.query_one("#value-text").render())
        await pilot.press("escape")
        assert app.screen is app.main_screen
        assert focused_field(app) == "description"


# -- one escape closes every dialog ----------------------------------------------------------


async def test_one_escape_cancels_the_tag_prompt_with_suggestions_open(tmp_path: Path) -> None:
    # The first escape closed only the suggestions: keys typed next went into the box and
    # enter staged a garbage tag.
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t", *"as")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt)
        assert app.screen.query_one(".tag-input--suggestions", OptionList).display  # ASIA suggested
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main_screen
        await pilot.press(*"zz", "enter")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)
        await pilot.press("T", "down", "escape")
        await pilot.pause()
        assert app.screen is app.main_screen
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert snapshot(root) == before


@pytest.mark.parametrize("keys", [("t",), ("t", "a", "s"), ("T",), ("s",), ("s", "down"), ("number_sign",),
                                  ("number_sign", "slash", "x"), ("number_sign", "r"), ("question_mark",),
                                  ("d", "D"), ("d", "q"), ("v",), ("ctrl+p", "t", "a")])
async def test_every_dialog_closes_on_one_escape(tmp_path: Path, keys: tuple[str, ...]) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press(*keys)
        await settle(pilot, app)
        opened = app.screen
        assert opened is not app.main_screen
        depth = len(app.screen_stack)
        await pilot.press("escape")
        await pilot.pause()
        assert len(app.screen_stack) == depth - 1, f"{type(opened).__name__} stayed open"


# -- refused at once where nothing can be edited ------------------------------------------


@pytest.mark.parametrize("key", ["t", "T", "s", "d"])
async def test_edits_on_a_raw_article_are_refused_before_any_prompt(tmp_path: Path, key: str) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.ws.articles[screen.list.current].relpath == "b1-raw.md"
        app.clear_notifications()
        await pilot.press(key)
        await settle(pilot, app)
        assert app.screen is app.main_screen
        messages = toasts(app)
        assert any("b1-raw.md" in m and "raw" in m and "adopt" in m for m in messages), messages
        assert "0 unsaved" in status_text(app)
    assert snapshot(root) == before


async def test_marked_targets_that_are_all_broken_are_refused_saying_why(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken={**BROKEN, "b5-raw.txt": b"Another note with no front matter.\n"})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        await pilot.press("a")
        await settle(pilot, app)
        count = len(app.main_screen.ws.marked)
        assert count == 2
        app.clear_notifications()
        await pilot.press("t")
        await settle(pilot, app)
        assert app.screen is app.main_screen
        assert any(f"none of the {count} marked articles can be edited" in m for m in toasts(app)), toasts(app)


async def test_a_mix_of_editable_and_raw_targets_still_opens_the_prompt(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space")  # a5
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        await pilot.press("space", "s")
        await settle(pilot, app)
        assert isinstance(app.screen, SentimentPicker)
        await pilot.press("escape")


# -- pickers stop at their ends ----------------------------------------------------------------


@pytest.mark.parametrize(("up", "down"), [("k", "j"), ("up", "down")])
async def test_a_picker_does_not_wrap_from_its_first_item_to_its_last(tmp_path: Path, up: str, down: str) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("s")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        assert options.highlighted == 0
        await pilot.press(up)
        assert options.highlighted == 0
        await pilot.press(down, down, down, down)
        assert options.highlighted == options.option_count - 1
        await pilot.press("escape")
        await pilot.press("j", "T")  # a4: ASIA, REGULATION
        await pilot.pause()
        assert isinstance(app.screen, TagRemove)
        options = app.screen.query_one(OptionList)
        await pilot.press(up, "enter")  # still the first tag: ASIA is removed, not the last
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert {n for n in after if after[n] != before[n]} == {"a4-hong-kong-rules.md"}
    assert "- ASIA" not in after["a4-hong-kong-rules.md"].decode()
    assert "- REGULATION" in after["a4-hong-kong-rules.md"].decode()


# -- snapshots -----------------------------------------------------------------------------


def _long_title_folder(tmp_path: Path) -> Path:
    articles = dict(ARTICLES)
    articles["a5-stablecoins.md"] = article_text(LONG_TITLE, ["STABLECOINS"], date="2025-11-05T08:00:00.000Z")
    return write_folder(tmp_path / "news", articles)


def _keys_then_still(app, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot, app)
        await pilot.press(*keys)
        await settle(pilot, app)
        for widget in app.query(Input):
            widget.cursor_blink = False
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_snapshot_editor_labels_and_a_focused_long_title_shown_whole(snap_compare, tmp_path: Path) -> None:
    app = make_app(_long_title_folder(tmp_path))
    assert snap_compare(app, terminal_size=SIZE, run_before=_keys_then_still(app, "e"))


def test_snapshot_value_screen(snap_compare, tmp_path: Path) -> None:
    app = make_app(_long_title_folder(tmp_path))
    assert snap_compare(app, terminal_size=(100, 30), run_before=_keys_then_still(app, "v"))


async def test_the_conflict_dialogs_file_list_does_not_wrap(tmp_path: Path) -> None:
    from tui.screens.diff import ConflictScreen

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space", "d")  # draft: true on a5 and a4
        await settle(pilot, app)
        for name in ("a5-stablecoins.md", "a4-hong-kong-rules.md"):  # someone else sets the same field
            target = root / name
            target.write_text(target.read_text().replace("draft: false", "draft: 'no'"))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, ConflictScreen)
        files = app.screen.query_one("#conflict-files", OptionList)
        assert files.option_count == 2 and files.highlighted == 0
        await pilot.press("up")
        assert files.highlighted == 0
        await pilot.press("down", "down")
        assert files.highlighted == 1
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.screen is app.main_screen
