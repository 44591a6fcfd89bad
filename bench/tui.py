"""TUI startup, filter-keystroke and cursor-move latency on generated folders (headless).

    python -m bench.tui --counts 1000 10000 --repeat 3

- startup: a fresh process (interpreter, imports, app) until every article is loaded and
  the list is painted; measured from just before the process is spawned.
- filter keystroke: typing a query one key at a time into the filter box; each key is timed
  inside the app from the key event to the first list line painted after the filtered view
  reached the list (Pilot's own per-press overhead is not counted; the reader and editor
  follow the cursor ~50 ms later on purpose and are not part of it).
- cursor move: ``j`` presses, from the key event to the first list line painted after the
  cursor moved.
Prints medians (and every run) as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import copydesk_env, folder, machine_line, markdown_table

QUERY = "tag:asia sentiment:negative"


def startup_once(path: Path) -> float:
    started = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "bench.tui", "--child", str(path), repr(started)],
        capture_output=True,
        text=True,
        check=True,
        env=copydesk_env(),
    )
    return float(out.stdout.strip().splitlines()[-1])


async def _child(path: Path, started: float) -> None:
    from core.config import load_config
    from tui.app import CopydeskApp

    app = CopydeskApp(path.resolve(), load_config(path))
    async with app.run_test(size=(160, 45)) as pilot:
        screen = app.main_screen
        while screen.load_progress is not None or screen.list.shown == 0:
            await pilot.pause(0.005)
        await pilot.pause()
        print(time.time() - started)


async def latencies(path: Path) -> tuple[list[float], list[float]]:
    """(per filter keystroke, per cursor move) latencies in seconds."""
    from textual import events

    from core.config import load_config
    from tui.app import CopydeskApp
    from tui.widgets.article_list import ArticleList

    marks: dict[str, float] = {}
    original = ArticleList.render_line
    original_show = ArticleList.show
    original_watch = ArticleList.watch_cursor

    def timed(self, y):  # the first list line painted once the key's effect reached the list
        strip = original(self, y)
        if "applied" in marks and "paint" not in marks:
            marks["paint"] = time.perf_counter()
        return strip

    def show(self, *args, **kwargs):
        original_show(self, *args, **kwargs)
        marks.setdefault("applied", time.perf_counter())

    def watch_cursor(self, old, new):
        original_watch(self, old, new)
        marks.setdefault("applied", time.perf_counter())

    def hook(message) -> None:
        if isinstance(message, events.Key) and "key" not in marks:
            marks["key"] = time.perf_counter()

    ArticleList.render_line = timed  # type: ignore[method-assign]
    ArticleList.show = show  # type: ignore[method-assign]
    ArticleList.watch_cursor = watch_cursor  # type: ignore[method-assign]
    try:
        app = CopydeskApp(path.resolve(), load_config(path))
        async with app.run_test(size=(160, 45), message_hook=hook) as pilot:
            screen = app.main_screen
            while screen.load_progress is not None or screen.list.shown == 0:
                await pilot.pause(0.01)
            await pilot.press("slash")
            await app.workers.wait_for_complete()
            filter_times: list[float] = []
            for char in QUERY:
                marks.clear()
                await pilot.press(char)
                await app.workers.wait_for_complete()
                await pilot.pause(0.02)
                if "paint" in marks and "key" in marks:
                    filter_times.append(marks["paint"] - marks["key"])
            await pilot.press("escape")  # clears the filter: the whole list again
            await app.workers.wait_for_complete()
            await pilot.pause(0.1)
            move_times: list[float] = []
            for _ in range(30):
                marks.clear()
                await pilot.press("j")
                await pilot.pause(0.08)
                if "paint" in marks and "key" in marks:
                    move_times.append(marks["paint"] - marks["key"])
            return filter_times, move_times
    finally:
        ArticleList.render_line = original  # type: ignore[method-assign]
        ArticleList.show = original_show  # type: ignore[method-assign]
        ArticleList.watch_cursor = original_watch  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.split("\n\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("PATH", "STARTED"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        asyncio.run(_child(Path(args.child[0]), float(args.child[1])))
        return 0
    rows = []
    for count in args.counts:
        path = folder(count, hugo_safe=False)
        startup_once(path)  # warm the page cache and the bytecode
        startups = [startup_once(path) for _ in range(args.repeat)]
        filters: list[float] = []
        moves: list[float] = []
        for _ in range(args.repeat):
            f, m = asyncio.run(latencies(path))
            filters += f
            moves += m
        rows.append(
            (
                f"{count:,}",
                f"{statistics.median(startups):.2f} s ({', '.join(f'{s:.2f}' for s in startups)})",
                f"{statistics.median(filters) * 1000:.1f} ms (max {max(filters) * 1000:.0f})",
                f"{statistics.median(moves) * 1000:.1f} ms (max {max(moves) * 1000:.0f})",
            )
        )
    print(machine_line())
    print(f"query typed: {QUERY!r}, {len(QUERY)} keystrokes per run; {args.repeat} runs")
    print(markdown_table(("articles", "startup to full list (median)", "filter keystroke (median)", "cursor move (median)"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
