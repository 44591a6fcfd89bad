"""The cheaper locator for top-level fields (``core.text.yamltree.scan_top_level``) is pinned
to the full locator: wherever it answers, it finds the very nodes the full locator finds
(same kinds, offsets, styles, values), and an edit made with it is the edit made without
it, byte for byte (or the same refusal). Over the shared corpus of real front matter, the
yaml-test-suite, generated articles and generated front matter built to mislead a
line-by-line reading (keys inside multi-line scalars, flow collections, block scalars,
comments, anchors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import core.edit.apply
from bench.generate import generate
from core.config import Limits
from core.edit.apply import EditRefused, apply_edits
from core.edit.ops import AddItem, DeleteKey, RemoveItem, ReplaceItem, SetValue
from core.text.formats import parse_front_matter
from core.text.frontmatter import front_matter, split_text
from core.text.yamldata import YamlError
from core.text.yamltree import LocateError, Node, build_tree, scan_top_level
from tests.test_properties import COMMON, cases

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _shape(node: Node) -> Any:
    return (node.kind, node.start, node.end, node.anchor, node.tag, node.style, node.flow, node.value,
            [_shape(i) for i in node.items], [(_shape(k), _shape(v)) for k, v in node.pairs])


def _data(fm: str) -> dict[str, Any] | None:
    try:
        data, _ = parse_front_matter(fm, "yaml", Limits())  # what the editor reads (libyaml's extras too)
    except (YamlError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _agrees(fm: str) -> bool:
    """Whether the scan of ``fm`` (when it answers) finds what the full locator finds; True
    when it answers at all."""
    data = _data(fm)
    if data is None:
        return False
    scan = scan_top_level(fm, data)
    if scan is None:
        return False
    try:
        root = build_tree(fm)
    except LocateError:
        return True  # nothing to compare with: the editor refuses such text whatever locates
    assert root is not None and root.kind == "map"
    for key in data:
        fast = scan.pair(key)
        if fast is None:
            continue  # the editor then locates it the usual way
        slow = root.get(key)
        assert slow is not None, key
        assert (_shape(fast[0]), _shape(fast[1])) == (_shape(slow[0]), _shape(slow[1])), key
    return True


def _edits(data: dict[str, Any]) -> list[list[Any]]:
    keys = list(data)
    edits: list[list[Any]] = [[AddItem(("tags",), "REVIEWED")], [SetValue(("title",), "A new: title")],
                              [SetValue(("added",), ["x", "y"])]]
    tags = data.get("tags")
    if isinstance(tags, list) and tags:
        edits += [[RemoveItem(("tags",), tags[0])], [ReplaceItem(("tags",), tags[-1], "OTHER")]]
    if keys:
        edits += [[DeleteKey((keys[-1],))], [SetValue((keys[len(keys) // 2],), 7)]]
    for key, value in data.items():
        if isinstance(value, dict) and value:
            edits.append([SetValue((key, next(iter(value))), "nested")])
            break
    return edits


def _edit(text: str, edits: list[Any], fast: bool, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(core.edit.apply, "_SCAN_TOP_LEVEL", fast)
    try:
        return apply_edits(text, edits, name="a.md")
    except EditRefused as exc:
        return f"refused: {exc.reason}"


def _same_edits(text: str, monkeypatch: pytest.MonkeyPatch) -> int:
    split = split_text(text)
    if not split.has_front_matter or split.format != "yaml":
        return 0
    data = _data(front_matter(text, split))
    if data is None:
        return 0
    count = 0
    for edits in _edits(data):
        assert _edit(text, edits, True, monkeypatch) == _edit(text, edits, False, monkeypatch), edits
        count += 1
    return count


def _texts(folder: Path) -> list[str]:
    return [p.read_bytes().decode("utf-8", errors="replace") for p in sorted(folder.rglob("*.md"))]


def test_real_front_matter_is_located_and_edited_as_the_full_locator_does(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (SHARED / "corpus").is_dir():
        pytest.skip(f"the shared corpus is not available ({SHARED / 'corpus'} missing)")
    answered = edited = 0
    for text in _texts(SHARED / "corpus"):
        split = split_text(text)
        if split.has_front_matter and split.format == "yaml":
            answered += _agrees(front_matter(text, split))
        edited += _same_edits(text, monkeypatch)
    assert answered > 100 and edited > 500  # the fast path is taken on real files, not skipped


def test_generated_articles_are_located_and_edited_as_the_full_locator_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    generate(tmp_path, 200, seed=11)
    answered = 0
    for text in _texts(tmp_path):
        split = split_text(text)
        if split.has_front_matter and split.format == "yaml":
            answered += _agrees(front_matter(text, split))
        _same_edits(text, monkeypatch)
    assert answered > 150


def test_the_yaml_test_suite_is_located_as_the_full_locator_does() -> None:
    suite = SHARED / "yaml-test-suite"
    if not suite.is_dir():
        pytest.skip(f"the yaml-test-suite is not available ({suite} missing)")
    answered = 0
    for case in sorted(suite.rglob("in.yaml")):
        answered += _agrees(case.read_bytes().decode("utf-8", errors="replace"))
    assert answered > 0


# Lines that read as top-level keys to a line-by-line reading, put where they are not keys.
MISLEADING = [
    "title: \"a quoted\ntags: [INSIDE]\nend\"\n",
    "title: 'single\ntags: x'\n",
    "title: \"quoted\ntags: [INSIDE]\"\nnext: 1\n",
    "note: [a,\ntags: b]\n",
    "note: [a,\nb: c]\n",
    "body: |\n  text\n  tags: no\n",
    "body: >-\n  folded\n\n  more\n",
    "tags:\n- A\n- B\n",
    "tags: &anchor\n  - A\nother: *anchor\n",
    "tags: !!seq\n  - A\n",
    "# comment\ntags:\n  - A # trailing\n# between\nnext: 1\n",
    "? complex\n: value\n",
    "tags:\n  - A\n...\n",
    "plain: multi\n  line\n  tags: no\n",
    "tags: []\n",
    "tags:\n",
    "tags: ~\n",
    "'quoted': 1\ntags: [A]\n",
    "tags: {a: 1,\n  b: 2}\n",
    "x:\n  - a\n  -\n    b: 1\n",
]


@given(st.lists(st.sampled_from(MISLEADING) | st.sampled_from(["k1: 1\n", "k2:\n  a: b\n", "\n", "# c\n"]), min_size=1,
                max_size=5))
@COMMON
def test_misleading_lines_never_mislead_the_scan(pieces: list[str]) -> None:
    fm = "".join(pieces)
    _agrees(fm)
    with pytest.MonkeyPatch.context() as monkeypatch:
        _same_edits(f"---\n{fm}---\nBody.\n", monkeypatch)


@given(cases())
@COMMON
def test_generated_edits_are_the_same_with_and_without_the_scan(case) -> None:
    text, _, _, edits = case
    with pytest.MonkeyPatch.context() as monkeypatch:
        assert _edit(text, edits, True, monkeypatch) == _edit(text, edits, False, monkeypatch)
    split = split_text(text)
    if split.has_front_matter:
        _agrees(front_matter(text, split))
