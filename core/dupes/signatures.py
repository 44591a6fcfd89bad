"""What a body is compared by: its normalised words, their shingles and their MinHash.

A body is normalised before it is compared: the lines the body rules take for promotion
(calls to action, social footers: :func:`core.checks.body.promotional_lines`, under the
folder's own patterns) are left out, and the rest is case-folded words. A raw article's
text is its body. Shingles are runs of ``shingle`` words, each hashed to 32 bits (CRC-32:
the same in every process, unlike ``hash``); the MinHash over them is ``datasketch``'s.

numpy and datasketch are imported when a signature is first computed, never by importing
this module: the terminal UI's start-up and the index's workers never reach it.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from ..config import Config
from ..text.frontmatter import split_text
from ..text.guard import UnsafeFile, read_guarded

if TYPE_CHECKING:
    from ..walk import Found

SEED = 1  # the MinHash permutations' seed: signatures are comparable only under one seed
_WORD = re.compile(r"\w+")
_MULTIPLIER = 0x01000193  # FNV's 32-bit prime


class Settings(NamedTuple):
    """How bodies are compared (the cache is valid only under the same settings)."""

    threshold: float = 0.5  # shared shingles (of the shorter body) that make two stories one
    title_threshold: float = 0.9  # title similarity that lowers that bar...
    title_floor: float = 0.3  # ...to this share of shingles
    shingle: int = 5  # words per shingle
    num_perm: int = 64  # MinHash permutations
    lsh_threshold: float = 0.3  # the Jaccard similarity datasketch's LSH parameters aim at (21 bands of 3)
    min_shingles: int = 10  # a shorter body is not compared (too little to tell a story by)

    def signature_key(self) -> tuple[int, int, int]:
        """What the signatures depend on (the thresholds only decide which pairs count)."""
        return (self.shingle, self.num_perm, SEED)


class Signed(NamedTuple):
    """One file as compared: its version (``lstat`` key, 16 bytes of its SHA-256), its title,
    its number of distinct shingles and its MinHash (``num_perm`` little-endian uint32; empty
    when it has too few shingles or could not be read). ``shingles``: the sorted shingle
    hashes, kept only in memory; ``error``: why the file could not be read."""

    relpath: str
    key: bytes
    digest: bytes
    title: str
    count: int
    minhash: bytes
    seen_ns: int
    shingles: bytes = b""
    error: str = ""


def body_words(text: str, config: Config) -> list[str]:
    """The case-folded words of ``text``'s body, promotional lines left out. A raw
    article's first line is its headline (its title here), not its body."""
    from ..checks.body import promotional_lines
    from ..checks.positions import split_lines

    lines = split_lines(_body(text))
    drop = set(promotional_lines(lines, config))
    if not split_text(text).has_front_matter:
        drop.add(next((i for i, line in enumerate(lines) if line.strip()), -1))
    kept = "\n".join(line for i, line in enumerate(lines) if i not in drop)
    return _WORD.findall(kept.casefold())


def _body(text: str) -> str:
    split = split_text(text)
    return text[split.body_start:] if split.has_front_matter else text.lstrip("\ufeff")


def shingle_hashes(words: list[str], size: int) -> Any:
    """The distinct 32-bit hashes of the ``size``-word shingles of ``words``, sorted (a numpy array)."""
    import numpy as np

    if len(words) < size:
        return np.empty(0, dtype=np.uint32)
    crc = zlib.crc32
    # Each word hashed once, each shingle a polynomial of its words' hashes (wrapping in 32
    # bits): the same in every process, and no string built per shingle.
    word = np.fromiter((crc(w.encode()) for w in words), dtype=np.uint32, count=len(words))
    count = len(words) - size + 1
    hashes = np.zeros(count, dtype=np.uint32)
    for k in range(size):
        hashes = hashes * np.uint32(_MULTIPLIER) + word[k:k + count]
    return np.unique(hashes)


def minhash_of(hashes: Any, num_perm: int) -> bytes:
    """datasketch's MinHash of the shingle hashes, as bytes."""
    import numpy as np
    from datasketch import MinHash

    template = _templates.get(num_perm)
    if template is None:
        template = _templates[num_perm] = MinHash(num_perm=num_perm, seed=SEED, hashfunc=_identity)
    # The permutations are drawn once per process, not once per body.
    sketch = MinHash(num_perm=num_perm, seed=SEED, hashfunc=_identity, permutations=template.permutations,
                     scheme=template.scheme)
    sketch.update_batch(hashes.tolist())
    return np.asarray(sketch.hashvalues, dtype="<u4").tobytes()


_templates: dict[int, Any] = {}


def _identity(value: int) -> int:
    # The shingles are hashed already; datasketch's affine scheme mixes them before permuting.
    return value


def title_of(text: str, config: Config) -> str:
    """The ``title`` of the front matter (a string), else the first non-blank body line
    (a raw article's headline); '' when neither."""
    from ..document import parse_source

    try:
        _, source, _ = parse_source(text, config)
        meta = source.meta
    except Exception:  # noqa: BLE001 - a broken front matter just has no title here
        meta = None
    if isinstance(meta, Mapping):
        value = meta.get("title")
        if isinstance(value, str) and value.strip():
            return value.strip()
    for line in _body(text).splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:300]
    return ""


def sign_file(found: Found, config: Config, settings: Settings, known: Mapping[str, bytes], seen_ns: int,
              keep_shingles: bool) -> Signed:
    """The signature of one file; only its digest (and key) when ``known`` holds the same
    digest for it (the caller keeps the signature it has)."""
    path, relpath, key = found[0], found[1], found[2]
    try:
        data, _ = read_guarded(path, config.root, config.limits, config.follow_symlinks)
    except UnsafeFile as exc:
        return Signed(relpath, key, b"", "", 0, b"", seen_ns, error=str(exc))
    digest = hashlib.sha256(data).digest()[:16]
    if known.get(relpath) == digest:
        return Signed(relpath, key, digest, "", -1, b"", seen_ns)  # count -1: same version as cached
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Signed(relpath, key, digest, "", 0, b"", seen_ns, error="not UTF-8")
    hashes = shingle_hashes(body_words(text, config), settings.shingle)
    count = len(hashes)
    minhash = minhash_of(hashes, settings.num_perm) if count >= settings.min_shingles else b""
    return Signed(relpath, key, digest, title_of(text, config), count, minhash, seen_ns,
                  hashes.tobytes() if keep_shingles and minhash else b"")


# What the workers read besides their files, set before they are forked (see sign_chunk).
_job: tuple[Settings, Mapping[str, bytes], int, bool] | None = None


def set_job(settings: Settings, known: Mapping[str, bytes], seen_ns: int, keep_shingles: bool) -> None:
    """What :func:`sign_chunk` needs besides the configuration, for this process and the
    workers it forks next."""
    global _job
    _job = (settings, known, seen_ns, keep_shingles)


def sign_chunk(chunk: list[Found]) -> list[Signed]:
    """The workers' part: :func:`sign_file` over a chunk of found files (plain tuples back)."""
    from ..index.workers import inherited

    assert _job is not None
    config = inherited().config
    settings, known, seen_ns, keep = _job
    return [tuple(sign_file(found, config, settings, known, seen_ns, keep)) for found in chunk]  # type: ignore[misc]


def warm_up() -> None:
    """Import what signing needs before the workers are forked (once, not in each)."""
    import numpy  # noqa: F401
    from datasketch import MinHash  # noqa: F401

    from ..checks import body, positions  # noqa: F401
    from ..document import parse_source  # noqa: F401
