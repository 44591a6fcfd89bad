"""The TUI's parts on their own: the editor's field kinds and the status bar."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.widgets import Input

from core.config import Config
from core.document import load_article
from tui.fields import FieldSpec
from tui.loading import Phase
from tui.widgets.editor import MetadataEditor
from tui.widgets.field_kinds import KINDS, EditorKind
from tui.widgets.status_bar import Counts, StatusBar


class EditorApp(App[None]):
    def __init__(self, specs: tuple[FieldSpec, ...]) -> None:
        super().__init__()
        self.specs = specs
        self.edited: list[tuple[tuple[str, ...], Any]] = []

    def compose(self) -> ComposeResult:
        yield MetadataEditor(self.specs, id="editor")

    def on_metadata_editor_field_edited(self, event: MetadataEditor.FieldEdited) -> None:
        self.edited.append((event.path, event.value))


def _parse_count(text: str, spec: FieldSpec) -> tuple[Any, str | None]:
    return (int(text), None) if text.strip().isdigit() else (None, "not a whole number")


async def test_a_new_field_kind_is_one_registry_entry(tmp_path: Path, monkeypatch) -> None:
    """A kind the editor did not know, registered in one place, is made, filled and staged."""
    monkeypatch.setitem(KINDS, "count", EditorKind(
        make=lambda spec: Input(id=spec.widget_id, compact=True),
        fill=lambda editor, spec, widget, value, vocabulary: setattr(widget, "value", "" if value is None else str(value)),
        parse=_parse_count,
    ))
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: A\nwords: 120\n---\nBody.\n")
    article = load_article(path, Config(root=tmp_path), "a.md")
    app = EditorApp((FieldSpec(("title",), "text"), FieldSpec(("words",), "count")))
    async with app.run_test() as pilot:
        editor = app.query_one(MetadataEditor)
        await editor.build()
        editor.show(0, article, article.meta, False, dict)
        await pilot.pause()
        field = app.query_one("#field-words", Input)
        assert field.value == "120"
        field.focus()
        field.value = "many"
        await pilot.press("enter")
        await pilot.pause()
        assert app.edited == []  # refused by the kind's parse
        field.value = "125"
        await pilot.press("enter")
        await pilot.pause()
        assert app.edited == [(("words",), 125)]


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")


def painted(widget) -> str:
    """The widget's first line as last painted on the screen (a widget whose attribute
    changed without a refresh still shows its old text here)."""
    return "".join(segment.text for segment in widget.render_line(0)).rstrip()


async def test_the_status_bar_shows_the_phase_from_its_reactive_state() -> None:
    app = StatusApp()
    async with app.run_test(size=(200, 5)) as pilot:
        bar = app.query_one(StatusBar)
        bar.counts = Counts(shown=3, total=7, unsaved=1)
        bar.phase, bar.progress = Phase.CHECKING, (2, 5)
        await pilot.pause()
        text = painted(bar)
        assert text.startswith("3/7 shown · 0 with problems · 1 unsaved · sort: date")
        assert text.endswith("checking the folder: 2/5 changed files read…")
        bar.phase, bar.progress = Phase.METADATA, (10, 40)
        bar.busy = "saving…"
        await pilot.pause()
        assert painted(bar).endswith("· reading metadata for filters 10/40… · saving…")
        bar.phase, bar.progress, bar.busy = Phase.READY, None, ""
        await pilot.pause()
        assert painted(bar) == "3/7 shown · 0 with problems · 1 unsaved · sort: date"
