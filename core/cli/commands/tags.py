"""``copydesk tags PATH... [--field NAME] [--similar] [--where Q] [--format table|json]``: the
folder's tags, and the terms of its other taxonomies."""

from __future__ import annotations

import argparse
import shlex
import sys

from ...display import plural, printable, shown_tag
from ...taxonomy import TAGS_FIELD, similar_groups, tag_counts
from .common import UsageError, allow_dash_values, dump_json, load_targets_where, taxonomy_fields

EPILOG = """\
The fields counted are the configured taxonomies (`taxonomies` in copydesk.toml; default:
tags), or those given with --field; with more than one, a FIELD column says whose term
each row is, and near-duplicates are grouped within each field.
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
    parser.add_argument("--field", action="append", default=[], metavar="NAME",
                        help="count the terms of this field (repeatable; default: the configured taxonomies)")
    parser.add_argument("--similar", action="store_true", help="group near-duplicate tags and propose a canonical spelling")
    parser.add_argument("--where", metavar="QUERY", default="", help="only the tags of the articles matching QUERY")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    parser.set_defaults(run=run)
    allow_dash_values(parser)


def run(args: argparse.Namespace) -> int:
    paths = args.paths or ["."]
    try:
        # The counted fields' values come from the index when it keeps them (it keeps the
        # taxonomies' always: core.index.values).
        reads = {*args.field, *(name.split(".")[0] for name in args.field)}
        corpus, articles = load_targets_where(paths, args.where, reads=reads)
        fields = taxonomy_fields(args.field, corpus)
    except UsageError as exc:
        print(f"copydesk tags: {exc}", file=sys.stderr)
        return 2
    unread = sum(1 for a in articles if a.kind == "unreadable")
    if unread:  # their tags are not counted: say so, as check would name them
        print(f"copydesk tags: {unread} file{'s' if unread != 1 else ''} or folder{'s' if unread != 1 else ''} "
              "could not be read, their tags are not counted (`copydesk check` names them)", file=sys.stderr)
    counts = {name: tag_counts(articles, name) for name in fields}
    several = len(fields) > 1
    if not args.similar:
        ranked = [(name, tag, count) for name in fields for tag, count in sorted(counts[name].items(), key=lambda item: (-item[1], item[0]))]
        if args.format == "json":
            dump_json([{"field": name, "tag": tag, "count": count} for name, tag, count in ranked])
            return 0
        width = max([len(str(count)) for _, _, count in ranked] + [5])
        field_width = max(len(name) for name in [*fields, "FIELD"])
        print(f"{'COUNT'.rjust(width)}  " + (f"{'FIELD'.ljust(field_width)}  " if several else "") + "TAG")
        for name, tag, count in ranked:
            print(f"{str(count).rjust(width)}  " + (f"{printable(name).ljust(field_width)}  " if several else "") + shown_tag(tag))
        terms = "term" if set(fields) != {"tags"} else "tag"
        print(f"{plural(len(ranked), terms)} on {plural(len(articles), 'article')}", file=sys.stderr)
        return 0
    groups = [(name, group) for name in fields for group in similar_groups(counts[name])]
    if args.format == "json":
        dump_json([{"field": name, **group.as_dict()} for name, group in groups])
        return 0
    for name, group in groups:
        others = ", ".join(f"{printable(repr(tag))} ({count})" for tag, count in group.members[1:])
        where = f"{printable(name)}: " if several else ""
        print(f"{where}{printable(repr(group.canonical))} ({group.members[0][1]}) <- {others}  [{group.reason}]")
        option = f" --field {shlex.quote(name)}" if name != TAGS_FIELD else ""
        renames = " ".join(f"--rename {shlex.quote(f'{old}={new}')}" for old, new in group.renames())
        print(printable(f"    copydesk tag {' '.join(shlex.quote(p) for p in paths)}{option} {renames}"))
    print(f"{plural(len(groups), 'group')} of near-duplicate tags", file=sys.stderr)
    return 0

