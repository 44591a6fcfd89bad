"""Byte-exact split of an article into BOM, front matter and body, and the merge back.

The split never normalises anything: ``merge(split_text(t), fm) == t`` when ``fm`` is the
original front-matter text, so an unchanged file is written back byte for byte.

Front matter starts on the first line with a fence and ends at the next closing fence
line (trailing spaces allowed on fence lines, as Hugo and Jekyll do). Its format follows
from the opening fence:

- ``---`` (closed by ``---`` or ``...``): YAML;
- ``+++`` (closed by ``+++``): TOML, as Hugo writes it;
- ``---yaml``, ``---toml``, ``---json`` (closed by ``---``): gray-matter's language-tagged fences;
- no fence, a JSON object opening the file (Hugo's form): JSON; the front matter is the
  object itself and the body starts on the line after its closing brace. A file whose first
  character is ``{`` but which does not open with a whole JSON object (a shortcode, a
  template tag) stays raw.

Anything else is a *raw* article; an opening fence with no closing one is *unclosed*.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Literal

BOM = "\ufeff"
BOM_BYTES = b"\xef\xbb\xbf"

Kind = Literal["front-matter", "raw", "unclosed"]
Format = Literal["yaml", "toml", "json"]
# The formats in the order the index stores them by number (append only).
FORMATS: tuple[Format, ...] = ("yaml", "toml", "json")

_OPEN = re.compile(r"(---(?:yaml|toml|json)?|\+\+\+)[ \t]*(\r\n|\r|\n)")
# opening fence -> (format, closing marker, whether a ``...`` line closes it too)
_FENCES: dict[str, tuple[Format, str, bool]] = {
    "---": ("yaml", "---", True),
    "---yaml": ("yaml", "---", False),
    "---toml": ("toml", "---", False),
    "---json": ("json", "---", False),
    "+++": ("toml", "+++", False),
}
_JSON_END = re.compile(r"[ \t]*(\r\n|\r|\n|\Z)")
# After any line break: ``^`` with re.MULTILINE only knows "\n", so CR-only files never closed.


@dataclass(frozen=True, slots=True)
class Split:
    """Where the parts of one article's text are (offsets are str indices, BOM excluded)."""

    kind: Kind
    bom: bool
    newline: str  # the dominant line ending: "\n", "\r\n" or "\r"
    mixed_newlines: bool
    final_newline: bool
    fm_start: int = 0  # first character of the YAML text
    fm_end: int = 0  # first character of the closing fence line
    body_start: int = 0  # first character after the closing fence line
    fm_first_line: int = 2  # 1-based file line of the first YAML line
    fm_line_count: int = 0  # lines of front matter between the fences (of the object for bare JSON)
    format: Format = "yaml"
    fence: str = "---"  # the opening fence ("---", "+++", "---json"...); "" for a bare JSON object

    @property
    def has_front_matter(self) -> bool:
        return self.kind == "front-matter"

    @property
    def body_first_line(self) -> int:
        """1-based line number where the body begins."""
        if not self.has_front_matter:
            return 1
        return self.fm_first_line + self.fm_line_count + (1 if self.fence else 0)

    @property
    def closing_fence(self) -> str:
        """The fence line text that closes the front matter ("" for a bare JSON object)."""
        return _FENCES[self.fence][1] if self.fence else ""


def detect_newline(text: str) -> tuple[str, bool]:
    """The dominant line ending of ``text`` (``\n`` when none) and whether endings are mixed."""
    if "\r" not in text:  # the common case: one fast search
        return "\n", False
    cr = text.count("\r")
    crlf = text.count("\r\n")
    counts = {"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": cr - crlf}
    present = [k for k, v in counts.items() if v]
    dominant = max(present, key=lambda k: counts[k])
    return dominant, len(present) > 1


def split_text(text: str) -> Split:
    """Locate front matter and body in ``text`` (which may start with a BOM)."""
    bom = text.startswith(BOM)
    start = 1 if bom else 0
    newline, mixed = detect_newline(text)
    final_newline = text.endswith(("\n", "\r"))
    opening = _OPEN.match(text, start)
    if opening is None:
        # A file that is only a fence line with no line ending is unclosed front matter too.
        alone = text[start:].rstrip(" \t")
        if alone in _FENCES:
            fmt = _FENCES[alone][0]
            return Split("unclosed", bom, newline, mixed, final_newline, len(text), len(text), len(text), format=fmt, fence=alone)
        if text.startswith("{", start):
            return _json_object(text, start, bom, newline, mixed, final_newline)
        return Split("raw", bom, newline, mixed, final_newline, start, start, start, 1)
    fence = opening.group(1)
    fmt, marker, dots = _FENCES[fence]
    fm_start = opening.end()
    closing = _find_closing(text, fm_start, marker, dots)
    if closing is None:
        return Split("unclosed", bom, newline, mixed, final_newline, fm_start, len(text), len(text), format=fmt, fence=fence)
    close_start, close_end = closing
    fm_lines = _count_lines(text, fm_start, close_start) if newline != "\n" or mixed else text.count("\n", fm_start, close_start)
    return Split("front-matter", bom, newline, mixed, final_newline, fm_start, close_start, close_end, 2, fm_lines, fmt, fence)


def _json_object(text: str, start: int, bom: bool, newline: str, mixed: bool, final_newline: bool) -> Split:
    """Hugo's JSON front matter: a JSON object opening the file, ending its line; else raw."""
    end = json_object_end(text, start)
    after = _JSON_END.match(text, end) if end is not None else None
    if end is None or after is None:
        return Split("raw", bom, newline, mixed, final_newline, start, start, start, 1)
    lines = _count_lines(text, start, end) + 1
    return Split("front-matter", bom, newline, mixed, final_newline, start, end, after.end(), 1, lines, "json", "")


_DECODER = json.JSONDecoder()


def json_object_end(text: str, start: int) -> int | None:
    """Where the JSON object opening at ``start`` ends (after its ``}``), or None when the
    text there is not a whole JSON object."""
    try:
        value, end = _DECODER.raw_decode(text, start)
    except ValueError:
        return None
    except RecursionError:
        # Deeper than the decoder goes: found by matching braces (as Hugo does), so the
        # front matter is refused by the depth limit rather than taken for the body.
        return _matching_brace(text, start)
    return end if isinstance(value, dict) else None


def _matching_brace(text: str, start: int) -> int | None:
    depth = 0
    quoted = False
    i = start
    n = len(text)
    while i < n:
        ch = text[i]
        if quoted:
            if ch == "\\":
                i += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _find_closing(text: str, start: int, marker: str = "---", dots: bool = True) -> tuple[int, int] | None:
    """Span of the first ``marker`` fence line (or ``...`` one when ``dots``) at or after
    ``start`` (a line start).

    Plain ``str.find`` on the two markers (a MULTILINE regex tried at every position was
    the slowest step of loading); ``...`` is looked for only before the next ``---``, not
    through the whole body.
    """
    pos = start
    n = len(text)
    while True:
        dashes = text.find(marker, pos)
        dots_at = text.find("...", pos, dashes if dashes >= 0 else n) if dots else -1
        found = dots_at if dots_at >= 0 else dashes
        if found < 0:
            return None
        if found == start or text[found - 1] in "\r\n":
            end = found + 3
            while end < n and text[end] in " \t":
                end += 1
            if end == n:
                return found, end
            if text[end] == "\n":
                return found, end + 1
            if text[end] == "\r":
                return found, end + 2 if text.startswith("\r\n", end) else end + 1
        pos = found + 1


def _count_lines(text: str, start: int, end: int) -> int:
    lf = text.count("\n", start, end)
    cr = text.count("\r", start, end)
    return lf + cr - text.count("\r\n", start, end) if cr else lf


def front_matter(text: str, split: Split) -> str:
    """The front-matter text between the fences (the object for bare JSON; empty for raw articles)."""
    return text[split.fm_start : split.fm_end] if split.has_front_matter else ""


def body(text: str, split: Split) -> str:
    """Everything after the closing fence (the whole text after any BOM for raw articles)."""
    if split.has_front_matter:
        return text[split.body_start :]
    return text[1:] if split.bom else text


def replace_front_matter(text: str, split: Split, new_front_matter: str) -> str:
    """``text`` with the front matter between the fences replaced; every other character kept."""
    if not split.has_front_matter:
        raise ValueError("article has no front matter to replace")
    return text[: split.fm_start] + new_front_matter + text[split.fm_end :]
