"""Every rule code on small files in a temp folder: the code, its line and its column."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core.checks import RULES, Problem
from core.checks.body import fix_trailing_blank_lines
from core.checks.consistency import fix_tags, fixed_tags
from core.checks.positions import FrontMatterIndex
from core.checks.runner import validate_config
from core.config import Config, ConfigError
from core.document import load_article
from core.edit.apply import apply_edits

# A valid article; the comments give the file line of each field (tests rely on them).
BASE = """\
---
title: Ferry fares rise
description: Fares go up in January.
publishedAt: '2025-11-03T06:15:00.000Z'
updatedAt: '2025-11-03T09:40:00.000Z'
lang: en
externalId: '80412'
source:
  name: Harbour Desk
  key: harbourdesk
  type: RSS
category: TRANSPORT
tags:
  - TRANSPORT
  - HONG KONG
sentiment: NEUTRAL
draft: false
coverImage:
  thumb: 'https://img.example.com/a.jpg'
ai:
  rewritten: true
  expandedAt: '2025-11-03T09:40:00.000Z'
  version: 1
---
## Fares

Single fares rise by nine per cent.
"""
#  1 ---            8 source:        15   - HONG KONG     22   expandedAt
#  2 title          9   name         16 sentiment         23   version
#  3 description   10   key          17 draft             24 ---
#  4 publishedAt   11   type         18 coverImage        25 ## Fares
#  5 updatedAt     12 category       19   thumb           26
#  6 lang          13 tags:          20 ai:               27 Single fares...
#  7 externalId    14   - TRANSPORT  21   rewritten


def check(tmp_path: Path, text: str | bytes, name: str = "a.md", **settings) -> list[Problem]:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode("utf-8"))
    return list(load_article(path, Config(root=tmp_path, **settings)).problems)


def where(problems: list[Problem], code: str) -> list[tuple[int, int]]:
    return [(p.line, p.column) for p in problems if p.code == code]


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, problems
    return found[0]


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_base_article_is_clean(tmp_path: Path) -> None:
    assert check(tmp_path, BASE) == []


# -- structure (produced by the loader; positions in the file) ----------------------------


def test_cd101_raw_article(tmp_path: Path) -> None:
    problems = check(tmp_path, "Council votes on budget\n\nThe council voted on Tuesday.\n")
    assert where(problems, "CD101") == [(1, 1)]


def test_cd102_unclosed_front_matter(tmp_path: Path) -> None:
    problems = check(tmp_path, "---\ntitle: A\n\nBody text.\n")
    assert where(problems, "CD102") == [(1, 1)]


def test_cd103_yaml_syntax_error_is_positioned_in_the_file(tmp_path: Path) -> None:
    text = edit(BASE, "description: Fares go up in January.", "description: Fares: up in January.")
    problems = check(tmp_path, text)
    assert where(problems, "CD103") == [(3, 19)]


def test_cd104_duplicate_key(tmp_path: Path) -> None:
    text = edit(BASE, "draft: false\n", "draft: false\ndraft: true\n")
    assert where(check(tmp_path, text), "CD104") == [(18, 1)]


def test_cd105_invalid_utf8(tmp_path: Path) -> None:
    data = "---\ntitle: Café\n---\nBody.\n".encode("latin-1")
    problems = check(tmp_path, data)
    assert where(problems, "CD105") == [(2, 11)]
    assert "0xe9" in only(problems, "CD105").message


def test_cd106_front_matter_not_a_mapping(tmp_path: Path) -> None:
    problems = check(tmp_path, "---\n- title: A\n- draft: false\n---\nBody.\n")
    assert where(problems, "CD106") == [(2, 1)]


def test_cd107_symlink_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real.md").write_text(BASE)
    os.symlink("real.md", tmp_path / "link.md")
    problems = list(load_article(tmp_path / "link.md", Config(root=tmp_path)).problems)
    assert where(problems, "CD107") == [(1, 1)]
    assert "symbolic link" in only(problems, "CD107").message


def test_cd108_alias_bomb_is_not_parsed(tmp_path: Path) -> None:
    lines = ["---", "a: &a [x, x]"]
    previous = "a"
    for name in "bcdefghijklm":
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
        previous = name
    problems = check(tmp_path, "\n".join(lines + ["---", "Body.", ""]))
    assert [p.code for p in problems] == ["CD108"]


@pytest.mark.parametrize(
    ("old", "new", "position", "words"),
    [
        ("externalId: '80412'", "externalId: 0755", (7, 13), "octal number 493"),
        ("externalId: '80412'", "externalId: 012345678", (7, 13), "the string '012345678'"),
        ("draft: false\n", "draft: false\nduration: 1:30\n", (18, 11), "base-60"),
        ("draft: false\n", "draft: false\n<<: {x: 1}\n", (18, 1), "merge key"),
    ],
)
def test_cd109_yaml_version_ambiguities(tmp_path: Path, old: str, new: str, position: tuple[int, int], words: str) -> None:
    problems = check(tmp_path, edit(BASE, old, new))
    assert where(problems, "CD109") == [position]
    assert words in only(problems, "CD109").message


def test_cd109_quoted_values_are_not_ambiguous(tmp_path: Path) -> None:
    text = edit(BASE, "draft: false\n", "draft: false\nduration: '1:30'\n")
    assert where(check(tmp_path, text), "CD109") == []


# -- schema ---------------------------------------------------------------------------------


def test_cd201_missing_top_level_field_points_at_the_fence(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "sentiment: NEUTRAL\n", ""))
    assert where(problems, "CD201") == [(1, 1)]
    assert "'sentiment'" in only(problems, "CD201").message


def test_cd201_missing_nested_field_points_at_its_parent(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  key: harbourdesk\n", ""))
    assert where(problems, "CD201") == [(8, 1)]
    assert "'source.key'" in only(problems, "CD201").message


def test_cd202_wrong_type(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "draft: false", "draft: 'false'"))
    assert where(problems, "CD202") == [(17, 8)]
    assert "boolean" in only(problems, "CD202").message


def test_cd202_external_id_must_stay_a_string(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "externalId: '80412'", "externalId: 80412"))
    assert where(problems, "CD202") == [(7, 13)]


def test_cd203_enum_names_the_closest_value(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "sentiment: NEUTRAL", "sentiment: NEUTARL"))
    assert where(problems, "CD203") == [(16, 12)]
    assert "did you mean NEUTRAL" in only(problems, "CD203").message


@pytest.mark.parametrize("value", ["'Saturday night'", "'2025-11-03'", "'2025-13-03T06:15:00Z'", "'2025-11-03 06:15:00'"])
def test_cd204_invalid_datetime(tmp_path: Path, value: str) -> None:
    problems = check(tmp_path, edit(BASE, "publishedAt: '2025-11-03T06:15:00.000Z'", f"publishedAt: {value}"))
    assert where(problems, "CD204") == [(4, 14)]


@pytest.mark.parametrize("value", ["'2025-11-03T06:15:00+08:00'", "'2025-11-03T06:15:00'", "'2025-11-03T06:15Z'"])
def test_iso_datetimes_with_offsets_or_local_time_are_accepted(tmp_path: Path, value: str) -> None:
    text = edit(BASE, "publishedAt: '2025-11-03T06:15:00.000Z'", f"publishedAt: {value}")
    text = edit(text, "updatedAt: '2025-11-03T09:40:00.000Z'\n", "")
    assert check(tmp_path, text) == []


def test_cd204_nested_date(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  expandedAt: '2025-11-03T09:40:00.000Z'", "  expandedAt: yesterday"))
    assert where(problems, "CD204") == [(22, 15)]


def test_cd205_insecure_image_url(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "'https://img.example.com/a.jpg'", "'http://img.example.com/a.jpg'"))
    assert where(problems, "CD205") == [(19, 10)]
    assert "coverImage.thumb" in only(problems, "CD205").message


def test_cd205_applies_to_any_cover_image_rendition(tmp_path: Path) -> None:
    text = edit(BASE, "  thumb:", "  huge: 'http://img.example.com/b.jpg'\n  thumb:")
    assert where(check(tmp_path, text), "CD205") == [(19, 9)]


def test_cd206_unknown_field_suggests_a_known_one(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "draft: false\n", "draft: false\ncategroy: X\n"))
    p = only(problems, "CD206")
    assert (p.line, p.column, p.severity) == (18, 1, "warning")
    assert "did you mean 'category'" in p.message


def test_cd206_unknown_nested_field(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  version: 1\n", "  version: 1\n  model: gpt\n"))
    assert where(problems, "CD206") == [(24, 3)]


@pytest.mark.parametrize(("old", "new", "position"), [
    ("title: Ferry fares rise", "title: ''", (2, 8)),
    ("description: Fares go up in January.", "description:", (3, 1)),
    ("  name: Harbour Desk", "  name: '  '", (9, 9)),
])  # fmt: skip
def test_cd207_empty_required_field(tmp_path: Path, old: str, new: str, position: tuple[int, int]) -> None:
    problems = check(tmp_path, edit(BASE, old, new))
    assert where(problems, "CD207") == [position]
    assert where(problems, "CD202") == []


def test_cd208_tag_outside_vocabulary_names_the_closest(tmp_path: Path) -> None:
    text = edit(BASE, "  - HONG KONG", "  - HONGKONG")
    problems = check(tmp_path, text, vocabulary=("TRANSPORT", "HONG KONG", "MARKETS"))
    p = only(problems, "CD208")
    assert (p.line, p.column) == (15, 5)
    assert "'HONG KONG'" in p.message


def test_cd208_names_no_far_fetched_tag(tmp_path: Path) -> None:
    # A short tag shares letters with many: only a real near-miss is offered as the fix.
    text = edit(BASE, "  - HONG KONG", "  - PORTS")
    assert "closest known tag: 'SPORTS'" in only(check(tmp_path, text, vocabulary=("POLITICS", "SPORTS", "TRANSPORT")), "CD208").message
    assert "no close match" in only(check(tmp_path, text, vocabulary=("POLITICS", "TRANSPORT", "MARKETS")), "CD208").message


def test_cd208_needs_a_vocabulary(tmp_path: Path) -> None:
    assert check(tmp_path, edit(BASE, "  - HONG KONG", "  - HONGKONG")) == []


def test_cd209_constraint(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "lang: en", "lang: english"))
    assert where(problems, "CD209") == [(6, 7)]


def test_schema_reports_every_error_not_just_the_first(tmp_path: Path) -> None:
    text = edit(BASE, "lang: en", "lang: EN")
    text = edit(text, "sentiment: NEUTRAL", "sentiment: HAPPY")
    text = edit(text, "draft: false", "draft: 0")
    text = edit(text, "category: TRANSPORT\n", "")
    problems = check(tmp_path, text)
    assert sorted(p.code for p in problems) == ["CD201", "CD202", "CD203", "CD209"]


def test_custom_schema_from_config(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "required": ["title", "slug"],
        "properties": {
            "title": {"type": "string"},
            "slug": {"type": "string", "pattern": "^[a-z-]+$"},
            "hero": {"type": "string", "pattern": "^https://", "x-copydesk-code": "CD205"},
            "rating": {"allOf": [{"type": "integer"}, {"minimum": 1}]},
        },
    }
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    text = "---\ntitle: A\nslug: Not OK\nhero: http://x.example/h.png\nrating: 0\n---\nBody.\n"
    problems = check(tmp_path, text, schema=tmp_path / "schema.json")
    assert [(p.code, p.line, p.column) for p in problems] == [("CD209", 3, 7), ("CD205", 4, 7), ("CD209", 5, 9)]


def test_invalid_schema_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"type": "object", "properties": {"a": {"type": "strnig"}}}')
    with pytest.raises(ConfigError, match="schema.json"):
        validate_config(Config(root=tmp_path, schema=tmp_path / "schema.json"))


def test_remote_refs_are_never_fetched(tmp_path: Path) -> None:
    (tmp_path / "schema.json").write_text('{"properties": {"a": {"$ref": "https://example.invalid/s.json"}}}')
    with pytest.raises(ConfigError, match="remote"):
        validate_config(Config(root=tmp_path, schema=tmp_path / "schema.json"))


def test_invalid_pattern_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cta-patterns"):
        validate_config(Config(root=tmp_path, cta_patterns=("([unclosed",)))


# -- consistency ----------------------------------------------------------------------------


def test_cd301_updated_before_published(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "updatedAt: '2025-11-03T09:40:00.000Z'", "updatedAt: '2025-11-02T09:40:00.000Z'"))
    assert where(problems, "CD301") == [(5, 12)]


def test_cd301_compares_instants_across_offsets(tmp_path: Path) -> None:
    # 07:00+08:00 is 23:00Z the day before: earlier than publishedAt.
    text = edit(BASE, "updatedAt: '2025-11-03T09:40:00.000Z'", "updatedAt: '2025-11-03T07:00:00+08:00'")
    assert where(check(tmp_path, text), "CD301") == [(5, 12)]
    later = edit(BASE, "updatedAt: '2025-11-03T09:40:00.000Z'", "updatedAt: '2025-11-03T15:00:00+08:00'")
    assert where(check(tmp_path, later), "CD301") == []


def test_cd302_duplicate_tag_points_at_the_repeat(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  - HONG KONG\n", "  - HONG KONG\n  - TRANSPORT\n"))
    assert where(problems, "CD302") == [(16, 5)]


def test_cd303_tag_not_uppercase_in_a_flow_list(tmp_path: Path) -> None:
    text = edit(BASE, "tags:\n  - TRANSPORT\n  - HONG KONG\n", "tags: [TRANSPORT, Hong Kong]\n")
    problems = check(tmp_path, text)
    assert where(problems, "CD303") == [(13, 19)]
    assert "'HONG KONG'" in only(problems, "CD303").message


def test_cd304_tag_whitespace(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  - HONG KONG", "  - 'HONG  KONG '"))
    assert where(problems, "CD304") == [(15, 5)]


def test_cd305_empty_tag(tmp_path: Path) -> None:
    problems = check(tmp_path, edit(BASE, "  - HONG KONG", "  -"))
    assert where(problems, "CD305") == [(15, 3)]
    assert where(problems, "CD202") == []


@pytest.mark.parametrize(("line", "position"), [("draft: false\nbreaking: yes\n", (18, 11)), ("draft: false\nOn: x\n", (18, 1))])
def test_cd306_yaml11_boolean(tmp_path: Path, line: str, position: tuple[int, int]) -> None:
    problems = check(tmp_path, edit(BASE, "draft: false\n", line))
    assert where(problems, "CD306") == [position]


def test_cd306_quoted_yes_is_fine(tmp_path: Path) -> None:
    assert where(check(tmp_path, edit(BASE, "draft: false\n", "draft: false\nbreaking: 'yes'\n")), "CD306") == []


# -- body -----------------------------------------------------------------------------------


def body(text: str) -> str:
    return BASE.split("---\n## Fares", 1)[0] + "---\n" + text


def test_cd401_empty_body_points_at_the_closing_fence(tmp_path: Path) -> None:
    assert where(check(tmp_path, body("\n\n")), "CD401") == [(24, 1)]
    assert where(check(tmp_path, body("")), "CD401") == [(24, 1)]


def test_cd402_empty_sections(tmp_path: Path) -> None:
    text = body("## Background\n\n## The plan\n\nText.\n\n### Detail\n\n## Next\n\nMore.\n\nSetext\n------\n")
    assert where(check(tmp_path, text), "CD402") == [(25, 1), (31, 1), (37, 1)]


def test_cd402_subsection_text_fills_the_parent(tmp_path: Path) -> None:
    text = body("## Plan\n\n### Phase one\n\nText.\n\n## Next\n\nMore.\n")
    assert where(check(tmp_path, text), "CD402") == []


def test_cd402_headings_in_code_blocks_are_ignored(tmp_path: Path) -> None:
    text = body("## Example\n\n```\n# not a heading\n```\n")
    assert where(check(tmp_path, text), "CD402") == []


def test_cd402_heading_like_lines_in_scraped_text(tmp_path: Path) -> None:
    text = "Port strike talks resume today\n\nUnion Position\n\nEmployer Position\n\nBoth sides met on Monday.\n"
    assert where(check(tmp_path, text, name="raw.txt"), "CD402") == [(3, 1)]


def test_cd403_lost_list(tmp_path: Path) -> None:
    text = body("The council set three conditions:\n\nNobody objected.\n")
    problems = check(tmp_path, text)
    assert where(problems, "CD403") == [(25, 1)]


@pytest.mark.parametrize("after", ["- first\n- second\n", "1. first\n", "    indented\n", "```\ncode\n```\n", "• bullet\n", "\"A quotation.\"\n"])
def test_cd403_list_or_indented_text_after_the_colon(tmp_path: Path, after: str) -> None:
    assert where(check(tmp_path, body(f"The council set three conditions:\n\n{after}")), "CD403") == []


def test_cd403_speaker_labels_are_not_lists(tmp_path: Path) -> None:
    assert where(check(tmp_path, body("Reporter:\nWhat happens next?\n")), "CD403") == []


def test_cd404_call_to_action(tmp_path: Path) -> None:
    text = body("Text.\n\n  👉 Read our full coverage\n")
    assert where(check(tmp_path, text), "CD404") == [(27, 3)]


def test_cd404_patterns_come_from_the_config(tmp_path: Path) -> None:
    text = body("Text.\n\nBUY THE PRINT EDITION\n")
    assert where(check(tmp_path, text), "CD404") == []
    assert where(check(tmp_path, text, cta_patterns=(r"(?i)^buy the print",)), "CD404") == [(27, 1)]


def test_cd405_footer_lines_are_one_problem(tmp_path: Path) -> None:
    text = body("Text.\n\nJoin our community on Telegram\nTelegram:https://t.me/example\n\nX (Twitter) EN:https://x.com/example\n")
    problems = check(tmp_path, text)
    assert where(problems, "CD405") == [(27, 1)]
    assert "+2 more lines" in only(problems, "CD405").message


def test_cd406_title_repeated_at_the_top(tmp_path: Path) -> None:
    assert where(check(tmp_path, body("# Ferry Fares Rise!\n\nText.\n")), "CD406") == [(25, 1)]
    assert where(check(tmp_path, body("Text about ferry fares rise.\n")), "CD406") == []


def test_cd406_raw_article_repeating_its_first_line(tmp_path: Path) -> None:
    text = "\nCouncil splits over licensing plan\nCity Desk Selected\n\nCouncil splits over licensing plan\nText.\n"
    assert where(check(tmp_path, text, name="raw.txt"), "CD406") == [(5, 1)]


def test_cd407_trailing_blank_lines(tmp_path: Path) -> None:
    problems = check(tmp_path, body("Text.\n\n  \n\n"))
    assert where(problems, "CD407") == [(26, 1)]
    assert "3 trailing blank lines" in only(problems, "CD407").message
    assert where(check(tmp_path, body("Text.\n")), "CD407") == []
    assert where(check(tmp_path, body("Text.")), "CD407") == []


def test_body_lines_in_a_crlf_file_with_a_bom(tmp_path: Path) -> None:
    text = "\ufeff" + body("Text.\n\n👉 Subscribe now\n").replace("\n", "\r\n")
    assert where(check(tmp_path, text), "CD404") == [(27, 1)]


def test_cd111_quoted_value_with_unindented_continuation_is_read_as_libyaml_reads_it(tmp_path: Path) -> None:
    # Jekyll posts: a double-quoted description over two lines, the second at column 0
    text = edit(BASE, "description: Fares go up in January.\n", 'description: "Fares go up\nin January."\n')
    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    article = load_article(tmp_path / "a.md", Config(root=tmp_path))
    assert article.kind == "front-matter" and article.meta is not None
    assert article.meta["description"] == "Fares go up in January."
    problem = only(list(article.problems), "CD111")
    assert (problem.line, problem.severity) == (4, "warning")
    assert "multi-line quoted value" in problem.message and "libyaml" in problem.message
    assert [p.code for p in article.problems] == ["CD111"]


def test_cd111_flow_list_with_unindented_continuation(tmp_path: Path) -> None:
    text = edit(BASE, "tags:\n  - TRANSPORT\n  - HONG KONG\n", "tags: [TRANSPORT,\nHONG KONG]\n")
    problems = check(tmp_path, text)
    assert where(problems, "CD111") == [(14, 1)]
    assert "flow list" in only(problems, "CD111").message


def test_cd111_does_not_hide_duplicate_keys_or_other_syntax_errors(tmp_path: Path) -> None:
    duplicate = edit(BASE, "description: Fares go up in January.\n", 'description: "Fares go up\nin January."\ndraft: true\n')
    assert [p.code for p in check(tmp_path, duplicate)] == ["CD104"]
    unquoted = edit(BASE, "description: Fares go up in January.\n", "description: Fares go up\nin January.\n")
    assert [p.code for p in check(tmp_path, unquoted)] == ["CD103"]


def test_cd110_a_crash_inside_a_rule_becomes_a_problem_on_that_file(tmp_path: Path, monkeypatch) -> None:
    import core.document
    from core.config import Config
    from core.document import load_corpus

    (tmp_path / "a.md").write_text("---\ntitle: A\n---\nBody.\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("just text\n", encoding="utf-8")

    def broken(source, config, relpath, codes):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(core.document, "_check_source", broken)  # what loading calls
    corpus = load_corpus([tmp_path], Config(root=tmp_path))
    codes = {a.relpath: [p.code for p in a.problems] for a in corpus.articles}
    assert codes == {"a.md": ["CD110"], "b.md": ["CD101", "CD110"]}
    assert "ZeroDivisionError" in corpus.articles[0].problems[0].message


def test_cd112_a_conflict_block_in_the_front_matter_names_its_field(tmp_path: Path) -> None:
    block = ("<<<<<<< sentiment (ours, a.md)\nsentiment: NEGATIVE\n=======\nsentiment: POSITIVE\n"
             ">>>>>>> sentiment (theirs, a.md)\n")
    (tmp_path / "a.md").write_text(edit(BASE, "sentiment: NEUTRAL\n", block), encoding="utf-8")
    article = load_article(tmp_path / "a.md", Config(root=tmp_path))
    # the marker lines are not YAML: the block is reported, not a syntax error
    assert article.kind == "invalid-yaml"
    assert [(p.code, p.line) for p in article.problems] == [("CD112", 16)]
    message = article.problems[0].message
    assert "unresolved merge conflict in field 'sentiment'" in message and "lines 16-20" in message
    assert "'sentiment: NEGATIVE'" in message and "'sentiment: POSITIVE'" in message


def test_cd112_a_block_git_wrote_names_the_key_inside_it(tmp_path: Path) -> None:
    block = "<<<<<<< HEAD\n  name: Harbour News\n||||||| base\n  name: Harbour Desk\n=======\n  name: Port Desk\n>>>>>>> topic\n"
    problems = check(tmp_path, edit(BASE, "  name: Harbour Desk\n", block))
    assert [p.code for p in problems] == ["CD112"]
    assert "in field 'name'" in problems[0].message and "theirs 'name: Port Desk'" in problems[0].message


def test_cd112_a_conflict_in_the_body_leaves_the_front_matter_checked(tmp_path: Path) -> None:
    text = edit(BASE, "Single fares rise by nine per cent.\n",
                "<<<<<<< body (ours, a.md)\nSingle fares rise by 9%.\n=======\nSingle fares rise by ten per cent.\n>>>>>>> body (theirs, a.md)\n")
    problems = check(tmp_path, edit(text, "lang: en", "lang: EN"))
    assert where(problems, "CD112") == [(27, 1)] and where(problems, "CD209") == [(6, 7)]
    assert "unresolved merge conflict in the body" in only(problems, "CD112").message


def test_cd112_needs_a_whole_block(tmp_path: Path) -> None:
    # a line of seven `=` alone is a setext heading's underline, not a conflict
    assert "CD112" not in [p.code for p in check(tmp_path, edit(BASE, "## Fares\n", "Fares\n=======\n"))]
    opened = check(tmp_path, edit(BASE, "draft: false\n", "<<<<<<< HEAD\ndraft: false\n"))
    assert [p.code for p in opened] == ["CD103"]


def test_cd307_sentiment_contradicted_only_when_selected(tmp_path: Path) -> None:
    # The words are grim, the value POSITIVE: reported at the value, by CD307 selected alone.
    text = edit(BASE, "sentiment: NEUTRAL", "sentiment: POSITIVE").replace(
        "Single fares rise by nine per cent.", "A fire killed two workers and destroyed the terminal; dozens were injured.")
    assert "CD307" not in {p.code for p in check(tmp_path, text)}
    found = only(check(tmp_path, text, select=("ALL", "CD307")), "CD307")
    assert (found.line, found.column) == (16, 12)
    assert "confidently negative" in found.message
    assert "CD307" not in {p.code for p in check(tmp_path, edit(text, "sentiment: POSITIVE", "sentiment: NEGATIVE"),
                                                 select=("ALL", "CD307"))}


def test_every_registered_code_has_a_test_here() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [code for code in RULES if f"test_{code.lower()}_" not in source]
    assert untested == []


# -- positions -----------------------------------------------------------------------------


def test_index_finds_flush_lists_and_flow_mappings() -> None:
    fm = "tags:\n- A\n- b\nsource: {name: X, key: y}\nai:\n  # note\n  version: 2\n"
    index = FrontMatterIndex(fm, first_line=2)
    tag = index.find(("tags", 1))
    assert tag is not None and (tag.line, tag.value_col) == (4, 3)
    key = index.find(("source", "key"))
    assert key is not None and (key.line, key.key_col) == (5, 19)
    version = index.find(("ai", "version"))
    assert version is not None and (version.line, version.key_col, version.value_col) == (8, 3, 12)


def test_index_does_not_confuse_nested_and_top_level_keys() -> None:
    fm = "source:\n  name: X\nname: top\n"
    pos = FrontMatterIndex(fm, first_line=2).find(("name",))
    assert pos is not None and pos.line == 4


# -- fixes ----------------------------------------------------------------------------------

TAG_FIXES = frozenset({"CD302", "CD303", "CD304", "CD305"})


def test_fixed_tags() -> None:
    tags = ["Hong Kong", " MARKETS", "MARKETS", "", None, "hong  kong", "ASIA"]
    assert fixed_tags(tags) == ["HONG KONG", "MARKETS", "ASIA"]
    assert fixed_tags(tags, {"CD305"}) == ["Hong Kong", " MARKETS", "MARKETS", "hong  kong", "ASIA"]


def test_tag_fixes_change_only_tag_lines(tmp_path: Path) -> None:
    text = edit(BASE, "  - HONG KONG\n", "  - Hong Kong\n  - ' ASIA'\n  - ''\n  - TRANSPORT\n")
    path = tmp_path / "a.md"
    path.write_text(text)
    article = load_article(path, Config(root=tmp_path))
    assert {p.code for p in article.problems} == {"CD302", "CD303", "CD304", "CD305"}
    fixed = apply_edits(text, fix_tags(article.meta, TAG_FIXES), name="a.md")
    assert fixed == edit(BASE, "  - HONG KONG\n", "  - HONG KONG\n  - ASIA\n")


def test_the_tag_fix_writes_the_vocabularys_spelling_and_makes_no_repeat(tmp_path: Path) -> None:
    # Upper-cased alone, `Hong-Kong` and `regulations` became HONG-KONG and REGULATIONS:
    # two tags outside the vocabulary (CD208) that were not there before the fix.
    text = edit(BASE, "  - HONG KONG\n", "  - Hong-Kong\n  - regulations\n  - HONG KONG\n")
    path = tmp_path / "a.md"
    path.write_text(text)
    (tmp_path / "copydesk.toml").write_text('vocabulary = ["TRANSPORT", "HONG KONG", "REGULATION"]\n')
    result = subprocess.run([sys.executable, "-m", "core.cli.main", "check", "--fix", "--select", "CD2,CD303", "a.md"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    # CD302 was not selected, yet the fix leaves no repeat of HONG KONG behind.
    assert path.read_text() == edit(BASE, "  - HONG KONG\n", "  - HONG KONG\n  - REGULATION\n")
    assert "CD208" not in result.stdout


def test_exact_duplicates_are_fixed_by_setting_the_list(tmp_path: Path) -> None:
    text = edit(BASE, "  - HONG KONG\n", "  - HONG KONG\n  - TRANSPORT\n")
    path = tmp_path / "a.md"
    path.write_text(text)
    article = load_article(path, Config(root=tmp_path))
    assert apply_edits(text, fix_tags(article.meta, TAG_FIXES), name="a.md") == BASE


def test_tag_fixes_respect_the_selected_codes(tmp_path: Path) -> None:
    text = edit(BASE, "  - HONG KONG\n", "  - Hong Kong\n  - ''\n")
    path = tmp_path / "a.md"
    path.write_text(text)
    meta = load_article(path, Config(root=tmp_path)).meta
    assert apply_edits(text, fix_tags(meta, frozenset({"CD305"})), name="a.md") == edit(BASE, "  - HONG KONG\n", "  - Hong Kong\n")
    assert fix_tags(meta, frozenset({"CD407"})) == []


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("---\na: 1\n---\nText.\n\n\n", "---\na: 1\n---\nText.\n"),
        ("---\r\na: 1\r\n---\r\nText.  \r\n \r\n\r\n", "---\r\na: 1\r\n---\r\nText.  \r\n"),
        ("Raw text\n\n\n", "Raw text\n"),
        ("\ufeffRaw text\n\n", "\ufeffRaw text\n"),
        ("---\na: 1\n---\nText.", "---\na: 1\n---\nText."),
        ("---\na: 1\n---\n\n\n", "---\na: 1\n---\n\n\n"),
    ],
)
def test_fix_trailing_blank_lines(before: str, after: str) -> None:
    assert fix_trailing_blank_lines(before) == after


# -- the fast paths say what the slow ones say ------------------------------------------------
#
# Several checks have a cheap path for the common case (metadata as parsed and valid, lines
# that cannot be promotional, plain headings). These tests pin each cheap path to the exact
# computation it stands in for, on inputs built to reach their corners.


def test_promotional_line_starts_are_derived_from_the_default_patterns() -> None:
    from core.checks.promo import (
        DEFAULT_CTA_PATTERNS,
        DEFAULT_FOOTER_PATTERNS,
        DEFAULT_PROMO_STARTS,
    )

    # Each default pattern is whitespace then literal alternatives ("(?i)^\s*(a|b)..." or
    # "(?i)^\s*word..."): every ASCII alternative's first two characters must be listed.
    def alternatives(head: str) -> list[str]:
        """The top-level alternatives of the group ``head`` starts with, or its first word."""
        if not head.startswith("("):
            return [re.match(r"[\w ]+", head).group()]
        depth, words, word, i = 0, [], "", 1
        while True:
            char = head[i]
            if char == "\\":
                word += head[i : i + 2]
                i += 2
                continue
            if char == ")" and depth == 0:
                return [*words, word]
            if char == "|" and depth == 0:
                words.append(word)
                word = ""
            else:
                depth += {"(": 1, ")": -1}.get(char, 0)
                word += char
            i += 1

    starts = set()
    for pattern in DEFAULT_CTA_PATTERNS + DEFAULT_FOOTER_PATTERNS:
        head = re.sub(r"^\(\?i\)", "", pattern)
        assert head.startswith(r"^\s*"), pattern
        for word in alternatives(head[len(r"^\s*") :]):
            first_two = word.replace("\\", "")[:2]
            assert first_two[:1].isalnum() or not first_two.isascii(), word  # a literal start
            if first_two.isascii():
                assert len(first_two) == 2, word
                starts.add(first_two.lower())
    assert starts == DEFAULT_PROMO_STARTS


PROMO_PIECES = [
    "", "  ", "Text line.", "Lead in:", "# H1", "## H2 ##", "### ", "#nope", "===", "---", "- item",
    "* * *", "___", "**bold**", "👉 Click the link", "Join our Telegram community", "Telegram: https://t.me/x",
    "Follow us on X", "Sign up now", "SUBSCRIBE today", "  indented", "\tTab", "x (twitter): https://x.com/a",
    "İnstagram: https://i.example", "ſign up", "Register now", "Download our app", "In short:", "1. one",
    "Speaker:", "\u3000 wide space", "``` fence", "text", "~~~",
]


def test_promotional_prefilter_classifies_lines_as_the_patterns_do() -> None:
    import random

    from core.checks.body import _combined, _scan_body
    from core.checks.promo import (
        DEFAULT_CTA_PATTERNS,
        DEFAULT_FOOTER_PATTERNS,
        DEFAULT_PROMO_STARTS,
    )

    promo = _combined(DEFAULT_CTA_PATTERNS + DEFAULT_FOOTER_PATTERNS)
    rng = random.Random(6)
    for _ in range(5000):
        lines = [rng.choice(PROMO_PIECES) for _ in range(rng.randint(1, 10))]
        fast = _scan_body(lines, promo, DEFAULT_PROMO_STARTS)
        slow = _scan_body(lines, promo, None)
        assert (fast.kinds, fast.headings, fast.promos, fast.colons) == (slow.kinds, slow.headings, slow.promos, slow.colons), lines


def test_atx_headings_are_read_as_the_markdown_pattern_reads_them() -> None:
    import random

    from core.checks.body import _ATX, _atx_heading

    rng = random.Random(7)
    alphabet = [" ", " ", "\t", "#", "#", "#", "a", "b", "\u3000", "é"]
    for _ in range(20000):
        line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        if rng.random() < 0.5:
            line = " " * rng.randint(0, 4) + "#" * rng.randint(1, 7) + line
        match = _ATX.match(line)
        assert _atx_heading(line) == ((len(match.group(1)), match.group(2) or "") if match else None), repr(line)


def test_title_comparison_on_a_prefix_agrees_with_the_whole_line() -> None:
    import random

    from core.checks.body import _same_folded
    from core.checks.wording import fold as _fold

    rng = random.Random(8)
    for _ in range(5000):
        text = "".join(rng.choice("aB ,.-'ßİ1_\u00e9") for _ in range(rng.randint(0, 90)))
        folded = _fold(text if rng.random() < 0.4 else text[: rng.randint(0, 40)])
        assert _same_folded(text, folded) == (_fold(text) == folded), (text, folded)


def test_suspect_scalars_are_found_in_the_same_order_without_a_copy() -> None:
    import random
    from types import MappingProxyType

    from core.checks.yaml11 import find_suspects as _find_suspects
    from core.checks.yaml11 import prepare as _prepare

    rng = random.Random(9)
    scalars = ["yes", "no", "On", "x", "1:30", "-1:30:15.5", "2025-01-01T00:00", 0, 7, 8, -9, 755, True, None, 1.5, "y", "12:99"]

    def node(depth: int):
        roll = rng.random()
        if depth > 3 or roll < 0.5:
            return rng.choice(scalars)
        if roll < 0.75:
            mapping = {rng.choice(["a", "yes", "<<", "N", "b", 1]): node(depth + 1) for _ in range(rng.randint(0, 4))}
            return MappingProxyType(mapping) if rng.random() < 0.3 else mapping
        items = [node(depth + 1) for _ in range(rng.randint(0, 4))]
        return tuple(items) if rng.random() < 0.3 else items

    for _ in range(3000):
        meta = {"k": node(0), "tags": node(1)}
        found: list = []
        _find_suspects(meta, (), found)
        assert found == _prepare(meta)[1]


SCHEMA_WITH_DEFAULTS = {
    "type": "object",
    "required": ["title"],
    "properties": {
        "title": {"type": "string"},
        "draft": {"type": "boolean", "default": False},
        "tags": {"type": "array", "uniqueItems": True},
    },
}


@pytest.mark.parametrize("schema", [None, SCHEMA_WITH_DEFAULTS])
@pytest.mark.parametrize(
    "front",
    [
        "title: t\ntags: [A, B]\n",
        "title: t\ntags: [[1], [true]]\n",
        "title: t\ntags: [A, A]\ndraft: yes\nport: 0755\nat: 1:30\n",
        "title: t\n<<: {x: 1}\nyes: 1\n",
        "title: 5\ntags: A\n",
    ],
)
def test_metadata_as_parsed_gives_the_problems_of_frozen_metadata(tmp_path: Path, schema, front: str) -> None:
    from core.checks.runner import check_source
    from core.document import Source, _parse, freeze

    settings = {}
    if schema is not None:
        (tmp_path / "schema.json").write_text(json.dumps(schema))
        settings["schema"] = tmp_path / "schema.json"
    config = Config(root=tmp_path, **settings)
    text = f"---\n{front}---\nBody.\n"
    _, split, meta, _ = _parse(text, config)
    assert isinstance(meta, dict)
    as_parsed = check_source(Source(text, split, meta), config, "a.md")
    frozen = check_source(Source(text, split, freeze(meta)), config, "a.md")
    assert as_parsed == frozen
    assert meta == _parse(text, config)[2]  # validating it in place changed nothing


def test_tags_passed_as_clean_have_no_tag_problem() -> None:
    import random

    from core.checks.consistency import _each_tag_problem, _plainly_clean_tags

    class AnyPosition:
        def value(self, path: tuple) -> tuple[int, int]:
            return 1, 1

    rng = random.Random(10)
    pieces = ["A", "B", "AB", "a", " ", "  ", "|", "\t", "\xa0", "É", "é", "ß", "1", "-", "", "\n", "İ", "X Y", "\x1f"]
    clean = 0
    for _ in range(20000):
        tags = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 3))) for _ in range(rng.randint(1, 5))]
        slow = _each_tag_problem(tags, AnyPosition())  # type: ignore[arg-type]
        if _plainly_clean_tags(tags):
            clean += 1
            assert slow == [], tags
    assert clean > 100


# -- a vocabulary per taxonomy -----------------------------------------------------------------


SITE_ARTICLE = """\
---
title: Hosting on Firebase
categories:
  - hosting
  - Hostng
keywords:
  - firebase
tags:
  - HOSTING
---
Body.
"""


def site_config(tmp_path: Path, text: str) -> Config:
    from core.config import load_config

    (tmp_path / "copydesk.toml").write_text(text)
    return load_config(tmp_path)


def test_cd208_judges_each_taxonomy_against_its_own_vocabulary(tmp_path: Path) -> None:
    config = site_config(tmp_path, 'taxonomies = ["tags", "categories", "keywords"]\nvocabulary = ["HOSTING"]\n'
                                   '[vocabularies]\ncategories = ["hosting", "Hosting guides"]\n')
    (tmp_path / "a.md").write_text(SITE_ARTICLE)
    problems = [p for p in load_article(tmp_path / "a.md", config).problems if p.code == "CD208"]
    assert [(p.line, p.column, p.message) for p in problems] == [
        (5, 5, "categories term 'Hostng' is not in the categories vocabulary; closest known term: 'hosting'")]
    # keywords have no vocabulary: not judged; the tags' is still `vocabulary`
    assert config.vocabulary_of("keywords") == () and config.vocabulary_of("tags") == ("HOSTING",)


@pytest.mark.parametrize(("text", "error"), [
    ('[vocabularies]\ncategories = ["a"]\n', "'vocabularies.categories': 'categories' is not one of the taxonomies (tags)"),
    ('taxonomies = ["categories"]\n[vocabularies]\ncategories = "a"\n', "'vocabularies.categories' must be a list of strings"),
    ('vocabularies = ["a"]\n', "'vocabularies' must be a table"),
    ('vocabulary = ["A"]\n[vocabularies]\ntags = ["B"]\n', "the tags' vocabulary is given twice"),
])  # fmt: skip
def test_a_vocabulary_per_taxonomy_is_validated_when_read(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(error)):
        site_config(tmp_path, text)


def test_vocabularies_tags_is_the_tags_vocabulary(tmp_path: Path) -> None:
    config = site_config(tmp_path, '[vocabularies]\ntags = ["HOSTING", "HOSTING"]\n')
    assert config.vocabulary == ("HOSTING",) and config.vocabularies == {}
