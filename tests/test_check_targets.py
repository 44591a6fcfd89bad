"""``copydesk check --changed-since REV`` and ``--files-from``, in a real git repository:
only the articles named are checked, each file left out is said with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import Repo, isolated_env
from tests.test_check_cli import CLEAN

BROKEN = CLEAN.replace("lang: en", "lang: EN")  # CD209 on 5:7, one error per file


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    """A corpus with a history: ``main`` holds eight articles (each broken, so a check of a
    file always says so); ``topic`` is checked out with changes of every kind."""
    top = tmp_path_factory.mktemp("targets")
    repo = Repo(top / "desk", isolated_env(top / "home"))
    repo.write("news/copydesk.toml", 'extensions = [".md", ".txt"]\n')
    repo.write("README.txt", "not in the corpus\n")
    for name in ("kept", "edited", "renamed", "deleted", "staged", "restored"):
        repo.write(f"news/{name}.md", BROKEN)
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("news/edited.md", BROKEN + "More.\n")
    repo.commit("edit on the branch")
    repo.git("mv", "news/renamed.md", "news/moved here.md")
    repo.git("rm", "-q", "news/deleted.md")
    repo.commit("rename and delete")
    repo.git("checkout", "-q", "main")
    repo.write("news/on-main-only.md", BROKEN)  # changed on main after the fork: not ours
    repo.commit("main moves on")
    repo.git("checkout", "-q", "topic")
    repo.write("news/staged.md", BROKEN + "Staged.\n")
    repo.git("add", "news/staged.md")
    repo.write("news/untracked é\nline.md", BROKEN)  # a newline and a non-ASCII letter in the name
    repo.write("news/notes.py", "print()\n")  # untracked, not an article
    repo.write("news/.gitignore", "ignored.md\n")
    repo.write("news/ignored.md", BROKEN)
    repo.write("README.txt", "changed, outside the corpus\n")
    return repo


def _checked(stdout: str) -> set[str]:
    return {line.split(":", 1)[0] for line in stdout.splitlines() if ": CD209 " in line}


def test_changed_since_checks_the_changed_and_untracked_articles_only(repo: Repo) -> None:
    done = repo.copydesk("check", "--changed-since", "main", cwd=repo.path / "news")
    assert done.returncode == 1
    # a newline in a name is printed escaped, on its own line
    assert _checked(done.stdout) == {"edited.md", "moved here.md", "staged.md", "untracked é\\x0aline.md"}
    assert "4 articles changed since main" in done.stderr
    assert "notes.py: not an article" in done.stderr
    for absent in ("kept.md", "deleted.md", "restored.md", "on-main-only.md", "ignored.md"):
        assert absent not in done.stdout


def test_changed_since_from_the_repository_top_leaves_out_files_outside_the_corpus(repo: Repo) -> None:
    done = repo.copydesk("check", "--changed-since", "main", "news")
    assert _checked(done.stdout) == {"news/edited.md", "news/moved here.md", "news/staged.md", "news/untracked é\\x0aline.md"}
    # README.txt is outside the folder checked (and no article of this corpus)
    assert "README.txt: outside the folder checked" in done.stderr


def test_changed_since_nothing_changed_passes(repo: Repo) -> None:
    done = repo.copydesk("check", "--changed-since", "HEAD", "--format", "json", "news/kept.md")
    assert done.returncode == 0
    assert done.stdout.strip() == "[]"
    assert "0 articles changed since HEAD" in done.stderr


def test_changed_since_an_unknown_revision_is_a_usage_error(repo: Repo) -> None:
    done = repo.copydesk("check", "--changed-since", "no-such-branch", "news")
    assert done.returncode == 2
    assert "--changed-since no-such-branch" in done.stderr


def test_changed_since_outside_a_repository(tmp_path: Path) -> None:
    env = isolated_env(tmp_path / "home")
    (tmp_path / "a.md").write_text(BROKEN)
    import subprocess

    from tests.gitrepo import COPYDESK

    done = subprocess.run([str(COPYDESK), "check", "--changed-since", "main"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2 and "not inside a git repository" in done.stderr


def test_files_from_newlines_and_nul(repo: Repo) -> None:
    listed = b"news/kept.md\nnews/notes.py\nnews/gone.md\n../elsewhere.md\nnews/moved here.md\n"
    done = repo.copydesk("check", "--files-from", "-", "news", input=listed)
    assert done.returncode == 1
    assert _checked(done.stdout) == {"news/kept.md", "news/moved here.md"}
    assert "news/notes.py: not an article" in done.stderr
    assert "news/gone.md: no such file: skipped" in done.stderr
    assert "elsewhere.md: outside the folder checked" in done.stderr
    (repo.path / "list0").write_bytes(b"untracked \xc3\xa9\nline.md\0kept.md\0")
    nul = repo.copydesk("check", "--files-from", "../list0", "-0", cwd=repo.path / "news")
    assert _checked(nul.stdout) == {"kept.md", "untracked é\\x0aline.md"}
    assert "2 articles listed" in nul.stderr


def test_files_from_and_changed_since_do_not_combine(repo: Repo) -> None:
    done = repo.copydesk("check", "--files-from", "-", "--changed-since", "main", input=b"")
    assert done.returncode == 2 and "do not combine" in done.stderr


def test_list_and_tag_take_the_same_targets(repo: Repo) -> None:
    listed = repo.copydesk("list", "--changed-since", "main", "--format", "paths", cwd=repo.path / "news")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == 4
    assert {line for line in listed.stdout.splitlines() if "untracked" not in line} == {"edited.md", "moved here.md", "staged.md"}
    tagged = repo.copydesk("tag", "news", "--add", "TRANSPORT 2", "--changed-since", "main", "--dry-run", "--new-tag")
    assert tagged.returncode == 0, tagged.stderr
    patched = {line[len("+++ b/"):] for line in tagged.stdout.splitlines() if line.startswith("+++ ")}
    assert {name for name in patched if "untracked" not in name} == {"news/edited.md", "news/moved here.md", "news/staged.md"}
    assert len(patched) == 4
    nothing = repo.copydesk("set", "draft=true", "news", "--changed-since", "HEAD", "--files-from", "-", input=b"")
    assert nothing.returncode == 2 and "do not combine" in nothing.stderr
