"""``copydesk list PATH... [--where Q] [--sort FIELD] [--format table|json|paths]``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ...display import display_path, plural, printable
from ...document import Article, thaw
from ...query import known_fields, sort_articles
from .common import (
    UsageError,
    allow_dash_values,
    dump_json,
    load_targets_where,
)

EPILOG = """\
query language (--where), terms separated by spaces are ANDed:
  tag:"HONG KONG"            a field equals a value (any case; any element of a list)
  tag:HONGKONG,"HONG KONG"   a comma means OR
  -tag:ETF                   a leading - excludes (a missing field never matches)
  source.key:coinwire        nested fields are dotted
  title:~rally               substring
  score:<0  publishedAt:>=2025-11-01  publishedAt:>=-7d   numbers and dates (a date is
                             the whole UTC day; -7d, -2w, -12h, -30m are relative; today)
  is:raw  is:invalid  is:draft   has:updatedAt   code:CD3   problem code or family
  bitcoin  "price rally"     words and phrases in the title or description
An unknown field, or a value outside a field's enum (sentiment:negativ) or other than
true/false for a boolean (draft:yes), is an error, never an empty result.

--sort FIELD sorts by a front-matter field (numbers, then dates, then text); -FIELD sorts
descending. Either way, articles without a usable value come last: the field missing, or
unreadable in a field of numbers or dates (publishedAt: Saturday night). The default order
is by path.

exit codes: 0 success (also when nothing matches), 2 usage, query or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "list",
        help="list articles, optionally filtered by a query",
        description="List the articles under the paths that match a query.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--where", metavar="QUERY", default="", help="only the articles matching QUERY")
    parser.add_argument("--sort", metavar="FIELD", default="", help="sort by a front-matter field (-FIELD: descending)")
    parser.add_argument("--format", choices=("table", "json", "paths"), default="table", help="output format (default: table)")
    parser.set_defaults(run=run)
    allow_dash_values(parser, ("--where", "--sort"))


def run(args: argparse.Namespace) -> int:
    try:
        corpus, articles = load_targets_where(args.paths or ["."], args.where)
    except UsageError as exc:
        print(f"copydesk list: {exc}", file=sys.stderr)
        return 2
    if args.sort:
        descending = args.sort.startswith("-")
        name = args.sort.lstrip("-")
        if name != "path":
            fields = known_fields(corpus.articles, corpus.config)
            if name == "tag":
                name = "tags"
            if name not in fields:
                print(f"copydesk list: --sort: unknown field {name!r} (not in the schema nor in any article)", file=sys.stderr)
                return 2
            articles = sort_articles(articles, name, descending=descending, config=corpus.config)
        elif descending:
            articles = list(reversed(articles))
    if args.format == "json":
        dump_json([_row(a) for a in articles])
    elif args.format == "paths":
        for article in articles:
            print(printable(display_path(article.path)))
    else:
        _table(articles)
    return 0


def _state(article: Article) -> str:
    if article.kind != "front-matter":
        return article.kind
    if article.meta is not None and article.meta.get("draft") is True:
        return "draft"
    return ""


def _date(article: Article) -> str:
    value = article.get("publishedAt")
    return str(value)[:16].replace("T", " ") if value not in (None, "") else ""


def _table(articles: list[Article]) -> None:
    rows = [(printable(display_path(a.path)), printable(_date(a)), _state(a), printable(a.title)) for a in articles]
    header = ("PATH", "PUBLISHED", "STATE", "TITLE")
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:3])) + "  " + row[3])
    print(plural(len(rows), 'article'), file=sys.stderr)


def _row(article: Article) -> dict[str, Any]:
    return {
        "path": display_path(article.path),
        "relpath": article.relpath,
        "kind": article.kind,
        "title": article.title,
        "publishedAt": article.get("publishedAt"),
        "draft": article.get("draft"),
        "tags": thaw(article.get("tags")),
        "meta": thaw(article.meta) if article.meta is not None else None,
    }
