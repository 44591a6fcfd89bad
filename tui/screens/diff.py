"""Diff screens: ``D`` shows every pending change; the conflict dialog after a save."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, RichLog, Static
from textual.widgets.option_list import Option

from core.display import printable

from .dialogs import StoppingOptionList

MAX_DIFF_FILES = 500


def diff_lines(diff: str) -> list[Text]:
    """A unified diff as coloured lines, control characters shown (lines split at ``\n``
    only, as the patch is)."""
    out: list[Text] = []
    for raw in diff.removesuffix("\n").split("\n"):
        line = printable(raw.removesuffix("\r"), multiline=True)
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        else:
            style = ""
        out.append(Text(line, style=style))
    return out


# A diff log scrolls with the arrows and page keys itself; these are the list's keys.
SCROLL_BINDINGS = [
    Binding("j", "scroll('scroll_down')", "Down", show=False),
    Binding("k", "scroll('scroll_up')", "Up", show=False),
    Binding("g", "scroll('scroll_home')", "Top", show=False),
    Binding("G", "scroll('scroll_end')", "Bottom", show=False),
    Binding("space,ctrl+d", "scroll('page_down')", "Page down", show=False),
    Binding("b,ctrl+u", "scroll('page_up')", "Page up", show=False),
]


class DiffScreen(ModalScreen[None]):
    """The unified diff of the pending changes (nothing is written)."""

    BINDINGS = [Binding("escape,q,D", "close", "Close"), *SCROLL_BINDINGS]

    def __init__(self, diffs: list[str], refused: list[str], total: int) -> None:
        super().__init__()
        self.diffs = diffs
        self.refused = refused
        self.total = total

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="diff-dialog"):
            noun = "article" if self.total == 1 else "articles"
            yield Label(f"Pending changes: {self.total} {noun}", classes="dialog-title")
            yield RichLog(id="diff-log", wrap=False, highlight=False, markup=False, auto_scroll=False)
            yield Static(Text("escape closes · ctrl+s in the list saves", style="dim"))

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        for message in self.refused:
            log.write(Text(f"cannot apply: {printable(message)}", style="bold red"))
        for diff in self.diffs[:MAX_DIFF_FILES]:
            for line in diff_lines(diff):
                log.write(line)
        if len(self.diffs) > MAX_DIFF_FILES:
            log.write(Text(f"… and {len(self.diffs) - MAX_DIFF_FILES} more files", style="dim"))
        if not self.diffs and not self.refused:
            log.write(Text("nothing to save", style="dim"))
        log.scroll_home(animate=False)
        log.focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll(self, where: str) -> None:
        getattr(self.query_one(RichLog), f"action_{where}")()


@dataclass(frozen=True)
class Trouble:
    """A file a save could not write: a conflict (changed on disk) or a refusal."""

    path: Path
    relpath: str
    status: str  # "conflict" | "refused"
    message: str
    diff: str = ""


class DiffLog(RichLog):
    """A log that opens at a given line (the first change), once its lines are laid out:
    until the log has a size, RichLog keeps what is written for later."""

    start_at = 0

    def show_from(self, line: int) -> None:
        self.start_at = line
        self._scroll_to_start()

    def on_resize(self) -> None:
        # Runs before RichLog's own handler writes what it kept: look once that is done.
        self.call_after_refresh(self._scroll_to_start)

    def _scroll_to_start(self) -> None:
        if self.start_at and len(self.lines) > self.start_at:
            self.call_after_refresh(self.scroll_to, y=self.start_at, animate=False)
            self.start_at = 0  # once: a later resize leaves where the user scrolled to


class ConflictScreen(ModalScreen[dict[Path, str]]):
    """For each troubled file: ``r`` reload from disk (drop our edits), ``o`` overwrite with
    ours, ``s`` skip (keep our edits staged). Dismisses with {path: choice}."""

    BINDINGS = [
        Binding("r", "decide('reload')", "Reload from disk"),
        Binding("o", "decide('overwrite')", "Overwrite"),
        Binding("s", "decide('skip')", "Skip"),
        Binding("escape", "finish", "Skip the rest"),
        # ↑ ↓ choose the file; these scroll its diff.
        Binding("j", "scroll('scroll_down')", "Scroll down", show=False),
        Binding("k", "scroll('scroll_up')", "Scroll up", show=False),
        Binding("space", "scroll('page_down')", "Page down", show=False),
        Binding("b", "scroll('page_up')", "Page up", show=False),
    ]

    def __init__(self, troubles: list[Trouble], outcome: str = "") -> None:
        super().__init__()
        self.troubles = troubles
        self.outcome = outcome  # what the save did, e.g. "save: 3 saved, 1 conflict"
        self.decisions: dict[Path, str] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="conflict-dialog"):
            noun = "file was" if len(self.troubles) == 1 else "files were"
            outcome = f" ({self.outcome})" if self.outcome else ""
            yield Label(f"{len(self.troubles)} {noun} not saved{outcome}", classes="dialog-title")
            yield StoppingOptionList(*[Option(self._label(t), id=str(n)) for n, t in enumerate(self.troubles)],
                                     id="conflict-files")
            yield DiffLog(id="conflict-diff", wrap=False, markup=False, auto_scroll=False)
            yield Static(
                Text("r reload from disk (drop our edits) · o overwrite with ours · s skip (keep edits staged) · "
                     "escape skip the rest · ↑↓ file · j k space b scroll its diff", style="dim")
            )

    def _label(self, trouble: Trouble) -> Text:
        decided = self.decisions.get(trouble.path)
        mark = f"[{decided}] " if decided else ""
        style = "red" if trouble.status == "conflict" else "yellow"
        return Text.assemble((mark, "bold"), (printable(trouble.relpath), "bold"), (f"  {trouble.status}: ", style), printable(trouble.message))

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()
        self._show(0)

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_index is not None:
            self._show(event.option_index)

    def _show(self, position: int) -> None:
        log = self.query_one(DiffLog)
        log.clear()
        trouble = self.troubles[position]
        first_change = 0
        if trouble.diff:
            log.write(Text("on disk now (-) vs what we would write (+):", style="dim"))
            for n, line in enumerate(diff_lines(trouble.diff), 1):
                if not first_change and line.plain[:1] in "+-" and line.plain[:3] not in ("+++", "---"):
                    first_change = n
                log.write(line)
        else:
            log.write(Text(printable(trouble.message)))
        # The lines in conflict, not the headers and context above them, on a short screen.
        log.show_from(max(0, first_change - 2))

    def action_decide(self, choice: str) -> None:
        options = self.query_one(OptionList)
        position = options.highlighted
        if position is None:
            return
        trouble = self.troubles[position]
        if choice == "overwrite" and trouble.status != "conflict":
            self.notify(f"{trouble.relpath}: cannot overwrite: {trouble.message}", severity="warning")
            return
        self.decisions[trouble.path] = choice
        options.replace_option_prompt_at_index(position, self._label(trouble))
        pending = [n for n, t in enumerate(self.troubles) if t.path not in self.decisions]
        if not pending:
            self.dismiss(self.decisions)
            return
        following = [n for n in pending if n > position]
        options.highlighted = following[0] if following else pending[0]

    def action_scroll(self, where: str) -> None:
        getattr(self.query_one(RichLog), f"action_{where}")()

    def action_finish(self) -> None:
        for trouble in self.troubles:
            self.decisions.setdefault(trouble.path, "skip")
        self.dismiss(self.decisions)
