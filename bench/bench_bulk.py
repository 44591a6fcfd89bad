"""Benchmark: add a tag to 10,000 articles and save them through the safe-save path.

    python -m bench.bench_bulk [--count 10000] [--repeat 1] [--settle 0|auto|SECONDS] [--undo] [--profile]

On a fresh copy of a generated folder (``bench/out/bulk-work``, never the cached original),
times the phases a user goes through: load the articles, plan the change of every editable
one (``core.storage.save.plan_change``: surgical edit + verification by re-parse), and save them all
in one journaled batch (``core.storage.save.save_changes``: lock, re-read and compare, journal the
prior bytes, temp files made durable a group at a time, ``os.replace``, the folders made durable
once at the end). Then checks a
sample of files really has the tag; ``--undo`` also undoes the batch and checks that every
file is back to its original bytes. ``--profile`` prints where plan and save spend their time.

Each phase is reported in wall seconds and in CPU seconds of this process (all threads):
on a shared machine the CPU time is the steadier figure.

Before timing, the copy is flushed to disk (``sync``). The previous copy is moved aside
before the run and deleted only after the measurement: on ext4 without a journal (this
machine's file system), creating a file skips every inode of its group freed in the last
1-6 minutes, one check each, so deleting 10,000 files just before the save made each of
its temp files cost ~0.5 ms of kernel time instead of ~0.03 ms (save 8-11 s instead of
5-6 s). A user's folder was not just deleted and copied back; the churn of the save itself
(each replace frees the old version's inode) is measured as it is. ``--settle auto`` also
waits until 6 minutes have passed since this benchmark last freed many inodes (measured:
no difference once the deletion comes after the save); file systems with a journal do not
make this check.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import os
import pstats
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

from .common import OUT_DIR, folder, machine_line, markdown_table

TAG = "BENCHMARK"
WORK = OUT_DIR / "bulk-work"
TRASH = OUT_DIR / "bulk-work.old"
CHURN_STAMP = OUT_DIR / "bulk-work.churn"  # when this benchmark last freed many inodes
CHURN_SECONDS = 370  # the kernel counts an inode freed up to 6 minutes ago as recent


def _top(profile: cProfile.Profile, limit: int = 18) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    out.write("-- by own time --\n")
    stats.sort_stats("tottime").print_stats(limit)
    return out.getvalue()


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*.md")
        if ".copydesk" not in p.parts
    }


class _Phase:
    """Wall and CPU seconds of a block, stored under ``name`` in ``times``."""

    def __init__(self, times: dict[str, float], name: str, profile: bool) -> None:
        self.times, self.name = times, name
        self.profiler = cProfile.Profile() if profile else None

    def __enter__(self) -> _Phase:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        if self.profiler:
            self.profiler.enable()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.profiler:
            self.profiler.disable()
        self.times[self.name] = time.perf_counter() - self.wall
        self.times[self.name + "_cpu"] = _cpu() - self.cpu
        if self.profiler:
            print(f"-- {self.name}, cumulative --\n" + _top(self.profiler), file=sys.stderr)


def _settle(settle: str) -> float:
    """Wait as ``--settle`` says (see the module docstring); the seconds waited."""
    if settle == "auto":
        try:
            since = time.time() - float(CHURN_STAMP.read_text())
        except (OSError, ValueError):
            since = CHURN_SECONDS
        wait = max(0.0, CHURN_SECONDS - since)
    else:
        wait = float(settle)
    if wait:
        print(f"waiting {wait:.0f} s for the inodes freed by the previous run to age (--settle 0 skips)", file=sys.stderr)
        time.sleep(wait)
    return wait


def run(count: int, seed: int, profile: bool, settle: str, undo: bool) -> dict[str, float]:
    from core.config import load_config
    from core.document import load_corpus
    from core.edit.ops import AddItem
    from core.storage.journal import Journal
    from core.storage.save import plan_change, save_changes

    source = folder(count, seed)
    work = WORK
    shutil.rmtree(TRASH, ignore_errors=True)  # left by an interrupted run
    if work.exists():
        work.rename(TRASH)  # deleted after the measurement, not just before it
    shutil.copytree(source, work)
    os.sync()
    waited = _settle(settle)
    config = load_config(work)
    times: dict[str, float] = {"load_start": os.getloadavg()[0], "waited": waited}

    with _Phase(times, "load", False):
        corpus = load_corpus([work], config)

    edit = AddItem(("tags",), TAG)
    changes = []
    refused = 0
    with _Phase(times, "plan", profile):
        for article in corpus.articles:
            if not article.editable:
                continue
            try:
                changes.append(plan_change(article, [edit]))
            except Exception:  # noqa: BLE001 - counted: an edit the editor refuses is not a failure of the bench
                refused += 1

    with _Phase(times, "save", profile):
        results = save_changes(changes, config=config, label=f"bench: add tag {TAG}")
    times["load_end"] = os.getloadavg()[0]

    saved = sum(1 for r in results if r.status == "saved")
    not_ok = [r for r in results if not r.ok]
    for change in changes[:: max(1, len(changes) // 50)]:
        text = change.path.read_text(encoding="utf-8")
        assert f"- {TAG}" in text or TAG in text, f"{change.path}: tag missing after save"
    times.update(articles=len(corpus.articles), changes=len(changes), saved=saved, refused=refused + len(not_ok))
    if undo:
        with _Phase(times, "undo", False):
            report = Journal(config.root).undo()
        assert not report.failed and not report.changed_since, report.as_dict()
        assert _digests(work) == _digests(source), "undo did not restore every byte"
        times["restored"] = len(report.restored)
    shutil.rmtree(TRASH, ignore_errors=True)
    CHURN_STAMP.write_text(f"{time.time():.0f}\n")
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_bulk", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=1, help="runs (each on a fresh copy); medians reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settle", default="0", help="seconds to wait after copying the folder, or 'auto' (see above)")
    parser.add_argument("--undo", action="store_true", help="undo the batch and check every byte is back")
    parser.add_argument("--profile", action="store_true", help="print where plan and save spend their time")
    args = parser.parse_args(argv)
    print(machine_line())
    runs = [run(args.count, args.seed, args.profile, args.settle, args.undo) for _ in range(args.repeat)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    def row(label: str, key: str, per: float) -> list[str]:
        return [label, f"{med(key):.2f}", f"{med(key + '_cpu'):.2f}", f"{med(key) / max(1, per) * 1e6:.0f}"]

    saved = med("saved")
    rows = [
        row("load (load_corpus)", "load", med("articles")),
        row("plan (surgical edit + verify)", "plan", med("changes")),
        row("save (journal, lock, fsync, replace)", "save", saved),
        ["plan + save", f"{med('plan') + med('save'):.2f}", f"{med('plan_cpu') + med('save_cpu'):.2f}", ""],
    ]
    if args.undo:
        rows.append(row("undo (every byte checked after)", "undo", med("restored")))
    print(f"{int(med('articles')):,} articles, {int(med('changes')):,} changes planned, {int(saved):,} saved, "
          f"{int(med('refused')):,} refused; load average {min(r['load_start'] for r in runs):.2f}-"
          f"{max(r['load_end'] for r in runs):.2f} during the runs")
    print(markdown_table(["phase", "seconds", "cpu seconds", "us per file"], rows))
    waited = ", ".join(f"{r['waited']:.0f}" for r in runs)
    print(f"\nMedians of {args.repeat} run(s) (waited {waited} s before timing); command: python -m bench.bench_bulk "
          f"--count {args.count} --repeat {args.repeat} --settle {args.settle}{' --undo' if args.undo else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
