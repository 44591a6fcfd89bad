"""The copydesk terminal UI: ``copydesk [PATH]`` opens it on a folder of articles."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.markup import escape as escape_markup
from textual.notifications import Notify, SeverityLevel
from textual.screen import Screen

from core.config import Config, ConfigError, load_config, why_unreachable
from core.display import printable

from . import collect_when_idle, commands, note_input
from .fields import load_field_specs
from .input_order import InputOrder
from .model import Workspace
from .screens.main import MainScreen, run_action_later

MAX_TOASTS = 3  # toasts shown at once; the newest is always among them


class CopydeskApp(App[int]):
    """List, reader and metadata editor over one folder of articles."""

    CSS_PATH = "app.tcss"
    TITLE = "copydesk"

    def __init__(self, path: Path, config: Config) -> None:
        super().__init__()
        self.path = path
        self.config = config
        self.workspace = Workspace(config)
        self.main_screen = MainScreen(self.workspace, [path], load_field_specs(config))
        self.input_order = InputOrder(self, self._handle_input)

    def get_default_screen(self) -> Screen:
        return self.main_screen

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            note_input()  # the collector waits for a pause in these (tui.collect_when_idle)
        elif isinstance(event, events.Paste) and not event.is_forwarded:
            # Text copied from a scraped page can hold escapes too: an input box would
            # draw them raw. Pasted, they are shown as text (what the box then holds).
            event.text = printable(event.text, multiline=True)
        if isinstance(event, events.Key | events.Paste) and not event.is_forwarded:
            # From the terminal: handled one at a time, each once the last one's effects
            # (bindings, focus changes) are done, so a burst keeps its order (tui.input_order).
            self.input_order.put(event)
            return
        await super().on_event(event)

    async def _handle_input(self, event: events.Event) -> None:
        """One key or paste from the terminal, handed over by ``input_order``: Textual's
        own handling (priority bindings, then the focused widget), once the main screen is
        ready for it."""
        if isinstance(event, events.Key) and self.screen is self.main_screen:
            await self.main_screen.before_key(self.input_order.received)
        await super().on_event(event)

    def hold_keys(self, awaitable: Awaitable[object]) -> None:
        """Keys typed from now on wait until ``awaitable`` is done (say, the inputs the
        next keys are meant for being built)."""
        self.input_order.hold(awaitable)

    def on_mount(self) -> None:
        self.set_interval(0.25, collect_when_idle, name="collect garbage when idle")
        known, unknown, conflicts = commands.keymap(self.config.keys)
        if known:
            self.set_keymap(known)
        where = self.config.source or "configuration"
        if unknown:
            self.notify(
                f"{where}: unknown action(s) in keys: {', '.join(unknown)} (? lists the action names)",
                severity="warning",
                timeout=10,
            )
        if conflicts:
            self.notify(f"{where}: keys: " + "; ".join(conflicts), severity="warning", timeout=10)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast of the app: file names, tags and values in it are shown with their
        control characters escaped, and never read as markup (``markup`` is ignored)."""
        super().notify(
            printable(message, multiline=True), title=printable(title), severity=severity, timeout=timeout, markup=False
        )

    def on_notify(self, event: Notify) -> None:
        """A toast is added (``App._on_notify`` ran first): the same message again replaces
        the toast showing it, and at most ``MAX_TOASTS`` show (the oldest note goes first, an
        error last), so that toasts never pile up over the status line."""
        new = event.notification
        shown = []
        for old in list(self._notifications):
            if old is new:
                continue
            if old.message == new.message and old.title == new.title:
                self._unnotify(old, refresh=False)
            else:
                shown.append(old)
        excess = len(shown) - (MAX_TOASTS - 1)
        if excess > 0:
            # Sorted is stable: notes and warnings before errors, each oldest first.
            for old in sorted(shown, key=lambda n: n.severity == "error")[:excess]:
                self._unnotify(old, refresh=False)
        self._refresh_notifications()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        for cmd in commands.COMMANDS:
            if cmd.palette and cmd.id != "quit" and main.offers(cmd):
                keys = commands.effective_keys(cmd, self.config.keys)
                # The keys come from the folder's configuration file: text, never markup.
                title = f"{cmd.title} ({escape_markup(printable(keys))})"
                yield SystemCommand(title, main.describe(cmd), run_action_later(main, cmd.action))

    async def action_quit(self) -> None:
        """``q`` and ``ctrl+q``: ask about unsaved changes first."""
        from .screens.dialogs import ConfirmQuit

        if isinstance(self.screen, ConfirmQuit):
            return
        self.main_screen.request_quit()


def run_app(path: str) -> int:
    """Open the TUI on ``path``; returns the process exit code."""
    target = Path(path)
    why = why_unreachable(target)
    if why:
        print(f"copydesk: {printable(path)}: {why}", file=sys.stderr)
        return 2
    try:
        config = load_config(target)
    except ConfigError as exc:
        print(f"copydesk: configuration error: {printable(exc)}", file=sys.stderr)
        return 2
    app = CopydeskApp(target.resolve(), config)
    app.run()
    return app.return_code or 0
