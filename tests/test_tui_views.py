"""The TUI on a folder that is not news, after `copydesk init`: the list's columns from the
folder's view (its date, title and taxonomies), the editor's fields from its schema (lists
such as categories, dates by their format), edits of TOML and JSON front matter that change
only the edited field's lines, and field queries on taxonomies in the filter."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from textual.widgets import Input

from core.cli.main import main as copydesk
from tests.test_tui_support import FIXED_MTIME, make_app, settle
from tui.view import NEWS_VIEW, list_view

SIZE = (140, 40)
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

TOML_ARTICLE = """+++
title = "Sections"   # Hugo's section pages
date = 2025-03-01
draft = false
categories = [ "content management" ]
keywords = [ "sections", "tree" ]
+++
Sections group pages.
"""

YAML_ARTICLE = """---
title: Multilingual mode
date: 2025-02-01
draft: true
categories:
  - content management
keywords:
  - i18n
---
Translate a site.
"""

JSON_ARTICLE = """{
  "title": "Host on Firebase",
  "date": "2025-01-15",
  "draft": false,
  "categories": ["hosting"],
  "keywords": ["firebase", "deploy"]
}
Deploy to Firebase.
"""

SITE = {"sections.md": TOML_ARTICLE, "multilingual.md": YAML_ARTICLE, "firebase.md": JSON_ARTICLE}


def write_site(root: Path, articles: dict[str, str] = SITE) -> Path:
    """A small Hugo-like site (TOML, YAML and JSON front matter), then `copydesk init` on it."""
    root.mkdir(parents=True)
    for name, text in articles.items():
        (root / name).write_text(text, encoding="utf-8", newline="")
        os.utime(root / name, (FIXED_MTIME, FIXED_MTIME))
    assert copydesk(["init", str(root)]) == 0
    return root


def corpus_copy(tmp_path: Path, site: str) -> Path:
    source = CORPUS / site
    if not source.is_dir():
        pytest.skip(f"the shared corpus is not beside the project ({source} is absent)")
    root = tmp_path / site
    shutil.copytree(source, root, symlinks=True)
    for path in [root, *root.rglob("*")]:  # the shared copy is read-only; ours is edited
        if not path.is_symlink():
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert copydesk(["init", str(root)]) == 0
    return root


def line(widget, y: int = 0) -> str:
    return "".join(segment.text for segment in widget.render_line(y))


def list_lines(app) -> list[str]:
    main = app.main_screen
    return [line(main.list, y) for y in range(main.list.shown)]


def header(app) -> str:
    return str(app.main_screen.query_one("#list-header").render())


def row_of_title(app, title: str) -> str:
    rows = [row for row in list_lines(app) if title in row]
    assert len(rows) == 1, list_lines(app)
    return rows[0]


# -- the list's columns ------------------------------------------------------------------------


async def test_the_list_shows_the_sites_dates_titles_flags_and_taxonomies(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        top = header(app)
        for name in ("DATE", "TITLE", "CATEGORIES │ KEYWORDS"):
            assert name in top
        for news in ("SEN", "SOURCE", "TAGS"):
            assert news not in top
        sections = row_of_title(app, "Sections")
        assert "2025-03-01" in sections and "content management │ sections, tree" in sections
        multilingual = row_of_title(app, "Multilingual mode")
        assert "2025-02-01" in multilingual and " D " in multilingual  # draft: true, shown as a flag
        assert "content management │ i18n" in multilingual
        firebase = row_of_title(app, "Host on Firebase")
        assert "2025-01-15" in firebase and "hosting │ firebase, deploy" in firebase
        # Newest first, by the site's own date field.
        assert [r.split("20")[0] for r in list_lines(app)] and list_lines(app) == [sections, multilingual, firebase]


async def test_the_cursor_starts_on_the_top_row_once_the_sites_dates_are_read(tmp_path: Path) -> None:
    # The view's dates come with the metadata pass, after the first rows: the list was sorted
    # again but the cursor stayed on the first file read (firebase.md, the oldest).
    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        screen = app.main_screen
        assert screen.list.cursor == 0
        assert app.workspace.articles[screen.list.current].path.name == "sections.md"
        assert "Sections" in str(screen.reader.query_one("#reader-heading").render())


async def test_the_news_view_keeps_its_columns(tmp_path: Path) -> None:
    from tests.test_tui_support import write_folder

    root = write_folder(tmp_path / "news")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.workspace.view is NEWS_VIEW
        top = header(app).split()
        assert top[:7] == ["S", "*", "SEN", "D", "DATE", "SOURCE", "TITLE"] and top[-1] == "TAGS"


async def test_empty_terms_of_a_taxonomy_are_shown_not_blank(tmp_path: Path) -> None:
    text = TOML_ARTICLE.replace('[ "sections", "tree" ]', '[ "", " tree" ]')
    root = write_site(tmp_path / "site", {"sections.md": text, "multilingual.md": YAML_ARTICLE})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert 'content management │ ⟨empty⟩, "␠tree"' in row_of_title(app, "Sections")


def test_a_configured_view_names_the_columns_and_their_slots(tmp_path: Path) -> None:
    from core.config import load_config
    from core.schema import load_schema

    root = write_site(tmp_path / "site")
    settings = (root / "copydesk.toml").read_text()
    (root / "copydesk.toml").write_text(settings.split("[view]")[0] + '[view]\ncolumns = ["draft", "date", "title", "keywords"]\n'
                                        + settings.split("[view]")[1].split("\n", 2)[2])
    config = load_config(root)
    view = list_view(config, load_schema(config, compiled=False))
    assert (view.flags, view.date, view.title, view.terms, view.enum, view.text) == (("draft",), "date", "title", ("keywords",), "", "")


# -- the editor --------------------------------------------------------------------------------


async def test_the_editor_offers_the_sites_lists_and_dates(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        kinds = {spec.name: spec.kind for spec in app.main_screen.editor.specs}
        assert kinds["categories"] == "list" and kinds["keywords"] == "list"
        assert kinds["date"] == "date" and kinds["draft"] == "bool" and kinds["title"] == "text"


def test_a_date_field_accepts_what_its_format_says() -> None:
    from tui.fields import valid_date

    assert valid_date("2025-03-01", ("date",)) is None
    assert valid_date("2025-02-30", ("date",)) is not None  # no such day
    assert "expected a date" in (valid_date("2025-03-01T10:00:00Z", ("date",)) or "")
    assert valid_date("2025-03-01T10:00:00Z", ("date", "date-time")) is None


async def edit_field(app, pilot, title: str, field: str, text: str) -> None:
    """Put the cursor on the article titled ``title``, type ``text`` in the editor's ``field``
    and save."""
    await type_in_field(app, pilot, title, field, text)
    await pilot.press("enter")
    await settle(pilot, app)
    await pilot.press("escape", "ctrl+s")
    await settle(pilot, app)


async def type_in_field(app, pilot, title: str, field: str, text: str) -> None:
    """Put the cursor on the article titled ``title`` and ``text`` in the editor's ``field``."""
    main = app.main_screen
    position = next(i for i, row in enumerate(list_lines(app)) if title in row)
    main.list.move_to(position)
    await settle(pilot, app)
    await pilot.press("e")
    await pilot.pause()
    names = [spec.name for spec in main.editor.specs]
    await pilot.press(*["down"] * names.index(field))
    box = app.focused
    assert isinstance(box, Input)
    box.value = text


@pytest.mark.parametrize(
    ("name", "title", "before", "after"),
    [
        ("sections.md", "Sections", 'categories = [ "content management" ]', 'categories = [ "content management", "templates" ]'),
        ("multilingual.md", "Multilingual mode", "categories:\n  - content management\n",
         "categories:\n  - content management\n  - templates\n"),
        ("firebase.md", "Host on Firebase", '"categories": ["hosting"]', '"categories": ["hosting", "templates"]'),
    ],
    ids=["toml", "yaml", "json"],
)
async def test_a_category_added_in_the_editor_changes_only_that_line(tmp_path: Path, name: str, title: str,
                                                                     before: str, after: str) -> None:
    root = write_site(tmp_path / "site")
    original = (root / name).read_text()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await edit_field(app, pilot, title, "categories", "content management, templates"
                         if name != "firebase.md" else "hosting, templates")
        assert (root / name).read_text() == original.replace(before, after)
        assert "templates" in row_of_title(app, title)


async def test_a_date_field_refuses_a_time_where_the_schema_says_a_date(tmp_path: Path) -> None:
    from tui.fields import FieldSpec

    root = write_site(tmp_path / "site")
    original = (root / "sections.md").read_bytes()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        specs = {spec.name: spec for spec in app.main_screen.editor.specs}
        assert specs["date"] == FieldSpec(("date",), "date", (), True, ("date",))
        await edit_field(app, pilot, "Sections", "date", "2025-03-01T10:00:00Z")
        assert any("expected a date" in str(n.message) for n in app._notifications)
        assert (root / "sections.md").read_bytes() == original
        await pilot.press("escape")
        await edit_field(app, pilot, "Sections", "date", "2025-04-02")
        assert (root / "sections.md").read_text() == TOML_ARTICLE.replace("date = 2025-03-01", "date = 2025-04-02")


# -- the filter --------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "titles"), [
    ('categories:"content management"', ["Sections", "Multilingual mode"]),
    ("keywords:firebase", ["Host on Firebase"]),
    ("-categories:hosting", ["Sections", "Multilingual mode"]),
])
async def test_a_taxonomy_is_a_field_query_in_the_filter(tmp_path: Path, query: str, titles: list[str]) -> None:
    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        await pilot.press(*query)
        await pilot.press("enter")
        await settle(pilot, app)
        shown = list_lines(app)
        assert len(shown) == len(titles) and all(any(t in row for row in shown) for t in titles), shown


# -- the shared corpus ------------------------------------------------------------------------


async def test_the_hugo_docs_show_their_dates_titles_and_taxonomies(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path, "gohugoio__hugoDocs")
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        top = header(app)
        assert "EXPIRYDATE" in top and "TITLE" in top and "CATEGORIES │ KEYWORDS" in top
        assert "2028-07-06" in row_of_title(app, "resources.PostProcess")  # expiryDate: 2028-07-06
        assert any("Multilingual mode" in row for row in list_lines(app))


async def test_a_hugo_docs_category_edit_saves_only_that_line(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path, "gohugoio__hugoDocs")
    path = root / "content__en__content-management__multilingual.md"
    original = path.read_text()
    assert "categories: []\n" in original
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        await edit_field(app, pilot, "Multilingual mode", "categories", "content management")
        assert path.read_text() == original.replace("categories: []\n", "categories: [content management]\n")
        assert "content management" in row_of_title(app, "Multilingual mode")


async def test_the_astro_docs_show_their_flags_titles_and_taxonomies(tmp_path: Path) -> None:
    root = corpus_copy(tmp_path, "withastro__docs")
    app = make_app(root)
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot, app)
        top = header(app)
        assert "TITLE" in top and "CATEGORY │ SUPPORTS" in top
        assert "adapter" in row_of_title(app, "@astrojs/node")  # its category
        assert "│ ssr, static" in row_of_title(app, "Despliega tu sitio de Astro con Deno")  # supports, no category


# -- taxonomies in `t` -------------------------------------------------------------------------


async def test_t_adds_a_term_to_the_taxonomy_chosen_with_tab_and_remembers_it(tmp_path: Path) -> None:
    from tui.screens.dialogs import TagPrompt

    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Sections" in row))
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        prompt = app.screen
        assert isinstance(prompt, TagPrompt) and prompt.taxonomy == "categories"
        assert "categories  keywords" in str(prompt.query_one("#tag-taxonomy").render())
        await pilot.press("tab")
        assert prompt.taxonomy == "keywords"
        await pilot.press(*"tre")
        await pilot.pause(0.3)
        suggestions = prompt.query_one("TagInput").suggestions
        assert [suggestions.get_option_at_index(i).id for i in range(suggestions.option_count)] == ["tree"]  # keywords' terms
        await pilot.press("backspace", "backspace", "backspace", *"menus")
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert (root / "sections.md").read_text() == TOML_ARTICLE.replace('[ "sections", "tree" ]', '[ "sections", "tree", "menus" ]')
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt) and app.screen.taxonomy == "keywords"
        await pilot.press("escape")


async def test_t_on_a_news_folder_asks_for_a_tag_only(tmp_path: Path) -> None:
    from tests.test_tui_support import write_folder
    from tui.screens.dialogs import TagPrompt

    app = make_app(write_folder(tmp_path / "news"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert isinstance(app.screen, TagPrompt) and app.screen.taxonomies == ("tags",)
        assert not app.screen.query("#tag-taxonomy")
        await pilot.press("escape")


async def test_hash_shows_each_taxonomys_terms_and_groups_and_merges_within_it(tmp_path: Path) -> None:
    from tui.screens.tags import RenamePreview, TagsScreen

    sections = TOML_ARTICLE.replace('[ "sections", "tree" ]', '[ "sections", "Deploy" ]')
    site = {"sections.md": sections, "multilingual.md": YAML_ARTICLE.replace("  - i18n\n", "  - i18n\n  - deploy\n"),
            "firebase.md": JSON_ARTICLE}
    root = write_site(tmp_path / "site", site)
    before = {name: (root / name).read_text() for name in site}
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("number_sign")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TagsScreen) and screen.taxonomy == "categories"
        assert str(screen.query_one("#tags-title").render()) == "categories: 2 distinct, 0 near-duplicate groups · n: keywords"
        assert dict(screen.counts) == {"content management": 2, "hosting": 1}
        await pilot.press("n")
        assert str(screen.query_one("#tags-title").render()) == "keywords: 5 distinct, 1 near-duplicate group · n: categories"
        assert [(g.canonical, g.variants) for g in screen.groups] == [("deploy", ("Deploy",))]
        await pilot.press("tab", "m")
        await pilot.pause()
        assert isinstance(app.screen, RenamePreview)
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("escape", "ctrl+s")
        await settle(pilot, app)
    assert (root / "sections.md").read_text() == sections.replace('"Deploy"', '"deploy"')  # as written: not the house style
    assert {name: (root / name).read_text() for name in ("multilingual.md", "firebase.md")} == \
        {name: before[name] for name in ("multilingual.md", "firebase.md")}


async def test_the_reader_heading_names_the_sites_taxonomies_and_flags_not_news_fields(tmp_path: Path) -> None:
    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Multilingual mode" in row))
        await settle(pilot, app)
        heading = str(main.query_one("#reader-heading").render())
        assert heading.splitlines()[1:] == ["2025-02-01", "categories content management", "keywords i18n",
                                            "draft · ✓ no problems"]
        assert "sentiment" not in heading and "tags" not in heading


def test_snapshot_a_site_after_init_with_the_term_prompt(snap_compare, tmp_path: Path) -> None:
    """The list of a TOML/YAML/JSON site (its date, flags, title and taxonomies), the reader's
    heading with its taxonomies, and `t` asking which taxonomy."""
    from tests.test_tui_snapshots import _prepare

    root = write_site(tmp_path / "site")
    app = make_app(root)
    assert snap_compare(app, terminal_size=(120, 35), run_before=_prepare(app, "g", "t", "tab"))


# -- number fields -----------------------------------------------------------------------------


WEIGHTED = {
    "sections.md": TOML_ARTICLE.replace("draft = false\n", "draft = false\nweight = 10\n"),
    "multilingual.md": YAML_ARTICLE.replace("draft: true\n", "draft: true\nweight: 20\n"),
    "firebase.md": JSON_ARTICLE.replace('"draft": false,\n', '"draft": false,\n  "weight": 30,\n'),
}


@pytest.mark.parametrize(
    ("name", "title", "before", "after"),
    [
        ("sections.md", "Sections", "weight = 10\n", "weight = 15\n"),
        ("multilingual.md", "Multilingual mode", "weight: 20\n", "weight: 15\n"),
        ("firebase.md", "Host on Firebase", '"weight": 30,', '"weight": 15,'),
    ],
    ids=["toml", "yaml", "json"],
)
async def test_an_integer_field_is_edited_as_a_number_and_refuses_what_is_not_an_integer(
        tmp_path: Path, name: str, title: str, before: str, after: str) -> None:
    root = write_site(tmp_path / "site", WEIGHTED)
    original = (root / name).read_text()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        kinds = {spec.name: spec.kind for spec in app.main_screen.editor.specs}
        assert kinds["weight"] == "integer"
        for refused in ("1.5", "abc"):
            await type_in_field(app, pilot, title, "weight", refused)
            await pilot.press("down")  # leaving the field stages it: refused, the focus stays
            await settle(pilot, app)
            assert any("weight: expected an integer" in str(n.message) for n in app._notifications)
            assert app.focused is not None and app.focused.id == "field-weight"
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            assert (root / name).read_text() == original
            await pilot.press("escape", "escape")  # the old value back, then the list
            await settle(pilot, app)
            app.clear_notifications()
        await edit_field(app, pilot, title, "weight", "15")
    assert (root / name).read_text() == original.replace(before, after)  # a number, not '15'


async def test_a_number_field_of_the_news_schema_takes_a_decimal_and_refuses_text(tmp_path: Path) -> None:
    from tests.test_tui_support import write_folder

    root = write_folder(tmp_path / "news")
    original = (root / "a5-stablecoins.md").read_text()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        specs = {spec.name: spec for spec in app.main_screen.editor.specs}
        assert specs["score"].kind == "number" and specs["ai.version"].kind == "integer"
        await edit_field(app, pilot, "Stablecoin bill advances", "score", "ten")
        assert any("score: expected a number" in str(n.message) for n in app._notifications)
        assert (root / "a5-stablecoins.md").read_text() == original
        await pilot.press("escape")
        await settle(pilot, app)
        await edit_field(app, pilot, "Stablecoin bill advances", "score", "0.75")
    assert (root / "a5-stablecoins.md").read_text() == original.replace("draft: false\n", "draft: false\nscore: 0.75\n")


def test_a_number_field_takes_numbers_of_its_type_within_the_schemas_bounds() -> None:
    from tui.fields import FieldSpec, number_value

    version = FieldSpec(("ai", "version"), "integer", minimum=1)
    assert number_value("3", version) == (3, None)
    assert number_value(" 12 ", version) == (12, None)
    for text in ("1.5", "abc", "", "1e3", "٣", "true"):
        assert number_value(text, version)[1] == "expected an integer, e.g. 3", text
    assert number_value("0", version)[1] == "expected at least 1"
    score = FieldSpec(("score",), "number", maximum=1)
    assert number_value("0.5", score) == (0.5, None)
    assert number_value("-2", score) == (-2, None)
    assert number_value("1.5", score)[1] == "expected at most 1"
    assert number_value("nan", score)[1] == "expected a number, e.g. 3 or 2.5"
    assert number_value("1e999", FieldSpec(("score",), "number"))[1] is not None


# -- T on several taxonomies -------------------------------------------------------------------


async def test_T_removes_a_term_of_the_taxonomy_chosen_with_tab_and_remembers_it(tmp_path: Path) -> None:
    from tui.screens.dialogs import TagRemove

    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Sections" in row))
        await settle(pilot, app)
        await pilot.press("T")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagRemove) and picker.taxonomy == "categories"
        assert "from: categories  keywords" in str(picker.query_one("#untag-taxonomy").render())
        options = picker.query_one("#untag-options")
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["content management"]
        await pilot.press("tab")
        assert picker.taxonomy == "keywords"
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == ["sections", "tree"]
        await pilot.press("j", "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert (root / "sections.md").read_text() == TOML_ARTICLE.replace('[ "sections", "tree" ]', '[ "sections" ]')
        assert "tree" not in row_of_title(app, "Sections")
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, TagRemove) and app.screen.taxonomy == "keywords"  # remembered
        await pilot.press("escape")


async def test_T_removes_an_empty_term_of_another_taxonomy_and_only_its_line(tmp_path: Path) -> None:
    from tui.screens.dialogs import TagRemove

    blank = YAML_ARTICLE.replace("keywords:\n  - i18n\n", "keywords:\n  - ''\n  - i18n\n")
    root = write_site(tmp_path / "site", {**SITE, "multilingual.md": blank})
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Multilingual" in row))
        await settle(pilot, app)
        await pilot.press("T", "tab")
        await pilot.pause()
        picker = app.screen
        assert isinstance(picker, TagRemove) and picker.taxonomy == "keywords"
        options = picker.query_one("#untag-options")
        shown = {options.get_option_at_index(i).id: str(options.get_option_at_index(i).prompt)
                 for i in range(options.option_count)}
        assert set(shown) == {"", "i18n"} and "⟨empty⟩" in shown[""]
        position = [options.get_option_at_index(i).id for i in range(options.option_count)].index("")
        await pilot.press(*["j"] * position, "enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert (root / "multilingual.md").read_text() == YAML_ARTICLE


# -- commands the folder's schema does not support --------------------------------------------


def footer(app) -> list[str]:
    from textual.widgets._footer import FooterKey

    return [f"{item.key_display} {item.description}" for item in app.screen.query(FooterKey)]


@pytest.mark.parametrize(("missing", "key", "kept"), [("sentiment", "s", "d Draft"), ("draft", "d", "t Tag")])
async def test_s_and_d_are_not_offered_and_refuse_at_once_where_the_schema_lacks_their_field(
        tmp_path: Path, missing: str, key: str, kept: str) -> None:
    from tui.screens.dialogs import SentimentPicker

    articles = SITE if missing == "sentiment" else {
        name: text.replace("draft = false\n", "").replace("draft: true\n", "").replace('  "draft": false,\n', "")
        for name, text in SITE.items()}
    root = write_site(tmp_path / "site", articles)
    before = {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()}
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        shown = footer(app)
        assert kept in shown and not any(item.startswith(f"{key} ") for item in shown), shown
        app.clear_notifications()
        await pilot.press(key)
        await settle(pilot, app)
        assert app.screen is app.main_screen and not isinstance(app.screen, SentimentPicker)
        messages = [str(n.message) for n in app._notifications]
        assert f"cannot set {missing}: the folder's schema has no {missing} field" in messages, messages
        assert "0 unsaved" in str(app.main_screen.query_one("#status").render())
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    assert {p.name: p.read_bytes() for p in root.iterdir() if p.is_file()} == before


async def test_help_and_palette_say_what_t_T_and_hash_do_on_several_taxonomies(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from tui.screens.help import HelpScreen

    root = write_site(tmp_path / "site")
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=250, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table").content)
        shown = console.export_text()
        assert "Add a term to the marked rows (or the current one); tab chooses the taxonomy: categories, keywords" in shown
        assert "Remove a term from the marked rows (or the current one); tab chooses the taxonomy: categories, keywords" in shown
        assert "Each taxonomy's terms with counts (categories, keywords; n: the next)" in shown
        assert "Not on this folder: its schema has no sentiment field" in shown
        await pilot.press("escape")
        await pilot.pause()
        palette = {command.title.split(" (")[0]: command.help for command in app.get_system_commands(app.main_screen)}
        assert "Sentiment" not in palette and "Draft" in palette
        assert palette["Untag"].startswith("Remove a term") and "categories, keywords" in palette["Tag"]


# -- a vocabulary per taxonomy -----------------------------------------------------------------


def with_categories_vocabulary(root: Path) -> Path:
    with (root / "copydesk.toml").open("a") as config:
        config.write('\n[vocabularies]\ncategories = ["content management", "hosting", "templates"]\n')
    return root


async def test_t_judges_a_term_against_its_taxonomys_vocabulary_and_the_save_asks(tmp_path: Path) -> None:
    from tui.screens.dialogs import SaveIntroduces

    root = with_categories_vocabulary(write_site(tmp_path / "site"))
    before = (root / "sections.md").read_bytes()
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Sections" in row))
        await settle(pilot, app)
        await pilot.press("t")
        await pilot.pause()
        assert app.screen.taxonomy == "categories"
        await pilot.press(*"templtes", "enter")
        await settle(pilot, app)
        said = [str(n.message) for n in app._notifications]
        assert any("add 'templtes' to categories" in m and "categories term 'templtes' is not in the categories vocabulary; "
                   "closest known term: 'templates' (CD208)" in m and "ctrl+s will ask" in m for m in said), said
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, SaveIntroduces)
        await pilot.press("c")
        await settle(pilot, app)
        assert (root / "sections.md").read_bytes() == before
        app.clear_notifications()
        await pilot.press("t", *"hosting", "enter")  # a known term: no warning
        await settle(pilot, app)
        said = [str(n.message) for n in app._notifications]
        assert any("add 'hosting' to categories" in m for m in said) and not any("CD208" in m for m in said), said


async def test_the_editor_judges_a_taxonomys_new_terms_against_its_vocabulary(tmp_path: Path) -> None:
    root = with_categories_vocabulary(write_site(tmp_path / "site"))
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        main = app.main_screen
        main.list.move_to(next(i for i, row in enumerate(list_lines(app)) if "Host on Firebase" in row))
        await settle(pilot, app)
        await type_in_field(app, pilot, "Host on Firebase", "categories", "hosting, hostng")
        await pilot.press("enter")
        await settle(pilot, app)
        found = main.ws.edit_problems(main.list.current)
        assert [p.message for p in found[("categories",)]] == [
            "categories term 'hostng' is not in the categories vocabulary; closest known term: 'hosting'"]
        await pilot.press("escape")  # back to the list
        await settle(pilot, app)
        await type_in_field(app, pilot, "Host on Firebase", "keywords", "firebase, deploy, anything")
        await pilot.press("enter")
        await settle(pilot, app)
        assert ("keywords",) not in main.ws.edit_problems(main.list.current)  # no vocabulary: not judged


async def test_a_template_that_check_passes_is_not_shown_as_broken(tmp_path: Path) -> None:
    # `copydesk init` exempts a site's templates (YAML only once rendered) from the reading
    # rules: `check` passes them, and the list showed them as broken (✗, "invalid-yaml").
    template = "---\ntitle: {{ replace .File.ContentBaseName \"-\" \" \" | title }}\ndate: {{ .Date }}\n---\n"
    root = write_site(tmp_path / "site", {**SITE, "archetype.md": template})
    assert copydesk(["check", str(root / "archetype.md")]) == 0
    app = make_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        row = row_of_title(app, "archetype.md")
        assert "✗" not in row and "invalid-yaml" not in row
        assert "front matter not read" in row
        assert app.workspace.with_problems == 0
