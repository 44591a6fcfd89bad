"""Benchmark: the TUI on 1k/10k/50k articles, headless (``App.run_test``), timed inside the app.

    python -m bench.bench_tui [--sizes 1000,10000,50000] [--presses 20] [--timeout 240]

Each size runs in its own process (so peak RSS is that size's) and reports:

- *import*: importing Python, Textual and the app (measured in a separate process);
- *first rows*: from process start to the first screen update that shows list rows;
- *full list*: from process start to the first screen update after every article is loaded
  and listed (the list is then interactive with everything in it);
- *cursor*: from the dispatch of a ``j`` key event to the end of the next screen update
  (the compositor has rendered the changed lines; headless, nothing is written to a terminal);
- *filters ready*: from process start to the end of the metadata pass (the values every
  filter can read are in memory; until then a filter on them says it is waiting);
- *filter*: from the dispatch of each key typed into the filter box to the end of the screen
  update that shows that keystroke's filtered list (filtering runs in a worker thread);
  a keystroke not answered within 10 s is counted as unanswered instead;
- peak RSS (``ru_maxrss``) of the process.

``--index-from-check``: before every launch the index folder is deleted and ``copydesk
check`` run once, so each start finds only what the core's check pass leaves (no saved list,
no values kept by a session before): the first start after a check.

Screen updates are observed by wrapping the app's ``_display`` (where Textual hands a
rendered update to the driver) and key events by ``run_test``'s ``message_hook``, so
Pilot's own ~45 ms per press is not counted. Medians and 90th percentiles over the presses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from core.config import load_config
from core.index import index_path

from .common import copydesk_env, folder, machine_line, markdown_table, warm_page_cache

FILTER_TEXT = "bitcoin"
CURSOR_KEY = "j"


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _measure(root: Path, presses: int, launched_wall: float, timeout: float, settle: float,
                   start_only: bool = False) -> dict[str, object]:
    from tui.app import CopydeskApp  # before Textual itself: the app sets Textual's frame rate

    # isort: split
    from textual import events

    from core.config import load_config

    config = load_config(root)
    app = CopydeskApp(root.resolve(), config)
    displays: list[float] = []
    keys: list[float] = []
    marks: dict[str, float] = {}
    original_display = app._display

    def spy(screen, renderable) -> None:  # noqa: ANN001 - Textual's private signature
        original_display(screen, renderable)
        now = time.perf_counter()
        displays.append(now)
        main = app.main_screen
        try:
            shown = main.list.shown
        except Exception:  # noqa: BLE001 - not composed yet
            return
        if shown and "first_rows" not in marks:
            marks["first_rows"] = now
            marks["first_rows_wall"] = time.time()
        if "full" not in marks and main.load_progress is None and shown == len(main.ws.articles) and shown:
            marks["full"] = now
            marks["full_wall"] = time.time()

    app._display = spy  # type: ignore[method-assign]

    def hook(message) -> None:  # noqa: ANN001
        if isinstance(message, events.Key):
            keys.append(time.perf_counter())

    shown_views: list[tuple[float, str]] = []
    main = app.main_screen
    original_show_view = main._show_view

    def show_view_spy(*args, **kwargs) -> None:  # noqa: ANN002, ANN003 - whatever the screen's takes
        original_show_view(*args, **kwargs)
        shown_views.append((time.perf_counter(), main.ws.query))

    main._show_view = show_view_spy  # type: ignore[method-assign]
    original_metadata_loaded = main._metadata_loaded

    def metadata_loaded_spy(*args) -> None:  # noqa: ANN002
        original_metadata_loaded(*args)
        marks.setdefault("metadata_wall", time.time())

    main._metadata_loaded = metadata_loaded_spy  # type: ignore[method-assign]

    started = time.perf_counter()
    result: dict[str, object] = {}
    async with app.run_test(size=(160, 50), message_hook=hook) as pilot:
        while True:
            # With a warm index the first rows are the full list: the same paint sets both.
            if start_only and "first_rows" in marks:
                # Only the start is measured: print and leave without waiting for the
                # folder's check or the metadata pass (threads and worker processes).
                print(json.dumps({"first_rows_s": marks["first_rows_wall"] - launched_wall}), flush=True)
                os._exit(0)
            if "full" in marks:
                break
            if time.perf_counter() - started > timeout:
                result["timeout"] = True
                break
            # A plain sleep, not pilot.pause(): that waits for every widget to process a
            # callback and forces a repaint, which during start-up both distorts the time
            # measured and, now and then, waited 30 s for a widget mounted meanwhile.
            await asyncio.sleep(0.01)
        result["articles"] = len(main.ws.articles)
        if "full" in marks:
            result["full_s"] = marks["full_wall"] - launched_wall
            result["first_rows_s"] = marks["full_wall"] - launched_wall - (marks["full"] - marks["first_rows"])
            await pilot.pause(0.2)
            # cursor moves
            cursor: list[float] = []
            main.list.focus()
            await pilot.pause(0.1)
            moves: list[float] = []
            original_move = main.list.move

            def move_spy(delta: int) -> None:
                moves.append(time.perf_counter())
                original_move(delta)

            main.list.move = move_spy  # type: ignore[method-assign]
            handled: list[float] = []
            for _ in range(presses):
                before_keys, before_displays, before_moves = len(keys), len(displays), len(moves)
                # "j" (the arrow key is taken by the scroll view's own binding, see the README)
                await pilot.press(CURSOR_KEY)
                deadline = time.perf_counter() + 2
                while (len(displays) == before_displays or len(keys) == before_keys) and time.perf_counter() < deadline:
                    await pilot.pause(0.005)
                key_at = keys[before_keys]
                after = [d for d in displays[before_displays:] if d >= key_at]
                if after:
                    cursor.append(after[0] - key_at)
                if len(moves) > before_moves:
                    handled.append(moves[before_moves] - key_at)
                await pilot.pause(settle)  # let the reader and editor follow, as a user reading would
            result["cursor_ms"] = [c * 1e3 for c in cursor]
            result["cursor_handled_ms"] = [c * 1e3 for c in handled]
            # typing into the filter box
            await pilot.press("slash")
            await pilot.pause(0.2)
            typing: list[float] = []
            typed = 0
            text = ""
            for char in (FILTER_TEXT * (presses // len(FILTER_TEXT) + 1))[: max(presses, len(FILTER_TEXT))]:
                if len(text) >= len(FILTER_TEXT):
                    # clear and retype so every keystroke filters the whole list again
                    for _ in text:
                        await pilot.press("backspace")
                    await pilot.pause(0.3)
                    text = ""
                text += char
                typed += 1
                before_keys = len(keys)
                await pilot.press(char)
                deadline = time.perf_counter() + 10
                done_at = None
                while time.perf_counter() < deadline:
                    views = [t for t, q in shown_views if q == text and len(keys) > before_keys and t >= keys[before_keys]]
                    if views:
                        later = [d for d in displays if d >= views[0]]
                        if later:
                            done_at = later[0]
                            break
                    await pilot.pause(0.005)
                if done_at is not None:
                    typing.append(done_at - keys[before_keys])
            result["filter_ms"] = [t * 1e3 for t in typing]
            result["filter_unanswered"] = typed - len(typing)
        if "metadata_wall" in marks:
            result["metadata_s"] = marks["metadata_wall"] - launched_wall
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_one(count: int, presses: int, timeout: float, launched_wall: float, seed: int, settle: float,
            start_only: bool = False) -> dict[str, object]:
    root = folder(count, seed)
    return asyncio.run(_measure(root, presses, launched_wall, timeout, settle, start_only))


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import tui.app; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=copydesk_env(), check=True)
    return float(out.stdout.strip())


def _launch(count: int, args: argparse.Namespace, drop: Path | None, *extra: str) -> subprocess.CompletedProcess[str]:
    """One measuring process for ``count`` articles (after deleting the index folder ``drop``)."""
    if drop is not None:
        shutil.rmtree(drop, ignore_errors=True)
    if args.index_from_check:
        root = folder(count, args.seed)
        shutil.rmtree(index_path(load_config(root)).parent, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "core.cli.main", "check", str(root)], capture_output=True, env=copydesk_env(),
                       cwd=Path(__file__).resolve().parents[1])
    warm_page_cache(folder(count, args.seed))  # as the goals say: every launch finds the files in memory
    launched = time.time()
    return subprocess.run(
        [sys.executable, "-m", "bench.bench_tui", "--one", str(count), "--presses", str(args.presses),
         "--timeout", str(args.timeout), "--seed", str(args.seed), "--settle", str(args.settle),
         "--launched", repr(launched), *extra],
        capture_output=True, text=True, env=copydesk_env(), cwd=Path(__file__).resolve().parents[1],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_tui", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--presses", type=int, default=20, help="key presses per latency measurement")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for the full list")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--settle", type=float, default=1.0, help="seconds between cursor presses (the panes follow the cursor)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: measure one size, print JSON
    parser.add_argument("--launched", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--start-only", action="store_true", help=argparse.SUPPRESS)  # internal: stop at the first rows
    parser.add_argument("--starts", type=int, default=4,
                        help="extra launches per size that time only the first rows, in the same mode (with or "
                             "without an index) as the measured run; first rows is the median of all launches")
    parser.add_argument("--index-from-check", action="store_true",
                        help="start every launch with only the index one `copydesk check` leaves")
    args = parser.parse_args(argv)
    if args.one:
        import tui

        tui.hold_gc()  # as `copydesk PATH` does before importing Textual
        result = run_one(args.one, args.presses, args.timeout, args.launched or time.time(), args.seed, args.settle,
                         args.start_only)
        print(json.dumps(result))
        return 0
    print(machine_line())
    imports = statistics.median(import_seconds() for _ in range(3))
    rows = []
    for count in (int(s) for s in args.sizes.split(",") if s):
        root = folder(count, args.seed)  # generate outside the timed process
        index_folder = index_path(load_config(root)).parent
        with_index = index_folder.exists() or args.index_from_check  # else every launch of this size starts without one

        # The start is the noisiest figure: time it over several launches (before the measured
        # run, which leaves the index and the saved list complete for the next run).
        starts: list[float] = []
        for _ in range(args.starts):
            started = _launch(count, args, None if with_index else index_folder, "--start-only")
            if started.returncode == 0:
                starts.append(json.loads(started.stdout.strip().splitlines()[-1])["first_rows_s"])
        proc = _launch(count, args, None if with_index else index_folder)
        if proc.returncode != 0:
            print(f"{count}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        cursor = r.get("cursor_ms") or [float("nan")]
        handled = r.get("cursor_handled_ms") or [float("nan")]
        typing = r.get("filter_ms") or [float("nan")]
        if "first_rows_s" in r:
            starts.append(r["first_rows_s"])
        rows.append([
            f"{count:,}",
            "from check" if args.index_from_check else "with" if with_index else "without",
            f"{statistics.median(starts):.2f} ({', '.join(f'{t:.2f}' for t in starts)})" if starts else "n/a",
            f"{r['full_s']:.2f}" if "full_s" in r else f"> {args.timeout:.0f}",
            f"{statistics.median(cursor):.1f} / {_quantile(cursor, 0.9):.1f}",
            f"{statistics.median(handled):.1f}",
            f"{r['metadata_s']:.2f}" if "metadata_s" in r else "n/a",
            f"{statistics.median(typing):.1f} / {_quantile(typing, 0.9):.1f}"
            + (f" ({r['filter_unanswered']} unanswered)" if r.get("filter_unanswered") else ""),
            f"{r['maxrss_mb']:.0f}",
        ])
    print(f"import python + textual + app: {imports:.2f} s (median of 3)")
    print(markdown_table(
        ["files", "index", "first rows: median (each launch) s", "full list (s)", "cursor ms (median / p90)", "key to handler ms", "filters ready (s)", "filter keystroke ms (median / p90)", "peak RSS (MB)"],
        rows,
    ))
    print(f"\nCommand: python -m bench.bench_tui --sizes {args.sizes} --presses {args.presses} --settle {args.settle} "
          f"--starts {args.starts}" + (" --index-from-check" if args.index_from_check else ""))
    return 0


if __name__ == "__main__":
    sys.exit(os.EX_OK if main() == 0 else 1)
