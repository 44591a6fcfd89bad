"""The query language of ``--where`` and the TUI's filter box: one parser, one evaluator.

Grammar (terms separated by spaces are ANDed)::

    query   := term*
    term    := ["-"] (phrase | word | field ":" items)      "-" negates the term
    items   := item ("," item)*                             "," is OR
    item    := [op] (quoted | bare)                         op: "~" "=" ">" ">=" "<" "<="
    field   := a dotted front-matter key (source.key), or is / has / code; tag = tags

``field:value`` is case-insensitive equality (a list field matches when any element does);
``field:~text`` a substring; comparisons take numbers or dates (``2025-11-01`` is that whole
UTC day, ``-7d``/``-2w``/``-12h``/``-30m`` are relative to now, ``today``/``yesterday`` are
days). ``is:raw|invalid|draft|dirty|marked|duplicate|contradicted``, the git states ``is:modified|staged|
untracked|conflicted|renamed``, ``has:FIELD`` (present and not empty),
``code:CD4`` (a problem code or family), ``dup:ID`` (the duplicate group of that id, as
``copydesk dupes`` prints it, or of that member: ``dup:2025/a.md``, a path relative to the
folder). ``is:duplicate`` and ``dup:`` need the folder's duplicate groups
(:mod:`core.dupes`): they are computed only when a query uses one of them. Bare words and "quoted phrases" are substrings of
the title or the description. A missing field never matches (so ``-tag:X`` keeps articles
without tags). An unknown field or a malformed term raises :class:`QueryError`; so does
a ``dup:`` value that names no group, in :func:`where` (:meth:`Query.check_groups`, once the
groups are found).

:func:`compile` turns the text into closures once; :meth:`Query.matches` then costs a few
dictionary look-ups per article (~1-3 us). For a large list filtered again and again (the
TUI, per keystroke) a :class:`QueryIndex` evaluates each term once per *distinct* value
(a date comparison is a binary search) and remembers each term's answer: 0.1-30 ms per query
over 50,000 articles (``python -m bench.query_filter``). :func:`rank` is the separate
typo-tolerant step (rapidfuzz) for callers that want the closest titles first.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import compress, repeat
from operator import or_
from pathlib import Path
from typing import Any

from . import checks
from .config import Config, SentimentSettings
from .document import Article
from .errors import CopydeskError
from .git.status import GIT_STATES

Predicate = Callable[[Article], bool]


@dataclass(frozen=True)
class State:
    """One ``is:`` state: a new state is one entry of :data:`STATES`, which says all that the
    query language, the CLI and the terminal UI need to know of it."""

    test: Callable[[Article, MatchContext], bool]
    reads: tuple[str, ...] = ()  # the top-level metadata keys the test reads (loaded for it)
    reads_problems: bool = False  # the test reads the article's problems
    ui_only: bool = False  # only the terminal UI knows it (unsaved edits, marks): it changes
    # while a list is open, and a batch command refuses it
    git: bool = False  # what git says of the file (the caller's context): changes with every commit
    reads_groups: bool = False  # the test reads the folder's duplicate groups (MatchContext.duplicates)

    @property
    def volatile(self) -> bool:
        """Whether the answer can change while a list is open (never cached): the caller's
        context answers it, and marks, git and the groups change as the folder does."""
        return self.ui_only or self.git or self.reads_groups


def _git_state(state: str) -> State:
    def test(article: Article, ctx: MatchContext) -> bool:
        found = ctx.git_state(article) if ctx.git_state is not None else None
        return found is not None and found.is_(state)

    return State(test, git=True)


STATES: dict[str, State] = {
    "raw": State(lambda a, ctx: a.kind == "raw"),
    "invalid": State(lambda a, ctx: a.has_errors, reads_problems=True),
    "draft": State(lambda a, ctx: a.meta is not None and a.meta.get("draft") is True, reads=("draft",)),
    "dirty": State(lambda a, ctx: ctx.is_dirty is not None and ctx.is_dirty(a), ui_only=True),
    "marked": State(lambda a, ctx: ctx.is_marked is not None and ctx.is_marked(a), ui_only=True),
    "duplicate": State(lambda a, ctx: ctx.duplicates is not None and a.relpath in ctx.duplicates(), reads_groups=True),
    # The article's git state (core.git.status): unstaged changes, staged ones, not tracked,
    # unmerged, staged as a rename's new name. Outside a repository none of them matches.
    **{name: _git_state(name) for name in GIT_STATES},
    # The sentiment contradicts a confident suggestion (rule CD307's test, without running
    # the rules): scores the lede of each article holding the positive or negative label.
    "contradicted": State(lambda a, ctx: _contradicted(a, ctx), reads=("title", "description", "sentiment")),
}


def _contradicted(article: Article, ctx: MatchContext) -> bool:
    from .sentiment import contradicted  # vaderSentiment: only for this state

    return contradicted(article, ctx.sentiment or SentimentSettings())

_OPERATORS = (">=", "<=", ">", "<", "=", "~")
_FIELD_NAME = re.compile(r"[A-Za-z_][\w-]*(?:\.[A-Za-z_0-9][\w-]*)*\Z")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_RELATIVE = re.compile(r"([+-])(\d+)([mhdw])\Z")
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_QUOTES = "\"'"
_BARE_VALUE = re.compile(r"[^\s,\"']+\Z")  # a value that needs no quotes
_MEMO_LIMIT = 200_000  # entries per compiled term; cleared (not evicted) when exceeded


class QueryError(CopydeskError, ValueError):
    """A malformed term or an unknown field; names the term and its 1-based column."""

    def __init__(self, message: str, term: str, position: int) -> None:
        super().__init__(f"column {position}: {message} (in {term!r})")
        self.reason = message
        self.term = term
        self.position = position

    def pointer(self, query: str) -> str:
        """Two lines for a terminal: the query and a caret under the faulty column."""
        return f"  {query}\n  {' ' * (self.position - 1)}^"


@dataclass(frozen=True, slots=True)
class MatchContext:
    """What only the caller knows: unsaved edits (``is:dirty``), marks (``is:marked``) and
    each article's git state (``is:modified`` ...: a ``core.git.status.FileState`` or None),
    the folder's duplicate groups (``is:duplicate``, ``dup:``): ``duplicates`` gives each
    grouped article's relative path -> its group's id, called only when a term needs it; and
    the folder's sentiment settings (``is:contradicted``)."""

    is_dirty: Callable[[Article], bool] | None = None
    is_marked: Callable[[Article], bool] | None = None
    git_state: Callable[[Article], Any] | None = None
    duplicates: Callable[[], Mapping[str, str]] | None = None
    sentiment: SentimentSettings | None = None  # the folder's ``[sentiment]`` (``is:contradicted``)


_NO_CONTEXT = MatchContext()


@dataclass(frozen=True, slots=True)
class Term:
    """One parsed term, kept for messages, the TUI's chips and :func:`rank`."""

    text: str
    position: int  # 1-based column in the query
    negated: bool
    kind: str  # "text", "field", "is", "has", "code", "dup"
    field: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (operator, value) pairs, ORed
    columns: tuple[int, ...] = ()  # field terms: the 1-based column of each value, for messages


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A term ready to evaluate: per article (``predicate``) or over a :class:`QueryIndex`."""

    term: Term
    predicate: Callable[[Article, MatchContext], bool]  # the term itself, negation not applied
    cache_key: tuple[Any, ...] | None  # None: depends on the moment or the caller's context
    path: tuple[str, ...] = ()  # field terms
    test: Callable[[Any], bool] | None = None  # field terms: one scalar value -> matches?
    ranges: tuple[_Range, ...] | None = None  # field terms made only of comparisons
    substrings: tuple[str, ...] | None = None  # field terms made only of `~text` (case-folded)
    paths: tuple[tuple[str, ...], ...] = ()  # has:
    needle: str = ""  # bare words and phrases (case-folded)
    states: tuple[str, ...] = ()  # is:
    prefixes: tuple[str, ...] = ()  # code:


@dataclass(frozen=True)
class Query:
    """A compiled query: :meth:`matches` one article, :meth:`filter` a list, or use a
    :class:`QueryIndex` to filter the same large list again and again (the TUI)."""

    text: str
    compiled: tuple[_Compiled, ...] = field(repr=False, default=())
    _predicates: tuple[Callable[[Article, MatchContext], bool], ...] = field(repr=False, default=())

    @property
    def terms(self) -> tuple[Term, ...]:
        return tuple(c.term for c in self.compiled)

    @property
    def words(self) -> tuple[str, ...]:
        """The bare words and phrases (not negated): what :func:`rank` ranks by."""
        return tuple(c.term.values[0][1] for c in self.compiled if c.term.kind == "text" and not c.term.negated)

    @property
    def needs(self) -> frozenset[str]:
        """The states only the terminal UI knows (``dirty``, ``marked``) that the query uses."""
        return frozenset(s for c in self.compiled for s in c.states if STATES[s].ui_only)

    @property
    def needs_git(self) -> bool:
        """Whether the query asks what git says of the files (``is:modified`` ...)."""
        return any(STATES[s].git for c in self.compiled for s in c.states)

    @property
    def needs_duplicates(self) -> bool:
        """Whether the query reads the folder's duplicate groups (``is:duplicate``, ``dup:``)."""
        return any(c.term.kind == "dup" or any(STATES[s].reads_groups for s in c.states) for c in self.compiled)

    def check_groups(self, groups: Callable[[], Mapping[str, str]]) -> None:
        """Raise QueryError for a ``dup:`` value that names no group of ``groups()`` (each
        grouped article's relative path -> its group's id): neither a group id nor the path
        of an article in a group, a typo that would otherwise match nothing in silence.
        ``groups`` is called only when the query has a ``dup:`` term."""
        terms = [c.term for c in self.compiled if c.term.kind == "dup"]
        found = groups() if terms else {}
        for term in terms:
            for value, group in _group_ids(_dup_values(term), found).items():
                if not group:
                    raise QueryError(f"no duplicate group {value!r}: neither a group id (`copydesk dupes` lists them) "
                                     "nor the path of an article in a group", term.text, term.position)

    @property
    def needs_problems(self) -> bool:
        """Whether the query reads the articles' problems (``is:invalid``, ``code:``)."""
        return any(c.term.kind == "code" or any(STATES[s].reads_problems for s in c.states) for c in self.compiled)

    def keys_read(self, answered: frozenset[str] = frozenset()) -> frozenset[str]:
        """The top-level metadata keys the query reads (words read the title and the
        description); ``is:`` states in ``answered`` are known without the metadata."""
        keys: set[str] = set()
        for compiled in self.compiled:
            kind = compiled.term.kind
            if kind == "text":
                keys.update(("title", "description"))
            elif kind == "field":
                keys.add(compiled.path[0])
            elif kind == "has":
                keys.update(path[0] for path in compiled.paths)
            elif kind == "is":
                keys.update(key for state in compiled.states if state not in answered for key in STATES[state].reads)
        return frozenset(keys)

    @property
    def is_empty(self) -> bool:
        return not self.compiled

    def matches(self, article: Article, context: MatchContext | None = None) -> bool:
        ctx = context or _NO_CONTEXT
        for predicate in self._predicates:
            if not predicate(article, ctx):
                return False
        return True

    def filter(self, articles: Iterable[Article], context: MatchContext | None = None) -> list[Article]:
        ctx = context or _NO_CONTEXT
        predicates = self._predicates
        if not predicates:
            return list(articles)
        if len(predicates) == 1:
            only = predicates[0]
            return [a for a in articles if only(a, ctx)]
        return [a for a in articles if all(p(a, ctx) for p in predicates)]


# -- known fields ----------------------------------------------------------------------------


def _schema(config: Config | None) -> dict[str, Any] | None:
    """The schema as data (the configured one, else the bundled one); None when unreadable."""
    from .schema import SchemaError, load_schema

    try:
        return load_schema(config or Config(root=Path.cwd()))
    except SchemaError:
        return None


def schema_fields(config: Config | None = None) -> set[str]:
    """Dotted field names the schema declares (the configured one, else the bundled one).

    An unreadable schema gives no names: the articles' own fields still count.
    """
    from .schema import known_fields as declared

    schema = _schema(config)
    return declared(schema) if schema is not None else set()


def article_fields(articles: Iterable[Article]) -> set[str]:
    """Dotted names of every key (nested mappings included) in the articles' front matter."""
    top: set[str] = set()
    names: set[str] = set()
    for article in articles:
        meta = article.meta
        if not meta:
            continue
        top.update(meta)
        for key, value in meta.items():
            if isinstance(value, Mapping):
                _meta_walk(value, f"{key}.", names, 1)
    return names | {str(key) for key in top}


def fields_of(meta: Mapping[str, Any]) -> set[str]:
    """Dotted names of every key of one article's front matter (what :func:`article_fields`
    finds in it; the index keeps them with its values, core.index.values)."""
    names: set[str] = set()
    for key, value in meta.items():
        names.add(str(key))
        if isinstance(value, Mapping):
            _meta_walk(value, f"{key}.", names, 1)
    return names


def _meta_walk(meta: Mapping[str, Any], prefix: str, names: set[str], depth: int) -> None:
    for key, value in meta.items():
        dotted = f"{prefix}{key}"
        names.add(dotted)
        if isinstance(value, Mapping) and depth < 10:
            _meta_walk(value, dotted + ".", names, depth + 1)


def known_fields(articles: Iterable[Article], config: Config | None = None) -> set[str]:
    """The field names a query may use: the schema's plus every article's."""
    return schema_fields(config) | article_fields(articles)


def where(articles: Sequence[Article], text: str, config: Config | None = None, *, batch: bool = True,
          fields: Iterable[str] | None = None) -> list[Article]:
    """The articles matching ``text`` (for ``--where``): fields checked against the schema
    and the articles (``fields``: their field names, when their ``meta`` is partial), enum
    and boolean values against the schema; in a batch command ``is:dirty`` / ``is:marked``
    are errors (only the terminal UI has unsaved edits and marks). ``is:modified`` and the
    other git states ask git once, about the corpus root."""
    known = known_fields(articles, config) if fields is None else schema_fields(config) | set(fields)
    query = compile(text, known, schema=_schema(config))
    if batch and query.needs:
        state = sorted(query.needs)[0]
        term = next(t for t in query.terms if t.kind == "is" and any(v.casefold() == state for _, v in t.values))
        raise QueryError(f"is:{state} only means something in the terminal UI", term.text, term.position)
    git_state = duplicates = None
    sentiment = config.sentiment if config is not None else None
    if query.needs_git and articles:
        from .git.status import git_states

        states = git_states((config or Config(root=Path.cwd())).root)
        git_state = lambda article: states.get(article.relpath)  # noqa: E731
    if query.needs_duplicates and config is not None:
        duplicates = folder_duplicates(config)
        query.check_groups(duplicates)
    return query.filter(articles, MatchContext(git_state=git_state, duplicates=duplicates, sentiment=sentiment))


def folder_duplicates(config: Config) -> Callable[[], Mapping[str, str]]:
    """The duplicate groups of ``config``'s whole folder, as :attr:`MatchContext.duplicates`
    wants them: found (:func:`core.dupes.find_duplicates`, through its cache) on the first
    call, then kept."""
    found: list[Mapping[str, str]] = []

    def duplicates() -> Mapping[str, str]:
        if not found:
            from .dupes import find_duplicates

            found.append(find_duplicates([config.root], config).group_of())
        return found[0]

    return duplicates


# -- parsing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Scanner:
    text: str
    pos: int = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def at_quote(self) -> bool:
        return self.pos < len(self.text) and self.text[self.pos] in _QUOTES

    def at_end_of_term(self) -> bool:
        return self.pos >= len(self.text) or self.text[self.pos].isspace()


def _term_text(text: str, start: int) -> str:
    """The raw term starting at ``start`` (to the next unquoted space), for messages."""
    i, quote = start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch.isspace():
            break
        elif ch in _QUOTES and (i == start or text[i - 1] in ":,-~=<>"):
            quote = ch
        i += 1
    return text[start:i]


def _read_quoted(sc: _Scanner, term_start: int) -> str:
    quote = sc.text[sc.pos]
    opened = sc.pos
    sc.pos += 1
    out: list[str] = []
    while sc.pos < len(sc.text):
        ch = sc.text[sc.pos]
        if ch == "\\" and sc.pos + 1 < len(sc.text) and sc.text[sc.pos + 1] in (quote, "\\"):
            out.append(sc.text[sc.pos + 1])
            sc.pos += 2
            continue
        if ch == quote:
            sc.pos += 1
            return "".join(out)
        out.append(ch)
        sc.pos += 1
    # The caret goes under the quote left open, not the start of its term.
    raise QueryError(f"unterminated quote: no closing {quote} after this one", sc.text[term_start:], opened + 1)


def parse(text: str) -> list[Term]:
    """Split a query into terms (no field validation); raises QueryError on malformed syntax."""
    sc = _Scanner(text)
    terms: list[Term] = []
    n = len(text)
    while True:
        while sc.pos < n and text[sc.pos].isspace():
            sc.pos += 1
        if sc.pos >= n:
            return terms
        start = sc.pos
        raw = _term_text(text, start)
        negated = False
        if text[sc.pos] == "-":
            negated = True
            sc.pos += 1
            if sc.at_end_of_term():
                raise QueryError("nothing after '-' (write -TERM to exclude what TERM matches)", raw, start + 1)
        if sc.at_quote():
            phrase = _read_quoted(sc, start)
            if not sc.at_end_of_term():
                raise QueryError("unexpected text after the closing quote", raw, sc.pos + 1)
            if not phrase.strip():
                raise QueryError("empty phrase", raw, start + 1)
            terms.append(Term(text[start : sc.pos], start + 1, negated, "text", values=(("~", phrase),)))
            continue
        head_start = sc.pos
        while sc.pos < n and not text[sc.pos].isspace() and text[sc.pos] != ":":
            sc.pos += 1
        head = text[head_start : sc.pos]
        if sc.peek() != ":":
            terms.append(Term(text[start : sc.pos], start + 1, negated, "text", values=(("~", head),)))
            continue
        if not head:
            raise QueryError("missing field name before ':'", raw, head_start + 1)
        if not _FIELD_NAME.match(head):
            raise QueryError(f'invalid field name {head!r} (to search for the text, quote it: "{raw.lstrip("-")}")', raw, head_start + 1)
        sc.pos += 1  # the colon
        values, columns = _parse_items(sc, raw, start, head)
        terms.append(_special(Term(text[start : sc.pos], start + 1, negated, "field", head, tuple(values), tuple(columns))))


def _parse_items(sc: _Scanner, raw: str, start: int, name: str) -> tuple[list[tuple[str, str]], list[int]]:
    """The ``(operator, value)`` items of a field term and the column where each value starts."""
    text = sc.text
    items: list[tuple[str, str]] = []
    columns: list[int] = []
    if sc.at_end_of_term():
        hint = "" if name in ("is", "has", "code", "dup") else f' (quote an empty value: {name}:"")'
        raise QueryError(f"missing value after '{name}:'{hint}", raw, sc.pos + 1)
    while True:
        item_start = sc.pos
        op = "="
        for candidate in _OPERATORS:
            if text.startswith(candidate, sc.pos):
                op = candidate
                sc.pos += len(candidate)
                break
        columns.append(sc.pos + 1)
        if sc.at_quote():
            value = _read_quoted(sc, start)
            if not (sc.at_end_of_term() or sc.peek() == ","):
                raise QueryError("unexpected text after the closing quote", raw, sc.pos + 1)
        else:
            value_start = sc.pos
            while sc.pos < len(text) and not text[sc.pos].isspace() and text[sc.pos] != ",":
                sc.pos += 1
            value = text[value_start : sc.pos]
            if not value:
                what = f"after '{op}'" if sc.pos > item_start else "between commas" if items else "after ','"
                raise QueryError(f"missing value {what}", raw, sc.pos + 1)
        items.append((op, value))
        if sc.peek() == ",":
            sc.pos += 1
            if sc.at_end_of_term():
                raise QueryError("missing value after ','", raw, sc.pos + 1)
            continue
        return items, columns


def _special(term: Term) -> Term:
    name = term.field
    if name == "tag":
        return replace(term, field="tags")
    if name in ("is", "has", "code", "dup"):
        return replace(term, kind=name, field=name)
    return term


# -- compiling -------------------------------------------------------------------------------


def compile(
    query: str,
    known_fields: Iterable[str] | None = None,
    *,
    now: datetime | None = None,
    schema: dict[str, Any] | None = None,
) -> Query:
    """Parse and compile ``query`` once.

    ``known_fields`` (see :func:`known_fields`) turns an unknown field into a QueryError;
    ``None`` accepts any field. ``now`` anchors relative dates (default: the current time).
    ``schema`` (the JSON Schema as data) turns a value no valid article can hold into a
    QueryError: outside an enum field's values, or neither true nor false for a boolean.
    """
    terms = parse(query)
    known = _FieldNames(known_fields)
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    compiled = tuple(_compile_term(term, known, moment, schema) for term in terms)
    predicates = tuple(_negate(c.predicate) if c.term.negated else c.predicate for c in compiled)
    return Query(query, compiled, predicates)


class _FieldNames:
    def __init__(self, names: Iterable[str] | None) -> None:
        self.names = set(names) if names is not None else None
        self.folded: dict[str, list[str]] = {}
        for name in self.names or ():
            self.folded.setdefault(name.casefold(), []).append(name)

    def resolve(self, name: str, term: Term, quote_hint: bool = True) -> str:
        if self.names is None or name in self.names:
            return name
        candidates = self.folded.get(name.casefold(), [])
        if len(candidates) == 1:
            return candidates[0]  # `publishedat:` means `publishedAt:`
        hint = _closest(name, self.names | ({"tag"} if "tags" in self.names else set()))
        suggestion = f"; did you mean {hint!r}?" if hint else ""
        if quote_hint:
            suggestion += f' (to search for the text, quote it: "{term.text.lstrip("-")}")'
        raise QueryError(f"unknown field {name!r}: not in the schema nor in any article{suggestion}", term.text, term.position)


def _closest(name: str, names: Iterable[str]) -> str | None:
    from rapidfuzz import fuzz, process

    found = process.extractOne(name, sorted(names), scorer=fuzz.ratio, processor=str.casefold, score_cutoff=60)
    return found[0] if found else None


def _negate(predicate: Callable[[Article, MatchContext], bool]) -> Callable[[Article, MatchContext], bool]:
    return lambda article, ctx: not predicate(article, ctx)


def _compile_term(term: Term, known: _FieldNames, now: datetime, schema: dict[str, Any] | None = None) -> _Compiled:
    if term.kind == "text":
        needle = term.values[0][1].casefold()
        return _Compiled(term, _text_predicate(needle), ("text", needle), needle=needle)
    if term.kind == "is":
        states = _is_states(term)
        volatile = any(STATES[state].volatile for state in states)
        return _Compiled(term, _is_predicate(states), None if volatile else ("is", states), states=states)
    if term.kind == "code":
        prefixes = _code_prefixes(term)
        return _Compiled(term, _code_predicate(prefixes), ("code", prefixes), prefixes=prefixes)
    if term.kind == "dup":
        wanted = _dup_values(term)
        return _Compiled(term, _dup_predicate(wanted), None)
    if term.kind == "has":
        paths = []
        for op, value in term.values:
            if op != "=":
                raise QueryError(f"'has:' takes field names, not {op!r}", term.text, term.position)
            if not _FIELD_NAME.match(value):
                raise QueryError(f"invalid field name {value!r}", term.text, term.position)
            paths.append(tuple(known.resolve("tags" if value == "tag" else value, term, False).split(".")))
        return _Compiled(term, _has_predicate(paths), ("has", tuple(paths)), paths=tuple(paths))
    name = known.resolve(term.field, term)
    term = replace(term, field=name)
    if schema is not None:
        _check_schema_values(term, schema)
    pairs = [_value_test(op, value, term, now) for op, value in term.values]
    tests = [test for test, _ in pairs]
    test = tests[0] if len(tests) == 1 else (lambda v: any(t(v) for t in tests))
    ranges = tuple(r for _, r in pairs if r is not None)
    path = tuple(name.split("."))
    volatile = any(_is_relative(value) for _, value in term.values)
    key = None if volatile else ("field", path, term.values)
    substrings = tuple(value.casefold() for op, value in term.values if op == "~")
    return _Compiled(
        term, _field_predicate(path, test), key, path=path, test=test,
        ranges=ranges if len(ranges) == len(pairs) else None,
        substrings=substrings if len(substrings) == len(pairs) else None,
    )


def _check_schema_values(term: Term, schema: dict[str, Any]) -> None:
    """Raise QueryError for an equality value that no article the schema accepts can hold,
    a typo that would otherwise match nothing: an enum field's value that equals none of
    the allowed ones (in any case), a boolean field's value other than true or false.
    ``~text``, comparisons and ``field:""`` (an empty value) are other questions."""
    from .schema import enum_values, field_types

    path = tuple(term.field.split("."))
    allowed = enum_values(schema, path)
    types = field_types(schema, path)
    boolean = not allowed and "boolean" in types and types <= {"boolean", "null"}
    if boolean:
        allowed = [True, False]
    if not allowed:
        return
    names = [_scalar_text(a) or str(a) for a in allowed]
    choices = "true or false" if boolean else f"one of {', '.join(names)}"
    for (op, value), column in zip(term.values, term.columns or [term.position] * len(term.values), strict=True):
        if op != "=" or value == "" or any(map(_equality_test(value), allowed)):
            continue
        hint = _closest(value, names)
        suggestion = f"; did you mean {hint!r}?" if hint else ""
        text = value if _BARE_VALUE.match(value) else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        raise QueryError(
            f"{term.field} is {choices}, not {value!r}{suggestion} (to search for the text, write {term.field}:~{text})",
            term.text, column,
        )


def _is_relative(value: str) -> bool:
    return bool(_RELATIVE.match(value)) or value.casefold() in ("today", "yesterday")


# Case-folded strings are cached: tags and enum values repeat across thousands of articles.
_FOLD: dict[str, str] = {}


def _fold(text: str) -> str:
    folded = _FOLD.get(text)
    if folded is None:
        if len(_FOLD) > 500_000:
            _FOLD.clear()
        folded = _FOLD[text] = text.casefold()
    return folded


def _folded(text: str) -> str:
    """``text`` case-folded, the very object when it already is."""
    folded = text.casefold()
    return text if folded == text else folded


def _text_predicate(folded: str) -> Callable[[Article, MatchContext], bool]:
    # Titles and descriptions repeat across keystrokes: remember each string's answer.
    memo: dict[str, bool] = {}

    def contains(text: str) -> bool:
        hit = memo.get(text)
        if hit is None:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            hit = memo[text] = folded in text.casefold()
        return hit

    def predicate(article: Article, ctx: MatchContext) -> bool:
        meta = article.meta
        if meta is None:
            return False
        title = meta.get("title")
        if type(title) is str and contains(title):
            return True
        description = meta.get("description")
        return type(description) is str and contains(description)

    return predicate


def _is_states(term: Term) -> tuple[str, ...]:
    states = []
    for op, value in term.values:
        word = value.casefold()
        if op != "=" or word not in STATES:
            raise QueryError(f"unknown state {value!r} after 'is:' (one of: {', '.join(STATES)})", term.text, term.position)
        states.append(word)
    return tuple(states)


def _is_predicate(states: tuple[str, ...]) -> Callable[[Article, MatchContext], bool]:
    return _any_of([STATES[state].test for state in states])


def _dup_values(term: Term) -> tuple[str, ...]:
    values = []
    for op, value in term.values:
        if op != "=" or not value.strip():
            raise QueryError("'dup:' takes a group id (as `copydesk dupes` prints it) or a member's path",
                             term.text, term.position)
        values.append(value.strip().removeprefix("./"))
    return tuple(values)


def _group_ids(wanted: tuple[str, ...], groups: Mapping[str, str]) -> dict[str, str]:
    """Each ``dup:`` value -> the id of the group it names (a group id, or a grouped
    article's relative path); "" for a value that names none."""
    known = set(groups.values())
    return {value: value if value in known else groups.get(value, "") for value in wanted}


def _dup_predicate(wanted: tuple[str, ...]) -> Callable[[Article, MatchContext], bool]:
    """``dup:X``: the articles of the group whose id is X, or of the group X (a relative
    path) is in; the groups are asked for on the first article tested."""
    resolved: dict[int, frozenset[str]] = {}

    def predicate(article: Article, ctx: MatchContext) -> bool:
        if ctx.duplicates is None:
            return False
        groups = ctx.duplicates()
        ids = resolved.get(id(groups))
        if ids is None:
            ids = resolved[id(groups)] = frozenset(_group_ids(wanted, groups).values()) - {""}
        return groups.get(article.relpath) in ids

    return predicate


def _code_prefixes(term: Term) -> tuple[str, ...]:
    prefixes: list[str] = []
    for op, value in term.values:
        code = value.upper()
        # The registry is read only here: importing the rule families costs ~10 ms,
        # which a filter without `code:` never pays.
        if op != "=" or not any(rule.startswith(code) for rule in checks.RULES):
            raise QueryError(f"unknown problem code {value!r} (see `copydesk rules`)", term.text, term.position)
        prefixes.append(code)
    return tuple(prefixes)


def _code_predicate(prefixes: tuple[str, ...]) -> Callable[[Article, MatchContext], bool]:
    return lambda a, ctx: any(p.code.startswith(prefixes) for p in a.problems)


def _any_of(checks: Sequence[Callable[[Article, MatchContext], bool]]) -> Callable[[Article, MatchContext], bool]:
    if len(checks) == 1:
        return checks[0]
    return lambda a, ctx: any(check(a, ctx) for check in checks)


_MISSING = object()


def _getter(path: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Any]:
    if len(path) == 1:
        key = path[0]
        return lambda meta: meta.get(key, _MISSING)

    def get(meta: Mapping[str, Any]) -> Any:
        node: Any = meta
        for part in path:
            if not isinstance(node, Mapping):
                return _MISSING
            node = node.get(part, _MISSING)
            if node is _MISSING:
                return _MISSING
        return node

    return get


def _is_empty(value: Any) -> bool:
    return value is None or value is _MISSING or (isinstance(value, str | tuple | list | Mapping) and len(value) == 0)


def _has_predicate(paths: list[tuple[str, ...]]) -> Callable[[Article, MatchContext], bool]:
    getters = [_getter(p) for p in paths]

    def predicate(article: Article, ctx: MatchContext) -> bool:
        meta = article.meta
        if meta is None:
            return False
        return any(not _is_empty(get(meta)) for get in getters)

    return predicate


def _field_predicate(path: tuple[str, ...], test: Callable[[Any], bool]) -> Callable[[Article, MatchContext], bool]:
    # The answer depends only on the value and string values repeat (tags, enums, dates):
    # remember it per string. A str key is never equal to a value of another type.
    memo: dict[str, bool] = {}

    def item_test(item: Any) -> bool:
        if type(item) is not str:
            return test(item)
        hit = memo.get(item)
        if hit is None:
            if len(memo) > _MEMO_LIMIT:
                memo.clear()
            hit = memo[item] = test(item)
        return hit

    get = _getter(path)

    def predicate(article: Article, ctx: MatchContext) -> bool:
        meta = article.meta
        if meta is None:
            return False
        value = get(meta)
        if type(value) is tuple:
            for item in value:
                if item_test(item):
                    return True
            return False
        return value is not _MISSING and item_test(value)

    return predicate


# -- value tests -----------------------------------------------------------------------------


def _scalar_text(value: Any) -> str | None:
    """How a scalar reads in a query (``true``, ``3``, ``null``); None for mappings."""
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return None


def _number(value: Any) -> float | None:
    if type(value) is int or type(value) is float:
        return float(value)
    if type(value) is str and value and (value[0].isdigit() or value[0] in "+-."):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


_TIMESTAMPS: dict[str, float | None] = {}


def _timestamp(value: Any) -> float | None:
    """Seconds since the epoch for a date or date-time value (naive means UTC), else None."""
    if type(value) is str:
        cached = _TIMESTAMPS.get(value, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        result = _parse_timestamp(value)
        if len(_TIMESTAMPS) > 500_000:
            _TIMESTAMPS.clear()
        _TIMESTAMPS[value] = result
        return result
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp()
    return None


def _parse_timestamp(text: str) -> float | None:
    if len(text) < 10 or not text[:4].isdigit() or text[4] != "-":
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _query_period(value: str, term: Term, now: datetime) -> tuple[float, float] | None:
    """A date query value as [start, end) seconds; an instant has start == end. None: not a date."""
    lowered = value.casefold()
    if lowered in ("today", "yesterday"):
        day = now.astimezone(UTC).date() - timedelta(days=1 if lowered == "yesterday" else 0)
        start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        return start, start + 86400
    relative = _RELATIVE.match(value)
    if relative:
        sign, amount, unit = relative.groups()
        seconds = int(amount) * _UNITS[unit] * (-1 if sign == "-" else 1)
        instant = now.timestamp() + seconds
        return instant, instant
    if _DAY.match(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise QueryError(f"{value!r} is not a valid date", term.text, term.position) from None
        start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        return start, start + 86400
    if len(value) > 10 and _DAY.match(value[:10]) and value[10] in "Tt ":
        instant = _parse_timestamp(value)
        if instant is None:
            raise QueryError(f"{value!r} is not a valid date-time", term.text, term.position)
        return instant, instant
    return None


@dataclass(frozen=True, slots=True)
class _Range:
    """A comparison as an interval of numbers or of timestamps (seconds, UTC)."""

    domain: str  # "date" or "number"
    lo: float = -math.inf
    hi: float = math.inf
    lo_inclusive: bool = True
    hi_inclusive: bool = True

    def key(self, item: Any) -> float | None:
        if self.domain == "date":
            return _timestamp(item)
        if item is True or item is False:
            return None
        return _number(item)

    def holds(self, x: float) -> bool:
        if x < self.lo or (x == self.lo and not self.lo_inclusive):
            return False
        return x < self.hi or (x == self.hi and self.hi_inclusive)


def _range_for(op: str, domain: str, start: float, end: float) -> _Range:
    """``start == end`` is an instant (or a number); otherwise the whole period [start, end)."""
    if start != end:
        # A whole day: `>DAY` is after the day, `<=DAY` up to its end.
        return {
            ">": _Range(domain, lo=end),
            ">=": _Range(domain, lo=start),
            "<": _Range(domain, hi=start, hi_inclusive=False),
            "<=": _Range(domain, hi=end, hi_inclusive=False),
            "=": _Range(domain, lo=start, hi=end, hi_inclusive=False),
        }[op]
    return {
        ">": _Range(domain, lo=start, lo_inclusive=False),
        ">=": _Range(domain, lo=start),
        "<": _Range(domain, hi=start, hi_inclusive=False),
        "<=": _Range(domain, hi=start),
        "=": _Range(domain, lo=start, hi=start),
    }[op]


def _value_test(op: str, value: str, term: Term, now: datetime) -> tuple[Callable[[Any], bool], _Range | None]:
    """The test of one ``[op]value`` item on one scalar, and its interval when it is a comparison."""
    if op == "~":
        needle = value.casefold()

        def contains(item: Any) -> bool:
            text = _scalar_text(item)
            return text is not None and needle in _fold(text)

        return contains, None
    period = _query_period(value, term, now)
    if period is not None:
        if op == "=" and period[0] == period[1] and _RELATIVE.match(value):
            raise QueryError(f"a relative date needs a comparison: write '>={value}' or '<={value}'", term.text, term.position)
        interval = _range_for(op, "date", *period)
    elif op == "=":
        return _equality_test(value), None
    elif _NUMBER.match(value):
        interval = _range_for(op, "number", float(value), float(value))
    else:
        raise QueryError(f"'{op}' compares numbers or dates; {value!r} is neither", term.text, term.position)

    def in_range(item: Any) -> bool:
        x = interval.key(item)
        return x is not None and interval.holds(x)

    return in_range, interval


def _equality_test(value: str) -> Callable[[Any], bool]:
    folded = value.casefold()
    number = float(value) if _NUMBER.match(value) else None

    def equal(item: Any) -> bool:
        if type(item) is str:
            return item == value or _fold(item) == folded
        if item is None:
            return not folded  # `field:""` finds `field:` (null) as well as `field: ''`
        if number is not None and type(item) in (int, float):
            return item == number
        text = _scalar_text(item)
        return text is not None and text.casefold() == folded

    return equal


# -- filtering a large list again and again -------------------------------------------------


@dataclass(slots=True)
class _Column:
    """One field over every article: each distinct scalar (list elements included) with the
    indices of the articles holding it, and the articles where the field is not empty."""

    values: list[tuple[Any, list[int]]]
    present: set[int]
    ordered: dict[str, tuple[list[float], list[list[int]]]] = field(default_factory=dict)  # by domain
    folded: list[tuple[str, list[int]]] | None = None  # case-folded text of each value, for `~`


class QueryIndex:
    """Evaluates queries over one fixed list of articles by distinct value rather than by
    article (a tag test runs once per distinct tag, not once per article), and keeps each
    term's answer, so typing a second term does not re-evaluate the first.

    Build one per loaded list (columns are built lazily, on first use of a field); build a
    new one when the list changes. Results keep the list's order and equal
    ``query.filter(articles)``.
    """

    def __init__(self, articles: Sequence[Article], cache_size: int = 64) -> None:
        self.articles: list[Article] = list(articles)
        self._columns: dict[tuple[str, ...], _Column] = {}
        self._haystacks: tuple[list[str], list[str]] | None = None
        self._words: dict[str, set[int]] = {}  # answers of text terms, by case-folded word
        self._codes: dict[str, set[int]] | None = None
        self._states: dict[str, set[int]] = {}  # is:raw / invalid / draft never change for a list
        self._cache: dict[tuple[Any, ...], set[int]] = {}
        self._cache_size = cache_size

    def select(self, query: Query, context: MatchContext | None = None) -> list[Article]:
        """The articles matching ``query``, in list order."""
        articles = self.articles
        return [articles[i] for i in self.indices(query, context)]

    def indices(self, query: Query, context: MatchContext | None = None) -> list[int]:
        """Positions in :attr:`articles` of the matches, ascending."""
        ctx = context or _NO_CONTEXT
        if query.is_empty:
            return list(range(len(self.articles)))
        result: set[int] | None = None
        for compiled in query.compiled:
            if not compiled.term.negated:
                matched = self._term_set(compiled, ctx)
                result = set(matched) if result is None else result & matched
                if not result:
                    return []  # the remaining terms cannot add anything
        if result is None:
            result = set(range(len(self.articles)))
        for compiled in query.compiled:
            if compiled.term.negated:
                result -= self._term_set(compiled, ctx)
                if not result:
                    return []
        return sorted(result)

    def _term_set(self, compiled: _Compiled, ctx: MatchContext) -> set[int]:
        key = compiled.cache_key
        if key is not None:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
        result = self._evaluate(compiled, ctx)
        if key is not None:
            if len(self._cache) >= self._cache_size:
                self._cache.pop(next(iter(self._cache)))  # oldest first
            self._cache[key] = result
        return result

    def _evaluate(self, compiled: _Compiled, ctx: MatchContext) -> set[int]:
        kind = compiled.term.kind
        if kind == "field":
            if compiled.ranges is not None:
                return self._range_set(compiled.path, compiled.ranges)
            if compiled.substrings is not None:
                return self._substring_set(compiled.path, compiled.substrings)
            assert compiled.test is not None
            test = compiled.test
            result: set[int] = set()
            for value, where in self._column(compiled.path).values:
                if test(value):
                    result.update(where)
            return result
        if kind == "text":
            return self._text_set(compiled.needle)
        if kind == "has":
            result = set()
            for path in compiled.paths:
                result |= self._column(path).present
            return result
        if kind == "code":
            return {i for code, where in self._code_index().items() if code.startswith(compiled.prefixes) for i in where}
        if kind == "dup":
            test = compiled.predicate
            return {i for i, article in enumerate(self.articles) if test(article, ctx)}
        result = set()  # is:
        for state in compiled.states:
            if STATES[state].volatile:
                test = STATES[state].test
                result |= {i for i, article in enumerate(self.articles) if test(article, ctx)}
                continue
            known = self._states.get(state)
            if known is None:
                test = STATES[state].test
                known = self._states[state] = {i for i, article in enumerate(self.articles) if test(article, ctx)}
            result |= known
        return result

    def _substring_set(self, path: tuple[str, ...], needles: tuple[str, ...]) -> set[int]:
        column = self._column(path)
        if column.folded is None:
            column.folded = [(_fold(text), where) for value, where in column.values if (text := _scalar_text(value)) is not None]
        result: set[int] = set()
        for text, where in column.folded:
            for needle in needles:
                if needle in text:
                    result.update(where)
                    break
        return result

    def _column(self, path: tuple[str, ...]) -> _Column:
        column = self._columns.get(path)
        if column is not None:
            return column
        get = _getter(path)
        groups: dict[Any, tuple[Any, list[int]]] = {}
        present: set[int] = set()
        for i, article in enumerate(self.articles):
            meta = article.meta
            if meta is None:
                continue
            value = get(meta)
            if value is _MISSING:
                continue
            if not _is_empty(value):
                present.add(i)
            for item in value if type(value) is tuple else (value,):
                # bool, int and float compare equal (True == 1): keep them apart by type.
                group_key = item if type(item) is str else (type(item), item)
                try:
                    group = groups.get(group_key)
                except TypeError:  # a mapping: no scalar test matches it
                    continue
                if group is None:
                    groups[group_key] = (item, [i])
                else:
                    group[1].append(i)
        column = self._columns[path] = _Column(list(groups.values()), present)
        return column

    def _range_set(self, path: tuple[str, ...], ranges: tuple[_Range, ...]) -> set[int]:
        result: set[int] = set()
        for interval in ranges:
            keys, groups = self._sorted(path, interval.domain)
            lo = bisect_left(keys, interval.lo) if interval.lo_inclusive else bisect_right(keys, interval.lo)
            hi = bisect_right(keys, interval.hi) if interval.hi_inclusive else bisect_left(keys, interval.hi)
            for where in groups[lo:hi]:
                result.update(where)
        return result

    def _sorted(self, path: tuple[str, ...], domain: str) -> tuple[list[float], list[list[int]]]:
        """The field's numbers (or timestamps) in ascending order with their articles."""
        column = self._column(path)
        cached = column.ordered.get(domain)
        if cached is None:
            probe = _Range(domain)
            pairs = []
            for value, where in column.values:
                x = probe.key(value)
                if x is not None and not math.isnan(x):
                    pairs.append((x, where))
            pairs.sort(key=lambda pair: pair[0])
            cached = column.ordered[domain] = ([x for x, _ in pairs], [where for _, where in pairs])
        return cached

    def _text_set(self, needle: str) -> set[int]:
        """The articles whose title or description contains ``needle`` (case-folded).

        Typing extends a word one key at a time: an article containing ``bitc`` contains
        ``bit``, so the search runs over the answer of the longest word already answered
        that is part of this one, and over the whole list only when there is none."""
        titles, descriptions = self._haystack()
        within: set[int] | None = None
        for known, hits in self._words.items():
            if known in needle and (within is None or len(hits) < len(within)):
                within = hits
        if within is None:
            found = map(or_, map(str.__contains__, titles, repeat(needle)), map(str.__contains__, descriptions, repeat(needle)))
            result = set(compress(range(len(titles)), found))
        else:
            result = {i for i in within if needle in titles[i] or needle in descriptions[i]}
        if len(self._words) >= self._cache_size:
            self._words.pop(next(iter(self._words)))  # oldest first
        self._words[needle] = result
        return result

    def _haystack(self) -> tuple[list[str], list[str]]:
        """Every article's title and description, case-folded (words never match across the
        two). A string already folded is kept as it is, not copied: at 50,000 articles the
        descriptions alone are ~30 MB."""
        if self._haystacks is None:
            titles: list[str] = []
            descriptions: list[str] = []
            for article in self.articles:
                meta = article.meta
                title = description = None
                if meta is not None:
                    title = meta.get("title")
                    description = meta.get("description")
                titles.append(_folded(title) if type(title) is str else "")
                descriptions.append(_folded(description) if type(description) is str else "")
            self._haystacks = (titles, descriptions)
        return self._haystacks

    def _code_index(self) -> dict[str, set[int]]:
        if self._codes is None:
            codes: dict[str, set[int]] = {}
            for i, article in enumerate(self.articles):
                for p in article.problems:
                    codes.setdefault(p.code, set()).add(i)
            self._codes = codes
        return self._codes


# -- sorting and ranking ---------------------------------------------------------------------


def sort_key(dotted: str) -> Callable[[Article], tuple[Any, ...]]:
    """A key for sorting articles by a field: numbers, then dates, then text; missing last."""
    get = _getter(tuple(dotted.split(".")))

    def key(article: Article) -> tuple[Any, ...]:
        value = get(article.meta) if article.meta is not None else _MISSING
        if type(value) is tuple:
            value = value[0] if value else _MISSING
        if value is _MISSING or value is None:
            return (3, 0, "", article.relpath)
        number = _number(value) if value is not True and value is not False else None
        if number is not None:
            return (0, number, "", article.relpath)
        stamp = _timestamp(value)
        if stamp is not None:
            return (1, stamp, "", article.relpath)
        text = _scalar_text(value)
        return (2, 0, _fold(text) if text is not None else "", article.relpath)

    return key


def sort_articles(
    articles: Sequence[Article], dotted: str, *, descending: bool = False, config: Config | None = None
) -> list[Article]:
    """``articles`` ordered by a field as :func:`sort_key` orders them, ``descending`` or not.

    Articles without a usable value go last in both directions (in their given order): the
    field missing or null, or, in a field of numbers or of dates, a value that reads as
    neither (``publishedAt: Saturday night``, ``2025-13-01``). Whether a field holds numbers
    or dates is what the schema says (a number type, a date-time format), else what most of
    its values are.
    """
    key = sort_key(dotted)
    keyed = [(key(article), article) for article in articles]
    kind = _sort_kind(dotted, config)
    if kind is None:
        counts: dict[int, int] = {}
        for k, _ in keyed:
            counts[k[0]] = counts.get(k[0], 0) + 1
        counts.pop(3, None)  # missing
        kind = max(counts, key=lambda rank: (counts[rank], -rank)) if counts else 2

    def usable(k: tuple[Any, ...]) -> bool:
        return k[0] == kind if kind in (0, 1) else k[0] != 3  # any value sorts as text

    present = sorted((item for item in keyed if usable(item[0])), key=lambda item: item[0], reverse=descending)
    return [article for _, article in present] + [article for k, article in keyed if not usable(k)]


def _sort_kind(dotted: str, config: Config | None) -> int | None:
    """:func:`sort_key`'s rank of the field's values as the schema types them: 0 numbers,
    1 dates; None when the schema says neither."""
    from .schema import field_schema, field_types

    schema = _schema(config)
    if schema is None:
        return None
    path = tuple(dotted.split("."))
    types = field_types(schema, path) - {"null"}
    if types and types <= {"number", "integer"}:
        return 0
    if (field_schema(schema, path) or {}).get("format") in ("date-time", "date"):
        return 1
    return None


def rank(
    articles: Sequence[Article],
    words: Sequence[str],
    *,
    score_cutoff: float = 75.0,
    limit: int | None = None,
) -> list[tuple[Article, float]]:
    """Articles whose title is closest to ``words`` (typo-tolerant), best first, with scores 0-100.

    Uses rapidfuzz's ``partial_ratio`` (a query word misspelt inside a longer title still
    scores high) with a score cutoff; articles below it are left out. This is the expensive
    step: call it on demand, not on every keystroke of a large folder.
    """
    from rapidfuzz import fuzz, process, utils

    needle = " ".join(w for w in words if w.strip())
    if not needle:
        return []
    titles = [a.title for a in articles]
    found = process.extract(
        needle,
        titles,
        scorer=fuzz.partial_ratio,
        processor=utils.default_process,
        score_cutoff=score_cutoff,
        limit=limit if limit is not None else len(titles),
    )
    found.sort(key=lambda item: (-item[1], item[2]))
    return [(articles[index], float(score)) for _, score, index in found]


_TITLE_WORD = re.compile(r"\w+(?:['’]\w+)*")  # harbour's, not cross-harbour: a word is typed alone


def closest_words(
    articles: Sequence[Article],
    words: Sequence[str],
    *,
    score_cutoff: float = 75.0,
) -> list[tuple[str, str, int]]:
    """For each of ``words`` (single words; phrases are left out): the word of the titles
    closest to it and how many titles hold that word, as ``(word, closest, count)``, when it
    differs from the word typed: the hint for a filter that found nothing through a typo
    (``harbor`` -> ``harbour``). The titles come from :func:`rank`; on demand only."""
    from rapidfuzz import fuzz, process

    found: list[tuple[str, str, int]] = []
    for word in words:
        folded = word.strip().casefold()
        if not folded or " " in folded:
            continue
        counts: dict[str, int] = {}
        for article, _ in rank(articles, [folded], score_cutoff=score_cutoff, limit=200):
            for token in set(_TITLE_WORD.findall(article.title.casefold())):
                counts[token] = counts.get(token, 0) + 1
        best = process.extractOne(folded, sorted(counts), scorer=fuzz.ratio, score_cutoff=score_cutoff)
        if best is not None and best[0] != folded:
            found.append((word, best[0], counts[best[0]]))
    return found
