"""The index cache: re-open a folder by re-parsing only the files that changed.

:func:`scan` returns one slim :class:`Record` per article (kind, problems, fingerprint and
the few metadata values lists and queries show first) without keeping bodies or full
metadata in memory. Results come from ``<root>/.copydesk/index/`` when a file is provably
unchanged, otherwise from parsing it (across worker processes when there are many).

When an entry is trusted: the file is a regular file (links and special files are always
re-read) and its ``lstat`` still shows the size, ``mtime_ns``, ``ctime_ns`` and inode seen
just *before* it was read. Any write or ``chmod`` after that moves ``ctime``, which a user
cannot set back, so a same-size edit with the mtime restored is still caught. A file whose
times fell within :data:`RACY_WINDOW_NS` of its reading could have changed again within
the same clock tick: such an entry is re-hashed (SHA-256 of the bytes) before it is
trusted. The index also records a key of the configuration, the schema and copydesk's own
code (every module of the ``core`` package): any change there discards it. The rule
selection is not part of that key: each entry records the selection its problems were
found under (``select``, ``ignore`` and the per-file ignores of its file), and serves a
scan only when that selection holds the scan's (its problems then filtered to it); an
entry made under a narrower selection is parsed again.

The file is safe to delete, versioned, written atomically (temp file + ``os.replace``) and
authenticated with an HMAC whose key lives in the user's cache folder
(``$XDG_CACHE_HOME/copydesk/index.key``): an index that was damaged, truncated, or shipped
inside somebody else's folder is ignored and rebuilt, never decoded.
"""

from __future__ import annotations

import hashlib
import hmac
import marshal
import mmap
import os
import pickle
import secrets
import stat
import struct
import sys
import time
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from itertools import accumulate, chain
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

from .checks import Problem, SelectionKey, selected_by, selection_key
from .config import STATE_DIR, Config
from .document import (
    KINDS,
    Article,
    Fingerprint,
    Inspected,
    freeze,
    inspect_file,
    load_article,
    thaw,
)
from .storage.files import unlink_quietly
from .walk import Found, walk, walk_batches

INDEX_FORMAT = 4
INDEX_DIR = "index"
INDEX_NAME = "articles.bin"  # the format version is inside: another one is rebuilt in place
_MAGIC = b"copydesk-index\n"
_MAGIC_PARTS = b"copydesk-parts\n"  # same length: a file written in parts
RACY_WINDOW_NS = 2_000_000_000  # coarser than any file-time granularity copydesk runs on
PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves

T = TypeVar("T")


class Display(NamedTuple):
    """The metadata values a list shows and quick filters use (scalars as the file says them)."""

    title: Any
    published: Any
    source: Any  # ``source.name``, or ``source`` when it is a plain string
    category: Any
    sentiment: Any
    draft: Any
    tags: Any  # a tuple of scalars for a list; the value itself otherwise


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
        return KINDS[self._entry[2] >> 1]

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
        return _unpack_fingerprint(self._entry[4])

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def _key(self) -> tuple[Any, ...]:
        return (self.path, self.relpath, self.kind, self.problems, self.display, self.fingerprint)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.path, self._entry[1]))

    def __repr__(self) -> str:
        return f"Record({self.relpath!r}, kind={self.kind!r}, problems={len(self.problems)})"


@dataclass
class Scan:
    """The result of :func:`scan`: one entry per article, sorted by relative path.

    Entries stay encoded until asked for: :attr:`records` decodes every one,
    :meth:`with_problems` only those that have problems (what ``check`` prints).
    """

    config: Config
    parsed: int = 0  # files read and parsed
    reused: int = 0  # taken from the index on stat alone
    verified: int = 0  # taken from the index after re-hashing (recently written files)
    workers: int = 0  # worker processes used (0: parsed in this process)
    cache: str = "off"  # "off", "none" (no index yet), "loaded", or why the index was ignored
    written: bool = False  # the index was updated
    # The index file this scan read (see index_token), when its entries are exactly this
    # scan's: nothing parsed, nothing gone. None otherwise, or when the file changed while
    # it was read. A view saved from that very file (load_view) still holds.
    unchanged_index: tuple[int, int, int] | None = None
    # Absolute paths in relative-path order, and for each an entry or, for one taken from
    # the index unchanged, its position there (decoded only when asked for).
    _paths: list[str] = field(default_factory=list, repr=False)
    _entries: list[Entry | int] = field(default_factory=list, repr=False)
    _stored: _Columns | None = field(default=None, repr=False)
    _records: list[Record] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self._paths)

    @property
    def paths(self) -> list[str]:
        """The articles' absolute paths, in relative-path order."""
        return self._paths

    def _entry(self, i: int) -> Entry:
        entry = self._entries[i]
        if type(entry) is int:
            assert self._stored is not None
            return self._stored.entry(entry)
        return entry  # type: ignore[return-value]

    @property
    def records(self) -> list[Record]:
        """Every article's record (decoded once)."""
        if self._records is None:
            self._records = [Record(path, self._entry(i)) for i, path in enumerate(self._paths)]
        return self._records

    def with_problems(self) -> Iterator[Record]:
        """The records of the articles that have problems, in order."""
        stored = self._stored
        for i, entry in enumerate(self._entries):
            if type(entry) is int:
                assert stored is not None
                if stored.problems[entry] is not None:
                    yield Record(self._paths[i], stored.entry(entry))
            elif entry[3] is not None:  # type: ignore[index]
                yield Record(self._paths[i], entry)  # type: ignore[arg-type]

    def kinds(self) -> dict[str, int]:
        """How many articles of each kind."""
        counts = dict.fromkeys(KINDS, 0)
        for i in range(len(self._entries)):
            counts[KINDS[self._entry(i)[2] >> 1]] += 1
        return counts


# -- walking: core.walk ----------------------------------------------------------------

_NEVER = bytes(32)  # stored key of an entry that must be re-read (no regular file has inode 0)


# -- entries -----------------------------------------------------------------------------

# An entry, as kept in memory and (by columns) on disk:
#   (relpath, key: 32 bytes, flags: kind index << 1 | needs re-hash,
#    problems: marshal of (code, message, line, column, severity) tuples, or None,
#    fingerprint: size, mtime_ns, inode packed + the 32-byte SHA-256, or None,
#    display: marshal of the Display values as a plain tuple, or None)
# Problems and display values stay encoded until asked for (a warm check decodes only the
# entries that have problems); big integers are packed because decoding them is what
# makes marshal slow.
Entry = tuple[str, bytes, int, bytes | None, bytes | None, bytes | None]

_PACK_FP = struct.Struct("<3q32s")

_KIND_INDEX = {kind: i for i, kind in enumerate(KINDS)}


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


def _pack_fingerprint(fp: Fingerprint | None) -> bytes | None:
    return None if fp is None else _PACK_FP.pack(fp.size, fp.mtime_ns, fp.inode, bytes.fromhex(fp.sha256))


def _unpack_fingerprint(packed: bytes | None) -> Fingerprint | None:
    if packed is None:
        return None
    size, mtime_ns, inode, digest = _PACK_FP.unpack(packed)
    return Fingerprint(size, mtime_ns, inode, digest.hex())


def _entry(relpath: str, found: Inspected, key: bytes, started_ns: int) -> Entry:
    fingerprint = _pack_fingerprint(found.fingerprint)
    verify = False
    if not key:
        key = _NEVER  # a link or special file: re-read every time
    else:
        _, mtime, ctime, _ = struct.unpack("<4q", key)
        verify = max(mtime, ctime) >= started_ns - RACY_WINDOW_NS
        if verify and fingerprint is None:
            key = _NEVER  # nothing to re-hash against
    problems = None
    if found.problems:
        problems = marshal.dumps(tuple((p.code, p.message, p.line, p.column, p.severity) for p in found.problems))
    display = display_of(found.meta)
    return (relpath, key, _KIND_INDEX[found.kind] << 1 | verify, problems, fingerprint,
            marshal.dumps(tuple(display)) if display is not None else None)


# Worker processes inherit these through fork (never pickled).
_worker_config: Config | None = None
_worker_started_ns = 0


def _served_as_stored(stored: _Columns, config: Config) -> set[int]:
    """The selections (positions in ``stored.selections``) whose entries serve ``config``'s
    selection as they are: the same settings. Per-file ignores make the selection depend
    on the file: then every entry is compared with its own file's (none is in this set)."""
    if config.per_file_ignores:
        return set()
    wanted = selection_key(config, "")
    return {i for i, made in enumerate(stored.selections) if made == wanted}


def _serves(made: SelectionKey, config: Config, relpath: str) -> frozenset[str] | bool:
    """Whether an entry made under ``made`` serves the file at ``relpath`` under ``config``:
    True as it is, a set of codes when its problems must be filtered to them (made under a
    wider selection), False when rules the scan wants never ran on it."""
    wanted_key = selection_key(config, relpath)
    if made == wanted_key:
        return True
    wanted = selected_by(wanted_key)
    try:
        had = selected_by(made)
    except ValueError:  # a selector no rule matches any more
        return False
    if not wanted <= had:
        return False
    return True if wanted == had else wanted


def _narrowed(entry: Entry, codes: frozenset[str]) -> Entry:
    """``entry`` with only the problems of ``codes`` (made under a wider selection)."""
    if entry[3] is None:
        return entry
    kept = tuple(p for p in marshal.loads(entry[3]) if p[0] in codes)
    return (*entry[:3], marshal.dumps(kept) if kept else None, *entry[4:])  # type: ignore[return-value]


def _parse_chunk(chunk: Sequence[tuple[str, str, bytes]]) -> list[Entry]:
    """Index entries of ``chunk``: ``Found`` items, or plain tuples in worker processes."""
    assert _worker_config is not None
    config, started_ns = _worker_config, _worker_started_ns
    return [_entry(relpath, inspect_file(path, config, relpath), key, started_ns) for path, relpath, key in chunk]


def _warm_up(config: Config) -> None:
    """Import and compile, before forking, what parsing needs (rules, schema, patterns), so
    that it is done once instead of in every worker, and so that no worker needs an import
    lock that another thread held when the process forked (it would wait for ever)."""
    from .checks.runner import check_source
    from .document import Source, parse_source
    from .schema import compiled_schema
    from .text.frontmatter import split_text

    compiled_schema(config)
    _, source, _ = parse_source("---\ntitle: x\ntags: [a]\n---\n# x\n\nText:\n", config)
    try:
        check_source(source, config, "warm-up.md")
        check_source(Source("x\n", split_text("x\n"), None), config, "warm-up.md")
    except Exception:  # noqa: BLE001, S110 - a bad rule is reported on the real files
        pass
    import rapidfuzz.fuzz  # noqa: F401 - used for "did you mean" hints
    import rapidfuzz.process  # noqa: F401


def _chunks(items: Iterable[T], workers: int) -> Iterator[list[T]]:
    """``items`` in chunks big enough to make a round trip to a worker cheap, smaller
    towards the end so that the workers finish together (items still coming from a walk:
    chunks of a fixed, middling size)."""
    if isinstance(items, Sequence):
        start, total = 0, len(items)
        while start < total:
            size = max(16, min(512, (total - start) // (workers * 4)))
            yield list(items[start : start + size])
            start += size
        return
    chunk: list[T] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == 192:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_workers(work: Callable[[list[Found]], list[T]], found: Iterable[Found], config: Config, started_ns: int,
                workers: int, ordered: bool = True) -> Iterator[T]:
    """``work`` over ``found`` in chunks, in order (or as chunks finish, when not
    ``ordered``): here when ``workers`` <= 1, else in that many forked processes (they
    inherit the config; only paths go out, only small encoded results come back: sending
    whole parsed objects back would eat the gain). ``work`` must be a module-level function
    (or a ``functools.partial`` of one): workers find it by name."""
    global _worker_config, _worker_started_ns
    _worker_config, _worker_started_ns = config, started_ns
    try:
        if workers <= 1:
            yield from work(list(found))
            return
        _warm_up(config)
        with _fork_pool(workers) as pool:
            results_of = pool.imap if ordered else pool.imap_unordered
            # Plain tuples pickle several times faster than named tuples (each of those is
            # rebuilt through its class): the work functions unpack them either way.
            chunks = (list(map(tuple, chunk)) for chunk in _chunks(found, workers))
            for results in results_of(work, chunks):
                yield from results
    finally:
        _worker_config = None


def _fork_pool(workers: int) -> Any:
    """A ``multiprocessing`` pool of ``workers`` forked processes whose worker-handler
    thread sleeps until a worker exits or the pool changes state.

    The standard pool's handler also wakes whenever a result waits in the pipe for the
    result thread, and spins until that thread has read it: ~20,000 wake-ups and ~0.4 s of
    CPU in a 50,000-file scan, taken from the two cores the workers parse on. Results and
    exits are still seen: the result thread reads the pipe, and the handler wakes on the
    workers' sentinels and on the pool's change notifier (close, terminate, cache empty),
    as the thread pool's handler does.
    """
    import multiprocessing.pool  # only here: a warm scan never starts a worker

    class Pool(multiprocessing.pool.Pool):
        def _get_sentinels(self) -> list[Any]:
            return [self._change_notifier._reader]  # type: ignore[attr-defined]

    return Pool(workers, context=multiprocessing.get_context("fork"))


# Inherited by the worker processes through fork, like the configuration (a map of every
# article's fingerprint is not sent with each chunk).
_worker_checked: Mapping[str, Fingerprint] | None = None


def _load_unless_checked(path: str, relpath: str, config: Config, checked: Mapping[str, Fingerprint] | None) -> Article:
    """``load_article``, without the rules when ``checked`` holds this very version."""
    if checked:
        known = checked.get(relpath)
        if known is not None:
            article = load_article(Path(path), config, relpath, with_rules=False)
            if article.fingerprint == known:
                return article
    return load_article(Path(path), config, relpath)


def _extract_chunk(extract: Callable[[Article], T], chunk: Sequence[tuple[str, str, bytes]]) -> list[T]:
    assert _worker_config is not None
    config, checked = _worker_config, _worker_checked
    return [extract(_load_unless_checked(path, relpath, config, checked)) for path, relpath, _ in chunk]


def map_articles(paths: Sequence[Path], config: Config, extract: Callable[[Article], T], *,
                 workers: int | None = None, checked: Mapping[str, Fingerprint] | None = None) -> Iterator[T]:
    """``extract(article)`` for every article under ``paths``, computed in worker processes
    when there are enough files (:data:`PARALLEL_MIN_FILES`; ``workers`` overrides).

    ``extract`` must be a module-level function (workers find it by name) and should
    return a small picklable value: only that comes back from a worker, never the
    :class:`Article`. Values come in walk order (``walk(paths, config)``).

    ``checked`` maps relative paths to the fingerprints of versions whose problems the
    caller already has (from a :func:`scan`): an article still in that version is loaded
    without the schema and editorial rules, which are about half the cost of loading it,
    and its ``problems`` then hold only what reading and parsing found. Any other article
    (changed since, or not in the map) is checked in full.
    """
    global _worker_checked
    found = walk(paths, config)
    if workers is None:
        workers = default_workers() if len(found) >= PARALLEL_MIN_FILES else 0
    if workers <= 1:
        for f in found:
            yield extract(_load_unless_checked(f.path, f.relpath, config, checked))
        return
    _worker_checked = checked
    try:
        yield from _in_workers(partial(_extract_chunk, extract), found, config, 0, workers)
    finally:
        _worker_checked = None


# -- whole articles in parallel ----------------------------------------------------------

_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_PROBLEM_FIELDS = tuple(f.name for f in fields(Problem))
_FINGERPRINT_FIELDS = tuple(f.name for f in fields(Fingerprint))


def _pack_meta(meta: Mapping[str, Any]) -> tuple[str, bytes]:
    data = thaw(meta)
    try:
        return "m", marshal.dumps(data)
    except ValueError:  # a type marshal does not know (yaml-rs gives plain data; be safe)
        return "p", pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL)


def _pack_article(article: Article) -> tuple[Any, ...]:
    """An Article as plain data that pickles fast (read-only mappings do not pickle)."""
    out: list[Any] = []
    for name in _ARTICLE_FIELDS:
        value = getattr(article, name)
        if name == "path":
            value = str(value)
        elif name == "meta":
            value = None if value is None else _pack_meta(value)
        elif name == "problems":
            value = tuple(tuple(getattr(p, f) for f in _PROBLEM_FIELDS) for p in value)
        elif name == "fingerprint":
            value = None if value is None else tuple(getattr(value, f) for f in _FINGERPRINT_FIELDS)
        out.append(value)
    return tuple(out)


def _unpack_article(values: tuple[Any, ...]) -> Article:
    kwargs = dict(zip(_ARTICLE_FIELDS, values, strict=True))
    kwargs["path"] = Path(kwargs["path"])
    meta = kwargs["meta"]
    if meta is not None:
        codec, blob = meta
        kwargs["meta"] = freeze(marshal.loads(blob) if codec == "m" else pickle.loads(blob))
    kwargs["problems"] = tuple(Problem(*p) for p in kwargs["problems"])
    if kwargs["fingerprint"] is not None:
        kwargs["fingerprint"] = Fingerprint(*kwargs["fingerprint"])
    return Article(**kwargs)


def _load_chunk(chunk: Sequence[tuple[str, str, bytes]]) -> list[tuple[Any, ...]]:
    assert _worker_config is not None
    config = _worker_config
    return [_pack_article(load_article(Path(path), config, relpath)) for path, relpath, _ in chunk]


def iter_articles(paths: Sequence[Path], config: Config, *, workers: int | None = None) -> Iterator[Article]:
    """``load_article`` of every file under ``paths``, in walk order, parsed across worker
    processes when there are enough files (results identical to loading one by one)."""
    found = walk(paths, config)
    if workers is None:
        workers = default_workers() if len(found) >= PARALLEL_MIN_FILES else 0
    if workers <= 1:
        for f in found:
            yield load_article(Path(f.path), config, f.relpath)
        return
    for values in _in_workers(_load_chunk, found, config, 0, workers):
        yield _unpack_article(values)


def load_articles(paths: Sequence[Path], config: Config, *, workers: int | None = None) -> list[Article]:
    """What ``load_corpus(paths, config).articles`` holds (sorted by relative path), parsed
    across worker processes."""
    articles = list(iter_articles(paths, config, workers=workers))
    articles.sort(key=lambda a: a.relpath)
    return articles


def _sha256_of(path: str) -> str | None:
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        digest = hashlib.sha256()
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
        return digest.hexdigest()
    except OSError:
        return None
    finally:
        os.close(fd)


# -- the index file ----------------------------------------------------------------------


def index_path(config: Config) -> Path:
    """Where the index of ``config``'s folder is kept."""
    return config.root / STATE_DIR / INDEX_DIR / INDEX_NAME


def _user_key() -> bytes | None:
    """The HMAC key of this user's indexes (created on first use; None when it cannot be)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "copydesk", "index.key")
    try:
        with open(path, "rb") as handle:
            key = handle.read()
        if len(key) >= 32:
            return key
    except OSError:
        pass
    try:
        os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # another process created it first
        try:
            with open(path, "rb") as handle:
                key = handle.read()
            return key if len(key) >= 32 else None
        except OSError:
            return None
    except OSError:
        return None


_CODE_KEY: str | None = None


def code_files() -> list[Path]:
    """The files of copydesk's core the cached results may depend on: every module and data
    file of the ``core`` package and its sub-packages (the checks, the schema, the text
    layer, the model...), so that no change to any of them serves a result it made before."""
    found: list[Path] = []
    for folder, subfolders, names in os.walk(Path(__file__).resolve().parent):
        subfolders[:] = [name for name in subfolders if name != "__pycache__"]
        found += [Path(folder, name) for name in names if name.endswith((".py", ".json"))]
    return sorted(found)


def _code_key() -> str:
    """A digest of copydesk's core code and parser version (made once per process, ~1 ms):
    results change when they do."""
    global _CODE_KEY
    if _CODE_KEY is None:
        import yaml_rs

        digest = hashlib.sha256(f"{INDEX_FORMAT}|{sys.version}|{getattr(yaml_rs, '__version__', '?')}".encode())
        package = Path(__file__).resolve().parent
        for path in code_files():
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
        _CODE_KEY = digest.hexdigest()
    return _CODE_KEY


# Not in the index's key: where the folder is and what names the file (the key digests the
# root itself), and the rule selection, which each entry records for itself.
_NOT_IN_KEY = {"root", "source", "keys", "journal_batches", "select", "ignore", "per_file_ignores"}


def _view_key(config: Config) -> str:
    """:func:`config_key` and the rule selection: a view holds problems as one selection saw them."""
    digest = hashlib.sha256(config_key(config).encode())
    digest.update(repr((config.select, config.ignore, sorted(config.per_file_ignores.items()))).encode())
    return digest.hexdigest()


def config_key(config: Config) -> str:
    """What the results depend on besides each file and the rule selection: settings,
    schema file, copydesk's code."""
    digest = hashlib.sha256(_code_key().encode())
    for f in fields(config):
        if f.name not in _NOT_IN_KEY:
            digest.update(f"{f.name}={getattr(config, f.name)!r}\n".encode())
    digest.update(str(config.root).encode())
    if config.schema is not None:
        try:
            digest.update(config.schema.read_bytes())
        except OSError:
            digest.update(b"unreadable schema")
    return digest.hexdigest()


# On disk the entries are stored by columns, most of them single byte strings that decode
# at memory speed: the keys (32 bytes each), the flags (one byte each), the fingerprints
# (56 bytes each, zeros for none) and the display values (concatenated, with their ends).
_FP_SIZE = _PACK_FP.size
_NO_FP = bytes(_FP_SIZE)


class _Columns:
    """The entries of an index file, decoded one by one when asked for."""

    __slots__ = ("relpaths", "keys", "flags", "problems", "fingerprints", "ends", "displays", "selections", "chosen")

    def __init__(self, relpaths: list[str], keys: bytes, flags: bytes, problems: list[bytes | None],
                 fingerprints: bytes, ends: array, displays: bytes, selections: list[SelectionKey],
                 chosen: array) -> None:
        self.relpaths = relpaths
        self.keys = keys
        self.flags = flags
        self.problems = problems
        self.fingerprints = fingerprints
        self.ends = ends  # end offset of each entry's display values in ``displays``
        self.displays = displays
        self.selections = selections  # every rule selection the entries were made under
        self.chosen = chosen  # each entry's selection: its position in ``selections``

    def __len__(self) -> int:
        return len(self.relpaths)

    def entry(self, i: int) -> Entry:
        fingerprint = self.fingerprints[i * _FP_SIZE : (i + 1) * _FP_SIZE]
        display = self.displays[self.ends[i - 1] if i else 0 : self.ends[i]]
        return (self.relpaths[i], self.keys[i * 32 : i * 32 + 32], self.flags[i], self.problems[i],
                None if fingerprint == _NO_FP else fingerprint, display or None)

    @classmethod
    def of(cls, entries: Sequence[Entry | int], config: Config, stored: _Columns | None = None) -> _Columns:
        """The columns of ``entries``; an int stands for the entry at that position in
        ``stored``, copied column by column: decoding every stored entry into a tuple first
        would hold ~20 MB more at 50,000 articles while the index is written. An entry made
        now was made under ``config``'s selection for its file; a stored one keeps its own."""
        selections: dict[SelectionKey, int] = {}

        def chosen(selection: SelectionKey) -> int:
            return selections.setdefault(selection, len(selections))

        def made_now(entry: Entry) -> int:
            return chosen(selection_key(config, entry[0]))

        if stored is None:
            columns = cls._of_entries(entries)  # type: ignore[arg-type]
            columns.chosen = array("H", map(made_now, entries))  # type: ignore[arg-type]
            columns.selections = list(selections)
            return columns
        old = stored

        def column(new: Callable[[Entry], Any], kept: Callable[[int], Any]) -> Iterator[Any]:
            return (kept(e) if type(e) is int else new(e) for e in entries)  # type: ignore[arg-type]

        def display_length(i: int) -> int:
            return old.ends[i] - (old.ends[i - 1] if i else 0)

        def display(i: int) -> bytes:
            return old.displays[old.ends[i - 1] if i else 0 : old.ends[i]]

        return cls(
            list(column(itemgetter(0), old.relpaths.__getitem__)),
            b"".join(column(itemgetter(1), lambda i: old.keys[i * 32 : i * 32 + 32])),
            bytes(column(itemgetter(2), old.flags.__getitem__)),
            list(column(itemgetter(3), old.problems.__getitem__)),
            b"".join(column(lambda e: e[4] or _NO_FP, lambda i: old.fingerprints[i * _FP_SIZE : (i + 1) * _FP_SIZE])),
            array("q", accumulate(column(lambda e: len(e[5] or b""), display_length))),
            b"".join(column(lambda e: e[5] or b"", display)),
            [],
            array("H", column(made_now, lambda i: chosen(old.selections[old.chosen[i]]))),
        )._with_selections(selections)

    def _with_selections(self, selections: dict[SelectionKey, int]) -> _Columns:
        self.selections = list(selections)
        return self

    @classmethod
    def _of_entries(cls, entries: Sequence[Entry]) -> _Columns:
        ends = array("q", accumulate(len(e[5] or b"") for e in entries))
        return cls([e[0] for e in entries], b"".join(e[1] for e in entries), bytes(e[2] for e in entries),
                   [e[3] for e in entries], b"".join(e[4] or _NO_FP for e in entries), ends,
                   b"".join(e[5] or b"" for e in entries), [], array("H"))


def _read_columns(config: Config) -> tuple[_Columns | None, str]:
    """The stored entries (in relative-path order), and ``loaded`` or why there are none."""
    payload, status = _read_private(index_path(config))
    if payload is None:
        return None, status
    if not isinstance(payload, tuple) or not payload or payload[0] != INDEX_FORMAT:
        return None, "other format"
    try:
        _, stored_key, relpaths, keys, flags, problems, fingerprints, ends, displays, selections, chosen = payload
        ends = array("q", ends)
        chosen = array("H", chosen)
        if not all(type(key) is tuple and len(key) == 3 for key in selections):
            raise ValueError("not a selection")
    except (ValueError, TypeError):
        return None, "damaged"
    if stored_key != config_key(config):
        return None, "settings or copydesk changed"
    count = len(relpaths)
    if not (count == len(flags) == len(problems) == len(ends) == len(chosen) == len(keys) // 32
            == len(fingerprints) // _FP_SIZE and len(keys) == count * 32 and (not count or ends[-1] == len(displays))
            and (not count or max(chosen) < len(selections))):
        return None, "damaged"
    return _Columns(relpaths, keys, flags, problems, fingerprints, ends, displays, selections, chosen), "loaded"


def load_index(config: Config) -> tuple[dict[str, Entry], str]:
    """The stored entries by relative path, and ``loaded`` or why there are none."""
    columns, status = _read_columns(config)
    if columns is None:
        return {}, status
    return {columns.relpaths[i]: columns.entry(i) for i in range(len(columns))}, status


def save_index(config: Config, entries: Sequence[Entry], stored: _Columns | None = None) -> bool:
    """Write the index atomically (``entries`` in relative-path order; an int stands for the
    entry at that position in ``stored``); False when it cannot be written (the folder is
    read-only...)."""
    columns = _Columns.of(entries, config, stored)
    return _write_private(index_path(config), (
        INDEX_FORMAT, config_key(config), columns.relpaths, columns.keys, columns.flags, columns.problems,
        columns.fingerprints, columns.ends.tobytes(), columns.displays,
        columns.selections, columns.chosen.tobytes(),
    ))


def _write_private(target: Path, value: Any, parts: Iterable[Any] | None = None) -> bool:
    """Write ``value`` marshalled and authenticated with the user's key, atomically, never
    through a link; False when it cannot be written (read-only folder, no user key...).

    With ``parts`` (values too), each is marshalled and written in turn after ``value``, so
    that a long list written in parts never has its whole encoding in memory at once (50,000
    articles' filter values in one piece: ~70 MB for marshal's work on top of the app).
    """
    key = _user_key()
    if key is None:
        return False
    payload = marshal.dumps(value)
    temp = target.with_name(f"{target.name}.{os.getpid()}.{secrets.token_hex(4)}.copydesk-tmp")
    from .storage.journal import make_state_folder  # not at start-up: the TUI paints its list first

    try:
        # `<root>/.copydesk` gets its .gitignore whichever of the index and the journal comes first.
        if not make_state_folder(target.parents[2], mode=0o700):
            return False  # a link planted in the folder: never write through it
        target.parent.mkdir(mode=0o700, exist_ok=True)
        if not stat.S_ISDIR(os.lstat(target.parent).st_mode):
            return False
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        with os.fdopen(os.open(temp, flags, 0o600), "wb") as handle:
            if parts is None:
                # Three writes, not one of the three joined: that would copy the payload (~18
                # MB at 50,000 articles) at the moment the process holds the most.
                handle.write(_MAGIC)
                handle.write(hmac.digest(key, payload, "sha256"))
                handle.write(payload)
            else:
                # Each piece with its length; the digest (of everything after it) goes in last.
                mac = hmac.new(key, digestmod="sha256")
                handle.write(_MAGIC_PARTS)
                handle.write(bytes(32))
                for blob in chain((payload,), map(marshal.dumps, parts)):
                    for piece in (struct.pack("<Q", len(blob)), blob):
                        mac.update(piece)
                        handle.write(piece)
                handle.seek(len(_MAGIC_PARTS))
                handle.write(mac.digest())
        os.replace(temp, target)  # no fsync: a torn file fails the HMAC and is rebuilt
        return True
    except (OSError, ValueError):  # ValueError: a value marshal cannot store
        unlink_quietly(temp)
        return False
    except BaseException:  # from the parts' generator: no temp file left behind either
        unlink_quietly(temp)
        raise




def _read_private(path: Path, *, mapped: bool = False) -> tuple[Any, str]:
    """What :func:`_write_private` wrote, and ``loaded``; else None and why not. A file
    written in parts gives a :class:`_Parted`, whose parts are read from the file one at a
    time (the whole file is never in memory: ~24 MB for 50,000 articles' filter values).

    ``mapped``: a file in one piece is authenticated and decoded straight from a memory
    mapping instead of a copy (the saved list at a warm start of 50,000 articles, 11 MB:
    ~15 ms less in a fresh process). Only for what is read before anything can be staged:
    a mapped file truncated in place meanwhile kills the process (copydesk only ever
    replaces these files whole)."""
    key = _user_key()
    if key is None:
        return None, "no user key"
    try:
        handle = open(path, "rb")  # noqa: SIM115 - a file in parts stays open for its parts
    except FileNotFoundError:
        return None, "none"
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    digest_at = len(_MAGIC)
    payload_at = digest_at + 32
    try:
        head = handle.read(payload_at)
        in_parts = head.startswith(_MAGIC_PARTS)
        if not (in_parts or head.startswith(_MAGIC)) or len(head) < payload_at:
            handle.close()
            return None, "not an index"
        if not in_parts:
            if mapped:
                return _read_mapped(handle, key, head[digest_at:], payload_at)
            with handle:
                payload = handle.read()
            if not hmac.compare_digest(head[digest_at:], hmac.digest(key, payload, "sha256")):
                return None, "not written by this user, or damaged"
            return marshal.loads(payload), "loaded"
        # Authenticated whole before anything is decoded, then read again part by part.
        mac = hmac.new(key, digestmod="sha256")
        while chunk := handle.read(1 << 20):
            mac.update(chunk)
        if not hmac.compare_digest(head[digest_at:], mac.digest()):
            handle.close()
            return None, "not written by this user, or damaged"
        handle.seek(payload_at)
        first = _piece(handle)
        if first is None:
            handle.close()
            return None, "damaged"
        return _Parted(marshal.loads(first), _Parts(handle)), "loaded"
    except (OSError, EOFError, ValueError, TypeError, struct.error) as exc:
        handle.close()
        return None, f"unreadable ({exc.strerror})" if isinstance(exc, OSError) else "damaged"


def _read_mapped(handle: BinaryIO, key: bytes, digest: bytes, payload_at: int) -> tuple[Any, str]:
    """The rest of :func:`_read_private` for a file in one piece, from a memory mapping."""
    with handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapping:
        with memoryview(mapping) as whole, whole[payload_at:] as payload:
            if not hmac.compare_digest(digest, hmac.digest(key, payload, "sha256")):
                return None, "not written by this user, or damaged"
            return marshal.loads(payload), "loaded"


class _Parted(NamedTuple):
    value: Any
    parts: _Parts


class _Parts:
    """The parts of a file written in parts, each decoded as it is read from the file (which
    is closed at the end, at the first error, or by :meth:`close`)."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle

    def __iter__(self) -> _Parts:
        return self

    def __next__(self) -> Any:
        try:
            blob = _piece(self._handle)
            if blob is None:
                raise StopIteration
            return marshal.loads(blob)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._handle.close()


def _piece(handle: BinaryIO) -> bytes | None:
    """The next piece of a file written in parts (each after its length); None at the end."""
    head = handle.read(8)
    if not head:
        return None
    if len(head) < 8:
        raise ValueError("truncated")
    (size,) = struct.unpack("<Q", head)
    blob = handle.read(size)
    if len(blob) != size:
        raise ValueError("truncated")
    return blob


def snapshot(config: Config) -> list[Record] | None:
    """The records as the index last saw them, *without* looking at the folder (None when
    there is no usable index): enough to paint a list at once, before :func:`scan` (run it
    next, e.g. in a thread) says which files changed since."""
    columns, _ = _read_columns(config)  # saved in relative-path order
    if columns is None:
        return None
    root = str(config.root)
    prefix = root if root.endswith("/") else root + "/"
    entry = columns.entry
    as_stored = _served_as_stored(columns, config)
    records = []
    for i, rel in enumerate(columns.relpaths):
        found = entry(i)
        if columns.chosen[i] not in as_stored:
            serves = _serves(columns.selections[columns.chosen[i]], config, rel)
            if type(serves) is frozenset:  # a narrower entry is shown as it is, until the scan
                found = _narrowed(found, serves)
        records.append(Record(rel if rel.startswith("/") else prefix + rel, found))
    return records


# -- views derived from the index ---------------------------------------------------------


def index_token(config: Config) -> tuple[int, int, int] | None:
    """What identifies the index file as it is now (inode, size, modification time; the
    index is only ever replaced whole), or None when there is none."""
    try:
        info = os.stat(index_path(config))
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def save_view(config: Config, name: str, version: str, data: Any, *, of_index: bool = True,
              parts: Iterable[Any] | None = None) -> bool:
    """Keep ``data`` (values ``marshal`` can store: a list's display rows, say) beside the
    index, for :func:`load_view`. ``of_index``: the data is derived from the current index,
    and valid only as long as that file is; else the data must tell for itself which
    version of each file it holds. ``parts``: more data, written piece by piece (see
    :func:`load_view_parts`). False when there is no index or the folder cannot be written."""
    token = index_token(config)
    if token is None:
        return False
    return _write_private(index_path(config).with_name(f"{name}.view"),
                          (version, _view_key(config), token if of_index else None, data), parts)


def load_view(config: Config, name: str, version: str) -> Any | None:
    """The ``data`` of :func:`save_view` while the settings and ``version`` (the caller's
    format) are the same and, for a view of the index, the index is the very file it was
    derived from; else None.

    Like :func:`snapshot`, a view says what the folder *was*: run :func:`scan` next. Meant
    for start-up: the file is read through a memory mapping (see :func:`_read_private`)."""
    found = _load_view(config, name, version, mapped=True)
    if found is not None and found[1] is not None:
        found[1].close()  # written in parts: not for this reader
        return None
    return found[0] if found is not None else None


def load_view_parts(config: Config, name: str, version: str) -> tuple[Any, _Parts] | None:
    """``(data, parts)`` of a view saved with ``parts``, as :func:`load_view` finds ``data``;
    ``parts`` decodes one part at a time as it is iterated, reading the file as it goes (its
    ``close()`` closes the file before the end)."""
    found = _load_view(config, name, version)
    return found if found is not None and found[1] is not None else None


def _load_view(config: Config, name: str, version: str, mapped: bool = False) -> tuple[Any, _Parts | None] | None:
    value, status = _read_private(index_path(config).with_name(f"{name}.view"), mapped=mapped)
    if status != "loaded":
        return None
    parts = None
    if isinstance(value, _Parted):
        value, parts = value
    usable = isinstance(value, tuple) and len(value) == 4
    if usable:
        stored_version, stored_key, token, data = value
        usable = (stored_version == version and stored_key == _view_key(config)
                  and (token is None or token == index_token(config)))
    if not usable:
        if parts is not None:
            parts.close()
        return None
    return data, parts


def default_workers() -> int:
    """Worker processes for parsing: one per core, at most 2 (measured: more buys nothing here)."""
    return max(1, min(2, os.cpu_count() or 1))


def scan(
    paths: Sequence[Path],
    config: Config,
    *,
    cache: bool = True,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Scan:
    """Every article under ``paths`` as a :class:`Record`, sorted by relative path.

    With ``cache``, unchanged files come from the index and the index is updated. ``workers``
    is the number of parsing processes (default: :func:`default_workers` when there are at
    least :data:`PARALLEL_MIN_FILES` files to parse, else none). ``progress(done, total)`` is
    called as files are parsed (``total`` counts only the files that need parsing, as far
    as the walk of the folder has found them: it may grow while parsing starts).
    """
    result = Scan(config)
    started_ns = time.time_ns()
    stored: _Columns | None = None
    read_token = None
    if cache:
        read_token = index_token(config)
        stored, result.cache = _read_columns(config)
        if index_token(config) != read_token:
            read_token = None  # replaced while being read: which one was read is unknown
    found: list[Found] = []
    entries: dict[str, Entry] = {}  # parsed, re-hashed or narrowed, by relative path
    unchanged: list[tuple[int, str]] = []  # (position in ``stored``, path) of the entries reused as they are
    # Entries served with their problems filtered to this scan's selection (made under a
    # wider one), by relative path: the index keeps them as they are (their position).
    narrowed: dict[str, int] = {}
    position = dict(zip(stored.relpaths, range(len(stored)), strict=True)) if stored is not None else {}
    as_stored = _served_as_stored(stored, config) if stored is not None else set()

    def to_parse_of(batch: list[Found]) -> list[Found]:
        """The files of ``batch`` that need parsing; the others are taken from the index."""
        found.extend(batch)
        if stored is None:
            return batch
        keys, flags, chosen, selections = stored.keys, stored.flags, stored.chosen, stored.selections
        out: list[Found] = []
        for item in batch:
            i = position.get(item.relpath)
            # A link or special file has no key (always re-read); no regular file has the
            # key stored for those.
            if i is None or not item.key or not keys.startswith(item.key, i * 32):
                out.append(item)
                continue
            wanted = None  # the stored entry serves as it is
            if chosen[i] not in as_stored:
                serves = _serves(selections[chosen[i]], config, item.relpath)
                if serves is False:
                    out.append(item)  # made under a narrower selection: rules this one wants never ran
                    continue
                if type(serves) is frozenset:
                    wanted = serves
            if not flags[i] & 1:
                if wanted is None:
                    unchanged.append((i, item.path))
                else:
                    entries[item.relpath] = _narrowed(stored.entry(i), wanted)
                    narrowed[item.relpath] = i
                    result.reused += 1
            else:
                entry = stored.entry(i)
                fingerprint = _unpack_fingerprint(entry[4])
                if fingerprint is not None and _sha256_of(item.path) == fingerprint.sha256:
                    _, mtime, ctime, _ = struct.unpack("<4q", item.key)
                    if max(mtime, ctime) < started_ns - RACY_WINDOW_NS:
                        entry = (*entry[:2], entry[2] & ~1, *entry[3:])  # no longer racy
                    if wanted is not None:
                        entry = _narrowed(entry, wanted)
                        narrowed[item.relpath] = i
                    entries[item.relpath] = entry
                    result.verified += 1
                else:
                    out.append(item)
        return out

    # Walk until enough files need parsing to make workers worth starting; then the rest
    # of the walk feeds them as it goes (parsing starts before the walk ends).
    batches = walk_batches(paths, config, ordered=False)
    to_parse: list[Found] = []
    may_fork = workers is None or workers > 1
    walking = False
    for batch in batches:
        to_parse += to_parse_of(batch)
        if may_fork and len(to_parse) >= PARALLEL_MIN_FILES:
            walking = True
            break
    if workers is None:
        workers = default_workers() if len(to_parse) >= PARALLEL_MIN_FILES else 0
    source: Iterable[Found] = to_parse
    if walking:
        if workers > 1:

            def rest() -> Iterator[Found]:  # runs in the worker pool's feeding thread
                for batch in batches:
                    more = to_parse_of(batch)
                    to_parse.extend(more)
                    yield from more

            source = chain(to_parse[:], rest())
        else:  # one core: finish the walk here and parse here
            for batch in batches:
                to_parse += to_parse_of(batch)
    result.workers = workers if workers > 1 else 0
    total = len(to_parse)  # grows while the walk feeds the workers
    done = 0
    for done, entry in enumerate(_in_workers(_parse_chunk, source, config, started_ns, workers, ordered=False), 1):
        entries[entry[0]] = entry
        if progress is not None and (done % 256 == 0 or done >= total):
            progress(done, max(done, total))
    result.parsed = done
    result.reused += len(unchanged)
    result._stored = stored
    if not entries:
        # Everything from the index as it was (a warm run): the index is in relative-path
        # order already, so its positions give the order.
        unchanged.sort()
        result._entries = [i for i, _ in unchanged]
        result._paths = [path for _, path in unchanged]
    else:
        assert stored is not None or not unchanged
        merged: dict[str, Entry | int] = {stored.relpaths[i]: i for i, _ in unchanged} if stored is not None else {}
        merged.update(entries)
        paths_by_rel = {item.relpath: item.path for item in found}
        order = sorted(merged)
        result._paths = [paths_by_rel[rel] for rel in order]
        result._entries = [merged[rel] for rel in order]
    whole_root = any(os.path.abspath(p) == str(config.root) for p in paths)
    # Nothing parsed or re-hashed: every entry came from the index, which holds more only
    # when files are gone.
    gone = len(stored) != len(result._entries) if stored is not None else bool(result._entries)
    if stored is not None and not result.parsed and not gone and not narrowed:
        result.unchanged_index = read_token
    if cache and (result.parsed or result.verified or (whole_root and gone)):
        # A scan of part of the folder keeps the other entries; one of the whole folder
        # drops the entries of files that are gone.
        rows = result._entries
        if narrowed:
            # What this scan serves is filtered; the index keeps what the wider selection found.
            rows = [r if type(r) is int else narrowed.get(r[0], r) for r in rows]  # type: ignore[index]
        if not whole_root and stored is not None:
            kept: dict[str, Entry | int] = dict(zip(stored.relpaths, range(len(stored)), strict=True))
            kept.update(zip((stored.relpaths[r] if type(r) is int else r[0] for r in rows),  # type: ignore[index]
                            rows, strict=True))
            rows = [kept[rel] for rel in sorted(kept)]
        result.written = save_index(config, rows, stored)  # type: ignore[arg-type]
    return result
