"""The round-trip fidelity experiment over a folder of real front-matter files.

Shared by ``tests/test_corpus_roundtrip.py`` (asserts zero damaged files) and usable from
the command line to print the counts: ``python -m tests.corpus_edits FOLDER``.
"""

from __future__ import annotations

import difflib
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.config import Limits
from core.edit.apply import EditRefused, apply_edits
from core.edit.ops import AddItem, Edit, RemoveItem, SetValue, apply_to_data
from core.text.frontmatter import front_matter, split_text
from core.text.yamldata import YamlError, parse_yaml
from core.text.yamltree import Lines, build_tree

# Refusal reasons the issue allows (anything else is a failure).
ALLOWED_REFUSALS = (
    "not valid YAML",
    "never closed",
    "template syntax",
    "anchor",
    "alias",
    "merge key",
    "explicit YAML tag",
)


@dataclass
class Outcome:
    files: int = 0
    edits: int = 0
    applied: int = 0
    identical: int = 0
    refused: Counter = field(default_factory=Counter)
    damaged: list[str] = field(default_factory=list)
    bad_refusals: list[str] = field(default_factory=list)


def _data(text: str) -> dict[str, Any] | None:
    split = split_text(text)
    if not split.has_front_matter:
        return None
    try:
        data = parse_yaml(front_matter(text, split), Limits())
    except YamlError:
        return None
    return data if isinstance(data, dict) or data is None else None


def _field_lines(text: str, key: str) -> tuple[int, int] | None:
    """File line range (0-based, inclusive) of a top-level key's entry."""
    split = split_text(text)
    fm = front_matter(text, split)
    try:
        root = build_tree(fm)
    except Exception:  # noqa: BLE001
        return None
    if root is None or root.kind != "map":
        return None
    pair = root.get(key)
    if pair is None:
        return None
    lines = Lines(fm)
    first_file_line = text[: split.fm_start].count("\n")
    end = max(pair[1].content_end - 1, pair[0].start)
    return first_file_line + lines.index(pair[0].start), first_file_line + lines.index(end)


def _fm_line_range(text: str) -> tuple[int, int]:
    split = split_text(text)
    first = text[: split.fm_start].count("\n")
    last = text[: split.fm_end].count("\n")
    return first, last


def diff_confined(old: str, new: str, lo: int, hi: int) -> bool:
    """Every changed old line lies in [lo, hi] and every insertion happens in [lo, hi + 1]."""
    a = old.splitlines(keepends=True)
    b = new.splitlines(keepends=True)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 > 0 and any(_ending(line) != _ending(a[i1 - 1]) for line in b[j1:j2]):
            return False  # a new line must end like its neighbour (CRLF files stay CRLF)
        if tag == "insert":
            if not lo <= i1 <= hi + 1:
                return False
        elif i1 < lo or i2 - 1 > hi:
            return False
    return True


def _ending(line: str) -> str:
    return line[len(line.rstrip("\r\n")) :]


def scenarios(text: str, data: dict[str, Any]) -> list[tuple[str, list[Edit], Callable[[str], tuple[int, int]] | None]]:
    """The edits of the experiment for one file: (name, edits, allowed line range)."""
    fm_range = _fm_line_range(text)
    out: list[tuple[str, list[Edit], Callable[[str], tuple[int, int]] | None]] = []

    def at(key: str) -> Callable[[str], tuple[int, int]]:
        return lambda t: _field_lines(t, key) or fm_range

    for key, value in data.items():
        if isinstance(key, str) and not isinstance(value, (dict, list)):
            out.append(("same value", [SetValue((key,), value)], None))
            break
    tags = data.get("tags")
    if isinstance(tags, list) or tags is None:
        out.append(("append tag", [AddItem(("tags",), "COPYDESK-TEST")], at("tags")))
    out.append(("set draft", [SetValue(("draft",), not data.get("draft", False) if isinstance(data.get("draft"), bool) else True)], at("draft")))
    out.append(("replace title", [SetValue(("title",), "A replaced title: with colon")], at("title")))
    if "sentiment" not in data:
        out.append(("add sentiment", [SetValue(("sentiment",), "NEUTRAL")], lambda t: fm_range))
    nested_parent = next((k for k, v in data.items() if isinstance(k, str) and isinstance(v, dict) and v), None)
    if nested_parent:
        out.append(("set nested key", [SetValue((nested_parent, "reviewedBy"), "desk")], at(nested_parent)))
    else:
        out.append(("set nested key", [SetValue(("review", "by"), "desk")], lambda t: fm_range))
    list_key = next(
        (k for k, v in data.items() if isinstance(k, str) and isinstance(v, list) and v and not isinstance(v[0], (dict, list))),
        None,
    )
    if list_key:
        out.append(("remove list item", [RemoveItem((list_key,), data[list_key][0])], at(list_key)))
    return out


def run_file(path: Path, outcome: Outcome) -> None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return
    outcome.files += 1
    data = _data(text)
    if data is None:
        data = {}
    for name, edits, allowed in scenarios(text, data):
        outcome.edits += 1
        label = f"{path.name}: {name}"
        try:
            new = apply_edits(text, edits, name=path.name)
        except EditRefused as exc:
            outcome.refused[_reason_kind(exc.reason)] += 1
            if not any(r in exc.reason for r in ALLOWED_REFUSALS):
                outcome.bad_refusals.append(f"{label}: {exc.reason}")
            continue
        outcome.applied += 1
        if new == text:
            outcome.identical += 1
            if name != "same value" and apply_to_data(data, edits) != data:
                outcome.damaged.append(f"{label}: nothing written for a real change")
            continue
        if name == "same value":
            outcome.damaged.append(f"{label}: setting a field to its value changed bytes")
            continue
        new_data = _data(new)
        if new_data != apply_to_data(data, edits):
            outcome.damaged.append(f"{label}: re-parsed data differs from the expected data")
            continue
        if new[split_text(new).fm_end :] != text[split_text(text).fm_end :]:
            outcome.damaged.append(f"{label}: bytes after the front matter changed")
            continue
        if allowed is not None:
            lo, hi = allowed(text)
            if not diff_confined(text, new, lo, hi):
                outcome.damaged.append(f"{label}: diff touches lines outside the field (allowed {lo + 1}-{hi + 1})")
                continue
        # the revert: undoing the edit with the inverse edit gives the original bytes back
        inverse = _inverse(edits[0], data)
        if inverse is not None:
            try:
                back = apply_edits(new, [inverse], name=path.name)
            except EditRefused as exc:
                outcome.damaged.append(f"{label}: revert refused: {exc.reason}")
                continue
            if back != text:
                outcome.damaged.append(f"{label}: edit + revert did not restore the original bytes")


def _inverse(edit: Edit, data: dict[str, Any]) -> Edit | None:
    if isinstance(edit, AddItem) and isinstance(data.get("tags"), list):
        return RemoveItem(edit.field, edit.value)
    if isinstance(edit, SetValue) and edit.field == ("draft",) and isinstance(data.get("draft"), bool):
        return SetValue(edit.field, data["draft"])
    return None


def _reason_kind(reason: str) -> str:
    for kind in ALLOWED_REFUSALS:
        if kind in reason:
            return kind
    return reason


def run_folder(folder: Path) -> Outcome:
    outcome = Outcome()
    manifest = folder / "MANIFEST.tsv"
    if manifest.is_file():
        rows = manifest.read_text(encoding="utf-8").splitlines()[1:]
        paths = [folder / row.split("\t", 1)[0] for row in rows if row.strip()]
    else:
        paths = [p for p in sorted(folder.rglob("*")) if p.suffix in (".md", ".mdx", ".markdown") and p.is_file()]
    for path in paths:
        run_file(path, outcome)
    return outcome


if __name__ == "__main__":
    result = run_folder(Path(sys.argv[1]))
    print(f"files {result.files}, edits {result.edits}, applied {result.applied} ({result.identical} no-op)")
    print(f"refused by reason: {dict(result.refused)}")
    print(f"damaged: {len(result.damaged)}")
    for line in result.damaged[:40]:
        print("  DAMAGED", line)
    print(f"refusals not allowed: {len(result.bad_refusals)}")
    for line in result.bad_refusals[:40]:
        print("  REFUSED", line)
