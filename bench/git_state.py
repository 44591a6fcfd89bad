"""The terminal UI's git column: how long ``core.git.status.git_states`` takes on a generated
folder committed to a repository (100 articles changed, 100 new), against the same
``git status --porcelain=v2 -z`` run alone (the baseline: what git itself costs; the rest is
copydesk's parsing). It runs in a worker, after the first screen: never in the start-up.

    python -m bench.git_state --counts 10000 50000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess

from core.git.status import git_states

from .common import OUT_DIR, folder, machine_line, markdown_table, median_time

CHANGED = 100


def repository(count: int):  # noqa: ANN201 - a Path
    """A committed copy of the generated folder of ``count`` articles, made once, with
    ``CHANGED`` articles modified and ``CHANGED`` new untracked ones."""
    target = OUT_DIR / "repos" / f"git-{count}"
    if (target / ".git").is_dir():
        return target
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(folder(count), target)
    env_git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.org"]
    subprocess.run([*env_git, "init", "-q"], cwd=target, check=True)
    subprocess.run([*env_git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*env_git, "commit", "-qm", "articles"], cwd=target, check=True)
    articles = sorted(target.rglob("*.md"))
    for path in articles[:CHANGED]:
        with open(path, "a") as handle:
            handle.write("\nA line added.\n")
    for n in range(CHANGED):
        (target / f"new-{n}.md").write_text(f"---\ntitle: New {n}\n---\nBody.\n")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    print(machine_line())
    rows = []
    for count in args.counts:
        root = repository(count)
        states = git_states(root)
        assert sum(1 for s in states.values() if s.modified) == CHANGED, "the folder is not as generated"
        git_s, _ = median_time(lambda root=root: subprocess.run(
            ["git", "--no-optional-locks", "status", "--porcelain=v2", "-z", "--untracked-files=all"],
            cwd=root, capture_output=True, check=True), args.repeat)
        ours_s, _ = median_time(lambda root=root: git_states(root), args.repeat)
        rows.append([f"{count:,}", len(states), f"{git_s * 1e3:.0f}", f"{ours_s * 1e3:.0f}", f"{ours_s / git_s:.2f}"])
    print(markdown_table(["articles", "files git reports", "git status ms", "git_states ms", "ratio"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
