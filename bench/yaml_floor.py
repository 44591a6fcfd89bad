"""The floor ``check --no-cache`` is measured against: two processes, each reading its half
of a folder's articles and parsing each front matter with yaml-rs (the parser copydesk
uses), nothing else.

    python -m bench.yaml_floor FOLDER [--processes 2]

The parent lists the Markdown files (``os.walk``), forks the processes, each takes every
other file of the sorted list, reads it, cuts the YAML between the ``---`` lines and hands
it to ``yaml_rs.load`` (date-times kept as strings, as copydesk asks). Prints the files,
how many front matters parsed and how many did not.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys

import yaml_rs


def _parse_share(args: tuple[list[str], int, int]) -> tuple[int, int]:
    """(parsed, failed) for every ``step``-th path from ``start``."""
    paths, start, step = args
    parsed = failed = 0
    for path in paths[start::step]:
        with open(path, "rb") as f:
            data = f.read()
        if not data.startswith(b"---\n"):
            failed += 1
            continue
        end = data.find(b"\n---", 3)
        if end < 0:
            failed += 1
            continue
        try:
            yaml_rs.load(data[4 : end + 1], parse_datetime=False)
        except Exception:  # noqa: BLE001 - a broken front matter counts, it does not stop the floor
            failed += 1
            continue
        parsed += 1
    return parsed, failed


def article_paths(root: str) -> list[str]:
    """The ``.md`` files under ``root``, sorted, the state folder left out."""
    out = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        out.extend(os.path.join(folder, name) for name in files if name.endswith(".md"))
    out.sort()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.yaml_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    paths = article_paths(args.folder)
    n = args.processes
    with multiprocessing.get_context("fork").Pool(n) as pool:
        results = pool.map(_parse_share, [(paths, i, n) for i in range(n)])
    parsed = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    print(f"{len(paths)} files, {parsed} front matters parsed, {failed} not")
    return 0


if __name__ == "__main__":
    sys.exit(main())
