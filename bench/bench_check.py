"""Benchmark: checking a whole folder, with no index and with a warm one, next to ``hugo list all``.

    python -m bench.bench_check [--sizes 1000,10000,50000] [--repeat 3] [--seed 0]

For each size, on the same generated folder in the same run (page cache warmed first):
``hugo list all`` (when ``hugo`` is installed; a minimal site config points its
``contentDir`` at the folder), ``copydesk check`` with the index removed before every run
("no cache") and with it in place and nothing changed ("warm"), and the same two through
``bench.check_driver`` (the index scan alone, for when the command is not built on it).
Medians of ``--repeat`` runs (wall seconds, and in brackets CPU seconds of the command and
its workers, which other load disturbs much less), microseconds per file, copydesk/hugo
wall-time ratios and peak RSS of each command. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

from .common import (
    OUT_DIR,
    copydesk_env,
    folder,
    machine_line,
    markdown_table,
    run_measured,
    warm_page_cache,
)

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "copydesk benchmark"
contentDir = "{content}"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""


def hugo_version() -> str | None:
    if shutil.which("hugo") is None:
        return None
    out = subprocess.run(["hugo", "version"], capture_output=True, text=True)
    return out.stdout.strip() or out.stderr.strip()


def hugo_site(content: Path, count: int) -> Path:
    site = OUT_DIR / "hugo-sites" / f"site-{count}"
    site.mkdir(parents=True, exist_ok=True)
    (site / "config.toml").write_text(HUGO_CONFIG.format(content=content))
    return site


_PARSED = re.compile(r"\(parsed (\d+),")


def measure(cmd: list[str], repeat: int, cwd: Path | None = None, before=None, ok=(0,),
            expect_parsed: int | None = None) -> dict[str, float] | None:
    """Median seconds and max peak RSS (MB) of ``cmd`` over ``repeat`` runs; None when it failed.

    ``expect_parsed``: for the driver, the number of files each run must parse (0 for a warm
    index); a run that parsed another number (the index was invalidated by a change to
    copydesk's code during the benchmark) is reported and makes the result None."""
    seconds: list[float] = []
    cpu: list[float] = []
    rss: list[float] = []
    for _ in range(repeat):
        if before is not None:
            before()
        result = run_measured(cmd, cwd=cwd, env=copydesk_env())
        if result["rc"] not in ok:
            print(f"  failed ({result['rc']}): {' '.join(cmd)}\n  {result['stderr']}", file=sys.stderr)
            return None
        parsed = _PARSED.search(str(result["stderr"]))
        if expect_parsed is not None and parsed and int(parsed.group(1)) != expect_parsed:
            print(f"  {' '.join(cmd)}: parsed {parsed.group(1)} files, expected {expect_parsed}: run discarded", file=sys.stderr)
            return None
        seconds.append(float(result["seconds"]))
        cpu.append(float(result["cpu_seconds"]))
        rss.append(int(result["maxrss_kb"]) / 1024)
    return {"median": statistics.median(seconds), "min": min(seconds), "max": max(seconds),
            "cpu": statistics.median(cpu), "rss": max(rss)}


def drop_index(root: Path) -> None:
    shutil.rmtree(root / ".copydesk" / "index", ignore_errors=True)


def fmt(m: dict[str, float] | None, count: int) -> tuple[str, str, str]:
    if m is None:
        return "n/a", "n/a", "n/a"
    return f"{m['median']:.2f}", f"{m['median'] / count * 1e6:.0f}", f"{m['cpu']:.2f}"


def ratio(a: dict[str, float] | None, b: dict[str, float] | None) -> str:
    if a is None or b is None:
        return "n/a"
    return f"{a['median'] / b['median']:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_check", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated folder sizes")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-hugo", action="store_true", help="skip hugo even when installed")
    parser.add_argument("--commands", default="check,driver", help="which copydesk commands: check, driver or both")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    version = None if args.no_hugo else hugo_version()
    print(machine_line())
    print(f"hugo: {version or 'not installed (apt-get install hugo)'}")
    check_cmd = [sys.executable, "-m", "core.cli.main", "check"]
    driver_cmd = [sys.executable, "-m", "bench.check_driver"]
    rows = []
    for count in sizes:
        root = folder(count, args.seed)
        warm_page_cache(root)
        print(f"\n{count} files: {root}", file=sys.stderr)
        hugo = None
        if version is not None:
            site = hugo_site(root, count)
            hugo = measure(["hugo", "list", "all"], args.repeat, cwd=site)
        results = {}
        commands = [(name, cmd) for name, cmd in (("check", check_cmd), ("driver", driver_cmd)) if name in args.commands]
        for name, cmd in commands:
            target = [*cmd, str(root)]
            results[name, "cold"] = measure(target, args.repeat, before=lambda root=root: drop_index(root), ok=(0, 1))
            if results[name, "cold"] is not None:
                run_measured(target, env=copydesk_env())  # build the index once
            warm_parsed = 0 if name == "driver" else None
            results[name, "warm"] = measure(target, args.repeat, ok=(0, 1), expect_parsed=warm_parsed) if results[name, "cold"] else None
        for name, label in (("check", "copydesk check"), ("driver", "index scan (bench.check_driver)")):
            if name not in args.commands:
                continue
            cold, warm = results[name, "cold"], results[name, "warm"]
            cold_s, cold_us, cold_cpu = fmt(cold, count)
            warm_s, warm_us, warm_cpu = fmt(warm, count)
            rows.append([
                f"{count:,}", label,
                f"{hugo['median']:.2f} ({hugo['cpu']:.1f})" if hugo else "n/a",
                f"{cold_s} ({cold_cpu})", cold_us, ratio(cold, hugo),
                f"{warm_s} ({warm_cpu})", warm_us,
                f"{cold['rss']:.0f} / {warm['rss']:.0f}" if cold and warm else "n/a",
                f"{hugo['rss']:.0f}" if hugo else "n/a",
            ])
    print()
    print(markdown_table(
        ["files", "command", "hugo list all s (cpu s)", "no cache s (cpu s)", "us/file", "/hugo", "warm cache s (cpu s)", "us/file",
         "peak RSS no cache / warm (MB)", "hugo RSS (MB)"],
        rows,
    ))
    print(f"\nMedians of {args.repeat} runs; command: python -m bench.bench_check --sizes {args.sizes} --repeat {args.repeat} --commands {args.commands}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
