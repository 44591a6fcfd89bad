"""``copydesk list PATH... [--where Q] [--sort FIELD] [--columns F,F] [--format table|json|paths]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...checks.datetimes import is_datetime
from ...display import display_path, plural, printable
from ...document import Article, thaw
from ...query import sort_articles
from ...schema import SchemaError, load_schema, view_columns
from .common import (
    UsageError,
    add_target_options,
    allow_dash_values,
    corpus_fields,
    dump_json,
    listed_targets,
    load_targets_where,
)

if TYPE_CHECKING:
    from ...document import Corpus

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
  is:contradicted            the sentiment contradicts a confident suggestion (CD307's test)
  bitcoin  "price rally"     words and phrases in the title or description
An unknown field, or a value outside a field's enum (sentiment:negativ) or other than
true/false for a boolean (draft:yes), is an error, never an empty result.

The table shows PATH, STATE (raw, invalid..., draft) and the list's columns: --columns, else
`[view] columns` in copydesk.toml, else what the schema suggests (a date field, an enum such
as sentiment, booleans such as draft, the taxonomies; the title last).

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
    parser.add_argument("--columns", metavar="F,F", default="", help="the fields the table shows (default: the view's columns)")
    parser.add_argument("--format", choices=("table", "json", "paths"), default="table", help="output format (default: table)")
    add_target_options(parser)
    parser.set_defaults(run=run)
    allow_dash_values(parser, ("--where", "--sort"))


def run(args: argparse.Namespace) -> int:
    # What the table reads besides the query (the view's columns are always kept by the
    # index): the JSON output holds every article's whole metadata, so it reads the files.
    reads = None
    if args.format != "json":
        sort = args.sort.lstrip("-").split(".")[0]
        reads = {"draft", *(c.strip().split(".")[0] for c in args.columns.split(",") if c.strip()),
                 *(("tags" if sort == "tag" else sort,) if sort and sort != "path" else ())}
    try:
        corpus, articles = load_targets_where(args.paths or ["."], args.where,
                                              listed_targets(args, "list", args.paths or ["."]), reads)
    except UsageError as exc:
        print(f"copydesk list: {exc}", file=sys.stderr)
        return 2
    if args.sort:
        descending = args.sort.startswith("-")
        name = args.sort.lstrip("-")
        if name != "path":
            fields = corpus_fields(corpus)
            if name == "tag":
                name = "tags"
            if name not in fields:
                print(f"copydesk list: --sort: unknown field {name!r} (not in the schema nor in any article)", file=sys.stderr)
                return 2
            articles = sort_articles(articles, name, descending=descending, config=corpus.config)
        elif descending:
            articles = list(reversed(articles))
    try:
        columns = _columns(args.columns, corpus)
    except (UsageError, SchemaError) as exc:
        print(f"copydesk list: {exc}", file=sys.stderr)
        return 2
    if args.format == "json":
        dump_json([_row(a, columns) for a in articles])
    elif args.format == "paths":
        for article in articles:
            print(printable(display_path(article.path)))
    else:
        _table(articles, columns)
    return 0


def _columns(given: str, corpus: Corpus) -> tuple[str, ...]:
    """``--columns`` (each field known to the schema or an article), else the view's."""
    if given.strip():
        names = [name.strip() for name in given.split(",") if name.strip()]
        known = corpus_fields(corpus)
        unknown = [name for name in names if name not in known]
        if unknown:
            raise UsageError(f"--columns: unknown field {unknown[0]!r} (not in the schema nor in any article)")
        return tuple(dict.fromkeys(names))
    return view_columns(corpus.config, load_schema(corpus.config, compiled=False))


def _state(article: Article) -> str:
    if article.kind != "front-matter":
        return article.kind
    if article.meta is not None and article.meta.get("draft") is True:
        return "draft"
    return ""


def _cell(value: Any) -> str:
    """A value as one table cell: a date-time to the minute, a list's items joined."""
    if value is None or value == "":
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and is_datetime(value):
        return value[:16].replace("T", " ")
    return str(value) if not isinstance(value, Mapping) else "{...}"


CELL_WIDTH = 40  # a column before the last is cut here, so that one long value does not push the rest away


def _cut(text: str, cut: bool) -> str:
    return text[: CELL_WIDTH - 1] + "…" if cut and len(text) > CELL_WIDTH else text


def _table(articles: list[Article], columns: tuple[str, ...]) -> None:
    # The title, as long as it is, goes last: the other columns stay aligned.
    shown = [c for c in columns if c != "title"] + (["title"] if "title" in columns else [])
    header = ("PATH", "STATE", *(c.upper() for c in shown))
    rows = [(display_path(a.path), _state(a), *(_cut(_cell(a.get(c)), c != shown[-1]) for c in shown)) for a in articles]
    rows = [tuple(printable(cell) for cell in row) for row in rows]
    widths = [max([len(header[i])] + [len(r[i]) for r in rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1])
    print(plural(len(rows), 'article'), file=sys.stderr)


def _row(article: Article, columns: tuple[str, ...]) -> dict[str, Any]:
    return {
        "path": display_path(article.path),
        "relpath": article.relpath,
        "kind": article.kind,
        "title": article.title,
        "publishedAt": article.get("publishedAt"),
        "draft": article.get("draft"),
        "tags": thaw(article.get("tags")),
        "columns": {name: thaw(article.get(name)) for name in columns},
        "meta": thaw(article.meta) if article.meta is not None else None,
    }
