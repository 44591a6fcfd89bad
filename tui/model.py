"""The TUI's state, kept free of Textual so it can be tested and timed on its own.

A :class:`Workspace` holds the loaded articles, one slim display row per article, the
edits staged on each article (nothing touches disk until a save), the marked set, the
current filter and sort. Every change to files goes through the core (``core.save``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from core.config import Config
from core.document import Article, get_path, load_article, thaw
from core.edit_ops import (
    AddItem,
    DeleteKey,
    Edit,
    EditError,
    RemoveItem,
    ReplaceItem,
    SetValue,
    apply_to_data,
)

SORTS = ("date", "title", "source", "problems")
SENTIMENTS = ("POSITIVE", "NEUTRAL", "NEGATIVE")
TAGS: tuple[str, ...] = ("tags",)
SENTIMENT: tuple[str, ...] = ("sentiment",)
DRAFT: tuple[str, ...] = ("draft",)

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

BROKEN_KINDS = frozenset({"unclosed", "invalid-yaml", "unreadable", "invalid-utf8"})


class Row(NamedTuple):
    """What the list draws for one article (slim: a few short strings)."""

    status: str  # "error" | "warning" | "clean" | "raw" | "broken"
    sentiment: str
    draft: bool | None
    date: str  # "YYYY-MM-DD" or whatever the file says, "" when absent
    source: str
    title: str
    tags: str
    problems: int


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def status_of(article: Article) -> str:
    """The list's status mark for an article."""
    if article.kind == "raw":
        return "raw"
    if article.kind in BROKEN_KINDS:
        return "broken"
    if article.has_errors:
        return "error"
    if article.problems:
        return "warning"
    return "clean"


def make_row(article: Article, data: Mapping[str, Any] | None) -> Row:
    """The display row of ``article`` showing ``data`` (its staged metadata)."""
    date = _text(get_path(data, "publishedAt"))
    if _DATE.match(date):
        date = date[:10]
    source = get_path(data, "source.name")
    if source is None:
        raw_source = get_path(data, "source")
        source = raw_source if isinstance(raw_source, str) else None
    tags = get_path(data, "tags")
    if isinstance(tags, list | tuple):
        tag_text = ", ".join(_text(t) for t in tags)
    else:
        tag_text = _text(tags)
    if article.kind in BROKEN_KINDS or article.kind == "raw":
        # A file with no usable metadata shows its first problem where the tags would be.
        first = article.problems[0] if article.problems else None
        tag_text = f"{first.code} {first.message}" if first else article.kind
    draft = get_path(data, "draft")
    title = get_path(data, "title")
    if not isinstance(title, str) or not title.strip():
        title = article.relpath
    return Row(
        status_of(article),
        _text(get_path(data, "sentiment")).upper(),
        draft if isinstance(draft, bool) else None,
        date,
        _text(source),
        title.strip(),
        tag_text,
        len(article.problems),
    )


@dataclass(frozen=True)
class StageResult:
    """What one staging action did: how many articles changed, which were refused and why."""

    changed: int = 0
    unchanged: int = 0
    refused: tuple[tuple[str, str], ...] = ()  # (relpath, reason)

    def summary(self, what: str) -> str:
        parts = [f"{what}: {self.changed} article{'s' if self.changed != 1 else ''} changed"]
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


@dataclass(frozen=True)
class FilterContext:
    """What a query may ask beyond the file: whether an article is dirty or marked."""

    dirty: frozenset[Path] = frozenset()
    marked: frozenset[Path] = frozenset()

    def is_dirty(self, article: Article) -> bool:
        return article.path in self.dirty

    def is_marked(self, article: Article) -> bool:
        return article.path in self.marked


# A compiled filter: given the context, the predicate to run on each article.
Matcher = Callable[[FilterContext], Callable[[Article], bool]]


def compile_filter(text: str, known_fields: Iterable[str]) -> Matcher | None:
    """A predicate for the filter box text (None: show everything); raises FilterError."""
    text = text.strip()
    if not text:
        return None
    try:
        from core import query as core_query
    except ImportError:
        return _substring_filter(text)
    try:
        compiled = core_query.compile(text, frozenset(known_fields))
    except core_query.QueryError as exc:
        raise FilterError(str(exc), exc.position) from None
    if compiled.is_empty:
        return None

    def bind(ctx: FilterContext) -> Callable[[Article], bool]:
        match_ctx = core_query.MatchContext(ctx.is_dirty, ctx.is_marked)
        return lambda article: compiled.matches(article, match_ctx)

    return bind


def schema_fields(config: Config) -> frozenset[str]:
    """Field names the folder's schema declares (empty when the core cannot say)."""
    try:
        from core.schema import SchemaError, known_fields, load_schema
    except ImportError:
        return frozenset()
    try:
        return frozenset(known_fields(load_schema(config)))
    except SchemaError:
        return frozenset()


def _substring_filter(text: str) -> Matcher:
    # Stand-in until the query language lands: every word must occur in title, path, source or tags.
    words = text.casefold().split()

    def matches(article: Article) -> bool:
        tags = article.get("tags")
        haystack = " ".join(
            (
                article.title,
                article.relpath,
                _text(article.get("source.name")),
                " ".join(map(_text, tags)) if isinstance(tags, tuple) else _text(tags),
            )
        ).casefold()
        return all(w in haystack for w in words)

    return lambda ctx: matches


def _sort_key(sort: str, rows: Sequence[Row]) -> Callable[[int], Any]:
    if sort == "title":
        return lambda i: (rows[i].title == "", rows[i].title.casefold())
    if sort == "source":
        return lambda i: (rows[i].source == "", rows[i].source.casefold())
    if sort == "problems":
        rank = {"broken": 0, "raw": 1, "error": 2, "warning": 3, "clean": 4}
        return lambda i: (rank[rows[i].status], -rows[i].problems)
    raise ValueError(sort)


def sort_indices(indices: list[int], sort: str, rows: Sequence[Row]) -> list[int]:
    """``indices`` ordered by ``sort`` (ties keep path order)."""
    if sort == "date":
        # Newest first; articles without a usable date (absent, "Saturday night") go last.
        dated = [i for i in indices if _DATE.match(rows[i].date)]
        dated.sort(key=lambda i: rows[i].date, reverse=True)
        undated = [i for i in indices if not _DATE.match(rows[i].date)]
        return dated + undated
    return sorted(indices, key=_sort_key(sort, rows))


@dataclass
class Workspace:
    """Loaded articles, staged edits, marks and the current view."""

    config: Config
    articles: list[Article] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    staged: dict[int, tuple[Edit, ...]] = field(default_factory=dict)
    marked: set[int] = field(default_factory=set)
    sort: str = "date"
    query: str = ""
    visible: list[int] = field(default_factory=list)
    history: list[dict[int, tuple[Edit, ...]]] = field(default_factory=list)
    _by_path: dict[Path, int] = field(default_factory=dict)
    _data: dict[int, dict[str, Any]] = field(default_factory=dict)
    _fields: set[str] = field(default_factory=set)
    version: int = 0  # bumped whenever a row changes (keys the caches below)
    _cache: dict[str, tuple[int, Any]] = field(default_factory=dict)

    # -- loading ---------------------------------------------------------------------------

    def add_articles(self, articles: Iterable[Article]) -> None:
        """Append newly loaded articles (their rows are built at once)."""
        for article in articles:
            self._by_path[article.path] = len(self.articles)
            self.articles.append(article)
            self.rows.append(make_row(article, article.meta))
            self._note_fields(article.meta)
        self.version += 1

    def _note_fields(self, meta: Mapping[str, Any] | None) -> None:
        if not meta:
            return
        for key, value in meta.items():
            key = str(key)
            if key not in self._fields:
                self._fields.add(key)
            if isinstance(value, Mapping):
                for sub in value:
                    self._fields.add(f"{key}.{sub}")

    @property
    def known_fields(self) -> frozenset[str]:
        """Every field name (dotted one level deep) seen in the folder."""
        return frozenset(self._fields)

    def index_of(self, path: Path) -> int | None:
        return self._by_path.get(path)

    def replace_article(self, index: int, article: Article, keep_edits: bool) -> None:
        """Swap in a freshly loaded version; staged edits are kept only when asked."""
        self.articles[index] = article
        self._note_fields(article.meta)
        if not keep_edits:
            self.staged.pop(index, None)
            for entry in self.history:
                entry.pop(index, None)
            self.history = [entry for entry in self.history if entry]
        self._refresh(index)

    def reload(self, indices: Iterable[int]) -> tuple[list[int], list[int]]:
        """Re-read files whose fingerprint changed; returns (reloaded, staged edits dropped)."""
        reloaded: list[int] = []
        dropped: list[int] = []
        for index in indices:
            old = self.articles[index]
            fresh = load_article(old.path, self.config, old.relpath)
            if fresh.fingerprint == old.fingerprint and fresh.kind == old.kind:
                continue
            if index in self.staged:
                dropped.append(index)
            self.replace_article(index, fresh, keep_edits=False)
            reloaded.append(index)
        return reloaded, dropped

    def changed_on_disk(self, indices: Iterable[int] | None = None) -> list[int]:
        """Articles whose file's size, mtime or inode differ from when they were loaded."""
        changed: list[int] = []
        for index in range(len(self.articles)) if indices is None else indices:
            article = self.articles[index]
            fp = article.fingerprint
            try:
                info = os.lstat(article.path)
            except OSError:
                if fp is not None:
                    changed.append(index)
                continue
            # An unreadable file has no fingerprint to compare with: R re-reads it anyway.
            if fp is not None and (info.st_size, info.st_mtime_ns, info.st_ino) != (fp.size, fp.mtime_ns, fp.inode):
                changed.append(index)
        return changed

    # -- staged data -----------------------------------------------------------------------

    def data(self, index: int) -> Mapping[str, Any] | None:
        """The metadata of an article with its staged edits applied."""
        if index not in self.staged:
            return self.articles[index].meta
        cached = self._data.get(index)
        if cached is None:
            cached = apply_to_data(self.articles[index].meta, self.staged[index])
            self._data[index] = cached
        return cached

    def is_dirty(self, index: int) -> bool:
        return index in self.staged

    @property
    def dirty(self) -> list[int]:
        return sorted(self.staged)

    def _refresh(self, index: int) -> None:
        self._data.pop(index, None)
        self.rows[index] = make_row(self.articles[index], self.data(index))
        self.version += 1

    def _cached(self, name: str, compute: Callable[[], Any]) -> Any:
        hit = self._cache.get(name)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        value = compute()
        self._cache[name] = (self.version, value)
        return value

    def targets(self, cursor: int | None) -> list[int]:
        """Marked articles (hidden ones included), else the cursor's article."""
        if self.marked:
            return sorted(self.marked)
        return [] if cursor is None else [cursor]

    def stage(self, plans: Mapping[int, Sequence[Edit]]) -> StageResult:
        """Stage edits per article; edits that change nothing are dropped (one undo step)."""
        before: dict[int, tuple[Edit, ...]] = {}
        changed = unchanged = 0
        refused: list[tuple[str, str]] = []
        for index, edits in plans.items():
            article = self.articles[index]
            if not article.editable:
                refused.append((article.relpath, not_editable_reason(article)))
                continue
            current = self.data(index)
            previous = self.staged.get(index, ())
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
            before[index] = previous
            original = thaw(article.meta) if article.meta is not None else {}
            if data == original:
                self.staged.pop(index, None)
            else:
                self.staged[index] = tuple(merged)
            self._refresh(index)
            changed += 1
        if before:
            self.history.append(before)
        return StageResult(changed, unchanged, tuple(refused))

    def undo(self) -> int:
        """Undo the last staging action; returns how many articles it restored (0: nothing)."""
        if not self.history:
            return 0
        entry = self.history.pop()
        for index, edits in entry.items():
            if edits:
                self.staged[index] = edits
            else:
                self.staged.pop(index, None)
            self._refresh(index)
        return len(entry)

    def forget_saved(self, index: int, article: Article) -> None:
        """After a save: the new file version, no staged edits."""
        self.replace_article(index, article, keep_edits=False)

    # -- actions on targets ----------------------------------------------------------------

    def add_tag(self, targets: Iterable[int], tag: str) -> StageResult:
        return self.stage({i: [AddItem(TAGS, tag)] for i in targets})

    def remove_tag(self, targets: Iterable[int], tag: str) -> StageResult:
        return self.stage({i: [RemoveItem(TAGS, tag)] for i in targets})

    def set_sentiment(self, targets: Iterable[int], value: str) -> StageResult:
        return self.stage({i: [SetValue(SENTIMENT, value)] for i in targets})

    def toggle_draft(self, targets: Sequence[int]) -> tuple[bool, StageResult]:
        """Set draft on every target, or clear it when every editable target is a draft."""
        editable = [i for i in targets if self.articles[i].editable]
        all_drafts = bool(editable) and all(get_path(self.data(i), "draft") is True for i in editable)
        value = not all_drafts
        return value, self.stage({i: [SetValue(DRAFT, value)] for i in targets})

    def set_field(self, index: int, path: tuple[str, ...], value: Any) -> StageResult:
        edit: Edit = DeleteKey(path) if value is None else SetValue(path, value)
        return self.stage({index: [edit]})

    def set_tags(self, index: int, tags: Sequence[str]) -> StageResult:
        """Make an article's tags ``tags``: removals and additions, or one list when reordered."""
        current = get_path(self.data(index), "tags")
        old = list(current) if isinstance(current, list | tuple) else []
        new = list(dict.fromkeys(tags))
        edits: list[Edit] = [RemoveItem(TAGS, t) for t in old if t not in new]
        edits += [AddItem(TAGS, t) for t in new if t not in old]
        kept = [t for t in old if t in new] + [t for t in new if t not in old]
        if kept != new:
            edits = [SetValue(TAGS, new)]
        return self.stage({index: edits})

    def rename_tags(self, renames: Sequence[tuple[str, str]]) -> StageResult:
        """Rename (or merge into the new name) tags across the whole folder, one undo step."""
        plans: dict[int, list[Edit]] = {}
        for index in range(len(self.articles)):
            tags = self.tags_of(index)
            for old, new in renames:
                if old in tags:
                    plans.setdefault(index, []).append(ReplaceItem(TAGS, old, new))
        return self.stage(plans)

    def rename_preview(self, old: str, new: str, sample: int = 5) -> tuple[int, int, list[str]]:
        """(articles with ``old``, of which already carry ``new``, a few of their paths)."""
        having = [i for i in range(len(self.articles)) if old in self.tags_of(i)]
        merged = sum(1 for i in having if new in self.tags_of(i))
        return len(having), merged, [self.articles[i].relpath for i in having[:sample]]

    def tags_of(self, index: int) -> tuple[str, ...]:
        tags = get_path(self.data(index), "tags")
        if isinstance(tags, list | tuple):
            return tuple(t for t in tags if isinstance(t, str))
        return ()

    def tag_counts(self, indices: Iterable[int] | None = None) -> Counter[str]:
        """How many articles carry each tag (staged edits included)."""
        if indices is None:
            return Counter(self._cached("tags", lambda: self._count_tags(None)))
        return self._count_tags(indices)

    def _count_tags(self, indices: Iterable[int] | None) -> Counter[str]:
        counts: Counter[str] = Counter()
        for index in range(len(self.articles)) if indices is None else indices:
            counts.update(set(self.tags_of(index)))
        return counts

    # -- marks, filter, sort ---------------------------------------------------------------

    def toggle_mark(self, index: int) -> bool:
        if index in self.marked:
            self.marked.discard(index)
            return False
        self.marked.add(index)
        return True

    def mark_all_visible(self) -> int:
        before = len(self.marked)
        self.marked.update(self.visible)
        return len(self.marked) - before

    def clear_marks(self) -> int:
        count = len(self.marked)
        self.marked.clear()
        return count

    @property
    def hidden_marks(self) -> int:
        if not self.marked:
            return 0
        shown = set(self.visible)
        return sum(1 for i in self.marked if i not in shown)

    def context(self) -> FilterContext:
        return FilterContext(
            frozenset(self.articles[i].path for i in self.staged),
            frozenset(self.articles[i].path for i in self.marked),
        )

    def order(self, sort: str) -> list[int]:
        """Every article index in ``sort`` order (cached until a row changes)."""
        return self._cached(f"order:{sort}", lambda: sort_indices(list(range(len(self.articles))), sort, self.rows))

    def compute_view(
        self, matcher: Matcher | None, sort: str, cancelled: Callable[[], bool] = lambda: False
    ) -> list[int] | None:
        """The indices to show for a filter and sort (None when cancelled midway).

        Filtering walks the cached sorted order, so a keystroke never sorts.
        """
        order = self.order(sort)
        if matcher is None:
            return list(order)
        predicate = matcher(self.context())
        articles = self.articles
        shown: list[int] = []
        for start in range(0, len(order), 2048):
            if cancelled():
                return None
            for index in order[start : start + 2048]:
                try:
                    if predicate(articles[index]):
                        shown.append(index)
                except Exception:  # noqa: BLE001 - one odd article must not break the filter
                    continue
        return shown

    @property
    def with_problems(self) -> int:
        return self._cached("problems", lambda: sum(1 for row in self.rows if row.status != "clean"))

    def next_problem(self, position: int, step: int) -> int | None:
        """The next visible position (after ``position``, in direction ``step``) with problems."""
        count = len(self.visible)
        pos = position + step
        while 0 <= pos < count:
            if self.rows[self.visible[pos]].status != "clean":
                return pos
            pos += step
        return None


def _merge(edits: list[Edit], edit: Edit) -> list[Edit]:
    """Append ``edit``; a later set/delete of a field replaces an earlier set/delete of it."""
    if isinstance(edit, SetValue | DeleteKey):
        edits = [e for e in edits if not (isinstance(e, SetValue | DeleteKey) and e.field == edit.field)]
    return [*edits, edit]


def not_editable_reason(article: Article) -> str:
    """Why an article cannot be edited (raw, broken front matter...)."""
    if article.kind == "raw":
        return "raw article with no front matter (run `copydesk adopt` first)"
    if article.problems:
        return article.problems[0].message
    return f"front matter cannot be edited ({article.kind})"
