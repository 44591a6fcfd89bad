"""``c``: set any field on the marked rows (or the cursor row), pressed as a user would, the
files on disk checked after ``ctrl+s``."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console
from textual.widgets import OptionList

from tests.test_tui import changed_lines, snapshot, status_text
from tests.test_tui_support import ARTICLES, BROKEN, article_text, make_app, settle, write_folder
from tests.test_tui_views import write_site
from tui.screens.diff import DiffScreen
from tui.screens.main import MainScreen
from tui.screens.set_field import FieldPicker, ValuePrompt

SIZE = (140, 40)
# Rows newest first: a5 (no sentiment), a4 NEGATIVE, a3 NEUTRAL, a2 POSITIVE draft, a1 NEGATIVE.


def messages(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


def said(app) -> str:
    """The value prompt's message line (what it refused, or its format)."""
    return str(app.screen.query_one(".set-field-message").render())


def options(app, selector: str) -> list[str]:
    listed = app.screen.query_one(selector, OptionList)
    return [str(listed.get_option_at_index(n).prompt) for n in range(listed.option_count)]


async def choose_field(pilot, app, name: str) -> None:
    """``c``, then the field typed into the picker's filter and chosen."""
    await pilot.press("c")
    await settle(pilot, app)
    assert isinstance(app.screen, FieldPicker)
    await pilot.press(*name, "enter")
    await settle(pilot, app)


async def test_bulk_set_category_changes_only_the_category_line_of_each_marked_file(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space", "space")  # a5, a4, a3
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, FieldPicker)
        # Every schema field, nested ones dotted, each with its kind and how many targets have it.
        fields = options(app, "#set-field-fields")
        assert any("source.name" in f and "text" in f and "3 of 3" in f for f in fields), fields
        assert any("sentiment" in f and "choice" in f and "2 of 3" in f for f in fields), fields
        assert any("stickyWeight" in f and "number" in f and "0 of 3" in f for f in fields), fields
        picker = app.screen.query_one("#set-field-fields", OptionList)
        await pilot.press("up")  # the first field: no wrap to the last
        assert picker.highlighted == 0
        await pilot.press("ctrl+n", "down")
        assert picker.highlighted == 2
        await pilot.press(*["down"] * 40)  # the last: no wrap to the first
        assert picker.highlighted == picker.option_count - 1
        await pilot.press(*"catgory")  # a typo still finds it (fuzzy)
        await settle(pilot, app)
        assert options(app, "#set-field-fields")[0].startswith("category")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt)
        assert "3 × MARKET" in str(app.screen.query_one("#set-value-now").render())
        await pilot.press(*"POLITICS", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert any("category = POLITICS staged on 3 articles" in m for m in messages(app)), messages(app)
        assert "3 unsaved" in status_text(app)
        assert snapshot(root) == before  # staged only
        await pilot.press("D")  # in the diff, as every staged edit
        await settle(pilot, app)
        assert isinstance(app.screen, DiffScreen)
        log = "\n".join(str(line) for line in app.screen.query_one("#diff-log").lines)
        assert log.count("+category: POLITICS") == 3 and "a3-etf-flows.md" in log
        await pilot.press("escape")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    changed = sorted(name for name in after if after[name] != before[name])
    assert changed == ["a3-etf-flows.md", "a4-hong-kong-rules.md", "a5-stablecoins.md"]
    for name in changed:
        assert changed_lines(before[name].decode(), after[name].decode()) == ["-category: MARKET", "+category: POLITICS"]


async def test_an_enum_refuses_a_value_outside_its_choices_in_place(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")  # a5 (none), a4 NEGATIVE
        await choose_field(pilot, app, "sentiment")
        assert isinstance(app.screen, ValuePrompt)
        choices = options(app, "#set-value-choices")
        assert [c.split()[0] for c in choices] == ["POSITIVE", "NEUTRAL", "NEGATIVE"]
        assert "1 have it" in choices[2]  # the targets' current values, counted
        await pilot.press(*"GOOD", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt)  # refused in place
        assert "'GOOD' is not one of POSITIVE, NEUTRAL, NEGATIVE" in said(app)
        assert "0 unsaved" in status_text(app)
        await pilot.press(*["backspace"] * 4, *"neu", "enter")  # filtered to NEUTRAL, chosen
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert changed_lines(before["a4-hong-kong-rules.md"].decode(), after["a4-hong-kong-rules.md"].decode()) == [
        "-sentiment: NEGATIVE", "+sentiment: NEUTRAL"]
    assert "+sentiment: NEUTRAL" in changed_lines(before["a5-stablecoins.md"].decode(), after["a5-stablecoins.md"].decode())


async def test_a_number_is_refused_outside_its_type_and_bounds(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        # ai.version: an integer, at least 1 (the schema's minimum).
        await choose_field(pilot, app, "ai.version")
        assert isinstance(app.screen, ValuePrompt)
        assert "an integer, at least 1" in said(app)
        await pilot.press("0", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt) and "expected at least 1" in said(app)
        await pilot.press("backspace", *"1.5", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt) and "expected an integer" in said(app)
        assert "0 unsaved" in status_text(app)
        await pilot.press(*["backspace"] * 3, "2", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        # stickyWeight: any number, 2.5 staged as a number, not a string.
        await choose_field(pilot, app, "stickyWeight")
        await pilot.press(*"abc", "enter")
        await settle(pilot, app)
        assert "expected a number" in said(app)
        await pilot.press(*["backspace"] * 3, *"2.5", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    lines = changed_lines(before["a5-stablecoins.md"].decode(), (root / "a5-stablecoins.md").read_text())
    assert sorted(lines) == sorted(["+ai:", "+  version: 2", "+stickyWeight: 2.5"])


async def test_a_boolean_is_chosen_from_true_and_false(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "j", "space", "space")  # a3, a2 (the draft)
        await choose_field(pilot, app, "draft")
        choices = options(app, "#set-value-choices")
        assert [c.split()[0] for c in choices] == ["true", "false"]
        assert "1 have it" in choices[0] and "1 have it" in choices[1]
        await pilot.press("down", "enter")  # false
        await settle(pilot, app)
        assert any("draft = false staged on 1 article; 1 unchanged" in m for m in messages(app)), messages(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert [n for n in after if after[n] != before[n]] == ["a2-hashkey-ipo.md"]
    assert changed_lines(before["a2-hashkey-ipo.md"].decode(), after["a2-hashkey-ipo.md"].decode()) == [
        "-draft: true", "+draft: false"]


async def test_text_suggests_the_values_the_folder_has_with_their_counts(tmp_path: Path) -> None:
    articles = dict(ARTICLES)
    articles["a6-policy.md"] = article_text("Policy", ["ASIA"], date="2025-10-01T08:00:00.000Z").replace(
        "category: MARKET", "category: POLICY")
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await choose_field(pilot, app, "category")
        # Before anything is typed: the folder's values, most used first.
        assert [s.split() for s in options(app, ".tag-input--suggestions")] == [["MARKET", "5"], ["POLICY", "1"]]
        await pilot.press("P")
        await settle(pilot, app)
        suggested = options(app, ".tag-input--suggestions")
        assert [s.split() for s in suggested] == [["POLICY", "1"]], suggested
        await pilot.press("backspace", "M")
        await settle(pilot, app)
        assert [s.split() for s in options(app, ".tag-input--suggestions")] == [["MARKET", "5"]]
        await pilot.press("down", "enter")  # takes the suggestion into the box
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt)
        await pilot.press("escape")
        await settle(pilot, app)
        assert "0 unsaved" in status_text(app)


async def test_escape_cancels_at_each_step_and_nothing_is_staged(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")
        await pilot.press("c", *"cat")
        await settle(pilot, app)
        await pilot.press("escape")  # one escape closes the picker, its filter typed or not
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await choose_field(pilot, app, "category")
        await pilot.press(*"POLI", "down")  # the suggestions open
        await settle(pilot, app)
        await pilot.press("escape")  # one escape: the whole prompt, suggestions open or not
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await choose_field(pilot, app, "sentiment")
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert "0 unsaved" in status_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert snapshot(root) == before


async def test_undo_takes_back_a_bulk_set_in_one_step(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("d")  # an earlier edit, kept by the undo
        await pilot.press("a")  # every row marked
        await choose_field(pilot, app, "lang")
        await pilot.press(*"fr", "enter")
        await settle(pilot, app)
        assert "5 unsaved" in status_text(app)
        await pilot.press("u")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)
        assert any("undone: set lang to 'fr' (5 articles)" in m for m in messages(app)), messages(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert [n for n in after if after[n] != before[n]] == ["a5-stablecoins.md"]
    assert changed_lines(before["a5-stablecoins.md"].decode(), after["a5-stablecoins.md"].decode()) == [
        "-draft: false", "+draft: true"]


async def test_c_on_a_raw_row_refuses_at_once(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {}, broken={"b1-raw.md": BROKEN["b1-raw.md"]})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)  # no picker opened
        assert any(m.startswith("cannot set a field of b1-raw.md") for m in messages(app)), messages(app)


async def test_a_field_the_schema_does_not_require_is_deleted_after_a_second_ctrl_d(tmp_path: Path) -> None:
    articles = {name: text.replace("lang: en\n", "lang: en\nstickyWeight: 5\n") for name, text in ARTICLES.items()}
    root = write_folder(tmp_path / "news", articles)
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await choose_field(pilot, app, "lang")
        await pilot.press("ctrl+d")
        await settle(pilot, app)
        assert "required" in said(app)  # lang is: not deleted
        await pilot.press("escape")
        await choose_field(pilot, app, "stickyWeight")
        await pilot.press("ctrl+d")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt) and "ctrl+d again deletes stickyWeight" in said(app)
        await pilot.press("ctrl+d")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert [n for n in after if after[n] != before[n]] == ["a5-stablecoins.md"]
    assert changed_lines(before["a5-stablecoins.md"].decode(), after["a5-stablecoins.md"].decode()) == ["-stickyWeight: 5"]


async def test_a_site_s_toml_and_json_front_matter_get_only_the_field_set(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await choose_field(pilot, app, "date")
        await pilot.press(*"2025-13-01", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, ValuePrompt) and "expected a date" in said(app)
        await pilot.press(*["backspace"] * 10, *"2025-04-01", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert changed_lines(before["sections.md"].decode(), after["sections.md"].decode()) == [
        "-date = 2025-03-01", "+date = 2025-04-01"]
    assert changed_lines(before["firebase.md"].decode(), after["firebase.md"].decode()) == [
        '-  "date": "2025-01-15",', '+  "date": "2025-04-01",']
    # Quoted by the core, as the editor's edit is: the value stays the string it was read as.
    assert changed_lines(before["multilingual.md"].decode(), after["multilingual.md"].decode()) == [
        "-date: 2025-02-01", "+date: '2025-04-01'"]


async def test_a_taxonomy_goes_to_the_add_a_term_prompt(tmp_path: Path) -> None:
    from tui.screens.dialogs import TagPrompt

    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")
        await settle(pilot, app)
        # The site's own fields only (none of the news fields the list asks every article for),
        # and the cursor row's value beside each.
        fields = [f.split() for f in options(app, "#set-field-fields")]
        assert [f[0] for f in fields] == ["title", "date", "draft", "categories", "keywords"], fields
        assert fields[1] == ["date", "date", "2025-03-01"]
        await pilot.press("escape")
        await choose_field(pilot, app, "keywords")
        assert isinstance(app.screen, TagPrompt)
        assert app.screen.taxonomy == "keywords"
        await pilot.press(*"hugo", "enter")
        await settle(pilot, app)
        assert "1 unsaved" in status_text(app)


async def test_a_value_the_schema_refuses_is_staged_with_a_warning_and_the_save_asks(tmp_path: Path) -> None:
    from tui.screens.dialogs import SaveIntroduces

    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")
        await choose_field(pilot, app, "lang")  # two lower-case letters, says the schema
        await pilot.press(*"French", "enter")
        await settle(pilot, app)
        assert any("lang = French staged on 2 articles" in m and "ctrl+s will ask" in m for m in messages(app)), messages(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        await pilot.press("escape")
        await settle(pilot, app)
        assert "2 unsaved" in status_text(app)
    assert snapshot(root) == before


async def test_hostile_values_are_shown_escaped_and_set_exactly(tmp_path: Path) -> None:
    articles = dict(ARTICLES)
    articles["a5-stablecoins.md"] = ARTICLES["a5-stablecoins.md"].replace("category: MARKET", 'category: "\\e[31mRED\\u202e"')
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space")  # a5 (the hostile one), a4
        await choose_field(pilot, app, "category")
        now = str(app.screen.query_one("#set-value-now").render())
        shown = " ".join(options(app, ".tag-input--suggestions"))
        for text in (now, shown):
            assert "\x1b" not in text and "\u202e" not in text, text
        assert "RED" in now and "RED" in shown
        # The escaped spelling taken from the suggestions stands for the exact value.
        await pilot.press("down", "down", "enter")
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        assert all("\x1b" not in m for m in messages(app))
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    text = (root / "a4-hong-kong-rules.md").read_text()
    assert 'category: "\\u001b[31mRED\u202e"' in text, text  # the exact value, as the core writes it


async def test_a_field_the_list_does_not_read_is_read_for_its_suggestions(tmp_path: Path) -> None:
    # stickyWeight is not among the keys the list reads at start: choosing it reads it.
    articles = {name: text.replace("lang: en\n", f"lang: en\nstickyWeight: {5 if name < 'a4' else 1}\n")
                for name, text in ARTICLES.items()}
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert not app.main_screen.ws.has_keys({"stickyWeight"})
        await choose_field(pilot, app, "stickyWeight")
        await settle(pilot, app)
        await pilot.press("5")
        await settle(pilot, app)
        assert [s.split() for s in options(app, ".tag-input--suggestions")] == [["5", "3"]]


async def test_on_many_targets_c_says_it_reads_them_and_the_keys_typed_meanwhile_reach_the_picker(
        tmp_path: Path, monkeypatch) -> None:
    import tui.screens.main

    monkeypatch.setattr(tui.screens.main, "READ_NOTICE", 2)
    root = write_folder(tmp_path / "news")
    before = snapshot(root)
    app = make_app(root)
    # Every toast as it is raised: on a loaded machine the first may have timed out before
    # the keys behind it are all handled.
    told: list[str] = []
    notify = app.notify
    monkeypatch.setattr(app, "notify", lambda message, *a, **k: (told.append(str(message)), notify(message, *a, **k))[1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("space", "space", "c", *"category", "enter", *"WIRE", "enter")
        await settle(pilot, app)
        assert any("reading the fields of 2 articles" in m for m in told), told
        assert any("category = WIRE staged on 2 articles" in m for m in told), told
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert sorted(n for n in after if after[n] != before[n]) == ["a4-hong-kong-rules.md", "a5-stablecoins.md"]


async def test_set_field_is_in_the_palette_the_help_and_remappable(tmp_path: Path) -> None:
    from tui.screens.help import HelpScreen

    root = write_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('[keys]\nset-field = "C"\n')
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("c")  # no longer the key
        await settle(pilot, app)
        assert isinstance(app.screen, MainScreen)
        await pilot.press("C")
        await settle(pilot, app)
        assert isinstance(app.screen, FieldPicker)
        await pilot.press("escape", "question_mark")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table").content)
        line = next(line for line in console.export_text().splitlines() if "set-field" in line)
        assert line.split()[0] == "C" and "Set any field on the marked rows" in line, line
        await pilot.press("escape", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Set field")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.screen, FieldPicker)


async def test_a_raw_article_among_the_marked_rows_is_refused_and_the_others_set(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken={"b1-raw.md": BROKEN["b1-raw.md"]})
    before = snapshot(root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        await choose_field(pilot, app, "category")
        await pilot.press(*"WIRE", "enter")
        await settle(pilot, app)
        assert any("category = WIRE staged on 5 articles; 1 refused: b1-raw.md: " in m for m in messages(app)), messages(app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = snapshot(root)
    assert after["b1-raw.md"] == before["b1-raw.md"]
    assert sum(after[n] != before[n] for n in after) == 5
