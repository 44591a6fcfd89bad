"""Guards applied before any byte of an article is trusted.

Reading: only regular files, opened with ``O_NOFOLLOW | O_NONBLOCK`` after an ``lstat`` (a
FIFO named ``*.md`` never blocks, a symlink is never followed by accident), with a size cap.
Parsing: a linear pre-scan of the YAML text that rejects excessive nesting, alias counts and
characters YAML forbids before any parser builds objects (alias bombs, ``[[[[...`` and
``- - - -...`` depth bombs, which crash the native parser with a stack overflow), and a
check of the parsed data (depth, integers too long to print, values that are not plain
JSON-like data) before anything else walks it.
"""

from __future__ import annotations

import errno
import functools
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Limits
from ..errors import CopydeskError

# Whatever the configuration says, nesting beyond this is refused: the native parser
# overflows its stack at a few thousand levels (fewer in threads with small stacks) and
# recursive Python walkers of the data hit the interpreter's recursion limit at ~1,000.
HARD_MAX_DEPTH = 500

# Python refuses to print integers longer than 4,300 digits (ValueError in str/json).
_MAX_INT = 10**4300


class UnsafeFile(CopydeskError):
    """The file cannot be read safely; the message says why in plain words."""


# Opening never follows a link in the last component, never blocks on a FIFO, and never
# leaks the descriptor into a child process.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_guarded(
    path: Path | str, root: Path | str, limits: Limits, follow_symlinks: bool = False, *, dir_fd: int | None = None
) -> tuple[bytes, os.stat_result]:
    """Read ``path`` whole, refusing anything but a regular file inside ``root``.

    A path under ``root`` whose real location is outside it (a link on the file or on a
    folder on the way) is refused; a link to a file inside ``root`` is read only with
    ``follow_symlinks``. Returns the bytes and the ``fstat`` of the opened file (for the
    fingerprint). With ``dir_fd`` (a save's folder, opened without crossing a link),
    ``path`` is a name in that folder and a link is refused.
    """
    name = os.fspath(path)
    try:
        info = os.lstat(name, dir_fd=dir_fd)
    except OSError as exc:
        raise UnsafeFile(f"cannot stat: {_reason(exc)}") from exc
    target = name
    root_name = _absolute(os.fspath(root))
    real_root = _real_folder(root_name)
    if dir_fd is not None:
        pass  # the folder is checked; a link is refused below as not a regular file
    elif stat.S_ISLNK(info.st_mode):
        resolved = os.path.realpath(name)
        if not is_inside(resolved, real_root):
            raise UnsafeFile(f"symbolic link pointing outside the folder ({resolved})")
        if not follow_symlinks:
            raise UnsafeFile(
                "symbolic link (set follow-symlinks = true to read links inside the folder)"
            )
        target = resolved
        try:
            info = os.lstat(target)
        except OSError as exc:
            raise UnsafeFile(f"broken symbolic link: {_reason(exc)}") from exc
    else:
        # O_NOFOLLOW guards only the last component: a linked folder on the way (or the
        # folder opened through a link, then a linked sub-folder) can still lead out.
        _check_folders(os.path.abspath(name), root_name, real_root)
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeFile(f"not a regular file ({_kind(info.st_mode)})")
    limit = limits.max_file_bytes
    if info.st_size > limit:
        raise UnsafeFile(f"file is {info.st_size} bytes, over the {limit}-byte limit")
    try:
        fd = os.open(target, _OPEN_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # replaced by a link between lstat and open
            raise UnsafeFile("became a symbolic link while being opened") from exc
        raise UnsafeFile(f"cannot open: {_reason(exc)}") from exc
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped between lstat and open
            raise UnsafeFile(f"not a regular file ({_kind(opened.st_mode)})")
        # One read of the size just seen (plus one byte, to notice growth) is the common
        # case; the loop goes on until end of file or the limit.
        remaining = limit + 1
        wanted = min(remaining, opened.st_size + 1)
        data = os.read(fd, wanted)
        remaining -= len(data)
        # Fewer bytes than asked for: the end of the file (a regular file). Else it grew
        # since fstat: read on to its end or the limit.
        if len(data) == wanted and remaining > 0:
            chunks = [data]
            while remaining > 0:
                chunk = os.read(fd, min(remaining, 1 << 20))
                if not chunk:
                    break
                chunks.append(chunk)
                remaining -= len(chunk)
            if len(chunks) > 1:
                data = b"".join(chunks)
        if len(data) > limit:
            raise UnsafeFile(f"file grew over the {limit}-byte limit while reading")
        return data, opened
    except OSError as exc:
        raise UnsafeFile(f"cannot read: {_reason(exc)}") from exc
    finally:
        os.close(fd)


def _absolute(folder: str) -> str:
    """``abspath`` of a folder (cached when already absolute: a relative one depends on the
    current directory)."""
    return _normalized(folder) if os.path.isabs(folder) else os.path.abspath(folder)


@functools.lru_cache(maxsize=64)
def _normalized(folder: str) -> str:
    return os.path.normpath(folder)


@functools.lru_cache(maxsize=4096)
def _real_folder(folder: str) -> str:
    """``realpath`` of a folder, cached: every file of a folder shares it (one resolution
    per folder instead of a dozen system calls per file)."""
    return os.path.realpath(folder)


def is_inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (both absolute and normalised)."""
    return path == folder or path.startswith(folder if folder.endswith(os.sep) else folder + os.sep)


def _check_folders(path: str, root: str, real_root: str) -> None:
    """Refuse a regular file whose folder really lies outside ``root`` although the path
    leads there through ``root`` (a linked folder on the way)."""
    parent = os.path.dirname(path)
    real_parent = _real_folder(parent)
    if is_inside(real_parent, real_root):
        return
    through_root = is_inside(path, root) or any(
        is_inside(_real_folder(str(folder)), real_root) for folder in Path(parent).parents
    )
    if through_root:
        where = os.path.join(real_parent, os.path.basename(path))
        raise UnsafeFile(f"reached through a symbolic link leaving the folder ({where})")


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISLNK, "a symbolic link"),
    ):
        if test(mode):
            return name
    return "special file"


# --- before parsing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why front-matter text is not parsed; ``line``/``column`` are 1-based in the YAML text."""

    code: str  # CD108 (a safety limit) or CD103 (text YAML forbids)
    reason: str
    line: int = 1
    column: int = 1


# Characters outside YAML's printable set (YAML 1.2, 5.1). The native parser silently stops
# reading at a NUL (keys after it vanish) and passes terminal escapes through.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
_BREAK = re.compile(r"\r\n|\r|\n")
# Indentation plus the block indicators ("- ", "? ", ": ") that open a level each.
_LEAD = re.compile(r" *(?:[-?:](?:[ \t]+|\Z))*")
_BLOCK_INDICATOR = re.compile(r"[-?:](?:[ \t]+|\Z)")
# A line ending in a block scalar header (``key: |``, ``- >-``, ``|2 # comment``).
_BLOCK_HEADER = re.compile(r"(?:^|[ \t])[|>][1-9+-]{0,2}[ \t]*(?:#.*)?$")
# Where a node can start: a quote or ``*`` there opens a quoted scalar or an alias; elsewhere
# (inside plain text such as ``don't`` or ``**bold**``) it is just a character.
_NODE_START = r"(?:^|(?<=[\[{,])|(?<=[-?:][ \t]))[ \t]*"
# Tokens that matter to flow depth and alias counts; quoted scalars and comments are matched
# whole so that a ``[`` or ``*`` inside them does not count.
_FLOW_TOKEN = re.compile(
    r"[\[\]{}]"
    rf"|{_NODE_START}(?:\"(?:[^\"\\]|\\.)*\"?|'(?:[^']|'')*'?)"
    r"|(?:(?<=[ \t])|^)#[^\r\n]*"
    rf"|{_NODE_START}\*",
    re.DOTALL | re.MULTILINE,
)


def prescan_yaml(text: str, limits: Limits) -> str | None:
    """A reason to refuse ``text`` before parsing, or None (see :func:`prescan`)."""
    refusal = prescan(text, limits)
    return refusal.reason if refusal else None


def prescan(text: str, limits: Limits) -> Refusal | None:
    """Why ``text`` must not be given to the YAML parser, or None.

    Linear in the text and cheap on ordinary front matter (counts decide whether the
    slower exact scans are needed): checks the size, characters YAML forbids,
    block nesting (indentation and ``- - -`` runs), flow nesting (``[{``) and alias
    references (``*name``). Quoted scalars, comments and block scalars are skipped so that
    their content does not count.
    """
    return prescan_encoded(text, text.encode("utf-8", "surrogatepass"), limits)


def prescan_encoded(text: str, data: bytes, limits: Limits) -> Refusal | None:
    """:func:`prescan` of ``text`` given its UTF-8 form ``data`` (encoded with
    ``surrogatepass``), for a caller that needs the bytes too."""
    # One pass at C speed over the UTF-8 bytes answers most questions: the characters that
    # matter here are ASCII, or start with a byte no other character has.
    if len(data) > limits.max_front_matter_bytes:
        return Refusal(
            "CD108",
            f"front matter is {len(data)} bytes, over the {limits.max_front_matter_bytes}-byte limit",
        )
    kept = data.translate(None, _UNINTERESTING)
    bad = _FORBIDDEN.search(text) if kept.translate(None, _NO_SIGN_OF_FORBIDDEN) else None
    if bad is not None:
        line, column = _position(text, bad.start())
        return Refusal(
            "CD103",
            f"control character U+{ord(bad.group()):04X} is not allowed in YAML",
            line,
            column,
        )
    max_depth = min(limits.max_depth, HARD_MAX_DEPTH)
    # A block level needs one more column of indentation or one more leading indicator
    # (``- - - x``) than its parent, so short leads everywhere mean shallow nesting. Runs of
    # indicators later on a line do not nest (the parser rejects them without recursing).
    if _has_long_lead(text, data, kept, max_depth):
        refusal = _block_depth(text, max_depth)
        if refusal is not None:
            return refusal
    if kept.count(b"[") + kept.count(b"{") > max_depth or kept.count(b"*") > limits.max_aliases:
        return _flow_and_aliases(text, max_depth, limits.max_aliases)
    return None


def prescan_characters(text: str, limits: Limits, language: str) -> Refusal | None:
    """The size limit and the characters no front matter may hold raw (NUL, control
    characters, terminal escapes), for formats that need no YAML pre-scan (TOML, JSON:
    their parsers neither expand aliases nor nest by indentation)."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > limits.max_front_matter_bytes:
        return Refusal("CD108", f"front matter is {size} bytes, over the {limits.max_front_matter_bytes}-byte limit")
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        return Refusal("CD103", f"control character U+{ord(bad.group()):04X} is not allowed in {language}", line, column)
    return None


# Bytes of the UTF-8 form that matter before parsing. _FORBIDDEN's characters: the ASCII
# controls and DEL themselves, and the lead bytes of the others (C1 controls: C2 xx;
# surrogates: ED xx xx; U+FFFE and U+FFFF: EF BF xx). The flow and alias characters
# ``[{*`` (counted) and CR (a line break). The last bytes of LINE and PARAGRAPH SEPARATOR
# (E2 80 A8 / A9; NEL's lead byte C2 is kept already): without them the text has neither,
# which is cheaper to tell from the kept bytes than by searching the text ("…" and curly
# quotes start with E2 80 too, so the lead bytes would not do). Every other byte is deleted
# in one pass.
_SUSPECT_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xED, 0xEF])
_BREAK_TAILS = b"\xa8\xa9"
_UNINTERESTING = bytes(b for b in range(256) if b not in _SUSPECT_BYTES + b"[{*\r" + _BREAK_TAILS)
_NO_SIGN_OF_FORBIDDEN = b"[{*\r" + _BREAK_TAILS  # kept bytes that are not in _FORBIDDEN's characters

# Line breaks as ``str.splitlines`` knows them once the forbidden characters are ruled out,
# besides LF: CR (looked for in the kept bytes), NEL, LINE and PARAGRAPH SEPARATOR. (Byte
# searches: a regular expression alternating between them tries every position.)
_RARE_BREAKS = (b"\xc2\x85", b"\xe2\x80\xa8", b"\xe2\x80\xa9")


@functools.lru_cache(maxsize=8)
def _long_lead(length: int) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    lead = b"[ \t?:-]{%d}" % length
    return re.compile(lead), re.compile(b"\n" + lead)  # a literal first byte: a fast search


def _has_long_lead(text: str, data: bytes, kept: bytes, length: int) -> bool:
    """Whether a line of ``text`` (``data`` in UTF-8, ``kept`` its bytes that
    ``_UNINTERESTING`` leaves) starts with at least ``length`` characters of indentation
    and block indicators (spaces, tabs, ``-``, ``?``, ``:``)."""
    first_line, other_line = _long_lead(length)
    if first_line.match(data) or other_line.search(data):
        return True
    nel, ls, ps = _RARE_BREAKS
    other_breaks = (
        b"\r" in kept
        or (b"\xc2" in kept and nel in data)
        or (b"\xa8" in kept and ls in data)
        or (b"\xa9" in kept and ps in data)
    )
    if other_breaks:  # lines start after other breaks too: count exactly
        return max(len(line) - len(line.lstrip(" \t-?:")) for line in text.splitlines() or [""]) >= length
    return False


def _lines(text: str) -> Iterator[tuple[int, str]]:
    start = 0
    number = 1
    for match in _BREAK.finditer(text):
        yield number, text[start : match.start()]
        start = match.end()
        number += 1
    yield number, text[start:]


def _block_depth(text: str, max_depth: int) -> Refusal | None:
    """Nesting by indentation and leading indicators, skipping block scalars' text."""
    indents: list[int] = []
    block_parent = -1  # indentation of the line that opened a block scalar, -1 when none
    for number, line in _lines(text):
        content = line.lstrip(" ")
        indent = len(line) - len(content)
        if block_parent >= 0:
            if not content.strip() or indent > block_parent:
                continue
            block_parent = -1
        if not content or content[0] == "#":
            continue
        lead = _LEAD.match(line)
        assert lead is not None
        levels = [indent]
        levels.extend(indent + m.end() for m in _BLOCK_INDICATOR.finditer(lead.group()[indent:]))
        if lead.end() == len(line) and len(levels) > 1:
            levels.pop()  # indicators ending the line: their content is on the next line
        for column in levels:
            while indents and indents[-1] >= column:
                indents.pop()
            indents.append(column)
        if len(indents) > max_depth:
            return Refusal("CD108", f"nesting deeper than {max_depth} levels", number, 1)
        if _BLOCK_HEADER.search(line):
            block_parent = indent
    return None


def _flow_and_aliases(text: str, max_depth: int, max_aliases: int) -> Refusal | None:
    depth = 0
    aliases = 0
    for token in _FLOW_TOKEN.finditer(text):
        kind = token.group().lstrip(" \t")[:1]
        if kind in ("[", "{"):
            depth += 1
            if depth > max_depth:
                line, column = _position(text, token.start())
                return Refusal("CD108", f"nesting deeper than {max_depth} levels", line, column)
        elif kind in ("]", "}"):
            depth = max(0, depth - 1)
        elif kind == "*":
            aliases += 1
            if aliases > max_aliases:
                line, column = _position(text, token.start())
                return Refusal("CD108", f"more than {max_aliases} aliases", line, column)
    return None


def _position(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    breaks = list(_BREAK.finditer(before))
    if not breaks:
        return 1, index + 1
    return len(breaks) + 1, index - breaks[-1].end() + 1


# --- after parsing ----------------------------------------------------------------------


def check_data(data: Any, limits: Limits) -> Refusal | None:
    """Why parsed front-matter data must not be used, or None.

    Walks the data without recursion: refuses nesting deeper than the limit (recursive
    walkers would crash), integers too long to print, and values JSON cannot hold (sets,
    lists or mappings used as keys), which copydesk neither shows nor edits.
    """
    max_depth = min(limits.max_depth, HARD_MAX_DEPTH)
    if _plainly_acceptable(data, max_depth):
        return None
    # Something is refused: walk again in the order that says which refusal comes first.
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= max_depth:
                return Refusal("CD108", f"nesting deeper than {max_depth} levels")
            for key, item in value.items():
                if type(key) is not str:
                    refusal = _check_scalar(key, as_key=True)
                    if refusal is not None:
                        return refusal
                if type(item) is not str:
                    stack.append((item, depth + 1))
        elif kind is list:
            if depth >= max_depth:
                return Refusal("CD108", f"nesting deeper than {max_depth} levels")
            stack.extend((item, depth + 1) for item in value if type(item) is not str)
        elif kind is not str:
            refusal = _check_scalar(value, as_key=False)
            if refusal is not None:
                return refusal
    return None


_PLAIN_SCALARS = (str, bool, float, type(None))


def _plainly_acceptable(data: Any, max_depth: int) -> bool:
    """Whether :func:`check_data` has nothing to refuse in ``data``: the same tests, with
    scalars tested where they are met instead of pushed on the stack (several times faster
    on ordinary front matter, but it cannot tell which refusal comes first)."""
    plain = _PLAIN_SCALARS
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is dict:
            if depth >= max_depth:
                return False
            items: Any = value.values()
            for key in value:
                if type(key) is not str and _check_scalar(key, as_key=True) is not None:
                    return False
        elif kind is list:
            if depth >= max_depth:
                return False
            items = value
        else:
            return _check_scalar(value, as_key=False) is None
        for item in items:
            kind = type(item)
            if kind in plain:
                continue
            if kind is dict or kind is list:
                stack.append((item, depth + 1))
            elif kind is int:
                if not -_MAX_INT < item < _MAX_INT:
                    return False
            elif _check_scalar(item, as_key=False) is not None:
                return False
    return True


def _check_scalar(value: Any, as_key: bool) -> Refusal | None:
    if value is None or isinstance(value, (str, bool, float)):
        return None
    if isinstance(value, int):
        if -_MAX_INT < value < _MAX_INT:
            return None
        return Refusal("CD108", "an integer longer than 4,300 digits")
    where = "as a mapping key" if as_key else "as a value"
    if isinstance(value, (tuple, list)):
        return Refusal("CD103", f"a list used {where} is not supported")
    if isinstance(value, dict) or (as_key and isinstance(value, frozenset)):
        return Refusal("CD103", f"a mapping used {where} is not supported")
    if isinstance(value, (set, frozenset)):
        return Refusal("CD103", f"a set (!!set) used {where} is not supported")
    from ..display import kind_of

    return Refusal("CD103", f"{kind_of(value)} used {where} is not supported")
