"""``copydesk undo [BATCH] [PATH] [--redo] [--list] [--format text|json]``: restore a batch's files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ...config import load_config, why_unreachable
from ...display import plural
from ...storage.journal import BatchInfo, Journal, JournalError, UndoReport, UnknownBatch
from .common import dump_json, printable

EPILOG = """\
Every write copydesk makes (set, tag, check --fix, adopt, the terminal UI) is a batch whose
prior bytes are kept in .copydesk/journal at the corpus root (the folder of copydesk.toml,
else PATH, else the current folder). Undo and redo work as an editor's: `copydesk undo`
takes back the edit most recently put in place; run it again to go further back.
`copydesk undo --redo` puts back what the last undo took back; run it again to go forward
again, until an edit written after the undos (an older undo is still redone by its id, or
its edit's: `--redo BATCH`). A file changed since the batch is reported and left alone. An
undo cut short (killed, or a file it could not restore) leaves its batch to be undone again:
the next `copydesk undo` finishes it (and `--redo` a redo cut short). An undo or a redo is
itself a batch; --list shows each batch's state: undone by, undo of, redo of, redone by.
A batch id may be shortened to any unique prefix.

The journal trusts nothing it reads: a batch whose files lie outside the folder (or are
reached through a link leading out of it), or whose manifest cannot be read, is listed as
damaged or refused, and nothing of it is written; a .copydesk folder that is a link is
refused. Two batch files with the same id are both listed as damaged, each naming the
other; the listing names the batch that undid each undone one. As saves do, undo never writes through a linked folder: a file whose folder is (or
becomes) a link is not restored and is named, and the batch can be finished later.

exit codes: 0 every file of the batch restored, 1 nothing to undo, some file changed since /
not restorable, or the journal cannot be read or is refused (a damaged batch, a linked
folder), 2 usage or configuration error (an unknown or ambiguous batch id included)."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "undo",
        help="undo the last batch of writes (or a given one); --list shows recent batches",
        description="Restore the exact previous bytes of every file a batch wrote.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("targets", nargs="*", metavar="BATCH|PATH", help="a batch id and/or the corpus folder")
    parser.add_argument("--redo", action="store_true", help="put back what the last undo (or the undo of BATCH) took back")
    parser.add_argument("--list", action="store_true", help="list recent batches, newest first")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.set_defaults(run=run)


def _split_targets(targets: list[str]) -> tuple[str | None, Path | None, str | None]:
    """(batch id, corpus path, error): an argument naming an existing file or folder is the path."""
    batch: str | None = None
    path: Path | None = None
    for target in targets:
        candidate = Path(target)
        why = why_unreachable(candidate)
        if why and why != "no such file or folder":
            return None, None, f"{why}: {target}"
        if not why:
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
        report = journal.redo(batch_id) if args.redo else journal.undo(batch_id)
    except JournalError as exc:
        return _error(exc, args.format)
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
        print(_summary(report), file=sys.stderr)
        if report.problem:
            print(f"copydesk undo: {printable(report.problem)}", file=sys.stderr)
    return 1 if report.changed_since or report.failed else 0


def _error(exc: JournalError, output: str) -> int:
    """Report a refusal (nothing was written): 2 for a batch id that names no batch, else 1."""
    if output == "json":
        dump_json({"error": str(exc)})
    print(f"copydesk undo: {printable(exc)}", file=sys.stderr)
    return 2 if isinstance(exc, UnknownBatch) else 1


def _files(count: int) -> str:
    return plural(count, 'file')


def _summary(report: UndoReport) -> str:
    what = f"redid batch {report.redid}" if report.redid else f"undid batch {report.batch_id}"
    summary = f"{what} ({printable(report.label)}): {_files(len(report.restored))} restored"
    if report.already:
        summary += f", {len(report.already)} already as before"
    if report.resumed:
        summary += f" (finishing the undo cut short: {', '.join(report.resumed)})"
    if report.changed_since:
        summary += f", {len(report.changed_since)} changed since"
    if report.failed:
        again = f"copydesk undo --redo {report.redid}" if report.redid else f"copydesk undo {report.batch_id}"
        summary += f", {len(report.failed)} failed (run `{again}` again to finish)"
    elif report.undo_batch_id:
        summary += "; `copydesk undo` takes it back again" if report.redid else "; `copydesk undo --redo` redoes it"
    return summary


def _list(journal: Journal, output: str) -> int:
    try:
        batches = journal.list()
    except JournalError as exc:
        return _error(exc, output)
    if output == "json":
        dump_json([b.as_dict() for b in batches])
        return 0
    if not batches:
        print(f"no batches in {printable(journal.folder)}", file=sys.stderr)
        return 0
    states = [_state(b) for b in batches]
    width = max(13, *(len(state) for state in states))
    print(f"{'BATCH':<20}  {'TIME (UTC)':<20}  {'FILES':>5}  {'STATE':<{width}}  LABEL")
    for b, state in zip(batches, states, strict=True):
        print(f"{printable(b.id):<20}  {printable(b.time):<20}  {len(b.files):>5}  {state:<{width}}  {_label(b)}")
    return 0


def _state(batch: BatchInfo) -> str:
    """What became of the batch: `undone by X` for an edit, `undo of X` / `redo of X` for an
    undo or a redo (and `redone by Y` once an undo was itself undone), and the batch's
    troubles (damaged, partial, incomplete, partly undone)."""
    if batch.damaged:
        return "damaged"
    parts: list[str] = []
    is_undo = batch.undoes is not None and not batch.redo
    if batch.undoes is not None:
        parts.append(f"{'redo' if batch.redo else 'undo'} of {printable(batch.origin or batch.undoes)}")
    if batch.undone:
        parts.append(f"{'redone' if is_undo else 'undone'} by {printable(batch.undone_by)}" if batch.undone_by else "undone")
    elif batch.partly_undone:
        parts.append("partly redone" if is_undo else "partly undone")
    if batch.incomplete:
        parts.append("incomplete")
    elif batch.partial:
        parts.append("partial")
    return ", ".join(parts)


def _label(batch: BatchInfo) -> str:
    if batch.damaged:
        return f"(cannot be undone: {printable(batch.damaged)})"
    return printable(batch.label)
