"""Benchmark: where loading one article spends its time, stage by stage (one process).

    python -m bench.bench_load [--count 10000] [--sample 3000] [--repeat 3]

Runs each stage of ``core.document.load_article`` on its own over the same ``--sample``
files of a generated folder (page cache warm), and the whole thing, and prints microseconds
per file: the cost each module adds to every article of a 50,000-article folder (multiply by
50,000 and divide by the cores to see the budget: the no-cache goal of 5 s on 2 cores
leaves about 200 us of CPU per article for everything).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .common import folder, machine_line, markdown_table


def per_file(fn: Callable[[Any], object], items: Sequence[Any], repeat: int) -> float:
    """Median over ``repeat`` passes of the microseconds per item of ``fn``."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        for item in items:
            fn(item)
        times.append((time.perf_counter() - started) / max(1, len(items)) * 1e6)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="generated folder to sample from")
    parser.add_argument("--sample", type=int, default=3000, help="files timed per stage")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from core.checks import body, consistency, fields, files, runner
    from core.config import load_config
    from core.document import decode, freeze, inspect_file, load_article, parse_source
    from core.index import scanning, workers
    from core.text import frontmatter, guard
    from core.text.yamldata import YamlError, parse_yaml
    from core.walk import iter_article_paths, walk

    root = folder(args.count, args.seed)
    config = load_config(root)
    print(machine_line())
    found = walk([root], config)
    sample = found[:: max(1, len(found) // args.sample)][: args.sample]
    paths = [Path(f.path) for f in sample]
    for path in paths:
        path.read_bytes()  # warm the page cache

    rows: list[list[object]] = []

    def add(stage: str, us: float, note: str = "") -> None:
        rows.append([stage, f"{us:.1f}", note])

    walk_s = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        list(iter_article_paths([root], config))
        walk_s.append(time.perf_counter() - started)
    add("walk: walk.iter_article_paths (paths)", statistics.median(walk_s) / len(found) * 1e6, "whole folder, per file")
    walk_s = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        walk([root], config)
        walk_s.append(time.perf_counter() - started)
    add("walk + lstat: walk.walk", statistics.median(walk_s) / len(found) * 1e6, "whole folder, per file")

    add("read: open + read (the floor)", per_file(lambda p: p.read_bytes(), paths, args.repeat))
    add("read: guard.read_guarded", per_file(lambda p: guard.read_guarded(p, config.root, config.limits), paths, args.repeat))
    datas = [guard.read_guarded(p, config.root, config.limits)[0] for p in paths]
    add("decode (strict UTF-8)", per_file(decode, datas, args.repeat))
    texts = [t for t in (decode(d)[0] for d in datas) if t is not None]
    add("frontmatter.split_text", per_file(frontmatter.split_text, texts, args.repeat))
    splits = [frontmatter.split_text(t) for t in texts]
    fms = [frontmatter.front_matter(t, s) for t, s in zip(texts, splits, strict=True) if s.has_front_matter]
    add("guard.prescan_yaml", per_file(lambda t: guard.prescan_yaml(t, config.limits), fms, args.repeat), "per front matter")

    def parse(text: str) -> object:
        try:
            return parse_yaml(text, config.limits)
        except YamlError:
            return None

    add("yamldata.parse_yaml (prescan + yaml-rs + checks)", per_file(parse, fms, args.repeat), "per front matter")
    import yaml_rs

    def raw_yaml(text: str) -> object:
        try:
            return yaml_rs.loads(text, parse_datetime=False)
        except Exception:  # noqa: BLE001 - the broken share of the folder
            return None

    add("  of which yaml_rs.loads alone", per_file(raw_yaml, fms, args.repeat), "per front matter")
    datas_parsed = [d for d in (raw_yaml(t) for t in fms) if isinstance(d, dict)]
    add("document.freeze (read-only metadata)", per_file(freeze, datas_parsed, args.repeat), "per front matter")
    add("document.parse_source (split + parse + freeze)", per_file(lambda t: parse_source(t, config), texts, args.repeat))
    sources = [(s, f.relpath) for t, f in zip(texts, sample, strict=False) for kind, s, _ in [parse_source(t, config)] if kind in ("front-matter", "raw")]
    add("checks.runner.check_source (schema + editorial rules)", per_file(lambda x: runner.check_source(x[0], config, x[1]), sources, args.repeat))
    with_meta = [x for x in sources if x[0].meta is not None]
    meta_codes = files.CODES | fields.CODES | consistency.CODES
    add("  of which CD1-CD3 (front matter)", per_file(lambda x: runner.check_source(x[0], config, x[1], meta_codes), with_meta, args.repeat), "per front matter")
    add("  of which CD4 (body)", per_file(lambda x: runner.check_source(x[0], config, x[1], body.CODES), sources, args.repeat))
    add("document.load_article (all of the above)", per_file(lambda f: load_article(Path(f.path), config, f.relpath), sample, args.repeat))
    add("document.inspect_file (the same, no Article, metadata not frozen)", per_file(lambda f: inspect_file(f.path, config, f.relpath), sample, args.repeat))
    with workers.inheriting(workers.Inherited(config, time.time_ns())):
        add("index worker: inspect_file + index entry", per_file(lambda f: scanning.parse_chunk([f]), sample, args.repeat), "what check pays per file, in a worker")

    print(f"{len(sample):,} files sampled from {root.name} ({len(found):,} files)")
    print(markdown_table(["stage", "us per file", "note"], rows))
    print(f"\nMedians of {args.repeat} passes; command: python -m bench.bench_load --count {args.count} --sample {args.sample}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
