"""Benchmark: add a tag to 10,000 articles and save them through the safe-save path.

    python -m bench.bench_bulk [--count 10000] [--repeat 1] [--profile]

On a fresh copy of a generated folder (``bench/out/bulk-work``, never the cached original),
times the phases a user goes through: load the articles, plan the change of every editable
one (``core.save.plan_change``: surgical edit + verification by re-parse), and save them all
in one journaled batch (``core.save.save_changes``: lock, re-read and compare, journal the
prior bytes, temp file, fsync, ``os.replace``, one directory fsync per folder). Then checks a
sample of files really has the tag. ``--profile`` prints where plan and save spend their time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import time

from .common import OUT_DIR, folder, machine_line, markdown_table

TAG = "BENCHMARK"


def _top(profile: cProfile.Profile, limit: int = 14) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(limit)
    return out.getvalue()


def run(count: int, seed: int, profile: bool) -> dict[str, float]:
    from core.config import load_config
    from core.document import load_corpus
    from core.edit_ops import AddItem
    from core.save import plan_change, save_changes

    source = folder(count, seed)
    work = OUT_DIR / "bulk-work"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(source, work)
    config = load_config(work)
    times: dict[str, float] = {}

    started = time.perf_counter()
    corpus = load_corpus([work], config)
    times["load"] = time.perf_counter() - started

    edit = AddItem(("tags",), TAG)
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    changes = []
    refused = 0
    for article in corpus.articles:
        if not article.editable:
            continue
        try:
            changes.append(plan_change(article, [edit]))
        except Exception:  # noqa: BLE001 - counted: an edit the editor refuses is not a failure of the bench
            refused += 1
    if profiler:
        profiler.disable()
    times["plan"] = time.perf_counter() - started
    if profiler:
        print("-- plan_change, cumulative --\n" + _top(profiler), file=sys.stderr)

    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    results = save_changes(changes, config=config, label=f"bench: add tag {TAG}")
    if profiler:
        profiler.disable()
    times["save"] = time.perf_counter() - started
    if profiler:
        print("-- save_changes, cumulative --\n" + _top(profiler), file=sys.stderr)

    saved = sum(1 for r in results if r.status == "saved")
    not_ok = [r for r in results if not r.ok]
    for change in changes[:: max(1, len(changes) // 50)]:
        text = change.path.read_text(encoding="utf-8")
        assert f"- {TAG}" in text or TAG in text, f"{change.path}: tag missing after save"
    times.update(articles=len(corpus.articles), changes=len(changes), saved=saved, refused=refused + len(not_ok))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_bulk", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=1, help="runs (each on a fresh copy); medians reported")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="print where plan and save spend their time")
    args = parser.parse_args(argv)
    print(machine_line())
    runs = [run(args.count, args.seed, args.profile) for _ in range(args.repeat)]

    def med(key: str) -> float:
        return statistics.median(r[key] for r in runs)

    saved = med("saved")
    rows = [
        ["load (load_corpus)", f"{med('load'):.2f}", f"{med('load') / med('articles') * 1e6:.0f}"],
        ["plan (surgical edit + verify)", f"{med('plan'):.2f}", f"{med('plan') / max(1, med('changes')) * 1e6:.0f}"],
        ["save (journal, lock, fsync, replace)", f"{med('save'):.2f}", f"{med('save') / max(1, saved) * 1e6:.0f}"],
        ["plan + save", f"{med('plan') + med('save'):.2f}", ""],
        ["load + plan + save", f"{med('load') + med('plan') + med('save'):.2f}", ""],
    ]
    print(f"{int(med('articles')):,} articles, {int(med('changes')):,} changes planned, {int(saved):,} saved, "
          f"{int(med('refused')):,} refused")
    print(markdown_table(["phase", "seconds", "us per file"], rows))
    print(f"\nMedians of {args.repeat} run(s); command: python -m bench.bench_bulk --count {args.count} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
