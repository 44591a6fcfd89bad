"""Where a field is in the front-matter text: lines and columns for the problems.

The data parser gives no positions, so problems are positioned afterwards by an indentation
scan of the front-matter text (:class:`FrontMatterIndex`), built only when an article has a
problem to position (:class:`Locator` builds it on first use).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..document import Source

FieldPath = tuple[str | int, ...]  # ("tags", 2), ("source", "name")

_NEWLINES = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Lines without their endings (``\\n``, ``\\r\\n`` or ``\\r``); no empty last line."""
    lines = text.split("\n") if "\r" not in text else _NEWLINES.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines


@dataclass(frozen=True, slots=True)
class Position:
    """Where a field is: 1-based file line, key column and value column (key's when none)."""

    line: int
    key_col: int
    value_col: int
    value_text: str  # the rest of the line from the value column


# A mapping key at the start of a line's content: quoted ('k' or "k") or plain (up to the
# first ": " / ":" at the end of the line), then the colon.
_ANY_KEY = re.compile(r"""(?:(['"])(.*?)\1|([^'"\s].*?))[ \t]*:(?=[ \t]|$)""")


def _key_column(line: str) -> tuple[int, bool]:
    """Column of the first character after indentation and ``- `` markers, and whether a dash was seen."""
    i = 0
    dash = False
    n = len(line)
    while i < n:
        ch = line[i]
        if ch in " \t":
            i += 1
        elif ch == "-" and (i + 1 == n or line[i + 1] in " \t"):
            dash = True
            i += 1
        else:
            break
    return i, dash


class FrontMatterIndex:
    """Finds the line and columns of a field path in front-matter text by indentation.

    Handles block mappings and sequences (indented or flush), items of flow sequences and
    keys of flow mappings on the key's line; a path it cannot follow yields the deepest
    ancestor found.
    """

    def __init__(self, fm_text: str, first_line: int) -> None:
        self.lines = split_lines(fm_text)
        self.first_line = first_line
        self._block_keys: dict[tuple[int, int, int | None], dict[str, tuple[int, int, int]]] = {}

    def _content(self, i: int) -> bool:
        stripped = self.lines[i].lstrip(" \t")
        return bool(stripped) and not stripped.startswith("#")

    def _position(self, i: int, key_col: int, after_key: int) -> Position:
        line = self.lines[i]
        j = after_key
        while j < len(line) and line[j] in " \t":
            j += 1
        if j >= len(line) or line[j] == "#":
            return Position(self.first_line + i, key_col + 1, key_col + 1, "")
        return Position(self.first_line + i, key_col + 1, j + 1, line[j:])

    def _find_key(self, lo: int, hi: int, key: str, start_col: int | None) -> tuple[int, int, int] | None:
        """(line index, key column, column after the colon) of ``key`` in the block [lo, hi)."""
        text = key if isinstance(key, str) else str(key)  # `~: x`, `1: y` are keys too
        keys = self._block_keys.get((lo, hi, start_col))
        if keys is None:
            # One pass per block, then dictionary lookups: locating every key of a front
            # matter with thousands of keys was quadratic (seconds for 2,000 keys).
            keys = self._block_keys[(lo, hi, start_col)] = self._scan_block(lo, hi, start_col)
        return keys.get(text)

    def _scan_block(self, lo: int, hi: int, start_col: int | None) -> dict[str, tuple[int, int, int]]:
        found: dict[str, tuple[int, int, int]] = {}
        block_col = None
        for i in range(lo, hi):
            if not self._content(i):
                continue
            line = self.lines[i]
            col = start_col if (i == lo and start_col is not None) else _key_column(line)[0]
            if block_col is None:
                block_col = col
            if col != block_col:
                continue
            m = _ANY_KEY.match(line, col)
            if m:
                found.setdefault(m.group(2) if m.group(1) else m.group(3).rstrip(" \t"), (i, col, m.end()))
        return found

    def _block(self, i: int, key_col: int) -> tuple[int, int]:
        """Lines after line ``i`` that belong to the value of the key at ``key_col``."""
        j = i + 1
        last = i + 1
        while j < len(self.lines):
            if self._content(j):
                line = self.lines[j]
                indent = len(line) - len(line.lstrip(" \t"))
                flush_item = indent == key_col and line[indent] == "-" and line[indent + 1 : indent + 2] in ("", " ", "\t")
                if indent <= key_col and not flush_item:
                    break
                last = j + 1
            j += 1
        return i + 1, last

    def _find_item(self, lo: int, hi: int, index: int) -> tuple[int, int, int] | None:
        """(line index, dash column, item column) of the ``index``-th block sequence item."""
        item_indent = None
        count = -1
        for i in range(lo, hi):
            if not self._content(i):
                continue
            line = self.lines[i]
            indent = len(line) - len(line.lstrip(" \t"))
            is_item = line[indent] == "-" and line[indent + 1 : indent + 2] in ("", " ", "\t")
            if item_indent is None:
                if not is_item:
                    return None
                item_indent = indent
            if indent != item_indent or not is_item:
                continue
            count += 1
            if count == index:
                col = indent + 1
                while col < len(line) and line[col] in " \t":
                    col += 1
                return i, indent, col if col < len(line) else indent  # an empty item: its dash
        return None

    def _flow_item(self, i: int, start: int, index: int) -> int | None:
        """Column of the ``index``-th item of a flow sequence starting at or after ``start``."""
        line = self.lines[i]
        open_at = line.find("[", start)
        if open_at < 0:
            return None
        depth = 0
        count = 0
        quote = ""
        j = open_at + 1
        item_start = j
        while j < len(line):
            ch = line[j]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                if count == index:
                    break
                count += 1
                item_start = j + 1
            j += 1
        if count != index:
            return None
        while item_start < len(line) and line[item_start] in " \t":
            item_start += 1
        return item_start

    def find(self, path: FieldPath) -> Position | None:
        """The position of ``path`` (or of its deepest ancestor found); None if not even the first key."""
        lo, hi = 0, len(self.lines)
        start_col: int | None = None
        found: Position | None = None
        found_line = -1
        for part in path:
            if isinstance(part, int):
                hit = self._find_item(lo, hi, part)
                if hit is not None:
                    i, dash_col, col = hit
                    found = self._position_item(i, dash_col, col)
                    found_line = i
                    lo, hi = self._block(i, dash_col)
                    lo = i
                    start_col = col
                    continue
                if found is not None and found.value_text.startswith("["):
                    col = self._flow_item(found_line, found.value_col - 1, part)
                    if col is not None:
                        line = self.lines[found_line]
                        found = Position(found.line, col + 1, col + 1, line[col:])
                return found
            hit_key = self._find_key(lo, hi, part, start_col)
            if hit_key is None:
                if found is not None and found.value_text.startswith("{"):
                    line = self.lines[found_line]
                    m = re.compile(r"[{,][ \t]*(['\"]?)" + re.escape(part) + r"\1[ \t]*:").search(line, found.value_col - 1)
                    if m:
                        col = m.start(1)
                        return self._position(found_line, col, m.end())
                return found
            i, col, after = hit_key
            found = self._position(i, col, after)
            found_line = i
            lo, hi = self._block(i, col)
            start_col = None
        return found

    def _position_item(self, i: int, dash_col: int, col: int) -> Position:
        line = self.lines[i]
        return Position(self.first_line + i, col + 1, col + 1, line[col:])


class Locator:
    """Lazily built positions for one article's problems."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._index: FrontMatterIndex | None = None

    @property
    def index(self) -> FrontMatterIndex:
        if self._index is None:
            self._index = FrontMatterIndex(self.source.front_matter, self.source.split.fm_first_line)
        return self._index

    def key(self, path: FieldPath) -> tuple[int, int]:
        pos = self.index.find(path) if path else None
        return (pos.line, pos.key_col) if pos else (1, 1)

    def value(self, path: FieldPath) -> tuple[int, int]:
        pos = self.index.find(path) if path else None
        if pos is None:
            return 1, 1
        return pos.line, pos.value_col


class Unplaced:
    """The locator of a value not written yet: what the rules report on it is at 1:1."""

    def key(self, path: FieldPath) -> tuple[int, int]:
        return 1, 1

    def value(self, path: FieldPath) -> tuple[int, int]:
        return 1, 1


def dotted(path: FieldPath) -> str:
    """``("coverImage", "thumb")`` -> ``coverImage.thumb``; ``("tags", 2)`` -> ``tags[2]``."""
    out = ""
    for part in path:
        if isinstance(part, int) and not isinstance(part, bool):
            out += f"[{part}]"
        else:  # keys need not be strings: `~: x`, `1.5: y`, `true: z`
            out += f".{part}" if out else str(part)
    return out or "(front matter)"


_TOML_HEADER = re.compile(r"[ \t]*\[\[?[ \t]*([^\]]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$")


class KeyLocator(Locator):
    """Positions in TOML and JSON front matter: the line of the deepest key of a path that
    can be found (a list item is placed at its list's key). No indentation to follow:
    JSON keys are found in order, one after the other; a TOML key in the table its
    parents name (``[source]``, ``[source.meta]``) or as a dotted key (``source.name =``)."""

    def __init__(self, source: Source) -> None:
        super().__init__(source)
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = split_lines(self.source.front_matter)
        return self._lines

    def _find(self, path: FieldPath) -> Position | None:
        keys = [str(part) for part in path if not isinstance(part, int) or isinstance(part, bool)]
        if not keys:
            return None
        if self.source.split.format == "json":
            return self._find_json(keys)
        return self._find_toml(keys)

    def _at(self, i: int, key_col: int, value_col: int) -> Position:
        line = self.lines[i]
        return Position(self.source.split.fm_first_line + i, key_col + 1, value_col + 1, line[value_col:])

    def _find_json(self, keys: list[str]) -> Position | None:
        found: Position | None = None
        start = 0
        for key in keys:
            pattern = re.compile(re.escape(json.dumps(key, ensure_ascii=False)) + r"[ \t]*:[ \t]*")
            hit: tuple[int, re.Match[str]] | None = None
            for i in range(start, len(self.lines)):
                m = pattern.search(self.lines[i])
                if m:
                    hit = (i, m)
                    break
            if hit is None:
                return found
            i, m = hit
            found = self._at(i, m.start(), m.end())
            start = i
        return found

    def _find_toml(self, keys: list[str]) -> Position | None:
        table: list[str] = []
        best: tuple[int, Position] | None = None
        for i, line in enumerate(self.lines):
            header = _TOML_HEADER.match(line)
            if header:
                table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
                depth = _common(table, keys)
                if depth == len(table) and (best is None or depth > best[0]):
                    col = len(line) - len(line.lstrip(" \t"))
                    best = (depth, self._at(i, col, col))
                continue
            m = re.match(r"[ \t]*([^=#]+?)[ \t]*=[ \t]*", line)
            if not m:
                continue
            full = table + [part.strip().strip("\"'") for part in m.group(1).split(".")]
            depth = _common(full, keys)
            if depth == len(full) and (best is None or depth > best[0]):
                best = (depth, self._at(i, m.start(1), m.end()))
        return best[1] if best else None

    def key(self, path: FieldPath) -> tuple[int, int]:
        pos = self._find(path)
        return (pos.line, pos.key_col) if pos else (1, 1)

    def value(self, path: FieldPath) -> tuple[int, int]:
        pos = self._find(path)
        return (pos.line, pos.value_col) if pos else (1, 1)


def _common(have: list[str], want: list[str]) -> int:
    """How many leading keys ``have`` shares with ``want`` (0 unless all of ``have`` match)."""
    if len(have) > len(want) or have != want[: len(have)]:
        return 0
    return len(have)
