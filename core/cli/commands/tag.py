"""``copydesk tag PATH... --add TAG --remove TAG --rename OLD=NEW [--field NAME] [--where Q] [--ignore-case]``:
add, remove or rename tags (or the terms of another taxonomy) on every article (or every
article matching a query)."""

from __future__ import annotations

import argparse
import sys

from ...config import Config
from ...document import Article
from ...edit.ops import AddItem, Edit, RemoveItem, ReplaceItem
from ...taxonomy import TAGS_FIELD, tag_values
from .common import (
    UsageError,
    add_output_options,
    add_target_options,
    allow_dash_values,
    listed_targets,
    load_matches,
    run_batch,
    taxonomy_fields,
)

EPILOG = """\
Tags are matched exactly unless --ignore-case. An added tag goes after the last one, in the
list's own style (block or flow, quotes, indentation); a tag already present is not added
twice; removing an absent tag changes nothing. A missing `tags` list is created.
--field NAME edits another list of terms instead of `tags` (categories, keywords...); the
house style of tags (upper case, CD303) is only for `tags`; a term outside the field's own
vocabulary (`[vocabularies]` in copydesk.toml, CD208) is refused as a tag is.
--rename OLD=NEW renames in place, keeping the list's order and style; where NEW is
already present, OLD is removed instead (a merge never creates a duplicate). With
--ignore-case, every spelling of OLD or NEW that differs only in case becomes NEW.
--where QUERY limits the batch to the matching articles (see `copydesk list --help`).
Renames run first, then adds, then removes. --dry-run prints one unified diff for the
whole batch on stdout and the count of affected files on stderr.
A tag to add (or NEW of a rename) is first written in the house style, as `check --fix`
would write it: the vocabulary's own spelling when it differs from a vocabulary tag only by
case, spacing, punctuation or plural (`Hong-Kong` -> `HONG KONG`, `regulations` ->
`REGULATION`), single spaces, upper-case (`library` -> `LIBRARY`); stderr says so. What
`copydesk check` would still report is refused and nothing is written: an empty tag, or one
outside the configured vocabulary (with the closest known tag); --new-tag adds a tag outside
the vocabulary on purpose. Rules the folder's configuration ignores are not applied.

exit codes: 0 every file changed or unchanged, 1 some file refused or in conflict,
2 usage or configuration error, or a tag check would report (nothing written)."""


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
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW", help="rename or merge a tag (repeatable)")
    parser.add_argument("--where", metavar="QUERY", default="", help="only the articles matching QUERY")
    parser.add_argument("--ignore-case", action="store_true", help="match tags in any case")
    parser.add_argument("--field", default=TAGS_FIELD, metavar="NAME", help="the list of terms to edit (default: tags)")
    parser.add_argument("--new-tag", action="store_true", help="allow adding a tag (or term) outside the configured vocabulary (CD208)")
    add_output_options(parser)
    add_target_options(parser)
    parser.set_defaults(run=run)
    allow_dash_values(parser)


def edits_for(add: list[str], remove: list[str], rename: list[tuple[str, str]] | None = None, ignore_case: bool = False,
              field: str = TAGS_FIELD):
    renames = rename or []
    path = (field,)
    if not ignore_case and not renames:
        def plain(article: Article) -> list[Edit]:
            # Adds first: removing a list's only item before adding would collapse it to `[]`
            # and lose the block style the new item should copy.
            out: list[Edit] = [AddItem(path, tag) for tag in add]
            out.extend(RemoveItem(path, tag) for tag in remove)
            return out

        return plain

    def fold(tag: str) -> str:
        return tag.casefold() if ignore_case else tag

    def edits(article: Article) -> list[Edit]:
        # The list as it will be after each edit, so that later edits see earlier ones.
        current = tag_values(article.meta.get(field)) if article.meta else []
        out: list[Edit] = []
        for old, new in renames:
            wanted = {fold(old), fold(new)} if ignore_case else {old}
            for item in [t for t in dict.fromkeys(current) if fold(t) in wanted and t != new]:
                out.append(ReplaceItem(path, item, new))
                current = [t for t in current if t != item] if new in current else [new if t == item else t for t in current]
        for tag in add:
            if not any(fold(t) == fold(tag) for t in current):
                out.append(AddItem(path, tag))
                current.append(tag)
        for tag in remove:
            for item in [t for t in dict.fromkeys(current) if fold(t) == fold(tag)]:
                out.append(RemoveItem(path, item))
                current = [t for t in current if t != item]
        return out

    return edits


def _parse_renames(values: list[str]) -> list[tuple[str, str]]:
    renames = []
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(f"--rename {value!r}: expected OLD=NEW with both tags non-empty")
        if old == new:
            raise UsageError(f"--rename {value!r}: OLD and NEW are the same tag")
        renames.append((old, new))
    return renames


def _house_tag(tag: str, config: Config) -> str:
    """A typed tag in the house style (:func:`~core.checks.fixes.house_tag`: case, spacing,
    the vocabulary's spelling), saying on stderr when it was rewritten."""
    from ...checks.fixes import house_tag

    house = house_tag(tag, config)
    if house != tag:
        print(f"copydesk tag: {tag!r} is written {house!r} (the house style)", file=sys.stderr)
    return house


def _check_new_tags(tags: list[str], config: Config, *, new_tag: bool, field: str = TAGS_FIELD) -> None:
    """UsageError for the first tag ``check`` would report once written (a tag outside the
    vocabulary passes with ``new_tag``); in another field than ``tags``, a term with stray
    whitespace, or outside the field's own vocabulary (``[vocabularies]``) unless ``new_tag``
    (the house style's rules are about ``tags``)."""
    from ...checks.runner import term_problems

    for tag in dict.fromkeys(tags):
        if field != TAGS_FIELD and (tag != tag.strip() or "  " in tag):
            raise UsageError(f"{field} term {tag!r} has stray whitespace; nothing was written")
        for found in term_problems(field, tag, config):
            if found.code == "CD208":
                if new_tag:
                    continue
                raise UsageError(f"{found.message} ({found.code}); give --new-tag to add it on purpose; nothing was written")
            raise UsageError(f"{found.message} ({found.code}); nothing was written")


def run(args: argparse.Namespace) -> int:
    if not args.add and not args.remove and not args.rename:
        print("copydesk tag: nothing to do (give --add TAG, --remove TAG and/or --rename OLD=NEW)", file=sys.stderr)
        return 2
    if any(not t.strip() for t in args.add):
        print("copydesk tag: an empty tag cannot be added", file=sys.stderr)
        return 2
    try:
        renames = _parse_renames(args.rename)
        corpus, articles = load_matches(args.paths, args.where, listed_targets(args, "tag", args.paths))
        if args.field != TAGS_FIELD:
            taxonomy_fields([args.field], corpus)  # a typo would add a new list to every article
        else:  # the house style and the vocabulary are about tags
            args.add = list(dict.fromkeys(_house_tag(tag, corpus.config) for tag in args.add))
            renames = [(old, _house_tag(new, corpus.config)) for old, new in renames]
        for old, new in renames:
            if old == new:
                raise UsageError(f"--rename {old}={new}: OLD and NEW are the same tag in the house style")
        _check_new_tags([*args.add, *(new for _, new in renames)], corpus.config, new_tag=args.new_tag, field=args.field)
    except UsageError as exc:
        print(f"copydesk tag: {exc}", file=sys.stderr)
        return 2
    label = (
        "tag"
        + (f" --field {args.field}" if args.field != TAGS_FIELD else "")
        + "".join(f" --rename {old}={new}" for old, new in renames)
        + "".join(f" --add {t}" for t in args.add)
        + "".join(f" --remove {t}" for t in args.remove)
        + (" --ignore-case" if args.ignore_case else "")
        + (f" --where {args.where}" if args.where.strip() else "")
    )
    edits = edits_for(args.add, args.remove, renames, args.ignore_case, args.field)
    return run_batch(corpus, edits, label=label, dry_run=args.dry_run, output=args.format, articles=articles,
                     quiet=args.quiet)
