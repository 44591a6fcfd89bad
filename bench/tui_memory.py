"""Benchmark: the terminal UI's memory in a real terminal (tmux), its whole process tree.

    python -m bench.tui_memory [--size 50000] [--launches 3] [--only none|check]

For each launch: ``copydesk FOLDER`` starts in a tmux pane (120x35), as a person would
start it; every 100 ms the PSS (``/proc/PID/smaps_rollup``) of the app's process and of
every process below it (the worker processes) is read and summed, from the launch until the
start-up is over: the list complete and the metadata pass done (the status line shows the
count and no phase: loading, checking, reading metadata) for 2 s in a row. Prints, per
launch and as medians of the launches: the tree's peak, the app process's peak, the
workers' peak (summed at one sample), and when the first rows showed. Two cases, in turn:
"no index" (the index folder deleted before each launch) and "index present" (deleted,
then one ``copydesk check``, before each launch: no TUI session's saved list or values).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import PROJECT_DIR, copydesk_env, folder, machine_line, warm_page_cache

BUSY = ("loading", "checking the folder", "reading metadata")
SETTLE = 2.0  # seconds the status line must show no phase before the start-up counts as over


def _pane(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _children() -> dict[int, list[int]]:
    """Every process's children, by parent pid."""
    below: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        below.setdefault(parent, []).append(int(entry.name))
    return below


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _sample(main: int) -> tuple[int, int]:
    """PSS in kB of ``main`` and of all its descendants, summed."""
    below = _children()
    workers, stack = 0, list(below.get(main, []))
    while stack:
        pid = stack.pop()
        workers += _pss_kb(pid)
        stack += below.get(pid, [])
    return _pss_kb(main), workers


def launch(root: Path, timeout: float) -> dict[str, float] | None:
    """One launch in tmux, sampled until start-up is over: peaks in MB, first rows in s."""
    name = f"copydesk-mem-{os.getpid()}-{time.monotonic_ns()}"
    command = f"cd {PROJECT_DIR} && exec {sys.executable} -m tui.launch {root}"
    started = time.monotonic()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "35", command],
                   check=True, env=copydesk_env())
    try:
        main = int(subprocess.run(["tmux", "display-message", "-p", "-t", name, "#{pane_pid}"],
                                  capture_output=True, text=True, check=True).stdout)
        peak = peak_main = peak_workers = 0
        first = idle_since = None
        next_at = time.monotonic()
        while time.monotonic() - started < timeout:
            own, workers = _sample(main)
            peak, peak_main, peak_workers = max(peak, own + workers), max(peak_main, own), max(peak_workers, workers)
            now = time.monotonic()
            status = _pane(name)
            if " shown" in status:
                if first is None:
                    first = now - started
                if any(word in status for word in BUSY):
                    idle_since = None
                elif idle_since is None:
                    idle_since = now
                elif now - idle_since >= SETTLE:
                    return {"tree": peak / 1024, "main": peak_main / 1024, "workers": peak_workers / 1024,
                            "first": first, "ready": idle_since - started}
            next_at += 0.1
            time.sleep(max(0.0, next_at - time.monotonic()))
        return None
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui_memory", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--only", choices=("none", "check"), help="one case only: no index, or index present")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 1
    root = folder(args.size, args.seed)
    cli = [sys.executable, "-m", "core.cli.main"]
    print(machine_line())
    cases = [("no index", False), ("index present", True)]
    for label, check in cases if args.only is None else [cases[args.only == "check"]]:
        results = []
        for number in range(args.launches):
            shutil.rmtree(root / ".copydesk", ignore_errors=True)
            if check:
                subprocess.run([*cli, "check", str(root)], capture_output=True, env=copydesk_env(), cwd=PROJECT_DIR)
            warm_page_cache(root)
            result = launch(root, args.timeout)
            if result is None:
                print(f"{label}, launch {number + 1}: start-up not over within {args.timeout:.0f} s", file=sys.stderr)
                continue
            results.append(result)
            print(f"{label}, launch {number + 1}: tree {result['tree']:.0f} MB (app {result['main']:.0f}, "
                  f"workers {result['workers']:.0f}), first rows {result['first']:.2f} s, ready {result['ready']:.1f} s")
        if results:
            med = {key: statistics.median(r[key] for r in results) for key in results[0]}
            print(f"{label}, median of {len(results)}: tree {med['tree']:.0f} MB (app {med['main']:.0f}, "
                  f"workers {med['workers']:.0f}), first rows {med['first']:.2f} s, ready {med['ready']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
