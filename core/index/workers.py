"""Parsing across worker processes: the pool, the chunks it is fed, and what the workers
inherit from the process that starts them.

A worker's work is a module-level function of a chunk of found files (workers find it by
name); only paths go out and only small encoded results come back: sending whole parsed
objects back would eat the gain. What every chunk needs besides its files (the settings,
say) is :class:`Inherited` through fork, never pickled, unless the process asked for its
workers to be forked from a small server process (:func:`fork_from_server`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from ..config import Config
from ..walk import Found

PARALLEL_MIN_FILES = 400  # below this, starting worker processes costs more than it saves

T = TypeVar("T")


class Inherited(NamedTuple):
    """What the work of every chunk reads besides its files: set in this process while
    :func:`in_workers` runs, and so inherited by the worker processes it forks."""

    config: Config
    started_ns: int = 0  # when the scan started (whether a file was written too recently to trust)
    values: tuple[str, ...] | None = None  # the metadata keys whose values a scan keeps (core.index.values)
    problems_only: bool = False  # a scan whose records need only their kind and problems (scan's ``problems_only``)


_inherited: Inherited | None = None
_from_server = False  # workers forked from multiprocessing's fork server (fork_from_server)


def inherited() -> Inherited:
    """What the running work inherited (only while :func:`in_workers` or :func:`inheriting` runs)."""
    assert _inherited is not None
    return _inherited


@contextmanager
def inheriting(state: Inherited) -> Iterator[None]:
    """Make ``state`` what work run meanwhile (or forked meanwhile) inherits."""
    global _inherited
    _inherited = state
    try:
        yield
    finally:
        _inherited = None


def fork_from_server(preload: Sequence[str]) -> None:
    """Fork this process's workers from a small server process, started now with ``preload``
    imported, instead of from this process. Call it early, before the process grows.

    A worker forked from a big process (the terminal UI with Textual and 50,000 rows) shares
    its pages only until either side writes them: as both run, the shared pages become private
    copies in both, and two workers came to weigh as much as the app itself. Forked from the
    server, a worker inherits only the server's imports; :class:`Inherited` is pickled to it
    once instead."""
    global _from_server
    import threading

    def start() -> None:
        import multiprocessing.forkserver

        multiprocessing.forkserver.set_forkserver_preload(list(preload))
        multiprocessing.forkserver.ensure_running()

    _from_server = True
    # Started now, beside the caller's own start-up (importing multiprocessing alone took
    # ~0.1 s): the first pool then does not wait for the server's imports.
    threading.Thread(target=start, name="fork-server", daemon=True).start()


def forks_from_here() -> bool:
    """Whether workers are forked from this very process (and so inherit its module state),
    not from a fork server (:func:`fork_from_server`), to which only :class:`Inherited` is sent."""
    return not _from_server


def default_workers() -> int:
    """Worker processes for parsing: one per core, at most 2 (measured: more buys nothing here)."""
    return max(1, min(2, os.cpu_count() or 1))


def worth_forking(count: int) -> bool:
    """Whether ``count`` files to parse are enough to make starting workers pay (:data:`PARALLEL_MIN_FILES`)."""
    return count >= PARALLEL_MIN_FILES


def workers_for(count: int) -> int:
    """Worker processes for ``count`` files to parse: :func:`default_workers`, or none for a few."""
    return default_workers() if worth_forking(count) else 0


def in_workers(work: Callable[[list[Found]], list[T]], found: Iterable[Found], state: Inherited, workers: int,
               ordered: bool = True) -> Iterator[T]:
    """``work`` over ``found`` in chunks, in order (or as chunks finish, when not
    ``ordered``): here when ``workers`` <= 1, else in that many forked processes, which
    inherit ``state``. ``work`` must be a module-level function (or a ``functools.partial``
    of one): workers find it by name."""
    with inheriting(state):
        if workers <= 1:
            yield from work(list(found))
            return
        if not _from_server:
            _warm_up(state.config)
        with _fork_pool(workers, state if _from_server else None) as pool:
            results_of = pool.imap if ordered else pool.imap_unordered
            # Plain tuples pickle several times faster than named tuples (each of those is
            # rebuilt through its class): the work functions unpack them either way.
            chunks = (list(map(tuple, chunk)) for chunk in _chunks(found, workers))
            for results in results_of(work, chunks):
                yield from results


def _warm_up(config: Config) -> None:
    """Import and compile, before forking, what parsing needs (rules, schema, patterns), so
    that it is done once instead of in every worker, and so that no worker needs an import
    lock that another thread held when the process forked (it would wait for ever)."""
    from ..checks.runner import check_source
    from ..document import Source, parse_source
    from ..schema import compiled_schema
    from ..text.frontmatter import split_text

    compiled_schema(config)
    _, source, _ = parse_source("---\ntitle: x\ntags: [a]\n---\n# x\n\nText:\n", config)
    try:
        check_source(source, config, "warm-up.md")
        check_source(Source("x\n", split_text("x\n"), None), config, "warm-up.md")
    except Exception:  # noqa: BLE001, S110 - a bad rule is reported on the real files
        pass
    import rapidfuzz.fuzz  # noqa: F401 - used for "did you mean" hints
    import rapidfuzz.process  # noqa: F401


def _start_worker(state: Inherited) -> None:
    """A worker forked from the server: what it would have inherited, and the warm-up."""
    global _inherited
    _inherited = state
    _warm_up(state.config)


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


def _fork_pool(workers: int, state: Inherited | None = None) -> Any:
    """A ``multiprocessing`` pool of ``workers`` forked processes whose worker-handler
    thread sleeps until a worker exits or the pool changes state; forked from the fork
    server, each given ``state``, when ``state`` is given (:func:`fork_from_server`).

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

    if state is not None:
        return Pool(workers, _start_worker, (state,), context=multiprocessing.get_context("forkserver"))
    return Pool(workers, context=multiprocessing.get_context("fork"))
