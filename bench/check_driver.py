"""What ``copydesk check PATH`` does, through the index (``core.index.scan``): used by the
check benchmark to time the loading path on its own, next to the real command.

    python -m bench.check_driver PATH [--no-cache] [--workers N]

Prints ``path:line:col: CODE message`` lines and a summary; exit 1 when there are problems.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.config import load_config
from core.index import scan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_driver")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--no-cache", action="store_true", help="parse every file; neither read nor write the index")
    parser.add_argument("--workers", type=int, default=None, help="parsing processes (default: automatic)")
    args = parser.parse_args(argv)
    config = load_config(args.paths[0])
    result = scan(args.paths, config, cache=not args.no_cache, workers=args.workers)
    out: list[str] = []
    problems = 0
    for record in result.with_problems():
        for p in record.problems:
            out.append(f"{record.relpath}:{p.line}:{p.column}: {p.code} {p.message}\n")
        problems += len(record.problems)
    sys.stdout.write("".join(out))
    print(
        f"{problems} problems in {len(result)} files "
        f"(parsed {result.parsed}, from index {result.reused + result.verified}, workers {result.workers}, index {result.cache})",
        file=sys.stderr,
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
