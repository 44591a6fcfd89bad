"""The reader: a heading that shows an article whole, raw and plain-text articles as
numbered lines with their problem lines marked, and a cursor over the problems that takes
the body to a problem's line."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import Markdown

from tests.test_tui_support import article_text, make_app, reader_problems, settle, write_folder
from tui.widgets.reader import ProblemList, Reader

SIZE = (140, 40)

LONG_TITLE = (
    "Harbour authority approves a second container terminal after a decade of hearings, "
    "objections from fishermen and three rounds of environmental review ending in court"
)

# A scraped article: single line breaks, a repeated title (CD406 on line 5), a line ending
# with ':' (CD403 on line 9), promotional lines at the end.
RAW = (
    "\n"
    "Councillors split over late-night licensing plan\n"
    "City Ledger Selected City Ledger Selected\n"
    "\n"
    "Councillors split over late-night licensing plan\n"
    "A plan to let bars in the old town stay open until three in the morning divided the committee.\n"
    "Supporters said later hours would spread crowds out.\n"
    "Residents' groups said the streets were already too noisy.\n"
    "The committee chair proposed a compromise:\n"
    "A six-month trial in two streets will now go to the full council.\n"
)


def region_text(app, widget) -> list[str]:
    """The terminal rows ``widget`` covers, as painted (what a person sees there)."""
    region = widget.region
    rows = app.screen._compositor.render_strips()
    return [rows[y].crop(region.x, region.right).text for y in range(region.y, region.bottom)]


def body_rows(app, reader) -> list[str]:
    """The reader's rows above its docked problem list: the heading and body shown."""
    problems = reader.query_one(ProblemList)
    rows = region_text(app, reader)
    return rows[: problems.region.y - reader.region.y] if problems.display else rows


def numbered(rows: list[str]) -> dict[int, tuple[str, str]]:
    """File line -> (gutter mark, text) of each numbered row (a wrapped line's rest left out)."""
    out: dict[int, tuple[str, str]] = {}
    for row in rows:
        found = re.match(r"^ ?([ !✗]) +(\d+) │ (.*)$", row)
        if found:
            out[int(found.group(2))] = (found.group(1), found.group(3).rstrip())
    return out


def one_line(rows: list[str]) -> str:
    return " ".join(" ".join(rows).split())


def long_raw(lines: int = 120) -> str:
    """A raw article long enough to scroll, a call-to-action line near its end."""
    body = [f"Paragraph {n} of the scraped story, plain words." for n in range(1, lines + 1)]
    body[lines - 10] = "👉 Subscribe to our newsletter for more"  # CD404 on line lines-9
    return "Scraped story\n\n" + "\n".join(body) + "\n"


async def test_the_reader_heading_shows_the_whole_article_metadata(tmp_path: Path) -> None:
    text = article_text(LONG_TITLE, ["HARBOUR", "''", "' ECONOMY'", ""], sentiment="NEGATIVE", draft=True, source="Harbour Desk")
    root = write_folder(tmp_path / "news", {"a1.md": text})
    app = make_app(root)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        heading = screen.query_one("#reader-heading")
        shown = one_line(region_text(app, heading))
        # The full title, wrapped over lines, never cut (the list and the editor cut it).
        assert LONG_TITLE in shown
        assert "A short standfirst for the tests." in shown
        assert "2025-11-01T08:00:00.000Z · Harbour Desk · MARKET" in shown
        # An empty tag and one with a leading space are visible, not blank.
        assert "tags HARBOUR · ⟨empty⟩ · \"␠ECONOMY\" · ⟨empty⟩" in shown
        assert "draft · NEGATIVE · ✗ " in shown
        assert "unsaved" not in shown
        # A staged edit shows in the heading at once, marked as unsaved.
        await pilot.press("d")
        await settle(pilot, app)
        shown = one_line(region_text(app, screen.query_one("#reader-heading")))
        assert "draft" not in shown.split("·")[0]
        assert "NEGATIVE" in shown and "* unsaved edits" in shown


async def test_the_heading_shows_hostile_values_escaped(tmp_path: Path) -> None:
    text = article_text("x", ["ASIA"]).replace("title: x", 'title: "Clip\\e]52;c;aGk=\\aboard"')
    text = text.replace("category: MARKET", 'category: {"k\\e[2J": "v\\e[2J"}').replace(
        "description: 'A short standfirst for the tests.'", 'description: "bidi \\u202e reversed [bold]x[/bold]"'
    )
    root = write_folder(tmp_path / "news", {"a1.md": text})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        shown = one_line(region_text(app, app.main_screen.query_one("#reader-heading")))
        assert "Clip\\x1b]52;c;aGk=\\x07board" in shown
        assert "bidi \\u202e reversed [bold]x[/bold]" in shown
        assert "k\\x1b[2J: v\\x1b[2J" in shown  # a mapping where text was expected: keys too


async def test_a_raw_article_is_shown_as_its_own_numbered_lines_with_problem_lines_marked(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {}, {"raw.txt": RAW.encode()})
    app = make_app(root)
    async with app.run_test(size=(140, 70)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert not screen.reader.query(Markdown)  # not rendered as Markdown
        rows = region_text(app, screen.query_one("#reader-text"))
        # Every line of the file on its own row, numbered as the checks number them: the
        # single line breaks kept (Markdown joined them into one paragraph).
        lines = numbered(rows)
        assert sorted(lines) == list(range(1, 11))
        assert lines[2] == (" ", "Councillors split over late-night licensing plan")
        assert lines[3] == (" ", "City Ledger Selected City Ledger Selected")
        # The problem lines carry the mark of their problem in the gutter.
        assert lines[5] == ("!", "Councillors split over late-night licensing plan")
        assert lines[9] == ("!", "The committee chair proposed a compromise:")
        assert lines[1] == ("✗", "")  # CD101: no front matter
        problems = reader_problems(screen)
        assert "5:1 CD406 the title line (line 2) is repeated" in problems
        assert "9:1 CD403" in problems


async def test_a_plain_text_article_with_front_matter_shows_its_body_lines_numbered_as_in_the_file(tmp_path: Path) -> None:
    text = article_text("Tram line opens", ["TRANSPORT"]).replace(
        "## Overview\n\nTram line opens: the story in two sentences. Markets moved.\n",
        "First line of the story.\nSecond line, same paragraph.\nThe chair said:\nNothing more.\n",
    )
    root = write_folder(tmp_path / "news", {"tram.txt": text})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        first_body_line = text.split("\n").index("First line of the story.") + 1
        lines = numbered(region_text(app, screen.query_one("#reader-text")))
        assert min(lines) == first_body_line
        assert lines[first_body_line] == (" ", "First line of the story.")
        assert lines[first_body_line + 1] == (" ", "Second line, same paragraph.")
        assert lines[first_body_line + 2] == ("!", "The chair said:")
        assert f"{first_body_line + 2}:1 CD403" in reader_problems(screen)


async def test_a_file_that_is_not_utf8_is_shown_with_its_bytes_escaped_and_the_line_marked(tmp_path: Path) -> None:
    data = "---\ntitle: Caf\xe9 opens\n---\nBody.\n".encode("latin-1")
    root = write_folder(tmp_path / "news", {}, {"latin1.md": data})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        lines = numbered(region_text(app, app.main_screen.query_one("#reader-text")))
        assert lines[2] == ("✗", "title: Caf\\xe9 opens")
        assert lines[4] == (" ", "Body.")


async def test_raw_text_controls_are_shown_not_sent(tmp_path: Path) -> None:
    raw = "Scraped\x1b[2Jtitle\n\u202eevil\tline\n"
    root = write_folder(tmp_path / "news", {}, {"raw.md": raw.encode()})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        rows = region_text(app, app.main_screen.query_one("#reader-text"))
        assert "Scraped\\x1b[2Jtitle" in rows[0]
        assert "\\u202eevil  line" in rows[1]  # a tab kept as spaces, the bidi override shown


async def test_enter_on_a_problem_scrolls_the_body_to_its_line(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {}, {"long.md": long_raw().encode()})
    app = make_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        reader = screen.reader
        problems = reader_problems(screen).splitlines()
        target = next(n for n, line in enumerate(problems) if "CD404" in line)
        line = int(problems[target].split(":")[0])
        assert "Subscribe to our newsletter" not in one_line(body_rows(app, reader))  # far below at first
        # enter focuses the reader's problems; the cursor moves with j and stays in the list.
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.focused, ProblemList)
        for _ in range(target):
            await pilot.press("j")
        await pilot.press("enter")
        await settle(pilot, app)
        assert numbered(body_rows(app, reader))[line] == ("!", "👉 Subscribe to our newsletter for more")
        assert isinstance(app.focused, ProblemList)  # ready for the next problem
        # CD101 is on line 1: going back to it scrolls back to the top.
        for _ in range(target):
            await pilot.press("k")
        await pilot.press("enter")
        await settle(pilot, app)
        assert reader.scroll_y == 0  # the heading in sight again
        assert numbered(body_rows(app, reader))[1] == ("✗", "Scraped story")


async def test_enter_on_a_problem_of_a_markdown_article_scrolls_to_its_block(tmp_path: Path) -> None:
    paragraphs = "\n\n".join(f"Paragraph {n} of a long story told in plain words." for n in range(1, 60))
    text = article_text("Long story", ["ASIA"]).replace(
        "## Overview\n\nLong story: the story in two sentences. Markets moved.\n",
        paragraphs + "\n\n👉 Read our full coverage of the story\n\nThe end.\n",
    )
    root = write_folder(tmp_path / "news", {"long.md": text})
    app = make_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert "CD404" in reader_problems(screen)
        assert "Read our full coverage" not in one_line(body_rows(app, screen.reader))
        await pilot.press("enter")
        await settle(pilot, app)
        target = next(n for n, line in enumerate(reader_problems(screen).splitlines()) if "CD404" in line)
        await pilot.press(*["down"] * target)
        await pilot.press("enter")
        await settle(pilot, app)
        assert "👉 Read our full coverage of the story" in one_line(body_rows(app, screen.reader))


async def test_the_problem_cursor_does_not_wrap_and_brackets_still_jump_between_articles(tmp_path: Path) -> None:
    articles = {
        "a1.md": article_text("First", ["ASIA"]).replace("lang: en", "lang: EN"),
        "a2.md": article_text("Second", ["ASIA"], date="2025-11-02T08:00:00.000Z"),
        "a3.md": article_text("Third", ["ASIA"], sentiment="NEGATIVO", date="2025-11-03T08:00:00.000Z").replace("lang: en", "lang: EN"),
    }
    root = write_folder(tmp_path / "news", articles)
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.reader._shown[0].name == "a3.md"  # newest first
        await pilot.press("enter")
        await settle(pilot, app)
        problems = screen.query_one(ProblemList)
        assert problems.has_focus and problems.option_count == 2 and problems.highlighted == 0
        await pilot.press("k")
        assert problems.highlighted == 0  # not round to the last
        await pilot.press("j", "j", "down")
        assert problems.highlighted == 1  # not round to the first
        # ] and [ keep their meaning inside the reader: next / previous article with problems.
        await pilot.press("right_square_bracket")
        await settle(pilot, app)
        assert screen.reader._shown[0].name == "a1.md"
        await pilot.press("left_square_bracket")
        await settle(pilot, app)
        assert screen.reader._shown[0].name == "a3.md"


async def test_a_clean_article_focuses_its_text_and_j_scrolls_it(tmp_path: Path) -> None:
    paragraphs = "\n\n".join(f"Paragraph {n}." for n in range(1, 80))
    text = article_text("Long clean story", ["ASIA"]).replace(
        "## Overview\n\nLong clean story: the story in two sentences. Markets moved.\n", paragraphs + "\n"
    )
    root = write_folder(tmp_path / "news", {"clean.md": text})
    app = make_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert reader_problems(screen) == ""
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.focused, Reader)
        await pilot.press("j", "j", "j")
        await settle(pilot, app)
        assert screen.reader.scroll_y == 3


async def test_when_a_staged_fix_clears_the_last_problem_the_reader_text_keeps_the_focus(tmp_path: Path) -> None:
    root = write_folder(tmp_path / "news", {"a1.md": article_text("Only one problem", ["ASIA"], sentiment="NEGATIVO")})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert "CD203" in reader_problems(screen)
        await pilot.press("enter")
        await settle(pilot, app)
        assert isinstance(app.focused, ProblemList)
        await pilot.press("s")
        await settle(pilot, app)
        await pilot.press("n")
        await settle(pilot, app)
        assert reader_problems(screen) == ""
        # Not left on a hidden list, where j and k would move nothing a person can see.
        assert isinstance(app.focused, Reader)
        assert "NEGATIVE · ✓ no problems · * unsaved edits" in one_line(region_text(app, screen.query_one("#reader-heading")))
