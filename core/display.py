"""Text from articles and file names, made safe to show on a terminal.

Everything an article holds, and every file name in the folder, may be hostile: an ``ESC ]
52`` sequence writes the user's clipboard, ``ESC [ 2J`` clears the screen, a newline in a
file name forges an extra line of a CI log, a bidi override makes a line read backwards.
Every view (the command line's text output and every widget of the terminal UI) passes such
text through :func:`printable`, which *shows* control and format characters instead of
emitting them:

- C0 controls, DEL and C1 controls (U+0080-U+009F) as ``\\xNN`` (tab and newline are kept
  in multi-line views, the reader and the diff);
- bidi and other format controls (U+061C, U+200E/F, U+2028/9, U+202A-E, U+2066-9) as
  ``\\uNNNN``;
- the bytes of a file name that is not UTF-8 (decoded by Python as lone surrogates) as
  ``\\xNN``, other lone surrogates as ``\\uNNNN``.

Rich markup is not this module's concern: views build ``Text`` objects (never markup
strings) from article text, so ``[bold]`` in a title stays text.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

__all__ = ["EscapingStream", "c_quote", "display_path", "has_controls", "printable", "protected_streams", "raw_stdout", "shown_tag", "unprintable"]

_FORMAT = "\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_LINE_UNSAFE = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}\ud800-\udfff]")
_BLOCK_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}\ud800-\udfff]")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


# Leading or trailing whitespace, a doubled space, or whitespace other than a plain space. One
# search: the list's rows run shown_tag on every tag of every article at start-up.
_STRAY_SPACE = re.compile(r"\A\s|\s\Z|  |[^\S ]")


def shown_tag(tag: object) -> str:
    """A tag as a list shows it: ``⟨empty⟩`` for an empty one; one with stray whitespace
    (leading, trailing, doubled or not a plain space) quoted, each space as ``␠``, so it
    never reads as a blank row or as its clean twin; otherwise :func:`printable`."""
    text = tag if isinstance(tag, str) else "" if tag is None else str(tag)
    if not text:  # '' or a bare `-` item (null)
        return "⟨empty⟩"
    if _STRAY_SPACE.search(text):
        return '"' + printable(text.replace(" ", "␠")) + '"'
    return printable(text)


_KINDS = {
    str: "a string", bool: "a boolean", int: "an integer", float: "a number",
    list: "a list", tuple: "a list", dict: "a mapping", type(None): "empty (null)",
    set: "a set", frozenset: "a set",
}  # fmt: skip


def kind_of(value: Any) -> str:
    """What kind of value ``value`` is, in words for a message (``a string``, ``a list``),
    never a Python type name."""
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, str | bool | int | float | list | tuple):
        return _KINDS[next(t for t in (str, bool, int, float, list, tuple) if isinstance(value, t))]
    return "a value of another kind"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and ``word``, in the plural unless the count is one: ``1 group``, ``2
    groups``, ``3 articles have`` (``many``: a plural not made by adding ``s``)."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


def display_path(path: Path | str) -> str:
    """``path`` relative to the current directory when inside it (as ruff and git print).

    A lexical test on absolute paths: the loader builds every path from the current
    directory as ``os.getcwd()`` names it, and a ``realpath`` per printed file cost 0.7 s
    for 4,000 files with problems. Inside the current directory the relative path is the
    rest of the normalised absolute path (what ``os.path.relpath`` computes, without its
    per-call normalisation).
    """
    text = os.path.abspath(path)
    here = os.getcwd()
    if text == here:
        return "."
    prefix = here.rstrip(os.sep) + os.sep
    if text.startswith(prefix):
        return text[len(prefix) :]
    return str(path)


def printable(text: object, *, multiline: bool = False) -> str:
    """``text`` as a terminal may show it: control and format characters escaped.

    With ``multiline`` (the reader, a diff), tab and newline are kept and a ``\\r\\n`` line
    ending reads as a newline; otherwise the result is always one line.
    """
    value = text if type(text) is str else str(text)
    if multiline:
        if "\r" in value:
            value = value.replace("\r\n", "\n")
        return _BLOCK_UNSAFE.sub(_shown, value)
    return _LINE_UNSAFE.sub(_shown, value)


def has_controls(text: str, *, multiline: bool = False) -> bool:
    """Whether :func:`printable` would change ``text``."""
    if multiline:
        text = text.replace("\r\n", "\n")
        return _BLOCK_UNSAFE.search(text) is not None
    return _LINE_UNSAFE.search(text) is not None


_SHOWN = re.compile(r"\\x[0-9a-f]{2}|\\u[0-9a-f]{4}")


def unprintable(shown: str, original: str) -> str:
    """``shown`` (a view of ``original``, edited) with every escape :func:`printable` makes
    of a character ``original`` holds turned back into that character.

    Editing part of a value keeps its invisible characters (the right-to-left marks of an
    Arabic or Hebrew title) instead of writing their escaped spelling. An escape of a
    character ``original`` does not hold stays as typed, so typing never adds a control
    character; nor is an escape turned back when ``original`` also spells it out as text.
    """
    forms = {_shown(m): m.group() for m in _LINE_UNSAFE.finditer(original)}
    forms = {form: char for form, char in forms.items() if form not in original}
    if not forms:
        return shown
    return _SHOWN.sub(lambda m: forms.get(m.group(), m.group()), shown)


_C_ESCAPES = {0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v", 0x0C: "\\f", 0x0D: "\\r", 0x22: '\\"', 0x5C: "\\\\"}


def c_quote(name: str) -> str:
    """``name`` as git writes a path in a patch header: as it is when it holds only
    printable ASCII, else in double quotes with C escapes and every other byte in octal
    (what ``git apply`` reads back to the exact name)."""
    data = name.encode("utf-8", "surrogateescape")
    if all(0x20 <= b < 0x7F and b not in (0x22, 0x5C) for b in data):
        return name
    parts = []
    for b in data:
        if b in _C_ESCAPES:
            parts.append(_C_ESCAPES[b])
        elif 0x20 <= b < 0x7F:
            parts.append(chr(b))
        else:
            parts.append(f"\\{b:03o}")
    return '"' + "".join(parts) + '"'


class EscapingStream:
    """A text stream that shows control characters instead of writing them (tab and
    newline pass): the command line's last line of defence, behind the per-value
    :func:`printable` that keeps each value on its line."""

    def __init__(self, stream: TextIO) -> None:
        self.raw = stream

    def write(self, text: str) -> int:
        self.raw.write(printable(text, multiline=True) if _BLOCK_UNSAFE.search(text) or "\r" in text else text)
        return len(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.raw, name)


@contextmanager
def protected_streams() -> Iterator[None]:
    """Route ``sys.stdout`` and ``sys.stderr`` through :class:`EscapingStream` while a
    command runs."""
    saved = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, EscapingStream):
        sys.stdout = EscapingStream(sys.stdout)  # type: ignore[assignment]
    if not isinstance(sys.stderr, EscapingStream):
        sys.stderr = EscapingStream(sys.stderr)  # type: ignore[assignment]
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def raw_stdout() -> TextIO:
    """The real standard output, for the one exact output: a patch sent to a file or pipe."""
    out = sys.stdout
    return out.raw if isinstance(out, EscapingStream) else out
