"""The TUI at scale: rows painted from the index, whole articles loaded only when needed,
filters answered by the query index with the same results as the plain query."""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from textual.widgets import Markdown

from core import query as core_query
from core.config import load_config
from core.document import load_corpus
from core.index import scan
from core.storage.save import plan_change, save_changes
from core.taxonomy import tag_counts
from tests.test_tui_support import ARTICLES, BROKEN, article_text, make_app, settle, write_folder
from tui.model import (
    COMMON_KEYS,
    Article,
    Row,
    Slim,
    Workspace,
    compile_filter,
    iter_values,
    make_row,
    needed_keys,
    read_values,
    row_of,
)

SIZE = (140, 36)


def slim_workspace(root: Path, with_metadata: bool) -> Workspace:
    config = load_config(root)
    ws = Workspace(config)
    ws.set_records([Slim.from_record(r) for r in scan([root], config).records])
    if with_metadata:
        names: set[str] = set()
        current = lambda key: ws.articles[ws.index_of(key)]  # noqa: E731
        loaded = dict(read_values(item, names, current) for item in iter_values([root], config, COMMON_KEYS))
        ws.attach_metadata(loaded, names, COMMON_KEYS)
    return ws


def names_of(ws: Workspace, indices: list[int] | None) -> list[str]:
    return [ws.articles[i].path.name for i in indices or []]


def hold_scans(monkeypatch, first: int = 0, timeout: float = 10) -> threading.Event:
    """Hold the next session's checks of the folder (``core.index.scan``), after the first
    ``first`` (a folder read without an index is checked slice by slice), until the returned
    event is set."""
    import core.index

    release = threading.Event()
    real_scan = core.index.scan
    calls = 0

    def held_scan(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls > first:
            release.wait(timeout)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(core.index, "scan", held_scan)
    return release


async def restored_rows(pilot, main) -> None:
    """Wait for the list restored from the last session (its check held by :func:`hold_scans`)."""
    for _ in range(50):
        await pilot.pause(0.02)
        if main.list.shown:
            break
    assert main.ws.provisional and main.loader.view_loaded


def test_rows_come_from_the_index_and_the_reader_loads_the_whole_article(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    ws = slim_workspace(root, with_metadata=False)
    assert all(isinstance(a, Slim) for a in ws.articles)
    # The fast row of an index record is the row of its metadata.
    assert [row_of(a) for a in ws.articles] == [make_row(a, a.display_data) for a in ws.articles]
    a4 = ws.index_of((root / "a4-hong-kong-rules.md").resolve())
    assert a4 is not None
    row = Row._make(ws.rows[a4])
    assert (row.title, row.sentiment, row.source, row.date) == ("Hong Kong studies derivatives", "NEGATIVE", "CoinDesk", "2025-11-04T08:00:00.000Z")
    article = ws.full(a4)
    assert isinstance(article, Article)
    assert article.meta is not None and article.meta["description"] == "A short standfirst for the tests."
    assert "the story in two sentences" in article.body()
    assert isinstance(ws.articles[a4], Slim)  # looking is not pinning: memory stays slim


def test_a_file_changed_after_indexing_shows_its_new_version_when_loaded(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    ws = slim_workspace(root, with_metadata=False)
    path = (root / "a3-etf-flows.md").resolve()
    index = ws.index_of(path)
    assert index is not None
    path.write_text(article_text("ETF flows reverse", ["ETF"], sentiment="NEGATIVE", date="2025-11-03T08:00:00.000Z", source="Reuters"))
    assert ws.full(index).title == "ETF flows reverse"
    assert Row._make(ws.rows[index]).title == "ETF flows reverse"
    assert Row._make(ws.rows[index]).sentiment == "NEGATIVE"


def test_an_edit_is_planned_on_the_version_it_was_staged_on(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    ws = slim_workspace(root, with_metadata=False)
    a1 = ws.index_of((root / "a1-asia-markets.md").resolve())
    assert a1 is not None
    ws.add_tag([a1], "HONG KONG")
    article = ws.articles[a1]
    assert isinstance(article, Article)  # pinned while staged
    # The same field changes on disk before the save: a conflict, never an overwrite.
    path = article.path
    path.write_text(path.read_text().replace("  - MARKET\n", "  - MARKETS\n"))
    results = save_changes([plan_change(article, ws.staged[a1])], config=ws.config, label="test")
    assert [r.ok for r in results] == [False]
    assert "MARKETS" in path.read_text() and "HONG KONG" not in path.read_text()


def test_index_backed_filters_match_the_plain_query(tmp_path: Path) -> None:
    articles = dict(ARTICLES)
    articles["a6-odd.md"] = "---\ntitle: [not, a, string]\ndescription: bitcoin rallies\ntags: ASIA\ndraft: true\n---\nBody.\n"
    articles["a7-null.md"] = "---\ntitle: ~\nsentiment:\ntags:\n  - {name: ASIA}\n  - ETF\n---\nBody.\n"
    root = write_folder(tmp_path / "news", articles=articles, broken=BROKEN)
    config = load_config(root)
    full = load_corpus([root], config).articles
    ws = slim_workspace(root, with_metadata=True)
    assert ws.has_keys(COMMON_KEYS)
    known = ws.known_fields
    for text in ["tag:ASIA", "asia", "standfirst", "bitcoin", "is:draft", "is:invalid", "-is:raw", "has:sentiment",
                 "title:~hong", "source.name:Reuters", "lang:en", "tags:ETF sentiment:negative", "code:CD1",
                 "publishedAt>2025-11-02", "has:title", "title:not",
                 # descriptions are kept case-folded for the words search: comparisons still ignore case
                 'description:"A SHORT standfirst for the tests."', "description:~STANDFIRST", "-description:~bitcoin",
                 "has:description", '"Bitcoin Rallies"']:
        query = compile_filter(text, known)
        expected = sorted(a.path.name for a in core_query.compile(text, known).filter(full))
        assert sorted(names_of(ws, ws.compute_view(query, "title"))) == expected, text


def test_what_the_index_alone_can_answer() -> None:
    known = {"tags", "description", "source.name", "ai"}
    assert needed_keys(compile_filter("is:draft -is:raw is:marked code:CD2", known)) == set()
    assert needed_keys(compile_filter("bitcoin", known)) == {"title", "description"}
    assert needed_keys(compile_filter("tags:ASIA -source.name:x", known)) == {"tags", "source"}
    assert needed_keys(compile_filter("has:ai", known)) == {"ai"}


async def test_warm_start_paints_from_the_index_and_a_description_filter_waits_for_metadata(tmp_path: Path) -> None:
    articles = dict(ARTICLES)
    articles["a6-lagos.md"] = article_text("Fintech round", ["AFRICA"], date="2025-10-01T08:00:00.000Z").replace(
        "A short standfirst for the tests.", "Lagos startups raise money."
    ).replace("lang: en\n", "lang: en\nauthor: Ada\n")
    root = write_folder(tmp_path / "news", articles=articles, broken=BROKEN)
    scan([root], load_config(root))  # a previous session left an index
    assert (root / ".copydesk" / "index").is_dir()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        assert main.list.shown == len(articles) + len(BROKEN)
        # The description is not in the index: the filter is answered once metadata is read.
        await pilot.press("slash", *"lagos", "enter")
        await settle(pilot, app)
        assert [main.ws.articles[i].path.name for i in main.ws.visible] == ["a6-lagos.md"]
        # The reader shows the whole article under the cursor.
        body = main.reader.query_one("#reader-body", Markdown)
        assert "Fintech round: the story in two sentences" in body.source
        # A key no article list reads: its values are read on demand, then the filter answers.
        await pilot.press("slash", "escape", "slash", *"author:Ada", "enter")
        await settle(pilot, app)
        assert [main.ws.articles[i].path.name for i in main.ws.visible] == ["a6-lagos.md"]
        assert "author" in main.ws.loaded_keys
        await pilot.press("t", *"NIGERIA", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    text = (root / "a6-lagos.md").read_text()
    assert "  - NIGERIA\n" in text and "Lagos startups raise money." in text
    assert os.path.getsize(root / "a1-asia-markets.md") == len(ARTICLES["a1-asia-markets.md"].encode())


async def test_warm_start_shows_files_changed_since_the_index_was_written(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    scan([root], load_config(root))
    (root / "a3-etf-flows.md").write_text(article_text("ETF flows reverse", ["ETF"], date="2025-11-03T08:00:00.000Z"))
    (root / "a1-asia-markets.md").unlink()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        titles = sorted(Row._make(main.ws.rows[i]).title for i in main.ws.visible)
        assert "ETF flows reverse" in titles and "ETF flows turn positive" not in titles
        assert "Asia markets slide" not in titles and main.list.shown == len(ARTICLES) - 1


async def test_a_second_session_paints_the_saved_list_then_checks_the_folder(tmp_path: Path, monkeypatch) -> None:
    """The list a session leaves beside the index is painted at once by the next one; until
    the folder is checked against it the user can move, read and mark, and an edit waits."""

    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first_rows = sorted(Row._make(app.main_screen.ws.rows[i]).title for i in app.main_screen.ws.visible)
    assert (root / ".copydesk" / "index" / "tui-list.view").is_file()

    release = hold_scans(monkeypatch)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await restored_rows(pilot, main)
        assert sorted(Row._make(main.ws.rows[i]).title for i in main.ws.visible) == first_rows
        await pilot.press("j")
        marked_path = main.ws.articles[main.list.current].path
        await pilot.press("space")
        await pilot.press("d")  # an edit before the check: refused with a message, nothing staged
        await pilot.pause(0.1)
        assert not main.ws.staged
        assert any("checking the folder" in str(n.message) for n in app._notifications)
        await pilot.pause(0.2)
        body = main.reader.query_one("#reader-body", Markdown)
        assert "the story in two sentences" in body.source or "```" in body.source  # the reader works meanwhile
        release.set()
        await settle(pilot, app)
        assert not main.ws.provisional
        assert [main.ws.articles[i].path for i in main.ws.marked] == [marked_path]  # the mark followed its path
        await pilot.press("d")  # checked: the edit goes to the marked article
        await settle(pilot, app)
        assert [main.ws.articles[i].path for i in main.ws.staged] == [marked_path]


async def test_a_restored_list_draws_sorts_and_counts_before_the_check(tmp_path: Path, monkeypatch) -> None:
    """A restored list's rows are the saved plain tuples: the list draws them, sorts them
    and counts their problems while the folder's check is still running."""
    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        checked_problems = app.main_screen.ws.with_problems
    release = hold_scans(monkeypatch)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await restored_rows(pilot, main)
        assert all(type(row) is tuple for row in main.ws.rows)  # as saved: nothing rebuilt before the paint
        assert checked_problems >= len(BROKEN) and main.ws.with_problems == checked_problems
        await pilot.press("o")  # by title
        await pilot.pause(0.2)
        titles = [Row._make(main.ws.rows[i]).title for i in main.ws.visible]
        untitled = sorted(BROKEN)  # raw and broken files show their path: last
        assert titles[len(ARTICLES) :] == untitled and len(titles) == len(ARTICLES) + len(BROKEN)
        assert titles[: len(ARTICLES)] == sorted(titles[: len(ARTICLES)], key=str.casefold)
        drawn = "".join(segment.text for segment in main.list.render_line(0))
        assert titles[0] in drawn
        release.set()
        await settle(pilot, app)
        assert not main.ws.provisional
        assert [Row._make(main.ws.rows[i]).title for i in main.ws.visible] == titles


async def test_a_restored_list_whose_check_fails_says_so_and_r_checks_again(tmp_path: Path, monkeypatch) -> None:
    import core.index

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
    real_scan = core.index.scan
    calls = []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise PermissionError(13, "Permission denied", str(root))
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(core.index, "scan", failing_once)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        assert main.ws.provisional and main.list.shown == len(ARTICLES)
        assert any("R tries again" in str(n.message) for n in app._notifications)
        await pilot.press("R")
        await settle(pilot, app)
        assert not main.ws.provisional and main.list.shown == len(ARTICLES)
        assert len(main.ws.articles) == len(ARTICLES)  # checked, not added twice



async def test_a_report_from_a_loading_thread_during_the_quit_is_dropped(tmp_path: Path) -> None:
    """A thread reading the folder outlives a quit: its progress report can reach the screen
    while its widgets are being removed, and must not turn the quit into a traceback."""
    from textual import events

    from tui.widgets.article_list import ArticleList

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    late: list[str] = []

    def hook(message) -> None:  # noqa: ANN001
        if isinstance(message, events.Unmount) and isinstance(message._sender, ArticleList):
            main = app.main_screen
            main._if_shown(main._scan_progress, 3, 7)  # as _from_thread runs it on the event loop
            late.append(main.load_progress)

    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
    assert late  # the report came while the list was being removed, and was dropped
    assert app.return_code in (0, None)


async def test_start_up_pauses_the_garbage_collector_only_until_the_first_paint(tmp_path: Path) -> None:
    """``copydesk PATH`` pauses the collector while the app starts (tui.hold_gc); the app
    must resume it once the list is on screen, or a long session would never free a cycle."""
    import gc

    import tui

    root = write_folder(tmp_path / "news")
    was_enabled = gc.isenabled()
    tui.hold_gc()
    try:
        assert not gc.isenabled()
        app = make_app(root)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert app.main_screen.list.shown == len(ARTICLES)
            assert gc.isenabled()
    finally:
        tui.release_gc()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _lagos_articles(description: str) -> dict[str, str]:
    articles = dict(ARTICLES)
    articles["a6-lagos.md"] = article_text("Fintech round", ["AFRICA"], date="2025-10-01T08:00:00.000Z").replace(
        "A short standfirst for the tests.", description
    )
    return articles


async def _filtered(app, pilot, query: str) -> list[str]:
    await pilot.press("slash", "ctrl+u", *query, "enter")
    await settle(pilot, app)
    main = app.main_screen
    return sorted(main.ws.articles[i].path.name for i in main.ws.visible)


def _count_passes(monkeypatch, root: Path) -> list[list[str]]:
    """The paths each metadata pass reads, relative to ``root``, one list a pass."""
    import tui.loading as loading_module

    passes: list[list[str]] = []
    real_iter_values = loading_module.iter_values

    def counted_iter_values(paths, *args, **kwargs):
        passes.append([os.path.relpath(p, root) for p in paths])
        return real_iter_values(paths, *args, **kwargs)

    monkeypatch.setattr(loading_module, "iter_values", counted_iter_values)
    return passes


async def test_a_rarer_key_a_filter_read_stays_loaded_in_the_next_session(tmp_path: Path, monkeypatch) -> None:
    articles = _lagos_articles("Lagos startups raise money.")
    articles["a6-lagos.md"] = articles["a6-lagos.md"].replace("\ndescription:", "\nauthor: Ada Obi\ndescription:", 1)
    root = write_folder(tmp_path / "news", articles=articles, broken=BROKEN)
    passes = _count_passes(monkeypatch, root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "author" not in app.main_screen.ws.loaded_keys
        assert await _filtered(app, pilot, "author:~obi") == ["a6-lagos.md"]  # a pass reads it
    # The first read of the folder read the common keys' values with the rows: only the
    # filter on a rarer key read the files again.
    assert passes == [["."]]

    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "author" in app.main_screen.ws.loaded_keys
        assert await _filtered(app, pilot, "author:~obi") == ["a6-lagos.md"]
    assert passes == [["."]]  # no file read for it this time

    # The author of one story changes: that file is read again, for every kept key.
    path = root / "a6-lagos.md"
    path.write_text(path.read_text().replace("Ada Obi", "Bola Ade"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert await _filtered(app, pilot, "author:~ade") == ["a6-lagos.md"]
        assert await _filtered(app, pilot, "author:~obi") == []
    assert passes == [["."], ["a6-lagos.md"]]


async def test_the_next_session_filters_on_the_values_the_last_one_read_unless_a_file_changed(tmp_path: Path, monkeypatch) -> None:
    root = write_folder(tmp_path / "news", articles=_lagos_articles("Lagos startups raise money."), broken=BROKEN)
    passes = _count_passes(monkeypatch, root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert await _filtered(app, pilot, "lagos") == ["a6-lagos.md"]
    # The first read of the folder read the filter values with the rows (no second pass),
    # and kept them for the next session.
    assert passes == [] and (root / ".copydesk" / "index" / "tui-values.view").is_file()

    # Nothing changed: the values come from what the last session kept, no file is read for them.
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert await _filtered(app, pilot, "lagos") == ["a6-lagos.md"]
        assert await _filtered(app, pilot, "tag:ASIA sentiment:NEGATIVE") == ["a1-asia-markets.md", "a4-hong-kong-rules.md"]
        assert await _filtered(app, pilot, "source.name:Reuters") == ["a3-etf-flows.md"]
        assert "author" not in app.main_screen.ws.loaded_keys
    assert passes == []

    # A colleague rewrote a standfirst meanwhile: that file is read again, and only that one.
    path = root / "a6-lagos.md"
    path.write_text(path.read_text().replace("Lagos startups raise money.", "Nairobi startups raise money."))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert await _filtered(app, pilot, "nairobi") == ["a6-lagos.md"]
        assert await _filtered(app, pilot, "lagos") == []
    assert passes == [["a6-lagos.md"]]


def test_kept_filter_values_serve_only_the_very_versions_they_were_read_from(tmp_path: Path) -> None:
    from tui.model import save_values, saved_values

    root = write_folder(tmp_path / "news", articles=_lagos_articles("Lagos startups raise money."), broken=BROKEN)
    config = load_config(root)
    ws = slim_workspace(root, with_metadata=False)
    names: set[str] = set()
    loaded = dict(read_values(item, names, lambda key: ws.articles[ws.index_of(key)]) for item in iter_values([root], config, COMMON_KEYS))
    versions = {e.key: (e.relpath, e.fingerprint) for e in ws.articles}
    assert save_values(config, loaded, versions, names, COMMON_KEYS)

    def plain(values: dict) -> dict:
        return {k: None if v is None else {f: dict(x) if isinstance(x, Mapping) else x for f, x in v.items()} for k, v in values.items()}

    kept, kept_names, stale, kept_keys = saved_values(config, ws.articles, COMMON_KEYS)
    assert kept_names == names and stale == [] and plain(kept) == plain(loaded) and kept_keys == set(COMMON_KEYS)
    assert saved_values(config, ws.articles, (*COMMON_KEYS, "author")) is None  # a key that was not read
    # Another version of one file, and a file the last pass did not see: only those are read again.
    lagos = ws.index_of((root / "a6-lagos.md").resolve())
    changed = list(ws.articles)
    e = changed[lagos]
    changed[lagos] = Slim(e.key, e.relpath, e.kind, e.problems, replace(e.fingerprint, sha256="0" * 64), e.display)
    new = Slim(str(root / "a7-new.md"), "a7-new.md", "front-matter", (), e.fingerprint, e.display)
    kept, _, stale, _ = saved_values(config, [*changed, new], COMMON_KEYS)
    assert stale == [changed[lagos], new]
    assert plain(kept) == plain({k: v for k, v in loaded.items() if k != e.key})


async def test_a_restored_list_shows_what_a_colleague_changed_and_indexed_before_the_check(tmp_path: Path, monkeypatch) -> None:
    """The rows of a restored list are kept after the check only when the check found the
    very index they were saved from. Here a colleague edits a title and runs ``copydesk
    check`` (which rewrites the index) after this session painted its list and before its
    check read the index: that check then parses nothing, yet the row must change."""

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
    release = hold_scans(monkeypatch)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        main = app.main_screen
        await restored_rows(pilot, main)
        assert "Asia markets slide" in [Row._make(row).title for row in main.ws.rows]
        path = root / "a1-asia-markets.md"
        path.write_text(path.read_text().replace("Asia markets slide", "Asia markets rally"))
        rescan = scan([root], load_config(root))  # the colleague's check
        assert rescan.parsed == 1 and rescan.written
        release.set()
        await settle(pilot, app)
        assert not main.ws.provisional
        titles = [Row._make(row).title for row in main.ws.rows]
        assert "Asia markets rally" in titles and "Asia markets slide" not in titles


async def test_a_restored_list_checked_unchanged_keeps_its_rows(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", broken=BROKEN)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        first_rows = list(app.main_screen.ws.rows)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        assert main.loader.view_loaded and not main.ws.provisional
        assert main.ws.rows == first_rows
        assert [a.problems for a in main.ws.articles] and any(a.problems for a in main.ws.articles)


def test_tag_counts_read_the_records_as_the_metadata_would(tmp_path: Path) -> None:
    # Counting reads each record's tags without building its metadata mapping: the counts
    # must be those of the articles' metadata, before and after the filter values are
    # attached (the display values are then dropped), and with staged edits.
    articles = dict(ARTICLES)
    articles["a6-odd.md"] = "---\ntitle: Odd\ntags: ASIA\n---\nBody.\n"  # a string: one tag, as `copydesk tags` counts it
    articles["a7-mixed.md"] = "---\ntitle: Mixed\ntags:\n  - ETF\n  - 7\n  - {name: ASIA}\n  - ETF\n---\nBody.\n"
    root = write_folder(tmp_path / "news", articles=articles, broken=BROKEN)
    expected = tag_counts(load_corpus([root], load_config(root)).articles)  # what the command line counts
    assert expected["ASIA"] == 4
    for with_metadata in (False, True):
        ws = slim_workspace(root, with_metadata)
        assert ws.tag_counts() == expected, with_metadata
        mixed = ws.index_of((root / "a7-mixed.md").resolve())
        assert ws.tags_of(mixed) == ("ETF", "ETF")
        ws.add_tag([mixed], "NEWS")
        assert ws.tag_counts() == expected + Counter({"NEWS": 1})


async def test_the_cursor_starts_on_the_top_row_when_the_metadata_comes_before_the_sorted_rows(
        tmp_path: Path, monkeypatch) -> None:
    # Without an index the rows show in the order the files were read (01-ferry… first), then
    # sorted by date. On a busy machine the metadata pass can be attached before that sorted
    # view is shown; the view it asks for kept "the cursor's article": the first file read.
    import shutil

    root = tmp_path / "samples"
    shutil.copytree(Path(__file__).resolve().parent.parent / "samples", root, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    attached = threading.Event()
    real_attach, real_compute = Workspace.attach_metadata, Workspace.compute_view

    def attach_metadata(self, *args, **kwargs):
        try:
            return real_attach(self, *args, **kwargs)
        finally:
            attached.set()

    def compute_view(self, *args, **kwargs):
        attached.wait(10)  # the sort waits for the metadata, as on a busy machine
        return real_compute(self, *args, **kwargs)

    monkeypatch.setattr(Workspace, "attach_metadata", attach_metadata)
    monkeypatch.setattr(Workspace, "compute_view", compute_view)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        assert attached.is_set()
        top = main.ws.articles[main.ws.visible[0]].relpath
        assert top != "01-ferry-fares-rise.md"  # the date order is not the order read
        assert main.list.cursor == 0 and main.ws.articles[main.list.current].relpath == top


async def test_the_first_start_after_a_check_filters_on_the_values_the_check_kept(tmp_path: Path, monkeypatch) -> None:
    """An index left by `copydesk check` alone (no session before): the filter values come
    from what the check kept beside it, and only a file changed since is read for them."""
    from core.cli.main import main as cli_main

    root = write_folder(tmp_path / "news", articles=_lagos_articles("Lagos startups raise money."), broken=BROKEN)
    assert cli_main(["check", str(root)]) in (0, 1)
    index = root / ".copydesk" / "index"
    assert (index / "values.view").is_file() and not (index / "tui-values.view").exists()
    path = root / "a6-lagos.md"
    path.write_text(path.read_text().replace("Lagos startups raise money.", "Nairobi startups raise money."))
    passes = _count_passes(monkeypatch, root)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert await _filtered(app, pilot, "nairobi") == ["a6-lagos.md"]
        assert await _filtered(app, pilot, "lagos") == []
        assert await _filtered(app, pilot, "tag:ASIA sentiment:NEGATIVE") == ["a1-asia-markets.md", "a4-hong-kong-rules.md"]
        assert await _filtered(app, pilot, "source.name:Reuters") == ["a3-etf-flows.md"]
    assert passes == [["a6-lagos.md"]]  # the file changed since the check, and only that one
    assert (index / "tui-values.view").is_file()  # the session keeps its own for the next start
