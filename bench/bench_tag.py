"""Benchmark: ``copydesk tag DIR --add REVIEWED -q`` on a fresh copy of a generated folder (no
index yet) beside a naive python-frontmatter script that loads and dumps every file
(``python -m bench.naive tag``), each on its own fresh copy, in the same run.

    python -m bench.bench_tag [--count 10000] [--repeat 3]

Prints each run's wall seconds and CPU seconds (every thread of the process: the steadier
figure on a shared machine), the medians and the ratios copydesk / naive (the medians of
the per-run ratios, so that a drift of the machine's speed cancels out). Every run starts
from a new copy of the cached folder, flushed to disk (``sync``) before the clock starts.
The copies are deleted only after the last run: on ext4 without a journal, a file created
soon after many were deleted costs far more kernel time (see ``bench.bench_bulk``), which
would weigh on copydesk's temp files and not on the naive script's in-place rewrites.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import OUT_DIR, folder, machine_line, markdown_table

TAG = "REVIEWED"


def _fresh(source: Path, name: str) -> Path:
    work = OUT_DIR / name
    shutil.copytree(source, work)
    os.sync()
    return work


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of ``cmd``."""
    cpu, started = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    elapsed, cpu = time.perf_counter() - started, _children_cpu() - cpu
    if proc.returncode not in (0, 1):  # 1: some file refused, as the generated folder holds broken ones
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return elapsed, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_tag", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(machine_line())
    source = folder(args.count, args.seed)
    copydesk = [str(Path(sys.executable).with_name("copydesk"))]
    naive = [sys.executable, "-m", "bench.naive", "tag"]
    ours, theirs = [], []
    names = [f"tag-{who}-{i}" for i in range(args.repeat) for who in ("copydesk", "naive")]
    for name in names:  # left by an interrupted run
        shutil.rmtree(OUT_DIR / name, ignore_errors=True)
    for i in range(args.repeat):
        work = _fresh(source, f"tag-copydesk-{i}")
        ours.append(_timed([*copydesk, "tag", str(work), "--add", TAG, "-q"]))
        sample = sorted(work.rglob("*.md"))[:50]
        assert any(TAG in p.read_text(encoding="utf-8", errors="replace") for p in sample), "copydesk wrote no tag"
        work = _fresh(source, f"tag-naive-{i}")
        theirs.append(_timed([*naive, str(work), TAG]))
    for name in names:
        shutil.rmtree(OUT_DIR / name, ignore_errors=True)
    ratios = [a[0] / b[0] for a, b in zip(ours, theirs, strict=True)]
    cpu_ratios = [a[1] / b[1] for a, b in zip(ours, theirs, strict=True)]

    def row(name: str, runs: list[tuple[float, float]]) -> list[str]:
        return [name, *(f"{wall:.2f} ({cpu:.2f})" for wall, cpu in runs),
                f"{statistics.median(w for w, _ in runs):.2f} ({statistics.median(c for _, c in runs):.2f})"]

    rows = [row(f"copydesk tag DIR --add {TAG} -q", ours), row(f"python -m bench.naive tag DIR {TAG}", theirs)]
    header = ["command (fresh copy, no index)", *(f"run {i + 1} s (cpu s)" for i in range(args.repeat)), "median s (cpu s)"]
    print(markdown_table(header, rows))
    print(f"\nratio copydesk / naive, wall: {statistics.median(ratios):.2f} (runs: {', '.join(f'{r:.2f}' for r in ratios)}); "
          f"cpu: {statistics.median(cpu_ratios):.2f} (runs: {', '.join(f'{r:.2f}' for r in cpu_ratios)}); "
          f"{args.count:,} articles; load average {os.getloadavg()[0]:.2f}; "
          f"command: python -m bench.bench_tag --count {args.count} --repeat {args.repeat}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
