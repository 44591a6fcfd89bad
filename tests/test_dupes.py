"""Duplicate stories (core.dupes, `copydesk dupes`, `is:duplicate` / `dup:`) on small
generated folders: every reprint transformation is found, other stories on the same
subject are not grouped, the seeds are four different stories, the cache computes only
what changed and ignores a tampered file, names are printed safely."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from itertools import combinations
from pathlib import Path

import pytest

from bench.dupes_corpus import TRANSFORMS, write_corpus
from core.config import load_config
from core.dupes import cache_path, find_duplicates

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ESC = "\x1b"


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own user cache folder (where the HMAC key of the cache lives)."""
    cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """40 stories, four per subject, and two reprints per transformation (written once)."""
    root = tmp_path_factory.mktemp("dupes") / "desk"
    corpus = write_corpus(root, 40, 2 * len(TRANSFORMS), same_subject=4, seed=3)
    (root / "copydesk.toml").write_text("")
    return root, corpus


def _copy(generated: tuple[Path, object], tmp_path: Path) -> Path:
    root = tmp_path / "desk"
    shutil.copytree(generated[0], root)
    return root


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line run in this process (a subprocess per call would cost most of the
    file's time), with what it prints."""
    from core.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    here = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse's usage errors
                code = int(exc.code or 0)
    finally:
        os.chdir(here)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def test_each_transformation_is_found_and_other_stories_are_not(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    corpus = generated[1]
    report = find_duplicates([root], load_config(root), workers=0, use_cache=False)
    group_of = report.group_of()
    found = Counter(transform for reprint, (original, transform) in corpus.reprints.items()
                    if reprint in group_of and group_of[reprint] == group_of.get(original))
    assert found == Counter(transform for _, transform in corpus.reprints.values())
    for group in report.groups:
        # Same-subject stories share names and stock phrases, never a group.
        assert len({corpus.story_of[m.relpath] for m in group.members}) == 1, group
    assert len(report.groups) == len(corpus.reprints)
    member = report.groups[0].members[1]
    assert member.link.shared >= 0.5 and "of shingles shared" in report.groups[0].reason


def test_same_subject_stories_share_names_yet_stay_apart(generated) -> None:
    """The stories of one subject do share phrases (the test above is not trivially passed)."""
    from bench.dupes_corpus import shared_fraction

    root, corpus = generated
    subject = [p for p, s in corpus.subject_of.items() if s == 0 and p not in corpus.reprints]
    bodies = [(root / p).read_text().split("---\n", 2)[2] for p in subject]
    shares = [shared_fraction(a, b) for a, b in combinations(bodies, 2)]
    assert max(shares) > 0 and max(shares) < 0.05


def test_seeds_are_four_different_stories(tmp_path: Path) -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"shared seeds not found at {seeds}")
    root = tmp_path / "seeds"
    root.mkdir()
    for seed in sorted(seeds.glob("00[0-3]_*")):
        shutil.copy(seed, root / seed.name)
    (root / "copydesk.toml").write_text("")
    report = find_duplicates([root], load_config(root), workers=0, use_cache=False)
    assert report.compared == 4
    assert report.groups == []
    # Even at a much lower bar than the default, the four stay apart.
    from core.dupes import Settings

    low = find_duplicates([root], load_config(root), Settings(threshold=0.2, title_floor=0.1), workers=0, use_cache=False)
    assert low.groups == []


def test_promotion_and_footer_are_left_out_of_the_comparison(tmp_path: Path, generated) -> None:
    """A body made only of a story plus the lines the body rules call promotion shares all
    of the story's shingles: shared is 100%, not diluted by the added lines."""
    root = _copy(generated, tmp_path)
    corpus = generated[1]
    report = find_duplicates([root], load_config(root), workers=0, use_cache=False)
    by_reprint = {m.relpath: m for g in report.groups for m in g.members}
    for reprint, (_, transform) in corpus.reprints.items():
        if transform in ("promo", "footer", "title"):
            assert by_reprint[reprint].link.jaccard == 1.0, (reprint, transform)


def test_second_run_computes_only_changed_files(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    config = load_config(root)
    first = find_duplicates([root], config, workers=0)
    assert (first.computed, first.reused) == (first.files, 0)
    assert cache_path(config).is_file()
    again = find_duplicates([root], config, workers=0)
    assert (again.computed, again.reused) == (0, first.files)
    assert again.groups == first.groups
    # One story edited: its signature alone is computed; its reprints stop matching it.
    edited = root / "00" / "story-000000.md"
    edited.write_text(edited.read_text().split("---\n", 2)[0] + "---\ntitle: Other\n---\nA different short note, nothing like before, with enough words to count here.\n")
    third = find_duplicates([root], config, workers=0)
    assert (third.computed, third.reused) == (1, first.files - 1)
    assert "00/story-000000.md" not in third.group_of()
    # Same bytes written again (new times): read and hashed, not computed.
    other = root / "00" / "story-000001.md"
    other.write_bytes(other.read_bytes())
    fourth = find_duplicates([root], config, workers=0)
    assert (fourth.computed, fourth.reused) == (0, first.files)


def test_tampered_cache_is_ignored(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    config = load_config(root)
    first = find_duplicates([root], config, workers=0)
    path = cache_path(config)
    data = bytearray(path.read_bytes())
    data[-40] ^= 0xFF
    path.write_bytes(bytes(data))
    again = find_duplicates([root], config, workers=0)
    assert again.cache != "loaded"
    assert (again.computed, again.reused) == (first.files, 0)
    assert again.groups == first.groups


def test_cache_planted_by_someone_else_is_ignored(generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(generated, tmp_path)
    config = load_config(root)
    find_duplicates([root], config, workers=0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    again = find_duplicates([root], config, workers=0)
    assert again.cache != "loaded" and again.reused == 0


def test_check_never_computes_signatures(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    _cli("check", ".", cwd=root)
    _cli("list", ".", "--where", "tag:x", cwd=root)
    assert (root / ".copydesk" / "index").is_dir()
    assert not cache_path(load_config(root)).exists()
    _cli("list", ".", "--where", "is:duplicate", cwd=root)
    assert cache_path(load_config(root)).exists()


def test_workers_find_the_same_groups(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    config = load_config(root)
    alone = find_duplicates([root], config, workers=0, use_cache=False)
    forked = find_duplicates([root], config, workers=2, use_cache=False)
    assert forked.groups == alone.groups and forked.computed == alone.computed


def test_cli_text_json_and_exit_codes(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    text = _cli("dupes", ".", cwd=root)
    assert text.returncode == 1, text.stderr
    report = find_duplicates([root], load_config(root), workers=0)
    first = report.groups[0]
    assert first.id in text.stdout and first.members[0].relpath in text.stdout
    assert f"{len(report.groups)} groups of duplicates" in text.stderr
    out = _cli("dupes", ".", "--format", "json", cwd=root)
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert [g["id"] for g in data["groups"]] == [g.id for g in report.groups]
    assert {m["path"] for m in data["groups"][0]["members"]} == {m.relpath for m in first.members}
    assert data["signatures"] == {"computed": 0, "reused": report.files}
    # Only one story and its reprints: the group alone.
    one = _cli("dupes", ".", "--where", f"dup:{first.id}", "--format", "json", cwd=root)
    assert [g["id"] for g in json.loads(one.stdout)["groups"]] == [first.id]
    # Nothing to group among the originals alone.
    none = _cli("dupes", "00", cwd=root)
    assert none.returncode == 0 and none.stdout == "", none.stdout
    assert _cli("dupes", ".", "--threshold", "1.5", cwd=root).returncode == 2
    assert _cli("dupes", "missing", cwd=root).returncode == 2
    assert _cli("dupes", ".", "--where", "dup:", cwd=root).returncode == 2


def test_threshold_changes_what_counts(generated, tmp_path: Path) -> None:
    """The reworded reprints share less than all of their shingles: a bar above theirs drops them."""
    root = _copy(generated, tmp_path)
    data = json.loads(_cli("dupes", ".", "--format", "json", cwd=root).stdout)
    reworded = [g for g in data["groups"] if g["score"] < 1.0]
    assert reworded
    bar = max(g["score"] for g in reworded) + 0.001
    stricter = json.loads(_cli("dupes", ".", "--format", "json", "--threshold", str(bar), "--title-floor", str(bar),
                               cwd=root).stdout)
    assert len(stricter["groups"]) == len(data["groups"]) - len(reworded)


def test_query_terms(generated, tmp_path: Path) -> None:
    root = _copy(generated, tmp_path)
    report = find_duplicates([root], load_config(root), workers=0)
    grouped = sorted(report.group_of())
    listed = _cli("list", ".", "--where", "is:duplicate", "--format", "paths", cwd=root)
    assert listed.stdout.split() == grouped
    first = report.groups[0]
    by_id = _cli("list", ".", "--where", f"dup:{first.id}", "--format", "paths", cwd=root)
    by_path = _cli("list", ".", "--where", f"dup:{first.members[-1].relpath}", "--format", "paths", cwd=root)
    assert by_id.stdout.split() == by_path.stdout.split() == [m.relpath for m in first.members]
    rest = _cli("list", ".", "--where", "-is:duplicate", "--format", "paths", cwd=root)
    assert len(rest.stdout.split()) == report.files - len(grouped)
    # A value that names no group is said, not answered with an empty list: a mistyped id,
    # and the path of an article no group holds.
    before = {path: path.read_bytes() for path in root.rglob("*.md")}
    alone = next(path.relative_to(root).as_posix() for path in sorted(before) if path.relative_to(root).as_posix() not in grouped)
    for value in (first.id[:-1] + "x", alone):
        for command in (("list", ".", "--format", "paths"), ("set", ".", "draft=true")):
            refused = _cli(*command, "--where", f"title:~a dup:{value}", cwd=root)
            assert refused.returncode == 2, refused
            assert f"column 10: no duplicate group '{value}'" in refused.stderr
            assert "dup:" + value in refused.stderr  # the query, with a caret under the term
    assert {path: path.read_bytes() for path in root.rglob("*.md")} == before


def test_query_terms_in_the_library(generated, tmp_path: Path) -> None:
    from core.document import load_corpus
    from core.query import MatchContext, QueryIndex, compile, where

    root = _copy(generated, tmp_path)
    config = load_config(root)
    articles = load_corpus([root], config, with_rules=False).articles
    grouped = {a.relpath for a in where(articles, "is:duplicate", config)}
    assert grouped == set(find_duplicates([root], config, workers=0).group_of())
    calls = []

    def groups():
        calls.append(1)
        return {articles[0].relpath: "d00000000", articles[1].relpath: "d00000000"}

    index = QueryIndex(articles)
    context = MatchContext(duplicates=groups)
    assert [a.relpath for a in index.select(compile("dup:d00000000"), context)] == [articles[0].relpath, articles[1].relpath]
    index.select(compile("tag:x"), context)
    assert compile("is:duplicate").needs_duplicates and not compile("is:draft").needs_duplicates
    before = len(calls)
    index.select(compile("title:x"), context)
    assert len(calls) == before  # a query without the terms never asks for the groups


def test_hostile_names_are_printed_safely(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    story = " ".join(f"word{i} alpha{i % 7} beta{i % 11}" for i in range(80))
    names = [f"evil{ESC}[31mred\u202e.md", "plain.md"]
    for name in names:
        (root / name).write_text(f"---\ntitle: 'Hostile {ESC}]0;pwned{ESC}\\\\ title'\n---\n{story}\n")
    text = _cli("dupes", ".", cwd=root)
    assert text.returncode == 1
    for stream in (text.stdout, text.stderr):
        assert ESC not in stream and "\u202e" not in stream
    assert "\\x1b" in text.stdout
    out = _cli("dupes", ".", "--format", "json", cwd=root)
    assert ESC not in out.stdout and "\u202e" not in out.stdout
    paths = {m["path"] for m in json.loads(out.stdout)["groups"][0]["members"]}
    assert paths == set(names)


def test_raw_articles_are_compared_by_their_text(tmp_path: Path) -> None:
    root = tmp_path / "desk"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    story = "\n\n".join(" ".join(f"w{p}x{i} and c{i % 5}" for i in range(40)) for p in range(4))
    (root / "a.md").write_text(f"---\ntitle: A story\n---\n{story}\n")
    (root / "b.txt").write_text(f"A story, reprinted\n\n{story}\n\n👉 Subscribe for more\n")
    (root / "short.md").write_text("---\ntitle: Stub\n---\nToo short.\n")
    report = find_duplicates([root], load_config(root), workers=0, use_cache=False)
    assert [[m.relpath for m in g.members] for g in report.groups] == [["a.md", "b.txt"]]
    assert report.too_short == ["short.md"]


def test_start_up_and_index_workers_never_import_numpy(tmp_path: Path) -> None:
    """The TUI's start-up path and the index's scan (its workers' function run in-process)
    leave numpy, scipy and datasketch unimported."""
    root = tmp_path / "desk"
    write_corpus(root, 12, 3)
    (root / "copydesk.toml").write_text("")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "import tui.launch, tui.app, tui.model, tui.loading, core.query\n"
        "from core.config import load_config\n"
        "from core.index import scan\n"
        f"root = Path({str(root)!r})\n"
        "scan([root], load_config(root), workers=1)\n"
        "import core.query as q; q.compile('is:draft tag:x')\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'datasketch') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
