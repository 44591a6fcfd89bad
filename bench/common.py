"""Helpers shared by the benchmark scripts: cached generated folders, timing, memory, tables."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .generate import BROKEN_KINDS, HUGO_FATAL_KINDS, generate

BENCH_DIR = Path(__file__).resolve().parent
OUT_DIR = BENCH_DIR / "out"  # git-ignored
PROJECT_DIR = BENCH_DIR.parent


def folder(count: int, seed: int = 0, hugo_safe: bool = True) -> Path:
    """A generated folder of ``count`` articles, generated once and reused from ``bench/out/``.

    ``hugo_safe`` leaves out the breakages that make Hugo stop (invalid YAML, unclosed front
    matter, Latin-1 bytes) so that ``hugo list all`` can run on the very same folder.
    """
    kinds = tuple(k for k in BROKEN_KINDS if k not in HUGO_FATAL_KINDS) if hugo_safe else BROKEN_KINDS

    def make(partial: Path) -> str:
        stats = generate(partial, count, seed, broken_kinds=kinds)
        return f"{stats.files} files, {stats.bytes / 1e6:.0f} MB"

    return cached_folder(f"articles-{count}-s{seed}{'-hugo' if hugo_safe else ''}", make)


def cached_folder(name: str, make: Callable[[Path], str]) -> Path:
    """``bench/out/folders/NAME``, made once by ``make`` (which writes the folder it is given
    and says what it wrote) and reused."""
    target = OUT_DIR / "folders" / name
    if target.is_dir():
        return target
    partial = target.with_name(name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    started = time.perf_counter()
    what = make(partial)
    partial.rename(target)  # only a complete folder ever has the final name
    print(f"generated {target} ({what}) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return target


def warm_page_cache(root: Path) -> None:
    """Read every file once so that every tool starts from the same warm page cache (this
    machine's memory manager evicts pages it has not seen used for a while: a 50,000-file
    folder read cold took 3-5 times as long)."""
    for path in root.rglob("*"):
        if path.is_file():
            path.read_bytes()


def median_time(run: Callable[[], object], repeat: int, before: Callable[[], object] | None = None) -> tuple[float, list[float]]:
    """Median wall time of ``run`` over ``repeat`` runs (``before`` runs untimed before each)."""
    times: list[float] = []
    for _ in range(repeat):
        if before is not None:
            before()
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


_RSS_HELPER = r"""
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
started = time.perf_counter()
proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
elapsed = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed, "rc": proc.returncode, "maxrss_kb": usage.ru_maxrss,
                  "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "stderr": proc.stderr.decode(errors="replace")[-500:]}))
"""


def run_measured(cmd: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> dict[str, object]:
    """Run ``cmd`` under a fresh helper process: wall seconds, CPU seconds (user + system of
    the command and every process it waited for, e.g. parsing workers), exit code, peak RSS
    (KB) of the largest of those processes (``ru_maxrss``), stderr tail.

    CPU seconds are much less disturbed than wall time when other work shares the machine."""
    helper = subprocess.run(
        [sys.executable, "-c", _RSS_HELPER, json.dumps(list(cmd))],
        cwd=cwd, env=env, capture_output=True, text=True, check=True,
    )
    return json.loads(helper.stdout)


def copydesk_env() -> dict[str, str]:
    """The environment for copydesk subprocesses (the project importable, no colour)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_DIR) + os.pathsep + env.get("PYTHONPATH", "")
    env["NO_COLOR"] = "1"
    # As installed: modules compiled once and cached (without it every start of the
    # command would be timed compiling copydesk's modules from source).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine_line() -> str:
    """One line naming the Python, the CPU count and the load (figures are noisy on shared machines)."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}"
