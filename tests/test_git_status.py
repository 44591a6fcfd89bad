"""core.git.status against the real git: each article's state, by its path from the corpus
root, in a subfolder of the repository, with hostile names; and the --where terms."""

from __future__ import annotations

import subprocess
from pathlib import Path

from core.git.status import git_states
from tests.gitrepo import GIT_ENV, git, make_repo, needs_git
from tests.test_tui_support import article_text, write_folder

pytestmark = needs_git

HOSTILE = "c\n\x1b[31m $(touch pwned) 'q\".md"


def corpus_in_repo(tmp_path: Path) -> tuple[Path, Path]:
    repo = tmp_path / "repo"
    root = write_folder(repo / "news desk")
    make_repo(repo)
    return repo, root


def test_states_by_path_from_a_corpus_in_a_subfolder(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    (repo / "outside.md").write_text("not in the corpus\n")
    with open(root / "a1-asia-markets.md", "a") as handle:
        handle.write("more\n")
    (root / "a2-hashkey-ipo.md").write_text(article_text("Changed and staged", ["ASIA"]))
    git(repo, "add", "news desk/a2-hashkey-ipo.md")
    git(repo, "mv", "news desk/a3-etf-flows.md", "news desk/a3-renamed.md")
    (root / "sub").mkdir()
    (root / "sub" / HOSTILE).write_text(article_text("Hostile", ["ASIA"]))
    (root / "b1.md").write_text(article_text("Both", ["ASIA"]))
    git(repo, "add", "news desk/b1.md")
    with open(root / "b1.md", "a") as handle:
        handle.write("again\n")

    states = git_states(root)

    assert {name: state.letter for name, state in states.items()} == {
        "a1-asia-markets.md": "M", "a2-hashkey-ipo.md": "S", "a3-renamed.md": "R",
        f"sub/{HOSTILE}": "?", "b1.md": "M"}
    assert states["a3-renamed.md"].renamed_from == "a3-etf-flows.md"
    assert states["b1.md"].staged and states["b1.md"].modified
    assert not (tmp_path / "pwned").exists() and not (root / "pwned").exists()
    assert git_states(root, ["a1-asia-markets.md", "a4-hong-kong-rules.md"]).keys() == {"a1-asia-markets.md"}


def test_a_conflict_is_conflicted(tmp_path: Path) -> None:
    repo, root = corpus_in_repo(tmp_path)
    name = "news desk/a1-asia-markets.md"
    git(repo, "checkout", "-q", "-b", "other")
    (repo / name).write_text(article_text("Theirs", ["ASIA"]))
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    (repo / name).write_text(article_text("Ours", ["ASIA"]))
    git(repo, "commit", "-qam", "ours")
    merge = subprocess.run(["git", "merge", "-q", "other"], cwd=repo, env=GIT_ENV, capture_output=True, check=False)
    assert merge.returncode == 1  # the conflict
    states = git_states(root)
    assert states["a1-asia-markets.md"].conflicted and states["a1-asia-markets.md"].letter == "U"


def test_no_repository_no_state(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    assert git_states(root) == {}


def test_where_is_modified_and_untracked(tmp_path: Path, capsys) -> None:
    from core.cli.main import main

    repo, root = corpus_in_repo(tmp_path)
    with open(root / "a4-hong-kong-rules.md", "a") as handle:
        handle.write("more\n")
    (root / "a9-new.md").write_text(article_text("New one", ["ASIA"]))
    assert main(["list", str(root), "--where", "is:modified", "--format", "paths"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(root / "a4-hong-kong-rules.md")]
    assert main(["list", str(root), "--where", "is:untracked,modified -tag:REGULATION", "--format", "paths"]) == 0
    assert capsys.readouterr().out.splitlines() == [str(root / "a9-new.md")]
