"""``copydesk merge-driver %O %A %B %P``: what git runs to merge an article (installed by
``copydesk git install``); see :mod:`core.git.merge`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ...display import printable

EPILOG = """\
git runs it with the base version (%O), ours (%A), theirs (%B) and the article's path (%P);
the result is written to %A.

exit codes: 0 merged cleanly, 1 conflicts left in the file (each named on stderr), 2 the
merge could not run (%A left as it was: git reports a conflict)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "merge-driver",
        help="merge an article field by field (git runs this; see `copydesk git install`)",
        description="Three-way merge of an article: front-matter fields, list items, then the body as git merges text.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("base", metavar="BASE", help="the common ancestor (%%O)")
    parser.add_argument("ours", metavar="OURS", help="our version, replaced by the result (%%A)")
    parser.add_argument("theirs", metavar="THEIRS", help="their version (%%B)")
    parser.add_argument("path", metavar="PATH", nargs="?", default="", help="the article's path in the repository (%%P)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...errors import CopydeskError
    from ...git.merge import merge_article
    from ...storage.files import write_atomic

    path = args.path or args.ours
    try:
        base, ours, theirs = (Path(name).read_bytes() for name in (args.base, args.ours, args.theirs))
        merged = merge_article(base, ours, theirs, path)
        if merged.data != ours:
            write_atomic(Path(os.path.abspath(args.ours)), merged.data)
    except (OSError, CopydeskError) as exc:
        print(f"copydesk merge-driver: {printable(path)}: {printable(str(exc))}", file=sys.stderr)
        return 2
    for name in merged.conflicts:
        where = {"body": "in the body", "file": f"in the file, merged as {merged.how}"}.get(name, f"in field {name!r}")
        print(f"copydesk merge-driver: {printable(path)}: conflict {printable(where)}", file=sys.stderr)
    return 1 if merged.conflicts else 0
