"""The article model and loading a folder of articles.

An :class:`Article` is an immutable snapshot of one file as loaded: where it is, its
encoding facts, where its front matter is, a read-only view of its metadata, its problems
and the fingerprint that safe saves compare against. Bytes and body are read on demand so
that a 50,000-article folder never sits in memory.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, get_args

from .checks import Problem, problem, selection_for
from .config import Config, ConfigError, load_config
from .display import kind_of
from .text import frontmatter
from .text.conflicts import Conflict, has_conflict_markers
from .text.formats import parse_front_matter
from .text.frontmatter import Format, Split
from .text.guard import UnsafeFile, read_guarded
from .text.yamldata import YamlError
from .walk import iter_article_paths

ArticleKind = Literal["front-matter", "raw", "unclosed", "invalid-yaml", "unreadable", "invalid-utf8"]
# Every kind, in the order the index stores them by number (append only: the index keeps
# the number), and those whose front matter could not be read at all.
KINDS: tuple[ArticleKind, ...] = get_args(ArticleKind)
BROKEN_KINDS: frozenset[ArticleKind] = frozenset({"unclosed", "invalid-yaml", "unreadable", "invalid-utf8"})

@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a file looked like when loaded: a save refuses to overwrite a file that changed."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str

    @classmethod
    def of(cls, data: bytes, info: os.stat_result) -> Fingerprint:
        return cls(len(data), info.st_mtime_ns, info.st_ino, hashlib.sha256(data).hexdigest())

    def stat_differs(self, path: Path | str) -> bool:
        """Whether ``path`` looks changed since this fingerprint (size, mtime, inode; gone).

        A cheap poll for "changed on disk" notices; saves still compare the sha256.
        """
        try:
            info = os.lstat(path)
        except OSError:
            return True
        return (info.st_size, info.st_mtime_ns, info.st_ino) != (self.size, self.mtime_ns, self.inode)


@dataclass(frozen=True, slots=True)
class Source:
    """A decoded article, as the rules and the editor see it."""

    text: str  # the whole file decoded (BOM included as U+FEFF when present)
    split: Split
    meta: Mapping[str, Any] | None

    @property
    def front_matter(self) -> str:
        return frontmatter.front_matter(self.text, self.split)

    @property
    def format(self) -> Format:
        """The front matter's format: "yaml", "toml" or "json"."""
        return self.split.format

    @property
    def body(self) -> str:
        return frontmatter.body(self.text, self.split)


@dataclass(frozen=True, slots=True)
class Article:
    """One file of the folder, as loaded."""

    path: Path  # absolute
    relpath: str  # relative to the corpus root, "/"-separated
    kind: ArticleKind
    meta: Mapping[str, Any] | None  # read-only; None when the front matter could not be read
    problems: tuple[Problem, ...] = ()
    fingerprint: Fingerprint | None = None
    bom: bool = False
    newline: str = "\n"
    mixed_newlines: bool = False
    final_newline: bool = True
    fm_first_line: int = 0  # 1-based line of the first front-matter line; 0 when no front matter
    fm_line_count: int = 0
    body_first_line: int = 1
    format: Format = "yaml"  # of the front matter: "yaml", "toml" or "json"

    @property
    def is_raw(self) -> bool:
        return self.kind == "raw"

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def editable(self) -> bool:
        """Whether surgical edits can be attempted (front matter read as a mapping)."""
        return self.kind == "front-matter" and self.meta is not None

    @property
    def title(self) -> str:
        value = self.meta.get("title") if self.meta else None
        return value if isinstance(value, str) else ""

    def read_bytes(self) -> bytes:
        """The file's current bytes on disk (read with the same guards as loading)."""
        data, _ = read_guarded(self.path, self.path.parent, _READ_LIMITS_UNBOUNDED)
        return data

    def read_source(self) -> Source:
        """Decode the current file (raises UnicodeDecodeError / UnsafeFile)."""
        text = self.read_bytes().decode("utf-8")
        split = frontmatter.split_text(text)
        return Source(text, split, self.meta)

    def body(self) -> str:
        """The body text as on disk now ('' when the file cannot be decoded)."""
        return read_body(self.path)

    def get(self, dotted: str, default: Any = None) -> Any:
        """A metadata value by dotted path (``source.name``), or ``default``."""
        return get_path(self.meta, dotted, default)

    def to_post(self) -> Any:
        """This article as a python-frontmatter ``Post``: its metadata (a mutable copy) and
        its body as on disk now, with the handler of its front-matter format (YAML, JSON;
        TOML when python-frontmatter's TOML handler is installed). For pipelines that go
        on with python-frontmatter; copydesk's own edits keep the file's bytes instead."""
        import frontmatter
        from frontmatter import default_handlers

        handler: Any = None
        if self.format == "yaml":
            handler = default_handlers.YAMLHandler()
        elif self.format == "json":
            handler = default_handlers.JSONHandler()
        elif getattr(default_handlers, "toml", None) is not None:  # its TOML handler needs `toml`
            handler = default_handlers.TOMLHandler()
        return frontmatter.Post(self.body(), handler, **thaw(self.meta or {}))


def get_path(meta: Mapping[str, Any] | None, dotted: str, default: Any = None) -> Any:
    """Follow ``a.b.c`` through nested mappings."""
    node: Any = meta
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def _unbounded_limits():
    from .config import Limits

    return Limits(max_file_bytes=1 << 40)


_READ_LIMITS_UNBOUNDED = _unbounded_limits()


def read_body(path: Path) -> str:
    """The body of the file at ``path`` as on disk now ('' when it cannot be read safely or
    decoded), read with the loader's guards."""
    try:
        data, _ = read_guarded(path, path.parent, _READ_LIMITS_UNBOUNDED)
        text = data.decode("utf-8")
    except (UnicodeDecodeError, UnsafeFile):
        return ""
    return frontmatter.body(text, frontmatter.split_text(text))


def freeze(value: Any) -> Any:
    """``value`` made read-only: mappings as ``MappingProxyType``, lists as tuples (``thaw`` undoes it)."""
    if isinstance(value, dict):
        return MappingProxyType({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """A mutable deep copy of frozen metadata (dicts and lists)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [thaw(v) for v in value]
    return value


def _utf8_error_position(data: bytes, exc: UnicodeDecodeError) -> tuple[int, int]:
    before = data[: exc.start]
    line = before.count(b"\n") + 1
    column = exc.start - (before.rfind(b"\n") + 1) + 1
    return line, column


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Strict UTF-8 decoding; a problem with the first bad byte's position on failure."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line, column = _utf8_error_position(data, exc)
        return None, problem("CD105", f"invalid UTF-8 byte 0x{data[exc.start]:02x} (is the file Latin-1 or Windows-1252?)", line, column)


def parse_source(text: str, config: Config) -> tuple[ArticleKind, Source, list[Problem]]:
    """Split and parse decoded text; structural problems are positioned in the file."""
    kind, split, data, problems = _parse(text, config)
    return kind, Source(text, split, freeze(data) if data is not None else None), problems


def _parse(text: str, config: Config) -> tuple[ArticleKind, Split, dict[str, Any] | None, list[Problem]]:
    """What :func:`parse_source` finds, with the metadata as the parser gave it (mutable)."""
    split = frontmatter.split_text(text)
    problems: list[Problem] = []
    meta: Any = None
    kind: ArticleKind
    conflicts = _conflicts(text, split, problems) if has_conflict_markers(text) else ()
    if split.kind == "raw":
        kind = "raw"
        problems.append(problem("CD101", "no front matter: raw article (run `copydesk adopt` to give it one)"))
    elif split.kind == "unclosed":
        kind = "unclosed"
        fence, closing = split.fence, split.closing_fence
        problems.append(problem("CD102", f"front matter opened with `{fence}` on line 1 is never closed (add a `{closing}` line after it)"))
    elif conflicts and conflicts[0].line < split.body_first_line:
        # Marker lines are not YAML: the blocks are reported, the front matter not parsed.
        kind = "invalid-yaml"
    else:
        kind = "front-matter"
        fm_text = frontmatter.front_matter(text, split)
        try:
            data, warnings = parse_front_matter(fm_text, split.format, config.limits)
        except YamlError as exc:
            kind = "invalid-yaml"
            p = exc.problem
            problems.append(replace(p, line=p.line + split.fm_first_line - 1) if p.line > 0 else p)
        else:
            problems.extend(replace(p, line=p.line + split.fm_first_line - 1) for p in warnings)
            if data is None:
                meta = {}
            elif isinstance(data, dict):
                meta = data
            else:
                kind = "invalid-yaml"
                problems.append(problem("CD106", f"front matter is {kind_of(data)}, not a mapping of keys to values", split.fm_first_line))
    if kind == "raw" and _JSON_LIKE.match(text, 1 if split.bom else 0):
        problems[0] = problem("CD101", _json_hint(text, split))
    return kind, split, meta, problems


def _conflicts(text: str, split: Split, problems: list[Problem]) -> list[Conflict]:
    """The merge-conflict blocks of ``text``, each reported (CD112) with the field it is in."""
    from .checks.wording import show
    from .text.conflicts import find_conflicts

    found = find_conflicts(text)
    for block in found:
        if block.line >= split.body_first_line and split.has_front_matter:
            where = "in the body"
        elif block.field is not None:
            where = f"in field {block.field!r}"
        else:
            where = "in the front matter"
        sides = f"ours {show(block.ours)}, theirs {show(block.theirs)}"
        problems.append(problem("CD112", f"unresolved merge conflict {where} (lines {block.line}-{block.end_line}: {sides}); "
                                         "keep one side and delete the marker lines", block.line))
    return found


_JSON_LIKE = re.compile(r'\{[ \t]*(?:"|\r|\n|\Z)')  # an opening that meant JSON front matter, not `{{< shortcode >}}`


def _json_hint(text: str, split: Split) -> str:
    """CD101's message for a raw article opening with ``{``: why it is not JSON front matter."""
    import json

    start = 1 if split.bom else 0
    try:
        json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as exc:
        why = f"JSON error at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except (ValueError, RecursionError) as exc:
        why = f"not JSON: {exc}"
    else:
        why = "the JSON object must end its line and be a mapping"
    return f"no front matter: raw article (it opens with `{{` but not with a JSON object front matter; {why})"


class Inspected(NamedTuple):
    """One file as :func:`inspect_file` found it (what an :class:`Article` is built from)."""

    kind: ArticleKind
    meta: dict[str, Any] | None  # as parsed: mutable, never frozen (the caller decides)
    problems: tuple[Problem, ...]  # selected and sorted, as on the Article
    fingerprint: Fingerprint | None
    split: Split | None  # None when the file could not be read or decoded
    bom: bool


def inspect_file(path: str, config: Config, relpath: str, with_rules: bool = True, fingerprint: bool = True) -> Inspected:
    """Read, parse and check one file without building an :class:`Article`; never raises
    for a bad file. ``path`` is absolute. The index's workers call this for every file of
    a folder: the metadata is neither frozen nor kept. ``fingerprint=False`` leaves the
    fingerprint out (None; no SHA-256 of the bytes), for callers that never save nor index
    the file."""
    try:
        data, info = read_guarded(path, config.root, config.limits, config.follow_symlinks)
    except UnsafeFile as exc:
        reason = _unlisted_folder(path, config) or str(exc)
        return Inspected("unreadable", None, _select([problem("CD107", reason)], selection_for(config, relpath)), None, None, False)
    fp = Fingerprint.of(data, info) if fingerprint else None
    text, bad = decode(data)
    if text is None:
        assert bad is not None
        return Inspected("invalid-utf8", None, _select([bad], selection_for(config, relpath)), fp, None,
                         data.startswith(frontmatter.BOM_BYTES))
    kind, split, meta, problems = _check(text, config, relpath, with_rules)
    return Inspected(kind, meta, problems, fp, split, split.bom)


def _unlisted_folder(path: str, config: Config) -> str | None:
    """Why ``path`` is a folder that cannot be listed (what the walk yields for one), or None."""
    try:
        is_folder = stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:  # too long to look at: the walk yields such a path only for a folder
        is_folder = not path.lower().endswith(tuple(e.lower() for e in config.extensions))
    if not is_folder:
        return None
    try:
        with os.scandir(path):
            return None
    except OSError as exc:
        return f"folder cannot be listed ({exc.strerror or exc}): the articles in it are not checked"


def check_text(text: str, config: Config, relpath: str) -> tuple[ArticleKind, tuple[Problem, ...]]:
    """The kind and problems (selected and sorted) a file at ``relpath`` holding ``text``
    would have: how the terminal UI shows staged edits checked before they are saved."""
    kind, _, _, problems = _check(text, config, relpath, True)
    return kind, problems


def _check(text: str, config: Config, relpath: str, with_rules: bool) -> tuple[ArticleKind, Split, dict[str, Any] | None, tuple[Problem, ...]]:
    kind, split, meta, problems = _parse(text, config)
    if not with_rules or not (kind == "front-matter" or kind == "raw"):
        return kind, split, meta, _select(problems, selection_for(config, relpath)) if problems else ()
    codes = selection_for(config, relpath)
    try:
        problems.extend(_rules_check()(Source(text, split, meta), config, relpath, codes))
    except ConfigError:
        raise  # a bad schema or pattern concerns every file: the caller reports it once
    except Exception as exc:  # noqa: BLE001 - a bug in one rule must not stop a folder from loading
        problems.append(problem("CD110", f"internal error while checking this file ({type(exc).__name__}: {exc}); please report it"))
    return kind, split, meta, _select(problems, codes)


_check_source: Callable[[Source, Config, str, frozenset[str]], list[Problem]] | None = None


def _rules_check() -> Callable[[Source, Config, str, frozenset[str]], list[Problem]]:
    """``checks.runner.check_source``, imported on first use (the rules and the schema
    validator are not imported by commands that never check a file) and kept: an import
    statement run for every file costs more than the lookup."""
    global _check_source
    if _check_source is None:
        from .checks.runner import check_source

        _check_source = check_source
    return _check_source


def load_article(path: Path, config: Config, relpath: str | None = None, with_rules: bool = True, *,
                 frozen: bool = True) -> Article:
    """Load one file; never raises for a bad file: the problem is on the returned Article.

    ``with_rules=False`` skips the schema and editorial rules (structure problems remain),
    for callers that only edit. ``frozen=False`` leaves ``meta`` as parsed (plain, mutable
    data), for a worker process that sends the article on: the receiver freezes it.
    """
    path = Path(os.path.abspath(path))
    rel = relpath if relpath is not None else _relpath(path, config.root)
    found = inspect_file(str(path), config, rel, with_rules)
    split = found.split
    if split is None:
        return Article(path, rel, found.kind, None, found.problems, found.fingerprint, bom=found.bom)
    meta = found.meta
    return Article(
        path,
        rel,
        found.kind,
        freeze(meta) if meta is not None and frozen else meta,
        found.problems,
        found.fingerprint,
        bom=split.bom,
        newline=split.newline,
        mixed_newlines=split.mixed_newlines,
        final_newline=split.final_newline,
        fm_first_line=split.fm_first_line if split.has_front_matter else 0,
        fm_line_count=split.fm_line_count,
        body_first_line=split.body_first_line,
        format=split.format,
    )


def _select(problems: Iterable[Problem], codes: frozenset[str]) -> tuple[Problem, ...]:
    """The problems of the selected ``codes``, in file order."""
    if not problems:
        return ()
    kept = [p for p in problems if p.code in codes]
    kept.sort(key=lambda p: (p.line, p.column, p.code))
    return tuple(kept)


def _relpath(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()



@dataclass
class Corpus:
    """The articles loaded from some paths, sorted by relative path."""

    config: Config
    articles: list[Article] = field(default_factory=list)

    @property
    def root(self) -> Path:
        return self.config.root

    def by_path(self) -> dict[Path, Article]:
        return {a.path: a for a in self.articles}

    def problems(self) -> Iterator[tuple[Article, Problem]]:
        for article in self.articles:
            for p in article.problems:
                yield article, p


def load_corpus(paths: Sequence[Path], config: Config | None = None, with_rules: bool = True) -> Corpus:
    """Load every article under ``paths`` (the config is found from the first path when omitted)."""
    if config is None:
        config = load_config(paths[0] if paths else Path.cwd())
    articles = [load_article(path, config, with_rules=with_rules) for path in iter_article_paths(paths, config)]
    articles.sort(key=lambda a: a.relpath)
    return Corpus(config, articles)
