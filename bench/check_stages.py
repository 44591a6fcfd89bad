"""Benchmark: where a check's worker spends its instructions, stage by stage, next to the
floor (reading a file and parsing its front matter with yaml-rs, what ``bench.yaml_floor``
does per article).

    python -m bench.check_stages [--count 10000] [--files 400] [--stages floor,worker,...]

Instruction counts do not depend on the other work a shared machine runs, unlike times.
Each stage runs twice under ``valgrind --tool=callgrind`` (which must be installed), in a
fresh process that first warms up on 100 files (every module imported, the schema
compiled): once preparing its inputs and running the stage over ``--files`` articles of the
generated folder, once preparing only; the difference divided by the files is the stage's
instructions per article. Prints a markdown table, thousands of instructions per article.
(Under valgrind SHA-256 runs without the processor's SHA instructions: its count is high.)
"""

from __future__ import annotations

import argparse
import gc
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import PROJECT_DIR, copydesk_env, folder, machine_line, markdown_table

# name -> what it measures (the table's wording)
STAGES: dict[str, str] = {
    "floor": "the floor: open, read, cut the front matter, yaml_rs.load (bench.yaml_floor's work)",
    "worker": "a check --no-cache worker: index.scanning.parse_chunk, problems only",
    "worker-index": "a check worker writing the index: parse_chunk with SHA-256, display values, entries",
    "sha256": "SHA-256 of the bytes and the fingerprint (document.Fingerprint.of)",
    "read": "read: text.guard.read_guarded",
    "open-read": "read: open + read (no guards), as the floor reads",
    "decode": "decode (strict UTF-8)",
    "split": "text.frontmatter.split_text",
    "parse": "document.inspect_file without the rules and the fingerprint (read, decode, split, parse)",
    "parse-yaml": "text.yamldata.parse_yaml (pre-scan + yaml-rs + check of the data)",
    "prescan": "text.guard.prescan_encoded",
    "yaml-rs": "yaml_rs.load (as copydesk calls it)",
    "check-data": "text.guard.check_data",
    "rules": "checks.runner.check_source (every family)",
    "schema": "the compiled schema's validator (schema.CompiledSchema.accepts)",
    "fields": "the CD2 family (schema, vocabulary)",
    "consistency": "the CD3 family (dates, tags, YAML 1.1 booleans: finds the YAML 1.1 suspects)",
    "files": "the CD1 family's rules run on parsed data (CD109: finds the YAML 1.1 suspects)",
    "body": "the CD4 family (the body's lines)",
}


def _run_stage(stage: str, root: Path, files: int, base: bool) -> None:
    """Warm up, prepare ``stage``'s inputs, then (unless ``base``) run it over ``files`` articles."""
    from core.checks import RULES, body, consistency, fields, selection_for
    from core.checks import files as file_rules
    from core.checks.context import Context
    from core.checks.runner import check_source
    from core.config import load_config
    from core.document import Fingerprint, Source, inspect_file
    from core.index.scanning import parse_chunk
    from core.index.workers import Inherited, _warm_up, inheriting
    from core.schema import compiled_schema
    from core.text import frontmatter
    from core.text.guard import check_data, prescan_encoded, read_guarded
    from core.text.yamldata import YamlError, _alias_limits, parse_yaml
    from core.walk import walk

    from .yaml_floor import _parse_share

    config = load_config(root)
    found = sorted(walk([root], config), key=lambda f: f.relpath)
    items = [tuple(f) for f in found]
    _warm_up(config)
    with inheriting(Inherited(config, 0)):
        parse_chunk(items[:100])
    todo = items[100 : 100 + files]
    # What start-up and the warm-up built is left out of the collector's generations: a
    # full collection over it, falling in the stage's run and not in its base run, or the
    # other way round, would count as the stage's work (the workers inherit it the same way).
    gc.collect()
    gc.freeze()
    limits = config.limits
    codes = selection_for(config, "x.md")

    def texts() -> list[str]:
        out = []
        for path, _, _ in todo:
            try:
                out.append(read_guarded(path, config.root, limits)[0].decode())
            except UnicodeDecodeError:
                pass
        return out

    def front_matters() -> list[str]:
        out = []
        for text in texts():
            split = frontmatter.split_text(text)
            if split.kind == "front-matter":
                out.append(frontmatter.front_matter(text, split))
        return out

    def sources() -> list[Source]:
        out = []
        for text in texts():
            split = frontmatter.split_text(text)
            meta = None
            if split.kind == "front-matter":
                try:
                    meta = parse_yaml(frontmatter.front_matter(text, split), limits)
                except YamlError:
                    pass
            out.append(Source(text, split, meta if isinstance(meta, dict) else None))
        return out

    def each(inputs: list[Any], work: Callable[[Any], object]) -> None:
        if base:
            return
        for item in inputs:
            try:
                work(item)
            except (YamlError, ValueError):
                pass

    def family(check: Callable[[Context], object], schema: bool = False) -> None:
        def run(source: Source) -> None:
            if source.meta is None and check is not body.check:
                return
            ctx = Context(source, config, codes)
            if schema:
                ctx.schema = compiled_schema(config)
            check(ctx)
        each(sources(), run)

    paths = [path for path, _, _ in todo]
    if stage == "floor":
        each([paths], lambda share: _parse_share((share, 0, 1)))
    elif stage in ("worker", "worker-index"):
        state = Inherited(config, 0, problems_only=stage == "worker")
        with inheriting(state):
            each([todo], parse_chunk)
    elif stage == "sha256":
        import os

        datas = [(read_guarded(p, config.root, limits)[0], os.lstat(p)) for p in paths]
        each(datas, lambda d: Fingerprint.of(*d))
    elif stage == "read":
        each(paths, lambda p: read_guarded(p, config.root, limits))
    elif stage == "open-read":
        def read(path: str) -> bytes:
            with open(path, "rb") as f:
                return f.read()
        each(paths, read)
    elif stage == "decode":
        datas = [read_guarded(p, config.root, limits)[0] for p in paths]
        each(datas, lambda d: d.decode())
    elif stage == "split":
        each(texts(), frontmatter.split_text)
    elif stage == "parse":
        each(todo, lambda item: inspect_file(item[0], config, item[1], with_rules=False, fingerprint=False))
    elif stage == "parse-yaml":
        each(front_matters(), lambda fm: parse_yaml(fm, limits))
    elif stage == "prescan":
        each([(fm, fm.encode()) for fm in front_matters()], lambda pair: prescan_encoded(*pair, limits))
    elif stage == "yaml-rs":
        import yaml_rs

        aliases = _alias_limits(limits.max_depth, limits.max_aliases)
        encoded = [fm.encode() for fm in front_matters()]
        each(encoded, lambda data: yaml_rs.load(data, parse_datetime=False, alias_limits=aliases))
    elif stage == "check-data":
        metas = [s.meta for s in sources() if s.meta is not None]
        each(metas, lambda meta: check_data(meta, limits))
    elif stage == "rules":
        each(sources(), lambda source: check_source(source, config, "x.md", codes))
    elif stage == "schema":
        schema = compiled_schema(config)
        each([s.meta for s in sources() if s.meta is not None], schema.accepts)
    elif stage == "fields":
        family(lambda ctx: fields.check(ctx, RULES), schema=True)
    elif stage == "consistency":
        family(consistency.check)
    elif stage == "files":
        family(file_rules.check)
    elif stage == "body":
        family(body.check)
    else:
        raise SystemExit(f"unknown stage {stage!r}")


_COLLECTED = re.compile(r"Collected : ([\d,]+)")


def _instructions(stage: str, count: int, seed: int, files: int, base: bool) -> int:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-m", "bench.check_stages",
           "--count", str(count), "--seed", str(seed), "--files", str(files), "--run", stage, *(["--base"] if base else [])]
    env = {**copydesk_env(), "PYTHONHASHSEED": "0"}  # the same string hashes in every run
    done = subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    found = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_stages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="generated folder to take the files from")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--files", type=int, default=400, help="articles each stage runs over")
    parser.add_argument("--stages", default=",".join(STAGES), help="comma-separated, from: " + ", ".join(STAGES))
    parser.add_argument("--run", help=argparse.SUPPRESS)  # one stage, in the process valgrind runs
    parser.add_argument("--base", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root = folder(args.count, args.seed)
    if args.run:
        _run_stage(args.run, root, args.files, args.base)
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    print(machine_line())
    rows = []
    floor = None
    for stage in [s for s in args.stages.split(",") if s]:
        if stage not in STAGES:
            raise SystemExit(f"unknown stage {stage!r}: one of {', '.join(STAGES)}")
        per_article = (_instructions(stage, args.count, args.seed, args.files, False)
                       - _instructions(stage, args.count, args.seed, args.files, True)) / args.files
        if stage == "floor":
            floor = per_article
        print(f"{stage}: {per_article / 1000:.0f} k", file=sys.stderr)
        rows.append([stage, STAGES[stage], f"{per_article / 1000:.0f}", f"{per_article / floor:.2f}" if floor else ""])
    print()
    print(markdown_table(["stage", "what", "k instructions / article", "/ floor"], rows))
    print(f"\n{args.files} articles of the {args.count:,}-article folder; command: python -m bench.check_stages "
          f"--count {args.count} --files {args.files}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
