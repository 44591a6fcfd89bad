"""``copydesk rules [SELECTOR...]``: every rule code with its name, severity and meaning;
``copydesk rules CODE`` explains one rule (what it checks, why, an example, the fix).

Everything printed comes from the registry (:mod:`core.checks`), as does the README's rule
table (``--format markdown``): they cannot drift apart.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterable

from ...checks import RULES, Rule, expand_selectors

EPILOG = """\
Selectors are codes (CD303), families (CD3: consistency) or ALL. Families: CD1 structure,
CD2 schema, CD3 consistency, CD4 body. [*] marks rules `copydesk check --fix` repairs;
[*?] rules whose fix is unsafe (a heuristic chose what to change), or for some of their
problems, applied only with `--fix --unsafe-fixes`. (opt-in) marks rules that ALL and
their family leave out: only their own code selects them (`check --select ALL,CD307`).
One code alone (`copydesk rules CD303`) prints that rule's explanation."""

MARKDOWN_HEADER = "| Code | Name | Severity | Fix | What it means |\n|---|---|---|---|---|\n"


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "rules",
        help="list every rule code with a one-line explanation, or explain one",
        description="List the rule codes `copydesk check` reports, or explain one rule.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("selectors", nargs="*", metavar="SELECTOR", help="only these codes or families")
    parser.add_argument(
        "--format", choices=("text", "json", "markdown"), default="text",
        help="output format (default: text; markdown: the README's table)",
    )  # fmt: skip
    parser.set_defaults(run=run)


# What the README's Fix column says of a rule's fix, by its safety.
FIX_CELLS = {"safe": "yes", "unsafe": "unsafe", "varies": "yes/unsafe"}


def fix_mark(rule: Rule) -> str:
    """The list's mark of a rule: ``[*]`` when ``--fix`` repairs it, ``[*?]`` when its fix
    (or some of it) needs ``--unsafe-fixes``, blank when it has none."""
    if not rule.fixable:
        return "    "
    return "[*] " if rule.fix_safety == "safe" else "[*?]"


def fix_cell(rule: Rule) -> str:
    """The README table's Fix cell of a rule (see :data:`FIX_CELLS`)."""
    return FIX_CELLS[rule.fix_safety] if rule.fixable else ""


def markdown_table(rules: Iterable[Rule]) -> str:
    """The README's rule table: one row per rule."""
    rows = [f"| {r.code} | `{r.name}` | {r.severity} | {fix_cell(r)} | {r.summary} |\n" for r in rules]
    return MARKDOWN_HEADER + "".join(rows)


def explanation(rule: Rule, width: int = 88) -> str:
    """What ``copydesk rules CODE`` prints: the rule's header, its summary and its explanation."""
    fix = {
        "safe": ", fixable with `copydesk check --fix`",
        "unsafe": ", fixable with `copydesk check --fix --unsafe-fixes`",
        "varies": ", fixable with `copydesk check --fix`, some problems only with `--unsafe-fixes`",
    }[rule.fix_safety] if rule.fixable else ""
    opt_in = ", opt-in: selected only by its code" if rule.opt_in else ""
    paragraphs = [f"{rule.code} {rule.name} ({rule.severity}{fix}{opt_in})", rule.summary, rule.explanation]
    return "\n\n".join(textwrap.fill(p, width, break_on_hyphens=False) for p in paragraphs) + "\n"


def _as_dict(rule: Rule) -> dict[str, object]:
    return {
        "code": rule.code, "name": rule.name, "severity": rule.severity, "fixable": rule.fixable,
        "fix_safety": rule.fix_safety if rule.fixable else None, "opt_in": rule.opt_in,
        "summary": rule.summary, "explanation": rule.explanation,
    }  # fmt: skip


def run(args: argparse.Namespace) -> int:
    try:
        codes = expand_selectors(args.selectors) if args.selectors else set(RULES)
    except ValueError as exc:
        print(f"copydesk rules: {exc}", file=sys.stderr)
        return 2
    rules = [RULES[code] for code in sorted(codes)]
    if args.format == "json":
        json.dump([_as_dict(r) for r in rules], sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.format == "markdown":
        sys.stdout.write(markdown_table(rules))
        return 0
    if len(args.selectors) == 1 and args.selectors[0].strip().upper() in RULES:
        sys.stdout.write(explanation(rules[0]))
        return 0
    width = max(len(r.name) for r in rules)
    severities = [f"{r.severity} (opt-in)" if r.opt_in else r.severity for r in rules]
    column = max(7, *map(len, severities))
    for r, severity in zip(rules, severities, strict=True):
        sys.stdout.write(f"{r.code}  {r.name:<{width}}  {severity:<{column}}  {fix_mark(r)}  {r.summary}\n")
    return 0
