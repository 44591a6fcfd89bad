"""``copydesk adopt PATH... [--dry-run] [--format text|json]``: give raw articles front matter."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ...adopt import Adoption, AdoptRefused, plan_adopt, tag_vocabulary
from ...checks.runner import validate_config
from ...config import Config
from ...display import plural, printable
from ...document import load_corpus
from ...schema import SchemaError, load_schema
from ...storage.save import Change, save_changes
from ...taxonomy import tag_counts
from ...text.guard import UnsafeFile
from .common import (
    Outcome,
    UsageError,
    add_quiet_option,
    allow_dash_values,
    dump_json,
    load_targets,
    patch_base,
    previewed,
    report,
)

EPILOG = """\
For every raw article (a file with no front matter) under the paths: a front matter built
from the schema is put in front of the text. The title is the first non-blank line (removed
from the body only when it is exactly the title); draft: true; publishedAt from a byline
date when there is one, else the file's modification time; tags found in the text from the
configured vocabulary (else from the tags the folder already uses); every other required
field the value `[adopt]` in copydesk.toml gives (and `[[adopt.sources]]` for the source of
the files its `match` glob matches), else an empty placeholder ('') that `copydesk check`
reports as CD207. The report says where each value came from. Nothing else of the text changes, and the file
keeps its line endings and BOM. Files given by name that already have front matter are
refused; in folders they are skipped. Writes are one batch: `copydesk undo` reverts it.

exit codes: 0 every raw article adopted (or would be, with --dry-run), 1 some file refused
or in conflict, 2 usage or configuration error."""


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "adopt",
        help="give raw articles (no front matter) a front matter to fill in",
        description="Give every raw article under the paths a front matter built from the schema.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", metavar="PATH")
    parser.add_argument("--dry-run", action="store_true", help="print the unified diff of the batch and write nothing")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_quiet_option(parser)
    allow_dash_values(parser, ())
    parser.set_defaults(run=run)


def vocabulary_for(config: Config) -> list[str]:
    """The configured vocabulary, else the tags the corpus already uses (canonical spellings)."""
    return tag_vocabulary(config, lambda: tag_counts(load_corpus([config.root], config, with_rules=False).articles))


def _summary(adoption: Adoption) -> str:
    return printable(_describe(adoption))


def _describe(adoption: Adoption) -> str:
    parts = [f"title {adoption.title!r}" + ("" if adoption.title_line_removed else " (first line kept)")]
    if adoption.published_at:
        parts.append(f"{adoption.date_field} {adoption.published_at} (from the {adoption.published_from})")
    else:
        parts.append("no byline date")
    parts.append(f"tags {', '.join(adoption.tags)}" if adoption.tags else "no tags found")
    if adoption.defaults:
        parts.append(f"from the configuration: {', '.join(adoption.defaults)}")
    if adoption.placeholders:
        parts.append(f"to fill in: {', '.join(adoption.placeholders)}")
    parts.extend(adoption.notes)
    return "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    try:
        corpus = load_targets(args.paths)
        schema = load_schema(corpus.config)
        validate_config(corpus.config)  # the [adopt] values, before any file is read
    except (UsageError, SchemaError) as exc:
        print(f"copydesk adopt: {exc}", file=sys.stderr)
        return 2
    # Files named on the command line are reported even when they cannot be adopted.
    named = {Path(os.path.abspath(p)) for p in args.paths if not Path(p).is_dir()}
    raw = [a for a in corpus.articles if a.kind == "raw" or a.path in named]
    # What could not be read (a folder that cannot be listed among them) may hold raw
    # articles: refused with its reason, not counted as having front matter.
    unread = [a for a in corpus.articles if a.kind == "unreadable" and a.path not in named]
    skipped = len(corpus.articles) - len(raw) - len(unread)
    vocabulary = vocabulary_for(corpus.config) if raw else []
    changes: list[Change] = []
    adoptions: dict[Path, Adoption] = {}
    outcomes: list[Outcome] = [Outcome(a, "refused", a.problems[0].message if a.problems else "cannot be read") for a in unread]
    for article in raw:
        try:
            change, adoption = plan_adopt(article, schema, vocabulary, corpus.config)
        except AdoptRefused as exc:
            outcomes.append(Outcome(article, "refused", str(exc)))
            continue
        except UnsafeFile as exc:
            outcomes.append(Outcome(article, "refused", str(exc)))
            continue
        changes.append(change)
        adoptions[article.path] = adoption
    base = patch_base([c.path for c in changes], corpus.config.root) if args.dry_run else None
    if base is not None:
        outcomes.extend(previewed(changes, base, lambda change: _summary(adoptions[change.path])))
    elif changes:
        label = f"adopt {plural(len(changes), 'file')}"
        results = save_changes(changes, config=corpus.config, label=label)
        for change, result in zip(changes, results, strict=True):
            status = {"saved": "changed"}.get(result.status, result.status)
            message = _summary(adoptions[change.path]) if result.ok else result.message
            outcomes.append(Outcome(change.article, status, message, result.diff))
    outcomes.sort(key=lambda o: o.article.relpath)
    if args.format == "json":
        dump_json([_json(o, adoptions.get(o.article.path)) for o in outcomes])
    else:
        report(outcomes, "text", args.dry_run, quiet=args.quiet, base=base)
        if skipped:
            stream = sys.stderr if args.dry_run else sys.stdout
            print(f"{plural(skipped, 'file')} already had front matter (skipped)", file=stream)
    return 1 if any(o.status in ("refused", "conflict") for o in outcomes) else 0


def _json(outcome: Outcome, adoption: Adoption | None) -> dict[str, object]:
    out: dict[str, object] = dict(outcome.as_dict())
    if adoption is not None and outcome.status in ("changed", "would change"):
        out.update(
            title=adoption.title,
            title_line_removed=adoption.title_line_removed,
            publishedAt=adoption.published_at,
            published_from=adoption.published_from,
            date_field=adoption.date_field,
            from_configuration=list(adoption.defaults),
            tags=list(adoption.tags),
            placeholders=list(adoption.placeholders),
            notes=list(adoption.notes),
        )
    return out


