"""``copydesk check PATH...``: report every problem of the articles under the paths.

Each path gets the settings of the nearest ``copydesk.toml`` above it (its corpus root),
so one run can check folders with different settings. ``--fix`` applies the safe fixes
the rules own (tag case, whitespace, duplicates, empties and vocabulary spellings; a
misspelt field's name; trailing blank lines), ``--unsafe-fixes`` the unsafe ones too
(boilerplate lines a heuristic found), through :func:`core.checks.fixes.plan_fixes`, the
surgical editor and the safe save, as one journaled batch per corpus (``copydesk undo``);
``--diff`` prints them as a patch instead.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ...checks import RULES, Problem, expand_selectors
from ...checks.fixes import FIXABLE
from ...checks.runner import validate_config
from ...config import Config, ConfigError, load_config
from ...display import display_path, plural, printable
from ..formats import FORMATS, WRITERS
from .common import (
    UsageError,
    add_target_options,
    allow_dash_values,
    dump_json,
    listed_targets,
    reachable_paths,
    write_patch,
)
from .rules import fix_mark

if TYPE_CHECKING:
    from ...document import Article

EPILOG = """\
Selectors are rule codes (CD303), families (CD3) or ALL, comma-separated or repeated.
--select replaces the configured selection; --ignore adds to the configured ignores.
`copydesk rules` lists every code.

--fix applies the safe fixes ([*] in `copydesk rules`); --unsafe-fixes also the unsafe
ones ([*?]: a heuristic chose what to change, such as a boilerplate line to remove).
--diff prints the fixes as a patch (`git apply` takes it) and writes nothing.

exit codes: 0 no error-level problem (warnings alone pass unless --strict), 1 at least
one error-level problem (with --strict: at least one problem of any severity), 2 usage
or configuration error. With --fix, only what remains after the fixes counts. With
--diff: 1 when there is something to fix, else 0."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="check articles against the schema and the editorial rules",
        description="Check the front matter and body of every article under the paths.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the current folder)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="output format: text, json, github (workflow annotations), sarif (SARIF 2.1.0), gitlab (Code Quality report); default: text")
    parser.add_argument("--select", action="append", metavar="CODES", help="only these rules (e.g. CD2,CD301)")
    parser.add_argument("--ignore", action="append", metavar="CODES", help="also skip these rules")
    parser.add_argument("--fix", action="store_true", help="apply the safe fixes, then report what remains")
    parser.add_argument("--unsafe-fixes", action="store_true", help="with --fix or --diff: apply the unsafe fixes too")
    parser.add_argument("--diff", action="store_true", help="print the fixes as a unified patch instead of writing them (implies --fix)")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    parser.add_argument("--statistics", action="store_true", help="count problems per rule instead of listing them")
    parser.add_argument("-q", "--quiet", action="store_true", help="text output: the summary only, no line per problem")
    parser.add_argument(
        "--no-cache", action="store_true", help="parse every file; neither read nor update the index in .copydesk/index"
    )
    add_target_options(parser)
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


@dataclass
class _Fixable:
    """What ``--fix`` would repair among the problems found (without ``--fix``): ``safe``
    and ``unsafe`` counted from the rules, and the files whose count needs a plan."""

    safe: int = 0
    unsafe: int = 0
    to_plan: list[tuple[Path, Config]] = field(default_factory=list)

    def add(self, kind: str, problems: Sequence[Problem], path: Path, config: Config) -> None:
        rules = [RULES[p.code] for p in problems if p.code in FIXABLE]
        if any(rule.fix_partial for rule in rules):
            self.to_plan.append((path, config))
            return
        for rule in rules:
            # an article fix needs front matter; a whole-text fix reads any split file
            if rule.fix is not None and kind != "front-matter" or rule.fix is None and kind not in ("front-matter", "raw"):
                continue
            if rule.fix_safety == "safe":
                self.safe += 1
            else:
                self.unsafe += 1

    def counts(self) -> tuple[int, int]:
        """(safe, unsafe), the files to plan planned (loaded again)."""
        from ...checks.fixes import plan_fixes
        from ...document import load_article
        from ...text.guard import UnsafeFile

        safe, unsafe = self.safe, self.unsafe
        for path, config in self.to_plan:
            try:
                plan = plan_fixes(load_article(path, config), config)
            except (UnsafeFile, UnicodeDecodeError, OSError):
                continue
            safe += len(plan.fixed)
            unsafe += len(plan.unsafe_skipped)
        return safe, unsafe


def _scan_rows(groups: Sequence[_Group], cache: bool) -> tuple[int, list[tuple[str, Problem]], _Fixable]:
    """Files checked, problem rows and what is fixable, through the index (only changed
    files are parsed; parsing runs in worker processes)."""
    from ...index import scan

    seen: set[str] = set()
    rows: list[tuple[str, Problem]] = []
    fixable = _Fixable()
    for group in groups:
        # The values lists and tag counts read are kept too (core.index.values): `list
        # --where` and `tags` then answer from the index without reading every file.
        # With no index, the records need only their problems (no fingerprints, no display values).
        result = scan(group.paths, group.config, cache=cache, values=cache, problems_only=not cache)
        seen.update(result.paths)
        for record in result.with_problems():
            shown = display_path(record.path)
            problems = record.problems
            rows.extend((shown, p) for p in problems)
            fixable.add(record.kind, problems, Path(record.path), group.config)
    rows.sort(key=lambda row: (row[0], row[1].line, row[1].column, row[1].code))
    return len(seen), rows, fixable


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
    fixed: int = 0  # problems fixed (with --diff: that would be)
    files: int = 0  # files written (with --diff: that would be)
    unsafe: int = 0  # problems an unsafe fix, not applied, would repair
    failures: list[tuple[Path, str]] = field(default_factory=list)
    patch: str = ""  # with --diff


def _fix(loaded: list[tuple[Article, Config]], *, unsafe: bool = False, diff: bool = False) -> tuple[list[tuple[Article, Config]], _FixReport]:
    """Apply the fixes for the problems found (the unsafe ones too with ``unsafe``), or
    with ``diff`` only gather their patch; reload the files that changed."""
    from ...checks.fixes import plan_fixes
    from ...document import load_article
    from ...edit.apply import EditRefused
    from ...storage.save import plan_change, save_changes
    from ...text.guard import UnsafeFile

    report = _FixReport()
    by_config: dict[int, tuple[Config, list]] = {}
    planned: dict[Path, int] = {}
    patches: list[str] = []
    for article, config in loaded:
        if not any(p.code in FIXABLE for p in article.problems):
            continue
        try:
            plan = plan_fixes(article, config, unsafe=unsafe)
            report.unsafe += len(plan.unsafe_skipped)
            if plan.empty:
                continue
            change = plan_change(article, plan.edits, plan.rewrite)
        except EditRefused as exc:
            report.failures.append((article.path, f"not fixed: {exc.reason}"))
            continue
        except (UnsafeFile, UnicodeDecodeError) as exc:
            report.failures.append((article.path, f"not fixed: {exc}"))
            continue
        if not change.changed:
            continue
        if diff:
            # paths as printed (relative to the current folder), so `git apply` works from here
            patches.append(change.diff(name=display_path(article.path)))
            report.fixed += len(plan.fixed)
            report.files += 1
            continue
        by_config.setdefault(id(config), (config, []))[1].append(change)
        planned[article.path] = len(plan.fixed)
    report.patch = "".join(patches)
    changed: set[Path] = set()
    for config, changes in by_config.values():
        for result in save_changes(changes, config=config, label="check --fix" + (" --unsafe-fixes" if unsafe else "")):
            if result.status in ("saved", "merged"):
                changed.add(result.path)
                report.fixed += planned.get(result.path, 0)
            elif result.status != "unchanged":
                report.failures.append((result.path, f"not fixed ({result.status}): {result.message}"))
    if not diff:
        report.files = len(changed)
    reloaded = [(load_article(a.path, c) if a.path in changed else a, c) for a, c in loaded]
    return reloaded, report


def _rows(loaded: Sequence[tuple[Article, Config]]) -> list[tuple[str, Problem]]:
    rows = [(display_path(article.path), p) for article, _ in loaded for p in article.problems]
    rows.sort(key=lambda row: (row[0], row[1].line, row[1].column, row[1].code))
    return rows


_UNSAFE_HINT = "`copydesk check --fix --unsafe-fixes`"


def _summary(rows: Sequence[tuple[str, Problem]], fixed: _FixReport | None, counts: tuple[int, int]) -> list[str]:
    """The closing lines; ``counts``: the problems still fixable by ``--fix`` and the more
    ``--unsafe-fixes`` would repair (without ``--fix``)."""
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
    if fixed is not None:
        if fixed.unsafe:
            lines.append(f"{fixed.unsafe} more fixable with {_UNSAFE_HINT}.")
        return lines
    safe, unsafe = counts
    if safe:
        lines.append(f"{safe} fixable with `copydesk check --fix`.")
    if unsafe:
        lines.append(f"{unsafe} more fixable with {_UNSAFE_HINT}." if safe else f"{unsafe} fixable with {_UNSAFE_HINT}.")
    return lines


def _statistics(rows: Sequence[tuple[str, Problem]]) -> list[dict[str, object]]:
    counts = Counter(p.code for _, p in rows)
    return [
        {"code": code, "name": RULES[code].name, "severity": RULES[code].severity, "fixable": RULES[code].fixable,
         "fix_safety": RULES[code].fix_safety if RULES[code].fixable else None, "count": n}
        for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def _print(rows: Sequence[tuple[str, Problem]], args: argparse.Namespace, fixed: _FixReport | None, counts: tuple[int, int]) -> None:
    out = sys.stdout
    if args.statistics:
        stats = _statistics(rows)
        if args.format == "json":
            dump_json(stats)
            return
        for s in stats:
            mark = fix_mark(RULES[str(s["code"])]).strip()
            out.write(f"{s['count']:>6}  {s['code']}  {s['name']} ({s['severity']}){' ' + mark if mark else ''}\n")
    elif args.format in WRITERS:
        WRITERS[args.format](rows)
        return
    elif not args.quiet:
        for path, p in rows:
            out.write(f"{printable(path)}:{p.line}:{p.column}: {p.code} {printable(p.message)}\n")
    for line in _summary(rows, fixed, counts):
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


def _report_diff(fixed: _FixReport, files: int, paths: Sequence[Path]) -> int:
    """``--diff``: the patch on stdout, what it would fix on stderr; 1 when there is a patch."""
    if not files:
        print(f"copydesk check: no articles found under {printable(', '.join(map(str, paths)))}", file=sys.stderr)
    write_patch(fixed.patch)
    if fixed.patch:
        print(f"Would fix {plural(fixed.fixed, 'problem')} in {plural(fixed.files, 'file')}.", file=sys.stderr)
    else:
        print("No fixes to apply.", file=sys.stderr)
    if fixed.unsafe:
        print(f"{fixed.unsafe} more fixable with `copydesk check --diff --unsafe-fixes`.", file=sys.stderr)
    return 1 if fixed.patch else 0


def run(args: argparse.Namespace) -> int:
    try:
        paths = reachable_paths(args.paths)
        select = _selectors(args.select)
        ignore = _selectors(args.ignore)
        listed = listed_targets(args, "check")
        if args.statistics and args.format not in ("text", "json"):
            raise UsageError(f"--statistics prints text or json, not {args.format}")
    except UsageError as exc:
        print(f"copydesk check: {exc}", file=sys.stderr)
        return 2
    if listed is not None:
        since = f"changed since {printable(args.changed_since)}" if args.changed_since is not None else "listed"
        print(f"copydesk check: {plural(len(listed), 'article')} {since}", file=sys.stderr)
        if not listed:
            _print([], args, None, (0, 0))
            return 0
        paths = [Path(p) for p in listed]
    try:
        groups = _groups(paths, select, ignore)
    except ConfigError as exc:
        print(f"copydesk: configuration error: {exc}", file=sys.stderr)
        return 2
    fixed = None
    counts = (0, 0)
    if args.fix or args.diff:
        loaded = _load(groups)
        files = len(loaded)
        loaded, fixed = _fix(loaded, unsafe=args.unsafe_fixes, diff=args.diff)
        for path, message in fixed.failures:
            print(f"{printable(display_path(path))}: {printable(message)}", file=sys.stderr)
        if args.diff:
            return _report_diff(fixed, files, paths)
        rows = _rows(loaded)
    else:
        files, rows, fixable = _scan_rows(groups, cache=not args.no_cache)
        if args.format == "text":  # only the text summary says what is fixable
            counts = fixable.counts()
    if not files:
        print(f"copydesk check: no articles found under {printable(', '.join(map(str, paths)))}", file=sys.stderr)
    _print(rows, args, fixed, counts)
    hint = _schema_hint(groups, files, rows)
    if hint:
        print(hint, file=sys.stderr)
    if any(p.severity == "error" for _, p in rows) or (args.strict and rows):
        return 1
    return 0
