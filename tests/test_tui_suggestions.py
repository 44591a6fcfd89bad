"""The terminal UI's suggestions: the sentiment the article's words suggest (beside the value
in the editor, labelled in the `s` picker, never applied by itself) and the vocabulary tags
found in its text (first in the `t` prompt and the editor's tags field)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.widgets import Label, OptionList, Select

from tests.test_tui_support import article_text, make_app, settle, write_folder
from tui.screens.dialogs import SentimentPicker, TagPrompt
from tui.widgets.tag_input import FOUND_NOTE, TagInput

SIZE = (140, 40)

# Newest first: the fire story (POSITIVE, though its words are grim) is the cursor's row.
ARTICLES = {
    "a1-etf.md": article_text("ETF flows steady", ["ETF", "MARKET"], sentiment="NEUTRAL", date="2025-11-01T08:00:00.000Z"),
    "a2-asia.md": article_text("Asia shares mixed", ["ASIA"], sentiment="NEUTRAL", date="2025-11-02T08:00:00.000Z"),
    "a3-fire.md": article_text("Deadly fire destroys Asia market, killing two and injuring dozens",
                               ["REGULATION"], sentiment="POSITIVE", date="2025-11-03T08:00:00.000Z"),
}
FIRE = "a3-fire.md"


@asynccontextmanager
async def opened(tmp_path: Path) -> AsyncIterator[tuple[Path, object, object]]:
    """The app on the fixture folder, settled: (folder, app, pilot)."""
    root = write_folder(tmp_path / "news", ARTICLES)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        yield root, app, pilot


def _files(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}


def _sentiment_hint(app) -> Label:
    editor = app.main_screen.editor
    spec = next(spec for spec in editor.specs if spec.path == ("sentiment",))
    return editor.query_one(f"#{spec.widget_id}-hint", Label)


def _prompts(options: OptionList) -> list[str]:
    return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]


async def test_editor_shows_the_suggestion_beside_the_value_and_writes_nothing(tmp_path: Path) -> None:
    async with opened(tmp_path) as (root, app, pilot):
        before = _files(root)
        await pilot.press("e")
        await settle(pilot, app)
        hint = _sentiment_hint(app)
        assert hint.display
        assert str(hint.render()).startswith("suggested NEGATIVE -0.")
        editor = app.main_screen.editor
        spec = next(spec for spec in editor.specs if spec.path == ("sentiment",))
        assert editor.query_one(f"#{spec.widget_id}", Select).value == "POSITIVE"  # shown, not applied
        assert not app.main_screen.ws.is_dirty(app.main_screen.list.current)
        await pilot.press("escape", "j")  # a neutral story: its own suggestion, not the fire's
        await settle(pilot, app)
        assert "NEGATIVE" not in str(_sentiment_hint(app).render())
        await pilot.press("q")
        await pilot.pause()
    assert _files(root) == before


async def test_sentiment_picker_labels_the_suggestion_and_only_a_pick_is_saved(tmp_path: Path) -> None:
    async with opened(tmp_path) as (root, app, pilot):
        before = _files(root)
        await pilot.press("s")
        await settle(pilot, app)
        picker = app.screen
        assert isinstance(picker, SentimentPicker)
        options = picker.query_one(OptionList)
        prompts = _prompts(options)
        assert [p for p in prompts if "suggested" in p] == [p for p in prompts if p.startswith("n  NEGATIVE")]
        assert "suggested" in prompts[2]
        assert options.highlighted == 0  # the highlight stays put: nothing chosen for the user
        await pilot.press("escape")
        await settle(pilot, app)
        assert not app.main_screen.ws.is_dirty(app.main_screen.list.current)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert _files(root) == before  # the suggestion alone writes nothing
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press("n")  # the user picks it
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    after = _files(root)
    assert after[FIRE] == before[FIRE].replace(b"sentiment: POSITIVE", b"sentiment: NEGATIVE")
    assert {name for name in after if after[name] != before[name]} == {FIRE}


async def test_tag_prompt_offers_the_tags_found_in_the_text_first(tmp_path: Path) -> None:
    async with opened(tmp_path) as (root, app, pilot):
        before = _files(root)
        await pilot.press("t")
        await settle(pilot, app)
        assert isinstance(app.screen, TagPrompt)
        suggestions = app.screen.query_one(TagInput).suggestions
        assert suggestions.display  # listed at once, before anything is typed
        prompts = _prompts(suggestions)
        # The text names Asia and markets: both vocabulary tags of the folder, marked, the
        # one named more often first (as adopt ranks them).
        assert [p.split()[0] for p in prompts] == ["MARKET", "ASIA"]
        assert all(FOUND_NOTE in p for p in prompts)
        await pilot.press("e")  # "e": MARKET (found) ranks above ETF (the folder's)
        await pilot.pause()
        prompts = _prompts(suggestions)
        assert prompts[0].startswith("MARKET") and FOUND_NOTE in prompts[0]
        assert any(p.startswith("ETF") and FOUND_NOTE not in p for p in prompts[1:])
        await pilot.press("down", "enter", "enter", "ctrl+s")
        await settle(pilot, app)
    after = _files(root)
    assert after[FIRE] == before[FIRE].replace(b"  - REGULATION\n", b"  - REGULATION\n  - MARKET\n")


async def test_editor_tags_field_offers_the_tags_found_in_the_text(tmp_path: Path) -> None:
    async with opened(tmp_path) as (root, app, pilot):
        await pilot.press("e")
        await settle(pilot, app)
        editor = app.main_screen.editor
        spec = next(spec for spec in editor.specs if spec.path == ("tags",))
        tags = editor.query_one(f"#{spec.widget_id}", TagInput)
        tags.input.focus()
        await pilot.pause()
        await pilot.press(*", a")
        await pilot.pause()
        prompts = _prompts(tags.suggestions)
        assert [p.split()[0] for p in prompts[:2]] == ["MARKET", "ASIA"]
        assert FOUND_NOTE in prompts[0] and FOUND_NOTE in prompts[1]
        assert all(FOUND_NOTE not in p for p in prompts[2:])


async def test_filter_is_contradicted_keeps_the_article_whose_words_say_otherwise(tmp_path: Path) -> None:
    async with opened(tmp_path) as (root, app, pilot):
        await pilot.press("slash", *"is:contradicted", "enter")
        await settle(pilot, app)
        ws = app.main_screen.ws
        assert [ws.articles[i].relpath for i in ws.visible] == [FIRE]
