"""The index cache: same results as a full load, re-parsing only what changed, never trusted
over a changed file, ignored when damaged or foreign."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from core import index
from core.config import Config, load_config
from core.document import load_article, load_corpus
from core.index import records, store
from core.index import workers as index_workers
from core.walk import iter_article_paths, walk

SHARED = Path(__file__).resolve().parents[2] / "shared"

ARTICLE = """---
title: {title}
publishedAt: '2025-12-01T07:29:42.000Z'
updatedAt: '2025-12-01T08:36:49.375Z'
description: A short description of the story.
lang: en
source:
  name: CoinDesk
  key: coindesk
  type: RSS
category: MARKET
tags:
  - ASIA
  - {tag}
sentiment: NEUTRAL
draft: false
---
## Overview

{title} is the story. It has a body with some text in it.
"""


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own user cache folder (where the index's HMAC key lives)."""
    cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def make_folder(root: Path, count: int = 12) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sub = root / f"2025/12/{i % 3 + 1:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"story-{i:03d}.md").write_text(ARTICLE.format(title=f"Story {i}", tag="BITCOIN" if i % 2 else "bitcoin"))
    (root / "raw.md").write_text("Exclusive interview\n\nScraped text with no front matter.\n")
    (root / "broken.md").write_text("---\ntitle: a: b\n---\nbody\n")
    (root / "unclosed.md").write_text("---\ntitle: never closed\n")
    (root / "latin1.md").write_bytes(b"---\ntitle: caf\xe9\n---\nbody\n")
    (root / "dup.md").write_text("---\ntitle: x\ntitle: y\n---\nbody\n")
    return root


def config_of(root: Path) -> Config:
    return load_config(root)


def same_as_full_load(result: index.Scan, root: Path, config: Config) -> None:
    corpus = load_corpus([root], config)
    assert [r.relpath for r in result.records] == [a.relpath for a in corpus.articles]
    for record, article in zip(result.records, corpus.articles, strict=True):
        assert record.path == str(article.path)
        assert record.kind == article.kind
        assert record.problems == article.problems
        assert record.fingerprint == article.fingerprint
        assert record.display == index.display_of(article.meta)


def touch_same_size(path: Path, old: str, new: str) -> None:
    """Change the text without changing the size, then put the mtime back."""
    info = path.stat()
    text = path.read_text()
    assert len(old) == len(new) and old in text
    path.write_text(text.replace(old, new, 1))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_size == info.st_size and path.stat().st_mtime_ns == info.st_mtime_ns


def test_first_scan_parses_everything_and_matches_a_full_load(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    result = index.scan([root], config)
    assert result.parsed == len(result) == 17
    assert result.cache == "none" and result.written
    assert index.index_path(config).is_file()
    same_as_full_load(result, root, config)
    kinds = result.kinds()
    assert kinds["raw"] == 1 and kinds["invalid-yaml"] == 2 and kinds["unclosed"] == 1 and kinds["invalid-utf8"] == 1


def test_rescan_of_an_unchanged_folder_parses_nothing(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    again = index.scan([root], config)
    assert again.cache == "loaded"
    assert again.parsed == 0
    assert again.reused + again.verified == len(again) == 17
    same_as_full_load(again, root, config)
    with_problems = [r.relpath for r in again.with_problems()]
    assert with_problems == [r.relpath for r in again.records if r.problems]
    assert "raw.md" in with_problems


def test_only_changed_added_and_removed_files_are_reparsed(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news", count=30)
    config = config_of(root)
    index.scan([root], config)
    changed = sorted(root.glob("2025/12/01/*.md"))[:3]
    for path in changed:
        path.write_text(path.read_text().replace("draft: false", "draft: maybe"))
    (root / "2025/12/02/story-004.md").unlink()
    (root / "new.md").write_text(ARTICLE.format(title="New", tag="ETH"))
    result = index.scan([root], config)
    assert result.parsed == 4  # three changed, one added
    assert len(result) == 35
    same_as_full_load(result, root, config)
    problems = {r.relpath: r.problems for r in result.records}
    assert any(p.code.startswith("CD2") for p in problems[changed[0].relative_to(root).as_posix()])
    assert "2025/12/02/story-004.md" not in problems
    stored, _ = index.load_index(config)
    assert "2025/12/02/story-004.md" not in stored and "new.md" in stored
    again = index.scan([root], config)
    assert again.parsed == 0
    same_as_full_load(again, root, config)  # what was written, read back


@pytest.mark.parametrize("racy_window_ns", [index.RACY_WINDOW_NS, 0])
def test_same_size_edit_with_mtime_restored_is_not_trusted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, racy_window_ns: int
) -> None:
    # With a zero window no entry is re-hashed: the inode change time alone must catch it.
    monkeypatch.setattr(records, "RACY_WINDOW_NS", racy_window_ns)
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    target = root / "2025/12/02/story-001.md"
    touch_same_size(target, "sentiment: NEUTRAL", "sentiment: NEUTRAX")
    result = index.scan([root], config)
    assert result.parsed + result.verified >= 1
    record = next(r for r in result.records if r.path == str(target))
    assert any(p.code == "CD203" for p in record.problems), record.problems
    same_as_full_load(result, root, config)


def test_recently_written_files_are_rehashed_before_being_trusted(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)  # every file was written just now: all entries are racy
    again = index.scan([root], config)
    assert again.verified == len(again) and again.parsed == 0
    stored, _ = index.load_index(config)
    assert all(entry[2] & 1 for entry in stored.values())


def test_racy_entry_whose_content_hash_differs_is_reparsed(tmp_path: Path) -> None:
    # A write within the same clock tick as the reading can leave every stat value as it
    # was; stand in for it by giving the stored entry the file's new stat values.
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    target = root / "2025/12/03/story-002.md"
    touch_same_size(target, "sentiment: NEUTRAL", "sentiment: NEUTRAX")
    stored, _ = index.load_index(config)
    relpath = "2025/12/03/story-002.md"
    assert stored[relpath][2] & 1  # marked racy
    fresh_key = next(f.key for f in walk([root], config) if f.relpath == relpath)
    stored[relpath] = (relpath, fresh_key, *stored[relpath][2:])
    assert index.save_index(config, [stored[rel] for rel in sorted(stored)])
    result = index.scan([root], config)
    assert result.parsed == 1 and result.verified == len(result) - 1
    record = next(r for r in result.records if r.relpath == relpath)
    assert any(p.code == "CD203" for p in record.problems)


def test_rehash_clears_the_racy_mark_once_the_file_is_old(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    monkeypatch.setattr(records, "RACY_WINDOW_NS", 0)
    assert index.scan([root], config).verified == 17
    third = index.scan([root], config)
    assert third.reused == 17 and third.verified == 0 and third.parsed == 0


def test_settings_change_discards_the_index(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    index.scan([root], config_of(root))
    (root / "copydesk.toml").write_text('vocabulary = ["MARKETS"]\n')
    config = config_of(root)
    result = index.scan([root], config)
    assert result.cache == "settings or copydesk changed"
    assert result.parsed == len(result)
    assert any(p.code == "CD208" for r in result.records for p in r.problems)
    same_as_full_load(result, root, config)


def test_a_narrower_selection_is_served_from_the_index_filtered(tmp_path: Path) -> None:
    # Each entry records the rules its problems were found under: a selection it holds is
    # served from it, its problems filtered, without parsing; the index keeps it whole.
    root = make_folder(tmp_path / "news")
    full = index.scan([root], config_of(root))
    assert any(p.code.startswith("CD3") for r in full.records for p in r.problems)
    (root / "copydesk.toml").write_text('ignore = ["CD3"]\n')
    config = config_of(root)
    narrow = index.scan([root], config)
    assert narrow.cache == "loaded" and narrow.parsed == 0
    assert not any(p.code.startswith("CD3") for r in narrow.records for p in r.problems)
    same_as_full_load(narrow, root, config)
    (root / "copydesk.toml").unlink()
    again = index.scan([root], config_of(root))
    assert again.parsed == 0 and again.records == full.records


def test_a_wider_selection_parses_what_a_narrower_one_made(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('select = ["CD2"]\n')
    narrow = index.scan([root], config_of(root))
    assert narrow.parsed == len(narrow)
    assert {p.code[:3] for r in narrow.records for p in r.problems} <= {"CD2"}
    (root / "copydesk.toml").unlink()
    config = config_of(root)
    wide = index.scan([root], config)
    assert wide.cache == "loaded" and wide.parsed == len(wide)
    assert any(p.code.startswith(("CD3", "CD4")) for r in wide.records for p in r.problems)
    same_as_full_load(wide, root, config)
    assert index.scan([root], config).parsed == 0


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "empty"])
def test_damaged_index_is_ignored_and_rebuilt(tmp_path: Path, damage: str) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    path = index.index_path(config)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[len(data) // 2] ^= 0x40
    elif damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "garbage":
        data = bytearray(b"copydesk-index\n" + os.urandom(200))
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    result = index.scan([root], config)
    assert result.cache != "loaded"
    assert result.parsed == len(result)
    same_as_full_load(result, root, config)
    assert index.scan([root], config).cache == "loaded"


def test_index_written_by_another_user_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    result = index.scan([root], config)
    assert result.cache == "not written by this user, or damaged"
    assert result.parsed == len(result)


def test_deleting_the_index_folder_is_safe(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    shutil.rmtree(root / ".copydesk")
    result = index.scan([root], config)
    assert result.cache == "none" and result.parsed == len(result)
    same_as_full_load(result, root, config)


def test_no_cache_neither_reads_nor_writes_the_index(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    result = index.scan([root], config, cache=False)
    assert result.cache == "off" and not result.written
    assert not (root / ".copydesk").exists()


@pytest.mark.parametrize("workers", [0, 2])
def test_a_problems_only_scan_finds_what_a_full_scan_finds(tmp_path: Path, workers: int) -> None:
    """``check --no-cache`` scans for problems only (no SHA-256, no display values): every
    article's path, kind, format and problems are the full scan's, broken files included."""
    root = make_folder(tmp_path / "news", count=30)
    (root / "bom.md").write_bytes(b"\xef\xbb\xbf---\r\ntitle: BOM and CRLF\r\ntags: [A, b]\r\n---\r\nbody\r\n")
    (root / "toml.md").write_text('+++\ntitle = "t"\n+++\nbody\n')
    (root / "link.md").symlink_to(root / "raw.md")
    (root / "dir.md").mkdir()
    config = config_of(root)
    full = index.scan([root], config, cache=False, workers=workers)
    slim = index.scan([root], config, cache=False, workers=workers, problems_only=True)
    assert slim.paths == full.paths
    assert [(r.kind, r.format, r.problems) for r in slim.records] == [(r.kind, r.format, r.problems) for r in full.records]
    assert [r.relpath for r in slim.with_problems()] == [r.relpath for r in full.with_problems()]
    assert {r.kind for r in slim.records} >= {"front-matter", "raw", "unclosed", "invalid-yaml", "invalid-utf8", "unreadable"}
    assert all(r.fingerprint is None and r.display is None for r in slim.records)
    assert not (root / ".copydesk").exists()


def test_a_problems_only_scan_never_touches_the_index(tmp_path: Path) -> None:
    config = config_of(make_folder(tmp_path / "news"))
    with pytest.raises(ValueError, match="cache=False"):
        index.scan([config.root], config, problems_only=True)


def test_an_article_inspected_without_its_fingerprint_is_the_same_otherwise(tmp_path: Path) -> None:
    from core.document import inspect_file

    root = make_folder(tmp_path / "news")
    config = config_of(root)
    for found in walk([root], config):
        full = inspect_file(found.path, config, found.relpath)
        slim = inspect_file(found.path, config, found.relpath, fingerprint=False)
        assert slim.fingerprint is None
        assert slim._replace(fingerprint=full.fingerprint) == full


def test_links_are_read_every_time(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    (root / "link.md").symlink_to(root / "raw.md")
    config = config_of(root)
    index.scan([root], config)
    again = index.scan([root], config)
    assert again.parsed == 1
    link = next(r for r in again.records if r.relpath == "link.md")
    assert link.kind == "unreadable"


def test_scanning_a_subfolder_keeps_the_rest_of_the_index(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    (root / "2025/12/01/story-000.md").write_text(ARTICLE.format(title="Changed", tag="SOL"))
    part = index.scan([root / "2025/12/01"], config)
    assert part.parsed == 1 and len(part) == 4
    stored, _ = index.load_index(config)
    assert len(stored) == 17
    again = index.scan([root], config)
    assert again.parsed == 0
    same_as_full_load(again, root, config)  # the entries the partial scan copied over are intact


def test_parallel_parsing_gives_the_same_records(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news", count=60)
    config = config_of(root)
    serial = index.scan([root], config, cache=False, workers=0)
    parallel = index.scan([root], config, cache=False, workers=2)
    assert parallel.workers == 2 and serial.workers == 0
    assert parallel.records == serial.records


def test_the_worker_pool_sleeps_while_results_come_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The standard pool's worker-handler thread wakes (and checks every worker) each time
    a result waits to be read, taking CPU from the parsing workers; ours wakes only when a
    worker exits or the pool changes state."""
    import multiprocessing.pool

    wake_ups: list[int] = []
    maintain = multiprocessing.pool.Pool._maintain_pool

    def counted(*args: object) -> None:
        wake_ups.append(1)
        maintain(*args)

    monkeypatch.setattr(multiprocessing.pool.Pool, "_maintain_pool", staticmethod(counted))
    root = make_folder(tmp_path / "news", count=600)
    config = config_of(root)
    result = index.scan([root], config, cache=False, workers=2)
    assert result.workers == 2 and result.parsed == 605  # and the five odd files
    assert len(wake_ups) <= 3  # start, the job done; dozens of results came in


def _parent_pids(chunk: list[tuple[str, ...]]) -> list[int]:
    """A work function for in_workers (module level: workers find it by name)."""
    return [os.getppid() for _ in chunk]


def test_workers_forked_from_the_server_are_not_the_callers_children(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The terminal UI's workers come from a small fork server (not from the app, whose pages
    they would copy as both run), and parse, check and send back what forked ones do."""
    root = make_folder(tmp_path / "news", count=60)
    (root / "2025/12/01/story-001.md").write_text(ARTICLE.format(title="Changed", tag="NOT A TAG !"))
    config = config_of(root)
    serial = index.scan([root], config, cache=False, workers=0)
    monkeypatch.setattr(index_workers, "_from_server", False)
    index_workers.fork_from_server(("core.index.scanning", "core.index.metadata"))
    assert index_workers._from_server
    found = walk([root], config)
    parents = set(index_workers.in_workers(_parent_pids, found, index_workers.Inherited(config), 2))
    assert os.getpid() not in parents and len(parents) == 1  # both forked by the server
    parallel = index.scan([root], config, cache=False, workers=2)
    assert parallel.workers == 2 and parallel.records == serial.records
    checked = {r.relpath: r.fingerprint for r in serial.records}
    assert list(index.map_articles([root], config, _title_and_codes, workers=2, checked=checked)) == \
        list(index.map_articles([root], config, _title_and_codes, workers=0, checked=checked))


def test_the_walk_selects_articles_once_each(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    (root / ".git").mkdir()
    (root / ".git" / "x.md").write_text("hidden folder")
    (root / ".hidden.md").write_text("a hidden file is an article")
    (root / "notes.txt").write_text("txt is an article extension")
    (root / "image.png").write_bytes(b"\x89PNG")
    (root / "dir.md").mkdir()
    (root / "a.md.copydesk-lock").write_text("lock")
    (root / "drafts").mkdir()
    (root / "drafts" / "skip.md").write_text("excluded")
    (root / "copydesk.toml").write_text('exclude = ["drafts/*"]\n')
    config = config_of(root)
    walked = [f.path for f in walk([root, root / "raw.md"], config)]
    assert walked == [str(p) for p in iter_article_paths([root, root / "raw.md"], config)]
    names = [f.relpath for f in walk([root, root / "raw.md"], config)]
    assert len(names) == len(set(names))  # raw.md, given again, is found once
    assert {".hidden.md", "notes.txt", "dir.md", "raw.md"} <= set(names)  # dir.md: listed for CD107
    assert not {".git/x.md", "image.png", "a.md.copydesk-lock", "drafts/skip.md"} & set(names)


def test_index_lives_only_under_the_copydesk_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    before = {p for p in root.rglob("*") if ".copydesk" not in p.parts}
    config = config_of(root)
    index.scan([root], config)
    index.scan([root], config)
    after = {p for p in root.rglob("*") if ".copydesk" not in p.parts}
    assert before == after
    assert [p.name for p in (root / ".copydesk" / "index").iterdir()] == [index.INDEX_NAME]


def test_shared_corpus_matches_a_full_load() -> None:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"shared corpus not found at {corpus} (it lives beside the project)")
    config = Config(root=corpus)
    result = index.scan([corpus], config, cache=False, workers=2)
    same_as_full_load(result, corpus, config)


@pytest.mark.parametrize("workers", [0, 2])
def test_load_articles_gives_what_load_corpus_gives(tmp_path: Path, workers: int) -> None:
    root = make_folder(tmp_path / "news", count=40)
    (root / "bom.md").write_bytes(b"\xef\xbb\xbf---\r\ntitle: BOM and CRLF\r\ntags: [A, b]\r\n---\r\nbody\r\n")
    (root / "nested.md").write_text("---\ntitle: n\nextra:\n  deep:\n    - {a: 1, b: [x, y]}\n    - 2.5\n    - null\n---\n")
    (root / "link.md").symlink_to(root / "raw.md")
    config = config_of(root)
    loaded = index.load_articles([root], config, workers=workers)
    expected = load_corpus([root], config).articles
    assert loaded == expected
    nested = next(a for a in loaded if a.relpath == "nested.md")
    assert nested.meta is not None and nested.meta["extra"]["deep"][0]["b"] == ("x", "y")
    with pytest.raises(TypeError):
        nested.meta["title"] = "changed"  # type: ignore[index]


def test_shared_corpus_loads_the_same_in_parallel() -> None:
    corpus = SHARED / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"shared corpus not found at {corpus} (it lives beside the project)")
    config = Config(root=corpus)
    assert index.load_articles([corpus], config, workers=2) == load_corpus([corpus], config).articles


def test_index_is_never_written_through_a_link(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / ".copydesk").symlink_to(elsewhere, target_is_directory=True)
    result = index.scan([root], config_of(root))
    assert not result.written
    assert list(elsewhere.iterdir()) == []


def test_progress_counts_the_files_being_parsed(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    calls: list[tuple[int, int]] = []
    index.scan([root], config, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (17, 17)
    (root / "raw.md").write_text("Changed raw text\n")
    calls.clear()
    index.scan([root], config, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 1)]


def test_snapshot_returns_the_last_scan_without_reading_the_folder(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    assert index.snapshot(config) is None
    first = index.scan([root], config)
    (root / "raw.md").unlink()  # the snapshot does not look: the next scan does
    snap = index.snapshot(config)
    assert snap == first.records
    assert any(r.relpath == "raw.md" for r in snap)
    after = index.scan([root], config)
    assert not any(r.relpath == "raw.md" for r in after.records)


def test_index_of_another_format_is_rebuilt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    monkeypatch.setattr(store, "INDEX_FORMAT", store.INDEX_FORMAT + 1)
    result = index.scan([root], config)
    assert result.cache == "other format" and result.parsed == len(result)


def test_walk_feeding_the_workers_gives_the_records_of_a_serial_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With a low threshold the workers start while the walk is still going: the rest of the
    # folder (changed, unchanged and re-hashed files alike) is classified as it is found.
    monkeypatch.setattr(index_workers, "PARALLEL_MIN_FILES", 5)
    root = make_folder(tmp_path / "news", count=90)
    config = config_of(root)
    first = index.scan([root], config)
    assert first.workers == 2 and first.parsed == len(first) == 95
    same_as_full_load(first, root, config)
    for i in range(0, 90, 4):
        path = root / f"2025/12/{i % 3 + 1:02d}/story-{i:03d}.md"
        path.write_text(path.read_text().replace("NEUTRAL", "NEGATIVE"))
    (root / "2025/12/01/story-003.md").unlink()
    calls: list[tuple[int, int]] = []
    again = index.scan([root], config, progress=lambda done, total: calls.append((done, total)))
    assert again.parsed == 23 and len(again) == 94
    assert again.parsed + again.reused + again.verified == len(again)
    assert calls[-1] == (23, 23) and all(done <= total for done, total in calls)
    same_as_full_load(again, root, config)
    assert again.records == index.scan([root], config, cache=False, workers=0).records
    stored, _ = index.load_index(config)
    assert sorted(stored) == [r.relpath for r in again.records]


def test_progress_total_grows_while_the_walk_feeds_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The workers start once a few files need parsing; the total then counts the files the
    # walk has found so far, so a report comes every 256 files or when the parsing catches
    # up with the walk (at most once per folder here), never once per file.
    monkeypatch.setattr(index_workers, "PARALLEL_MIN_FILES", 5)
    root = make_folder(tmp_path / "news", count=90)  # four folders holding files
    calls: list[tuple[int, int]] = []
    result = index.scan([root], config_of(root), progress=lambda done, total: calls.append((done, total)))
    assert result.workers == 2 and calls[-1] == (95, 95)
    assert [total for _, total in calls] == sorted(total for _, total in calls)
    assert len(calls) <= 4, calls


def _title_and_codes(article) -> tuple[str, str, tuple[str, ...]]:
    """An extract function for map_articles (module level: workers find it by name)."""
    return article.relpath, article.title, tuple(p.code for p in article.problems)


@pytest.mark.parametrize("workers", [0, 2])
def test_map_articles_returns_small_values_in_walk_order(tmp_path: Path, workers: int) -> None:
    root = make_folder(tmp_path / "news", count=30)
    config = config_of(root)
    values = list(index.map_articles([root], config, _title_and_codes, workers=workers))
    expected = [_title_and_codes(a) for a in (load_article(Path(f.path), config, f.relpath) for f in walk([root], config))]
    assert values == expected
    assert ("2025/12/01/story-000.md", "Story 0", ("CD303",)) in values



@pytest.mark.parametrize("workers", [0, 2])
def test_map_articles_checks_again_only_the_articles_changed_since_the_scan(tmp_path: Path, workers: int) -> None:
    root = make_folder(tmp_path / "news", count=30)
    config = config_of(root)
    checked = {r.relpath: r.fingerprint for r in index.scan([root], config).records}
    changed = root / "2025/12/01/story-000.md"
    changed.write_text(changed.read_text().replace("NEUTRAL", "UPBEAT"))  # not a sentiment
    full = {rel: found for rel, _, found in index.map_articles([root], config, _title_and_codes, workers=workers)}
    codes = {rel: found for rel, _, found in index.map_articles([root], config, _title_and_codes, workers=workers, checked=checked)}
    # The changed article is checked in full: the schema and the editorial rules both ran...
    assert codes["2025/12/01/story-000.md"] == full["2025/12/01/story-000.md"] == ("CD303", "CD203")
    # ...the versions the scan checked are not checked again (the caller has their problems):
    # only what reading and parsing find (CD1xx) is there.
    unchanged = [rel for rel in full if rel != "2025/12/01/story-000.md"]
    assert any(code[:3] != "CD1" for rel in unchanged for code in full[rel])
    assert all(codes[rel] == tuple(c for c in full[rel] if c[:3] == "CD1") for rel in unchanged)
    assert codes["raw.md"] == ("CD101",) and codes["2025/12/01/story-003.md"] == ()


def test_scan_paths_and_problem_records_come_from_the_index_without_decoding_the_rest(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    index.scan([root], config)
    warm = index.scan([root], config)
    assert warm.parsed == 0
    assert warm.paths == [r.path for r in warm.records] == sorted(warm.paths, key=lambda p: os.path.relpath(p, root))
    with_problems = list(warm.with_problems())
    assert [r.relpath for r in with_problems] == [r.relpath for r in warm.records if r.problems]
    assert with_problems == [r for r in warm.records if r.problems]


def test_a_scan_says_when_its_entries_are_exactly_the_index_file_it_read(tmp_path: Path) -> None:
    # What lets the TUI keep the rows of a list restored from that very index file.
    root = make_folder(tmp_path / "news")
    config = config_of(root)
    first = index.scan([root], config)
    assert first.unchanged_index is None  # everything parsed: there was no index
    token = index.index_token(config)
    again = index.scan([root], config)
    assert token is not None and again.unchanged_index == token
    assert index.index_token(config) == token or again.written  # rewritten only to clear racy marks
    # A file changed: parsed again, so the entries are not the index's any more.
    story = next(root.glob("2025/12/01/*.md"))
    story.write_text(story.read_text().replace("Story", "Tale"))
    changed = index.scan([root], config)
    assert changed.parsed == 1 and changed.unchanged_index is None
    # A file gone: nothing parsed, but the index held one more entry.
    index.scan([root], config)
    (root / "raw.md").unlink()
    gone = index.scan([root], config)
    assert gone.parsed == 0 and gone.unchanged_index is None
    # Without the index, nothing to compare with.
    assert index.scan([root], config, cache=False).unchanged_index is None
