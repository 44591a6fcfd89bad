"""A filter typed during start-up is answered at once, over what is known so far, and says
so; the answer once the folder is read and checked is the command line's ``list --where``.

The keys are sent in a burst right after launch (as a person typing while a large folder
opens), the folder's check or its next slices held until the partial answer is seen.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from core.cli.main import main as cli_main
from tests.test_tui_keys import burst, drained, many_articles
from tests.test_tui_scale import hold_scans
from tests.test_tui_support import ARTICLES, BROKEN, article_text, make_app, settle, write_folder

SIZE = (140, 36)


def listed(root: Path, query: str, capsys) -> list[str]:
    """What ``copydesk list ROOT --where QUERY`` lists: file names, sorted."""
    capsys.readouterr()
    assert cli_main(["list", str(root), "--where", query, "--format", "paths"]) == 0
    return sorted(Path(line).name for line in capsys.readouterr().out.splitlines())


def shown(app) -> list[str]:
    main = app.main_screen
    return sorted(main.ws.articles[i].path.name for i in main.ws.visible)


def status(app) -> str:
    return app.main_screen.status_bar.render().plain


async def partial_answer(pilot, app) -> str:
    """Wait until the list shows a filtered answer marked partial; its status line."""
    for _ in range(2000):
        await pilot.pause(0.02)
        if app.main_screen.status_bar.partial and app.main_screen.ws.query:
            return status(app)
    raise AssertionError(f"no partial answer shown: {status(app)!r}")


async def test_a_filter_typed_on_the_first_start_after_a_check_is_answered_before_the_check(
        tmp_path: Path, monkeypatch, capsys) -> None:
    articles = dict(ARTICLES)
    articles["a6-lagos.md"] = article_text("Fintech round", ["AFRICA"], date="2025-10-01T08:00:00.000Z")
    root = write_folder(tmp_path / "news", articles=articles, broken=BROKEN)
    assert cli_main(["check", str(root)]) in (0, 1)  # the index and its kept values, no session before
    before = listed(root, "tag:ASIA", capsys)  # (reads the index: nothing changed, nothing written)
    # Edited after the check: the index does not know it is tagged ASIA now.
    lagos = root / "a6-lagos.md"
    lagos.write_text(lagos.read_text().replace("  - AFRICA", "  - AFRICA\n  - ASIA"))

    release = hold_scans(monkeypatch, 0, timeout=60)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "slash", *"tag:ASIA", "enter")
        line = await partial_answer(pilot, app)
        # Answered over the index as the check left it, and said to be partial.
        assert shown(app) == before
        assert f"{len(before)}/{len(articles) + len(BROKEN)} shown · partial" in line
        release.set()
        await drained(pilot, app)
        await settle(pilot, app)
        main = app.main_screen
        assert main.filter_input.value == "tag:ASIA"  # every key typed landed in the box
        answer = shown(app)
        assert not main.status_bar.partial and "partial" not in status(app)
    # The checked answer is the command line's: the edited file is in.
    assert answer == listed(root, "tag:ASIA", capsys) == sorted([*before, "a6-lagos.md"])


async def test_a_filter_typed_while_a_folder_without_an_index_is_read_is_refined_slice_by_slice(
        tmp_path: Path, monkeypatch, capsys) -> None:
    import tui.loading as loading_module

    root = tmp_path / "big"
    many_articles(root, 40)  # every third tagged ASIA
    expected = listed(root, "tag:ASIA", capsys)
    shutil.rmtree(root / ".copydesk" / "index")  # what `list` left: the session starts without an index
    monkeypatch.setattr(loading_module, "FIRST_SLICE", 4)  # slices of 4, 12 and 24 files
    release = hold_scans(monkeypatch, 1, timeout=60)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "slash", *"tag:ASIA", "enter")
        line = await partial_answer(pilot, app)
        main = app.main_screen
        assert "partial: filtering 4 of 40 loaded" in line
        first = [main.ws.articles[i].path.name for i in range(len(main.ws.articles))]
        assert len(first) == 4 and shown(app) == sorted(n for n in first if n in expected)
        release.set()
        await drained(pilot, app)
        await settle(pilot, app)
        assert main.filter_input.value == "tag:ASIA"
        assert shown(app) == expected
        assert not main.status_bar.partial and "partial" not in status(app)
    # The filter values came with the rows: kept for the next session, no file read again.
    assert (root / ".copydesk" / "index" / "tui-values.view").is_file()


async def test_a_list_key_after_a_partial_answer_acts_on_the_whole_answer(tmp_path: Path, monkeypatch, capsys) -> None:
    """``a`` typed right after the filter's ``enter`` marks every row the filter answers,
    not only those of the slices read when it was typed."""
    import tui.loading as loading_module

    root = tmp_path / "big"
    many_articles(root, 40)
    expected = listed(root, "tag:ASIA", capsys)
    shutil.rmtree(root / ".copydesk" / "index")
    monkeypatch.setattr(loading_module, "FIRST_SLICE", 4)
    release = hold_scans(monkeypatch, 1, timeout=60)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "slash", *"tag:ASIA", "enter", "a")
        await partial_answer(pilot, app)
        assert app.workspace.marked_count == 0  # held while the answer is partial
        release.set()
        await drained(pilot, app)
        await settle(pilot, app)
        marked = sorted(app.workspace.articles[i].path.name for i in app.workspace.marked)
        assert marked == expected


async def test_a_folder_without_an_index_is_read_in_slices_of_at_most_the_limit(
        tmp_path: Path, monkeypatch, capsys) -> None:
    """The slices grow 3x from the first, up to SLICE_LIMIT files (a larger one raised the
    start's peak memory), and together read every file once; the filter's answer is whole."""
    import core.index
    import tui.loading as loading_module

    root = tmp_path / "big"
    many_articles(root, 40)
    expected = listed(root, "tag:ASIA", capsys)
    shutil.rmtree(root / ".copydesk" / "index")
    monkeypatch.setattr(loading_module, "FIRST_SLICE", 4)
    monkeypatch.setattr(loading_module, "SLICE_LIMIT", 10)
    sizes: list[int] = []
    real_scan = core.index.scan

    def counted(paths, *args, **kwargs):  # noqa: ANN001, ANN202 - the scan's own signature
        sizes.append(len(paths))
        return real_scan(paths, *args, **kwargs)

    monkeypatch.setattr(core.index, "scan", counted)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        burst(app, "slash", *"tag:ASIA", "enter")
        await drained(pilot, app)
        await settle(pilot, app)
        assert shown(app) == expected
    assert sizes[:5] == [4, 10, 10, 10, 6]
