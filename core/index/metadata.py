"""Whole articles across worker processes: the metadata pass (:func:`map_articles`, a small
value of each article) and :func:`load_articles` (every article, as ``load_corpus`` gives
them)."""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import fields
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..checks import Problem
from ..config import Config
from ..document import Article, Fingerprint, freeze, load_article, thaw
from ..walk import walk
from .workers import Inherited, in_workers, inherited, workers_for

T = TypeVar("T")


def _load_unless_checked(path: str, relpath: str, config: Config, known: Fingerprint | None) -> Article:
    """``load_article``, without the rules when ``known`` is this very version."""
    if known is not None:
        article = load_article(Path(path), config, relpath, with_rules=False)
        if article.fingerprint == known:
            return article
    return load_article(Path(path), config, relpath)


def _extract_chunk(extract: Callable[[Article], T], chunk: Sequence[tuple[str, str, Fingerprint | None]]) -> list[T]:
    config = inherited().config
    return [extract(_load_unless_checked(path, relpath, config, known)) for path, relpath, known in chunk]


def map_articles(paths: Sequence[Path], config: Config, extract: Callable[[Article], T], *,
                 workers: int | None = None, checked: Mapping[str, Fingerprint] | None = None) -> Iterator[T]:
    """``extract(article)`` for every article under ``paths``, computed in worker processes
    when there are enough files (:data:`~core.index.workers.PARALLEL_MIN_FILES`; ``workers``
    overrides).

    ``extract`` must be a module-level function (workers find it by name) and should
    return a small picklable value: only that comes back from a worker, never the
    :class:`Article`. Values come in walk order (``walk(paths, config)``).

    ``checked`` maps relative paths to the fingerprints of versions whose problems the
    caller already has (from a :func:`~core.index.scan`): an article still in that version
    is loaded without the schema and editorial rules, which are about half the cost of
    loading it, and its ``problems`` then hold only what reading and parsing found. Any
    other article (changed since, or not in the map) is checked in full.
    """
    found = walk(paths, config)
    if workers is None:
        workers = workers_for(len(found))
    checked = checked or {}
    if workers <= 1:
        for f in found:
            yield extract(_load_unless_checked(f.path, f.relpath, config, checked.get(f.relpath)))
        return
    # Each file goes out with its own checked version, not the whole map with every worker
    # (~25 MB a worker at 50,000 when the map is pickled to workers forked from a server).
    items = [(f.path, f.relpath, checked.get(f.relpath)) for f in found]
    yield from in_workers(partial(_extract_chunk, extract), items, Inherited(config), workers)


# -- whole articles in parallel ----------------------------------------------------------

_ARTICLE_FIELDS = tuple(f.name for f in fields(Article))
_PROBLEM_FIELDS = tuple(f.name for f in fields(Problem))
_FINGERPRINT_FIELDS = tuple(f.name for f in fields(Fingerprint))


def _pack_meta(meta: Mapping[str, Any]) -> tuple[str, bytes]:
    data = meta if type(meta) is dict else thaw(meta)  # as parsed (load_article(frozen=False)): plain already
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


def _load_chunk(with_rules: bool, chunk: Sequence[tuple[str, str, bytes]]) -> list[tuple[Any, ...]]:
    config = inherited().config
    return [_pack_article(load_article(Path(path), config, relpath, with_rules, frozen=False)) for path, relpath, _ in chunk]


def iter_articles(paths: Sequence[Path], config: Config, *, workers: int | None = None,
                  with_rules: bool = True) -> Iterator[Article]:
    """``load_article`` of every file under ``paths``, in walk order, parsed across worker
    processes when there are enough files (results identical to loading one by one);
    ``with_rules=False`` as for ``load_article``."""
    found = walk(paths, config)
    if workers is None:
        workers = workers_for(len(found))
    if workers <= 1:
        for f in found:
            yield load_article(Path(f.path), config, f.relpath, with_rules)
        return
    for values in in_workers(partial(_load_chunk, with_rules), found, Inherited(config), workers):
        yield _unpack_article(values)


def load_articles(paths: Sequence[Path], config: Config, *, workers: int | None = None,
                  with_rules: bool = True) -> list[Article]:
    """What ``load_corpus(paths, config, with_rules).articles`` holds (sorted by relative
    path), parsed across worker processes."""
    articles = list(iter_articles(paths, config, workers=workers, with_rules=with_rules))
    articles.sort(key=lambda a: a.relpath)
    return articles
