"""``copydesk git install [PATH]``: merge articles field by field in this repository (see
:mod:`core.git.install`); ``--uninstall`` takes it back."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...display import display_path, printable

EPILOG = """\
Writes merge.copydesk.name and merge.copydesk.driver to the repository's .git/config and one
`PATTERN merge=copydesk` line per article extension to .gitattributes at its top (commit that
file so everyone's git chooses the driver; each clone runs `copydesk git install` once).
Running it again changes nothing.

exit codes: 0 done (or nothing to do), 2 not inside a git repository, or git failed."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "git",
        help="git integration: install the merge driver for articles",
        description="Git integration.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = parser.add_subparsers(dest="git_command", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="install the merge driver in the repository holding PATH",
                                 epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    install.add_argument("path", nargs="?", default=".", metavar="PATH", help="the articles' folder (default: the current folder)")
    install.add_argument("--uninstall", action="store_true", help="remove what install added")
    install.add_argument("--program", metavar="CMD", help="the command git runs instead of this copydesk (shell syntax)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...config import load_config
    from ...errors import CopydeskError
    from ...git.install import install

    where = Path(args.path)
    try:
        done = install(load_config(where), where, program=args.program, uninstall=args.uninstall)
    except (CopydeskError, OSError) as exc:
        print(f"copydesk git install: {printable(str(exc))}", file=sys.stderr)
        return 2
    verb = "removed" if args.uninstall else "installed"
    changed = done.config_changed or done.attributes_changed
    shown = printable(display_path(done.root))
    if not changed:
        print(f"merge driver already {verb} in {shown}")
        return 0
    print(f"merge driver {verb} in {shown}: .git/config {'changed' if done.config_changed else 'unchanged'}, "
          f".gitattributes {'changed' if done.attributes_changed else 'unchanged'}")
    for line in done.patterns:
        print(f"  {printable(line)}")
    return 0
