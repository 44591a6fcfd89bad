"""Answering from the index: :func:`listed_articles`, the articles of some paths as far as
the values kept beside the index go (:mod:`core.index.values`), for ``list --where``,
``tags`` and the planning of ``set`` / ``tag --where``."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..checks import Problem
from ..config import Config
from ..document import Corpus, Fingerprint, get_path
from .metadata import iter_articles
from .records import Record
from .scanning import Scan, scan
from .values import kept_keys, listed_keys, read_kept, read_parts, values_of, version_of, write_kept


class ListedArticle:
    """An article answered from the index: what queries, lists and tag counts read of an
    :class:`~core.document.Article` (``meta`` holds only the kept keys, lists as tuples);
    built by the thousand, so without a ``Path`` until one is asked for."""

    __slots__ = ("key", "relpath", "kind", "meta", "_scan", "_at")

    def __init__(self, key: str, relpath: str, kind: str, meta: Mapping[str, Any] | None, scan: Scan, at: int) -> None:
        self.key = key  # the absolute path
        self.relpath = relpath
        self.kind = kind
        self.meta = meta
        self._scan = scan  # its record, decoded only when asked for
        self._at = at

    @property
    def _record(self) -> Record:
        return self._scan.record(self._at)

    @property
    def path(self) -> Path:
        return Path(self.key)

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self._record.problems

    @property
    def fingerprint(self) -> Fingerprint | None:
        return self._record.fingerprint

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)

    @property
    def title(self) -> str:
        value = self.meta.get("title") if self.meta else None
        return value if isinstance(value, str) else ""

    def body(self) -> str:
        """The body as on disk now (``is:contradicted`` scores it), as
        :meth:`core.document.Article.body` reads it."""
        from ..document import read_body

        return read_body(self.path)

    def get(self, dotted: str, default: Any = None) -> Any:
        return get_path(self.meta, dotted, default)


@dataclass
class Listed(Corpus):
    """Articles answered from the index (:func:`listed_articles`; those read again are
    whole :class:`~core.document.Article` s); ``fields``: every field name they hold."""

    fields: frozenset[str] = frozenset()


def listed_articles(paths: Sequence[Path], config: Config, keys: Collection[str]) -> Listed | None:
    """The articles under ``paths`` as far as ``keys`` (top-level metadata keys) go: what
    ``load_corpus`` gives, in the same order, but each a :class:`ListedArticle` whose
    ``meta`` holds only the kept keys, and whose problems are those of the index (the
    rules of the selection). Files whose values are not kept for their current version
    are read again (whole articles), and their values kept. None when a key of ``keys`` is
    not kept (the caller reads the files)."""
    wanted = kept_keys(config)
    if not set(keys) <= set(wanted):
        return None
    result = scan(paths, config, values=True)
    reads = sorted(set(keys) | listed_keys(config))
    count = len(result)
    rels: list[str] = []
    versions: list[bytes] = []
    for rel, version in result.versions():
        rels.append(rel)
        versions.append(version)
    position_of = {rel: i for i, rel in enumerate(rels)}
    found_paths = result.paths
    articles: list[Any] = [None] * count
    names: set[str] = set()
    found = read_parts(config, reads)
    try:
        parts = found[1] if found is not None and found[0] == wanted else iter(())
        for relpaths, part_versions, name_sets, ids, has_meta, columns in parts:
            n = len(relpaths)
            start = position_of.get(relpaths[0]) if n else None
            # The view and the scan are both in relative-path order: a part is usually a
            # slice of the scan as it is, all in the same versions.
            positions: Sequence[int]
            rows: Sequence[int]
            if start is not None and rels[start : start + n] == relpaths and b"".join(versions[start : start + n]) == part_versions:
                positions, rows = range(start, start + n), range(n)
            else:
                pairs = [(position_of[rel], i) for i, rel in enumerate(relpaths)
                         if rel in position_of and versions[position_of[rel]] == part_versions[16 * i : 16 * i + 16]]
                positions, rows = [p for p, _ in pairs], [i for _, i in pairs]
            # Lists come back as tuples, mappings as plain dicts: read-only wrappers cost
            # more than the rest, and nothing here writes to them.
            metas: list[dict[str, Any] | None] = [{} if has_meta[i] else None for i in rows]
            for key in reads:
                present, values = columns[key]
                for meta, i in zip(metas, rows, strict=True):
                    if present[i]:
                        meta[key] = values[i]  # type: ignore[index] - present only with front matter
            names.update(*(name_sets[j] for j in {ids[i] for i in rows}))
            kind = result.kind
            for meta, p in zip(metas, positions, strict=True):
                articles[p] = ListedArticle(found_paths[p], rels[p], kind(p), meta, result, p)
    except (ValueError, TypeError, KeyError, IndexError, EOFError):  # a damaged view: every file is read
        articles = [None] * count
        names = set()
    stale = {rels[p]: p for p in range(count) if articles[p] is None}
    if stale:
        # Read again (and kept): the files changed since the view was written, or never in it.
        old = read_kept(config)
        merged = old[1] if old is not None and old[0] == wanted else {}
        for article in iter_articles([Path(found_paths[i]) for i in stale.values()], config):
            position = stale.get(article.relpath)
            if position is None:
                continue
            articles[position] = article
            value = values_of(article.meta, wanted)
            if value is not None:
                names.update(value[2])
                if article.fingerprint is not None:
                    merged[article.relpath] = (version_of(article.fingerprint.sha256), *value)
            elif article.meta is not None:
                from ..query import fields_of

                names.update(fields_of(article.meta))
        write_kept(config, wanted, merged)
    return Listed(config, [a for a in articles if a is not None], frozenset(names))
