"""Surgical edits: only the edited field's lines change, in the style of their neighbours."""

from __future__ import annotations

import pytest

from core.edit.apply import EditRefused, apply_edits
from core.edit.ops import (
    AddItem,
    DeleteKey,
    EditError,
    RemoveItem,
    RenameKey,
    ReplaceItem,
    ReplaceText,
    SetValue,
    apply_to_data,
    describe_edit,
)
from core.git.commit import batch_message

SEED_LIKE = """---
title: HashKey Leads Hong Kong’s Crypto Market
description: 'A description with ''quotes'''
publishedAt: '2025-12-01T07:29:42.000Z'
lang: en
externalId: '55192977'
source:
  name: CoinDesk
  key: coindesk
  type: RSS
category: MARKET
tags:
  - ASIA
  - HONG KONG # the city
  - NEWS
sentiment: NEGATIVE
draft: false
ai:
  rewritten: true
  version: 1
---
## Overview

Body text.
"""


def changed_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    import difflib

    removed, added = [], []
    for line in difflib.ndiff(a, b):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_setting_a_field_to_its_value_returns_the_same_text():
    assert apply_edits(SEED_LIKE, [SetValue(("draft",), False)]) is SEED_LIKE
    assert apply_edits(SEED_LIKE, [AddItem(("tags",), "NEWS")]) is SEED_LIKE


def test_scalar_change_touches_one_line_and_keeps_quote_style():
    new = apply_edits(SEED_LIKE, [SetValue(("externalId",), "123")])
    assert changed_lines(SEED_LIKE, new) == (["externalId: '55192977'\n"], ["externalId: '123'\n"])
    new = apply_edits(SEED_LIKE, [SetValue(("description",), "It's new")])
    assert changed_lines(SEED_LIKE, new)[1] == ["description: 'It''s new'\n"]


def test_plain_value_that_needs_quotes_gets_the_files_quote_char():
    new = apply_edits(SEED_LIKE, [SetValue(("title",), "Markets: a review")])
    assert changed_lines(SEED_LIKE, new)[1] == ["title: 'Markets: a review'\n"]
    new = apply_edits(SEED_LIKE, [SetValue(("category",), "yes")])
    assert changed_lines(SEED_LIKE, new)[1] == ["category: 'yes'\n"]  # never a YAML 1.1 boolean


def test_add_tag_copies_indent_and_keeps_comments():
    new = apply_edits(SEED_LIKE, [AddItem(("tags",), "BITCOIN")])
    assert changed_lines(SEED_LIKE, new) == ([], ["  - BITCOIN\n"])
    assert "  - NEWS\n  - BITCOIN\nsentiment" in new
    assert "  - HONG KONG # the city\n" in new


def test_remove_and_rename_tags():
    new = apply_edits(SEED_LIKE, [RemoveItem(("tags",), "ASIA")])
    assert changed_lines(SEED_LIKE, new) == (["  - ASIA\n"], [])
    new = apply_edits(SEED_LIKE, [ReplaceItem(("tags",), "HONG KONG", "HONGKONG")])
    assert changed_lines(SEED_LIKE, new) == (["  - HONG KONG # the city\n"], ["  - HONGKONG # the city\n"])
    # renaming onto a tag already present merges: no duplicate is created
    new = apply_edits(SEED_LIKE, [ReplaceItem(("tags",), "ASIA", "NEWS")])
    assert changed_lines(SEED_LIKE, new) == (["  - ASIA\n"], [])


def test_flow_lists_keep_their_spacing():
    text = "---\ntags: [a,b]\nother: [x, y]\n---\n"
    assert apply_edits(text, [AddItem(("tags",), "c")]) == "---\ntags: [a,b,c]\nother: [x, y]\n---\n"
    assert apply_edits(text, [AddItem(("other",), "z")]) == "---\ntags: [a,b]\nother: [x, y, z]\n---\n"
    assert apply_edits(text, [RemoveItem(("other",), "x")]) == "---\ntags: [a,b]\nother: [y]\n---\n"
    multi = "---\ntags: [\n  a,\n  b,\n]\n---\n"
    assert apply_edits(multi, [AddItem(("tags",), "c")]) == "---\ntags: [\n  a,\n  b,\n  c,\n]\n---\n"


def test_crlf_file_gets_crlf_lines_and_body_is_untouched():
    text = SEED_LIKE.replace("\n", "\r\n")
    new = apply_edits(text, [AddItem(("tags",), "X"), SetValue(("ai", "model"), "m1"), SetValue(("sentiment",), "POSITIVE")])
    assert "\r\n  - X\r\n" in new and "  model: m1\r\n" in new
    assert "\n" not in new.replace("\r\n", "")
    assert new.endswith("## Overview\r\n\r\nBody text.\r\n")


def test_new_keys_nested_keys_and_lists_follow_the_files_style():
    new = apply_edits(SEED_LIKE, [SetValue(("updatedAt",), "2025-12-02T00:00:00Z")])
    assert changed_lines(SEED_LIKE, new) == ([], ["updatedAt: '2025-12-02T00:00:00Z'\n"])
    new = apply_edits(SEED_LIKE, [SetValue(("source", "url"), "https://example.org")])
    assert "  type: RSS\n  url: https://example.org\ncategory" in new
    flush = "---\ntitle: x\nkeywords:\n- a\n---\n"
    assert apply_edits(flush, [AddItem(("tags",), "T")]) == "---\ntitle: x\nkeywords:\n- a\ntags:\n- T\n---\n"


def test_empty_and_null_fields():
    assert apply_edits("---\n---\nbody", [SetValue(("draft",), True)]) == "---\ndraft: true\n---\nbody"
    assert apply_edits("---\ntags:\n---\n", [AddItem(("tags",), "A")]) == "---\ntags:\n  - A\n---\n"
    assert apply_edits("---\ntags: [a]\n---\n", [RemoveItem(("tags",), "a")]) == "---\ntags: []\n---\n"


def test_delete_key_removes_its_lines_only():
    new = apply_edits(SEED_LIKE, [DeleteKey(("ai",))])
    assert changed_lines(SEED_LIKE, new) == (["ai:\n", "  rewritten: true\n", "  version: 1\n"], [])
    assert apply_edits(SEED_LIKE, [DeleteKey(("missing",))]) is SEED_LIKE


def test_block_scalar_keeps_its_style():
    text = "---\ndescription: >\n  old text\n  here\nlang: en\n---\n"
    assert apply_edits(text, [SetValue(("description",), "new")]) == "---\ndescription: >-\n  new\nlang: en\n---\n"


def test_bom_and_missing_final_newline_survive():
    text = "\ufeff---\ntitle: a\n---\nno final newline"
    assert apply_edits(text, [SetValue(("title",), "b")]) == "\ufeff---\ntitle: b\n---\nno final newline"


@pytest.mark.parametrize(
    ("text", "edit", "reason"),
    [
        ("---\na: &x 1\nb: *x\n---\n", SetValue(("a",), 2), "anchor"),
        ("---\na: &x 1\nb: *x\n---\n", SetValue(("b",), 2), "alias"),
        ("---\nbase: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n---\n", SetValue(("c", "y"), 3), "merge key"),
        ("---\ntitle: {{ .Name }}\n---\n", SetValue(("draft",), True), "template syntax"),
        ("---\ntitle: [unclosed\n---\n", SetValue(("draft",), True), "not valid YAML"),
        ("no front matter at all\n", SetValue(("draft",), True), "raw article"),
        ("---\ntitle: x\n", SetValue(("draft",), True), "never closed"),
        ("---\ntitle: x\n---\n", AddItem(("title",), "y"), "not a list"),
    ],
)
def test_unsafe_edits_are_refused_with_file_field_and_reason(text, edit, reason):
    with pytest.raises(EditRefused) as info:
        apply_edits(text, [edit], name="a.md")
    assert reason in str(info.value)
    assert str(info.value).startswith("a.md: ")


def test_edits_to_other_fields_of_an_anchored_file_are_allowed():
    text = "---\ndefaults: &d {x: 1}\nother: *d\ntitle: t\n---\n"
    assert apply_edits(text, [SetValue(("title",), "u")]) == text.replace("title: t", "title: u")


def test_values_inside_a_flow_mapping_stay_in_flow_style():
    text = "---\nscore: {title: 'A', x: 1}\n---\n"
    assert apply_edits(text, [SetValue(("score", "title"), "B")]) == "---\nscore: {title: 'B', x: 1}\n---\n"
    assert apply_edits(text, [SetValue(("score", "title"), ["A", "b c"])]) == "---\nscore: {title: [A, b c], x: 1}\n---\n"


# A block scalar whose content starts with a tab is valid YAML 1.2 (the data parser and
# ruamel.yaml read it) but PyYAML's event parser, which the locator tries first, stops there.
TAB_IN_BLOCK = "---\ntitle: A\ntags:\n  - x\nnote: |\n  \tcode\ndraft: false\n---\nBody.\n"


def test_a_field_before_yaml_the_fast_locator_rejects_is_edited_without_reading_it():
    assert apply_edits(TAB_IN_BLOCK, [AddItem(("tags",), "new")]) == TAB_IN_BLOCK.replace("  - x\n", "  - x\n  - new\n")


def test_fields_at_or_after_yaml_the_fast_locator_rejects_use_the_yaml_1_2_parser():
    assert apply_edits(TAB_IN_BLOCK, [SetValue(("draft",), True)]) == TAB_IN_BLOCK.replace("draft: false", "draft: true")
    assert apply_edits(TAB_IN_BLOCK, [SetValue(("note",), "text")]) == TAB_IN_BLOCK.replace("|\n  \tcode\n", "|-\n  text\n")
    added = apply_edits(TAB_IN_BLOCK, [SetValue(("lang",), "en")])  # a new key: the whole tree
    assert added == TAB_IN_BLOCK.replace("draft: false\n", "draft: false\nlang: en\n")
    quoted = apply_edits(TAB_IN_BLOCK, [AddItem(("tags",), "yes")])  # a quote: the whole tree too
    assert quoted == TAB_IN_BLOCK.replace("  - x\n", "  - x\n  - 'yes'\n")


def test_a_merge_key_further_down_still_refuses_an_edit_of_its_mapping():
    text = "---\nbase: &b {x: 1}\ntitle: t\ntags: [a]\n<<: *b\n---\n"
    with pytest.raises(EditRefused, match="merge key"):
        apply_edits(text, [AddItem(("tags",), "b")])


def test_a_value_needing_quotes_takes_the_quote_the_whole_file_uses_most():
    text = '---\ntags:\n  - a\ntitle: "x"\nsub: "y"\nlast: \'z\'\n---\n'
    assert apply_edits(text, [AddItem(("tags",), "b: c")]) == text.replace("  - a\n", '  - a\n  - "b: c"\n')


def test_known_data_saves_a_parse_and_the_result_is_still_verified():
    from core.config import Limits
    from core.text.yamldata import parse_yaml

    fm = SEED_LIKE.split("---\n")[1]
    data = parse_yaml(fm, Limits())
    edit = AddItem(("tags",), "EXTRA")
    assert apply_edits(SEED_LIKE, [edit], data=data) == apply_edits(SEED_LIKE, [edit])
    wrong = dict(data, tags=["OTHER"])  # data that does not match the text: the check catches it
    with pytest.raises(EditRefused, match="verification failed"):
        apply_edits(SEED_LIKE, [edit], data=wrong)


# -- renaming a key --------------------------------------------------------------------------

TOML_FM = '+++\ntitle = "Ferry"\nupdatedat  =  "2025-11-03" # typo\n\n[source]\nnmae = "Harbour"\nkey = "hd"\n+++\nBody.\n'
JSON_FM = '---json\n{\n  "title": "Ferry",\n  "updatedat": "2025-11-03",\n  "source": {"nmae": "Harbour", "key": "hd"}\n}\n---\nBody.\n'


def test_rename_key_changes_only_the_key_token_and_keeps_the_order():
    new = apply_edits(SEED_LIKE, [RenameKey(("externalId",), "external_id")])
    assert changed_lines(SEED_LIKE, new) == (["externalId: '55192977'\n"], ["external_id: '55192977'\n"])
    assert list(apply_to_data({"a": 1, "b": 2, "c": 3}, [RenameKey(("b",), "B")])) == ["a", "B", "c"]
    nested = apply_edits(SEED_LIKE, [RenameKey(("source", "key"), "id")])
    assert changed_lines(SEED_LIKE, nested) == (["  key: coindesk\n"], ["  id: coindesk\n"])
    # a name that is no plain YAML string is quoted; a quoted key keeps its quote
    assert apply_edits("---\na: 1\n---\n", [RenameKey(("a",), "no")]) == "---\n'no': 1\n---\n"
    assert apply_edits('---\n"a": 1\n---\n', [RenameKey(("a",), "b")]) == '---\n"b": 1\n---\n'
    assert apply_edits("---\nm: {a: 1, b: 2}\n---\n", [RenameKey(("m", "a"), "c")]) == "---\nm: {c: 1, b: 2}\n---\n"


def test_rename_key_of_an_absent_field_is_a_no_op_and_a_clash_is_refused():
    assert apply_edits(SEED_LIKE, [RenameKey(("missing",), "other")]) is SEED_LIKE
    assert apply_edits(SEED_LIKE, [RenameKey(("source", "missing"), "other")]) is SEED_LIKE
    with pytest.raises(EditError, match="exists already"):
        apply_to_data({"a": 1, "b": 2}, [RenameKey(("a",), "b")])
    with pytest.raises(EditRefused, match="lang exists already"):
        apply_edits(SEED_LIKE, [RenameKey(("title",), "lang")], name="a.md")


def test_rename_key_in_toml_and_json_changes_only_the_key():
    new = apply_edits(TOML_FM, [RenameKey(("updatedat",), "updatedAt"), RenameKey(("source", "nmae"), "name")])
    assert changed_lines(TOML_FM, new) == (
        ['updatedat  =  "2025-11-03" # typo\n', 'nmae = "Harbour"\n'],
        ['updatedAt  =  "2025-11-03" # typo\n', 'name = "Harbour"\n'],
    )
    new = apply_edits(JSON_FM, [RenameKey(("updatedat",), "updatedAt"), RenameKey(("source", "nmae"), "name")])
    assert new == JSON_FM.replace('"updatedat"', '"updatedAt"').replace('"nmae"', '"name"')
    with pytest.raises(EditRefused, match="table"):
        apply_edits(TOML_FM, [RenameKey(("source",), "src")], name="a.md")


def test_each_edit_is_described_once_for_notices_and_commit_subjects() -> None:
    said = [
        (SetValue(("draft",), True), "set draft to true", "draft"),
        (SetValue(("title",), "x" * 60), "set title to '" + "x" * 38 + "…", "title"),
        (DeleteKey(("lang",)), "delete lang", "lang deleted"),
        (AddItem(("tags",), "ASIA"), "add 'ASIA' to tags", "tags +ASIA"),
        (RemoveItem(("tags",), "ETF"), "remove 'ETF' from tags", "tags -ETF"),
        (ReplaceItem(("tags",), "HK", "HONG KONG"), "rename 'HK' to 'HONG KONG' in tags", "tags HK→HONG KONG"),
        (RenameKey(("source", "name"), "nmae"), "rename source.name to 'nmae'", "source.name→nmae"),
        (ReplaceText("old", "new", {}, "adopt"), "adopt", "adopt"),
    ]
    assert [(edit, describe_edit(edit), describe_edit(edit, short=True)) for edit, _, _ in said] == said
    # The commit subject is made of the short words, values' control characters escaped.
    assert batch_message([[AddItem(("tags",), "A\nB")], [AddItem(("tags",), "A\nB"), DeleteKey(("lang",))]]) == \
        "copydesk: tags +A\\x0aB on 2 articles; lang deleted on 1"
