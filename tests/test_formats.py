"""TOML, JSON and language-tagged front matter: read, checked, listed, queried and edited like
YAML; YAML that only libyaml reads (CD111); python-frontmatter posts."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import frontmatter
import pytest
import tomlkit

from core import check_post, load_article, load_config
from core.config import Config, Limits
from core.document import thaw
from core.edit.apply import EditRefused, apply_edits
from core.edit.ops import AddItem, DeleteKey, Edit, RemoveItem, ReplaceItem, SetValue, apply_to_data
from core.text.formats import parse_front_matter
from core.text.frontmatter import body, front_matter, split_text
from core.walk import iter_article_paths

PROJECT = Path(__file__).resolve().parents[1]
CORPUS = PROJECT.parent / "shared" / "corpus"

TOML_ARTICLE = """+++
# Hugo writes its front matter so
title = "Ferry fares rise"   # the headline
description = 'Fares go up in January.'
publishedAt = 2025-11-03T06:15:00.000Z
lang = "en"
category = "TRANSPORT"
tags = [ "TRANSPORT", "HONG KONG" ]
sentiment = "NEUTRAL"
draft = false
[source]
name = "Harbour Desk"
key = "harbourdesk"
type = "RSS"
+++
## Fares

Single fares rise by nine per cent.
"""

JSON_ARTICLE = """{
  "title": "Ferry fares rise",
  "description": "Fares go up in January.",
  "publishedAt": "2025-11-03T06:15:00.000Z",
  "lang": "en",
  "source": {
    "name": "Harbour Desk",
    "key": "harbourdesk",
    "type": "RSS"
  },
  "category": "TRANSPORT",
  "tags": [
    "TRANSPORT",
    "HONG KONG"
  ],
  "sentiment": "NEUTRAL",
  "draft": false
}
## Fares

Single fares rise by nine per cent.
"""

EXPECTED_META = {
    "title": "Ferry fares rise",
    "description": "Fares go up in January.",
    "publishedAt": "2025-11-03T06:15:00.000Z",
    "lang": "en",
    "category": "TRANSPORT",
    "tags": ["TRANSPORT", "HONG KONG"],
    "sentiment": "NEUTRAL",
    "draft": False,
    "source": {"name": "Harbour Desk", "key": "harbourdesk", "type": "RSS"},
}


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def _load(folder: Path, name: str, text: str):
    return load_article(_write(folder, name, text), Config(root=folder))


def _copydesk(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core.cli.main", *args],
        capture_output=True, text=True, timeout=120, cwd=PROJECT, env={**os.environ, "NO_COLOR": "1"},
    )  # fmt: skip


def _changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines ``old`` lost and ``new`` gained."""
    removed, added = [], []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


# -- splitting -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fmt", "fm", "rest", "body_line"),
    [
        ("+++\na = 1\n+++\nbody\n", "toml", "a = 1\n", "body\n", 4),
        ("+++ \r\na = 1\r\n+++\r\nbody", "toml", "a = 1\r\n", "body", 4),
        ("---toml\na = 1\n---\nbody\n", "toml", "a = 1\n", "body\n", 4),
        ("---yaml\na: 1\n---\nbody\n", "yaml", "a: 1\n", "body\n", 4),
        ("---json\n{\"a\": 1}\n---\nbody\n", "json", '{"a": 1}\n', "body\n", 4),
        ('{\n  "a": 1\n}\nbody\n', "json", '{\n  "a": 1\n}', "body\n", 4),
        ('\ufeff{"a": "}"}  \n\nbody', "json", '{"a": "}"}', "\nbody", 2),
        ('{"a": 1}', "json", '{"a": 1}', "", 2),
    ],
)
def test_toml_json_and_tagged_fences_split_byte_exactly(text: str, fmt: str, fm: str, rest: str, body_line: int) -> None:
    split = split_text(text)
    assert (split.kind, split.format) == ("front-matter", fmt)
    assert front_matter(text, split) == fm and body(text, split) == rest
    assert split.body_first_line == body_line
    assert text[: split.fm_start] + fm + text[split.fm_end :] == text


@pytest.mark.parametrize(
    "text",
    [
        "{{< figure src=a.png >}}\nBody\n",  # a Hugo shortcode opening the body
        "{% include note.html %}\nBody\n",  # a Liquid tag
        '{"a": 1} and then prose\n',  # an object that does not end its line
        '["a", "b"]\nBody\n',  # JSON, but not an object
        "{\n  \"a\": 1,\n}\nBody\n",  # a trailing comma: not JSON
        "+++a = 1\n+++\n",  # not a fence line
    ],
)
def test_a_file_opening_with_a_brace_that_is_not_a_json_object_stays_raw(tmp_path: Path, text: str) -> None:
    article = _load(tmp_path, "a.md", text)
    assert article.kind == "raw" and [p.code for p in article.problems][:1] == ["CD101"]


def test_a_json_front_matter_with_a_syntax_error_says_why_it_is_raw(tmp_path: Path) -> None:
    article = _load(tmp_path, "a.md", '{\n  "title": "A",\n}\nBody\n')
    assert article.kind == "raw"
    assert "JSON error at line 3" in article.problems[0].message


def test_unclosed_toml_front_matter_names_its_fence(tmp_path: Path) -> None:
    article = _load(tmp_path, "a.md", "+++\ntitle = 'A'\nBody\n")
    assert article.kind == "unclosed"
    assert "`+++`" in article.problems[0].message


# -- reading and checking ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fmt"), [(TOML_ARTICLE, "toml"), (JSON_ARTICLE, "json")], ids=["toml", "json"])
def test_toml_and_json_articles_load_as_the_yaml_one_does(tmp_path: Path, text: str, fmt: str) -> None:
    article = _load(tmp_path, "a.md", text)
    assert (article.kind, article.format) == ("front-matter", fmt)
    assert thaw(article.meta) == EXPECTED_META  # date-times as the file writes them
    assert article.problems == ()
    assert article.body().startswith("## Fares")


def test_toml_date_literals_stay_as_written(tmp_path: Path) -> None:
    text = "+++\nd1 = 1979-05-27T07:32:00Z\nd2 = 1979-05-27 07:32:00.5-07:00\nd3 = 2028-07-06\nt = 07:32:00\n+++\n"
    article = _load(tmp_path, "a.md", text)
    assert thaw(article.meta) == {"d1": "1979-05-27T07:32:00Z", "d2": "1979-05-27 07:32:00.5-07:00", "d3": "2028-07-06", "t": "07:32:00"}


@pytest.mark.parametrize(
    ("text", "fmt", "code", "line"),
    [
        (TOML_ARTICLE.replace('lang = "en"\n', 'lang = "en"\nlang = "fr"\n'), "toml", "CD104", 7),
        (TOML_ARTICLE.replace("[source]\n", "[source]\n[source]\n"), "toml", "CD104", 12),
        (JSON_ARTICLE.replace('"lang": "en",\n', '"lang": "en",\n  "lang": "fr",\n'), "json", "CD104", 6),
        (TOML_ARTICLE.replace('lang = "en"', "lang = en"), "toml", "CD103", 6),
        (TOML_ARTICLE.replace('lang = "en"', 'lang = "\x1b[31men"'), "toml", "CD103", 6),
        ("---json\n[1, 2]\n---\nBody\n", "json", "CD106", 2),
        ("---json\n{\"a\": NaN}\n---\nBody\n", "json", "CD103", 2),
        ("---json\n{\"a\": 1,}\n---\nBody\n", "json", "CD103", 2),
        ('{"a": ' + "[" * 600 + "]" * 600 + "}\nBody\n", "json", "CD108", 1),
        ("+++\na = " + "[" * 600 + "]" * 600 + "\n+++\nBody\n", "toml", "CD108", 2),
    ],
    ids=["toml-dup-key", "toml-dup-table", "json-dup-key", "toml-syntax", "toml-escape", "json-list",
         "json-nan", "json-comma", "json-deep", "toml-deep"],
)
def test_broken_toml_and_json_front_matter_is_reported_like_broken_yaml(tmp_path: Path, text: str, fmt: str, code: str, line: int) -> None:
    article = _load(tmp_path, "a.md", text)
    assert article.kind == "invalid-yaml" and article.format == fmt
    assert [(p.code, p.line) for p in article.problems] == [(code, line)], article.problems
    assert article.problems[0].message


def test_check_positions_problems_on_the_toml_and_json_lines(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", TOML_ARTICLE.replace('sentiment = "NEUTRAL"', 'sentiment = "NEUTRL"').replace('name = "Harbour Desk"\n', ""))
    _write(tmp_path, "b.md", JSON_ARTICLE.replace('"sentiment": "NEUTRAL"', '"sentiment": "NEUTRL"'))
    (tmp_path / "copydesk.toml").write_text("")
    proc = _copydesk("check", "--format", "json", str(tmp_path))
    found = {(Path(item["path"]).name, item["code"], item["line"]) for item in json.loads(proc.stdout)}
    assert found == {("a.md", "CD203", 9), ("a.md", "CD201", 11), ("b.md", "CD203", 16)}


@pytest.mark.parametrize(
    "text",
    [
        TOML_ARTICLE.replace('lang = "en"', 'lang = "en"\nanswer = "yes"\nepisode = "010"\nduration = "1:30"\n"<<" = "x"\nyes = 1'),
        JSON_ARTICLE.replace('"lang": "en",', '"lang": "en", "answer": "yes", "<<": "x", "on": 1,'),
    ],
    ids=["toml", "json"],
)
def test_toml_and_json_values_are_not_yaml_1_1_suspects(tmp_path: Path, text: str) -> None:
    # `"yes"`, `"1:30"` and a `<<` or `yes` key mean one thing in TOML and JSON, whatever the
    # reader: no CD109 / CD306
    article = _load(tmp_path, "a.md", text)
    assert article.kind == "front-matter" and article.meta is not None and article.meta["<<"] == "x"
    assert [p.code for p in article.problems if p.code in ("CD109", "CD306")] == []


def test_list_query_and_index_see_toml_and_json_articles(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", TOML_ARTICLE)
    _write(tmp_path, "b.md", JSON_ARTICLE.replace("Ferry fares rise", "Tram fares fall").replace('"draft": false', '"draft": true'))
    (tmp_path / "copydesk.toml").write_text("")
    listed = _copydesk("list", "--format", "json", str(tmp_path))
    rows = {Path(row["path"]).name: row for row in json.loads(listed.stdout)}
    assert rows["a.md"]["title"] == "Ferry fares rise" and rows["b.md"]["title"] == "Tram fares fall"
    queried = _copydesk("list", "--format", "json", "--where", "draft:true", str(tmp_path))
    assert [Path(row["path"]).name for row in json.loads(queried.stdout)] == ["b.md"]
    from core.index import scan

    records = {Path(r.path).name: r for r in scan([tmp_path], Config(root=tmp_path)).records}
    assert (records["a.md"].format, records["b.md"].format) == ("toml", "json")
    assert records["a.md"].display.title == "Ferry fares rise"
    again = {Path(r.path).name: r for r in scan([tmp_path], Config(root=tmp_path)).records}  # served from the index
    assert (again["a.md"].format, again["b.md"].format, again["a.md"].kind) == ("toml", "json", "front-matter")


# -- editing ---------------------------------------------------------------------------------


EDITS: list[tuple[Edit, str]] = [
    (SetValue(("title",), "Fares: up again"), "title"),
    (SetValue(("publishedAt",), "2025-12-01T07:29:42.000Z"), "publishedAt"),
    (AddItem(("tags",), "FERRIES"), "tags"),
    (RemoveItem(("tags",), "HONG KONG"), "tags"),
    (ReplaceItem(("tags",), "TRANSPORT", "SHIPPING"), "tags"),
    (SetValue(("source", "name"), "Wire"), "name"),
    (SetValue(("draft",), True), "draft"),
    (DeleteKey(("lang",)), "lang"),
    (SetValue(("author",), "Desk"), "author"),
]


@pytest.mark.parametrize(("text", "fmt"), [(TOML_ARTICLE, "toml"), (JSON_ARTICLE, "json")], ids=["toml", "json"])
@pytest.mark.parametrize(("edit", "key"), EDITS, ids=[f"{type(e).__name__}-{k}" for e, k in EDITS])
def test_an_edit_changes_only_the_edited_fields_lines(text: str, fmt: str, edit: Edit, key: str) -> None:
    new = apply_edits(text, [edit], name="a.md")
    split, new_split = split_text(text), split_text(new)
    assert new[new_split.fm_end :] == text[split.fm_end :]  # the closing fence and the body
    data, _ = parse_front_matter(front_matter(new, new_split), fmt, Limits())
    assert data == apply_to_data(EXPECTED_META, [edit])
    removed, added = _changed_lines(text, new)
    # every changed line is the field's own (its key, or an item of its list)
    for line in removed + added:
        assert key in line or line.strip(' ",[]') in ("TRANSPORT", "HONG KONG", "FERRIES", "SHIPPING"), (removed, added)
    assert len(removed) <= 2 and len(added) <= 2


def test_a_toml_date_time_literal_stays_a_literal_and_a_literal_string_stays_literal() -> None:
    new = apply_edits(TOML_ARTICLE, [SetValue(("publishedAt",), "2025-12-01T07:29:42Z"), SetValue(("description",), "Up.")])
    assert "publishedAt = 2025-12-01T07:29:42Z\n" in new and "description = 'Up.'\n" in new
    assert 'title = "Ferry fares rise"   # the headline' in new


def test_toml_refuses_what_it_cannot_hold() -> None:
    with pytest.raises(EditRefused, match="TOML has no null"):
        apply_edits(TOML_ARTICLE, [SetValue(("title",), None)], name="a.md")


def test_edits_of_a_file_with_a_fenced_json_or_tagged_toml_front_matter() -> None:
    text = '---json\n{"title": "A", "tags": ["X"]}\n---\nBody\n'
    assert apply_edits(text, [AddItem(("tags",), "Y")]) == '---json\n{"title": "A", "tags": ["X", "Y"]}\n---\nBody\n'
    text = "---toml\ntitle = 'A'\n---\nBody\n"
    assert apply_edits(text, [SetValue(("draft",), False)]) == "---toml\ntitle = 'A'\ndraft = false\n---\nBody\n"


def test_set_and_undo_on_toml_and_json_articles_through_the_command_line(tmp_path: Path) -> None:
    _write(tmp_path, "a.md", TOML_ARTICLE)
    _write(tmp_path, "b.md", JSON_ARTICLE)
    (tmp_path / "copydesk.toml").write_text("")
    proc = _copydesk("set", "sentiment=POSITIVE", str(tmp_path / "a.md"), str(tmp_path / "b.md"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.md").read_text() == TOML_ARTICLE.replace('sentiment = "NEUTRAL"', 'sentiment = "POSITIVE"')
    assert (tmp_path / "b.md").read_text() == JSON_ARTICLE.replace('"sentiment": "NEUTRAL"', '"sentiment": "POSITIVE"')
    proc = _copydesk("undo", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.md").read_text() == TOML_ARTICLE and (tmp_path / "b.md").read_text() == JSON_ARTICLE


@pytest.mark.parametrize(("text", "fmt"), [(TOML_ARTICLE, "toml"), (JSON_ARTICLE, "json")], ids=["toml", "json"])
def test_a_colleagues_save_in_another_field_of_a_toml_or_json_article_is_merged(tmp_path: Path, text: str, fmt: str) -> None:
    from core import plan_change, save_changes

    path = _write(tmp_path, "a.md", text)
    config = Config(root=tmp_path)
    change = plan_change(load_article(path, config), [SetValue(("sentiment",), "POSITIVE")])
    theirs = text.replace("Ferry fares rise", "Ferry fares rise again")
    path.write_text(theirs, encoding="utf-8")  # a colleague saves first
    [result] = save_changes([change], config=config, label="test")
    assert result.status == "merged"
    assert path.read_text(encoding="utf-8") == theirs.replace("NEUTRAL", "POSITIVE")


# -- the corpus's front matter as TOML and JSON -------------------------------------------


def _toml_can_hold(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, dict):
        return all(isinstance(k, str) and _toml_can_hold(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_toml_can_hold(v) for v in value)
    return True


def _new_value(value: Any) -> Any:
    """A different value of the same kind: what an editor would set."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, float):
        return value + 0.5
    if isinstance(value, str):
        return value + " (edited)"
    if isinstance(value, list):
        return [*value, "EDITED"]
    return "edited"


def _top_level_region(lines: list[str], key: str, fmt: str) -> range:
    """Lines (0-based) of top-level ``key``'s entry in a converted front matter."""
    if fmt == "toml":
        starts = [i for i, line in enumerate(lines) if line[:1] not in ("", " ", "\t", "]", "#")]
        head = next(i for i in starts if line_key(lines[i], fmt) == key)
    else:
        starts = [i for i, line in enumerate(lines) if line.startswith('  "') or line == "}"]
        head = next(i for i in starts if line_key(lines[i], fmt) == key)
    end = next((i for i in starts if i > head), len(lines))
    return range(head, end)


def line_key(line: str, fmt: str) -> str | None:
    if fmt == "toml":
        name = line.split("=", 1)[0].strip() if "=" in line else None
        return json.loads(name) if name and name.startswith('"') else name
    if line.startswith('  "'):
        key, _ = json.JSONDecoder().raw_decode(line.strip())
        return key
    return None


def _converted(fmt: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(name, front matter, data) for every corpus file whose front matter the format can hold."""
    config = load_config(CORPUS)
    out = []
    for path in iter_article_paths([CORPUS], config):
        article = load_article(path, config, with_rules=False)
        if article.kind != "front-matter" or not article.meta:
            continue
        data = thaw(article.meta)
        if fmt == "toml":
            if not _toml_can_hold(data):
                continue
            fm = tomlkit.dumps({k: v for k, v in data.items() if not isinstance(v, dict)} | {k: v for k, v in data.items() if isinstance(v, dict)})
        else:
            fm = json.dumps(data, indent=2, ensure_ascii=False)
        out.append((article.relpath, fm, data))
    return out


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present (fresh clone without shared data)")
@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_every_corpus_front_matter_as_toml_and_json_takes_minimal_edits(fmt: str) -> None:
    files = _converted(fmt)
    assert len(files) >= 100
    edits = minimal = 0
    failures: list[str] = []
    for name, fm, data in files:
        text = (f"+++\n{fm}+++\nBody of {name}\n" if fmt == "toml" else f"{fm}\nBody of {name}\n")
        split = split_text(text)
        assert split.format == fmt and split.has_front_matter, name
        read, _ = parse_front_matter(front_matter(text, split), fmt, Limits())
        assert read == data, name  # the converted front matter reads back as the original data
        old_lines = front_matter(text, split).splitlines()
        for key, value in data.items():
            if isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value)):
                continue  # tables: their keys are edited through paths, not whole
            edit = SetValue((key,), _new_value(value))
            edits += 1
            try:
                new = apply_edits(text, [edit], name=name)
            except EditRefused as exc:
                failures.append(f"{name}: {key}: refused: {exc.reason}")
                continue
            new_split = split_text(new)
            new_data, _ = parse_front_matter(front_matter(new, new_split), fmt, Limits())
            new_lines = front_matter(new, new_split).splitlines()
            region = _top_level_region(old_lines, key, fmt)
            new_region = _top_level_region(new_lines, key, fmt)
            outside_same = old_lines[: region.start] + old_lines[region.stop :] == new_lines[: new_region.start] + new_lines[new_region.stop :]
            if new_data == apply_to_data(data, [edit]) and outside_same and new[new_split.fm_end :] == text[split.fm_end :]:
                minimal += 1
            else:
                failures.append(f"{name}: {key}: not minimal")
    print(f"\n{fmt}: {len(files)} corpus files, {edits} edits, {minimal} minimal ({100 * minimal / edits:.1f}%)")
    assert edits > 500
    assert failures == [], failures[:20]


# -- YAML only libyaml reads (CD111) ---------------------------------------------------------


JEKYLL_POST = """---
layout: post
title: "Jekyll 4.3: the release
notes, in full"
tags: [release,
notes]
---
Body
"""


def test_a_jekyll_post_libyaml_reads_is_loaded_with_a_warning_and_edited(tmp_path: Path) -> None:
    article = _load(tmp_path, "post.md", JEKYLL_POST)
    assert article.kind == "front-matter"
    assert thaw(article.meta) == {"layout": "post", "title": "Jekyll 4.3: the release notes, in full", "tags": ["release", "notes"]}
    structure = [(p.code, p.line, p.severity) for p in article.problems if p.code.startswith("CD1")]
    assert structure == [("CD111", 4, "warning"), ("CD111", 6, "warning")]
    new = apply_edits(JEKYLL_POST, [SetValue(("layout",), "page"), AddItem(("tags",), "jekyll")], name="post.md")
    # a new item of a multi-line flow list goes on a line of its own, as the last one is
    assert new == JEKYLL_POST.replace("layout: post", "layout: page").replace("notes]", "notes,\njekyll]")
    # and the title itself, replaced by a value on one line
    new = apply_edits(JEKYLL_POST, [SetValue(("title",), "Short")], name="post.md")
    assert new == JEKYLL_POST.replace('"Jekyll 4.3: the release\nnotes, in full"', '"Short"')


def test_the_yaml_suite_error_cases_stay_errors(tmp_path: Path) -> None:
    """No YAML test suite error case loads without a structure error: the constructs read as
    libyaml reads them are not among them (DK95/01, a quoted value's continuation line
    indented with a tab, which libyaml reads too, stays an error). tests/test_yaml_suite.py
    runs the whole suite."""
    suite = PROJECT.parent / "shared" / "yaml-test-suite"
    if not suite.is_dir():
        pytest.skip(f"the YAML test suite is not available beside the project ({suite})")
    tolerated = []
    for case in sorted(path.parent for path in suite.rglob("error")):
        source = case / "in.yaml"
        if not source.is_file():
            continue
        text = "---\n" + source.read_text(encoding="utf-8", errors="replace") + "\n---\nBody\n"
        article = _load(tmp_path, "case.md", text)
        if article.kind == "front-matter" and split_text(text).fm_end == len(text) - len("---\nBody\n"):
            errors = [p for p in article.problems if p.code.startswith("CD1") and p.severity == "error"]
            if not errors:
                tolerated.append(case.relative_to(suite).as_posix())
    assert tolerated == []


# -- python-frontmatter ---------------------------------------------------------------------


def test_check_post_validates_a_post_against_the_folders_schema_and_rules(tmp_path: Path) -> None:
    (tmp_path / "copydesk.toml").write_text('ignore = ["CD206"]\n')
    config = load_config(tmp_path)
    post = frontmatter.Post("## Fares\n\nSingle fares rise.\n", **EXPECTED_META)
    assert check_post(post, config) == ()
    post["sentiment"] = "GLOOMY"
    post["tags"] = ["TRANSPORT", "transport"]
    del post["lang"]
    found = {(p.code, p.severity) for p in check_post(post, config)}
    assert found == {("CD201", "error"), ("CD203", "error"), ("CD302", "warning")}


@pytest.mark.parametrize(("text", "handler"), [(TOML_ARTICLE, None), (JSON_ARTICLE, "JSONHandler")], ids=["toml", "json"])
def test_article_to_post_gives_python_frontmatter_the_data_and_body(tmp_path: Path, text: str, handler: str | None) -> None:
    post = _load(tmp_path, "a.md", text).to_post()
    assert post.metadata == EXPECTED_META and post.content.startswith("## Fares")
    if handler:
        assert type(post.handler).__name__ == handler
    assert check_post(post, load_config(tmp_path)) == ()


@pytest.mark.parametrize(("before", "after"), [
    ('keywords = [ "sections", "tree" ]  # kept\n', 'keywords = [ "sections" ]  # kept\n'),
    ('keywords = ["sections","tree"]\n', 'keywords = ["sections"]\n'),
    ('keywords = [\n  "sections",\n  "tree",\n]\n', 'keywords = [\n  "sections",\n]\n'),
    ('keywords = [\n  "sections",\n  "tree"\n]\n', 'keywords = [\n  "sections"\n]\n'),
])
def test_removing_a_toml_arrays_last_item_leaves_no_comma_it_did_not_have(before: str, after: str) -> None:
    text = f"+++\ntitle = 'x'\n{before}draft = false\n+++\nBody.\n"
    assert apply_edits(text, [RemoveItem(("keywords",), "tree")]) == text.replace(before, after)
