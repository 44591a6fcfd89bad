"""Small modal dialogs: quit with unsaved changes, sentiment picker, add and remove a tag,
a value shown whole, a save that would add problems, a commit's message.

One ``escape`` closes each of them, whatever has the focus inside: their ``escape`` bindings
have priority over the widgets' own (a tag box's first escape closed only its suggestions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from core.display import plural, printable

from ..model import SENTIMENTS
from ..widgets.tag_input import Found, TagInput, Vocabulary, tag_options


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
    """``p`` positive, ``0`` neutral, ``n`` negative, or arrows and enter. For one article,
    the value its words suggest is labelled ``suggested`` once worked out
    (:meth:`show_suggestion`); it is never chosen by itself."""

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
        self._pending = False  # a suggestion is being worked out
        self._suggestion: Any = None  # the one worked out, until the options are there
        self._answered = False
        self._shown = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="sentiment-dialog"):
            noun = "article" if self.count == 1 else "articles"
            yield Label(f"Sentiment for {self.count} {noun}", classes="dialog-title")
            now = ", ".join(f"{n} {printable(v) or 'none'}" for v, n in sorted(self.current.items(), key=lambda kv: -kv[1]))
            yield Static(Text(f"now: {now}", style="dim"))
            yield VimOptionList(*[Option(self._prompt(s), id=s) for s in SENTIMENTS], id="sentiment-options")
            hint = Static(Text("suggestion: reading the article…", style="dim"), id="sentiment-suggestion")
            hint.display = self._pending
            yield hint

    @staticmethod
    def _prompt(value: str, said: str = "") -> Text:
        keys = {"POSITIVE": "p", "NEUTRAL": "0", "NEGATIVE": "n"}
        prompt = Text.assemble((f"{keys[value]}  ", "bold"), value)
        if said:
            prompt.append(f"   ◂ suggested {said}", style="bold green")
        return prompt

    def suggestion_pending(self) -> None:
        """Say that the suggestion is being worked out (call before the picker is shown)."""
        self._pending = True

    def show_suggestion(self, suggestion: Any) -> None:
        """Label the option the article's words suggest (a ``core.sentiment.Suggestion``);
        the highlight stays where the user left it."""
        self._suggestion, self._answered = suggestion, True
        if self._shown and self.is_attached:
            self._label_suggestion()

    def _label_suggestion(self) -> None:
        suggestion = self._suggestion
        hint = self.query_one("#sentiment-suggestion", Static)
        if suggestion is None or suggestion.label not in SENTIMENTS:
            hint.update(Text("no suggestion", style="dim"))
            return
        confident = ", confident" if suggestion.confident else ""
        self.query_one(OptionList).replace_option_prompt(
            suggestion.label, self._prompt(suggestion.label, f"({suggestion.score:+.2f}{confident})"))
        hint.update(Text(f"suggested from the title, description and first paragraphs: {suggestion.label}", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        self._shown = True
        if self._answered:
            self._label_suggestion()

    def action_pick(self, value: str) -> None:
        self.dismiss(value or None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class TagPrompt(ModalScreen[str | None]):
    """Type a tag (fuzzy suggestions from the folder, with counts); enter adds it. With
    several ``taxonomies``, ``tab`` cycles the one the term goes to (:attr:`taxonomy`), the
    suggestions being that taxonomy's terms (``vocabulary_of``)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("tab", "next_taxonomy", "Next taxonomy", show=False),
    ]

    def __init__(self, title: str, vocabulary: Vocabulary, initial: str = "", *,
                 taxonomies: Sequence[str] = ("tags",), taxonomy: str = "tags",
                 vocabulary_of: Callable[[str], Vocabulary] | None = None, found: Found = tuple) -> None:
        super().__init__()
        self.found = found  # the tags found in the article's text: listed first, at once
        self.title_text = title
        self.vocabulary = vocabulary
        self.initial = initial
        self.taxonomies = tuple(taxonomies)
        self.taxonomy = taxonomy if taxonomy in self.taxonomies else self.taxonomies[0] if self.taxonomies else "tags"
        self.vocabulary_of = vocabulary_of

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="tag-dialog"):
            yield Label(Text(printable(self.title_text)), classes="dialog-title")
            if len(self.taxonomies) > 1:
                yield Static(self._taxonomy_line(), id="tag-taxonomy")
            yield TagInput(self._vocabulary(), placeholder=self._placeholder(), id="tag-prompt-input",
                           found=self._found())
            yield Static(Text("enter applies · ↑↓ choose a suggestion · "
                              + ("tab next taxonomy · " if len(self.taxonomies) > 1 else "") + "escape cancels", style="dim"))

    def _vocabulary(self) -> Vocabulary:
        return self.vocabulary_of(self.taxonomy) if self.vocabulary_of is not None else self.vocabulary

    def _found(self) -> Found:
        return self.found if self.taxonomy == "tags" else tuple

    def _placeholder(self) -> str:
        noun = "tag" if self.taxonomy == "tags" else f"{self.taxonomy} term"
        return f"{printable(noun)} (↓ for suggestions, enter to apply)"

    def _taxonomy_line(self) -> Text:
        line = Text("to: ")
        for n, name in enumerate(self.taxonomies):
            line.append(("  " if n else "") + printable(name), style="reverse bold" if name == self.taxonomy else "dim")
        return line

    def action_next_taxonomy(self) -> None:
        if len(self.taxonomies) < 2:
            return
        self.taxonomy = self.taxonomies[(self.taxonomies.index(self.taxonomy) + 1) % len(self.taxonomies)]
        self.query_one("#tag-taxonomy", Static).update(self._taxonomy_line())
        tag_input = self.query_one(TagInput)
        tag_input.vocabulary = self._vocabulary()
        tag_input.found = self._found()
        tag_input.input.placeholder = self._placeholder()
        tag_input.open_suggestions()

    def on_mount(self) -> None:
        tag_input = self.query_one(TagInput)
        if self.initial:
            tag_input.value = self.initial
        else:
            tag_input.open_suggestions()  # the tags found in the text, if any
        tag_input.focus()

    @on(TagInput.Submitted)
    def _submitted(self, event: TagInput.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(value or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TagRemove(ModalScreen[str | None]):
    """Choose one of the tags the target articles carry (with how many carry it). With
    several ``taxonomies``, ``tab`` cycles the one a term is taken from (:attr:`taxonomy`),
    listing that taxonomy's terms on the targets (``counts_of``)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("tab", "next_taxonomy", "Next taxonomy", show=False),
    ]

    def __init__(self, count: int, tags: Mapping[str, int], *, taxonomies: Sequence[str] = ("tags",),
                 taxonomy: str = "tags", counts_of: Callable[[str], Mapping[str, int]] | None = None) -> None:
        super().__init__()
        self.count = count
        self.tags = tags
        self.taxonomies = tuple(taxonomies)
        self.taxonomy = taxonomy if taxonomy in self.taxonomies else self.taxonomies[0] if self.taxonomies else "tags"
        self.counts_of = counts_of

    def _counts(self) -> Mapping[str, int]:
        return self.counts_of(self.taxonomy) if self.counts_of is not None else self.tags

    def _title(self) -> Text:
        noun = "article" if self.count == 1 else "articles"
        what = "a tag" if self.taxonomies == ("tags",) else "a term"
        return Text(f"Remove {what} from {self.count} {noun}")

    def _taxonomy_line(self) -> Text:
        line = Text("from: ")
        for n, name in enumerate(self.taxonomies):
            line.append(("  " if n else "") + printable(name), style="reverse bold" if name == self.taxonomy else "dim")
        if not self._counts():
            line.append(f"   (no {printable(self.taxonomy)} on the {'article' if self.count == 1 else 'articles'})", style="dim")
        return line

    def _options(self) -> list[Option]:
        return tag_options(sorted(self._counts().items(), key=lambda kv: (-kv[1], kv[0])))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="untag-dialog"):
            yield Label(self._title(), classes="dialog-title")
            if len(self.taxonomies) > 1:
                yield Static(self._taxonomy_line(), id="untag-taxonomy")
            yield VimOptionList(*self._options(), id="untag-options")
            if len(self.taxonomies) > 1:
                yield Static(Text("enter removes · tab next taxonomy · escape cancels", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if options.option_count:
            options.highlighted = 0
        options.focus()

    def action_next_taxonomy(self) -> None:
        if len(self.taxonomies) < 2:
            return
        self.taxonomy = self.taxonomies[(self.taxonomies.index(self.taxonomy) + 1) % len(self.taxonomies)]
        self.query_one("#untag-taxonomy", Static).update(self._taxonomy_line())
        options = self.query_one(OptionList)
        options.clear_options()
        options.add_options(self._options())
        if options.option_count:
            options.highlighted = 0

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


SHOWN_PROBLEMS = 500  # a bulk edit can add one problem to thousands of articles: the first are listed


class SaveIntroduces(ModalScreen[tuple[str, int] | None]):
    """The save would give articles problems they did not have: each article and problem,
    then ``s`` save anyway, ``g`` (or ``enter``) go to the chosen one, ``escape`` cancel.
    Dismisses with ``("save", -1)``, ``("goto", n)`` (n: the problem's position) or None."""

    BINDINGS = [
        Binding("s", "choose('save')", "Save anyway"),
        # Before the list's own `g` (first item): here it goes to the problem.
        Binding("g", "choose('goto')", "Go to it", priority=True),
        Binding("escape", "choose('cancel')", "Cancel", priority=True),
        Binding("c", "choose('cancel')", "Cancel", show=False),
    ]

    def __init__(self, introduced: Sequence[Any], saving: int) -> None:
        """``introduced``: items with ``relpath``, ``field`` and ``problem``; ``saving``: how
        many articles the save writes."""
        super().__init__()
        self.introduced = list(introduced)
        self.saving = saving

    def compose(self) -> ComposeResult:
        count = len(self.introduced)
        articles = len({item.relpath for item in self.introduced})
        with Vertical(classes="dialog", id="save-problems-dialog"):
            yield Static(Text(f"The save would add {plural(count, 'problem')} to {plural(articles, 'article')}:"),
                         classes="dialog-title")
            listed = self.introduced[:SHOWN_PROBLEMS]
            yield VimOptionList(*[Option(self._label(item), id=str(n)) for n, item in enumerate(listed)],
                                id="save-problems")
            if count > len(listed):
                yield Static(Text(f"… and {plural(count - len(listed), 'more problem')} not listed",
                                  style="dim"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("[u]S[/u]ave anyway", id="save", variant="warning")
                yield Button("[u]G[/u]o to it", id="goto", variant="primary")
                yield Button("[u]C[/u]ancel", id="cancel")
            what = "it" if self.saving == 1 else f"all {plural(self.saving, 'article')}"
            yield Static(Text(f"s save {what} anyway · g or enter: go to the chosen problem · "
                              "esc cancel (the edits stay staged)", style="dim"), classes="dialog-hint")

    @staticmethod
    def _label(item: Any) -> Text:
        problem = item.problem
        style = "red" if problem.severity == "error" else "yellow"
        where = f"  {'.'.join(item.field)}" if item.field else ""
        return Text.assemble((printable(item.relpath), "bold"), (printable(where), "cyan"), "\n  ",
                             (f"{problem.code} ", style), printable(problem.message))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def action_choose(self, choice: str) -> None:
        if choice == "cancel":
            self.dismiss(None)
        elif choice == "goto":
            self.dismiss(("goto", self.query_one(OptionList).highlighted or 0))
        else:
            self.dismiss((choice, -1))

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("goto", event.option_index))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "cancel")


SHOWN_FILES = 6  # a commit's files listed by name; the rest counted


class CommitPrompt(ModalScreen[str | None]):
    """``C``: the files the commit takes and its message, which can be edited; ``enter``
    commits with the message as it stands, ``escape`` commits nothing."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", priority=True)]

    def __init__(self, relpaths: Sequence[str], message: str) -> None:
        super().__init__()
        self.relpaths = list(relpaths)
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="commit-dialog"):
            yield Label(f"Commit the last save: {plural(len(self.relpaths), 'file')}", classes="dialog-title")
            names = [printable(name) for name in self.relpaths[:SHOWN_FILES]]
            if len(self.relpaths) > SHOWN_FILES:
                names.append(f"… and {len(self.relpaths) - SHOWN_FILES:,} more")
            yield Static(Text("\n".join(names)), id="commit-files")
            yield Input(self.message, id="commit-message", select_on_focus=False)
            yield Static(Text("enter commits (git commit --only: these files alone) · escape cancels", style="dim"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#commit-message", Input).focus()

    @on(Input.Submitted, "#commit-message")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        message = event.value.strip()
        if not message:
            self.app.bell()  # git refuses an empty message: say so here
            self.notify("the commit message is empty", severity="warning", timeout=3)
            return
        self.dismiss(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
