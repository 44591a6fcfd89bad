"""The ``copydesk`` command line: ``copydesk COMMAND ...`` (``tui.launch`` chooses between it
and the terminal UI, so the core never imports the UI).

Each subcommand lives in ``core/cli/commands/<name>.py`` and exposes ``register(subparsers)``
(adding its parser with ``set_defaults(run=...)``); ``run(args) -> int`` returns the exit code.

Exit codes (every subcommand): 0 success, 1 problems found / some file refused, 2 usage or
configuration error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .. import __version__
from ..config import ConfigError
from ..display import protected_streams

COMMANDS = ("check", "rules", "init", "set", "tag", "list", "tags", "adopt", "undo", "dupes", "git",
            "merge-driver")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; with ``only``, just that command's module is imported and
    registered (what a run of one command needs: importing every command costs a
    noticeable share of a quick run)."""
    parser = argparse.ArgumentParser(
        prog="copydesk",
        description="Check, query and edit the YAML front matter of a folder of Markdown articles.",
        epilog="Run `copydesk PATH` (no command) to open the terminal UI, `copydesk serve PATH` to serve it to a web browser. Exit codes: 0 ok, 1 problems or refused files, 2 usage/config error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"copydesk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f".commands.{name.replace('-', '_')}", __package__)
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.commands.{name.replace('-', '_')}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand (``argv`` without the program name); returns the exit code."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list:
        build_parser().print_help(sys.stderr)
        return EXIT_USAGE
    # Whatever a command prints (argparse echoing a hostile file name included) reaches the
    # terminal with its control characters shown, not acted on.
    with protected_streams():
        return _run_command(args_list)


def _run_command(args_list: list[str]) -> int:
    parser = build_parser(args_list[0] if args_list[0] in COMMANDS else None)
    args = parser.parse_args(args_list)
    args.argv = args_list[1:]  # some commands need to see `--` (argparse drops it)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"copydesk: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
