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


# What the worker processes run, imported once in their fork server.
WORKER_IMPORTS = ("core.index.scanning", "core.index.metadata", "core.checks.runner", "core.schema",
                  "rapidfuzz.process", "tui.model")


def open_tui(args: list[str]) -> int:
    """``copydesk [PATH]``: the terminal UI on PATH (default: the current folder)."""
    parser = argparse.ArgumentParser(prog="copydesk", description="Open the copydesk terminal UI on PATH.")
    parser.add_argument("path", nargs="?", default=".", help="folder of articles (default: current folder)")
    ns = parser.parse_args(args)
    import tui
    from core.index.workers import fork_from_server

    tui.share_malloc_arena()  # before any thread starts

    # The scans' worker processes are forked from a small server started now, not from the
    # app once Textual and the list fill it (see fork_from_server).
    fork_from_server(WORKER_IMPORTS)
    tui.hold_gc()  # until the first screen is painted: see tui.hold_gc
    from tui.app import run_app

    return run_app(ns.path)


if __name__ == "__main__":
    sys.exit(main())
