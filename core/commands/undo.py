"""``copydesk undo [BATCH] [PATH] [--list] [--format text|json]``: restore a batch's files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..config import load_config
from ..journal import Journal, JournalError, UnknownBatch
from .common import dump_json, printable

EPILOG = """\
Every write copydesk makes (set, tag, check --fix, adopt, the terminal UI) is a batch whose
prior bytes are kept in .copydesk/journal at the corpus root (the folder of copydesk.toml,
else PATH, else the current folder). `copydesk undo` restores the newest batch not yet
undone; run it again to go further back. A file changed since the batch is reported and left
alone. The undo is itself a batch: undo its id to redo. A batch id may be shortened to any
unique prefix.

exit codes: 0 every file of the batch restored, 1 nothing to undo or some file changed
since / not restorable, 2 usage or configuration error (an unknown or ambiguous batch id
included)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "undo",
        help="undo the last batch of writes (or a given one); --list shows recent batches",
        description="Restore the exact previous bytes of every file a batch wrote.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("targets", nargs="*", metavar="BATCH|PATH", help="a batch id and/or the corpus folder")
    parser.add_argument("--list", action="store_true", help="list recent batches, newest first")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def _split_targets(targets: list[str]) -> tuple[str | None, Path | None, str | None]:
    """(batch id, corpus path, error): an argument naming an existing file or folder is the path."""
    batch: str | None = None
    path: Path | None = None
    for target in targets:
        candidate = Path(target)
        if candidate.exists():
            if path is not None:
                return None, None, f"more than one path given ({path}, {target})"
            path = candidate
        elif batch is None:
            batch = target
        else:
            return None, None, f"more than one batch id given ({batch}, {target}); is one of them a missing folder?"
    return batch, path, None


def run(args: argparse.Namespace) -> int:
    batch_id, path, error = _split_targets(args.targets)
    if error:
        print(f"copydesk undo: {error}", file=sys.stderr)
        return 2
    config = load_config(path or Path.cwd())
    journal = Journal(config.root, keep=config.journal_batches)
    if args.list:
        if batch_id is not None:
            print(f"copydesk undo: --list takes no batch id (got {batch_id!r}; is it a missing folder?)", file=sys.stderr)
            return 2
        return _list(journal, args.format)
    try:
        report = journal.undo(batch_id)
    except JournalError as exc:
        if args.format == "json":
            dump_json({"error": str(exc)})
        print(f"copydesk undo: {printable(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, UnknownBatch) else 1
    if args.format == "json":
        dump_json(report.as_dict())
    else:
        for rel in report.restored:
            print(f"{printable(rel)}: restored")
        for rel in report.already:
            print(f"{printable(rel)}: already as before the batch")
        for rel in report.changed_since:
            print(f"{printable(rel)}: changed since the batch, left alone")
        for rel, reason in report.failed:
            print(f"{printable(rel)}: not restored ({printable(reason)})")
        summary = f"undid batch {report.batch_id}: {len(report.restored)} file{'s' if len(report.restored) != 1 else ''} restored"
        if report.changed_since:
            summary += f", {len(report.changed_since)} changed since"
        if report.failed:
            summary += f", {len(report.failed)} failed"
        if report.undo_batch_id:
            summary += f" (undo it with `copydesk undo {report.undo_batch_id}`)"
        print(summary, file=sys.stderr)
    return 1 if report.changed_since or report.failed else 0


def _list(journal: Journal, output: str) -> int:
    batches = journal.list()
    if output == "json":
        dump_json([b.as_dict() for b in batches])
        return 0
    if not batches:
        print(f"no batches in {journal.folder}", file=sys.stderr)
        return 0
    print(f"{'BATCH':<20}  {'TIME (UTC)':<20}  {'FILES':>5}  {'STATE':<10}  LABEL")
    for b in batches:
        state = "undone" if b.undone else "incomplete" if b.incomplete else ""
        print(f"{b.id:<20}  {b.time:<20}  {len(b.files):>5}  {state:<10}  {printable(b.label)}")
    return 0
