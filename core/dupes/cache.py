"""The signatures kept beside the index (``<root>/.copydesk/index/dupes.bin``), one per file
version, so that a second run computes only the files that changed; and the last run's
pairs, reused whole while every compared file is the version it was.

Written and read through :mod:`core.index.private` (marshalled, atomic, never through a
link, HMAC with the user's key): a file damaged or planted by someone else is ignored and
everything is computed again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import Config
from .signatures import Settings, Signed

CACHE_NAME = "dupes.bin"
_FORMAT = "copydesk-dupes-1"

# A pair's measure: shared shingles, and the version digests of its two files in order.
PairKey = tuple[bytes, bytes]


@dataclass
class Cached:
    """What a previous run kept: each file's signature by relative path, each measured
    pair's shared shingles by version digests, and the last run's outcome (the digest of
    the versions it compared and its accepted pairs)."""

    entries: dict[str, Signed] = field(default_factory=dict)
    shared: dict[PairKey, int] = field(default_factory=dict)
    state: bytes = b""
    outcome: Any = None
    status: str = "none"


def cache_path(config: Config) -> Path:
    """Where the signatures of ``config``'s folder are kept (beside the index)."""
    from ..index.store import index_path

    return index_path(config).with_name(CACHE_NAME)


def _cache_key(config: Config, settings: Settings) -> str:
    from ..index.store import config_key

    # The settings, the promotional patterns and copydesk's code (how bodies are normalised).
    return f"{config_key(config)}:{settings.signature_key()}"


def load_cache(config: Config, settings: Settings) -> Cached:
    """The signatures a previous run kept, or an empty :class:`Cached` saying why not."""
    from ..index.private import read_private

    value, status = read_private(cache_path(config))
    if status != "loaded":
        return Cached(status=status)
    try:
        fmt, key, columns, shared, state, outcome = value
        if fmt != _FORMAT or key != _cache_key(config, settings):
            return Cached(status="other settings or version")
        relpaths, keys, digests, titles, counts, minhashes, seen = columns
        new = tuple.__new__  # a Signed without the Python-level constructor call (50,000 of them)
        entries = {
            relpath: new(Signed, (relpath, k, digests[16 * i:16 * i + 16], titles[i], counts[i], minhashes[i], seen[i], b"", ""))
            for i, (relpath, k) in enumerate(zip(relpaths, keys, strict=True))
        }
        if not isinstance(shared, dict) or not isinstance(state, bytes):
            raise TypeError("damaged")
    except (TypeError, ValueError, IndexError):
        return Cached(status="damaged")
    return Cached(entries, shared, state, outcome, "loaded")


def save_cache(config: Config, settings: Settings, entries: list[Signed], shared: dict[PairKey, int],
               state: bytes, outcome: Any) -> bool:
    """Keep ``entries`` (each file's signature), the measured pairs and the run's outcome."""
    from ..index.private import write_private

    columns = (
        [e.relpath for e in entries],
        [e.key for e in entries],
        b"".join(e.digest.ljust(16, b"\0") for e in entries),
        [e.title for e in entries],
        [e.count for e in entries],
        [e.minhash for e in entries],
        [e.seen_ns for e in entries],
    )
    return write_private(cache_path(config), (_FORMAT, _cache_key(config, settings), columns, shared, state, outcome))
