"""Time ``copydesk dupes`` on a generated folder (default 50,000 articles, 20% of them
reprints: ``bench/dupes_corpus.py``): with no cache (signatures computed on every core)
and with a warm cache, each a median of ``--repeat`` runs, next to ``copydesk check`` on
the same folder in the same run (the baseline: the machine is shared and noisy).

    python -m bench.bench_dupes [--count 50000] [--repeat 3]
    python -m bench.bench_dupes --lsh-index      # datasketch's LSH index against the numpy banding

Each command runs in a subprocess; its memory is sampled every 20 ms over its whole
process tree (the command and the workers it forks): the peak of the summed PSS (from
``/proc/PID/smaps_rollup``: shared pages counted once across the tree) and the peak RSS
of each process. CPU seconds are the user + system time of the command and its workers.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from .common import cached_folder, copydesk_env, machine_line, markdown_table, warm_page_cache
from .dupes_corpus import write_corpus


def dupes_folder(count: int, seed: int = 0) -> Path:
    """A generated folder of ``count`` articles (20% reprints), generated once into ``bench/out/``."""

    def make(partial: Path) -> str:
        reprints = count // 5
        write_corpus(partial, count - reprints, reprints, seed=seed)
        (partial / "copydesk.toml").write_text("")
        return f"{count} files, {reprints} reprints"

    return cached_folder(f"dupes-v2-{count}-s{seed}", make)  # v2: the generator as committed


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo += _children(current)
    return out


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in KB; zeros when it is gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def measured(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Wall seconds, CPU seconds (the command and its workers), peak summed PSS of the
    process tree and peak RSS of its largest process (MB), the number of processes seen."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=copydesk_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = peak_rss = 0
    seen: set[int] = set()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss
        while not done.is_set():
            pids = _tree(proc.pid)
            seen.update(pids)
            sizes = [_memory_kb(pid) for pid in pids]
            peak_pss = max(peak_pss, sum(p for p, _ in sizes))
            peak_rss = max([peak_rss] + [r for _, r in sizes])
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode(errors='replace')[-800:]}")
    return {"seconds": elapsed, "cpu": cpu, "pss_mb": peak_pss / 1024, "rss_mb": peak_rss / 1024,
            "processes": len(seen), "stderr": err.decode(errors="replace").strip().splitlines()[-1:]}


_LSH_HELPER = r"""
import resource, sys, time
import numpy as np
from datasketch import LeanMinHash, MinHashLSH
from core.dupes.signatures import Settings
count, which = int(sys.argv[1]), sys.argv[2]
settings = Settings()
signatures = np.random.default_rng(0).integers(0, 2**32 - 1, size=(count, settings.num_perm), dtype=np.uint32)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
if which == "datasketch":
    lsh = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    with lsh.insertion_session() as session:
        for i in range(count):
            session.insert(i, LeanMinHash(seed=1, hashvalues=signatures[i], scheme="affine32"), check_duplication=False)
else:
    from core.dupes.groups import _candidates
    from core.dupes.signatures import Signed
    _candidates([Signed(str(i), b"", b"", "", 100, row.tobytes(), 0) for i, row in enumerate(signatures)], settings)
print(time.perf_counter() - started, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
"""


def lsh_index(count: int) -> None:
    """datasketch's in-memory LSH index against the numpy banding of the same signatures
    (random ones: neither cost depends on the bodies), each in a fresh process."""
    rows = []
    for which, label in (("datasketch", "`MinHashLSH` inserts (datasketch's index)"), ("numpy", "banding of the signature matrix (numpy)")):
        done = subprocess.run([sys.executable, "-c", _LSH_HELPER, str(count), which], env=copydesk_env(),
                              capture_output=True, text=True, check=True)
        seconds, grown = map(float, done.stdout.split())
        rows.append([label, f"{seconds:.2f} s", f"{grown:.0f} MB"])
    print(markdown_table((f"candidate pairs of {count} signatures", "time", "peak RSS added"), rows))


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lsh-index", action="store_true",
                        help="only compare datasketch's LSH index with the numpy banding the command uses")
    args = parser.parse_args()
    if args.lsh_index:
        print(machine_line())
        lsh_index(args.count)
        return
    root = dupes_folder(args.count)
    warm_page_cache(root)
    copydesk = [sys.executable, "-m", "core.cli.main"]
    cache = root / ".copydesk" / "index" / "dupes.bin"
    print(machine_line())
    size = sum(f.stat().st_size for pattern in ("*.md", "*.txt") for f in root.rglob(pattern))
    print(f"folder: {args.count} articles ({args.count // 5} reprints), {size / 1e6:.0f} MB of articles")
    rows = []
    results: dict[str, list[dict[str, float]]] = {"cold": [], "warm": [], "check": []}
    for _ in range(args.repeat):
        results["check"].append(measured(copydesk + ["check", "-q", "--no-cache", "."], root))
        if cache.exists():
            os.unlink(cache)
        results["cold"].append(measured(copydesk + ["dupes", "-q", "."], root))
    for _ in range(args.repeat):
        results["warm"].append(measured(copydesk + ["dupes", "-q", "."], root))
    labels = {"check": "`copydesk check --no-cache` (baseline)", "cold": "`copydesk dupes`, no cache",
              "warm": "`copydesk dupes`, warm cache"}
    for key in ("check", "cold", "warm"):
        runs = results[key]
        rows.append([labels[key], f"{_median(runs, 'seconds'):.2f} s", " / ".join(f"{r['seconds']:.2f}" for r in runs),
                     f"{_median(runs, 'cpu'):.1f} s", f"{max(r['pss_mb'] for r in runs):.0f} MB",
                     f"{max(r['rss_mb'] for r in runs):.0f} MB", max(int(r["processes"]) for r in runs)])
    print()
    print(markdown_table(("command", "wall (median)", "runs", "CPU (median)", "peak PSS, tree", "peak RSS, one process",
                          "processes"), rows))
    cold, warm, check = (_median(results[k], "seconds") for k in ("cold", "warm", "check"))
    print(f"\nno cache: {cold:.2f} s ({cold / check:.2f} x check's {check:.2f} s); warm: {warm:.2f} s")
    print(f"last run said: {results['warm'][-1]['stderr'][0] if results['warm'][-1]['stderr'] else ''}")
    peak = max(r["pss_mb"] for k in ("cold", "warm") for r in results[k])
    print(f"goals (no cache <= 20 s, warm <= 1 s, peak < 500 MB): "
          f"{'met' if cold <= 20 and warm <= 1 and peak < 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
