"""Property-based tests of the surgical editor and the safe save (hypothesis).

For generated front matter (block and flow styles, every quoting style, comments, blank
lines, CRLF, BOM) that parses, and generated edits (set, delete, add/remove/replace list
items, nested fields): either the edit is refused with a reason, or

- the body and everything outside the front matter keep their exact bytes,
- the front matter re-parses to exactly what the edits mean (so untouched keys are equal),
- the text of every untouched top-level key keeps its exact lines,
- applying the same edits again changes nothing, and saving them again writes nothing.

The default run uses hypothesis' default example count (100 per property). The dedicated
run with 1,000 examples per property::

    pytest tests/test_properties.py --run-slow          # or --hypothesis-profile=thorough
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, assume, event, example, given, settings
from hypothesis import strategies as st

from core.config import Config, Limits
from core.document import load_article, thaw
from core.edit.apply import EditRefused, apply_edits
from core.edit.ops import (
    AddItem,
    DeleteKey,
    Edit,
    EditError,
    RemoveItem,
    ReplaceItem,
    SetValue,
    apply_to_data,
)
from core.storage.save import plan_change, save_changes
from core.text.frontmatter import BOM, split_text
from core.text.yamldata import YamlError, parse_yaml

COMMON = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no slow "explain"
)

# Refusals that are a fair answer to a generated edit (the edit makes no sense for the data,
# or the text uses a construct the editor does not rewrite). Anything else is a bug.
ALLOWED_REFUSALS = re.compile(
    r"not a list|not a mapping|inside a value that is not a mapping|parent is not a mapping"
    r"|anchor|alias|flow|comment|multi-line|block scalar|template"
)

# -- generating front matter -------------------------------------------------------------

KEYS = st.sampled_from(["title", "tags", "draft", "source", "lang", "score", "category", "ai", "note"]) | st.from_regex(
    r"\A[a-z][a-zA-Z0-9_]{0,7}\Z"
)
PLAIN_WORD = st.from_regex(r"\A[A-Za-z][A-Za-z0-9]{0,6}( [A-Za-z0-9]{1,6}){0,3}\Z")
ANY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff\ufffe\uffff\x85\u2028\u2029")
    | st.sampled_from(["\n", "\t", " ", "'", '"', ":", "#", "-", "[", "{", "&", "*", "!", "|", ">", "%", "@"]),
    max_size=30,
)
STRINGS = PLAIN_WORD | ANY_TEXT
SCALARS = STRINGS | st.integers(-(10**12), 10**12) | st.booleans() | st.none() | st.sampled_from([1.5, -0.25, 1e10])
ITEMS = st.lists(PLAIN_WORD | st.integers(0, 999) | ANY_TEXT, max_size=5)
LEAF = SCALARS | ITEMS
NESTED = st.dictionaries(KEYS, LEAF, min_size=1, max_size=4)
DATA = st.dictionaries(KEYS, LEAF | NESTED, min_size=1, max_size=7)

_YAML_SPECIAL = re.compile(
    r"(?i)^(y|n|yes|no|on|off|true|false|null|~|[-+]?(\.?\d.*|\.inf|\.nan)|0x.*|0o.*|<<)$"
)


def _is_safe_plain(text: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9 ]*", text)) and not text.endswith(" ") and not _YAML_SPECIAL.match(text)


def render_scalar(value: Any, draw: Any) -> str:
    if value is None:
        return draw(st.sampled_from(["null", "~", "Null"]))
    if isinstance(value, bool):
        return draw(st.sampled_from(["true", "True"] if value else ["false", "False"]))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    styles = ["double"]
    if "\n" not in value and "\r" not in value and "\t" not in value:
        styles.append("single")
    if _is_safe_plain(value):
        styles.append("plain")
    style = draw(st.sampled_from(styles))
    if style == "plain":
        return value
    if style == "single":
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=draw(st.booleans()))


def render_flow(value: Any, draw: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(render_scalar(v, draw) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {render_flow(v, draw)}" for k, v in value.items()) + "}"
    return render_scalar(value, draw)


def render_value(key: str, value: Any, indent: int, step: int, draw: Any) -> list[str]:
    pad = " " * indent
    comment = draw(st.sampled_from(["", "", "", "  # note"]))
    if isinstance(value, list) and value and draw(st.booleans()):
        dash = " " * draw(st.sampled_from([indent, indent + 2]))
        lines = [f"{pad}{key}:{comment}"]
        lines += [f"{dash}- {render_scalar(v, draw)}" for v in value]
        return lines
    if isinstance(value, dict) and draw(st.booleans()):
        lines = [f"{pad}{key}:{comment}"]
        for k, v in value.items():
            lines += render_value(k, v, indent + step, step, draw)
        return lines
    return [f"{pad}{key}: {render_flow(value, draw)}{comment}"]


@st.composite
def documents(draw: Any) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(front-matter text, its data, the exact text of each top-level key's lines)."""
    data = draw(DATA)
    step = draw(st.sampled_from([2, 4]))
    lines: list[str] = []
    blocks: dict[str, str] = {}
    if draw(st.booleans()):
        lines.append("# generated front matter")
    for key, value in data.items():
        if draw(st.integers(0, 5)) == 0:
            lines.append("")
        block = render_value(key, value, 0, step, draw)
        blocks[key] = "\n".join(block) + "\n"
        lines += block
    return "\n".join(lines) + "\n", data, blocks


BODY = st.lists(
    st.sampled_from(["Body text.", "---", "...", "", "# Heading", "- item", "key: not yaml", "tags: [X]", "ünïcode ✓"]),
    max_size=6,
).map(lambda lines: "\n".join(lines) + "\n")


@st.composite
def articles(draw: Any) -> tuple[str, dict[str, Any], dict[str, str]]:
    fm, data, blocks = draw(documents())
    try:
        parsed = parse_yaml(fm, Limits())
    except YamlError:
        parsed = None
    assume(parsed == data)
    body = draw(BODY)
    text = "---\n" + fm + "---\n" + body
    newline = draw(st.sampled_from(["\n", "\n", "\r\n"]))
    if newline != "\n":
        text = text.replace("\n", newline)
        blocks = {k: v.replace("\n", newline) for k, v in blocks.items()}
    if draw(st.integers(0, 4)) == 0:
        text = BOM + text
    return text, data, blocks


# -- generating edits --------------------------------------------------------------------

NEW_VALUES = PLAIN_WORD | ANY_TEXT | st.integers(-1000, 1000) | st.booleans() | st.lists(PLAIN_WORD, max_size=3)


@st.composite
def edits_for(draw: Any, data: dict[str, Any]) -> list[Edit]:
    keys = list(data)
    paths = [(k,) for k in keys] + [(k, n) for k, v in data.items() if isinstance(v, dict) for n in v]
    lists = [p for p in paths if isinstance(_get(data, p), list)]
    new_key = draw(KEYS)
    result: list[Edit] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["set", "set-new", "delete", "add", "remove", "replace", "nested"]))
        path = draw(st.sampled_from(paths))
        if kind == "set":
            result.append(SetValue(path, draw(NEW_VALUES)))
        elif kind == "set-new":
            result.append(SetValue((new_key,), draw(NEW_VALUES)))
        elif kind == "nested":
            result.append(SetValue((keys[0], new_key), draw(PLAIN_WORD)))
        elif kind == "delete":
            result.append(DeleteKey(path))
        elif lists:
            field = draw(st.sampled_from(lists))
            items = _get(data, field)
            if kind == "add":
                result.append(AddItem(field, draw(PLAIN_WORD)))
            elif kind == "remove" and items:
                result.append(RemoveItem(field, draw(st.sampled_from(items))))
            elif kind == "replace" and items:
                result.append(ReplaceItem(field, draw(st.sampled_from(items)), draw(PLAIN_WORD)))
            else:
                result.append(AddItem(field, draw(PLAIN_WORD)))
        else:
            result.append(AddItem((new_key,), draw(PLAIN_WORD)))
    return result


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    node: Any = data
    for part in path:
        node = node[part]
    return node


@st.composite
def cases(draw: Any) -> tuple[str, dict[str, Any], dict[str, str], list[Edit]]:
    text, data, blocks = draw(articles())
    return text, data, blocks, draw(edits_for(data))


# -- the properties ----------------------------------------------------------------------


def check_edit(
    text: str, data: dict[str, Any], blocks: dict[str, str], edits: list[Edit], strict: bool = False
) -> str | None:
    """Apply ``edits`` and assert the properties; the new text, or None when refused.

    ``strict``: a refusal must also be a fair one (see ALLOWED_REFUSALS), not a safety net
    (verification failed, invalid YAML produced) catching an editor mistake.
    """
    try:
        new = apply_edits(text, edits, name="generated.md")
    except EditRefused as exc:
        event(f"refused: {exc.reason[:60]}")
        if strict:
            assert ALLOWED_REFUSALS.search(exc.reason), f"unexpected refusal: {exc.reason}"
        return None
    event("applied" if new != text else "no-op")
    old_split, new_split = split_text(text), split_text(new)
    assert new_split.has_front_matter
    assert new[new_split.body_start :] == text[old_split.body_start :], "body bytes changed"
    assert new[: new_split.fm_start] == text[: old_split.fm_start], "opening fence or BOM changed"
    assert new[new_split.fm_end : new_split.body_start] == text[old_split.fm_end : old_split.body_start]
    fm = new[new_split.fm_start : new_split.fm_end]
    reparsed = parse_yaml(fm, Limits())
    reparsed = {} if reparsed is None else reparsed  # no YAML left: no fields
    expected = apply_to_data(data, edits)
    assert reparsed == expected, "re-parse differs from the edits' meaning"
    touched = {edit.field[0] for edit in edits}
    for key, block in blocks.items():
        if key not in touched:
            assert block in fm, f"untouched key {key!r} lost its exact lines"
    if _idempotent(expected, edits):
        assert apply_edits(new, edits, name="generated.md") == new, "the same edits applied twice changed the text again"
    return new


def _idempotent(data: dict[str, Any], edits: list[Edit]) -> bool:
    """Whether ``edits`` mean nothing more on data they already produced (``[RemoveItem(x),
    SetValue(x.parent, "")]`` does not: the second time the list is gone)."""
    try:
        return apply_to_data(data, edits) == data
    except EditError:
        return False


@COMMON
@given(cases())
# Found by the fuzzer: with an empty key in the file, the new value lost its line ending and
# glued the closing fence to it ("a:\n x---"), swallowing the body.
@example(("---\n: so\na:\n---\nbody\n", {None: "so", "a": None}, {}, [SetValue(("a",), "x")]))
@example(("---\n: so:\n  y: deep\na:\n---\nseqy\n", {None: {"so": None, "y": "deep"}, "a": None}, {}, [SetValue(("a", "b", "c"), ["A", "B"])]))
def test_surgical_edits_keep_everything_else(case) -> None:
    """Safety: an edit is applied exactly, or refused; nothing else ever changes."""
    check_edit(*case)


@COMMON
@given(cases())
# `copydesk set source.name=X` on a file with `source: null` (or `~`): refused today with
# "the edit produced invalid YAML (duplicate key 'source')" (the key is added a second time).
@example(("---\nsource: null\n---\nBody\n", {"source": None}, {}, [SetValue(("source", "name"), "X")]))
def test_edits_are_refused_only_for_a_reason(case) -> None:
    """Completeness: generated edits that make sense are made, not caught by the safety net."""
    check_edit(*case, strict=True)


@COMMON
@given(cases())
def test_saving_twice_writes_once(case) -> None:
    text, data, blocks, edits = case
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        config = Config(root=root)
        path = root / "article.md"
        path.write_bytes(text.encode("utf-8"))
        try:
            change = plan_change(load_article(path, config), edits)
        except EditRefused:
            return  # refusals are judged by the two tests above
        [result] = save_changes([change], config=config, label="property")
        assert result.status in ("saved", "unchanged"), result
        assert path.read_bytes() == change.new_text.encode("utf-8")
        before = os.stat(path)
        reloaded = load_article(path, config)
        if not _idempotent(thaw(reloaded.meta), edits):
            return
        try:
            again = plan_change(reloaded, edits)
        except EditRefused as exc:
            # A value we wrote may contain "{{" / "{%", after which the editor refuses the
            # file as a template; then nothing is written either.
            assert "template" in exc.reason and re.search(r"\{\{|\{%|<%", change.new_text), exc.reason
            event("second save refused: template syntax written by the first")
            return
        assert not again.changed, "a second identical save would write again"
        [second] = save_changes([again], config=config, label="property again")
        assert second.status == "unchanged"
        after = os.stat(path)
        assert (after.st_ino, after.st_mtime_ns, after.st_size) == (before.st_ino, before.st_mtime_ns, before.st_size)
        leftovers = [p.name for p in root.iterdir() if p.name not in ("article.md", ".copydesk")]
        assert not leftovers, leftovers


@given(cases())
@COMMON
def test_editing_a_copy_of_the_touched_fields_gives_what_editing_a_deep_copy_gives(case) -> None:
    import copy

    from core.edit.ops import apply_to_copy

    _, data, _, edits = case
    before = copy.deepcopy(data)
    try:
        expected = apply_to_data(data, edits)
    except EditError:
        return
    assert apply_to_copy(data, edits) == expected
    assert data == before  # what the edits touch was copied first
