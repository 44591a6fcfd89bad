"""The ``copydesk`` program: ``copydesk COMMAND ...`` runs the command line
(``core.cli.main``), ``copydesk [PATH]`` opens the terminal UI on a folder, and
``copydesk serve [PATH]`` serves that UI to a web browser (``tui.serve``).

The choice is made here, outside the core, so that the core never imports the UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``copydesk`` with ``argv`` (default: the process's arguments); the exit code."""
    from core.cli.main import COMMANDS
    from core.cli.main import main as run_command

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["serve"]:
        from tui.serve import serve_command

        return serve_command(args[1:])
    if args and (args[0] in COMMANDS or args[0].startswith("-")):
        return run_command(args)
    return open_tui(args)


def open_tui(args: list[str]) -> int:
    """``copydesk [PATH]``: the terminal UI on PATH (default: the current folder)."""
    parser = argparse.ArgumentParser(prog="copydesk", description="Open the copydesk terminal UI on PATH.")
    parser.add_argument("path", nargs="?", default=".", help="folder of articles (default: current folder)")
    ns = parser.parse_args(args)
    import tui

    tui.hold_gc()  # until the first screen is painted: see tui.hold_gc
    from tui.app import run_app

    return run_app(ns.path)


if __name__ == "__main__":
    sys.exit(main())
