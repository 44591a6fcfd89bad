"""The layout read as a person would: the list's columns sized by what the rows hold, the
status line keeping the filter, toasts over nothing else, the footer's keys whole, empty and
blank-edged tags visible in tag lists, a filter's typo answered with a hint."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import OptionList, Static
from textual.widgets._footer import FooterKey
from textual.widgets._toast import Toast

from core import load_config, load_corpus
from tests.test_tui_support import article_text, make_app, settle, write_folder
from tui.model import COL_TITLE
from tui.widgets.status_bar import Counts, Outside, StatusBar

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
DOCK = "Dock workers end strike after agreement on shift lengths"  # 56 characters
REGULATOR_TAGS = 'Hong Kong, "␠REGULATIONS", REGULATION, MARKETS, REGULATION, ⟨empty⟩, HONGKONG, Hong-Kong'


def copy_samples(tmp_path: Path) -> Path:
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    return root


def line(widget, y: int = 0) -> str:
    """The widget's line ``y`` as painted."""
    return "".join(segment.text for segment in widget.render_line(y))


def list_lines(app) -> list[str]:
    main = app.main_screen
    return [line(main.list, y) for y in range(main.list.size.height)]


# -- the list's columns ------------------------------------------------------------------------


def test_columns_fit_their_longest_cells_when_there_is_room() -> None:
    from tui.widgets.article_list import Lengths, column_widths

    lengths = Lengths(source=[8, 12], title=[30, 60], tags=[10, 20])
    columns = column_widths(200, lengths)
    assert columns.source == 12
    assert columns.title == 60  # not the whole width: the tags follow the longest title
    assert columns.tags >= 20


def test_columns_share_a_narrow_width_with_the_title_first() -> None:
    from tui.widgets.article_list import Lengths, column_widths

    lengths = Lengths(source=[12] * 20, title=[50, 55, 60, 65] * 5, tags=[15, 20, 25, 30] * 5)
    columns = column_widths(80, lengths)
    assert columns.source + columns.title + columns.tags == 80 - 25  # 25: the fixed cells and gaps
    assert columns.title > columns.tags >= 6


async def test_titles_are_whole_at_120_and_200_columns_and_tags_take_the_rest(tmp_path: Path) -> None:
    root = copy_samples(tmp_path)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        # The title column was ~48 columns whatever the titles held: this one was cut.
        assert any(DOCK in text for text in list_lines(app))
    app = make_app(root)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        list_lines(app)
        await pilot.pause()  # the header is repainted after the rows it follows
        rows = list_lines(app)
        header = line(app.main_screen.query_one("#list-header"))
        # The title column took ~120 mostly blank columns while these tags were cut: now it is
        # as wide as the longest title, and the tags take every column left.
        longest = max(len(row[COL_TITLE]) for row in app.main_screen.ws.rows)
        assert header.index("TAGS") - header.index("TITLE") - 1 == longest
        regulator = next(text for text in rows if "Regulator publishes" in text)
        start = header.index("TAGS")  # the header follows the rows
        assert regulator.index(REGULATOR_TAGS[:20]) == start
        room = len(regulator.rstrip("▁▂▃▄▅▆▇█ ")) - start
        shown = regulator[start:].rstrip("▁▂▃▄▅▆▇█ ")
        assert shown == REGULATOR_TAGS or (shown.endswith("…") and REGULATOR_TAGS.startswith(shown[:-1].rstrip(", ")))
        assert room >= min(len(REGULATOR_TAGS), 200 - start - 2)  # no blank columns left to the tags


# -- the status line ---------------------------------------------------------------------------


class StatusApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")


async def test_a_long_filter_is_shortened_never_dropped_from_the_status_line() -> None:
    app = StatusApp()
    async with app.run_test(size=(80, 3)) as pilot:
        bar = app.query_one(StatusBar)
        bar.counts = Counts(shown=3, total=21, marked=3, hidden_marks=1, with_problems=16, unsaved=2)
        bar.filter = "tag:transport sentiment:positive is:invalid -is:draft category:city title:~school"
        await pilot.pause()
        text = line(bar)
        assert text.startswith("3/21 shown · filter: tag:transpo…")
        bar.outside = Outside(changed=2)
        await pilot.pause()
        text = line(bar)
        assert text.startswith("3/21 shown · filter: tag:tran")


# -- toasts ------------------------------------------------------------------------------------


async def test_toasts_do_not_pile_up_over_the_status_line(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot, app)
        app.clear_notifications()
        for key in ("o", "a", "A", "o", "a", "A", "o"):
            await pilot.press(key)
        app.notify("sorted by title", timeout=10)  # a repeat replaces the toast showing it
        await pilot.pause(0.3)
        toasts = list(app.screen.query(Toast))
        assert 1 < len(toasts) <= 3
        texts = [str(toast.render()) for toast in toasts]
        assert len(set(texts)) == len(texts)
        status = app.main_screen.status_bar.region
        for toast in toasts:
            assert toast.region.bottom <= status.y, "a toast covers the status line"


async def test_an_error_toast_outlives_later_notes(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=(120, 35), notifications=True) as pilot:
        await settle(pilot, app)
        app.clear_notifications()
        app.notify("save failed: disk full", severity="error", timeout=30)
        for n in range(5):
            app.notify(f"note {n}", timeout=30)
        await pilot.pause(0.3)
        texts = [str(toast.render()) for toast in app.screen.query(Toast)]
        assert any("disk full" in text for text in texts)
        assert any("note 4" in text for text in texts) and len(texts) == 3


# -- the footer --------------------------------------------------------------------------------


async def test_the_footer_shows_whole_keys_with_save_help_and_quit_at_80_columns(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        keys = [key for key in app.screen.query(FooterKey) if key.display]
        assert {"Save", "Help", "Quit"} <= {key.description for key in keys}
        for key in keys:
            assert key.region.right <= 80, f"{key.description!r} is cut at the terminal's edge"


# -- empty and blank-edged tags ----------------------------------------------------------------

ODD_TAGS = {
    "c1-odd-tags.md": article_text("Odd tags", ["''", "' ECONOMY'", "ECONOMY"]),
    "c2-more.md": article_text("More odd tags", ["'HONG  KONG'", "ECONOMY"], date="2025-11-02T08:00:00.000Z"),
}


def test_shown_tag_makes_empty_and_blank_edged_tags_visible() -> None:
    from core.display import shown_tag

    assert shown_tag("") == "⟨empty⟩"
    assert shown_tag(" ECONOMY") == '"␠ECONOMY"'
    assert shown_tag("HONG  KONG") == '"HONG␠␠KONG"'
    assert shown_tag("ASIA") == "ASIA"
    assert shown_tag("HONG KONG") == "HONG KONG"
    assert shown_tag("A\x1b[2J") == "A\\x1b[2J"


async def test_the_tag_screen_shows_empty_and_blank_edged_tags(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", ODD_TAGS)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("#")
        await pilot.pause()
        options = app.screen.query_one("#tags-list", OptionList)
        shown = [str(options.get_option_at_index(i).prompt).split("  ")[0].strip() for i in range(options.option_count)]
        assert "⟨empty⟩" in shown
        assert '"␠ECONOMY"' in shown
        assert '"HONG␠␠KONG"' in shown
        assert "" not in shown  # no blank row


async def test_the_list_shows_empty_and_blank_edged_tags_from_the_first_read_the_index_and_an_edit(tmp_path: Path) -> None:
    # The tags cell read "Odd tags … ,  ECONOMY, ECONOMY": the empty tag a gap between
    # commas, the spaced one a twin of the clean one.
    from core.index import scan

    root = write_folder(tmp_path / "news", ODD_TAGS)
    cell = '⟨empty⟩, "␠ECONOMY", ECONOMY'
    app = make_app(root)
    async with app.run_test(size=(200, 30)) as pilot:  # no index: rows from the files read
        await settle(pilot, app)
        assert any(cell in text for text in list_lines(app))
        assert any('"HONG␠␠KONG", ECONOMY' in text for text in list_lines(app))
    scan([root], load_config(root))
    app = make_app(root)
    async with app.run_test(size=(200, 30)) as pilot:  # rows from the index (a later start)
        await settle(pilot, app)
        assert any(cell in text for text in list_lines(app))
        main = app.main_screen
        odd = next(y for y, i in enumerate(main.ws.visible) if main.ws.articles[i].relpath == "c1-odd-tags.md")
        main.list.move_to(odd)
        await pilot.press("t", *"ASIA", "enter")  # a staged edit: the row made again
        await settle(pilot, app)
        assert any(cell + ", ASIA" in text for text in list_lines(app))


async def test_tag_suggestions_show_blank_edged_tags(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", ODD_TAGS)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("t", *"eco")
        await pilot.pause()
        options = app.screen.query_one(".tag-input--suggestions", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert any(p.startswith('"␠ECONOMY"') for p in prompts)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert " ECONOMY" in ids  # taking it stages the tag as the folder spells it


def test_the_tags_command_shows_empty_tags(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", ODD_TAGS)
    result = subprocess.run([sys.executable, "-m", "core.cli.main", "tags", str(root)], capture_output=True, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    tags = [row.lstrip().partition("  ")[2] for row in result.stdout.splitlines()[1:]]
    assert "" not in tags  # no row with a count and nothing beside it
    assert {"⟨empty⟩", '"␠ECONOMY"', '"HONG␠␠KONG"'} <= set(tags)


# -- a filter's typo ---------------------------------------------------------------------------


def test_closest_words_names_the_title_word_a_typo_meant() -> None:
    from core.query import closest_words

    config = load_config(SAMPLES)
    articles = load_corpus([SAMPLES], config).articles
    with_harbour = sum("harbour" in re.findall(r"\w+", (a.title or "").casefold()) for a in articles)
    assert with_harbour >= 1
    assert closest_words(articles, ["harbor"]) == [("harbor", "harbour", with_harbour)]
    assert closest_words(articles, ["ferry", "zzqqxx", "two words"]) == []


async def test_a_filter_that_finds_nothing_through_a_typo_says_what_was_meant(tmp_path: Path) -> None:
    root = copy_samples(tmp_path)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"harbor")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 0
        hint = app.main_screen.query_one("#filter-error", Static)
        assert hint.display
        said = str(hint.render())
        assert "did you mean “harbour”" in said
        counted = int(re.search(r"\((\d+) titles? ha(?:s|ve) it\)", said).group(1))
        await pilot.press("backspace", "backspace", *"our")  # harbour
        await settle(pilot, app)
        assert app.main_screen.list.shown == counted  # the titles the hint counted
        assert not hint.display


async def test_a_tag_filter_that_finds_nothing_through_a_typo_names_the_tag(tmp_path: Path) -> None:
    root = copy_samples(tmp_path)
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"tag:labor")
        await settle(pilot, app)
        assert app.main_screen.list.shown == 0
        hint = app.main_screen.query_one("#filter-error", Static)
        assert hint.display
        assert "did you mean tag:“LABOUR” (2 articles)" in str(hint.render())
