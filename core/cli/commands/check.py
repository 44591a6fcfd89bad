"""``copydesk check PATH...``: report every problem of the articles under the paths.

Each path gets the settings of the nearest ``copydesk.toml`` above it (its corpus root),
so one run can check folders with different settings. ``--fix`` applies the mechanical
fixes (tag case, whitespace, duplicates and empties; trailing blank lines) through the
surgical editor and the safe save, as one journaled batch per corpus (``copydesk undo``).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...checks import RULES, Problem, expand_selectors
from ...checks.fixes import FIXABLE
from ...checks.runner import validate_config
from ...config import Config, ConfigError, load_config, why_unreachable
from ...display import display_path, plural, printable
from .common import UsageError, allow_dash_values, dump_json

if TYPE_CHECKING:
    from ...document import Article

EPILOG = """\
Selectors are rule codes (CD303), families (CD3) or ALL, comma-separated or repeated.
--select replaces the configured selection; --ignore adds to the configured ignores.
`copydesk rules` lists every code.

exit codes: 0 no error-level problem (warnings alone pass unless --strict), 1 at least
one error-level problem (with --strict: at least one problem of any severity), 2 usage
or configuration error. With --fix, only what remains after the fixes counts."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="check articles against the schema and the editorial rules",
        description="Check the front matter and body of every article under the paths.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format (default: text)")
    parser.add_argument("--select", action="append", metavar="CODES", help="only these rules (e.g. CD2,CD301)")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="also skip these rules")
    parser.add_argument("--fix", action="store_true", help="apply the mechanical fixes, then report what remains")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    parser.add_argument("--statistics", action="store_true", help="count problems per rule instead of listing them")
    parser.add_argument("-q", "--quiet", action="store_true", help="text output: the summary only, no line per problem")
    parser.add_argument(
        "--no-cache", action="store_true", help="parse every file; neither read nor update the index in .copydesk/index"
    )
    allow_dash_values(parser, ())
    parser.set_defaults(run=run)



def _selectors(values: Sequence[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    out = tuple(part.strip() for value in values for part in value.split(",") if part.strip())
    try:
        expand_selectors(out)
    except ValueError as exc:
        raise UsageError(f"{exc} (see `copydesk rules`)") from None
    return out


@dataclass
class _Group:
    """The paths sharing one configuration (one corpus root)."""

    config: Config
    paths: list[Path]


def _groups(paths: Sequence[Path], select: tuple[str, ...] | None, ignore: tuple[str, ...] | None) -> list[_Group]:
    groups: dict[tuple[str, str], _Group] = {}
    for path in paths:
        config = load_config(path)
        key = (str(config.root), str(config.source))
        if key not in groups:
            if select is not None:
                config = replace(config, select=select)
            if ignore:
                config = replace(config, ignore=config.ignore + ignore)
            validate_config(config)
            groups[key] = _Group(config, [])
        groups[key].paths.append(path)
    return list(groups.values())


def _scan_rows(groups: Sequence[_Group], cache: bool) -> tuple[int, list[tuple[str, Problem]]]:
    """Files checked and problem rows, through the index (only changed files are parsed;
    parsing runs in worker processes)."""
    from ...index import scan

    seen: set[str] = set()
    rows: list[tuple[str, Problem]] = []
    for group in groups:
        result = scan(group.paths, group.config, cache=cache)
        seen.update(result.paths)
        for record in result.with_problems():
            shown = display_path(record.path)
            rows.extend((shown, p) for p in record.problems)
    rows.sort(key=lambda row: (row[0], row[1].line, row[1].column, row[1].code))
    return len(seen), rows


def _load(groups: Sequence[_Group]) -> list[tuple[Article, Config]]:
    from ...document import load_article
    from ...walk import iter_article_paths

    seen: set[Path] = set()
    out: list[tuple[Article, Config]] = []
    for group in groups:
        for path in iter_article_paths(group.paths, group.config):
            if path in seen:
                continue
            seen.add(path)
            out.append((load_article(path, group.config), group.config))
    return out


@dataclass
class _FixReport:
    fixed: int = 0  # problems fixed
    files: int = 0  # files written
    failures: list[tuple[Path, str]] | None = None


def _fix(loaded: list[tuple[Article, Config]]) -> tuple[list[tuple[Article, Config]], _FixReport]:
    """Apply the fixes for the fixable problems found; reload the files that changed."""
    from ...checks.fixes import fix_edits, text_fix
    from ...document import load_article
    from ...edit.apply import EditRefused
    from ...storage.save import plan_change, save_changes
    from ...text.guard import UnsafeFile

    report = _FixReport(failures=[])
    assert report.failures is not None
    by_config: dict[int, tuple[Config, list]] = {}
    planned: dict[Path, int] = {}
    for article, config in loaded:
        codes = {p.code for p in article.problems if p.code in FIXABLE}
        if not codes:
            continue
        edits = fix_edits(article.meta, codes, tuple(config.vocabulary)) if article.editable else []
        rewrite = text_fix(codes)
        if not edits and rewrite is None:
            continue
        try:
            change = plan_change(article, edits, rewrite)
        except EditRefused as exc:
            report.failures.append((article.path, f"not fixed: {exc.reason}"))
            continue
        except (UnsafeFile, UnicodeDecodeError) as exc:
            report.failures.append((article.path, f"not fixed: {exc}"))
            continue
        if not change.changed:
            continue
        by_config.setdefault(id(config), (config, []))[1].append(change)
        planned[article.path] = sum(1 for p in article.problems if p.code in codes)
    changed: set[Path] = set()
    for config, changes in by_config.values():
        for result in save_changes(changes, config=config, label="check --fix"):
            if result.status in ("saved", "merged"):
                changed.add(result.path)
                report.fixed += planned.get(result.path, 0)
            elif result.status != "unchanged":
                report.failures.append((result.path, f"not fixed ({result.status}): {result.message}"))
    report.files = len(changed)
    reloaded = [(load_article(a.path, c) if a.path in changed else a, c) for a, c in loaded]
    return reloaded, report


def _rows(loaded: Sequence[tuple[Article, Config]]) -> list[tuple[str, Problem]]:
    rows = [(display_path(article.path), p) for article, _ in loaded for p in article.problems]
    rows.sort(key=lambda row: (row[0], row[1].line, row[1].column, row[1].code))
    return rows


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _summary(rows: Sequence[tuple[str, Problem]], fixed: _FixReport | None, fixing: bool) -> list[str]:
    lines = []
    if fixed is not None and fixed.fixed:
        lines.append(f"Fixed {plural(fixed.fixed, 'problem')} in {plural(fixed.files, 'file')}.")
    if not rows:
        lines.append("All checks passed.")
        return lines
    errors = sum(1 for _, p in rows if p.severity == "error")
    warnings = len(rows) - errors
    files = len({path for path, _ in rows})
    lines.append(f"Found {plural(len(rows), 'problem')} ({plural(errors, 'error')}, {plural(warnings, 'warning')}) in {plural(files, 'file')}.")
    fixable = sum(1 for _, p in rows if p.code in FIXABLE)
    if fixable and not fixing:
        lines.append(f"{fixable} fixable with `copydesk check --fix`.")
    return lines


def _statistics(rows: Sequence[tuple[str, Problem]]) -> list[dict[str, object]]:
    counts = Counter(p.code for _, p in rows)
    return [
        {"code": code, "name": RULES[code].name, "severity": RULES[code].severity, "fixable": RULES[code].fixable, "count": n}
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _print(rows: Sequence[tuple[str, Problem]], args: argparse.Namespace, fixed: _FixReport | None) -> None:
    out = sys.stdout
    if args.statistics:
        stats = _statistics(rows)
        if args.format == "json":
            dump_json(stats)
            return
        for s in stats:
            mark = " [*]" if s["fixable"] else ""
            out.write(f"{s['count']:>6}  {s['code']}  {s['name']} ({s['severity']}){mark}\n")
    elif args.format == "json":
        data = [{"path": path, **p.as_dict()} for path, p in rows]
        dump_json(data)
        return
    elif args.format == "github":
        for path, p in rows:
            level = "error" if p.severity == "error" else "warning"
            out.write(
                f"::{level} file={_github_escape(printable(path), True)},line={p.line},col={p.column},"
                f"title={p.code}::{_github_escape(printable(p.message))}\n"
            )
        return
    elif not args.quiet:
        for path, p in rows:
            out.write(f"{printable(path)}:{p.line}:{p.column}: {p.code} {printable(p.message)}\n")
    for line in _summary(rows, fixed, args.fix):
        out.write(line + "\n")


def _schema_hint(groups: Sequence[_Group], files: int, rows: Sequence[tuple[str, Problem]]) -> str:
    """With no settings file, when most articles lack most of the bundled news schema's
    fields, the folder is not news: say so, and how to make a schema of its own."""
    if not files or any(group.config.source is not None or group.config.schema is not None for group in groups):
        return ""
    from ...infer import unlike_news

    unlike = unlike_news(rows)
    if unlike * 2 <= files:
        return ""
    shown = " ".join(printable(str(group.config.root)) for group in groups)
    return (f"copydesk check: {unlike} of {files} articles lack most fields of the bundled news schema (no copydesk.toml "
            f"here): `copydesk init {shown}` makes a schema and settings from the folder itself")


def run(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths] or [Path.cwd()]
    try:
        unreachable = [f"{why}: {p}" for p in paths if (why := why_unreachable(p))]
        if unreachable:
            raise UsageError(printable("; ".join(unreachable)))
        select = _selectors(args.select)
        ignore = _selectors(args.ignore)
    except UsageError as exc:
        print(f"copydesk check: {exc}", file=sys.stderr)
        return 2
    try:
        groups = _groups(paths, select, ignore)
    except ConfigError as exc:
        print(f"copydesk: configuration error: {exc}", file=sys.stderr)
        return 2
    fixed = None
    if args.fix:
        loaded = _load(groups)
        files = len(loaded)
        loaded, fixed = _fix(loaded)
        for path, message in fixed.failures or []:
            print(f"{printable(display_path(path))}: {printable(message)}", file=sys.stderr)
        rows = _rows(loaded)
    else:
        files, rows = _scan_rows(groups, cache=not args.no_cache)
    if not files:
        print(f"copydesk check: no articles found under {printable(', '.join(map(str, paths)))}", file=sys.stderr)
    _print(rows, args, fixed)
    hint = _schema_hint(groups, files, rows)
    if hint:
        print(hint, file=sys.stderr)
    if any(p.severity == "error" for _, p in rows) or (args.strict and rows):
        return 1
    return 0
