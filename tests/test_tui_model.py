"""The TUI's workspace (no Textual): staging, undo, marks, filter, sort, the draft rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import load_config
from core.document import load_corpus
from core.edit.ops import AddItem, SetValue
from tests.test_tui_support import ARTICLES, BROKEN, article_text, write_folder
from tui.fields import SEED_FIELDS, specs_from_schema, valid_datetime
from tui.model import Row, Workspace, compile_filter
from tui.widgets.tag_input import suggest


def workspace(root: Path) -> Workspace:
    config = load_config(root)
    ws = Workspace(config)
    ws.add_articles(load_corpus([root], config).articles)
    ws.visible = ws.compute_view(None, ws.sort) or []
    return ws


def index(ws: Workspace, name: str) -> int:
    return next(i for i, a in enumerate(ws.articles) if a.path.name == name)


def test_rows_sorted_newest_first_with_broken_files_last(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path, broken=BROKEN))
    names = [ws.articles[i].path.name for i in ws.visible]
    assert names[:5] == ["a5-stablecoins.md", "a4-hong-kong-rules.md", "a3-etf-flows.md", "a2-hashkey-ipo.md", "a1-asia-markets.md"]
    assert sorted(names[5:]) == sorted(BROKEN)
    assert {Row._make(ws.rows[i]).status for i in ws.visible[5:]} <= {"raw", "broken"}


def test_an_order_sorted_while_a_row_changes_is_sorted_again(tmp_path: Path, monkeypatch) -> None:
    # Filters sort in a worker thread (and the order is warmed in one after the metadata
    # pass) while the event loop may stage an edit: the order sorted from the rows before
    # the edit must not be kept as the order after it.
    import tui.model as model

    ws = workspace(write_folder(tmp_path))
    target = index(ws, "a5-stablecoins.md")
    real = model.sort_indices

    def sort_while_a_title_changes(indices, sort, rows, relpaths):  # noqa: ANN001, ANN202
        order = real(indices, sort, rows, relpaths)
        monkeypatch.setattr(model, "sort_indices", real)
        ws.stage({target: [SetValue(("title",), "Aardvarks adopt stablecoins")]})  # meanwhile
        return order

    monkeypatch.setattr(model, "sort_indices", sort_while_a_title_changes)
    assert ws.order("title")[0] != target  # what the worker sorted: the rows before the edit
    assert ws.order("title")[0] == target


def test_a_check_of_edits_staged_before_is_not_shown_as_the_check_of_the_new_ones(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a5 = index(ws, "a5-stablecoins.md")  # no sentiment: an error
    ws.stage({a5: [SetValue(("sentiment",), "POSITIVE")]})
    [(checked, first)] = ws.unchecked_staged()
    problems = ws.check_staged(checked, first)  # in a worker thread, meanwhile:
    ws.undo()
    ws.stage({a5: [SetValue(("title",), "Stablecoin bill stalls")]})  # the sentiment still missing
    assert not ws.set_staged_check(a5, first, problems)
    assert Row._make(ws.rows[a5]).status == "error"
    [(_, second)] = ws.unchecked_staged()
    assert ws.set_staged_check(a5, second, ws.check_staged(a5, second))
    assert Row._make(ws.rows[a5]).status == "error" and [p.code for p in ws.shown(a5).problems] == ["CD201"]
    assert ws.unchecked_staged() == []


def test_row_positions_name_the_row_fields() -> None:
    """Rows are read by position (restored rows are plain tuples): the positions must be the
    Row fields' own."""
    import tui.model as model

    positions = {name: getattr(model, f"COL_{name.upper()}") for name in Row._fields}
    assert positions == {name: i for i, name in enumerate(Row._fields)}


def test_sort_by_date_is_newest_first_to_the_second_and_impossible_dates_go_with_the_undated(tmp_path: Path) -> None:
    articles = {
        "d1-morning.md": article_text("Morning briefing", ["ASIA"], date="2025-11-04T08:00:00Z"),
        "d2-evening.md": article_text("Evening wrap", ["ASIA"], date="2025-11-04T18:30:00Z"),
        "d3-yesterday.md": article_text("Yesterday's story", ["ASIA"], date="2025-11-03T23:59:00Z"),
        "d4-impossible.md": article_text("Impossible date", ["ASIA"], date="2025-13-45T08:00:00Z"),
        "d5-words.md": article_text("Date in words", ["ASIA"], date="Saturday night"),
    }
    ws = workspace(write_folder(tmp_path, articles))
    names = [ws.articles[i].path.name for i in ws.compute_view(None, "date")]
    assert names == ["d2-evening.md", "d1-morning.md", "d3-yesterday.md", "d4-impossible.md", "d5-words.md"]
    assert Row._make(ws.rows[index(ws, "d2-evening.md")]).date == "2025-11-04T18:30:00Z"  # the list shows the day


def test_sort_by_title_puts_articles_without_a_title_last(tmp_path: Path) -> None:
    # They show their path instead; one starting with a digit used to come first.
    articles = {
        "a-zebra.md": article_text("Zebra crossings redrawn", ["CITY"]),
        "b-apple.md": article_text("Apple harvest early", ["FARMING"]),
        "0001-untitled.md": article_text("", ["CITY"]),
    }
    root = write_folder(tmp_path, articles, broken={"0000-raw.md": b"Scraped text with no front matter at all.\n"})
    ws = workspace(root)
    names = [ws.articles[i].path.name for i in ws.compute_view(None, "title")]
    assert names[:2] == ["b-apple.md", "a-zebra.md"]
    assert sorted(names[2:]) == ["0000-raw.md", "0001-untitled.md"]


def test_sort_by_problems_puts_broken_first(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path, broken=BROKEN))
    order = ws.compute_view(None, "problems") or []
    assert [Row._make(ws.rows[i]).status for i in order[:4]].count("broken") == 3


def test_staging_a_value_already_there_changes_nothing(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a1 = index(ws, "a1-asia-markets.md")
    result = ws.set_sentiment([a1], "NEGATIVE")
    assert (result.changed, result.unchanged) == (0, 1)
    assert not ws.staged and not ws.history


def test_set_then_set_back_is_not_dirty_and_undo_restores(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a1 = index(ws, "a1-asia-markets.md")
    ws.set_sentiment([a1], "POSITIVE")
    assert ws.staged[a1] == (SetValue(("sentiment",), "POSITIVE"),)
    assert Row._make(ws.rows[a1]).sentiment == "POSITIVE"
    ws.set_sentiment([a1], "NEGATIVE")  # back to what the file says
    assert a1 not in ws.staged
    assert ws.last_step() == "set sentiment to 'POSITIVE'"  # the edit that step dropped
    assert ws.undo() == 1
    assert ws.staged[a1] == (SetValue(("sentiment",), "POSITIVE"),)
    assert ws.last_step() == "set sentiment to 'POSITIVE'"
    assert ws.undo() == 1
    assert a1 not in ws.staged and Row._make(ws.rows[a1]).sentiment == "NEGATIVE"
    assert ws.undo() == 0


def test_draft_rule_sets_on_mixed_and_clears_when_all_drafts(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    targets = [index(ws, "a2-hashkey-ipo.md"), index(ws, "a3-etf-flows.md")]  # draft, not draft
    value, result = ws.toggle_draft(targets)
    assert value is True and result.changed == 1
    value, result = ws.toggle_draft(targets)
    assert value is False and result.changed == 2
    assert ws.data(targets[0])["draft"] is False and ws.data(targets[1])["draft"] is False


def test_raw_and_broken_targets_are_refused_with_a_reason(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path, broken=BROKEN))
    raw = index(ws, "b1-raw.md")
    bad = index(ws, "b2-bad-yaml.md")
    result = ws.add_tag([raw, bad, index(ws, "a1-asia-markets.md")], "NEWS")
    assert result.changed == 1
    reasons = dict(result.refused)
    assert "adopt" in reasons["b1-raw.md"]
    assert "YAML" in reasons["b2-bad-yaml.md"]
    assert set(ws.staged) == {index(ws, "a1-asia-markets.md")}


def test_marks_survive_filtering_and_count_hidden(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a5 = index(ws, "a5-stablecoins.md")
    ws.toggle_mark(a5)
    ws.visible = ws.compute_view(compile_filter("tag:ASIA", ws.known_fields), ws.sort) or []
    assert a5 not in ws.visible
    assert ws.hidden_marks == 1
    assert ws.targets(ws.visible[0]) == [a5]  # marked rows win over the cursor
    ws.mark_all_visible()
    assert len(ws.marked) == 4 and ws.hidden_marks == 1


def test_filter_sees_dirty_and_marked(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a3 = index(ws, "a3-etf-flows.md")
    ws.add_tag([a3], "NEWS")
    ws.toggle_mark(index(ws, "a1-asia-markets.md"))
    dirty = ws.compute_view(compile_filter("is:dirty", ws.known_fields), ws.sort)
    marked = ws.compute_view(compile_filter("is:marked", ws.known_fields), ws.sort)
    assert dirty == [a3]
    assert marked == [index(ws, "a1-asia-markets.md")]


def test_rename_merges_without_duplicates(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    changed, merged, sample = ws.rename_preview("MARKET", "ASIA")
    assert (changed, merged) == (2, 1)  # a1 has both, a3 only MARKET
    result = ws.rename_tags([("MARKET", "ASIA")])
    assert result.changed == 2
    assert ws.tags_of(index(ws, "a1-asia-markets.md")) == ("ASIA",)
    assert ws.tags_of(index(ws, "a3-etf-flows.md")) == ("ETF", "ASIA")
    assert ws.tag_counts()["ASIA"] == 4 and "MARKET" not in ws.tag_counts()


def test_set_tags_adds_and_removes_items(tmp_path: Path) -> None:
    ws = workspace(write_folder(tmp_path))
    a1 = index(ws, "a1-asia-markets.md")
    ws.set_tags(a1, ["ASIA", "HONG KONG"])
    assert ws.tags_of(a1) == ("ASIA", "HONG KONG")
    assert AddItem(("tags",), "HONG KONG") in ws.staged[a1]


def test_schema_fields_drive_the_editor() -> None:
    specs = specs_from_schema(
        {
            "properties": {
                "title": {"type": "string"},
                "when": {"$ref": "#/definitions/dt"},
                "mood": {"enum": ["UP", "DOWN"]},
                "draft": {"type": "boolean"},
                "tags": {"type": "array"},
                "score": {"type": "number"},
                "source": {"type": "object", "properties": {"name": {"type": "string"}}},
            },
            "definitions": {"dt": {"type": "string", "format": "date-time"}},
        }
    )
    kinds = {spec.name: spec.kind for spec in specs}
    assert kinds == {"title": "text", "when": "datetime", "mood": "enum", "draft": "bool", "tags": "tags", "score": "number",
                     "source.name": "string"}
    assert {s.name for s in SEED_FIELDS} >= {"title", "sentiment", "draft", "tags", "source.name"}


@pytest.mark.parametrize(
    ("text", "ok"),
    [("2025-12-01T07:29:42.000Z", True), ("2025-12-01T07:29:42+02:00", True), ("2025-12-01", False), ("yesterday", False), ("2025-13-01T00:00:00Z", False)],
)
def test_date_input_validation(text: str, ok: bool) -> None:
    assert (valid_datetime(text) is None) is ok


def test_tag_suggestions_prefix_then_fuzzy_with_counts() -> None:
    vocabulary = {"HONG KONG": 7, "HONGKONG": 1, "EXCHANGES": 6, "MONGOLIA": 1, "BITCOIN": 9}
    assert suggest("hong", vocabulary)[:2] == [("HONG KONG", 7), ("HONGKONG", 1)]
    assert ("EXCHANGES", 6) not in suggest("hong", vocabulary)
    assert suggest("bitcon", vocabulary) == [("BITCOIN", 9)]
    assert suggest("  ", vocabulary) == []


def test_workspace_and_fields_never_import_textual() -> None:
    import subprocess
    import sys

    code = (
        "import sys, tui.model, tui.fields\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("case", ["missing folder", "bad config"])
def test_opening_bad_input_is_a_message_not_a_traceback(tmp_path: Path, case: str) -> None:
    import subprocess
    import sys

    if case == "missing folder":
        target = tmp_path / "nowhere"
        expected = "no such file or folder"
    else:
        target = write_folder(tmp_path / "news")
        (target / "copydesk.toml").write_text("colour = 'red'\n")
        expected = "unknown key 'colour'"
    result = subprocess.run([sys.executable, "-m", "tui.launch", str(target)], capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert expected in result.stderr and str(target.name) in result.stderr
    assert "Traceback" not in result.stderr


def test_opening_the_app_neither_imports_the_rules_nor_the_sentiment_model_nor_compiles_the_schema(tmp_path: Path) -> None:
    # Compiling the schema and importing the rules took ~40 ms of a 0.5 s start at 50,000
    # articles; they wait until the folder is checked, after the first screen.
    import subprocess
    import sys

    root = write_folder(tmp_path / "news")
    code = (
        "import sys\nfrom pathlib import Path\nfrom core.config import load_config\nfrom tui.app import CopydeskApp\n"
        f"root = Path({str(root)!r})\napp = CopydeskApp(root, load_config(root))\n"
        "assert app.main_screen.specs and app.main_screen._schema_fields, 'fields from the schema'\n"
        "bad = sorted(m for m in ('core.checks.files', 'core.checks.fields', 'core.checks.consistency', 'core.checks.body', 'core.checks.runner', 'fastjsonschema', 'vaderSentiment') if m in sys.modules)\n"
        "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def run_app_session(root: Path, session: str, *, managed: bool, setup: str = "") -> list[int]:
    """Run the app on ``root`` in a fresh interpreter, as `copydesk PATH` does when
    ``managed`` (``tui.hold_gc`` before Textual is imported), wait for the metadata pass,
    then run ``session`` (lines of ``async with app.run_test() as pilot:``'s body; ``setup``
    runs first, at module level). Returns the integers the session printed."""
    import subprocess
    import sys
    import textwrap

    code = (
        "import asyncio, gc, time\nimport tui\n"
        + ("tui.hold_gc()\n" if managed else "")
        + setup
        + "from pathlib import Path\nfrom core.config import load_config\nfrom tui.app import CopydeskApp\n"
        f"root = Path({str(root)!r})\napp = CopydeskApp(root, load_config(root))\n"
        "async def main():\n"
        "    async with app.run_test(size=(120, 40)) as pilot:\n"
        "        for _ in range(300):\n"
        "            await pilot.pause(0.05)\n"
        "            if app.main_screen.ws.loaded_keys:\n"
        "                break\n"
        + textwrap.indent(session, " " * 8)
        + "asyncio.run(main())\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return [int(word) for word in result.stdout.split()]


@pytest.mark.parametrize("mode", ["managed", "forced after a while", "forced by the amount", "unmanaged"])
def test_the_app_collects_garbage_fully_when_the_user_pauses_only_in_its_own_process(tmp_path: Path, mode: str) -> None:
    # Full collections walk Textual's own cyclic garbage (40-130 ms at 50,000 articles,
    # every few seconds of use) and landed on keystrokes. The app's own process runs them
    # when the input pauses (or, if it never does, a while after they fell due); a process
    # that did not call hold_gc (a test session) keeps the collector as it is.
    setup = (
        ("tui.FORCE_COUNT = 10**6\n" if mode in ("managed", "forced after a while") else "")
        + ("tui.FORCE_AFTER = 0.5\n" if mode == "forced after a while" else "")
        + "full = []\n"
        "gc.callbacks.append(lambda phase, info: phase == 'stop' and info['generation'] == 2 and full.append(time.monotonic()))\n"
    )
    session = (
        "await pilot.pause(1.5)\n"
        "await pilot.press('slash')\n"
        "typing = time.monotonic()\n"
        "for char in 'qwertyuiopasdfghjklz':\n"
        "    junk = [[] for _ in range(20000)]  # what a session allocates, and more\n"
        "    await pilot.press(char)\n"
        "typed = time.monotonic()\n"
        "del junk\n"
        "await pilot.pause(2.0)\n"
        "print(sum(typing <= t <= typed for t in full), sum(t > typed for t in full), gc.get_threshold()[2])\n"
    )
    root = write_folder(tmp_path / "news", broken=BROKEN)
    during, after, threshold = run_app_session(root, session, managed=mode != "unmanaged", setup=setup)[-3:]
    if mode == "managed":
        assert (during, after) == (0, 1) and threshold > 10**6  # one, once the typing stopped
    elif mode.startswith("forced"):
        assert during >= 1  # the input never paused: the due collection ran anyway
    else:
        assert during >= 1 and threshold == 10  # CPython's own trigger, during the typing


@pytest.mark.parametrize("managed", [True, False])
def test_the_app_freezes_what_lives_as_long_as_the_folder_only_in_its_own_process(tmp_path: Path, managed: bool) -> None:
    # At 50,000 articles full collections walking the entries, values and query index
    # paused the app 250-320 ms every 4-5 s; frozen after the metadata pass, they are
    # skipped. A process that did not call hold_gc (a test session) is left alone.
    session = (
        "await pilot.pause(0.5)\n"
        "values = [e.values for e in app.main_screen.ws.articles if getattr(e, 'values', None) is not None]\n"
        "walked = {id(o) for o in gc.get_objects()}  # what full collections walk: frozen objects are not\n"
        "print(len(values), sum(id(v) in walked for v in values), gc.get_freeze_count())\n"
    )
    root = write_folder(tmp_path / "news", broken=BROKEN)
    values, walked, frozen = run_app_session(root, session, managed=managed)[-3:]
    assert values == len(ARTICLES)  # the metadata pass gave every article its filter values
    if managed:
        assert walked == 0 and frozen > 0
    else:
        assert walked == values and frozen == 0


def test_a_staged_rename_is_described_and_its_new_name_judged(tmp_path: Path) -> None:
    from core.edit.ops import RenameKey, describe_edit

    ws = workspace(write_folder(tmp_path))
    target = index(ws, "a5-stablecoins.md")
    assert describe_edit(RenameKey(("source", "name"), "nmae")) == "rename source.name to 'nmae'"
    ws.stage({target: [RenameKey(("lang",), "langauge")]})
    # under its new name the field is one the schema does not declare (CD206)
    assert [p.code for p in ws.edit_problems(target)[("langauge",)]] == ["CD206"]
