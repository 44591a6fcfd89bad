"""The merge driver: a three-way merge of an article at the level of its front-matter fields.

git calls ``copydesk merge-driver %O %A %B %P`` when both branches changed an article. The
front matter is merged field by field (``merge_article``): a field only one side changed
takes that side's value; a list both sides changed merges item by item (tags added on
either side are kept, tags one side removed go); a mapping both sides changed merges key by
key; a field both sides changed to different values is a conflict, left in the front matter
as a block around that field's lines naming it (:mod:`core.text.conflicts`), which
``copydesk check`` reports (CD112). Every change is made on *ours* with the byte-exact editor
(:func:`core.edit.apply.apply_edits`), so nothing else moves. When the front matters merge
as text cleanly into the same data (``git merge-file``), that text is kept: it also keeps
*theirs*' comments and key order. The body merges as git's own text merge does
(``git merge-file``). A side that cannot be read as front matter (not UTF-8, no front matter,
invalid YAML, a refused edit) makes the whole file merge as text: nothing is ever lost.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config
from ..display import printable
from ..edit.apply import EditRefused, apply_edits
from ..edit.ops import (
    AddItem,
    DeleteKey,
    Edit,
    EditError,
    FieldPath,
    RemoveItem,
    SetValue,
    apply_to_data,
    field_name,
)
from ..text import frontmatter
from ..text.conflicts import conflict_block, label
from . import GitError, run_git

_MISSING: Any = object()
_SCALARS = (str, int, float, bool, type(None))


@dataclass(frozen=True)
class Merged:
    """A merge's result: the bytes for ``%A``, the conflicts left (a field's dotted name, or
    ``body`` / ``file``), and how it was merged (``fields`` or ``text``, with why)."""

    data: bytes
    conflicts: tuple[str, ...]
    how: str


def merge_article(base: bytes, ours: bytes, theirs: bytes, path: str) -> Merged:
    """Merge the three versions of the article at ``path`` (git's ``%P``; only shown)."""
    shown = printable(path)
    try:
        texts = [data.decode("utf-8") for data in (base, ours, theirs)]
    except UnicodeDecodeError:
        return _text_merge(base, ours, theirs, shown, "text (not UTF-8)")
    parsed = [_front_matter(text) for text in texts]
    if any(isinstance(p, str) for p in parsed):
        why = next(p for p in parsed if isinstance(p, str))
        return _text_merge(base, ours, theirs, shown, f"text ({why})")
    (b_split, b_meta), (o_split, o_meta), (t_split, t_meta) = parsed  # type: ignore[misc]
    frames = [_frame(text, split) for text, split in zip(texts, (b_split, o_split, t_split), strict=True)]
    if frames[2] != frames[0] and frames[1] != frames[2]:
        return _text_merge(base, ours, theirs, shown, "text (the front matter's fences or format changed)")
    try:
        return _field_merge(texts, (b_split, o_split, t_split), (b_meta, o_meta, t_meta), shown)
    except (EditRefused, EditError) as exc:
        return _text_merge(base, ours, theirs, shown, f"text ({exc})")


def _front_matter(text: str) -> tuple[frontmatter.Split, dict[str, Any]] | str:
    """The split and parsed front matter of ``text``, or why it has none to merge."""
    from ..document import parse_source

    kind, source, problems = parse_source(text, Config(root=Path.cwd()))
    if kind != "front-matter" or source.meta is None:
        first = problems[0].message if problems else kind
        return f"a side has no readable front matter: {first}"
    from ..edit.ops import mutable_copy

    return source.split, mutable_copy(source.meta)


def _frame(text: str, split: frontmatter.Split) -> tuple[str, str, str]:
    """What surrounds the front matter: the opening (BOM, fence), the closing fence line,
    and the format."""
    return text[: split.fm_start], text[split.fm_end : split.body_start], split.format


def _field_merge(texts: list[str], splits: Sequence[frontmatter.Split], metas: Sequence[dict[str, Any]], shown: str) -> Merged:
    base_text, ours_text, theirs_text = texts
    b_meta, o_meta, t_meta = metas
    edits: list[Edit] = []
    conflicts: list[tuple[FieldPath, Edit]] = []
    _merge_value((), b_meta, o_meta, t_meta, edits, conflicts)
    merged = apply_edits(ours_text, edits, name=shown)
    if not conflicts:
        merged = _text_if_same(texts, splits, apply_to_data(o_meta, edits), merged)
    else:
        merged = _with_conflicts(merged, conflicts, shown)
    split = frontmatter.split_text(merged)
    bodies = [frontmatter.body(text, s) for text, s in zip(texts, splits, strict=True)]
    body, body_conflicts = _merge_file(*(b.encode("utf-8") for b in bodies), labels=_labels("body", shown))
    data = merged[: split.body_start].encode("utf-8") + body
    names = tuple(field_name(path) for path, _ in conflicts) + (("body",) if body_conflicts else ())
    return Merged(data, names, "fields")


def _text_if_same(texts: list[str], splits: Sequence[frontmatter.Split], expected: dict[str, Any], merged: str) -> str:
    """``merged`` with its front matter replaced by git's text merge of the three front
    matters when that is clean and reads as the same data (it keeps theirs' formatting)."""
    fms = [frontmatter.front_matter(text, split) for text, split in zip(texts, splits, strict=True)]
    data, count = _merge_file(*(fm.encode("utf-8") for fm in fms), labels=_labels("front matter", "-"))
    if count:
        return merged
    split = frontmatter.split_text(merged)
    candidate = frontmatter.replace_front_matter(merged, split, data.decode("utf-8"))
    got = _front_matter(candidate)
    if isinstance(got, str) or got[1] != expected:
        return merged
    return candidate


def _merge_value(path: FieldPath, b: Any, o: Any, t: Any, edits: list[Edit], conflicts: list[tuple[FieldPath, Edit]]) -> None:
    """Add to ``edits`` what takes *ours* (``o``) to the merge at ``path``, and to
    ``conflicts`` each field both sides changed apart (with the edit giving theirs)."""
    if _same(o, t) or _same(t, b):
        return
    if _same(o, b):
        edits.append(_to(path, t))
        return
    if isinstance(o, dict) and isinstance(t, dict) and (isinstance(b, dict) or b is _MISSING):
        before = b if isinstance(b, dict) else {}
        for key in [*o, *(k for k in t if k not in o)]:
            _merge_value((*path, key), before.get(key, _MISSING), o.get(key, _MISSING), t.get(key, _MISSING), edits, conflicts)
        return
    if _item_list(o) and _item_list(t) and (b is _MISSING or _item_list(b)):
        before = [] if b is _MISSING else b
        edits.extend(RemoveItem(path, item) for item in before if item not in t and item in o)
        edits.extend(AddItem(path, item) for item in dict.fromkeys(t) if item not in before and item not in o)
        return
    conflicts.append((path, _to(path, t)))


def _item_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, _SCALARS) for item in value)


def _same(a: Any, b: Any) -> bool:
    """Equal, with types compared too (``True == 1`` but a boolean is not a number)."""
    if a is _MISSING or b is _MISSING:
        return a is b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _to(path: FieldPath, value: Any) -> Edit:
    return DeleteKey(path) if value is _MISSING else SetValue(path, value)


def _with_conflicts(merged: str, conflicts: list[tuple[FieldPath, Edit]], shown: str) -> str:
    """``merged`` (ours with the clean edits) with a conflict block for each field both
    sides changed: ours' lines of the field against the lines theirs' value takes."""
    lines = merged.splitlines(keepends=True)
    newline = frontmatter.split_text(merged).newline
    hunks: list[tuple[int, int, str, str, str]] = []
    for path, edit in conflicts:
        other = apply_edits(merged, [edit], name=shown).splitlines(keepends=True)
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, lines, other, autojunk=False).get_opcodes():
            if tag != "equal":
                hunks.append((i1, i2, "".join(lines[i1:i2]), "".join(other[j1:j2]), printable(field_name(path))))
    hunks.sort(key=lambda h: (h[0], h[1]))
    out: list[str] = []
    at = 0
    for i1, i2, ours, theirs, name in hunks:
        if i1 < at:  # two fields' lines overlap: their blocks become one
            raise EditError(f"the conflicts of {name} and another field overlap")
        out.append("".join(lines[at:i1]))
        out.append(conflict_block(name, shown, ours, theirs, newline))
        at = i2
    out.append("".join(lines[at:]))
    return "".join(out)


def _labels(what: str, shown: str) -> tuple[str, str, str]:
    return label(what, "ours", shown), label(what, "base", shown), label(what, "theirs", shown)


def _text_merge(base: bytes, ours: bytes, theirs: bytes, shown: str, how: str) -> Merged:
    """The whole file merged as git's text merge does."""
    data, count = _merge_file(base, ours, theirs, labels=(f"ours {shown}", f"base {shown}", f"theirs {shown}"))
    return Merged(data, ("file",) * min(count, 1), how)


def _merge_file(base: bytes, ours: bytes, theirs: bytes, *, labels: tuple[str, str, str]) -> tuple[bytes, int]:
    """``git merge-file`` of three texts: the result and the number of conflicts."""
    with tempfile.TemporaryDirectory(prefix="copydesk-merge-") as folder:
        names = []
        for name, data in (("ours", ours), ("base", base), ("theirs", theirs)):
            file = os.path.join(folder, name)
            with open(file, "wb") as out:
                out.write(data)
            names.append(file)
        ours_label, base_label, theirs_label = labels
        done = run_git(["merge-file", "-p", "-L", ours_label, "-L", base_label, "-L", theirs_label, *names], Path(folder), check=False)
    if done.returncode < 0 or done.returncode > 127:
        said = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(f"git merge-file failed: {said or done.returncode}")
    return done.stdout, done.returncode
