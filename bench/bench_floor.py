"""Benchmark: ``copydesk check --no-cache`` next to its floor, a two-process yaml-rs parse
of every front matter (``bench.yaml_floor``), in the same run.

    python -m bench.bench_floor [--size 50000] [--repeat 3] [--other CHECKOUT]

On the generated folder of ``--size`` articles (page cache warmed first), the commands run
in turn, round after round (floor, check, [other check]), ``--repeat`` rounds: the floor
(``python -m bench.yaml_floor FOLDER``) and ``python -m core.cli.main check --no-cache
FOLDER`` (its output read and thrown away). ``--other`` adds the same check run from
another checkout of copydesk (its folder put first on ``PYTHONPATH``), e.g. the main branch,
to compare two versions in one sitting. Prints for each command the median wall and CPU
seconds (command and its worker processes), microseconds of CPU per article, peak RSS, and
the ratios to the floor (medians of the per-round ratios: a round's commands run
seconds apart, under the same load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from .common import (
    PROJECT_DIR,
    copydesk_env,
    folder,
    machine_line,
    markdown_table,
    run_measured,
    warm_page_cache,
)


def _env(checkout: Path) -> dict[str, str]:
    env = copydesk_env()
    env["PYTHONPATH"] = str(checkout) + os.pathsep + os.environ.get("PYTHONPATH", "")
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50000, help="articles in the generated folder")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (medians reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--other", type=Path, help="another checkout of copydesk whose check runs beside this one's")
    args = parser.parse_args(argv)
    root = folder(args.size, args.seed)
    warm_page_cache(root)
    print(machine_line())
    check = [sys.executable, "-m", "core.cli.main", "check", "--no-cache", str(root)]
    # Each command runs from its checkout's folder: ``python -m`` looks there first.
    commands: list[tuple[str, list[str], Path]] = [
        ("floor: yaml-rs, 2 processes", [sys.executable, "-m", "bench.yaml_floor", str(root)], PROJECT_DIR),
        ("copydesk check --no-cache", check, PROJECT_DIR),
    ]
    if args.other is not None:
        commands.append((f"copydesk check --no-cache ({args.other.name})", check, args.other.resolve()))
    runs: dict[str, list[dict[str, object]]] = {name: [] for name, _, _ in commands}
    for round_ in range(args.repeat):
        for name, cmd, checkout in commands:
            result = run_measured(cmd, cwd=checkout, env=_env(checkout))
            if result["rc"] not in (0, 1):
                print(f"failed ({result['rc']}): {' '.join(cmd)}\n{result['stderr']}", file=sys.stderr)
                return 1
            runs[name].append(result)
            print(f"round {round_ + 1}: {name}: {float(result['seconds']):.2f} s wall, {float(result['cpu_seconds']):.2f} s cpu",
                  file=sys.stderr)
    floor = runs[commands[0][0]]
    rows = []
    for name, _, _ in commands:
        got = runs[name]
        wall = statistics.median(float(r["seconds"]) for r in got)
        cpu = statistics.median(float(r["cpu_seconds"]) for r in got)
        wall_ratio = statistics.median(float(r["seconds"]) / float(f["seconds"]) for r, f in zip(got, floor, strict=True))
        cpu_ratio = statistics.median(float(r["cpu_seconds"]) / float(f["cpu_seconds"]) for r, f in zip(got, floor, strict=True))
        rows.append([name, f"{wall:.2f} ({min(float(r['seconds']) for r in got):.2f}-{max(float(r['seconds']) for r in got):.2f})",
                     f"{cpu:.2f}", f"{cpu / args.size * 1e6:.0f}", f"{max(int(r['maxrss_kb']) for r in got) / 1024:.0f}",
                     f"{wall_ratio:.2f}", f"{cpu_ratio:.2f}"])
    print()
    print(markdown_table(["command", "wall s median (min-max)", "cpu s", "cpu us/article", "peak RSS MB", "wall / floor", "cpu / floor"], rows))
    print(f"\n{args.size:,} articles, medians of {args.repeat} rounds; "
          f"command: python -m bench.bench_floor --size {args.size} --repeat {args.repeat}" + (" --other CHECKOUT" if args.other else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
