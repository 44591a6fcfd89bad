"""``copydesk list PATH... [--where Q] [--sort FIELD] [--format table|json|paths]``."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any

from ..document import Article, thaw
from ..query import QueryError, known_fields, sort_key, where
from .common import UsageError, display_path, load_targets

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

--sort FIELD sorts by a front-matter field (numbers, then dates, then text; missing last);
-FIELD sorts descending. The default order is by path.

exit codes: 0 success (also when nothing matches), 2 usage, query or configuration error."""


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """``text`` safe for a terminal line: control characters (ESC, C1, newlines) shown as
    ``\\xNN``, so a hostile title cannot retitle, recolour or clear the user's terminal."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


def dump_json(data: object) -> None:
    """``data`` as indented JSON on stdout; C1 control characters escaped too (json leaves them raw)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(re.sub(r"[\x7f-\x9f]", lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def allow_dash_values(parser: argparse.ArgumentParser, options: tuple[str, ...] = ("--where",)) -> None:
    """Let ``--where -tag:X`` (and ``--sort -score``) mean what they say.

    argparse takes a value starting with ``-`` for an unknown option; a query often starts
    with a negated term. The option and its value are joined as ``--where=-tag:X`` before
    this sub-command's parser sees them.
    """
    parse_known = parser.parse_known_args

    def parse_known_args(args=None, namespace=None):  # type: ignore[no-untyped-def]
        joined: list[str] = []
        items = list(args) if args is not None else []
        i = 0
        while i < len(items):
            if items[i] in options and i + 1 < len(items) and items[i + 1].startswith("-") and items[i + 1] != "--":
                joined.append(f"{items[i]}={items[i + 1]}")
                i += 2
                continue
            if items[i] == "--":
                joined.extend(items[i:])
                break
            joined.append(items[i])
            i += 1
        return parse_known(joined if args is not None else args, namespace)

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


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
        corpus = load_targets(args.paths or ["."], with_rules=_needs_rules(args.where))
    except UsageError as exc:
        print(f"copydesk list: {exc}", file=sys.stderr)
        return 2
    articles = corpus.articles
    if args.where.strip():
        try:
            articles = where(articles, args.where, corpus.config)
        except QueryError as exc:
            print(f"copydesk list: invalid --where query: {exc}\n{exc.pointer(args.where)}", file=sys.stderr)
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
            key = sort_key(name)
            keyed = [(key(a), a) for a in articles]
            # Missing values stay last in both directions.
            present = sorted((k for k in keyed if k[0][0] != 3), key=lambda k: k[0], reverse=descending)
            missing = [k for k in keyed if k[0][0] == 3]
            articles = [a for _, a in present + missing]
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


def _needs_rules(text: str) -> bool:
    # Problems (and so the rules) are only needed for is:invalid and code:; loading is
    # several times faster without them.
    try:
        from ..query import compile as compile_query

        return compile_query(text).needs_problems
    except QueryError:
        return False  # the error is reported with the known fields once loaded


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
    print(f"{len(rows)} article{'s' if len(rows) != 1 else ''}", file=sys.stderr)


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
