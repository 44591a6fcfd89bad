"""Benchmark: ``list --where`` and ``tags`` with an index left by one ``copydesk check``, beside
reading every file.

    python -m bench.bench_list [--sizes 50000] [--repeat 3] [--no-naive]

For each size, in one run on the same generated folder (page cache warmed first): the index
is removed and ``copydesk check`` run once, so the index and the values kept beside it are
what the core's check pass leaves (no terminal-UI session before). Then, each ``--repeat``
times, in turn:

- ``copydesk check`` with that index (the floor: start-up, reading the index, walking the folder);
- ``copydesk list --where 'tag:ASIA sentiment:NEGATIVE'``, ``copydesk tags``, ``copydesk tags --similar``
  (answered from the index and its kept values);
- ``copydesk list --where ... --format json``: the JSON holds every article's whole metadata, so
  it reads every file: what ``list --where`` did before it was answered from the index;
- ``python -m bench.naive list`` / ``tags``: python-frontmatter's ``load`` of every file and the
  same filter or count (the peer).

Prints medians (wall seconds, CPU seconds of the command and its workers, peak RSS) and
each command's ratio to the warm ``check`` of the same run.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from .bench_check import measure
from .common import (
    copydesk_env,
    folder,
    machine_line,
    markdown_table,
    run_measured,
    warm_page_cache,
)

QUERY = "tag:ASIA sentiment:NEGATIVE"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_list", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="50000", help="comma-separated folder sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-naive", action="store_true", help="skip the python-frontmatter peer")
    args = parser.parse_args(argv)
    print(machine_line())
    copydesk = [sys.executable, "-m", "core.cli.main"]
    rows = []
    for count in (int(s) for s in args.sizes.split(",") if s):
        root = folder(count, args.seed)
        warm_page_cache(root)
        shutil.rmtree(root / ".copydesk" / "index", ignore_errors=True)
        run_measured([*copydesk, "check", str(root)], env=copydesk_env())  # the index, as one check leaves it
        commands: list[tuple[str, list[str], tuple[int, ...]]] = [
            ("copydesk check (warm index: the floor)", [*copydesk, "check", str(root)], (0, 1)),
            (f"copydesk list --where '{QUERY}'", [*copydesk, "list", str(root), "--where", QUERY], (0,)),
            ("copydesk tags", [*copydesk, "tags", str(root)], (0,)),
            ("copydesk tags --similar", [*copydesk, "tags", str(root), "--similar"], (0,)),
            ("copydesk list --where ... --format json (reads every file)",
             [*copydesk, "list", str(root), "--where", QUERY, "--format", "json"], (0,)),
        ]
        if not args.no_naive:
            commands += [
                ("python-frontmatter: load every file, same filter", [sys.executable, "-m", "bench.naive", "list", str(root), "ASIA", "NEGATIVE"], (0,)),
                ("python-frontmatter: load every file, count tags", [sys.executable, "-m", "bench.naive", "tags", str(root)], (0,)),
            ]
        results = {name: measure(cmd, args.repeat, ok=ok) for name, cmd, ok in commands}
        floor = results[commands[0][0]]
        for name, _, _ in commands:
            m = results[name]
            if m is None:
                rows.append((f"{count:,}", name, "failed", "", "", ""))
                continue
            ratio = f"{m['median'] / floor['median']:.2f}" if floor else "n/a"
            rows.append((f"{count:,}", name, f"{m['median']:.2f} ({m['min']:.2f}-{m['max']:.2f})", f"{m['cpu']:.2f}",
                         f"{m['rss']:.0f}", ratio))
    print()
    print(markdown_table(("files", "command", "wall s median (min-max)", "cpu s", "peak RSS MB", "/ warm check"), rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
