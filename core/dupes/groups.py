"""Duplicate stories across a folder: candidate pairs from the MinHash signatures (LSH
banding), each verified on the exact shingle sets, then grouped.

A pair is one story told twice when the shorter body shares at least ``threshold`` of its
shingles with the other (containment: a reprint with a paragraph dropped still shares
nearly all of its own), or at least ``title_floor`` of them when the titles are at least
``title_threshold`` alike (rapidfuzz). Groups are the connected components of those pairs
(scipy); each member carries its strongest link, the group its weakest.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from ..config import Config
from .cache import Cached, PairKey, load_cache, save_cache
from .signatures import Settings, Signed


class Link(NamedTuple):
    """Why two articles are one story: the share of the shorter body's shingles the other
    holds, their Jaccard similarity, and how alike their titles are (0-1 each)."""

    other: str  # relative path of the article linked to
    shared: float
    jaccard: float
    title: float

    def reason(self) -> str:
        return f"{self.shared:.0%} of shingles shared, titles {self.title:.0%} alike"


class Member(NamedTuple):
    relpath: str
    path: str  # absolute
    title: str
    link: Link  # its strongest link inside the group


class Group(NamedTuple):
    """One story told by several articles. ``id`` is derived from the first member's path:
    it stays the same from run to run while that article stays in the group."""

    id: str
    score: float  # the weakest member's shared shingles
    members: tuple[Member, ...]

    @property
    def reason(self) -> str:
        weakest = min(self.members, key=lambda m: m.link.shared)
        return weakest.link.reason()


@dataclass
class Report:
    """What :func:`find_duplicates` found and how much it had to compute."""

    groups: list[Group] = field(default_factory=list)
    files: int = 0
    compared: int = 0  # files with enough words to compare
    too_short: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # relative path, why
    computed: int = 0  # signatures computed in this run (the others came from the cache)
    reused: int = 0
    candidates: int = 0  # pairs the LSH proposed (0 when the last run's pairs were reused)
    measured: int = 0  # candidate pairs whose shingles were compared in this run
    cache: str = "none"  # how the cache was found: loaded, none, damaged, ...

    def group_of(self) -> dict[str, str]:
        """Each grouped article's relative path -> its group's id."""
        return {m.relpath: g.id for g in self.groups for m in g.members}


def group_id(first: str) -> str:
    """The id of a group whose first member (in path order) is ``first``."""
    return "d" + hashlib.sha256(first.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def find_duplicates(paths: Sequence[Path], config: Config, settings: Settings | None = None, *,
                    workers: int | None = None, use_cache: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> Report:
    """The duplicate groups among the articles under ``paths`` (the walk of :mod:`core.walk`).

    Signatures come from the cache beside the index for every file still in the version
    it had; the others are computed (in worker processes when there are many). ``workers``:
    None chooses (:func:`core.index.workers.workers_for`), 0 or 1 computes here."""
    from ..index.records import racy
    from ..index.workers import Inherited, in_workers, workers_for
    from ..walk import walk
    from .signatures import set_job, sign_chunk, warm_up

    settings = settings or Settings()
    started_ns = time.time_ns()
    found = walk(paths, config)
    cached = load_cache(config, settings) if use_cache else Cached()
    report = Report(files=len(found), cache=cached.status)
    entries: dict[str, Signed] = {}
    todo = []
    for item in found:
        old = cached.entries.get(item.relpath)
        if old is not None and item.key and old.key == item.key and not racy(item.key, old.seen_ns):
            entries[item.relpath] = old
        else:
            todo.append(item)
    known = {f.relpath: e.digest for f in todo if (e := cached.entries.get(f.relpath)) is not None}
    count = workers_for(len(todo)) if workers is None else workers
    keep_shingles = True
    if todo:
        warm_up()
        set_job(settings, known, started_ns, keep_shingles)
        done = 0
        for row in in_workers(sign_chunk, todo, Inherited(config), count, ordered=False):
            signed = Signed(*row)
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(done, len(todo))
            if signed.count == -1:  # the same bytes as the cached version: keep its signature
                old = cached.entries[signed.relpath]
                signed = old._replace(key=signed.key, seen_ns=signed.seen_ns)
                report.reused += 1
            elif not signed.error:
                report.computed += 1
            entries[signed.relpath] = signed
    report.reused += len(found) - len(todo)
    by_path = {f.relpath: f.path for f in found}
    compared = [e for e in entries.values() if e.minhash]
    compared.sort(key=lambda e: e.relpath)
    report.compared = len(compared)
    report.too_short = sorted(e.relpath for e in entries.values() if not e.minhash and not e.error)
    report.unreadable = sorted((e.relpath, e.error) for e in entries.values() if e.error)

    state = _state_digest(compared, settings)
    if cached.state == state and cached.outcome is not None:
        # Every compared file is the version the last run compared: its outcome stands.
        accepted, components = cached.outcome
        accepted = [Accepted(*pair) for pair in accepted]
        shared = cached.shared
    else:
        shared = dict(cached.shared)
        accepted = _pairs(compared, settings, shared, config, by_path, report)
        components = _components(accepted)
        digests = {e.digest for e in compared}
        shared = {k: v for k, v in shared.items() if k[0] in digests and k[1] in digests}
    report.groups = _groups(accepted, components, {e.relpath: e for e in compared}, by_path)
    # Nothing to write when every file was the cached version and the outcome is the cached one.
    unchanged = not todo and cached.state == state and len(cached.entries) == len(entries)
    if use_cache and not unchanged:
        kept = [e._replace(shingles=b"") if e.shingles else e for e in entries.values() if not e.error]
        kept += _unwalked(cached, entries, config)
        save_cache(config, settings, kept, shared, state, ([tuple(a) for a in accepted], components))
    return report


def _unwalked(cached: Cached, entries: Mapping[str, Signed], config: Config) -> list[Signed]:
    """Cached signatures of files this run did not walk (a run over a subfolder) that still
    exist: kept for the next run over the whole folder."""
    root = str(config.root)
    return [e for relpath, e in cached.entries.items()
            if relpath not in entries and os.path.lexists(os.path.join(root, relpath))]


def _state_digest(compared: Sequence[Signed], settings: Settings) -> bytes:
    """What the pairs depend on: every compared file's path and version, and the settings."""
    digest = hashlib.sha256(repr(tuple(settings)).encode())
    for e in compared:
        digest.update(e.relpath.encode("utf-8", "surrogatepass") + b"\0" + e.digest)
    return digest.digest()


class Accepted(NamedTuple):
    a: str
    b: str
    shared: float
    jaccard: float
    title: float


def _candidates(compared: Sequence[Signed], settings: Settings) -> set[tuple[int, int]]:
    """Pairs (positions in ``compared``) whose signatures agree on all the rows of at
    least one band: the LSH step, with datasketch's bands and rows for the threshold, done
    with numpy over the whole signature matrix at once (datasketch's own index keeps a Python
    set per bucket: too slow and too large for 50,000 articles, see docs/performance.md)."""
    import numpy as np
    from datasketch import MinHashLSH

    if len(compared) < 2:
        return set()
    plan = MinHashLSH(threshold=settings.lsh_threshold, num_perm=settings.num_perm)
    bands, rows = plan.b, plan.r
    matrix = np.frombuffer(b"".join(e.minhash for e in compared), dtype="<u4").reshape(len(compared), -1)
    pairs: set[tuple[int, int]] = set()
    for band in range(bands):
        block = np.ascontiguousarray(matrix[:, band * rows:(band + 1) * rows])
        keys = block.view(np.dtype((np.void, block.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, len(ordered)])
        for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
            bucket = sorted(order[start:start + size].tolist())
            if size > 64:
                # A bucket this full holds one body many times (a template): each member is
                # measured against the first, not every pair.
                pairs.update((bucket[0], j) for j in bucket[1:])
            else:
                pairs.update((bucket[i], bucket[j]) for i in range(size) for j in range(i + 1, size))
    return pairs


def _pairs(compared: Sequence[Signed], settings: Settings, shared: dict[PairKey, int], config: Config,
           by_path: Mapping[str, str], report: Report) -> list[Accepted]:
    """The candidate pairs that are one story, measured on their exact shingle sets (a
    pair measured by an earlier run, versions unchanged, is not measured again)."""
    import numpy as np
    from rapidfuzz import fuzz, utils

    candidates = _candidates(compared, settings)
    report.candidates = len(candidates)
    shingles: dict[int, Any] = {}

    def shingles_of(i: int) -> Any:
        got = shingles.get(i)
        if got is None:
            e = compared[i]
            got = shingles[i] = np.frombuffer(e.shingles, dtype=np.uint32) if e.shingles else _shingles_again(
                by_path[e.relpath], config, settings)
        return got

    accepted = []
    for i, j in sorted(candidates):
        a, b = compared[i], compared[j]
        key = (a.digest, b.digest)
        common = shared.get(key)
        if common is None:
            common = shared[key] = int(np.intersect1d(shingles_of(i), shingles_of(j), assume_unique=True).size)
            report.measured += 1
        smaller = min(a.count, b.count)
        contained = common / smaller if smaller else 0.0
        if contained < settings.title_floor:
            continue
        title = fuzz.token_sort_ratio(a.title, b.title, processor=utils.default_process) / 100 if a.title and b.title else 0.0
        if contained >= settings.threshold or title >= settings.title_threshold:
            union = a.count + b.count - common
            accepted.append(Accepted(a.relpath, b.relpath, contained, common / union if union else 0.0, title))
    return accepted


def _shingles_again(path: str, config: Config, settings: Settings) -> Any:
    """The shingle hashes of a file whose signature came from the cache (a pair it is in
    was not measured before)."""
    from ..text.guard import UnsafeFile, read_guarded
    from .signatures import body_words, shingle_hashes

    try:
        data, _ = read_guarded(path, config.root, config.limits, config.follow_symlinks)
        return shingle_hashes(body_words(data.decode("utf-8"), config), settings.shingle)
    except (UnsafeFile, UnicodeDecodeError):
        import numpy as np

        return np.empty(0, dtype=np.uint32)  # gone or changed meanwhile: nothing shared


def _components(accepted: Sequence[Accepted]) -> list[list[str]]:
    """The connected components of the accepted pairs (scipy), each in path order."""
    if not accepted:
        return []
    import numpy as np
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    names = sorted({p for pair in accepted for p in (pair.a, pair.b)})
    position = {name: i for i, name in enumerate(names)}
    rows = np.array([position[p.a] for p in accepted])
    cols = np.array([position[p.b] for p in accepted])
    graph = coo_matrix((np.ones(len(accepted)), (rows, cols)), shape=(len(names), len(names)))
    _, labels = connected_components(graph, directed=False)
    components: dict[int, list[str]] = {}
    for name, label in zip(names, labels.tolist(), strict=True):
        components.setdefault(label, []).append(name)
    return sorted(components.values())


def _groups(accepted: Iterable[Accepted], components: Sequence[Sequence[str]], signed: Mapping[str, Signed],
            by_path: Mapping[str, str]) -> list[Group]:
    """The groups of ``components``, each member with its strongest link, in path order."""
    best: dict[str, Link] = {}
    for p in accepted:
        for me, other in ((p.a, p.b), (p.b, p.a)):
            link = Link(other, p.shared, p.jaccard, p.title)
            if me not in best or (link.shared, link.title) > (best[me].shared, best[me].title):
                best[me] = link
    groups = []
    for members in components:
        shown = tuple(Member(m, by_path.get(m, m), signed[m].title if m in signed else "", best[m]) for m in members)
        groups.append(Group(group_id(members[0]), min(m.link.shared for m in shown), shown))
    groups.sort(key=lambda g: g.members[0].relpath)
    return groups
