"""`copydesk init` then `copydesk check` on a copy of every site of the shared corpus: the
error-level problems left per site, against the bar (at most 5% of the files, or one file
on a site with fewer than 20).

    python -m bench.init_corpus [--corpus ../shared/corpus] [--details]

Each site is copied to a temporary folder (the corpus is never written), `copydesk init`
runs on the copy, then `copydesk check --format json`. The table counts the article files,
the files with error-level problems, the codes, and whether every file is still checked
(init excludes nothing). With --details, every error left is listed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
CORPUS = PROJECT_DIR.parent / "shared" / "corpus"
EXTENSIONS = (".md", ".markdown", ".mdx", ".txt")


@dataclass
class SiteResult:
    """One site: its article files and what `check` still reports after `init`."""

    name: str
    files: int
    checked: int  # files `check` listed (every file: init excludes nothing)
    errors: dict[str, list[str]] = field(default_factory=dict)  # path -> "CODE message" of each error
    warnings: int = 0
    init_report: str = ""

    @property
    def allowed(self) -> float:
        return 1 if self.files < 20 else 0.05 * self.files

    @property
    def within(self) -> bool:
        return len(self.errors) <= self.allowed

    @property
    def codes(self) -> Counter[str]:
        return Counter(line.split()[0] for lines in self.errors.values() for line in lines)


def _copydesk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=PROJECT_DIR, check=False)


def measure_site(site: Path, work: Path) -> SiteResult:
    """Copy ``site`` under ``work``, run init then check on the copy."""
    copy = work / site.name
    shutil.copytree(site, copy, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)  # the corpus is read-only; its copy must take the two files
    files = sorted(p for p in copy.rglob("*") if p.is_file() and p.suffix in EXTENSIONS and ".copydesk" not in p.parts)
    init = _copydesk("init", str(copy))
    if init.returncode != 0:
        raise RuntimeError(f"copydesk init {site.name} exited {init.returncode}: {init.stderr}")
    check = _copydesk("check", str(copy), "--format", "json")
    problems = json.loads(check.stdout or "[]")
    result = SiteResult(site.name, len(files), 0, init_report=init.stderr)
    listed = _copydesk("list", str(copy), "--format", "paths")
    result.checked = len(listed.stdout.splitlines())
    for item in problems:
        if item["severity"] == "error":
            relative = str(Path(item["path"]).resolve().relative_to(copy.resolve()))
            result.errors.setdefault(relative, []).append(f"{item['code']} {item['message']}")
        else:
            result.warnings += 1
    return result


def measure(corpus: Path = CORPUS) -> list[SiteResult]:
    """Every site of ``corpus``, measured on copies in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="copydesk-init-corpus-") as work:
        return [measure_site(site, Path(work)) for site in sorted(p for p in corpus.iterdir() if p.is_dir())]


def table(results: list[SiteResult]) -> str:
    lines = [
        "| site | files | checked | files with errors | allowed | within | codes left |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        codes = ", ".join(f"{code} x{n}" for code, n in sorted(r.codes.items())) or "-"
        lines.append(f"| {r.name} | {r.files} | {r.checked} | {len(r.errors)} | {r.allowed:g} | {'yes' if r.within else 'no'} | {codes} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--details", action="store_true", help="list every error left")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    results = measure(args.corpus)
    print(table(results))
    if args.details:
        for r in results:
            for path, errors in r.errors.items():
                for error in errors:
                    print(f"{r.name}/{path}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
