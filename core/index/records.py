"""One article as the index holds it: the encoded :data:`Entry`, and the :class:`Record` and
:class:`Display` values decoded from it when asked for."""

from __future__ import annotations

import marshal
import struct
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..checks import Problem
from ..document import KINDS, Fingerprint, Inspected
from ..text.frontmatter import FORMATS

RACY_WINDOW_NS = 2_000_000_000  # coarser than any file-time granularity copydesk runs on

_NEVER = bytes(32)  # stored key of an entry that must be re-read (no regular file has inode 0)

# An entry, as kept in memory and (by columns) on disk:
#   (relpath, key: 32 bytes, flags: format index << 4 | kind index << 1 | needs re-hash,
#    problems: marshal of (code, message, line, column, severity) tuples, or None,
#    fingerprint: size, mtime_ns, inode packed + the 32-byte SHA-256, or None,
#    display: marshal of the Display values as a plain tuple, or None)
# Problems and display values stay encoded until asked for (a warm check decodes only the
# entries that have problems); big integers are packed because decoding them is what
# makes marshal slow.
Entry = tuple[str, bytes, int, bytes | None, bytes | None, bytes | None]

PACK_FP = struct.Struct("<3q32s")

_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}
_FORMAT_INDEX = {fmt: i for i, fmt in enumerate(FORMATS)}
KIND_BITS = 7  # (flags >> 1) & KIND_BITS is the kind's index: eight kinds at most


def kind_of(flags: int) -> str:
    """The article kind an entry's flags record."""
    return KINDS[flags >> 1 & KIND_BITS]


class Display(NamedTuple):
    """The metadata values a list shows and quick filters use (scalars as the file says them)."""

    title: Any
    published: Any
    source: Any  # ``source.name``, or ``source`` when it is a plain string
    category: Any
    sentiment: Any
    draft: Any
    tags: Any  # a tuple of scalars for a list; the value itself otherwise


# The metadata key each Display field is read from, in Display's order: the one statement of
# the display columns (display_of reads them, the terminal UI's rows and filters use them).
DISPLAY_KEYS: tuple[str, ...] = ("title", "publishedAt", "source", "category", "sentiment", "draft", "tags")


class Record:
    """One article as the index knows it.

    Built straight from an index entry: its parts are decoded when first asked for, so
    that listing 50,000 records costs little more than the entries themselves.
    """

    __slots__ = ("path", "_entry", "_problems", "_display")

    def __init__(self, path: str, entry: Entry) -> None:
        self.path = path  # absolute
        self._entry = entry
        self._problems: tuple[Problem, ...] | None = None
        self._display: Display | None = None

    @property
    def relpath(self) -> str:
        return self._entry[0]

    @property
    def kind(self) -> str:
        return kind_of(self._entry[2])

    @property
    def format(self) -> str:
        """The front matter's format ("yaml", "toml", "json"; "yaml" when there is none)."""
        return FORMATS[self._entry[2] >> 4]

    @property
    def problems(self) -> tuple[Problem, ...]:
        if self._problems is None:
            packed = self._entry[3]
            self._problems = tuple(Problem(*p) for p in marshal.loads(packed)) if packed is not None else ()
        return self._problems

    @property
    def display(self) -> Display | None:
        """None when the front matter could not be read."""
        if self._display is None and self._entry[5] is not None:
            self._display = Display(*marshal.loads(self._entry[5]))
        return self._display

    @property
    def fingerprint(self) -> Fingerprint | None:
        return unpack_fingerprint(self._entry[4])

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.relpath, self.kind, self.format, self.problems, self.display, self.fingerprint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.path, self._entry[1]))

    def __repr__(self) -> str:
        return f"Record({self.relpath!r}, kind={self.kind!r}, problems={len(self.problems)})"


_SCALARS = (str, int, float, bool)  # a tuple: isinstance with ``str | int`` is several times slower


def _scalar(value: Any) -> Any:
    return value if value is None or isinstance(value, _SCALARS) else None


def display_of(meta: Mapping[str, Any] | None) -> Display | None:
    """The display values of some metadata (None when there is none)."""
    if meta is None:
        return None
    get = meta.get
    value = get("source")
    # get_path(meta, "source.name"), or the value itself when it is a plain string
    if type(value) is dict or isinstance(value, Mapping):
        source = value.get("name")
    else:
        source = value if isinstance(value, str) else None
    tags = get("tags")
    if isinstance(tags, (list, tuple)):
        tags = tuple([t if t is None or isinstance(t, _SCALARS) else None for t in tags])
    else:
        tags = _scalar(tags)
    return Display(
        _scalar(get("title")),
        _scalar(get("publishedAt")),
        _scalar(source),
        _scalar(get("category")),
        _scalar(get("sentiment")),
        _scalar(get("draft")),
        tags,
    )


def pack_fingerprint(fp: Fingerprint | None) -> bytes | None:
    return None if fp is None else PACK_FP.pack(fp.size, fp.mtime_ns, fp.inode, bytes.fromhex(fp.sha256))


def unpack_fingerprint(packed: bytes | None) -> Fingerprint | None:
    if packed is None:
        return None
    size, mtime_ns, inode, digest = PACK_FP.unpack(packed)
    return Fingerprint(size, mtime_ns, inode, digest.hex())


def racy(key: bytes, started_ns: int) -> bool:
    """Whether the file of ``key`` (its ``lstat`` as the walk packs it) was written within
    :data:`RACY_WINDOW_NS` of ``started_ns``: it could have changed again within the same
    clock tick, so its entry is re-hashed before it is trusted."""
    _, mtime, ctime, _ = struct.unpack("<4q", key)
    return max(mtime, ctime) >= started_ns - RACY_WINDOW_NS


def entry_of(relpath: str, found: Inspected, key: bytes, started_ns: int) -> Entry:
    """The entry of a file as :func:`~core.document.inspect_file` found it, from the key
    its ``lstat`` had before it was read, in a scan started at ``started_ns``."""
    fingerprint = pack_fingerprint(found.fingerprint)
    verify = False
    if not key:
        key = _NEVER  # a link or special file: re-read every time
    else:
        verify = racy(key, started_ns)
        if verify and fingerprint is None:
            key = _NEVER  # nothing to re-hash against
    display = display_of(found.meta)
    return (relpath, key, _flags(found, verify), _packed_problems(found), fingerprint,
            marshal.dumps(tuple(display)) if display is not None else None)


def problems_entry(relpath: str, found: Inspected) -> Entry:
    """The entry of a file for a scan that only reports problems (``check --no-cache``):
    kind, format and problems as :func:`entry_of` has them, no key, fingerprint nor
    display values (nothing is indexed or listed from it)."""
    return (relpath, _NEVER, _flags(found, False), _packed_problems(found), None, None)


def _flags(found: Inspected, verify: bool) -> int:
    fmt = found.split.format if found.split is not None else "yaml"
    return _FORMAT_INDEX[fmt] << 4 | _KIND_INDEX[found.kind] << 1 | verify


def _packed_problems(found: Inspected) -> bytes | None:
    if not found.problems:
        return None
    return marshal.dumps(tuple((p.code, p.message, p.line, p.column, p.severity) for p in found.problems))


def narrowed(entry: Entry, codes: frozenset[str]) -> Entry:
    """``entry`` with only the problems of ``codes`` (made under a wider selection)."""
    if entry[3] is None:
        return entry
    kept = tuple(p for p in marshal.loads(entry[3]) if p[0] in codes)
    return (*entry[:3], marshal.dumps(kept) if kept else None, *entry[4:])  # type: ignore[return-value]
