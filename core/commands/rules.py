"""``copydesk rules [SELECTOR...]``: every rule code with its name, severity and meaning."""

from __future__ import annotations

import argparse
import json
import sys

from ..checks import RULES, expand_selectors

EPILOG = """\
Selectors are codes (CD303), families (CD3: consistency) or ALL. Families: CD1 structure,
CD2 schema, CD3 consistency, CD4 body. [*] marks rules `copydesk check --fix` repairs."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "rules",
        help="list every rule code with a one-line explanation",
        description="List the rule codes `copydesk check` reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("selectors", nargs="*", metavar="SELECTOR", help="only these codes or families")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        codes = expand_selectors(args.selectors) if args.selectors else set(RULES)
    except ValueError as exc:
        print(f"copydesk rules: {exc}", file=sys.stderr)
        return 2
    rules = [RULES[code] for code in sorted(codes)]
    if args.format == "json":
        data = [{"code": r.code, "name": r.name, "severity": r.severity, "fixable": r.fixable, "summary": r.summary} for r in rules]
        json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    width = max(len(r.name) for r in rules)
    for r in rules:
        fix = "[*]" if r.fixable else "   "
        sys.stdout.write(f"{r.code}  {r.name:<{width}}  {r.severity:<7}  {fix}  {r.summary}\n")
    return 0
