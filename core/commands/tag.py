"""``copydesk tag PATH... --add TAG --remove TAG``: add or remove tags on every article."""

from __future__ import annotations

import argparse
import sys

from ..document import Article
from ..edit_ops import AddItem, Edit, RemoveItem
from .common import UsageError, add_output_options, load_targets, run_batch

EPILOG = """\
Tags are matched exactly. An added tag goes after the last one, in the list's own style
(block or flow, quotes, indentation); a tag already present is not added twice; removing
an absent tag changes nothing. A missing `tags` list is created.

exit codes: 0 every file changed or unchanged, 1 some file refused or in conflict,
2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "tag",
        help="add or remove tags on articles",
        description="Add or remove tags on every article under the paths, changing only the tag lines.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--add", action="append", default=[], metavar="TAG", help="tag to add (repeatable)")
    parser.add_argument("--remove", action="append", default=[], metavar="TAG", help="tag to remove (repeatable)")
    add_output_options(parser)
    parser.set_defaults(run=run)


def edits_for(add: list[str], remove: list[str]):
    def edits(article: Article) -> list[Edit]:
        # Adds first: removing a list's only item before adding would collapse it to `[]`
        # and lose the block style the new item should copy.
        out: list[Edit] = [AddItem(("tags",), tag) for tag in add]
        out.extend(RemoveItem(("tags",), tag) for tag in remove)
        return out

    return edits


def run(args: argparse.Namespace) -> int:
    if not args.add and not args.remove:
        print("copydesk tag: nothing to do (give --add TAG and/or --remove TAG)", file=sys.stderr)
        return 2
    if any(not t.strip() for t in args.add):
        print("copydesk tag: an empty tag cannot be added", file=sys.stderr)
        return 2
    try:
        corpus = load_targets(args.paths)
    except UsageError as exc:
        print(f"copydesk tag: {exc}", file=sys.stderr)
        return 2
    label = "tag" + "".join(f" --add {t}" for t in args.add) + "".join(f" --remove {t}" for t in args.remove)
    return run_batch(corpus, edits_for(args.add, args.remove), label=label, dry_run=args.dry_run, output=args.format)
