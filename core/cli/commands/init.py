"""``copydesk init [PATH] [--dry-run] [--force]``: a schema and settings made from the folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...config import why_unreachable
from ...display import printable

EPILOG = """\
Reads every article of the folder and writes two files at its root:
  copydesk.schema.json  a JSON Schema of the front matter as the folder writes it: field
                        types, required fields (in at least 90% of the articles), enums for
                        strings with few repeated values, date or date-time formats, URL
                        fields, lists, nested objects;
  copydesk.toml         the settings: the schema, the taxonomies (tags, categories,
                        keywords... as the folder uses them), the list's columns, and what
                        is exempted: template files ({{ }} or {% %} in the front matter) and
                        section pages (_index) stay in the folder, with the rules that cannot
                        apply to them ignored for them alone (per-file-ignores); editorial
                        rules firing on at least 10% of the articles are the folder's style
                        and are ignored.
A folder of articles in the bundled news format keeps the bundled schema (only
copydesk.toml is written). Nothing is excluded. A short report says what was decided and
why (on stderr; with --dry-run, the files are printed on stdout and nothing is written).

exit codes: 0 written (or printed), 1 a file exists already (give --force to replace it),
2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "init",
        help="infer a schema and copydesk.toml from the folder",
        description="Infer a JSON Schema and a copydesk.toml from the articles of a folder, and write them at its root.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", nargs="?", default=".", metavar="PATH", help="the folder (default: the current folder)")
    parser.add_argument("--dry-run", action="store_true", help="print the files and the report, write nothing")
    parser.add_argument("--force", action="store_true", help="replace copydesk.toml and copydesk.schema.json when they exist")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = Path(args.path)
    why = why_unreachable(root)
    if why or not root.is_dir():
        print(printable(f"copydesk init: {why or 'not a folder'}: {args.path}"), file=sys.stderr)
        return 2
    from ...infer import CONFIG_NAME, SCHEMA_NAME, infer, schema_text
    from ...storage.files import write_atomic

    inference = infer(root)
    files = {CONFIG_NAME: inference.config_text}
    if inference.schema is not None:
        files[SCHEMA_NAME] = schema_text(inference)
    for line in inference.report:
        print(printable(f"  {line}"), file=sys.stderr)
    if args.dry_run:
        for name, text in files.items():
            print(f"# {name}")
            print(printable(text, multiline=True), end="")
        return 0
    existing = [name for name in files if (inference.root / name).exists() or (inference.root / name).is_symlink()]
    if existing and not args.force:
        print(printable(f"copydesk init: {', '.join(existing)} exists already in {inference.root}: nothing written (give --force to replace it)"), file=sys.stderr)
        return 1
    for name, text in files.items():
        try:
            write_atomic(inference.root / name, text.encode("utf-8"))
        except OSError as exc:
            print(printable(f"copydesk init: {inference.root / name}: cannot write: {exc.strerror or exc}"), file=sys.stderr)
            return 1
    print(printable(f"wrote {' and '.join(files)} in {inference.root}; `copydesk check {args.path}` checks the folder against them"), file=sys.stderr)
    return 0
