"""Bulk ``copydesk tag --rename`` over a generated folder: dry run, apply, undo.

A copy of the generated folder is edited (the cached one in ``bench/out`` stays pristine).
The tag renamed is the folder's most used one, into a new spelling; a second run merges a
tag into one that many articles already have. Every command runs as a real subprocess.

    python -m bench.bulk_rename [--count 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from .common import copydesk_env, folder, machine_line, markdown_table


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*.md"))}


def _tag_counts(root: Path) -> Counter[str]:
    out = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "tags", str(root), "--format", "json"],
        capture_output=True, text=True, env=copydesk_env(), check=True,
    )
    return Counter({row["tag"]: row["count"] for row in json.loads(out.stdout)})


def _timed(args: list[str], cwd: Path) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Run copydesk; "wall s (cpu s)" — on a shared machine the CPU time is the steadier figure."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd, env=copydesk_env())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return f"{wall:.1f} ({cpu:.1f})", proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    source = folder(args.count, args.seed)
    print(machine_line())
    with tempfile.TemporaryDirectory(prefix="copydesk-bulk-") as temp:
        root = Path(temp) / "articles"
        shutil.copytree(source, root)
        # The third batch renames into lower case on purpose: `tag` refuses that unless the
        # folder ignores the upper-case rule.
        (root / "copydesk.toml").write_text('ignore = ["CD303"]\n', encoding="utf-8")
        counts = _tag_counts(root)
        ranked = counts.most_common()
        (top, top_n), (second, second_n) = ranked[:2]
        many = ranked[2:32]
        before = _digest(root)
        rows = []
        batches: list[tuple[str, list[str]]] = [
            (f"rename {top} ({top_n} articles) to a new spelling", [f"{top}={top} RENAMED"]),
            (f"merge {second} ({second_n} articles) into {top} RENAMED", [f"{second}={top} RENAMED"]),
            (
                f"rename the next {len(many)} tags ({sum(n for _, n in many)} tag uses) to lower case",
                [f"{tag}={tag.lower()}" for tag, _ in many],
            ),
        ]
        for label, renames in batches:
            rename_args = [arg for rename in renames for arg in ("--rename", rename)]
            current = _digest(root)
            dry_s, dry = _timed(["tag", ".", *rename_args, "--dry-run"], root)
            assert _digest(root) == current, "a dry run wrote files"
            diff_files = dry.stdout.count("\n+++ b/") + dry.stdout.startswith("+++ b/")
            apply_s, applied = _timed(["tag", ".", *rename_args, "--format", "json"], root)
            outcomes = json.loads(applied.stdout)
            changed = sum(o["status"] == "changed" for o in outcomes)
            refused = sum(o["status"] in ("refused", "conflict") for o in outcomes)
            rows.append([label, dry_s, diff_files, apply_s, changed, refused])
        after_counts = _tag_counts(root)
        assert after_counts[top] == 0 and after_counts[second] == 0
        undo_rows = []
        for _ in batches:
            undo_s, undone = _timed(["undo", "--format", "json"], root)
            report = json.loads(undone.stdout)
            undo_rows.append([report["batch"], undo_s, len(report["restored"]), len(report["changed_since"]), len(report["failed"])])
        restored = _digest(root) == before
        journal = root / ".copydesk" / "journal"
        journal_mb = sum(p.stat().st_size for p in journal.rglob("*") if p.is_file()) / 1e6
    print(f"\n{args.count} generated articles (seed {args.seed}); tag --rename through real subprocesses\n")
    print(markdown_table(["batch", "dry run s (cpu)", "files in diff", "apply s (cpu)", "files changed", "refused"], rows))
    print()
    print(markdown_table(["undo of batch", "undo s (cpu)", "restored", "changed since", "failed"], undo_rows))
    print(f"\nevery byte back after the undos: {restored}; journal size {journal_mb:.1f} MB")
    return 0 if restored else 1


if __name__ == "__main__":
    raise SystemExit(main())
