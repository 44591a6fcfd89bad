"""Views derived from the index (the TUI's list rows): given back only while the index they
were derived from is unchanged, and never when damaged, foreign or of another format."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import index
from core.config import load_config

from .test_index import make_folder

ROWS = [("clean", "NEUTRAL", False, "2025-12-01", "CoinDesk", "Story 1", "ASIA", 0)] * 3


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def scanned(tmp_path: Path):
    root = make_folder(tmp_path / "news")
    config = load_config(root)
    index.scan([root], config, workers=0)
    return root, config


def test_a_view_comes_back_while_the_index_is_unchanged(tmp_path: Path) -> None:
    root, config = scanned(tmp_path)
    assert index.save_view(config, "rows", "v1", ROWS)
    assert index.load_view(config, "rows", "v1") == ROWS
    assert index.snapshot(config) is not None  # reading the index does not drop its views
    assert index.load_view(config, "rows", "v1") == ROWS


def test_a_view_is_dropped_when_the_index_is_rewritten(tmp_path: Path) -> None:
    root, config = scanned(tmp_path)
    assert index.save_view(config, "rows", "v1", ROWS)
    story = next(root.rglob("story-000.md"))
    story.write_text(story.read_text().replace("Story 0", "Story zero"))
    result = index.scan([root], config, workers=0)
    assert result.written
    assert index.load_view(config, "rows", "v1") is None


def test_a_view_of_another_format_or_settings_is_not_used(tmp_path: Path) -> None:
    root, config = scanned(tmp_path)
    assert index.save_view(config, "rows", "v1", ROWS)
    assert index.load_view(config, "rows", "v2") is None
    assert index.load_view(config, "other", "v1") is None
    (root / "copydesk.toml").write_text("ignore = [\"CD401\"]\n")
    assert index.load_view(load_config(root), "rows", "v1") is None


def test_a_damaged_or_foreign_view_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, config = scanned(tmp_path)
    assert index.save_view(config, "rows", "v1", ROWS)
    view = index.index_path(config).with_name("rows.view")
    data = bytearray(view.read_bytes())
    data[-3] ^= 0xFF
    view.write_bytes(bytes(data))
    os.utime(index.index_path(config))  # untouched index identity besides mtime: still not trusted
    assert index.load_view(config, "rows", "v1") is None
    assert index.save_view(config, "rows", "v1", ROWS)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert index.load_view(config, "rows", "v1") is None


def test_no_view_without_an_index(tmp_path: Path) -> None:
    root = make_folder(tmp_path / "news")
    config = load_config(root)
    assert not index.save_view(config, "rows", "v1", ROWS)
    assert index.load_view(config, "rows", "v1") is None


def test_a_view_written_in_parts_comes_back_part_by_part(tmp_path: Path) -> None:
    root, config = scanned(tmp_path)
    parts = ([f"story-{i}", i, {"name": "CoinDesk"}] for i in range(5))  # a generator: never all in memory
    assert index.save_view(config, "values", "v1", ("header",), of_index=False, parts=parts)
    found = index.load_view_parts(config, "values", "v1")
    assert found is not None
    header, got = found
    assert header == ("header",) and list(got) == [[f"story-{i}", i, {"name": "CoinDesk"}] for i in range(5)]
    assert index.load_view(config, "values", "v1") is None  # the plain reader does not half-read it
    assert index.load_view_parts(config, "values", "v2") is None
    # Not tied to the index file: still there after the index is rewritten...
    story = next(root.rglob("story-000.md"))
    story.write_text(story.read_text().replace("Story 0", "Story zero"))
    assert index.scan([root], config, workers=0).written
    assert index.load_view_parts(config, "values", "v1") is not None
    # ...but a damaged or cut file is never decoded.
    view = index.index_path(config).with_name("values.view")
    whole = view.read_bytes()
    for damaged in (whole[:-5], whole[:40] + bytes([whole[40] ^ 1]) + whole[41:]):
        view.write_bytes(damaged)
        assert index.load_view_parts(config, "values", "v1") is None


def test_a_part_that_cannot_be_stored_leaves_no_file(tmp_path: Path) -> None:
    root, config = scanned(tmp_path)
    assert not index.save_view(config, "values", "v1", (), parts=iter([[1], [object()]]))
    assert not list(index.index_path(config).parent.glob("values.view*"))

    def failing_parts():
        yield [1]
        raise RuntimeError("the caller's bug")

    with pytest.raises(RuntimeError):
        index.save_view(config, "values", "v1", (), parts=failing_parts())
    assert not list(index.index_path(config).parent.glob("values.view*"))


def test_views_leave_no_file_open(tmp_path: Path) -> None:
    # Parts are read from the file as they are decoded (the whole file never in memory):
    # every way of not reading them to the end must still close it, not leave it to the
    # garbage collector (which says so with a ResourceWarning).
    import gc
    import warnings

    root, config = scanned(tmp_path)
    assert index.save_view(config, "values", "v1", ("header",), of_index=False, parts=([i] * 100 for i in range(50)))
    assert index.save_view(config, "rows", "v1", ROWS)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert index.load_view(config, "rows", "v1") == ROWS  # one piece, read through a mapping
        assert index.load_view(config, "values", "v1") is None  # a plain reader
        assert index.load_view_parts(config, "values", "v2") is None  # another format
        header, parts = index.load_view_parts(config, "values", "v1")
        assert next(parts) == [0] * 100
        parts.close()  # read in part
        _, parts = index.load_view_parts(config, "values", "v1")
        assert [p[0] for p in parts] == list(range(50))  # read to the end
        del parts
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
