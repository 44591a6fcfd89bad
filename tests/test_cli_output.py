"""What the editing commands print: changed and refused files, the counts, `--quiet`, and
dry-run patches that `git apply` takes from where the command ran (or from the corpus root,
when it says so)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ARTICLE = """---
title: Port strike ends
tags:
  - LABOUR
draft: false
---
Body.
"""
RAW = "Port strike ends\nscraped text\n"


def copydesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd, env=env)


def corpus(folder: Path, unchanged: int = 3) -> Path:
    """A corpus with two articles to tag, ``unchanged`` already tagged, and one raw file."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "copydesk.toml").write_text('vocabulary = ["LABOUR", "STRIKES"]\n')
    (folder / "a.md").write_text(ARTICLE)
    (folder / "sub").mkdir()
    (folder / "sub" / "b.md").write_text(ARTICLE)
    for n in range(unchanged):
        (folder / f"done-{n}.md").write_text(ARTICLE.replace("  - LABOUR\n", "  - LABOUR\n  - STRIKES\n"))
    return folder


def test_unchanged_files_are_counted_not_listed(tmp_path: Path) -> None:
    corpus(tmp_path)
    result = copydesk("tag", ".", "--add", "STRIKES", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a.md: changed", "sub/b.md: changed", "2 files changed; 3 unchanged"]


@pytest.mark.parametrize("command", [["tag", ".", "--add", "STRIKES"], ["set", ".", "draft=true"]])
def test_quiet_prints_the_summary_only_but_always_names_a_refused_file(tmp_path: Path, command: list[str]) -> None:
    corpus(tmp_path)
    (tmp_path / "raw.md").write_text(RAW)
    result = copydesk(*command, "--quiet", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("raw.md: refused (")
    assert lines[1].startswith(("2 files changed; 1 refused, 3 unchanged", "5 files changed; 1 refused"))


def test_quiet_dry_run_keeps_the_patch_and_the_summary(tmp_path: Path) -> None:
    corpus(tmp_path)
    result = copydesk("tag", ".", "--add", "STRIKES", "-q", "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("+  - STRIKES\n") == 2
    assert result.stderr.splitlines() == ["2 files would change; 3 unchanged"]


def test_adopt_quiet_prints_the_summary_only(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text(RAW)
    (tmp_path / "two.md").write_text(RAW)
    result = copydesk("adopt", ".", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2 files changed"]


@pytest.mark.parametrize("fix", [[], ["--fix"]])
def test_check_quiet_prints_the_summary_without_a_line_per_problem(tmp_path: Path, fix: list[str]) -> None:
    for name in ("a.md", "b.md"):  # lower-case tags (fixable) and an empty body (not)
        (tmp_path / name).write_text(ARTICLE.replace("LABOUR", "labour").replace("Body.\n", ""))
    loud = copydesk("check", ".", *fix, cwd=tmp_path)
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(ARTICLE.replace("LABOUR", "labour").replace("Body.\n", ""))
    quiet = copydesk("check", ".", *fix, "--quiet", cwd=tmp_path)
    assert loud.returncode == quiet.returncode
    per_problem = [line for line in loud.stdout.splitlines() if line.startswith(("a.md:", "b.md:"))]
    assert per_problem
    assert quiet.stdout.splitlines() == [line for line in loud.stdout.splitlines() if line not in per_problem]
    assert quiet.stdout.startswith(("Fixed ", "Found ")) and bool(fix) == quiet.stdout.startswith("Fixed ")


# -- dry-run patches -------------------------------------------------------------------


def _git_apply_check(patch: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "apply", "--check", "-"], input=patch, text=True, cwd=cwd, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree holding a corpus in ``news/`` (with a sub-folder) and a sibling folder."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    corpus(tmp_path / "news", unchanged=0)
    (tmp_path / "news" / "raw").mkdir()
    (tmp_path / "news" / "raw" / "scraped.md").write_text(RAW)
    (tmp_path / "other").mkdir()
    return tmp_path


# (where the command runs, the path given, the folder the patch applies from, a note expected)
PLACES = [
    ("news", ".", "news", False),
    ("", "news", "", False),  # from the parent: the names start with news/
    ("other", "../news", "news", True),  # from a sibling: from the corpus root, said on stderr
    ("news/sub", "..", "news", True),  # from inside the corpus, files above it
]


@pytest.mark.parametrize(("here", "given", "apply_from", "noted"), PLACES)
@pytest.mark.parametrize("command", [["tag", "--add", "STRIKES"], ["set", "draft=true"], ["adopt"]])
def test_every_dry_run_patch_applies_where_it_says(repo: Path, command: list[str], here: str, given: str, apply_from: str,
                                                   noted: bool) -> None:
    result = copydesk(command[0], given, *command[1:], "--dry-run", cwd=repo / here)
    assert result.stdout.startswith("--- a/"), result.stderr
    names = [line[len("--- a/") :] for line in result.stdout.splitlines() if line.startswith("--- a/")]
    assert names and not any(".." in name.split("/") for name in names), names
    applied = _git_apply_check(result.stdout, repo / apply_from)
    assert applied.returncode == 0, (names, applied.stderr)
    note = f"apply it from {(repo / apply_from).resolve()}"
    assert (note in result.stderr) is noted, result.stderr
