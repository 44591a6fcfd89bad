"""The merge driver through real ``git merge`` in a temporary repository: what merges
field by field, what is left as a conflict that ``copydesk check`` names, and the bytes
written (``copydesk git install`` puts it in place, as a user would)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from core.git.merge import merge_article
from tests.gitrepo import Repo, isolated_env

ARTICLE = """\
---
title: Ferry fares rise
# the desk's own note
tags:
  - TRANSPORT
  - HONG KONG
sentiment: NEUTRAL
draft: false
source:
  name: Harbour Desk
  key: harbourdesk
---
Fares rise by nine per cent.

The operator blames fuel.

Commuters want a monthly pass.
"""

_names = itertools.count()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Repo:
    top = tmp_path_factory.mktemp("merge")
    repo = Repo(top / "news", isolated_env(top / "home"))
    installed = repo.copydesk("git", "install")
    assert installed.returncode == 0, installed.stderr
    repo.commit("attributes", ".gitattributes")
    repo.root = repo.git("rev-parse", "HEAD").stdout.decode().strip()  # type: ignore[attr-defined]
    return repo


def merge(repo: Repo, base: str | bytes, ours: str | bytes, theirs: str | bytes, name: str = "story.md") -> tuple[int, bytes, str]:
    """Commit ``base``, then ``ours`` on one line and ``theirs`` on another, and ``git merge``
    theirs into ours: git's exit code, the file's bytes after it, what git printed."""
    repo.git("merge", "--abort", check=False)
    repo.git("reset", "-q", "--hard")
    repo.git("checkout", "-q", "--detach", repo.root)  # type: ignore[attr-defined]
    branch = f"theirs-{next(_names)}"
    repo.write(name, base)
    start = repo.commit("base", name)
    repo.git("checkout", "-q", "-b", branch)
    repo.write(name, theirs)
    repo.commit("theirs", name)
    repo.git("checkout", "-q", "--detach", start)
    repo.write(name, ours)
    repo.commit("ours", name)
    done = repo.git("merge", "--no-edit", branch, check=False)
    return done.returncode, (repo.path / name).read_bytes(), (done.stdout + done.stderr).decode("utf-8", "replace")


def test_tags_added_on_both_sides_are_both_kept(repo: Repo) -> None:
    ours = ARTICLE.replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n")
    theirs = ARTICLE.replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged == ARTICLE.replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n  - FERRIES\n").encode()


def test_a_tag_removed_on_one_side_and_added_on_the_other(repo: Repo) -> None:
    ours = ARTICLE.replace("  - TRANSPORT\n", "")
    theirs = ARTICLE.replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged == ARTICLE.replace("  - TRANSPORT\n", "").replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n").encode()


def test_sentiment_on_one_side_draft_on_the_other(repo: Repo) -> None:
    ours = ARTICLE.replace("sentiment: NEUTRAL", "sentiment: NEGATIVE")
    theirs = ARTICLE.replace("draft: false", "draft: true")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged == ARTICLE.replace("sentiment: NEUTRAL", "sentiment: NEGATIVE").replace("draft: false", "draft: true").encode()


def test_neighbouring_lines_changed_on_each_side_merge(repo: Repo) -> None:
    # sentiment and draft are adjacent lines: git's text merge alone would conflict here
    ours = ARTICLE.replace("sentiment: NEUTRAL", "sentiment: NEGATIVE").replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n")
    theirs = ARTICLE.replace("draft: false", "draft: true").replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged.decode() == (ARTICLE.replace("sentiment: NEUTRAL", "sentiment: NEGATIVE").replace("draft: false", "draft: true")
                               .replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n  - FERRIES\n"))


def test_same_field_changed_both_ways_is_a_conflict_check_names(repo: Repo) -> None:
    ours = ARTICLE.replace("sentiment: NEUTRAL", "sentiment: NEGATIVE").replace("draft: false", "draft: true")
    theirs = ARTICLE.replace("sentiment: NEUTRAL", "sentiment: POSITIVE").replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code != 0
    assert "CONFLICT" in said and "conflict in field 'sentiment'" in said
    expected_block = (
        "<<<<<<< sentiment (ours, story.md)\n"
        "sentiment: NEGATIVE\n"
        "=======\n"
        "sentiment: POSITIVE\n"
        ">>>>>>> sentiment (theirs, story.md)\n"
    )
    # the other changes of both sides are merged around the block
    assert merged.decode() == (ARTICLE.replace("sentiment: NEUTRAL\n", expected_block).replace("draft: false", "draft: true")
                               .replace("  - HONG KONG\n", "  - HONG KONG\n  - FERRIES\n"))
    assert b"UU story.md" in repo.git("status", "--porcelain").stdout
    checked = repo.copydesk("check", "--select", "CD1", "story.md")
    assert checked.returncode == 1
    assert "story.md:8:1: CD112 unresolved merge conflict in field 'sentiment'" in checked.stdout
    assert "'sentiment: NEGATIVE'" in checked.stdout and "'sentiment: POSITIVE'" in checked.stdout
    assert "CD103" not in checked.stdout
    # resolved in an editor: keep ours' line, drop the markers and theirs' line
    lines = merged.decode().splitlines(keepends=True)
    resolved = "".join(line for line in lines if not line.startswith(("<<<<<<<", "=======", ">>>>>>>", "sentiment: POSITIVE")))
    repo.write("story.md", resolved)
    assert repo.copydesk("check", "--select", "CD1", "story.md").returncode == 0


def test_body_and_front_matter_changed_on_both_sides(repo: Repo) -> None:
    ours = ARTICLE.replace("draft: false", "draft: true").replace("Fares rise by nine", "Fares rise by 9")
    theirs = ARTICLE.replace("  name: Harbour Desk", "  name: The Harbour Desk").replace("monthly pass.", "monthly pass, again.")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged.decode() == (ARTICLE.replace("draft: false", "draft: true").replace("Fares rise by nine", "Fares rise by 9")
                               .replace("  name: Harbour Desk", "  name: The Harbour Desk").replace("monthly pass.", "monthly pass, again."))


def test_a_body_line_changed_both_ways_conflicts_as_git_would(repo: Repo) -> None:
    ours = ARTICLE.replace("The operator blames fuel.", "The operator blames crews.").replace("draft: false", "draft: true")
    theirs = ARTICLE.replace("The operator blames fuel.", "The operator blames oil.")
    code, merged, _ = merge(repo, ARTICLE, ours, theirs)
    assert code != 0
    text = merged.decode()
    assert "draft: true" in text
    assert ("<<<<<<< body (ours, story.md)\nThe operator blames crews.\n=======\nThe operator blames oil.\n"
            ">>>>>>> body (theirs, story.md)\n") in text
    assert "in the body" in repo.copydesk("check", "--select", "CD1", "story.md").stdout


def test_crlf_article_stays_crlf(repo: Repo) -> None:
    base = ARTICLE.replace("\n", "\r\n")
    ours = base.replace("  - HONG KONG\r\n", "  - HONG KONG\r\n  - ECONOMY\r\n").replace("draft: false", "draft: true")
    theirs = base.replace("  - HONG KONG\r\n", "  - HONG KONG\r\n  - FERRIES\r\n").replace("Commuters", "Riders")
    code, merged, said = merge(repo, base, ours, theirs, name="crlf.md")
    assert code == 0, said
    assert merged == (base.replace("  - HONG KONG\r\n", "  - HONG KONG\r\n  - ECONOMY\r\n  - FERRIES\r\n")
                      .replace("draft: false", "draft: true").replace("Commuters", "Riders")).encode()
    assert merged.count(b"\n") == merged.count(b"\r\n")


def test_crlf_conflict_block_is_crlf(repo: Repo) -> None:
    base = ARTICLE.replace("\n", "\r\n")
    code, merged, _ = merge(repo, base, base.replace("NEUTRAL", "NEGATIVE"), base.replace("NEUTRAL", "POSITIVE"), name="crlf.md")
    assert code != 0
    assert b"<<<<<<< sentiment (ours, crlf.md)\r\nsentiment: NEGATIVE\r\n=======\r\n" in merged
    assert merged.count(b"\n") == merged.count(b"\r\n")


def test_a_side_that_does_not_parse_merges_as_text(repo: Repo) -> None:
    # theirs breaks the YAML (an unquoted ": " in the title): the whole file merges as
    # text, so both sides' changes are kept and nothing is lost
    theirs = ARTICLE.replace("title: Ferry fares rise", "title: Ferry fares: up again")
    ours = ARTICLE.replace("Commuters want", "Riders want")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code == 0, said
    assert merged.decode() == ARTICLE.replace("title: Ferry fares rise", "title: Ferry fares: up again").replace("Commuters want", "Riders want")


def test_an_unparsable_side_that_conflicts_keeps_both_versions(repo: Repo) -> None:
    theirs = ARTICLE.replace("title: Ferry fares rise", "title: Ferry fares: up again")
    ours = ARTICLE.replace("title: Ferry fares rise", "title: Ferry fares rise again")
    code, merged, said = merge(repo, ARTICLE, ours, theirs)
    assert code != 0
    assert "conflict in the file, merged as text (a side has no readable front matter: YAML syntax error" in said
    text = merged.decode()
    assert "title: Ferry fares rise again\n=======\ntitle: Ferry fares: up again\n" in text
    checked = repo.copydesk("check", "--select", "CD1", "story.md").stdout
    assert "CD112 unresolved merge conflict in field 'title'" in checked


def test_toml_front_matter_tags_on_both_sides(repo: Repo) -> None:
    base = '+++\ntitle = "Ferry fares rise"\ntags = ["TRANSPORT"]\ndraft = false\n+++\nBody.\n'
    ours = base.replace('["TRANSPORT"]', '["TRANSPORT", "ECONOMY"]')
    theirs = base.replace('["TRANSPORT"]', '["TRANSPORT", "FERRIES"]').replace("draft = false", "draft = true")
    code, merged, said = merge(repo, base, ours, theirs, name="hugo.md")
    assert code == 0, said
    assert merged.decode() == base.replace('["TRANSPORT"]', '["TRANSPORT", "ECONOMY", "FERRIES"]').replace("draft = false", "draft = true")


# -- the merge itself, without git's plumbing around it ------------------------------------


def test_nested_fields_merge_key_by_key_and_conflict_by_name() -> None:
    ours = ARTICLE.replace("  name: Harbour Desk", "  name: Harbour News")
    theirs = ARTICLE.replace("  key: harbourdesk", "  key: harbournews")
    merged = merge_article(ARTICLE.encode(), ours.encode(), theirs.encode(), "a.md")
    assert merged.conflicts == ()
    assert merged.data.decode() == ours.replace("  key: harbourdesk", "  key: harbournews")
    clash = merge_article(ARTICLE.encode(), ours.encode(), ARTICLE.replace("Harbour Desk", "Port Desk").encode(), "a.md")
    assert clash.conflicts == ("source.name",)
    assert "<<<<<<< source.name (ours, a.md)\n  name: Harbour News\n=======\n  name: Port Desk\n" in clash.data.decode()


def test_field_deleted_on_one_side_and_changed_on_the_other_conflicts() -> None:
    ours = ARTICLE.replace("draft: false\n", "")
    theirs = ARTICLE.replace("draft: false", "draft: true")
    merged = merge_article(ARTICLE.encode(), ours.encode(), theirs.encode(), "a.md")
    assert merged.conflicts == ("draft",)
    assert "=======\ndraft: true\n>>>>>>> draft (theirs, a.md)\n" in merged.data.decode()


def test_a_comment_theirs_added_is_kept() -> None:
    theirs = ARTICLE.replace("draft: false", "draft: false  # until the editor reads it")
    ours = ARTICLE.replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n")
    merged = merge_article(ARTICLE.encode(), ours.encode(), theirs.encode(), "a.md")
    assert merged.conflicts == ()
    assert merged.data.decode() == theirs.replace("  - HONG KONG\n", "  - HONG KONG\n  - ECONOMY\n")


def test_not_utf8_merges_as_text() -> None:
    base = ARTICLE.encode().replace(b"fuel", b"fu\xe9l")
    merged = merge_article(base, base.replace(b"Commuters", b"Riders"), base.replace(b"draft: false", b"draft: true"), "a.md")
    assert merged.conflicts == () and merged.how.startswith("text")
    assert merged.data == base.replace(b"Commuters", b"Riders").replace(b"draft: false", b"draft: true")


# -- installing --------------------------------------------------------------------------


def test_install_is_idempotent_and_uninstall_takes_it_back(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r", isolated_env(tmp_path / "home"))
    repo.write(".gitattributes", "*.png binary")  # no final newline: kept, a line added after it
    first = repo.copydesk("git", "install")
    assert first.returncode == 0, first.stderr
    attributes = (repo.path / ".gitattributes").read_text()
    assert attributes.startswith("*.png binary\n")
    for ext in (".md", ".markdown", ".mdx", ".txt"):
        assert f"*{ext} merge=copydesk\n" in attributes
    config = repo.git("config", "--get", "merge.copydesk.driver").stdout.decode()
    assert config.rstrip().endswith("merge-driver %O %A %B %P")
    assert repo.git("check-attr", "merge", "--", "x.md").stdout == b"x.md: merge: copydesk\n"
    again = repo.copydesk("git", "install")
    assert again.returncode == 0 and "already installed" in again.stdout
    assert (repo.path / ".gitattributes").read_text() == attributes
    gone = repo.copydesk("git", "install", "--uninstall")
    assert gone.returncode == 0
    assert (repo.path / ".gitattributes").read_text() == "*.png binary\n"
    assert repo.git("config", "--get", "merge.copydesk.driver", check=False).returncode == 1


def test_install_in_a_subfolder_corpus_scopes_the_patterns(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r", isolated_env(tmp_path / "home"))
    repo.write("site/news desk/copydesk.toml", 'extensions = [".md"]\n')
    done = repo.copydesk("git", "install", "site/news desk")
    assert done.returncode == 0, done.stderr
    assert (repo.path / ".gitattributes").read_text().splitlines()[1:] == ['"site/news desk/**/*.md" merge=copydesk']
    assert repo.git("check-attr", "merge", "--", "site/news desk/a/b.md", "other.md").stdout.decode().splitlines() == [
        "site/news desk/a/b.md: merge: copydesk", "other.md: merge: unspecified"]


def test_install_outside_a_repository_is_refused(tmp_path: Path) -> None:
    import subprocess

    from tests.gitrepo import COPYDESK

    folder = tmp_path / "plain"
    folder.mkdir()
    done = subprocess.run([str(COPYDESK), "git", "install"], cwd=folder, env=isolated_env(tmp_path / "home"),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "not inside a git repository" in done.stderr
    assert not (folder / ".gitattributes").exists()


def test_install_never_writes_through_a_linked_gitattributes(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "r", isolated_env(tmp_path / "home"))
    target = tmp_path / "outside"
    target.write_text("kept\n")
    (repo.path / ".gitattributes").symlink_to(target)
    done = repo.copydesk("git", "install")
    assert done.returncode == 2 and "symbolic link" in done.stderr
    assert target.read_text() == "kept\n"
    assert repo.git("config", "--get", "merge.copydesk.driver", check=False).returncode == 1  # nothing half-done


def test_json_front_matter_merges_field_by_field() -> None:
    base = '{\n  "title": "Ferry fares rise",\n  "tags": ["TRANSPORT"],\n  "draft": false,\n  "sentiment": "NEUTRAL"\n}\nBody.\n'
    ours = base.replace('["TRANSPORT"]', '["TRANSPORT", "ECONOMY"]').replace('"NEUTRAL"', '"NEGATIVE"')
    theirs = base.replace('["TRANSPORT"]', '["TRANSPORT", "FERRIES"]').replace("false", "true")
    merged = merge_article(base.encode(), ours.encode(), theirs.encode(), "a.md")
    assert merged.conflicts == ()
    assert merged.data.decode() == ours.replace('"ECONOMY"]', '"ECONOMY", "FERRIES"]').replace("false", "true")


def test_a_hostile_path_or_key_stays_on_its_marker_line() -> None:
    base = ARTICLE.replace("draft: false", '"dr\\naft": false')
    merged = merge_article(base.encode(), base.replace("false", "true").encode(), base.replace("false", "null").encode(),
                           "news/a\n>>>>>>> b.md")
    assert merged.conflicts == ("dr\naft",)
    lines = merged.data.decode().splitlines()
    markers = [line for line in lines if line.startswith(("<<<<<<<", "=======", ">>>>>>>"))]
    assert markers == ["<<<<<<< dr\\x0aaft (ours, news/a\\x0a>>>>>>> b.md)", "=======",
                       ">>>>>>> dr\\x0aaft (theirs, news/a\\x0a>>>>>>> b.md)"]
