"""``copydesk check --changed-since`` against a full ``check`` of the same repository, as CI
runs them on a fresh clone (no index: ``--no-cache``).

A git repository of generated articles (``--count``, default 50,000) is committed once and
kept in ``bench/out/folders/``; each run puts it back at that commit, then changes
``--changed`` articles (default 100) the ways a branch does: most edited in place, some
renamed and edited, some new and untracked. Each changed article gets a problem
(``lang: EN``, CD209), so the files the command reports must be exactly the changed ones:
the benchmark checks that, prints the count, then the median times of both commands and
their ratio.

    python -m bench.bench_changed [--count 50000] [--changed 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .common import OUT_DIR, copydesk_env, machine_line, run_measured
from .generate import generate

_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org",
            "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.org"}
_LANG = re.compile(rb"^lang: en$", re.M)


def git(repo: Path, *args: str) -> bytes:
    env = {**os.environ, **_GIT_ENV}
    return subprocess.run(["git", "-c", "core.fsmonitor=false", "-c", "gc.auto=0", *args], cwd=repo, env=env, check=True,
                          capture_output=True).stdout


def repository(count: int) -> Path:
    """The committed repository of ``count`` generated articles (made once, then reused)."""
    repo = OUT_DIR / "folders" / f"git-{count}"
    if (repo / ".git" / "refs" / "tags" / "base").exists():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    started = time.perf_counter()
    generate(repo, count)
    (repo / "copydesk.toml").write_text("")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "tag", "base")
    print(f"made {repo} ({count} articles, committed) in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return repo


def change(repo: Path, changed: int) -> set[str]:
    """Back to ``base``, then ``changed`` articles changed; their paths (relative)."""
    git(repo, "reset", "-q", "--hard", "base")
    git(repo, "clean", "-q", "-fdx", "-e", ".copydesk")
    names = sorted(os.fsdecode(n) for n in git(repo, "ls-files", "-z", "--", "*.md").split(b"\0") if n)
    picked: list[str] = []
    for name in names[:: max(1, len(names) // (changed * 3))]:
        if len(picked) == changed:
            break
        if _LANG.search((repo / name).read_bytes()):
            picked.append(name)
    assert len(picked) == changed, "not enough articles with `lang: en` to change"
    renamed, new = max(1, changed // 20), max(1, changed // 20)
    out: set[str] = set()
    for i, name in enumerate(picked):
        path = repo / name
        data = _LANG.sub(b"lang: EN", path.read_bytes(), count=1)
        if i < renamed:  # renamed (staged) and edited: reported at the new path
            target = name.replace(".md", "-moved.md")
            git(repo, "mv", name, target)
            path = repo / target
            name = target
        elif i < renamed + new:  # a new article, untracked; its model stays as it was
            name = name.replace(".md", "-new.md")
            path = repo / name
        path.write_bytes(data)
        out.add(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_changed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (the full check: at least 3)")
    args = parser.parse_args(argv)
    repo = repository(args.count)
    expected = change(repo, args.changed)
    for name in git(repo, "ls-files", "-z", "--cached", "--others").split(b"\0"):  # a warm page cache, as for every benchmark
        if name:
            (repo / os.fsdecode(name)).read_bytes()
    print(machine_line())
    command = [sys.executable, "-m", "core.cli.main", "check", "--no-cache", "--format", "json"]
    since = [*command, "--changed-since", "base"]
    # what the command checks: exactly the changed articles, each reported (CD209)
    done = subprocess.run(since, cwd=repo, env=copydesk_env(), capture_output=True)
    reported = {row["path"] for row in json.loads(done.stdout)}
    said = re.search(rb"(\d+) articles? changed since base", done.stderr)
    assert reported == expected, f"reported {len(reported)} files, {len(reported ^ expected)} differ from the changed ones"
    assert said and int(said.group(1)) == len(expected), done.stderr[-300:]
    full = subprocess.run(command, cwd=repo, env=copydesk_env(), capture_output=True)
    full_files = {row["path"] for row in json.loads(full.stdout)}
    print(f"--changed-since base: {said.group(1).decode()} articles checked, problems in {len(reported)} files "
          f"(exactly the {len(expected)} changed); full check: problems in {len(full_files)} files of {args.count + args.changed // 20}")
    times: dict[str, list[float]] = {"since": [], "full": []}
    for i in range(max(args.repeat, 3)):
        if i < args.repeat:
            times["since"].append(float(run_measured(since, cwd=repo, env=copydesk_env())["seconds"]))
        if i < 3:
            times["full"].append(float(run_measured(command, cwd=repo, env=copydesk_env())["seconds"]))
    since_median, full_median = statistics.median(times["since"]), statistics.median(times["full"])
    print(f"check --no-cache --changed-since base: median {since_median:.2f} s ({', '.join(f'{t:.2f}' for t in times['since'])})")
    print(f"check --no-cache (whole folder):       median {full_median:.2f} s ({', '.join(f'{t:.2f}' for t in times['full'])})")
    print(f"ratio: {since_median / full_median:.3f} of the full check's time ({full_median / since_median:.0f}x faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
