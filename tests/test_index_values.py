"""`list --where`, `tags` and the planning of `set` / `tag --where` answered from the index and
the values `check` keeps beside it (core.index.values): the very output of reading every
file, also for files changed, added or removed since the index was written."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest

from bench.generate import generate
from core.cli.main import main
from core.index import index_path
from core.index import listing as index_listing
from core.index import values as index_values

SAMPLES = Path(__file__).resolve().parents[1] / "samples"

QUERIES = (
    "", "tag:ASIA", "tag:ASIA sentiment:NEGATIVE", "-tag:ASIA", "tag:bitcoin,ethereum", "is:draft", "-is:draft", "is:raw",
    "is:invalid", "code:CD2", "code:CD301", "bitcoin", '"hong kong"', "title:~rally", "publishedAt:>=2025-06-01",
    "publishedAt:<2024-01-01", "has:description", "has:updatedAt", "source.name:CoinDesk", "source.key:~coin",
    "sentiment:POSITIVE,NEUTRAL", "draft:true", "category:markets", "lang:en",
    # the states other parts of the core answer: the suggestion (reads the body), the groups, git
    "is:contradicted", "is:duplicate", "is:modified",
    # errors must be the same errors: an unknown field, a nested one only some articles have, a typo
    "nosuch:x", "ai.model:x", "ai.nosuch:x", "sentiment:negativ", "tag:",
)


def run(args: list[str], fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    """The command in this process, answered from the index (``fast``) or by reading every file."""
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(index_listing, "listed_articles", lambda *a, **k: None)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exc:
                code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Generated articles (raw and broken ones included) and the samples, checked once, then
    edited: the index and its kept values are stale for some files."""
    root = tmp_path / "news"
    generate(root / "gen", 160, seed=3)
    shutil.copytree(SAMPLES, root / "samples", ignore=shutil.ignore_patterns(".copydesk"))
    (root / "copydesk.toml").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert run(["check", str(root)], True, monkeypatch)[0] in (0, 1)
    assert index_path_of(root).with_name("values.view").is_file()
    files = sorted((root / "gen").rglob("*.md"))
    # Edits after the index: new tags and sentiment, a same-size edit, a file made raw, one
    # removed, one added, one whose nested fields change.
    first = files[0].read_text(encoding="utf-8")
    files[0].write_text(first.replace("tags:\n", "tags:\n  - ASIA\n  - FRESHLY-ADDED\n", 1), encoding="utf-8")
    second = files[1].read_text(encoding="utf-8")
    for old, new in (("POSITIVE", "NEGATIVE"), ("NEUTRAL", "NEGATIVE")):
        second = second.replace(f"sentiment: {old}", f"sentiment: {new}")
    stat = files[1].stat()
    files[1].write_text(second, encoding="utf-8")
    os.utime(files[1], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    files[2].write_text("Just scraped text about ASIA, no front matter.\n", encoding="utf-8")
    files[3].unlink()
    (root / "gen" / "added.md").write_text("---\ntitle: Added later\ntags: [ASIA, ADDED]\nsentiment: NEGATIVE\n"
                                           "ai:\n  model: x\n---\nBody.\n", encoding="utf-8")
    return root


def index_path_of(root: Path) -> Path:
    from core.config import load_config

    return index_path(load_config(root))


def commands(root: Path, query: str) -> list[list[str]]:
    where = ["--where", query]
    every = [["list", str(root), *where, "--sort", "-publishedAt"], ["tags", str(root), *where]]
    if query in ("", "tag:ASIA"):
        every += [
            ["list", str(root), *where],
            ["list", str(root), *where, "--format", "paths"],
            ["list", str(root), *where, "--sort", "tag", "--columns", "title,source.name,tags"],
            ["list", str(root / "gen"), *where],
            ["tags", str(root), "--similar", *where],
            ["tags", str(root), "--field", "category", *where],
        ]
    return every


def expected_answer(root: Path, query: str) -> list[bool]:
    """Whether the index answers ``query`` (no call at all when it does not parse)."""
    from core.config import load_config
    from core.query import QueryError, compile

    try:
        keys = compile(query).keys_read()
    except QueryError:
        return []
    return [keys <= set(index_values.kept_keys(load_config(root)))]


def test_list_and_tags_from_the_index_match_reading_every_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answered: list[bool] = []
    listed = index_listing.listed_articles

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found = listed(*args, **kwargs)
        answered.append(found is not None)
        return found

    monkeypatch.setattr(index_listing, "listed_articles", counted)
    for query in QUERIES:
        for args in commands(folder, query):
            answered.clear()
            fast, slow = run(args, True, monkeypatch), run(args, False, monkeypatch)
            assert fast == slow, (args, fast[2], slow[2])
            # The index answered, unless the query reads a key it does not keep.
            assert answered == expected_answer(folder, query), args
    # The edits are seen: the new tag is counted, the removed file is gone.
    code, out, _ = run(["tags", str(folder)], True, monkeypatch)
    assert code == 0 and "FRESHLY-ADDED" in out and "ADDED" in out


def test_a_missing_or_damaged_view_reads_the_files_and_keeps_them(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[int] = []
    load = index_listing.iter_articles

    def counted(paths, config, **kwargs):  # noqa: ANN001, ANN003, ANN202
        read.append(len(paths))
        return load(paths, config, **kwargs)

    monkeypatch.setattr(index_listing, "iter_articles", counted)
    view = index_path_of(folder).with_name("values.view")
    args = ["list", str(folder), "--where", "tag:ASIA sentiment:NEGATIVE"]
    expected = run(args, False, monkeypatch)
    assert run(args, True, monkeypatch) == expected
    assert read == []  # after `check`, the files edited since were parsed by the scan itself
    view.write_bytes(view.read_bytes()[:-40] + bytes(40))  # damaged: its HMAC no longer holds
    assert run(args, True, monkeypatch) == expected
    assert read and read[-1] > 100  # every file read again...
    read.clear()
    assert run(args, True, monkeypatch) == expected
    assert read == []  # ...and kept for the next run
    view.unlink()
    assert run(args, True, monkeypatch) == expected


def test_tag_and_set_where_plan_the_same_changes(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for args in (["tag", str(folder), "--add", "REVIEWED", "--where", "tag:ASIA sentiment:NEGATIVE", "--dry-run"],
                 ["set", str(folder), "draft=true", "--where", "-is:draft tag:ASIA", "--dry-run"],
                 ["tag", str(folder), "--remove", "ASIA", "--where", "is:invalid", "--dry-run"]):
        fast, slow = run(args, True, monkeypatch), run(args, False, monkeypatch)
        assert fast == slow
        assert fast[1].count("+++ b/") >= 1  # some change planned
    # And for real: the file edited after the index gets the tag on its current text.
    code, out, _ = run(["tag", str(folder), "--add", "REVIEWED", "--where", "tag:FRESHLY-ADDED"], True, monkeypatch)
    assert code == 0 and "1 file changed" in out
    edited = [p for p in (folder / "gen").rglob("*.md") if "FRESHLY-ADDED" in p.read_text(encoding="utf-8")]
    assert len(edited) == 1 and "REVIEWED" in edited[0].read_text(encoding="utf-8")


def test_kept_field_names_are_each_articles_own() -> None:
    # Field names are worked out once per key layout: articles alike at the top but not
    # further down, or whose keys are equal but not the same (1 and True), each keep their own.
    from core.query import fields_of

    metas = [{"title": "a", "ai": {"model": "x"}}, {"title": "b", "ai": {"score": 1}},
             {"title": "c", "ai": {"model": {"name": "x"}}}, {"title": "d", "ai": {"model": {"size": 1}}},
             {"title": "e", 1: "one"}, {"title": "f", True: "yes"}, {"title": "g", "ai": {1: "x"}},
             {"title": "h", "ai": {True: "x"}}]
    for meta in metas:
        read = index_values.values_of(meta, ("title",))
        assert read is not None and set(read[2]) == fields_of(meta), meta
