"""The TUI's state, kept free of Textual so it can be tested and timed on its own.

A :class:`Workspace` holds one entry per article, one slim display row per article, the
edits staged on each article (nothing touches disk until a save), the marked set, the
current filter and sort. Every change to files goes through the core (``core.storage.save``).

At scale an entry is a :class:`Slim` built from the index (``core.index``): kind, problems,
fingerprint and the few display values, optionally the metadata encoded as bytes for the
filter. A whole :class:`Article` is loaded only when needed (the cursor row, the targets of
an edit) and kept while it has staged edits, so a save plans against the version edited.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from core.checks import Problem
from core.config import Config
from core.display import plural, shown_tag
from core.document import BROKEN_KINDS, Article, Fingerprint, freeze, get_path, load_article, thaw
from core.edit.ops import (
    AddItem,
    DeleteKey,
    Edit,
    EditError,
    RemoveItem,
    ReplaceItem,
    ReplaceText,
    SetValue,
    apply_to_data,
    describe_edit,
    touched_fields,
)
from core.index.records import DISPLAY_KEYS
from tui import freeze_long_lived, glibc
from tui.view import NEWS_VIEW, TERMS_SEPARATOR, ListView, flag_letter

if TYPE_CHECKING:
    from core import query as core_query

# core.query (~30 ms to import) is imported where first used: filters come after the first
# screen, which must be up within half a second of launch.

SORTS = ("date", "title", "source", "problems")
SENTIMENTS = ("POSITIVE", "NEUTRAL", "NEGATIVE")
TAGS: tuple[str, ...] = ("tags",)
SENTIMENT: tuple[str, ...] = ("sentiment",)
DRAFT: tuple[str, ...] = ("draft",)

# A date the list can sort by: a real month and day first (a "2025-13-45" goes with the
# undated rows, not above every real date).
_DATE = re.compile(r"\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)")


def day_of(date: str) -> str:
    """The day of a row's date ("2025-11-04T08:00:00Z" -> "2025-11-04"); other text, an
    impossible date included, as the file says it."""
    return date[:10] if _DATE.match(date) else date



class Row(NamedTuple):
    """What the list draws for one article (slim: a few short strings): the fields of a row.

    A row itself is a plain tuple in this order, read by position (``row[COL_TITLE]``;
    ``Row._make(row)`` names them): the saved list stores rows as they are and the next start
    uses them without making 50,000 ``Row`` instances (~30 ms of the half second a warm
    start has), and saving them needs no copy (``marshal`` stores no tuple subclass)."""

    status: str  # "error" | "warning" | "clean" | "raw" | "broken"
    sentiment: str
    draft: bool | None
    date: str  # what the file says ("2025-11-04T08:00:00Z": the list shows the day), "" when absent
    source: str
    title: str
    tags: str
    problems: int


# A row's fields by position (Row's order; tests/test_tui_model.py checks they agree).
COL_STATUS, COL_SENTIMENT, COL_DRAFT, COL_DATE, COL_SOURCE, COL_TITLE, COL_TAGS, COL_PROBLEMS = range(8)
# A row as the list holds it: a plain tuple of Row's fields.
PlainRow = tuple[str, str, "bool | None", str, str, str, str, int]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Tags repeat across thousands of articles: each spelling is made visible once (row_of runs
# for every row at start-up).
_shown_tag = functools.lru_cache(maxsize=4096)(shown_tag)


def _tags_cell(tags: Any) -> str:
    """The list's tags cell: each tag of a list as every tag list shows it (``⟨empty⟩``,
    ``"␠REGULATIONS"``), so an empty or spaced tag is not an invisible gap between commas."""
    if not isinstance(tags, list | tuple):
        return _text(tags)
    return ", ".join([_shown_tag(t) if type(t) is str else shown_tag(t) for t in tags])


def status_of(article: Article, problems: Sequence[Problem] | None = None) -> str:
    """The list's status mark for an article (with ``problems`` instead of its own: those
    of its staged edits, see :meth:`Workspace.check_staged`)."""
    if article.kind == "raw":
        return "raw"
    problems = article.problems if problems is None else problems
    if article.kind in BROKEN_KINDS:
        # A file whose reading problems the configuration ignores (a site's template, as
        # `copydesk init` exempts them) passes `check`: the list must not call it broken.
        return "broken" if problems else "clean"
    if any(p.severity == "error" for p in problems):
        return "error"
    if problems:
        return "warning"
    return "clean"


def unread_note(article: Article) -> str:
    """The list's note for a file with no usable metadata and no problem to show."""
    if article.kind in BROKEN_KINDS:
        return "front matter not read (its problems are ignored here)"
    return article.kind


def row_of(entry: Entry, view: ListView = NEWS_VIEW) -> PlainRow:
    """The display row of an entry as loaded (no staged edits), with ``view``'s columns."""
    if type(entry) is not Slim or entry.display is None or view is not NEWS_VIEW:
        return make_row(entry, Workspace._entry_data(entry), None, view)  # type: ignore[arg-type]
    # The same as make_row over display_data, without building a mapping: 50,000 at start.
    title, published, source, _, sentiment, draft, tags = entry.display
    date = _text(published)  # the very string the entry holds: no copy
    tag_text = _tags_cell(tags)
    if type(title) is not str or not title.strip():
        title = entry.relpath
    return (
        status_of(entry),  # type: ignore[arg-type]
        _share(_text(sentiment).upper()),
        draft if type(draft) is bool else None,
        date,
        _text(source),
        title.strip(),
        tag_text,
        len(entry.problems),
    )


def make_row(article: Article, data: Mapping[str, Any] | None, problems: Sequence[Problem] | None = None,
             view: ListView = NEWS_VIEW) -> PlainRow:
    """The display row of ``article`` showing ``data`` (its staged metadata) and
    ``problems`` (those of its staged edits; default: its own), with ``view``'s columns."""
    if view is not NEWS_VIEW:
        return _view_row(article, data, problems, view)
    date = _text(get_path(data, "publishedAt"))
    source = get_path(data, "source.name")
    if source is None:
        raw_source = get_path(data, "source")
        source = raw_source if isinstance(raw_source, str) else None
    tag_text = _tags_cell(get_path(data, "tags"))
    if article.kind in BROKEN_KINDS or article.kind == "raw":
        # A file with no usable metadata shows its first problem where the tags would be.
        first = article.problems[0] if article.problems else None
        tag_text = f"{first.code} {first.message}" if first else unread_note(article)
    draft = get_path(data, "draft")
    title = get_path(data, "title")
    if not isinstance(title, str) or not title.strip():
        title = article.relpath
    return (
        status_of(article, problems),
        _text(get_path(data, "sentiment")).upper(),
        draft if isinstance(draft, bool) else None,
        date,
        _text(source),
        title.strip(),
        tag_text,
        len(article.problems if problems is None else problems),
    )



# A taxonomy's terms repeat across thousands of articles: each shown once (~0.3 s less at
# 50,000 rows; only strings are cached, a hostile list's mapping is shown each time).
_shown_term = lru_cache(maxsize=8192)(shown_tag)


def _field(data: Mapping[str, Any], name: str) -> Any:
    return data.get(name) if "." not in name else get_path(data, name)


def _view_row(article: Article, data: Mapping[str, Any] | None, problems: Sequence[Problem] | None,
              view: ListView) -> PlainRow:
    """:func:`make_row` for a view other than the news one: each slot from the field the
    view names (see :class:`tui.view.ListView`); the flags slot holds one cell per boolean."""
    if data is None:
        data = {}
    cells = []
    for name in (view.enum, view.date, view.text):
        value = _field(data, name) if name else None
        cells.append(value if type(value) is str else "" if value is None or isinstance(value, Mapping | list | tuple)
                     else _text(value))
    parts = []
    for name in view.terms:
        terms = _field(data, name)
        if type(terms) is list or type(terms) is tuple:
            parts.append(", ".join([_shown_term(t) if type(t) is str else shown_tag(t) for t in terms]))
        elif terms is None or isinstance(terms, Mapping):
            parts.append("")
        else:
            parts.append(shown_tag(terms))
    while parts and not parts[-1]:
        parts.pop()
    terms_text = TERMS_SEPARATOR.join(parts)
    if article.kind in BROKEN_KINDS or article.kind == "raw":
        first = article.problems[0] if article.problems else None
        terms_text = f"{first.code} {first.message}" if first else unread_note(article)
    flags = "".join([flag_letter(name) if _field(data, name) is True else " " for name in view.flags])
    title = _field(data, view.title)
    if not isinstance(title, str) or not title.strip():
        title = article.relpath
    return (
        status_of(article, problems),
        cells[0],
        flags,  # type: ignore[return-value] - a string of cells, not news' bool
        cells[1],
        cells[2],
        title.strip(),
        terms_text,
        len(article.problems if problems is None else problems),
    )


DISPLAY_FIELDS = frozenset(DISPLAY_KEYS)


class Slim:
    """An article as the index knows it: enough for its row and for filters on its kind,
    problems and draft flag. ``values`` holds the exact values of the top-level keys read for
    filters (:attr:`Workspace.loaded_keys`); the whole :class:`Article` is loaded only on
    demand (:meth:`Workspace.full`)."""

    __slots__ = ("key", "relpath", "kind", "problems", "fingerprint", "display", "values")

    def __init__(
        self,
        key: str,
        relpath: str,
        kind: str,
        problems: tuple[Problem, ...],
        fingerprint: Fingerprint | None,
        display: tuple[Any, ...] | None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        self.key = key  # the absolute path as a string (a Path object each costs ~0.5 KB)
        self.relpath = relpath
        self.kind = kind
        self.problems = problems
        self.fingerprint = fingerprint
        self.display = display  # core.index.Display values, None without readable front matter
        self.values = values  # some top-level keys of the metadata, read-only, exact

    @classmethod
    def from_record(cls, record: Any) -> Slim:
        """From a ``core.index.Record``."""
        # Enums, names and tags repeat across thousands of articles: one string each (~0.4 KB
        # an article). The display values are dropped once the filter values are read.
        display = record.display
        if display is not None:
            title, published, source, category, sentiment, draft, tags = display
            if type(tags) is tuple:
                try:  # every tag a string (the rule): shared at C speed (64 -> 40 ms at 50,000)
                    tags = tuple(map(sys.intern, tags))
                except TypeError:
                    tags = tuple([_share(t) for t in tags])
            else:
                tags = _share(tags)
            display = (title, published, _share(source), _share(category), _share(sentiment), draft, tags)
        return cls(record.path, record.relpath, record.kind, record.problems, record.fingerprint, display)

    @property
    def path(self) -> Path:
        return Path(self.key)

    @property
    def display_data(self) -> dict[str, Any] | None:
        """The display values as metadata (only the keys the index keeps; a partial view)."""
        display = self.display
        if display is None:
            if self.values is None:
                return None
            from core.index import display_of

            display = display_of(self.values)  # the values read for filters include these keys
        return {k: v for k, v in zip(DISPLAY_KEYS, display, strict=True) if v is not None}

    @property
    def tags(self) -> Any:
        """The ``tags`` value as loaded (what ``display_data`` or ``values`` hold for it),
        without building either mapping: counting tags over 50,000 articles reads this."""
        if self.display is not None:
            return self.display[6]
        return None if self.values is None else self.values.get("tags")

    @property
    def meta(self) -> Mapping[str, Any] | None:
        """The metadata keys read for filters (``values``), else the partial display view.

        Only partial: a filter reading other keys waits for :meth:`Workspace.attach_metadata`
        (see :func:`needed_keys`)."""
        if self.values is None:
            return self.display_data
        return self.values

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    def body(self) -> str:
        """The body as on disk now, as :meth:`core.document.Article.body` reads it
        (``is:contradicted`` scores it)."""
        from core.document import read_body

        return read_body(Path(self.key))

    @property
    def editable(self) -> bool:
        return self.kind == "front-matter" and (self.display is not None or self.values is not None)

    @property
    def title(self) -> str:
        value = (self.display_data or {}).get("title")
        return value if isinstance(value, str) else ""


Entry = Article | Slim


# -- the list view kept beside the index ------------------------------------------------------

LIST_VIEW = "tui-list"  # the name of the view in core.index.save_view / load_view
_VIEW_VERSION: str | None = None


def list_view_version() -> str:
    """The format of the saved list: rows are built by this module, so its code is the key."""
    global _VIEW_VERSION
    if _VIEW_VERSION is None:
        _VIEW_VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    return _VIEW_VERSION


def view_payload(scope: Sequence[str], entries: Sequence[Slim], rows: Sequence[PlainRow]) -> tuple[Any, ...]:
    """What the saved list holds: the folders opened, each row's path and kind, the display
    rows (see :class:`Row`), and the default (newest first) order, so the next start paints
    without sorting."""
    order = sort_indices(list(range(len(rows))), "date", rows)
    # The paths in one string (NUL never occurs in a path): decoding 50,000 separate strings
    # cost ~8 ms of the first screen, and nothing reads a path before the first paint.
    paths = "\0".join(e.relpath for e in entries)
    return (list(scope), paths, [e.kind for e in entries], list(rows), order)


class ProvisionalEntries(Sequence[Slim]):
    """The entries of a restored list, each built when first asked for (building 50,000 up
    front costs ~40 ms of the half second the first screen has). They carry only path and
    kind: a scan must follow before they are trusted for filters or edits
    (:attr:`Workspace.provisional`)."""

    def __init__(self, prefix: str, paths: str, kinds: list[str]) -> None:
        self._prefix = prefix
        self._paths = paths  # the relative paths joined by NUL, split when first needed
        self._split: list[str] | None = None if kinds else []
        self._kinds = kinds
        self._built: dict[int, Slim] = {}

    @property
    def _relpaths(self) -> list[str]:
        if self._split is None:
            self._split = self._paths.split("\0")  # two threads racing here make equal lists
        return self._split

    def __len__(self) -> int:
        return len(self._kinds)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - int or slice, as a list takes
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        entry = self._built.get(index)
        if entry is None:
            rel = self._relpaths[index]
            key = rel if rel.startswith("/") else self._prefix + rel
            entry = self._built[index] = Slim(key, rel, self._kinds[index], (), None, None)
        return entry

    def relpath(self, index: int) -> str:
        """The relative path of entry ``index`` (without building the entry)."""
        return self._relpaths[index]


def restore_view(config: Config, scope: Sequence[str], payload: Any) -> tuple[ProvisionalEntries, list[PlainRow], list[int]] | None:
    """Provisional entries, rows and date order from a saved list (None when it is of other
    folders or malformed)."""
    try:
        stored_scope, paths, kinds, rows, order = payload
        # The paths are not counted here (~3 ms): the list was written whole by this very
        # code (its version) and authenticated, so they are as many as the kinds.
        if stored_scope != list(scope) or type(paths) is not str or not len(kinds) == len(rows) == len(order):
            return None
        if rows and set(map(len, rows)) != {len(Row._fields)}:
            return None
        root = str(config.root)
        return ProvisionalEntries(root if root.endswith("/") else root + "/", paths, kinds), rows, order
    except (TypeError, ValueError):
        return None


def path_key(entry: Entry) -> str:
    """The absolute path of an entry as a string (the workspace's key for it)."""
    return entry.key if type(entry) is Slim else str(entry.path)

@dataclass(frozen=True)
class StageResult:
    """What one staging action did: how many articles changed, which were refused and why."""

    changed: int = 0
    unchanged: int = 0
    refused: tuple[tuple[str, str], ...] = ()  # (relpath, reason)

    def summary(self, what: str) -> str:
        """``what`` names the action (``add tag 'ASIA'``), not its outcome: when every
        article refuses it, a past tense would say it was done."""
        parts = [f"{what}: {plural(self.changed, 'article')} changed"]
        if self.unchanged:
            parts.append(f"{self.unchanged} already so")
        if self.refused:
            parts.append(f"{len(self.refused)} not editable ({self.refused[0][0]}: {self.refused[0][1]})")
        return ", ".join(parts)


@dataclass
class FilterError(Exception):
    """A filter text that is not a valid query."""

    message: str
    position: int | None = None

    def __str__(self) -> str:
        return self.message

    @classmethod
    def of(cls, exc: core_query.QueryError) -> FilterError:
        # Not "(in 'term')": the query is in the box just above, and the line has two rows.
        return cls(f"column {exc.position}: {exc.reason}", exc.position)


def compile_filter(text: str, known_fields: Iterable[str], schema: dict[str, Any] | None = None) -> core_query.Query | None:
    """The compiled query for the filter box text (None: show everything); raises FilterError.
    With ``schema``, a value no valid article can hold (``sentiment:negativ``) is an error."""
    text = text.strip()
    if not text:
        return None
    from core import query as core_query

    try:
        compiled = core_query.compile(text, frozenset(known_fields), schema=schema)
    except core_query.QueryError as exc:
        raise FilterError.of(exc) from None
    return None if compiled.is_empty else compiled


# Filters answered from the index alone: kind and problems are exact there.
# (``is:draft`` is ``draft: true``, a scalar the index keeps exactly.)
_RECORD_STATES = frozenset({"raw", "invalid", "draft", "dirty", "marked"})
COMMON_KEYS = ("title", "description", "publishedAt", "source", "category", "sentiment", "draft", "tags", "lang")


def needed_keys(query: core_query.Query | None) -> frozenset[str]:
    """The top-level metadata keys ``query`` reads beyond what the index's records answer."""
    return frozenset() if query is None else query.keys_read(_RECORD_STATES)


def folder_schema(config: Config) -> dict[str, Any] | None:
    """The folder's schema as data (None when it cannot be read: the articles' own fields
    still count, and values are not checked against it)."""
    from core.schema import SchemaError, load_schema  # core.query costs ~26 ms to import

    try:
        return load_schema(config, compiled=False)
    except SchemaError:
        return None


def schema_fields(schema: dict[str, Any] | None) -> frozenset[str]:
    """Field names ``schema`` declares."""
    from core.schema import known_fields

    return frozenset(known_fields(schema)) if schema is not None else frozenset()


def _sort_key(sort: str, rows: Sequence[PlainRow], relpaths: Callable[[int], str]) -> Callable[[int], Any]:
    if sort == "title":
        # An article without a title shows its path instead: those go last.
        return lambda i: (rows[i][COL_TITLE] in ("", relpaths(i)), rows[i][COL_TITLE].casefold())
    if sort == "source":
        return lambda i: (rows[i][COL_SOURCE] == "", rows[i][COL_SOURCE].casefold())
    if sort == "problems":
        rank = {"broken": 0, "raw": 1, "error": 2, "warning": 3, "clean": 4}
        return lambda i: (rank[rows[i][COL_STATUS]], -rows[i][COL_PROBLEMS])
    raise ValueError(sort)


def sort_indices(indices: list[int], sort: str, rows: Sequence[PlainRow],
                 relpaths: Callable[[int], str] = lambda i: "") -> list[int]:
    """``indices`` ordered by ``sort`` (ties keep path order). ``relpaths(i)``: article
    ``i``'s relative path (its title when it has none: sorted by title, those go last)."""
    if sort == "date":
        # Newest first, to the second when the dates say it (ISO text sorts as time does);
        # articles without a usable date (absent, "Saturday night", "2025-13-45") go last.
        dated = [i for i in indices if _DATE.match(rows[i][COL_DATE])]
        dated.sort(key=lambda i: rows[i][COL_DATE], reverse=True)
        undated = [i for i in indices if not _DATE.match(rows[i][COL_DATE])]
        return dated + undated
    return sorted(indices, key=_sort_key(sort, rows, relpaths))


@dataclass(slots=True, eq=False)
class ArticleState:
    """Everything the workspace holds for one article, in one place: the workspace keeps one
    per article in one list, so dropping or reordering articles moves all of it at once.
    Compared by identity (undo steps are keyed by the state itself, never by a position)."""

    entry: Entry  # the index's Slim, or the whole Article (pinned: the version an edit is made on)
    row: PlainRow  # what the list draws: the entry with its staged edits
    edits: tuple[Edit, ...] = ()  # staged, not saved yet (empty: not dirty)
    # The staged edits as last checked, with the problems the file would have once saved
    # with them (None: not checkable): see Workspace.check_staged.
    check: tuple[tuple[Edit, ...], tuple[Problem, ...] | None] | None = None
    marked: bool = False
    whole: Article | None = None  # loaded for the reader and editor (one of the few recent ones)
    data: Mapping[str, Any] | None = None  # the metadata with the edits applied (a cache)


class ProvisionalStates(Sequence[ArticleState]):
    """The states of a restored list, each built when first asked for (see
    :class:`ProvisionalEntries`: building 50,000 up front costs tens of milliseconds of the
    first screen); ``rows`` are the saved rows as they are."""

    def __init__(self, entries: ProvisionalEntries, rows: list[PlainRow]) -> None:
        self.entries = entries
        self.rows = rows
        self._built: dict[int, ArticleState] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - int or slice, as a list takes
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        state = self._built.get(index)
        if state is None:
            state = self._built[index] = ArticleState(self.entries[index], self.rows[index])
        return state


class _Column(Sequence[Any]):
    """One attribute of every article's state, by position (``Workspace.articles``,
    ``Workspace.rows``): a read-only view, nothing copied."""

    __slots__ = ("_states", "_get")

    def __init__(self, states: Callable[[], Sequence[ArticleState]], name: str) -> None:
        self._states = states
        self._get = attrgetter(name)

    def __len__(self) -> int:
        return len(self._states())

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - int or slice, as a list takes
        if isinstance(index, slice):
            return list(map(self._get, self._states()[index]))
        return self._get(self._states()[index])

    def __iter__(self) -> Iterator[Any]:
        return map(self._get, self._states())

    def __eq__(self, other: object) -> bool:
        """Equal to a list or view holding the same items, as a list is."""
        if isinstance(other, _Column | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a view of mutable state, like a list


class _Staged(Mapping[int, tuple[Edit, ...]]):
    """The staged edits by article position (a read-only view of the states)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def __getitem__(self, index: int) -> tuple[Edit, ...]:
        if not isinstance(index, int) or not 0 <= index < len(self._ws.states):
            raise KeyError(index)
        edits = self._ws.states[index].edits
        if not edits:
            raise KeyError(index)
        return edits

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and 0 <= index < len(self._ws.states) and bool(self._ws.states[index].edits)

    def __iter__(self) -> Iterator[int]:
        return iter(self._ws.dirty)

    def __len__(self) -> int:
        return self._ws.staged_count


class _Marked(Set[int]):
    """The marked article positions (a read-only view of the states)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and 0 <= index < len(self._ws.states) and self._ws.states[index].marked

    def __iter__(self) -> Iterator[int]:
        return iter(self._ws.marked_indices())

    def __len__(self) -> int:
        return self._ws.marked_count


@dataclass
class Workspace:
    """Loaded articles (one :class:`ArticleState` each, in ``states``), staged edits, marks
    and the current view. ``articles``, ``rows``, ``staged`` and ``marked`` are read-only
    views of the states by position."""

    config: Config
    view: ListView = NEWS_VIEW  # the list's columns (tui.view.list_view)
    states: list[ArticleState] = field(default_factory=list)
    sort: str = "date"
    query: str = ""
    visible: list[int] = field(default_factory=list)
    history: list[dict[ArticleState, tuple[Edit, ...]]] = field(default_factory=list)  # undo steps: the edits before
    _by_path: dict[str, int] = field(default_factory=dict)  # position by path_key()
    _fields: set[str] = field(default_factory=set)
    version: int = 0  # bumped whenever a row changes (keys the caches below)
    _cache: dict[str, tuple[int, Any]] = field(default_factory=dict)
    content: int = 0  # bumped whenever an article's on-disk version changes (keys the query index)
    _index: tuple[int, core_query.QueryIndex] | None = None
    _index_lock: threading.Lock = field(default_factory=threading.Lock)
    _dupes: tuple[int, Any] | None = None  # (content, core.dupes.Report) of the folder
    _dupes_lock: threading.Lock = field(default_factory=threading.Lock)
    _recent: dict[ArticleState, None] = field(default_factory=dict)  # states holding `whole`, most recent last
    loaded_keys: frozenset[str] = frozenset()  # top-level keys every Slim holds exactly
    provisional: bool = False  # entries restored from a saved list, not yet checked against the folder
    staged_count: int = 0  # states with edits
    marked_count: int = 0  # marked states
    # What the command line's value and tag checks said of a value, by (field, value): a
    # bulk edit stages one value on thousands of articles.
    _judged: dict[tuple[Any, ...], tuple[Problem, ...]] = field(default_factory=dict)
    # What git says of the articles, by relpath (core.git.status.FileState; clean files absent).
    # Held apart from the rows, which are saved with the list view: it changes with every commit.
    git: Mapping[str, Any] = field(default_factory=dict)
    # Sentiment suggestions by what they were made from (file version, title, description).
    _suggested: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    LOADED_KEEP = 16  # whole articles kept for the reader and editor besides the staged ones

    @property
    def articles(self) -> Sequence[Entry]:
        """Every article's entry by position."""
        return _Column(lambda: self.states, "entry")

    @property
    def rows(self) -> Sequence[PlainRow]:
        """Every article's display row by position (what the list widget draws)."""
        return _Column(lambda: self.states, "row")

    @property
    def staged(self) -> Mapping[int, tuple[Edit, ...]]:
        """The staged edits by position."""
        return _Staged(self)

    @property
    def marked(self) -> Set[int]:
        """The marked positions."""
        return _Marked(self)

    def _row_list(self) -> Sequence[PlainRow]:
        """Every row, as a list to read by position in a tight loop (sorting)."""
        states = self.states
        if isinstance(states, ProvisionalStates):
            return states.rows  # not edited while provisional
        return [s.row for s in states]

    # -- loading ---------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Entry], rows: Sequence[PlainRow] | None = None) -> None:
        """Append newly loaded articles with their rows (built here unless given: see
        :func:`row_of`, which a loading thread can run)."""
        articles = list(articles)
        if rows is None:
            view = self.view
            rows = [row_of(a, view) for a in articles]
        by_path = self._by_path
        start = len(self.states)
        for offset, article in enumerate(articles):
            by_path[path_key(article)] = start + offset
            if type(article) is Slim:
                if article.display is not None:
                    self._fields.update(DISPLAY_FIELDS)  # what the index shows; the rest comes with the metadata
            else:
                self._note_fields(article.meta)
        self.states.extend(map(ArticleState, articles, rows))
        self.version += 1
        self.content += 1

    def restore(self, entries: ProvisionalEntries, rows: list[PlainRow], order: list[int]) -> None:
        """Show a saved list at once (see :func:`restore_view`) until :meth:`set_records`
        brings the checked entries. Meanwhile paths are not indexed (:meth:`index_of`)."""
        self.states = ProvisionalStates(entries, rows)  # type: ignore[assignment]
        self._fields.update(DISPLAY_FIELDS)
        self.version += 1
        self.content += 1
        self._cache["order:date"] = (self.version, order)
        self.provisional = True

    def same_entries(self, records: Sequence[Any]) -> bool:
        """Whether ``records`` (a fresh scan) match the entries drawn (see :func:`same_entries`)."""
        return same_entries(records, self.articles)

    def set_records(self, entries: Sequence[Slim], rows: Sequence[PlainRow] | None = None) -> None:
        """Replace the list by ``entries`` (a fresh scan of the folder).

        Articles with staged edits keep their whole loaded version (what the edits were made
        on; a save compares it with the disk), marks follow their paths, and so do the states
        the undo history holds.
        """
        old = self.states
        if self.provisional:
            built = old._built.values() if isinstance(old, ProvisionalStates) else old
            carried = {path_key(s.entry): s for s in built if s.edits or s.marked}
        else:
            carried = {path_key(s.entry): s for s in old if s.edits or s.marked}
        in_history = {s for step in self.history for s in step}
        carried.update((path_key(s.entry), s) for s in in_history)
        self.loaded_keys = frozenset()
        self.provisional = False
        self.states = []
        self._by_path.clear()
        self._recent.clear()
        self.add_articles(entries, rows)  # staged rows are rebuilt below
        states = self.states
        kept: set[ArticleState] = set()
        for key, before in carried.items():
            index = self._by_path.get(key)
            if index is None:
                continue
            fresh = states[index]
            if not before.edits:  # the new version (an undo step or a mark only)
                before.entry, before.row = fresh.entry, fresh.row
            elif isinstance(before.entry, Article):
                self._note_fields(before.entry.meta)
            before.whole = before.data = None
            states[index] = before
            kept.add(before)
        self.history[:] = [h for h in ({s: e for s, e in step.items() if s in kept} for step in self.history) if h]
        self._recount()
        self.visible = [i for i in self.visible if i < len(states)]
        for index in self.dirty:
            self._refresh(index)

    def _recount(self) -> None:
        self.staged_count = sum(1 for s in self.states if s.edits)
        self.marked_count = sum(1 for s in self.states if s.marked)

    def attach_metadata(self, loaded: Mapping[str, Slim | Mapping[str, Any] | None], fields: Iterable[str] = (),
                        keys: Iterable[str] = ()) -> int:
        """Give the entries the values of ``keys`` (by path key: the values, or a whole new
        :class:`Slim` for a file that changed since its row was drawn, which then shows the
        new version). Returns how many rows changed."""
        changed = 0
        states = self.states
        for key, fresh in loaded.items():
            index = self._by_path.get(key)
            if index is None:
                continue
            state = states[index]
            current = state.entry
            if isinstance(current, Article):
                continue  # loaded whole (staged): already exact
            if isinstance(fresh, Slim):
                state.entry = fresh
                self._forget_whole(state)
                state.row = make_row(fresh, fresh.display_data if self.view is NEWS_VIEW else fresh.meta, None, self.view)
                changed += 1
            else:
                current.values = fresh
                current.display = None  # the values hold the same keys, exactly
                if self.view is not NEWS_VIEW and not state.edits:
                    # The index's display values hold the news fields only: this view's
                    # columns show once the values are read.
                    row = make_row(current, fresh, None, self.view)
                    if row != state.row:
                        state.row = row
                        changed += 1
        self._fields.update(fields)
        # Entries the loader did not see (a file gone meanwhile): load them whole.
        for index, state in enumerate(states):
            entry = state.entry
            if isinstance(entry, Slim) and entry.values is None and entry.display is not None:
                state.entry = load_article(entry.path, self.config, entry.relpath)
                self._refresh(index)
                changed += 1
        self.loaded_keys = frozenset(keys)
        self.version += 1
        self.content += 1
        return changed

    def note_values(self, names: Iterable[str], keys: Iterable[str]) -> None:
        """Every entry holds the exact values of ``keys`` (entries streamed in with them,
        see :class:`tui.messages.RowsStreamed`); their field names are among ``names``."""
        self._fields.update(names)
        self.loaded_keys = frozenset(keys)

    def has_keys(self, keys: Iterable[str]) -> bool:
        """Whether filters on these top-level keys see exact values for every article."""
        return all(k in self.loaded_keys for k in keys)

    def _forget_whole(self, state: ArticleState) -> None:
        state.whole = None
        self._recent.pop(state, None)

    def full(self, index: int) -> Article:
        """The whole article (loaded from disk when only its index record is at hand).

        When the file changed since its row was drawn, the row shows the new version.
        """
        state = self.states[index]
        entry = state.entry
        if isinstance(entry, Article):
            return entry
        article = state.whole
        if article is None:
            article = state.whole = load_article(entry.path, self.config, entry.relpath)
        recent = self._recent
        recent.pop(state, None)
        recent[state] = None  # most recent last
        while len(recent) > self.LOADED_KEEP:
            oldest = next(iter(recent))
            self._forget_whole(oldest)
        if article.fingerprint != entry.fingerprint or article.kind != entry.kind:
            self.pin([index])
        return article

    def pin(self, indices: Iterable[int]) -> None:
        """Keep whole versions of these articles (the targets of an edit), loading them across
        worker processes when there are many."""
        states = self.states
        wanted = [i for i in indices if not isinstance(states[i].entry, Article)]
        if not wanted:
            return
        loaded = {i: states[i].whole for i in wanted if states[i].whole is not None}
        missing = [i for i in wanted if i not in loaded]
        if missing:
            from core.index import PARALLEL_MIN_FILES, load_articles

            if len(missing) >= PARALLEL_MIN_FILES:
                by_path = {a.path: a for a in load_articles([states[i].entry.path for i in missing], self.config)}
            else:
                by_path = {}
            for i in missing:
                entry = states[i].entry
                loaded[i] = by_path.get(entry.path) or load_article(entry.path, self.config, entry.relpath)
        for i, article in loaded.items():
            state = states[i]
            before = state.entry
            self._forget_whole(state)
            state.entry = article  # type: ignore[assignment]
            if article.fingerprint != before.fingerprint or article.kind != before.kind:  # type: ignore[union-attr]
                self.content += 1
            self._refresh(i)

    def _note_fields(self, meta: Mapping[str, Any] | None) -> None:
        note_fields(meta, self._fields)

    @property
    def known_fields(self) -> frozenset[str]:
        """Every field name (dotted one level deep) seen in the folder."""
        return frozenset(self._fields)

    def index_of(self, path: Path | str) -> int | None:
        """The index of the article at ``path`` (absolute; a string needs no Path made)."""
        return self._by_path.get(str(path))

    def replace_article(self, index: int, article: Article, keep_edits: bool) -> None:
        """Swap in a freshly loaded version; staged edits are kept only when asked."""
        state = self.states[index]
        state.entry = article
        self._forget_whole(state)
        self.content += 1
        self._note_fields(article.meta)
        if not keep_edits:
            self._set_edits(state, ())
            for step in self.history:
                step.pop(state, None)
            self.history = [step for step in self.history if step]
        self._refresh(index)

    def remove_articles(self, indices: Iterable[int]) -> None:
        """Drop the entries of files that are gone from the folder. Everything held for an
        article goes with its state; the undo history and the view forget them (the list
        is changed in place, the view re-keyed: positions moved up)."""
        gone = set(indices)
        if not gone:
            return
        removed = {self.states[i] for i in gone}
        keep = [i for i in range(len(self.states)) if i not in gone]
        new_of = {old: new for new, old in enumerate(keep)}
        self.states[:] = [s for s in self.states if s not in removed]
        for state in removed:
            self._recent.pop(state, None)
        for step in self.history:
            for state in removed.intersection(step):
                del step[state]
        self.history[:] = [step for step in self.history if step]
        self.visible[:] = [new_of[i] for i in self.visible if i in new_of]
        self._by_path.clear()
        self._by_path.update((path_key(s.entry), i) for i, s in enumerate(self.states))
        self._recount()
        self.version += 1
        self.content += 1

    def reload(self, indices: Iterable[int]) -> tuple[list[int], list[int]]:
        """Re-read files whose fingerprint changed; returns (reloaded, staged edits dropped)."""
        reloaded: list[int] = []
        dropped: list[int] = []
        for index in indices:
            old = self.states[index].entry
            fresh = load_article(old.path, self.config, old.relpath)
            if fresh.fingerprint == old.fingerprint and fresh.kind == old.kind:
                continue
            if self.states[index].edits:
                dropped.append(index)
            self.replace_article(index, fresh, keep_edits=False)
            reloaded.append(index)
        return reloaded, dropped

    def changed_on_disk(self, indices: Iterable[int] | None = None) -> list[int]:
        """Articles whose file's size, mtime or inode differ from when they were loaded."""
        changed: list[int] = []
        states = self.states
        for index in range(len(states)) if indices is None else indices:
            entry = states[index].entry
            fp = entry.fingerprint
            # An unreadable file has no fingerprint to compare with: R re-reads it anyway.
            if fp is not None and fp.stat_differs(entry.path):
                changed.append(index)
        return changed

    # -- staged data -----------------------------------------------------------------------

    @staticmethod
    def _entry_data(entry: Entry) -> Mapping[str, Any] | None:
        return entry.meta  # a Slim's: the values read for filters, else the index's display values

    def data(self, index: int) -> Mapping[str, Any] | None:
        """The metadata of an article with its staged edits applied (for an article known
        only by its index record: the display values; :meth:`full_data` has everything)."""
        state = self.states[index]
        if not state.edits:
            return self._entry_data(state.entry)
        if state.data is None:
            state.data = apply_to_data(state.entry.meta, state.edits)
        return state.data

    def full_data(self, index: int) -> Mapping[str, Any] | None:
        """All the metadata of an article with its staged edits applied (loads it if needed)."""
        if self.states[index].edits:
            return self.data(index)
        return self.full(index).meta

    def is_dirty(self, index: int) -> bool:
        return bool(self.states[index].edits)

    def is_marked(self, index: int) -> bool:
        return self.states[index].marked

    def git_letter(self, index: int) -> str:
        """The list's git mark of an article (``core.git.status.FileState.letter``), blank when clean."""
        state = self.git.get(self.states[index].entry.relpath) if self.git else None
        return state.letter if state is not None else " "

    @property
    def dirty(self) -> list[int]:
        """The positions of the articles with staged edits, in order."""
        if not self.staged_count:
            return []
        return [i for i, s in enumerate(self.states) if s.edits]

    def marked_indices(self) -> list[int]:
        """The marked positions, in order."""
        if not self.marked_count:
            return []
        return [i for i, s in enumerate(self.states) if s.marked]

    def _set_edits(self, state: ArticleState, edits: tuple[Edit, ...]) -> None:
        self.staged_count += bool(edits) - bool(state.edits)
        state.edits = edits

    def _set_mark(self, state: ArticleState, marked: bool) -> None:
        self.marked_count += marked - state.marked
        state.marked = marked

    def _refresh(self, index: int) -> None:
        state = self.states[index]
        state.data = None
        problems = None
        if not state.edits:
            state.check = None
        else:
            if state.check is not None:
                # The last check's problems: those of the edits staged before, until the new
                # ones are checked (a fraction of a second for a few articles, ~0.5 ms an article).
                problems = state.check[1]
            if state.check is None or state.check[0] != state.edits:
                # Meanwhile what the command line would refuse in the new values shows at once.
                problems = _with_new(problems if problems is not None else state.entry.problems,
                                     [p for found in self.edit_problems(index).values() for p in found])
        rewritten = _rewritten(state)
        if rewritten is not None and problems is None:
            problems = ()  # until checked: the raw article's CD101 is gone with the rewrite
        state.row = make_row(rewritten or state.entry, self.data(index), problems, self.view)  # type: ignore[arg-type]
        self.version += 1

    # -- staged values judged as the command line judges them ---------------------------------

    def edit_problems(self, index: int) -> dict[tuple[str, ...], tuple[Problem, ...]]:
        """What ``copydesk set`` and ``copydesk tag`` would refuse in the values article
        ``index``'s staged edits write (:func:`core.checks.runner.value_problems`, and
        :func:`~core.checks.runner.tag_problems` for each tag the edits add), by edited
        field. Empty when nothing is staged. Judges values alone: what depends on the whole
        article waits for :meth:`check_staged`."""
        state = self.states[index]
        if not state.edits:
            return {}
        data = self.data(index)
        original = state.entry.meta
        out: dict[tuple[str, ...], tuple[Problem, ...]] = {}
        whole = {tuple(str(part) for part in edit.field) for edit in state.edits if isinstance(edit, SetValue)}
        # a rename's value is judged under its new name (its old name is gone)
        for path in dict.fromkeys(tuple(str(part) for part in named) for edit in state.edits for named in touched_fields(edit)):
            dotted = ".".join(path)
            value = get_path(data, dotted, _ABSENT)
            if value is _ABSENT:
                continue  # a deleted field: the whole check says whether it was required
            # Items added to or removed from a list leave it a list: only its new items are
            # judged (a bulk `t` on 10,000 articles judges one tag, not 10,000 lists).
            # A taxonomy with a vocabulary (the tags always: their house style) judges its new terms.
            terms = path == TAGS or len(path) == 1 and bool(self.config.vocabularies.get(path[0]))
            found = list(self._judge(path, value)) if path != TAGS or path in whole else []
            if terms and isinstance(value, list | tuple):
                before = get_path(original, dotted)
                # Items of any kind may be in a hostile list (mappings are not hashable).
                old = {t for t in before if isinstance(t, str)} if isinstance(before, list | tuple) else set()
                for tag in dict.fromkeys(t for t in value if isinstance(t, str) and t not in old):
                    found.extend(self.term_problems(path[0], tag))
            if found:
                out[path] = tuple(found)
        return out

    def value_problems(self, path: tuple[str, ...], value: Any) -> tuple[Problem, ...]:
        """What ``copydesk set`` would refuse in ``value`` at ``path``."""
        return self._judge(path, value)

    def tag_problems(self, tag: str) -> tuple[Problem, ...]:
        """What ``copydesk tag --add`` would refuse in ``tag`` (its house form first)."""
        return self._judge(None, tag)

    def term_problems(self, taxonomy: str, term: str) -> tuple[Problem, ...]:
        """What ``copydesk tag --field TAXONOMY --add`` would refuse in ``term``."""
        return self._judge(None, term, taxonomy)

    def _judge(self, path: tuple[str, ...] | None, value: Any, taxonomy: str = "tags") -> tuple[Problem, ...]:
        """The value checks of ``value`` at ``path`` (None: a term added to ``taxonomy``)."""
        from core.checks.runner import term_problems, value_problems

        try:
            key: tuple[Any, ...] | None = (path or taxonomy, type(value), value)
            hash(key)
        except TypeError:  # a list or mapping: judged each time
            key = None
        if key is not None and key in self._judged:
            return self._judged[key]
        # Lists are held as tuples and mappings read-only: the schema wants them as parsed.
        found = tuple(term_problems(taxonomy, value, self.config) if path is None
                      else value_problems(self.config, path, thaw(value)))
        if key is not None:
            if len(self._judged) > 10_000:
                self._judged.clear()
            self._judged[key] = found
        return found

    # -- staged edits checked before they are saved ------------------------------------------

    def unchecked_staged(self) -> list[tuple[int, tuple[Edit, ...]]]:
        """The staged articles whose edits are not checked yet, with those edits."""
        states = self.states
        return [(i, states[i].edits) for i in self.dirty if states[i].check is None or states[i].check[0] != states[i].edits]

    def check_staged(self, index: int, edits: tuple[Edit, ...]) -> tuple[Problem, ...] | None:
        """The problems article ``index`` would have once ``edits`` are saved: its file as it
        is now, edited in memory as a save would, then checked like any file (None when the
        file cannot be read or the edits no longer apply: the save will say why). Reads the
        file and changes nothing: safe in a worker thread."""
        from core.document import check_text
        from core.edit.apply import EditRefused
        from core.storage.save import plan_change
        from core.text.guard import UnsafeFile

        article = self.states[index].entry
        if not isinstance(article, Article):
            return None
        try:
            new = plan_change(article, edits).new_text
        except (EditRefused, UnsafeFile, UnicodeDecodeError, OSError):  # the save will say why
            return None
        return check_text(new, self.config, article.relpath)[1]

    def set_staged_check(self, index: int, edits: tuple[Edit, ...], problems: tuple[Problem, ...] | None) -> bool:
        """Record a :meth:`check_staged` result if those edits are still the staged ones;
        the row then shows its problems. True when recorded."""
        if not 0 <= index < len(self.states):
            return False
        state = self.states[index]
        if not state.edits or state.edits != edits:
            return False
        state.check = (edits, problems)
        self._refresh(index)
        return True

    def shown(self, index: int) -> Article:
        """The whole article as the reader shows it: with the problems of its staged edits
        once they are checked."""
        article = self.editing(index)
        state = self.states[index]
        checked = state.check
        if checked is None or checked[1] is None or not state.edits:
            return article
        return replace(article, problems=checked[1])

    def editing(self, index: int) -> Article:
        """The article the editor edits: the whole article, or, when a staged text rewrite
        (an adoption) gave it front matter, that front matter in memory."""
        article = self.full(index)
        return _rewritten(self.states[index], article) or article

    def sentiment_request(self, index: int, allowed: Sequence[Any] | None = None) -> Callable[[], Any] | None:
        """The sentiment suggestion of article ``index`` (:func:`core.sentiment.suggest_for`,
        a ``Suggestion`` mapped to ``allowed``, the field's enum), as a function to call off
        the event loop: it reads the body and the first one imports vaderSentiment. What it
        reads is taken now: the staged title and description, the staged rewrite's body.
        None for an article that cannot be edited. Answers are kept per file version and text."""
        article = self.editing(index)
        if not article.editable:
            return None
        data = self.full_data(index) or {}
        title, description = data.get("title"), data.get("description")
        staged = self.staged_body(index)
        settings = self.config.sentiment
        choices = tuple(allowed) if allowed is not None else None
        key = (path_key(article), article.fingerprint, title, description, staged, choices)
        cache = self._suggested

        def compute() -> Any:
            known = cache.get(key)
            if known is None:
                from core.sentiment import suggest

                try:
                    body = staged if staged is not None else article.body()
                except OSError:  # unreadable since it was listed: no suggestion, no error
                    return None
                known = suggest(title, description, body, settings, choices)
                if len(cache) > 1000:
                    cache.clear()
                cache[key] = known
            return known

        return compute

    def has_rewrite(self, index: int) -> bool:
        """Whether article ``index`` has a staged text rewrite (``i`` adopt, ``f`` fix)."""
        return _rewrite_of(self.states[index]) is not None

    def staged_body(self, index: int) -> str | None:
        """The body a staged text rewrite gives article ``index`` (None: none staged)."""
        rewrite = _rewrite_of(self.states[index])
        if rewrite is None:
            return None
        from core.text.frontmatter import body, split_text

        return body(rewrite.new, split_text(rewrite.new))

    def can_edit(self, index: int) -> bool:
        """Whether field edits can be staged on article ``index`` (a raw article once its
        adoption is staged)."""
        state = self.states[index]
        return state.entry.editable or _rewritten(state) is not None

    def stage_rewrite(self, index: int, new_text: str, old_text: str, meta: Mapping[str, Any], what: str) -> bool:
        """Stage a whole-text rewrite of article ``index`` (adopt): see :meth:`stage_rewrites`."""
        return bool(self.stage_rewrites({index: (new_text, old_text, meta, what)}))

    def stage_rewrites(self, rewrites: Mapping[int, tuple[str, str, Mapping[str, Any], str]]) -> int:
        """Stage whole-text rewrites (adopt, fixes), one undo step: for each article, its new
        text, computed from the file's old text with every edit staged so far (which it
        replaces), the front matter it holds and what it does in words. Returns how many
        articles changed."""
        self.pin(rewrites)
        step: dict[ArticleState, tuple[Edit, ...]] = {}
        for index, (new_text, old_text, meta, what) in rewrites.items():
            if new_text == old_text:
                continue
            state = self.states[index]
            step[state] = state.edits
            self._set_edits(state, (ReplaceText(old_text, new_text, freeze(dict(meta)), what),))
            self._refresh(index)
        if step:
            self.history.append(step)
        return len(step)

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        # The version read before computing: a worker thread may compute while the list
        # changes, and its value must not be filed under the newer version.
        version = self.version
        hit = self._cache.get(name)
        if hit is not None and hit[0] == version:
            return hit[1]
        value = compute()
        self._cache[name] = (version, value)
        return value

    def targets(self, cursor: int | None) -> list[int]:
        """Marked articles (hidden ones included), else the cursor's article."""
        if self.marked_count:
            return self.marked_indices()
        return [] if cursor is None else [cursor]

    def stage(self, plans: Mapping[int, Sequence[Edit]]) -> StageResult:
        """Stage edits per article; edits that change nothing are dropped (one undo step)."""
        before: dict[ArticleState, tuple[Edit, ...]] = {}
        changed = unchanged = 0
        refused: list[tuple[str, str]] = []
        states = self.states
        # Edits are made on (and later saved against) the whole version loaded now.
        self.pin(i for i in plans if self.can_edit(i))
        for index, edits in plans.items():
            state = states[index]
            article = state.entry
            if not self.can_edit(index):
                refused.append((article.relpath, not_editable_reason(article)))  # type: ignore[arg-type]
                continue
            current = self.data(index)
            previous = state.edits
            merged = list(previous)
            try:
                data = thaw(current) if current is not None else {}
                useful = False
                for edit in edits:
                    after = apply_to_data(data, [edit])
                    if after == data:
                        continue
                    merged = _merge(merged, edit)
                    data = after
                    useful = True
            except EditError as exc:
                refused.append((article.relpath, str(exc)))
                continue
            if not useful:
                unchanged += 1
                continue
            before[state] = previous
            original = thaw(article.meta) if article.meta is not None else {}
            rewrites = bool(merged) and isinstance(merged[0], ReplaceText)
            self._set_edits(state, () if data == original and not rewrites else tuple(merged))
            self._refresh(index)
            changed += 1
        if before:
            self.history.append(before)
        return StageResult(changed, unchanged, tuple(refused))

    def last_step(self) -> str:
        """What :meth:`undo` would take back, in words (``add 'ASIA' to tags``): the edits
        that step staged, or those it dropped when it set a field back."""
        if not self.history:
            return ""
        step = self.history[-1]
        words: list[str] = []
        for state, previous in step.items():
            now = state.edits
            changed = [e for e in now if e not in previous] or [e for e in previous if e not in now]
            for edit in changed:
                said = describe_edit(edit)
                if said not in words:
                    words.append(said)
        if not words:
            return "the last change"
        return ", ".join(words[:2]) + (f" and {len(words) - 2} more" if len(words) > 2 else "")

    def undo(self) -> int:
        """Undo the last staging action; returns how many articles it restored (0: nothing)."""
        if not self.history:
            return 0
        step = self.history.pop()
        by_state = {s: i for i, s in enumerate(self.states) if s in step} if len(step) > 1 else None
        for state, edits in step.items():
            self._set_edits(state, edits)
            index = by_state[state] if by_state is not None else self.states.index(state)
            self._refresh(index)
        return len(step)

    def forget_saved(self, index: int, article: Article) -> None:
        """After a save: the new file version, no staged edits."""
        self.replace_article(index, article, keep_edits=False)

    # -- actions on targets ----------------------------------------------------------------

    def add_tag(self, targets: Iterable[int], tag: str) -> StageResult:
        return self.stage({i: [AddItem(TAGS, tag)] for i in targets})

    def add_term(self, targets: Iterable[int], taxonomy: str, term: str) -> StageResult:
        """Add ``term`` to list field ``taxonomy`` (categories, keywords...) of each target."""
        return self.stage({i: [AddItem((taxonomy,), term)] for i in targets})

    def remove_tag(self, targets: Iterable[int], tag: str) -> StageResult:
        return self.stage({i: [RemoveItem(TAGS, tag)] for i in targets})

    def remove_term(self, targets: Iterable[int], taxonomy: str, term: str) -> StageResult:
        """Remove ``term`` from list field ``taxonomy`` (categories, keywords...) of each target."""
        return self.stage({i: [RemoveItem((taxonomy,), term)] for i in targets})

    def set_sentiment(self, targets: Iterable[int], value: str) -> StageResult:
        return self.stage({i: [SetValue(SENTIMENT, value)] for i in targets})

    def toggle_draft(self, targets: Sequence[int]) -> tuple[bool, StageResult]:
        """Set draft on every target, or clear it when every editable target is a draft."""
        editable = [i for i in targets if self.states[i].entry.editable]
        all_drafts = bool(editable) and all(get_path(self.data(i), "draft") is True for i in editable)
        value = not all_drafts
        return value, self.stage({i: [SetValue(DRAFT, value)] for i in targets})

    def set_field(self, index: int, path: tuple[str, ...], value: Any) -> StageResult:
        return self.set_everywhere([index], path, value)

    def set_everywhere(self, targets: Iterable[int], path: tuple[str, ...], value: Any) -> StageResult:
        """Set field ``path`` to ``value`` on every target (None: delete it), one undo step."""
        edit: Edit = DeleteKey(path) if value is None else SetValue(path, value)
        return self.stage({i: [edit] for i in targets})

    def value_at(self, index: int, name: str) -> Any:
        """The exact value of field ``name`` (dotted) in article ``index``, staged edits
        included, ``ABSENT`` when it has none; read from its file when the entry does not
        hold that key exactly."""
        data = self._data_at_hand(index, name.split(".", 1)[0] in self.loaded_keys)
        if data is ABSENT:
            data = self.full(index).meta
        return ABSENT if data is None else get_path(data, name, ABSENT)

    def _data_at_hand(self, index: int, exact: bool) -> Any:
        """The metadata of article ``index`` without reading its file (staged data, a whole
        article, or the entry's values when ``exact``: they hold the key asked for), else ABSENT."""
        state = self.states[index]
        entry = state.entry
        if state.edits or isinstance(entry, Article):
            return self.data(index)
        if exact and entry.values is not None:
            return entry.values
        return ABSENT

    def value_counts(self, name: str) -> Counter[Any]:
        """How many articles carry each value of field ``name`` (dotted), staged edits
        included, among those whose value is at hand without reading a file (every article
        once the key is read for filters). Lists and mappings are left out."""

        def count() -> Counter[Any]:
            counts: Counter[Any] = Counter()
            top = name.split(".", 1)[0]
            exact = top in self.loaded_keys
            for index in range(len(self.states)):
                data = self._data_at_hand(index, exact)
                if data is ABSENT:
                    continue
                value = get_path(data, name, ABSENT) if data is not None else ABSENT
                if value is not ABSENT and not isinstance(value, list | tuple | Mapping):
                    counts[value] += 1  # (1 and true count as one: a field is rarely both)
            return counts

        return Counter(self._cached(f"values:{name}", count))

    def set_tags(self, index: int, tags: Sequence[str]) -> StageResult:
        """Make an article's tags ``tags``: removals and additions, or one list when reordered."""
        return self.set_terms(index, TAGS, tags)

    def set_terms(self, index: int, path: tuple[str, ...], terms: Sequence[str]) -> StageResult:
        """Make an article's list field ``path`` (tags, categories...) ``terms``: removals and
        additions (the list keeps its style), or one list when reordered."""
        # The tags are exact in any entry; another list is read from the whole article.
        current = get_path(self.data(index) if path == TAGS else self.full_data(index), ".".join(path))
        old = list(current) if isinstance(current, list | tuple) else []
        new = list(dict.fromkeys(terms))
        edits: list[Edit] = [RemoveItem(path, t) for t in old if t not in new]
        edits += [AddItem(path, t) for t in new if t not in old]
        kept = [t for t in old if t in new] + [t for t in new if t not in old]
        # A list written as a string (`tags: MARKETS`) has no items to edit: the editor shows
        # it as one tag, and what the user typed replaces it with a real list.
        if kept != new or (current is not None and not isinstance(current, list | tuple)):
            edits = [SetValue(path, new)]
        return self.stage({index: edits})

    def rename_tags(self, renames: Sequence[tuple[str, str]], taxonomy: str = "tags") -> StageResult:
        """Rename (or merge into the new name) tags, or another taxonomy's terms, across the
        whole folder, one undo step."""
        plans: dict[int, list[Edit]] = {}
        for index in range(len(self.states)):
            tags = self.terms_of(index, taxonomy)
            for old, new in renames:
                if old in tags:
                    plans.setdefault(index, []).append(ReplaceItem((taxonomy,), old, new))
        return self.stage(plans)

    def rename_preview(self, old: str, new: str, sample: int = 5, taxonomy: str = "tags") -> tuple[int, int, list[str]]:
        """(articles with ``old``, of which already carry ``new``, a few of their paths)."""
        having = [i for i in range(len(self.states)) if old in self.terms_of(i, taxonomy)]
        merged = sum(1 for i in having if new in self.terms_of(i, taxonomy))
        return len(having), merged, [self.states[i].entry.relpath for i in having[:sample]]

    def tags_of(self, index: int) -> tuple[str, ...]:
        state = self.states[index]
        entry = state.entry
        tags = entry.tags if type(entry) is Slim and not state.edits else get_path(self.data(index), "tags")
        if isinstance(tags, list | tuple):
            return tuple(t for t in tags if isinstance(t, str))
        # `tags: MARKETS` is one tag, as core.taxonomy.tag_values (and `copydesk tags`) count it.
        return (tags,) if isinstance(tags, str) else ()

    def tag_vocabulary(self) -> list[str]:
        """The tags looked for in a text (:func:`core.adopt.tag_vocabulary`: the configured
        vocabulary, else the folder's canonical spellings), kept until a row changes."""
        from core.adopt import tag_vocabulary

        return self._cached("tag-vocabulary", lambda: tag_vocabulary(self.config, self.tag_counts))

    def tags_in_text(self, index: int) -> tuple[str, ...]:
        """The vocabulary tags found in the text of article ``index`` (its staged rewrite's
        body, else the file's), as adopt finds them, less those it carries (staged edits
        included); () for an article that cannot be edited."""
        from core.adopt import tags_found

        article = self.editing(index)
        if not article.editable:
            return ()
        body = self.staged_body(index)
        tags = (self.full_data(index) or {}).get("tags")
        held = {t.casefold() for t in tags if isinstance(t, str)} if isinstance(tags, list | tuple) else set()
        try:
            text = article.body() if body is None else body
        except OSError:  # unreadable since it was listed: nothing found
            return ()
        found = tags_found(text, self.tag_vocabulary())
        return tuple(tag for tag in found if tag.casefold() not in held)

    def tag_counts(self, indices: Iterable[int] | None = None) -> Counter[str]:
        """How many articles carry each tag (staged edits included)."""
        if indices is None:
            return Counter(self._cached("tags", lambda: self._count_tags(None)))
        return self._count_tags(indices)

    def _count_tags(self, indices: Iterable[int] | None) -> Counter[str]:
        counts: Counter[str] = Counter()
        tags_of = self.tags_of
        # A generator of each article's distinct tags into one update: 0.12 s at 50,000.
        counts.update(tag for index in (range(len(self.states)) if indices is None else indices)
                      for tag in set(tags_of(index)))
        return counts

    def terms_of(self, index: int, name: str) -> tuple[str, ...]:
        """The terms article ``index`` has in list field ``name`` (a taxonomy such as
        ``categories``; a lone string is one term), staged edits included."""
        if name == "tags":
            return self.tags_of(index)
        state = self.states[index]
        data = self.data(index) if state.edits or isinstance(state.entry, Article) else state.entry.meta
        terms = get_path(data, name)
        if isinstance(terms, list | tuple):
            return tuple(t for t in terms if isinstance(t, str))
        return (terms,) if isinstance(terms, str) else ()

    def term_counts(self, name: str, indices: Iterable[int] | None = None) -> Counter[str]:
        """How many articles (of ``indices``, else all) carry each term of list field ``name``
        (see :meth:`tag_counts`)."""
        if name == "tags":
            return self.tag_counts(indices)
        if indices is not None:
            return Counter(term for index in indices for term in set(self.terms_of(index, name)))

        def count() -> Counter[str]:
            counts: Counter[str] = Counter()
            counts.update(term for index in range(len(self.states)) for term in set(self.terms_of(index, name)))
            return counts

        return Counter(self._cached(f"terms:{name}", count))

    # -- marks, filter, sort ---------------------------------------------------------------

    def toggle_mark(self, index: int) -> bool:
        state = self.states[index]
        self._set_mark(state, not state.marked)
        return state.marked

    def mark_all_visible(self) -> int:
        before = self.marked_count
        states = self.states
        for index in self.visible:
            self._set_mark(states[index], True)
        return self.marked_count - before

    def clear_marks(self) -> int:
        count = self.marked_count
        for index in self.marked_indices():
            self._set_mark(self.states[index], False)
        return count

    @property
    def hidden_marks(self) -> int:
        if not self.marked_count:
            return 0
        shown = set(self.visible)
        return sum(1 for i in self.marked_indices() if i not in shown)

    def match_context(self) -> core_query.MatchContext:
        """``is:dirty`` / ``is:marked`` as the workspace sees them now, and the git states as last read."""
        states = self.states
        dirty = frozenset(path_key(states[i].entry) for i in self.dirty)
        marked = frozenset(path_key(states[i].entry) for i in self.marked_indices())
        from core import query as core_query

        git = self.git
        return core_query.MatchContext(lambda a: path_key(a) in dirty, lambda a: path_key(a) in marked,
                                       git_state=lambda a: git.get(a.relpath),
                                       duplicates=lambda: self.duplicates().group_of(),
                                       sentiment=self.config.sentiment)

    def duplicates(self, progress: Callable[[int, int], None] | None = None) -> Any:
        """The folder's duplicate stories (a :class:`core.dupes.Report`): found through the
        cache beside the index the first time a filter or the group view asks (in a worker
        thread), again once an article's version on disk changes; never at start-up.
        ``progress(done, total)``: files signed so far, while they are."""
        with self._dupes_lock:
            current = self._dupes
            if current is None or current[0] != self.content:
                content = self.content
                from core.dupes import find_duplicates

                current = self._dupes = (content, find_duplicates([self.config.root], self.config, progress=progress))
        return current[1]

    @property
    def duplicates_found(self) -> bool:
        """Whether :meth:`duplicates` answers at once (found for the articles' versions now)."""
        current = self._dupes
        return current is not None and current[0] == self.content

    def check_groups(self, query: core_query.Query) -> None:
        """Raise FilterError when a ``dup:`` value of ``query`` names no duplicate group
        (known only once the groups are found: call it in a worker thread)."""
        from core import query as core_query

        try:
            query.check_groups(lambda: self.duplicates().group_of())
        except core_query.QueryError as exc:
            raise FilterError.of(exc) from None

    def mark_duplicates(self, keep: str, others: Sequence[str]) -> StageResult:
        """Keep the article at relative path ``keep``; set ``[dupes] mark`` (default
        ``draft: true``) on the articles at ``others``, in one undo step."""
        from core.edit.ops import parse_field

        edits = [SetValue(parse_field(name), value) for name, value in self.config.dupes.mark]
        by_relpath = {state.entry.relpath: i for i, state in enumerate(self.states)}
        targets = [by_relpath[relpath] for relpath in others if relpath in by_relpath and relpath != keep]
        return self.stage({i: list(edits) for i in targets})

    def query_index(self) -> core_query.QueryIndex:
        """The query index of the current list (rebuilt when an article's version changes)."""
        current = self._index
        if current is None or current[0] != self.content:
            from core import query as core_query

            current = self._index = (self.content, core_query.QueryIndex(self.articles))
        return current[1]

    def warm_query_index(self, fields: Sequence[str] = ("tags", "sentiment", "category", "source.name")) -> None:
        """Build the parts of the query index that filters use most: the words' haystack and
        a few columns (costly once at 50,000 articles, then each keystroke is cheap)."""
        from core import query as core_query

        with self._index_lock:
            index = self.query_index()
            index.indices(core_query.compile('"\0"'))
            for name in fields:
                index.indices(core_query.compile(f"{name}:~\0"))

    def order(self, sort: str) -> list[int]:
        """Every article index in ``sort`` order (cached until a row changes)."""
        states = self.states
        return self._cached(f"order:{sort}", lambda: sort_indices(list(range(len(states))), sort, self._row_list(),
                                                                  lambda i: states[i].entry.relpath))

    def compute_view(
        self, query: core_query.Query | None, sort: str, cancelled: Callable[[], bool] = lambda: False
    ) -> list[int] | None:
        """The indices to show for a filter and sort (None when cancelled midway).

        Filtering asks the query index (each term evaluated once per distinct value and
        remembered) and walks the cached sorted order, so a keystroke never sorts. Before the
        keys a query reads are loaded (:meth:`has_keys`, :func:`needed_keys`) the caller waits.
        """
        order = self.order(sort)
        if query is None:
            return list(order)
        context = self.match_context()
        with self._index_lock:
            if cancelled():
                return None
            try:
                hits = set(self.query_index().indices(query, context))
            except Exception:  # noqa: BLE001 - odd data: one article at a time, skipping the odd ones
                hits = set()
                for index, article in enumerate(self.articles):
                    try:
                        if query.matches(article, context):  # type: ignore[arg-type]
                            hits.add(index)
                    except Exception:  # noqa: BLE001
                        continue
        if cancelled():
            return None
        return list(compress(order, map(hits.__contains__, order)))  # the loop in C: 50,000 a key

    @property
    def with_problems(self) -> int:
        return self._cached("problems", lambda: sum(1 for row in self._row_list() if row[COL_STATUS] != "clean"))

    def next_problem(self, position: int, step: int) -> int | None:
        """The next visible position (after ``position``, in direction ``step``) with problems."""
        count = len(self.visible)
        states = self.states
        pos = position + step
        while 0 <= pos < count:
            if states[self.visible[pos]].row[COL_STATUS] != "clean":
                return pos
            pos += step
        return None


def same_entries(records: Sequence[Any], entries: Sequence[Entry]) -> bool:
    """Whether ``records`` (a fresh scan) match ``entries`` (those drawn): same paths,
    versions and problems, in the same order."""
    return len(records) == len(entries) and all(map(same_entry, records, entries))


def same_entry(record: Any, entry: Entry) -> bool:
    """Whether ``record`` (of a fresh scan) is ``entry``'s file in the same version, with the
    same problems."""
    return (record.path == path_key(entry) and record.fingerprint == entry.fingerprint
            and record.kind == entry.kind and record.problems == entry.problems)


def note_fields(meta: Mapping[str, Any] | None, names: set[str]) -> None:
    """Add the field names of ``meta`` (dotted one level deep) to ``names``."""
    if not meta:
        return
    for key, value in meta.items():
        key = str(key)
        names.add(key)
        if isinstance(value, Mapping):
            for sub in value:
                names.add(f"{key}.{sub}")


# The field names a worker (or this process) has already reported, cleared before a pass.
_names_seen: set[str] = set()


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return tuple(_plain(v) for v in value)
    return value


def _values_of(keys: tuple[str, ...], article: Article) -> tuple[Any, ...]:
    """What the metadata pass sends back for one article: a few hundred bytes."""
    meta = article.meta
    values = names = None
    if meta is not None:
        present = tuple(k for k in keys if k in meta)
        values = (present, tuple(_plain(meta[k]) for k in present))
        if "description" in present and type(meta["description"]) is str:
            # Kept case-folded: every comparison of the query language ignores case, and the
            # query index's words search then shares the string instead of copying it.
            at = present.index("description")
            values = (present, (*values[1][:at], meta["description"].casefold(), *values[1][at + 1 :]))
        found: set[str] = set()
        note_fields(meta, found)
        names = tuple(found - _names_seen) or None
        if names:
            _names_seen.update(names)
    fp = article.fingerprint
    return (
        str(article.path), article.relpath, article.kind,
        tuple((p.code, p.message, p.line, p.column, p.severity) for p in article.problems),
        None if fp is None else (fp.size, fp.mtime_ns, fp.inode, fp.sha256),
        values, names,
    )


def iter_values(paths: Sequence[Path], config: Config, keys: Iterable[str],
                checked: Mapping[str, Fingerprint] | None = None) -> Iterator[tuple[Any, ...]]:
    """For every article under ``paths``: its record and the values of ``keys``, parsed across
    worker processes when there are many. The workers keep the values and send back only
    those: unpacking whole metadata here would cost as much again as parsing, hold the
    interpreter lock away from the screen, and fill the memory.

    ``checked``: the fingerprints of the versions on screen, by relative path (see
    :func:`checked_versions`). Those are not checked again: their problems are known; a
    record of any other version carries all of its problems."""
    from core.index import map_articles

    _names_seen.clear()
    release_freed_memory()  # what the scan freed, before the values fill the memory again
    yield from map_articles(paths, config, functools.partial(_values_of, tuple(keys)), checked=checked)


def checked_versions(entries: Iterable[Entry]) -> dict[str, Fingerprint]:
    """The fingerprint of every entry, by relative path: the versions whose problems are known."""
    return {e.relpath: e.fingerprint for e in entries if e.fingerprint is not None}


def release_freed_memory() -> None:
    """Give the memory freed so far back to the system, where the C library allows it.

    glibc keeps freed blocks for reuse, but some of what a scan of 50,000 articles frees lies
    where the next allocations do not reuse it: trimming before the metadata pass lowered
    its peak by 3-8 MB in measurements (it takes a few milliseconds, without the interpreter
    lock). Elsewhere: nothing."""
    lib = glibc()
    if lib is not None:
        lib.malloc_trim(0)


def read_values(item: tuple[Any, ...], names: set[str],
                current: Callable[[str], Entry | None] = lambda key: None) -> tuple[str, Slim | Mapping[str, Any] | None]:
    """(path key, what :meth:`Workspace.attach_metadata` takes) for one item of
    :func:`iter_values`: the values when ``current(key)`` is the same version, else a whole
    new :class:`Slim`. Notes new field names in ``names``."""
    key, relpath, kind, problems, fp, packed, new_names = item
    if new_names:
        names.update(new_names)
    values = None
    if packed is not None:
        present, items = packed
        values = Values(Values.positions(present), tuple(_compact(v) for v in items))
    fingerprint = Fingerprint(*fp) if fp is not None else None
    entry = current(key)
    if entry is not None and fingerprint is not None and entry.fingerprint == fingerprint and entry.kind == kind:
        return key, values
    return key, Slim(key, relpath, kind, tuple(Problem(*p) for p in problems), fingerprint, None, values)


# -- the filter values kept beside the index ---------------------------------------------------

# The name of the view in core.index.save_view / load_view_parts; its format is this
# module's, like the list's (list_view_version).
VALUES_VIEW = "tui-values"


def _version(fingerprint: Fingerprint | None) -> bytes:
    """Which version of a file a kept value was read from: 16 bytes of its SHA-256."""
    return bytes.fromhex(fingerprint.sha256[:32]) if fingerprint is not None else bytes(16)


_VALUES_PART = 2_000  # articles per part of the saved values (see core.index.save_view)


def save_values(config: Config, loaded: Mapping[str, Slim | Mapping[str, Any] | None],
                versions: Mapping[str, tuple[str, Fingerprint | None]], names: Iterable[str], keys: Iterable[str]) -> bool:
    """Keep the values a metadata pass read (``loaded``, as :meth:`Workspace.attach_metadata`
    takes it) for the next start, which then reads only the files changed since (see
    :func:`saved_values`). ``versions``: the relative path and fingerprint of the version each
    value was read from, by path key. A cache: False when it cannot be written."""
    from core.index import save_view

    if not all(key in versions for key in loaded):
        return False
    # Objects shared in memory (key lists, a source's mapping) are written once per part and
    # come back shared (marshal keeps references within a part): less to write and to build.
    shared: dict[int, Any] = {}

    def plain(value: Any) -> Any:
        if isinstance(value, Values):
            out = shared.get(id(value))
            if out is None:
                out = shared[id(value)] = {k: plain(v) for k, v in value.items()}
            return out
        if type(value) is tuple and any(isinstance(v, Values) for v in value):
            return tuple(plain(v) for v in value)
        return value

    def stored(value: Slim | Mapping[str, Any] | None) -> Any:
        if isinstance(value, Slim):
            value = value.values
        if value is None:
            return None
        if not isinstance(value, Values):
            raise ValueError(f"not filter values: {value!r}")  # the view is then not written
        present = shared.get(id(value._positions))
        if present is None:
            present = shared[id(value._positions)] = tuple(value._positions)
        items = value._items
        if any(isinstance(v, Values) or type(v) is tuple for v in items):
            items = tuple(plain(v) for v in items)
        return present, items

    def parts() -> Iterator[tuple[list[str], bytes, list[Any]]]:
        # In parts: the encoding of 50,000 articles' values at once took ~70 MB.
        items = list(loaded.items())
        for start in range(0, len(items), _VALUES_PART):
            chunk = items[start : start + _VALUES_PART]
            yield ([versions[key][0] for key, _ in chunk], b"".join(_version(versions[key][1]) for key, _ in chunk),
                   [stored(value) for _, value in chunk])

    # Not tied to the index file: each value says which version of its file it is of.
    return save_view(config, VALUES_VIEW, list_view_version(), (sorted(keys), sorted(names)), of_index=False, parts=parts())


class KeptValues(NamedTuple):
    """What :func:`saved_values` found."""

    loaded: dict[str, Any]  # for Workspace.attach_metadata: the values of every file still as read
    names: set[str]  # for Workspace.attach_metadata
    stale: list[Entry]  # the entries whose files must be read again (changed or new since)
    keys: frozenset[str]  # every key kept: a pass reading the stale files reads these too


def saved_values(config: Config, entries: Sequence[Entry], keys: Iterable[str]) -> KeptValues | None:
    """What :func:`save_values` kept for ``entries``; None when nothing usable was kept (or
    not every key of ``keys``). The kept keys can be more than ``keys`` (a filter on a rarer
    key, say ``author:``, read it too): the next pass then keeps them loaded as well."""
    from core.index import load_view_parts

    found = load_view_parts(config, VALUES_VIEW, list_view_version())
    if found is None:
        return None
    header, parts = found
    if not isinstance(header, tuple) or len(header) != 2 or not set(keys) <= set(header[0]):
        parts.close()
        return None
    by_rel = {e.relpath: e for e in entries}
    loaded: dict[str, Any] = {}
    try:
        with closing(parts), collector_paused():
            for relpaths, versions, values in parts:
                # A mapping written once in a part stays one object (see save_values); by id,
                # so only within the part, whose objects are alive meanwhile.
                mappings: dict[int, Values] = {}
                for i, (rel, value) in enumerate(zip(relpaths, values, strict=True)):
                    entry = by_rel.get(rel)
                    if entry is not None and versions[16 * i : 16 * i + 16] == _version(entry.fingerprint):
                        loaded[path_key(entry)] = _values_of_saved(value, mappings)
    except (ValueError, TypeError, EOFError):  # damaged: read the files
        return None
    stale = [e for e in entries if path_key(e) not in loaded]
    return KeptValues(loaded, set(header[1]), stale, frozenset(header[0]))


def checked_values(config: Config, entries: Sequence[Entry], keys: Iterable[str]) -> KeptValues | None:
    """What ``copydesk check`` kept beside the index (``core.index.values``) for ``entries``,
    as :func:`saved_values` gives it: the first start after a check, before any session
    kept its own, then reads no file for filters (only those changed since). None when
    nothing usable was kept, or not every key of ``keys``."""
    from core.index.values import read_parts

    found = read_parts(config, None)
    if found is None:
        return None
    kept_keys, parts = found
    if not set(keys) <= set(kept_keys):
        return None  # (the parts are not read: the file is closed with them)
    by_rel = {e.relpath: e for e in entries}
    loaded: dict[str, Any] = {}
    names: set[str] = set()
    try:
        with collector_paused():
            for relpaths, versions, name_sets, ids, has_meta, columns in parts:
                by_key = [(key, *columns[key]) for key in kept_keys]
                for i, rel in enumerate(relpaths):
                    entry = by_rel.get(rel)
                    if entry is None or versions[16 * i : 16 * i + 16] != _version(entry.fingerprint):
                        continue
                    values = None
                    if has_meta[i]:
                        values = filter_values(tuple(key for key, held, _ in by_key if held[i]),
                                               [column[i] for _, held, column in by_key if held[i]])
                    loaded[path_key(entry)] = values
                    names.update(name_sets[ids[i]])
    except (ValueError, TypeError, KeyError, IndexError, EOFError):  # damaged: read the files
        return None
    stale = [e for e in entries if path_key(e) not in loaded]
    return KeptValues(loaded, names, stale, frozenset(kept_keys))


def filter_values(present: tuple[str, ...], items: Sequence[Any]) -> Values:
    """One article's values of the keys ``present``, as kept beside the index
    (``core.index.values``), as filters read them: compacted, the description case-folded
    as the metadata pass keeps it (see :func:`_values_of`)."""
    folded = tuple(_compact(v) for v in items)
    if "description" in present and type(folded[at := present.index("description")]) is str:
        folded = (*folded[:at], folded[at].casefold(), *folded[at + 1 :])
    return Values(Values.positions(present), folded)


def streamed_values(keys: Sequence[str], packed: Any) -> tuple[Values | None, tuple[str, ...]]:
    """The values and field names a scan's worker read of one file
    (``core.index.Scan.fresh_values``, for ``keys``: ``core.index.values.kept_keys``);
    None for the values of a file without readable front matter."""
    from core.index.values import unpacked_values

    mask, items, names = unpacked_values(packed)
    if mask is None:
        return None, names
    held = [i for i in range(len(keys)) if mask >> i & 1]
    return filter_values(tuple(keys[i] for i in held), [items[i] for i in held]), names


def _values_of_saved(value: Any, mappings: dict[int, Values]) -> Values | None:
    if value is None:
        return None
    present, items = value
    if any(type(v) is dict or type(v) is tuple for v in items):
        items = tuple(_compact_saved(v, mappings) for v in items)
    return Values(Values.positions(present), items)


def _compact_saved(value: Any, mappings: dict[int, Values]) -> Any:
    # A module-level function, not a closure made per article: a recursive closure is a
    # reference cycle (function -> cell -> function), 50,000 of them at 50,000 articles
    # left for the collector (a ~0.1 s pause freeing ~200,000 objects).
    kind = type(value)
    if kind is dict:
        out = mappings.get(id(value))
        if out is None:
            out = mappings[id(value)] = _compact(value)
        return out
    if kind is tuple and any(type(v) is dict for v in value):
        return tuple(_compact_saved(v, mappings) for v in value)
    return value


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while building objects that all stay alive (every
    article's filter values, the checked entries): collections walking the growing heap
    again and again, to free nothing, took more than the building itself (50,000 articles'
    values: ~0.35 s paused, ~0.9 s not). The pause is process-wide, so only for such short
    stretches. Then, in the app's own process, what was built is frozen
    (:func:`tui.freeze_long_lived`): the first collection after the pause would otherwise
    walk it all at once (116-137 ms after the checked entries at 50,000)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            freeze_long_lived()


class Values(Mapping[str, Any]):
    """Some top-level keys of an article's metadata, read-only, in little memory (a tuple
    beside key positions shared by every article of one load)."""

    __slots__ = ("_positions", "_items")

    _shared: dict[tuple[str, ...], dict[str, int]] = {}

    def __init__(self, positions: dict[str, int], items: tuple[Any, ...]) -> None:
        self._positions = positions
        self._items = items

    @classmethod
    def positions(cls, present: tuple[str, ...]) -> dict[str, int]:
        """The shared key positions of articles having exactly the keys ``present``."""
        positions = cls._shared.get(present)
        if positions is None:
            positions = cls._shared[present] = {k: i for i, k in enumerate(present)}
        return positions

    def __getitem__(self, key: str) -> Any:
        return self._items[self._positions[key]]

    def get(self, key: str, default: Any = None) -> Any:
        position = self._positions.get(key)
        return default if position is None else self._items[position]

    def __contains__(self, key: object) -> bool:
        return key in self._positions

    def __iter__(self) -> Iterator[str]:
        return iter(self._positions)

    def __len__(self) -> int:
        return len(self._positions)


def _share(value: Any) -> Any:
    """A short string as one shared object (see :func:`_compact`)."""
    return sys.intern(value) if type(value) is str and len(value) <= 48 else value


_SHARED_MAPPINGS: dict[tuple[Any, ...], Values] = {}


def _compact(value: Any) -> Any:
    """A value as filters read it (lists as tuples), short strings shared: tags, enums and
    names repeat across thousands of articles."""
    kind = type(value)
    if kind is str:
        return sys.intern(value) if len(value) <= 48 else value
    if kind is list or kind is tuple:
        return tuple(_compact(v) for v in value)
    if kind is dict:
        # One read-only mapping for every article with the same one (a source's name, key
        # and type): ~0.2 KB an article otherwise.
        keys = tuple(_share(str(k)) for k in value)
        items = tuple(_compact(v) for v in value.values())
        try:
            shared = _SHARED_MAPPINGS.get((keys, items))
        except TypeError:  # an unhashable value inside
            return Values(Values.positions(keys), items)
        if shared is None:
            if len(_SHARED_MAPPINGS) > 100_000:
                _SHARED_MAPPINGS.clear()
            shared = _SHARED_MAPPINGS[(keys, items)] = Values(Values.positions(keys), items)
        return shared
    return value


def _rewrite_of(state: ArticleState) -> ReplaceText | None:
    """The staged text rewrite of an article (always its first staged edit), or None."""
    first = state.edits[0] if state.edits else None
    return first if isinstance(first, ReplaceText) else None


def _rewritten(state: ArticleState, article: Article | None = None) -> Article | None:
    """The article (``article``, else the state's entry) as its staged text rewrite makes
    it, in memory; None when no rewrite is staged."""
    rewrite = _rewrite_of(state)
    base = article if article is not None else state.entry
    if rewrite is None or not isinstance(base, Article):
        return None
    from core.text.frontmatter import split_text

    split = split_text(rewrite.new)
    if not split.has_front_matter:
        return None
    checked = state.check[1] if state.check is not None and state.check[0] == state.edits else None
    return replace(base, kind="front-matter", meta=rewrite.meta, problems=checked or (), format=split.format,
                   fm_first_line=split.fm_first_line, fm_line_count=split.fm_line_count,
                   body_first_line=split.body_first_line)


def _merge(edits: list[Edit], edit: Edit) -> list[Edit]:
    """Append ``edit``; a later set/delete of a field replaces an earlier set/delete of it."""
    if isinstance(edit, SetValue | DeleteKey):
        edits = [e for e in edits if not (isinstance(e, SetValue | DeleteKey) and e.field == edit.field)]
    return [*edits, edit]


def not_editable_reason(article: Article) -> str:
    """Why an article cannot be edited (raw, broken front matter...)."""
    if article.kind == "raw":
        return "raw article with no front matter (i adopts it)"
    if article.problems:
        return article.problems[0].message
    return f"front matter cannot be edited ({article.kind})"


_ABSENT = object()
ABSENT = _ABSENT  # a field an article does not have (Workspace.value_at)


def _with_new(problems: Sequence[Problem], more: Iterable[Problem]) -> tuple[Problem, ...]:
    """``problems`` and those of ``more`` not among them (same code and message)."""
    said = {(p.code, p.message) for p in problems}
    return (*problems, *(p for p in more if (p.code, p.message) not in said))


def introduced_problems(before: Sequence[Problem], after: Sequence[Problem]) -> list[Problem]:
    """The problems of ``after`` that ``before`` did not have: for each code, as many as it
    has more than before, those with a message not said before first (an edit moving a tag
    renumbers ``tags[2] is empty`` into ``tags[1] is empty``: not a new problem)."""
    had = Counter(p.code for p in before)
    out: list[Problem] = []
    by_code: dict[str, list[Problem]] = {}
    for problem in after:
        by_code.setdefault(problem.code, []).append(problem)
    for code, found in by_code.items():
        extra = len(found) - had[code]
        if extra <= 0:
            continue
        said = Counter(p.message for p in before if p.code == code)
        new = []
        for problem in found:
            if said[problem.message] > 0:
                said[problem.message] -= 1
            else:
                new.append(problem)
        out.extend(new[:extra])
    return sorted(out, key=lambda p: (p.line, p.column, p.code))


def field_at(text: str, line: int, fields: Sequence[tuple[str, ...]]) -> tuple[str, ...] | None:
    """Of ``fields`` (edited ones), the one whose lines in the article ``text`` hold
    ``line``: the last starting at or before it (the first when none does; None when there
    are no fields or no front matter)."""
    from core.checks.positions import FrontMatterIndex
    from core.text.frontmatter import front_matter, split_text

    if not fields:
        return None
    split = split_text(text)
    if not split.has_front_matter:
        return fields[0]
    index = FrontMatterIndex(front_matter(text, split), split.fm_first_line)
    starts = []
    for path in fields:
        found = index.find(path)
        if found is not None:
            starts.append((found.line, path))
    before = [item for item in starts if item[0] <= line]
    if before:
        return max(before, key=lambda item: item[0])[1]
    return fields[0]
