"""The ``?`` help screen: every command with its key, from the one command list."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from core.display import printable

from ..commands import COMMANDS, GROUPS, Command, effective_keys

QUERY_HELP = (
    "tag:ASIA  sentiment:negative  source.key:coindesk  title:~hong  -tag:NEWS\n"
    "tag:A,B (either)  publishedAt:>=2025-11-01  publishedAt:>=-7d  has:updatedAt  code:CD403\n"
    "is:raw  is:invalid  is:draft  is:dirty  is:marked  is:duplicate  dup:ID  is:contradicted  bare words search title and description\n"
    "is:modified  is:staged  is:untracked  is:conflicted  is:renamed (what git says of the file)"
)


ROW_HELP = (
    ("●", "marked (space); t, T, s, c, f and d act on the marked rows"),
    ("*", "unsaved changes (ctrl+s saves them, D shows them)"),
    ("✓  !  ✗", "clean, warnings only, errors (or a broken file: its first problem in the tags column)"),
    ("R", "raw article: no front matter (copydesk adopt gives it one)"),
    ("D", "draft (the column after the sentiment)"),
    ("POS NEU NEG", "sentiment; a value outside these shows its start and '?' (PO?)"),
    ("M S ? U R", "git (the column after *, in a repository): M changes not staged, S staged, ? untracked,"),
    ("", "U conflicted, R renamed; C commits the last save's files"),
    ("", "an article without a title shows its path instead; a date the list cannot read"),
    ("", "(Saturday …) shows as written and sorts after every real date"),
)


def row_table() -> Table:
    """What the list's symbols mean."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column("symbol", style="bold", no_wrap=True, min_width=12)
    table.add_column("meaning", ratio=1)
    table.add_row(Text("Rows", style="bold underline"), "")
    for symbol, meaning in ROW_HELP:
        table.add_row(symbol, meaning)
    table.add_row("", "")
    return table


def help_table(config_keys: Mapping[str, str], describe: Callable[[Command], str] = lambda cmd: cmd.help) -> Table:
    """Keys grouped as in the command list, with the user's remapping applied; ``describe``
    says what each does on the folder (see :func:`tui.commands.folder_help`)."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0), expand=True)
    table.add_column("key", style="bold", no_wrap=True, min_width=12)
    table.add_column("what", ratio=1)
    table.add_column("id", style="dim", no_wrap=True)  # what the config file's [keys] table remaps
    for group in GROUPS:
        table.add_row(Text(group, style="bold underline"), "")
        for cmd in COMMANDS:
            if cmd.group == group:
                # Keys come from the folder's configuration file: shown as text, never markup.
                table.add_row(Text(printable(effective_keys(cmd, config_keys))), Text(printable(describe(cmd))), cmd.id)
        if group == "Move":
            table.add_row("tab", "Next pane (inside the editor: next field); shift+tab back")
        if group == "App":
            table.add_row("ctrl+p", "Command palette: every command by name")
            table.add_row("ctrl+q", "Quit (asks when changes are unsaved)")
        table.add_row("", "")
    return table


class HelpScreen(ModalScreen[None]):
    """Every key, and the filter's query language in brief."""

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", show=True),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, config_keys: Mapping[str, str], describe: Callable[[Command], str] = lambda cmd: cmd.help) -> None:
        super().__init__()
        self.config_keys = config_keys
        self.describe = describe

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box"):
            yield Static(Text("copydesk keys", style="bold"), id="help-title")
            yield Static(help_table(self.config_keys, self.describe), id="help-table")
            yield Static(row_table(), id="help-rows")
            yield Static(Text.assemble(("Filter (/) examples\n", "bold underline"), QUERY_HELP), id="help-query")
            yield Static(Text("escape closes", style="dim"))

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help-box", VerticalScroll).scroll_relative(y=lines, animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
