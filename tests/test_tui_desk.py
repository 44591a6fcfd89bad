"""The desk's workflow in the terminal UI, driven with the user's keys: adopting a raw
article (`i`), filling its fields with `enter` and `ctrl+n`, and saving a file that
`copydesk check` passes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from textual.widgets import Input, Select

from core.cli.main import main as copydesk
from tests.test_tui_support import ARTICLES, make_app, settle, write_folder
from tui.screens.preview import ChangePreview

SIZE = (140, 40)
SEEDS = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"

# What an editor types into each field adopt leaves to fill (by the editor's field id).
VALUES = {
    "description": "HK's crypto desk.",
    "publishedAt": "2025-11-03T10:30:00.000Z",
    "lang": "en",
    "source-name": "TechFlow",
    "source-key": "techflow",
    "source-type": "SCRAPE",
    "category": "MARKET",
    "tags": "ASIA",
}


def seed(name: str) -> Path:
    found = sorted(SEEDS.glob(f"{name}_*.txt")) if SEEDS.is_dir() else []
    if not found:
        pytest.skip(f"the seed {name}_* is not beside the project ({SEEDS} is absent)")
    return found[0]


def focused_field(app) -> str:
    focused = app.focused
    widget = focused.parent if focused is not None and focused.id is None and focused.parent is not None else focused
    return "" if widget is None else (widget.id or "").removeprefix("field-")


async def adopt_and_fill(pilot, app) -> tuple[int, list[str]]:
    """Press `i`, stage the adoption, fill every field the editor goes to; returns the
    number of keys pressed besides the typed values, and the fields filled in order."""
    keys = 0
    await pilot.press("i")
    keys += 1
    await settle(pilot, app)
    assert isinstance(app.screen, ChangePreview)
    await pilot.press("enter")
    keys += 1
    await settle(pilot, app)
    filled: list[str] = []
    for _ in range(12):
        field = focused_field(app)
        if not field or field in filled:
            break
        filled.append(field)
        if field == "sentiment":
            # The select: enter opens its menu, ↓ to NEUTRAL (the second), enter chooses.
            await pilot.press("enter", "down", "down", "enter")
            keys += 4
        else:
            await pilot.press(*VALUES[field])
            await pilot.press("enter")
            keys += 1
        await settle(pilot, app)
    return keys, filled


# The desk's defaults: what every article from this scraper gets (see [adopt] in the README).
DESK_DEFAULTS = """
[adopt]
lang = "en"

[[adopt.sources]]
match = "scraped/*"
name = "TechFlow"
key = "techflow"
type = "SCRAPE"
"""


@pytest.mark.parametrize(("name", "defaults"), [("001", False), ("001", True), ("002", True), ("003", True)],
                         ids=["001-no-defaults", "001", "002", "003"])
async def test_a_raw_seed_is_adopted_filled_and_saved_valid_in_the_terminal_ui(tmp_path: Path, name: str, defaults: bool) -> None:
    root = write_folder(tmp_path / "news", dict(list(ARTICLES.items())[:2]))
    if defaults:
        with (root / "copydesk.toml").open("a", encoding="utf-8") as config:
            config.write(DESK_DEFAULTS)
    (root / "scraped").mkdir()
    raw = root / "scraped" / seed(name).name
    shutil.copyfile(seed(name), raw)
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file() and p.name != "copydesk.toml"}
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        assert app.workspace.articles[app.main_screen.list.current].path == raw
        keys, filled = await adopt_and_fill(pilot, app)
        assert "description" in filled and "sentiment" in filled
        await pilot.press("ctrl+s")
        keys += 1
        await settle(pilot, app)
        assert "1 unsaved" not in str(app.main_screen.query_one("#status").render())
    text = raw.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: ")
    assert "\ndescription: HK's crypto desk.\n" in text and "\nsentiment: NEUTRAL\n" in text
    # Filled placeholders in the house style: plain where every YAML reader agrees.
    assert "\nlang: en\n" in text and "\ncategory: MARKET\n" in text
    assert copydesk(["check", str(raw)]) == 0  # no error left (the scraped text's warnings may stay)
    assert {p.name: p.read_bytes() for p in root.iterdir() if p.is_file() and p.name != "copydesk.toml"} == before
    assert "\n  name: TechFlow\n  key: techflow\n  type: SCRAPE\n" in text
    if defaults:
        assert {"lang", "source-name", "source-key", "source-type"}.isdisjoint(filled)
    if name == "003" and defaults:
        # The bar: at most 12 keys besides the typed values (here: i, enter to stage,
        # enter after the description and the category, four for the sentiment, ctrl+s).
        assert keys <= 12, (keys, filled)


async def test_escape_in_the_adopt_preview_stages_nothing(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {}, {"raw.txt": b"Council votes on the ferry budget\n\nThe vote was close.\n"})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangePreview)
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.workspace.staged
        await pilot.press("i", "enter")
        await settle(pilot, app)
        assert app.workspace.staged
        await pilot.press("escape", "u")  # back to the list; one undo takes the adoption back
        await settle(pilot, app)
        assert not app.workspace.staged
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert (root / "raw.txt").read_bytes() == b"Council votes on the ferry budget\n\nThe vote was close.\n"


async def test_i_on_an_article_with_front_matter_refuses_at_once(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", dict(list(ARTICLES.items())[:1]))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("i")
        await settle(pilot, app)
        assert not isinstance(app.screen, ChangePreview)
        assert any("already has front matter" in str(n.message) for n in app._notifications)


async def test_ctrl_n_goes_to_the_next_empty_or_invalid_field_from_inside_a_text_box(tmp_path: Path) -> None:
    # a5 has no sentiment; its lang is made invalid: ctrl+n from the title visits lang, then
    # sentiment, then comes back to lang (the fields still needing a value).
    root = write_folder(tmp_path / "news", dict(list(ARTICLES.items())[4:]))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.main_screen.set_focus(app.main_screen.query_one("#field-lang", Input))
        await pilot.press("ctrl+u", *"EN", "tab")
        await settle(pilot, app)
        app.main_screen.set_focus(app.main_screen.query_one("#field-title", Input))
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert focused_field(app) == "lang"
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert isinstance(app.focused, Select) and focused_field(app) == "sentiment"
        await pilot.press("ctrl+n")
        await settle(pilot, app)
        assert focused_field(app) == "lang"
        await pilot.press("ctrl+u", *"en", "enter")  # fixed: enter goes on to the sentiment
        await settle(pilot, app)
        assert focused_field(app) == "sentiment"


FIXABLE = """---
title: Ferry fares rise
description: The harbour ferry costs more from Monday.
publishedAt: '2025-11-03T10:30:00.000Z'
lang: en
source:
  name: Harbour Desk
  key: harbourdesk
  type: RSS
category: TRANSPORT
tags:
  - Hong-Kong
  - TRANSPORT
sentiment: NEUTRAL
draft: false
---
Ferry fares rise

The cross-harbour ferry will cost more from Monday, the operator said.

👉 Subscribe to our newsletter for daily harbour news

Commuters said the rise was expected.


"""


async def test_f_shows_the_fixes_then_stages_them_and_the_save_changes_only_those_lines(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {"ferry.md": FIXABLE})
    (root / "copydesk.toml").write_text('vocabulary = ["HONG KONG", "TRANSPORT"]\n', encoding="utf-8")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangePreview)
        said = " ".join(str(line.render()) for line in app.screen.query(".preview-line"))
        for code in ("CD303", "CD404", "CD406", "CD407"):
            assert code in said
        assert (root / "ferry.md").read_text(encoding="utf-8") == FIXABLE  # nothing written yet
        await pilot.press("enter", "ctrl+s")
        await settle(pilot, app)
    after = (root / "ferry.md").read_text(encoding="utf-8")
    expected = (FIXABLE.replace("  - Hong-Kong\n", "  - HONG KONG\n")
                .replace("---\nFerry fares rise\n", "---\n")
                .replace("👉 Subscribe to our newsletter for daily harbour news\n", "")
                .replace("was expected.\n\n\n", "was expected.\n"))
    assert after == expected
    assert copydesk(["check", "--strict", str(root / "ferry.md")]) == 0


async def test_f_then_u_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {"ferry.md": FIXABLE})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f", "enter")
        await settle(pilot, app)
        assert app.workspace.staged
        await pilot.press("u", "ctrl+s")
        await settle(pilot, app)
        assert not app.workspace.staged
    assert (root / "ferry.md").read_text(encoding="utf-8") == FIXABLE


async def test_f_on_marks_that_include_a_raw_article_leaves_the_raw_one_alone(tmp_path: Path) -> None:
    # The raw file used to get a trailing-blank-lines rewrite staged: its row lost its R, the
    # editor took it for front matter, and the save was refused.
    raw = b"Council votes on the ferry budget\n\nThe vote was close.\n\n\n"
    root = write_folder(tmp_path / "news", {"ferry.md": FIXABLE}, {"raw.txt": raw})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "f")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangePreview)
        assert "raw.txt" not in app.screen.diff and "ferry.md" in app.screen.diff
        await pilot.press("enter", "ctrl+s")
        await settle(pilot, app)
        assert not app.workspace.staged
    assert (root / "raw.txt").read_bytes() == raw
    assert (root / "ferry.md").read_text(encoding="utf-8") != FIXABLE


async def test_the_save_dialog_after_an_adoption_names_the_field_each_problem_is_in(tmp_path: Path) -> None:
    from tui.screens.dialogs import SaveIntroduces

    root = write_folder(tmp_path / "news", {}, {"raw.txt": b"Council votes on the ferry budget\n\nThe vote was close.\n"})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("i", "enter", *"A close vote.", "enter", "ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        by_message = {item.problem.message: item.field for item in app.screen.introduced}
        assert by_message["required field 'lang' is empty"] == ("lang",)
        assert by_message["required field 'category' is empty"] == ("category",)
