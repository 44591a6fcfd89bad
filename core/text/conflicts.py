"""Merge-conflict blocks in an article's text: the one place that writes and reads them.

The merge driver (:mod:`core.git.merge`) leaves a field both sides changed as a block git
users know, around that field's lines in the front matter::

    <<<<<<< sentiment (ours, news/ferry.md)
    sentiment: POSITIVE
    =======
    sentiment: NEGATIVE
    >>>>>>> sentiment (theirs, news/ferry.md)

and ``git merge-file`` leaves the same markers in a body. :func:`find_conflicts` finds such
blocks (ours too) so that ``copydesk check`` reports each one (CD112) with the field it is
in, rather than a YAML syntax error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OURS, SEPARATOR, THEIRS = "<" * 7, "=" * 7, ">" * 7
_BASE = "|" * 7  # diff3 style: the base's lines between OURS and SEPARATOR

# A marker line: seven marker characters, then the end of the line or a space and a label.
_MARKER = re.compile(r"^(<{7}|={7}|>{7}|\|{7})(?: (.*))?$")
# A key at the start of a front-matter line: YAML `key:`, TOML `key =`, JSON `"key":`.
_KEY = re.compile(r"""^[ \t]*(?:-[ \t]+)?(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([^\s:="'#][^:=]*?))[ \t]*[:=]""")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


@dataclass(frozen=True, slots=True)
class Conflict:
    """One conflict block: its first and last lines (1-based, of the text given), the field
    it is about when known, and the first line of each side (ends stripped)."""

    line: int
    end_line: int
    field: str | None
    ours: str
    theirs: str


def label(what: str, side: str, path: str) -> str:
    """A marker's label: what the block is about (a field's dotted name, ``body``), the side
    and the file (git's ``%P``)."""
    return f"{what} ({side}, {path})"


def conflict_block(field: str, path: str, ours: str, theirs: str, newline: str) -> str:
    """The block for ``field`` holding each side's lines (each ending in a line break)."""
    return (
        f"{OURS} {label(field, 'ours', path)}{newline}{ours}"
        f"{SEPARATOR}{newline}{theirs}"
        f"{THEIRS} {label(field, 'theirs', path)}{newline}"
    )


def has_conflict_markers(text: str) -> bool:
    """Whether ``text`` may hold a conflict block (a cheap test before :func:`find_conflicts`)."""
    return OURS in text and SEPARATOR in text and THEIRS in text


def find_conflicts(text: str) -> list[Conflict]:
    """Every whole conflict block of ``text`` (an opening line, a separator, a closing line,
    in that order), in order."""
    if not has_conflict_markers(text):
        return []
    found: list[Conflict] = []
    start: int | None = None
    opening = ""
    sides: dict[str, list[str]] = {"ours": [], "theirs": []}
    side = ""
    for number, line in enumerate(_LINES.findall(text), 1):
        stripped = line.rstrip("\r\n")
        marker = _MARKER.match(stripped)
        kind = marker.group(1) if marker else ""
        if kind == OURS:
            start, opening, side = number, marker.group(2) or "", "ours"
            sides = {"ours": [], "theirs": []}
        elif start is None:
            continue
        elif kind == _BASE:
            side = "base"
        elif kind == SEPARATOR:
            side = "theirs"
        elif kind == THEIRS and side == "theirs":
            found.append(Conflict(start, number, _field_of(opening, sides), _first(sides["ours"]), _first(sides["theirs"])))
            start = None
        elif side in sides:
            sides[side].append(stripped)
    return found


def _first(lines: list[str]) -> str:
    return next((line.strip() for line in lines if line.strip()), "")


def _field_of(opening: str, sides: dict[str, list[str]]) -> str | None:
    """The field a block is about: named by its label when the merge driver wrote it, else
    the first key on either side's lines (a block git wrote)."""
    if opening.endswith(")") and " (ours, " in opening:
        return opening.split(" (ours, ", 1)[0]
    for line in sides["ours"] + sides["theirs"]:
        key = _KEY.match(line)
        if key:
            return next(group for group in key.groups() if group is not None).strip()
    return None
