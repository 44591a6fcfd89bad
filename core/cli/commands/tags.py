"""``copydesk tags PATH... [--similar] [--where Q] [--format table|json]``: the folder's tags."""

from __future__ import annotations

import argparse
import shlex
import sys

from ...display import plural, printable, shown_tag
from ...taxonomy import similar_groups, tag_counts
from .common import UsageError, allow_dash_values, dump_json, load_targets_where

EPILOG = """\
Without --similar: every tag with the number of articles using it, most used first.
With --similar: groups of spellings that look like one tag (case, spacing, punctuation,
plural, a small typo in a long tag), the most used spelling first as the proposed
canonical, and the `copydesk tag --rename` command that merges each group. Short distinct
tags (BTC/ETH, ASIA/USA, AI/API) are never grouped.

exit codes: 0 success, 2 usage, query or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tags",
        help="count tags; find near-duplicate tags",
        description="Count the tags of the articles under the paths, or group near-duplicate tags.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--similar", action="store_true", help="group near-duplicate tags and propose a canonical spelling")
    parser.add_argument("--where", metavar="QUERY", default="", help="only the tags of the articles matching QUERY")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.set_defaults(run=run)
    allow_dash_values(parser)


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    try:
        _, articles = load_targets_where(paths, args.where)
    except UsageError as exc:
        print(f"copydesk tags: {exc}", file=sys.stderr)
        return 2
    unread = sum(1 for a in articles if a.kind == "unreadable")
    if unread:  # their tags are not counted: say so, as check would name them
        print(f"copydesk tags: {unread} file{'s' if unread != 1 else ''} or folder{'s' if unread != 1 else ''} "
              "could not be read, their tags are not counted (`copydesk check` names them)", file=sys.stderr)
    counts = tag_counts(articles)
    if not args.similar:
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if args.format == "json":
            dump_json([{"tag": tag, "count": count} for tag, count in ranked])
            return 0
        width = max([len(str(count)) for _, count in ranked] + [5])
        print(f"{'COUNT'.rjust(width)}  TAG")
        for tag, count in ranked:
            print(f"{str(count).rjust(width)}  {shown_tag(tag)}")
        print(f"{plural(len(ranked), 'tag')} on {plural(len(articles), 'article')}", file=sys.stderr)
        return 0
    groups = similar_groups(counts)
    if args.format == "json":
        dump_json([g.as_dict() for g in groups])
        return 0
    for group in groups:
        others = ", ".join(f"{printable(repr(tag))} ({count})" for tag, count in group.members[1:])
        print(f"{printable(repr(group.canonical))} ({group.members[0][1]}) <- {others}  [{group.reason}]")
        renames = " ".join(f"--rename {shlex.quote(f'{old}={new}')}" for old, new in group.renames())
        print(printable(f"    copydesk tag {' '.join(shlex.quote(p) for p in paths)} {renames}"))
    print(f"{plural(len(groups), 'group')} of near-duplicate tags", file=sys.stderr)
    return 0
