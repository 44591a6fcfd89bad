"""Benchmark: the terminal UI in a real terminal (tmux), a filter typed as soon as the first
rows show, as a person would.

    python -m bench.tmux_filter [--size 50000] [--launches 3] [--query tag:ASIA] [--index-from-check | --no-index]

For each launch: ``copydesk FOLDER`` starts in a tmux pane (120x35); as soon as the pane
shows the list's count, ``/``, the query and ``enter`` are typed; the pane is read every
50 ms until its status line shows the filtered count (computed first with ``copydesk list
--where QUERY --format paths``) and does not say the list is partial. Prints, per launch
and as medians: first rows (from the launch), the first answer marked partial (if any),
answered (from the launch) and answered after the keys were typed.
``--index-from-check``: the index folder is deleted and ``copydesk check`` run before every
launch (the first start after a check); ``--no-index``: the index folder is deleted before
every launch; else every launch finds what the previous left (a session's saved list).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

from .common import PROJECT_DIR, copydesk_env, folder, machine_line, warm_page_cache


def _pane(name: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout


def _wait(name: str, needle: str, timeout: float) -> float | None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if needle in _pane(name):
            return time.monotonic()
        time.sleep(0.05)
    return None


def _status(pane: str) -> str:
    """The status line (the one with the list's count)."""
    return next((line for line in pane.splitlines() if " shown" in line), "")


def _wait_answer(name: str, needle: str, timeout: float) -> tuple[float | None, float | None, str]:
    """(when the status line showed a filtered list marked partial, first; when it showed
    ``needle`` not marked partial; the last partial status line seen)."""
    end = time.monotonic() + timeout
    partial, seen = None, ""
    while time.monotonic() < end:
        status = _status(_pane(name))
        if "partial" in status:
            if partial is None and "filter:" in status:
                partial = time.monotonic()
            seen = status.strip()
        elif needle in status:
            return partial, time.monotonic(), seen
        time.sleep(0.05)
    return partial, None, seen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tmux_filter", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--launches", type=int, default=3)
    parser.add_argument("--query", default="tag:ASIA")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=180.0)
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--index-from-check", action="store_true")
    start.add_argument("--no-index", action="store_true")
    args = parser.parse_args(argv)
    if shutil.which("tmux") is None:
        print("tmux is not installed", file=sys.stderr)
        return 1
    root = folder(args.size, args.seed)
    env = copydesk_env()
    cli = [sys.executable, "-m", "core.cli.main"]
    listed = subprocess.run([*cli, "list", str(root), "--where", args.query, "--format", "paths"],
                            capture_output=True, text=True, env=env, cwd=PROJECT_DIR)
    expected = len(listed.stdout.splitlines())
    total = len(subprocess.run([*cli, "list", str(root), "--format", "paths"], capture_output=True, text=True,
                               env=env, cwd=PROJECT_DIR).stdout.splitlines())
    print(machine_line())
    print(f"{args.query}: {expected:,} of {total:,} articles")
    print("start: " + ("the first after a `check`" if args.index_from_check else "no index" if args.no_index
                       else "after the last launch's session"))
    firsts, partials, answers, afters = [], [], [], []
    for launch in range(args.launches):
        if args.index_from_check or args.no_index:
            shutil.rmtree(root / ".copydesk" / "index", ignore_errors=True)
        if args.index_from_check:
            subprocess.run([*cli, "check", str(root)], capture_output=True, env=env, cwd=PROJECT_DIR)
        warm_page_cache(root)
        name = f"copydesk-bench-{launch}-{int(time.time())}"
        command = " ".join([sys.executable, "-m", "tui.launch", str(root)])
        started = time.monotonic()
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "35",
                        f"cd {PROJECT_DIR} && PYTHONPATH={PROJECT_DIR} {command}"], check=True, env=env)
        try:
            first = _wait(name, " shown", args.timeout)
            if first is None:
                print(f"launch {launch + 1}: no rows within {args.timeout:.0f} s", file=sys.stderr)
                continue
            subprocess.run(["tmux", "send-keys", "-t", name, "/"], check=True)
            subprocess.run(["tmux", "send-keys", "-t", name, "-l", args.query], check=True)
            subprocess.run(["tmux", "send-keys", "-t", name, "Enter"], check=True)
            typed = time.monotonic()
            partial, answered, seen = _wait_answer(name, f"{expected:,}/{total:,} shown", args.timeout)
        finally:
            subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
        if answered is None:
            print(f"launch {launch + 1}: not answered within {args.timeout:.0f} s", file=sys.stderr)
            continue
        firsts.append(first - started)
        answers.append(answered - started)
        afters.append(answered - typed)
        said = "no partial answer"
        if partial is not None:
            partials.append(partial - typed)
            said = f"a partial answer {partial - typed:.2f} s after typing (last seen: {seen})"
        print(f"launch {launch + 1}: first rows {first - started:.2f} s, answered {answered - started:.2f} s "
              f"after launch, {answered - typed:.2f} s after typing; {said}")
    if answers:
        print(f"median of {len(answers)}: first rows {statistics.median(firsts):.2f} s, answered "
              f"{statistics.median(answers):.2f} s after launch, {statistics.median(afters):.2f} s after typing"
              + (f"; partial answers in {len(partials)} launches, {statistics.median(partials):.2f} s after typing"
                 if partials else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
