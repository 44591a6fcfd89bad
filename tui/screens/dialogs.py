"""Small modal dialogs: quit with unsaved changes, sentiment picker, add and remove a tag,
a value shown whole.

One ``escape`` closes each of them, whatever has the focus inside: their ``escape`` bindings
have priority over the widgets' own (a tag box's first escape closed only its suggestions).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from core.display import printable

from ..model import SENTIMENTS
from ..widgets.tag_input import TagInput, Vocabulary, tag_options


class StoppingOptionList(OptionList):
    """An option list that stops at its first and last option, as the article list does
    (Textual's wraps around: ``k`` on the first tag highlighted the last, and ``enter`` then
    took it)."""

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_cursor_up(self) -> None:
        self._step(-1)

    def _step(self, delta: int) -> None:
        enabled = [n for n, option in enumerate(self.options) if not option.disabled]
        if not enabled:
            return
        current = self.highlighted
        if current is None:
            self.highlighted = enabled[0] if delta > 0 else enabled[-1]
            return
        ahead = [n for n in enabled if (n > current if delta > 0 else n < current)]
        if ahead:
            self.highlighted = ahead[0] if delta > 0 else ahead[-1]


class VimOptionList(StoppingOptionList):
    """A picker that also moves with ``j`` ``k`` ``g`` ``G``, like the article list."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g", "first", "First", show=False),
        Binding("G", "last", "Last", show=False),
    ]


class ConfirmQuit(ModalScreen[str]):
    """Unsaved changes: save (then quit), discard (quit) or cancel. Dismisses with the choice."""

    BINDINGS = [
        Binding("s", "choose('save')", "Save and quit"),
        Binding("d", "choose('discard')", "Discard and quit"),
        Binding("escape", "choose('cancel')", "Cancel", priority=True),
        Binding("c", "choose('cancel')", "Cancel"),
        Binding("left,shift+tab", "app.focus_previous", "Previous button", show=False),
        Binding("right,tab", "app.focus_next", "Next button", show=False),
    ]

    def __init__(self, unsaved: int) -> None:
        super().__init__()
        self.unsaved = unsaved

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="quit-dialog"):
            noun = "article has" if self.unsaved == 1 else "articles have"
            yield Label(f"{self.unsaved} {noun} unsaved changes.", classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("[u]S[/u]ave and quit", id="save", variant="primary")
                yield Button("[u]D[/u]iscard and quit", id="discard", variant="error")
                yield Button("[u]C[/u]ancel", id="cancel")
            yield Static(Text("s save · d discard · esc cancel · ←/→ move, enter presses", style="dim"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id or "cancel")


class SentimentPicker(ModalScreen[str | None]):
    """``p`` positive, ``0`` neutral, ``n`` negative, or arrows and enter."""

    BINDINGS = [
        Binding("p", "pick('POSITIVE')", "Positive"),
        Binding("0", "pick('NEUTRAL')", "Neutral"),
        Binding("n", "pick('NEGATIVE')", "Negative"),
        Binding("escape", "pick('')", "Cancel", priority=True),
    ]

    def __init__(self, count: int, current: Mapping[str, int]) -> None:
        super().__init__()
        self.count = count
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sentiment-dialog"):
            noun = "article" if self.count == 1 else "articles"
            yield Label(f"Sentiment for {self.count} {noun}", classes="dialog-title")
            now = ", ".join(f"{n} {printable(v) or 'none'}" for v, n in sorted(self.current.items(), key=lambda kv: -kv[1]))
            yield Static(Text(f"now: {now}", style="dim"))
            keys = {"POSITIVE": "p", "NEUTRAL": "0", "NEGATIVE": "n"}
            yield VimOptionList(
                *[Option(Text.assemble((f"{keys[s]}  ", "bold"), s), id=s) for s in SENTIMENTS],
                id="sentiment-options",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_pick(self, value: str) -> None:
        self.dismiss(value or None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TagPrompt(ModalScreen[str | None]):
    """Type a tag (fuzzy suggestions from the folder, with counts); enter adds it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, title: str, vocabulary: Vocabulary, initial: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.vocabulary = vocabulary
        self.initial = initial

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="tag-dialog"):
            yield Label(Text(printable(self.title_text)), classes="dialog-title")
            yield TagInput(self.vocabulary, placeholder="tag (↓ for suggestions, enter to apply)", id="tag-prompt-input")
            yield Static(Text("enter applies · ↑↓ choose a suggestion · escape cancels", style="dim"))

    def on_mount(self) -> None:
        tag_input = self.query_one(TagInput)
        if self.initial:
            tag_input.value = self.initial
        tag_input.focus()

    @on(TagInput.Submitted)
    def _submitted(self, event: TagInput.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagRemove(ModalScreen[str | None]):
    """Choose one of the tags the target articles carry (with how many carry it)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, count: int, tags: Mapping[str, int]) -> None:
        super().__init__()
        self.count = count
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="untag-dialog"):
            noun = "article" if self.count == 1 else "articles"
            yield Label(f"Remove a tag from {self.count} {noun}", classes="dialog-title")
            ordered = sorted(self.tags.items(), key=lambda kv: (-kv[1], kv[0]))
            yield VimOptionList(
                *tag_options(ordered),
                id="untag-options",
            )

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ValueScreen(ModalScreen[None]):
    """One value shown whole, wrapped (``v``): a long title or description the list and the
    editor's box cut. Escaped like every view; closes on escape (or ``v``, ``q``, enter)."""

    BINDINGS = [
        Binding("escape", "close", "Close", priority=True),
        Binding("v,q,enter", "close", "Close", show=False),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, name: str, value: str) -> None:
        super().__init__()
        self.value_name = name
        self.shown_value = value

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="value-dialog"):
            yield Label(Text(printable(self.value_name)), classes="dialog-title", id="value-title")
            with VerticalScroll(id="value-scroll"):
                # Escaped as the editor shows it: what is read here is what is in the box.
                shown = Text(printable(self.shown_value)) if self.shown_value else Text("(empty)", style="dim")
                yield Static(shown, id="value-text")
            yield Static(Text(f"{len(self.shown_value):,} characters · escape closes", style="dim"), classes="dialog-hint")

    def action_scroll(self, lines: int) -> None:
        self.query_one("#value-scroll", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
