"""The preview of a staged rewrite (``i`` adopt, ``f`` fix): what it does, then its diff;
``enter`` stages it, ``escape`` drops it. Nothing is written: ``ctrl+s`` saves later."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, RichLog, Static

from core.display import printable

from .diff import SCROLL_BINDINGS, diff_lines


class ChangePreview(ModalScreen[bool]):
    """A change shown before it is staged: a title, what it does (one line each), its diff."""

    BINDINGS = [Binding("enter,y", "stage", "Stage"), Binding("escape,q,n", "cancel", "Cancel"), *SCROLL_BINDINGS]

    def __init__(self, title: str, lines: Sequence[str], diff: str) -> None:
        super().__init__()
        self.heading = title
        self.lines = list(lines)
        self.diff = diff

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide", id="preview-dialog"):
            yield Label(printable(self.heading), classes="dialog-title")
            for line in self.lines:
                yield Static(Text(printable(line)), classes="preview-line")
            yield RichLog(id="preview-diff", wrap=False, highlight=False, markup=False, auto_scroll=False)
            yield Static(Text("enter stages it (ctrl+s saves, u undoes) · escape cancels", style="dim"))

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        for line in diff_lines(self.diff):
            log.write(line)
        log.scroll_home(animate=False)
        log.focus()

    def action_stage(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_scroll(self, where: str) -> None:
        getattr(self.query_one(RichLog), f"action_{where}")()
