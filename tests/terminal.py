"""The real program in a real terminal: a private tmux server with one pane.

Some failures only show there: escape sequences reaching the terminal (its clipboard, title
and window name), and keys sent in one burst with no pause. Tests take the ``terminal``
fixture (``tests/conftest.py``); tmux is part of CI's machine image, so CI fails rather
than skips without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

TMUX = shutil.which("tmux")
PROJECT = Path(__file__).resolve().parent.parent
PANE = "copydesk"  # the session, window and pane every command targets
CLEAN_STATE = {"buffers": "", "pane title": "CLEAN-TITLE", "window name": "CLEAN-WINDOW"}


class Terminal:
    """A private tmux server (its own socket and configuration) running one command."""

    def __init__(self, tmp: Path) -> None:
        self.socket = tmp / "tmux.sock"
        self.conf = tmp / "tmux.conf"
        # The clipboard and renames allowed, so that a test sees what an escape would do.
        self.conf.write_text(
            "set -g set-clipboard on\nset -g allow-rename on\nsetw -g automatic-rename off\n"
            "set -g default-terminal tmux-256color\nset -sg escape-time 10\nset -g remain-on-exit on\n"
        )

    def tmux(self, *args: str) -> str:
        """Run a tmux command on this server; its standard output."""
        assert TMUX is not None
        # Not the test run's COLUMNS and LINES (80x24): the program would take them for the
        # pane's size.
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        proc = subprocess.run([TMUX, "-S", str(self.socket), "-f", str(self.conf), *args],
                              capture_output=True, text=True, timeout=30, env=env)
        return proc.stdout

    def start(self, command: list[str], cwd: Path = PROJECT, size: tuple[int, int] = (160, 45)) -> None:
        """Run ``command`` in a pane of ``size`` (columns, rows)."""
        # The pane waits for a line before running the command, so that its title and the
        # window's name are known values first.
        script = "read _ && exec " + " ".join(_sh_quote(part) for part in command)
        self.tmux("new-session", "-d", "-x", str(size[0]), "-y", str(size[1]), "-s", PANE, "-c", str(cwd), "sh", "-c", script)
        self.tmux("select-pane", "-t", PANE, "-T", CLEAN_STATE["pane title"])
        self.tmux("rename-window", "-t", PANE, CLEAN_STATE["window name"])
        self.tmux("send-keys", "-t", PANE, "Enter")

    def keys(self, *keys: str, pause: float = 0.35) -> None:
        """Send ``keys`` one by one (tmux key names), ``pause`` seconds apart."""
        for key in keys:
            self.tmux("send-keys", "-t", PANE, key)
            time.sleep(pause)

    def burst(self, *steps: tuple[str, ...]) -> None:
        """Send every step in one tmux command, so that they reach the program with no pause:
        ``("-l", "text")`` types text, ``("C-u",)`` a key."""
        command: list[str] = []
        for step in steps:
            command += [*(";" if command else ()), "send-keys", "-t", PANE, *step]
        self.tmux(*command)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", PANE)

    def wait_for(self, test: str | Callable[[str], bool], timeout: float = 60) -> str:
        """The screen once it holds ``test`` (a text, or a test of the screen)."""
        holds = (lambda screen: test in screen) if isinstance(test, str) else test
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if holds(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {test!r}; the screen shows:\n{text}")
            time.sleep(0.2)

    def state(self) -> dict[str, str]:
        """What escapes could have changed: paste buffers, the pane's title, the window's name."""
        return {
            "buffers": self.tmux("list-buffers"),
            "pane title": self.tmux("display-message", "-p", "-t", PANE, "#{pane_title}").strip(),
            "window name": self.tmux("display-message", "-p", "-t", PANE, "#{window_name}").strip(),
        }

    def close(self) -> None:
        self.tmux("kill-server")


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"

