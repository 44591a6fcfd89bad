"""The ``=`` view: the folder's duplicate stories (:mod:`core.dupes`), one group after the
other; ``enter`` on an article keeps it and marks the group's other articles
(``[dupes] mark`` in ``copydesk.toml``, default ``draft: true``) in one staged step: ``D``
shows the diff, ``ctrl+s`` saves, ``u`` undoes. The groups are found in a worker thread by
the main screen, never at start-up."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from core.display import plural, printable

from ..model import StageResult
from .dialogs import VimOptionList


def _mark_text(mark: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{name}: {str(value).lower() if isinstance(value, bool) else value}" for name, value in mark)


class DupesScreen(ModalScreen[None]):
    """Each group's articles (its id, score and reason above them); ``enter`` keeps the
    highlighted article and marks the others; ``escape`` closes."""

    BINDINGS = [
        Binding("escape", "close", "Close", priority=True),
    ]

    def __init__(self, report: Any, mark: Sequence[tuple[str, Any]],
                 keep: Callable[[str, list[str]], StageResult]) -> None:
        super().__init__()
        self.report = report
        self.mark = tuple(mark)
        self._keep = keep
        self._members: dict[str, tuple[str, list[str]]] = {}  # option id -> (kept relpath, group's relpaths)

    def compose(self) -> ComposeResult:
        groups = self.report.groups
        with Vertical(classes="dialog wide", id="dupes-dialog"):
            grouped = sum(len(g.members) for g in groups)
            yield Label(f"Duplicate stories: {plural(len(groups), 'group')} ({plural(grouped, 'article')}) "
                        f"among {plural(self.report.compared, 'article')} compared", classes="dialog-title")
            yield VimOptionList(id="dupes-list")
            yield Static(Text(f"enter keeps the highlighted article and sets {printable(_mark_text(self.mark))} on "
                              "the others of its group (one step: u undoes, ctrl+s saves) · escape closes", style="dim"))

    def on_mount(self) -> None:
        options = self.query_one("#dupes-list", OptionList)
        if not self.report.groups:
            options.add_option(Option(Text("no duplicate stories found", style="dim"), disabled=True))
        for group in self.report.groups:
            relpaths = [m.relpath for m in group.members]
            options.add_option(Option(Text.assemble((f"{group.id}", "bold"), f"  score {group.score:.2f} · ",
                                                    printable(group.reason)), disabled=True))
            for member in group.members:
                option_id = f"{group.id}:{len(self._members)}"
                self._members[option_id] = (member.relpath, relpaths)
                title = member.title[:60] + ("…" if len(member.title) > 60 else "")
                options.add_option(Option(Text.assemble("   ", (printable(member.relpath), "cyan"), "  ",
                                                        printable(title)), id=option_id))
        first = next((i for i in range(options.option_count) if not options.get_option_at_index(i).disabled), None)
        options.highlighted = first
        options.focus()

    @on(OptionList.OptionSelected, "#dupes-list")
    def _chosen(self) -> None:
        self.action_keep()

    def action_keep(self) -> None:
        options = self.query_one("#dupes-list", OptionList)
        if options.highlighted is None:
            return
        option = options.get_option_at_index(options.highlighted)
        if option.id not in self._members:
            return
        kept, relpaths = self._members[option.id]
        result = self._keep(kept, [p for p in relpaths if p != kept])
        self.notify(f"kept {printable(kept)}; " + result.summary(f"set {_mark_text(self.mark)} on"),
                    severity="warning" if result.refused else "information")

    def action_close(self) -> None:
        self.dismiss(None)
