"""``copydesk set PATH... KEY=VALUE... [--rename OLD=NEW] [--delete KEY]``: set, rename and
delete front-matter fields on every article under the paths."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from ...config import Config
from ...display import printable
from ...document import get_path
from ...edit.ops import DeleteKey, Edit, FieldPath, RenameKey, SetValue, field_name, parse_field
from ...schema import coerce, field_types, is_required, load_schema
from .common import (
    UsageError,
    add_output_options,
    add_target_options,
    allow_dash_values,
    listed_targets,
    load_matches,
    run_batch,
)

ASSIGNMENT = re.compile(r"^[A-Za-z_][\w.]*=")

EPILOG = """\
An argument that looks like KEY=VALUE is an assignment; the rest are paths (after `--`,
everything is a path). Values are typed by the schema where it knows the field
(externalId=55192977 stays a string, draft=true is a boolean), otherwise read as a YAML
scalar. Nested fields are dotted: source.name=CoinDesk. Only the lines of the field change.
A value `copydesk check` would report is refused and nothing is written: the wrong type,
a value outside the enum, an impossible or partial date-time (publishedAt=2025-13-01), a
broken pattern, an empty required field, and a field the schema does not declare (a typo:
titel=... names `title`); --new-field sets such a field on purpose. Rules the folder's
configuration ignores are not enforced.
--rename OLD=NEW renames a field's key in place (its value and position stay; only the
key's line changes); dotted names rename inside the same parent (source.nmae=source.name).
A file where NEW exists already is refused. A NEW the schema does not declare needs
--new-field. --delete KEY removes the field and its lines. Both repeat; renames apply
first, then deletions, then assignments. An absent field is left alone.
--where QUERY limits the batch to the matching articles (see `copydesk list --help`);
--dry-run prints one unified diff for the whole batch and the count of affected files.

exit codes: 0 every file changed or unchanged, 1 some file refused or in conflict,
2 usage or configuration error, or a value check would report (nothing written)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "set",
        help="set, rename or delete front-matter fields on articles",
        description="Set, rename or delete front-matter fields on every article under the paths, changing only those lines.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("items", nargs="*", metavar="PATH|KEY=VALUE")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW", help="rename a field's key in place (repeatable)")
    parser.add_argument("--delete", action="append", default=[], metavar="KEY", help="delete a field and its lines (repeatable)")
    parser.add_argument("--where", metavar="QUERY", default="", help="only the articles matching QUERY")
    parser.add_argument("--new-field", action="store_true", help="allow setting a field the schema does not declare (CD206)")
    add_output_options(parser)
    add_target_options(parser)
    parser.set_defaults(run=run)
    allow_dash_values(parser)


def split_items(items: list[str], after_dashes: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Paths and (key, value) assignments from the positional arguments."""
    paths: list[str] = []
    assignments: list[tuple[str, str]] = []
    for item in items:
        if ASSIGNMENT.match(item):
            key, value = item.split("=", 1)
            assignments.append((key, value))
        else:
            paths.append(item)
    return paths + after_dashes, assignments


def run(args: argparse.Namespace) -> int:
    argv = list(getattr(args, "argv", args.items))
    # what follows `--` is a path even when it looks like KEY=VALUE; argparse keeps the
    # positionals in order, those after `--` last
    after = argv[argv.index("--") + 1 :] if "--" in argv else []
    paths, assignments = split_items(args.items[: len(args.items) - len(after)], after)
    if not assignments and not args.rename and not args.delete:
        print("copydesk set: no KEY=VALUE assignment, --rename or --delete given", file=sys.stderr)
        return 2
    if not paths:
        print("copydesk set: no path given", file=sys.stderr)
        return 2
    try:
        corpus, articles = load_matches(paths, args.where, listed_targets(args, "set", paths))
    except UsageError as exc:
        print(f"copydesk set: {exc}", file=sys.stderr)
        return 2
    edits: list[Edit] = []
    try:
        edits.extend(_renamed(corpus.config, given, new_field=args.new_field) for given in args.rename)
        edits.extend(_deleted(corpus.config, key) for key in args.delete)
        for key, text in assignments:
            path = parse_field(key)
            edits.append(SetValue(path, _typed(corpus.config, path, text, new_field=args.new_field)))
    except ValueError as exc:
        print(f"copydesk set: {printable(str(exc))}; nothing was written", file=sys.stderr)
        return 2
    for edit in edits:
        if isinstance(edit, RenameKey | DeleteKey) and not any(
                article.meta is not None and get_path(article.meta, field_name(edit.field), _ABSENT) is not _ABSENT
                for article in articles):
            # A misspelled OLD would otherwise pass as "0 files changed".
            print(f"copydesk set: no article here has a field {printable(field_name(edit.field))!r}", file=sys.stderr)
    words = [f"--rename {r}" for r in args.rename] + [f"--delete {d}" for d in args.delete] + [f"{k}={v}" for k, v in assignments]
    label = "set " + " ".join(words) + (f" --where {args.where}" if args.where.strip() else "")
    return run_batch(corpus, lambda article: edits, label=label, dry_run=args.dry_run, output=args.format, articles=articles,
                     quiet=args.quiet)


_ABSENT = object()


def _deleted(config: Config, key: str) -> DeleteKey:
    """The deletion ``--delete KEY`` says; ValueError for a field the schema requires (every
    article would lose it: CD201), as ``set KEY=`` refuses an empty required value."""
    path = parse_field(key, alias=False)
    if is_required(load_schema(config), path):
        raise ValueError(f"--delete {key}: the schema requires {field_name(path)} (CD201 on every article that loses it)")
    return DeleteKey(path)


def _renamed(config: Config, given: str, *, new_field: bool = False) -> RenameKey:
    """The rename ``OLD=NEW`` says; ValueError when it is malformed, moves the field to
    another parent, or names a field ``check`` would report as unknown (CD206; allowed with
    ``new_field``)."""
    from ...checks.runner import value_problems

    old_text, sep, new_text = given.partition("=")
    if not sep:
        raise ValueError(f"--rename {given!r}: expected OLD=NEW")
    old, new = parse_field(old_text, alias=False), parse_field(new_text, alias=False)
    if old[:-1] != new[:-1]:
        raise ValueError(f"--rename {given!r}: a rename stays inside the field's parent (write {field_name(old)}="
                         f"{field_name(old[:-1] + new[-1:])}); moving a field to another parent is not a rename")
    if not new_field:
        for found in value_problems(config, new, None):
            if found.code == "CD206":
                raise ValueError(f"--rename: {found.message} ({found.code}); give --new-field to rename to it on purpose")
    return RenameKey(old, new[-1])


def _typed(config: Config, path: FieldPath, text: str, *, new_field: bool = False) -> Any:
    """The value ``text`` typed by the schema; ValueError when it cannot have the field's
    type or when ``check`` would report it (an unknown field passes with ``new_field``)."""
    from ...checks.runner import value_problems

    try:
        value = coerce(text, field_types(load_schema(config), path))
    except ValueError as exc:
        raise ValueError(f"{'.'.join(path)}: {exc}") from None
    for found in value_problems(config, path, value):
        if found.code == "CD206":
            if new_field:
                continue
            raise ValueError(f"{found.message} ({found.code}); give --new-field to set it on purpose")
        raise ValueError(f"{found.message} ({found.code})")
    return value
