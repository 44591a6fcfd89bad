"""``copydesk dupes PATH... [--where Q] [--threshold F] [--format text|json]``: the groups of
articles that tell the same story (:mod:`core.dupes`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...config import ConfigError, load_config
from ...display import display_path, plural, printable
from .common import UsageError, allow_dash_values, dump_json, load_targets_where, reachable_paths

if TYPE_CHECKING:
    from ...dupes import Group, Report

EPILOG = """\
Two articles tell the same story when the shorter body shares at least --threshold of its
word shingles (runs of --shingle words) with the other; or at least --title-floor of them
when their titles are at least --title-threshold alike. Bodies are compared without the
lines the body rules take for promotion (CD404 calls to action, CD405 social footers, under
the folder's own patterns), so a reprint with promotion or a footer added still matches; a
raw article's text is its body. A body under --min-shingles shingles is not compared.
Groups are the connected sets of such pairs; each group's score is its weakest member's
shared shingles, and each member says which article it matches best and how.

A group's id (d + 8 hex digits) is derived from its first path: it stays the same from run
to run while that article stays in the group. `--where dup:ID` (or dup:PATH, a member's
path relative to the folder) lists one group; `--where is:duplicate` every grouped article
(in `list`, `set`, `tag` and the terminal UI too).

Signatures are kept beside the index (.copydesk/index/dupes.bin), one per file version:
a second run computes only the files that changed. --no-cache neither reads nor writes it.

exit codes: 0 no duplicates, 1 at least one group, 2 usage or configuration error."""


def _share(text: str) -> float:
    """A share between 0 and 1 (``0.5`` or ``50%``)."""
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (or 0% and 100%): {text!r}")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    from ...dupes import Settings

    default = Settings()
    parser = sub.add_parser(
        "dupes",
        help="find articles that tell the same story (reprints)",
        description="Group the articles under the paths that tell the same story: reprints under another "
        "title, with promotion or a footer added, a paragraph dropped or lightly reworded.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--where", metavar="QUERY", default="", help="compare only the articles matching QUERY")
    parser.add_argument("--threshold", type=_share, default=default.threshold, metavar="SHARE",
                        help=f"shared shingles that make two bodies one story (default: {default.threshold})")
    parser.add_argument("--title-threshold", type=_share, default=default.title_threshold, metavar="SHARE",
                        help=f"title similarity that lowers the bar to --title-floor (default: {default.title_threshold})")
    parser.add_argument("--title-floor", type=_share, default=default.title_floor, metavar="SHARE",
                        help=f"shared shingles enough when the titles are alike (default: {default.title_floor})")
    parser.add_argument("--shingle", type=_count, default=default.shingle, metavar="WORDS",
                        help=f"words per shingle (default: {default.shingle})")
    parser.add_argument("--min-shingles", type=_count, default=default.min_shingles, metavar="N",
                        help=f"bodies with fewer shingles are not compared (default: {default.min_shingles})")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("-q", "--quiet", action="store_true", help="text output: the summary only")
    parser.add_argument("--no-cache", action="store_true", help="compute every signature; neither read nor write the cache")
    allow_dash_values(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ...dupes import Settings, find_duplicates

    try:
        paths = reachable_paths(args.paths)
        config = load_config(paths[0])
        if args.where.strip():
            _, articles = load_targets_where([str(p) for p in paths], args.where)
            paths = [a.path for a in articles]
    except UsageError as exc:
        print(f"copydesk dupes: {exc}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"copydesk: configuration error: {exc}", file=sys.stderr)
        return 2
    settings = Settings(threshold=args.threshold, title_threshold=args.title_threshold, title_floor=args.title_floor,
                        shingle=args.shingle, min_shingles=args.min_shingles)
    report = find_duplicates(paths, config, settings, use_cache=not args.no_cache) if paths else None
    if report is None:  # --where matched nothing
        from ...dupes import Report

        report = Report()
    for relpath, why in report.unreadable:
        print(f"{printable(display_path(Path(config.root, relpath)))}: not compared: {printable(why)}", file=sys.stderr)
    if args.format == "json":
        dump_json(_as_json(report, config.root))
    else:
        if not args.quiet:
            for group in report.groups:
                _print_group(group)
        print(_summary(report), file=sys.stderr)
    return 1 if report.groups else 0


def _print_group(group: Group) -> None:
    print(f"{group.id}  {plural(len(group.members), 'article')}, score {group.score:.2f} ({group.reason})")
    for member in group.members:
        link = member.link
        other = printable(display_path(_path_of(group, link.other)))
        title = printable(member.title[:70] + ("…" if len(member.title) > 70 else ""))
        print(f"  {printable(display_path(member.path))}  {title!s}")
        print(f"      {link.shared:.0%} of shingles shared with {other}, titles {link.title:.0%} alike")
    print()


def _path_of(group: Group, relpath: str) -> str:
    return next((m.path for m in group.members if m.relpath == relpath), relpath)


def _summary(report: Report) -> str:
    grouped = sum(len(g.members) for g in report.groups)
    line = (f"{plural(len(report.groups), 'group')} of duplicates ({plural(grouped, 'article')}) among "
            f"{plural(report.compared, 'article')} compared")
    skipped = len(report.too_short)
    if skipped:
        line += f"; {skipped} too short to compare"
    if report.unreadable:
        line += f"; {len(report.unreadable)} unreadable"
    return line + f" (signatures: {report.computed} computed, {report.reused} from the cache)."


def _as_json(report: Report, root: Path) -> dict[str, Any]:
    return {
        "groups": [
            {
                "id": g.id,
                "score": round(g.score, 4),
                "reason": g.reason,
                "members": [
                    {
                        "path": display_path(m.path),
                        "title": m.title,
                        "shared": round(m.link.shared, 4),
                        "jaccard": round(m.link.jaccard, 4),
                        "title_similarity": round(m.link.title, 4),
                        "closest": display_path(_path_of(g, m.link.other)),
                    }
                    for m in g.members
                ],
            }
            for g in report.groups
        ],
        "files": report.files,
        "compared": report.compared,
        "too_short": len(report.too_short),
        "unreadable": [{"path": display_path(Path(root, p)), "reason": why} for p, why in report.unreadable],
        "signatures": {"computed": report.computed, "reused": report.reused},
    }
