"""Tags across a folder: counts, near-duplicate groups, and suggestions from a vocabulary.

Near-duplicates are found in three steps, from safest to riskiest:

1. the same *key*: case, spacing and punctuation ignored (``HONG KONG``, ``Hong-Kong``,
   ``HONGKONG``);
2. the same key once an English plural ending is removed (``MARKET``/``MARKETS``,
   ``COMPANY``/``COMPANIES``);
3. a small edit distance between keys (one edit from 8 characters, two from 12: typos such
   as ``ETHERIUM``). Short tags never take this step: ``BTC``/``ETH``, ``ASIA``/``USA``,
   ``AI``/``API`` differ by one or two letters and are different things. Keys whose digits
   differ (``LAYER 1``/``LAYER 2``, ``WEB2``/``WEB3``) are never grouped.

Each group proposes its most used spelling as canonical, ready for ``tag --rename``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .document import Article

TAGS_FIELD = "tags"
# Step 3 thresholds: (minimum key length, maximum edit distance), longest first.
FUZZY_STEPS = ((12, 2), (8, 1))

_NOT_ALNUM = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def tag_values(value: Any) -> list[str]:
    """The tags in a ``tags`` value: a list of strings, or a single string; others ignored."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple | list):
        return [item for item in value if isinstance(item, str)]
    return []


def tag_counts(articles: Iterable[Article], field: str = TAGS_FIELD) -> Counter[str]:
    """How many articles use each tag (exact spelling; a tag twice in one article counts once)."""
    counts: Counter[str] = Counter()
    for article in articles:
        if article.meta is None:
            continue
        counts.update(set(tag_values(article.meta.get(field))))
    return counts


def tag_key(tag: str) -> str:
    """Case, spacing and punctuation removed: ``Hong-Kong`` -> ``hongkong``."""
    return _NOT_ALNUM.sub("", tag.casefold())


# Words ending in -s that are not plurals of the word without it.
NOT_PLURALS = frozenset({
    "news", "series", "species", "means", "physics", "economics", "politics", "ethics",
    "gas", "lens", "bias", "chaos", "atlas", "canvas", "alias", "always", "perhaps", "its",
    "yes", "thanks", "aws", "dns", "ios", "macos", "tvos", "watchos", "ipados", "js", "nodejs",
})


def singular(key: str) -> str:
    """``key`` without an English plural ending (keys of 3+ letters left after removal)."""
    if key in NOT_PLURALS:
        return key
    if len(key) >= 6 and key.endswith("ies"):
        return key[:-3] + "y"
    if len(key) >= 5 and key.endswith(("sses", "xes", "zes", "ches", "shes")):
        return key[:-2]
    if len(key) >= 4 and key.endswith("s") and not key.endswith(("ss", "us", "is")) and key[-2].isalpha():
        return key[:-1]
    return key


@dataclass(frozen=True, slots=True)
class TagGroup:
    """Spellings that look like one tag; ``canonical`` is the most used."""

    canonical: str
    members: tuple[tuple[str, int], ...]  # (spelling, articles), most used first
    reason: str  # "case/spacing", "plural" or "spelling" (the loosest step that joined it)

    @property
    def total(self) -> int:
        return sum(count for _, count in self.members)

    def renames(self) -> list[tuple[str, str]]:
        """``(old, canonical)`` for every other spelling: the ``--rename OLD=NEW`` arguments."""
        return [(tag, self.canonical) for tag, _ in self.members if tag != self.canonical]

    def as_dict(self) -> dict[str, Any]:
        return {
            "canonical": self.canonical,
            "total": self.total,
            "reason": self.reason,
            "members": [{"tag": tag, "count": count} for tag, count in self.members],
        }


class _Groups:
    """Union-find over tags, remembering the loosest reason two tags were joined."""

    _ORDER = {"case/spacing": 0, "plural": 1, "spelling": 2}

    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}
        self.reason: dict[str, str] = {}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
            reasons = [r for r in (self.reason.pop(rb, None), self.reason.get(ra), reason) if r]
            self.reason[ra] = max(reasons, key=self._ORDER.__getitem__)


def _preferred(tag: str, count: int) -> tuple[int, int, str]:
    # Most used first; on a tie the house style (upper case, no stray spaces), then alphabetical.
    return (-count, 0 if tag == tag.upper() and tag == " ".join(tag.split()) else 1, tag)


def similar_groups(counts: Mapping[str, int]) -> list[TagGroup]:
    """Groups of two or more spellings that look like the same tag, biggest first."""
    tags = [t for t in counts if t.strip()]
    by_key: dict[str, list[str]] = {}
    for tag in tags:
        key = tag_key(tag)
        if key:
            by_key.setdefault(key, []).append(tag)
    groups = _Groups(by_key)  # over keys; spellings sharing a key are together already
    by_stem: dict[str, list[str]] = {}
    for key in by_key:
        by_stem.setdefault(singular(key), []).append(key)
    for keys in by_stem.values():
        for other in keys[1:]:
            groups.union(keys[0], other, "plural")
    _join_close_keys(list(by_key), groups)
    members: dict[str, list[str]] = {}
    for key, spellings in by_key.items():
        members.setdefault(groups.find(key), []).extend(spellings)
    result: list[TagGroup] = []
    for root, spellings in members.items():
        if len(spellings) < 2:
            continue
        ranked = sorted(spellings, key=lambda t: _preferred(t, counts[t]))
        reason = groups.reason.get(root, "case/spacing")
        result.append(TagGroup(ranked[0], tuple((t, counts[t]) for t in ranked), reason))
    result.sort(key=lambda g: (-g.total, g.canonical))
    return result


def _join_close_keys(keys: Sequence[str], groups: _Groups) -> None:
    """Step 3: keys within a small edit distance (transpositions count as one edit)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    widest = max(distance for _, distance in FUZZY_STEPS)
    by_length: dict[int, list[str]] = {}
    for key in keys:
        if len(key) >= FUZZY_STEPS[-1][0]:
            by_length.setdefault(len(key), []).append(key)
    for length, same_length in by_length.items():
        # Only keys at most `widest` longer can be close; shorter ones were compared already.
        candidates = [k for n in range(length, length + widest + 1) for k in by_length.get(n, ())]
        for key in same_length:
            for other, distance, _ in process.extract(key, candidates, scorer=OSA.distance, score_cutoff=widest, limit=None):
                if other == key or (len(other) == length and other < key):
                    continue
                allowed = next((d for minimum, d in FUZZY_STEPS if length >= minimum), 0)
                if distance <= allowed and _DIGITS.findall(key) == _DIGITS.findall(other):
                    groups.union(key, other, "spelling")


def vocabulary_spelling(tag: str, vocabulary: Sequence[str]) -> str | None:
    """The vocabulary tag that ``tag`` differs from only by case, spacing, punctuation or an
    English plural (``Hong-Kong`` -> ``HONG KONG``, ``regulations`` -> ``REGULATION``), or
    None. A vocabulary tag with the same key wins over one that is only its singular or
    plural, so a vocabulary holding both ``MARKET`` and ``MARKETS`` keeps each."""
    key = tag_key(tag)
    if not key:
        return None
    keys = [tag_key(known) for known in vocabulary]
    for known, known_key in zip(vocabulary, keys, strict=True):
        if known_key == key:
            return known
    stem = singular(key)
    for known, known_key in zip(vocabulary, keys, strict=True):
        if singular(known_key) == stem:
            return known
    return None


def closest_tag(tag: str, vocabulary: Sequence[str], score_cutoff: float = 80.0) -> str | None:
    """The vocabulary tag closest to ``tag`` (for "unknown tag X, did you mean Y?"), or None."""
    from rapidfuzz import fuzz, process

    if not vocabulary:
        return None
    known = vocabulary_spelling(tag, vocabulary)
    if known is not None:
        return known
    found = process.extractOne(tag_key(tag), [tag_key(v) for v in vocabulary], scorer=fuzz.ratio, score_cutoff=score_cutoff)
    return vocabulary[found[2]] if found else None


# -- suggestions from a vocabulary ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Suggestion:
    tag: str
    count: int  # occurrences in the text
    first: int  # character offset of the first occurrence


def _term_key(text: str) -> str:
    return " ".join(_NOT_ALNUM.sub(" ", text.casefold()).split())


@lru_cache(maxsize=16)
def _vocabulary_pattern(vocabulary: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, str]]:
    """Two alternations (case-insensitive terms, case-sensitive short acronyms) and key -> tag."""
    by_key: dict[str, str] = {}
    loose: list[str] = []
    strict: list[str] = []
    for tag in vocabulary:
        key = _term_key(tag)
        if not key or key in by_key:
            continue
        by_key[key] = tag
        words = [re.escape(w) for w in key.split()]
        # A short upper-case tag (ETF, AI, US) only matches as written: "us" is not the US.
        if tag.isupper() and len(key.replace(" ", "")) <= 3:
            strict.append(r"[\W_]+".join(re.escape(w) for w in tag.split()))
        else:
            loose.append(r"[\W_]+".join(words) + "s?")
    # Longest first so that "HONG KONG ETF" wins over "HONG KONG".
    loose.sort(key=len, reverse=True)
    strict.sort(key=len, reverse=True)
    loose_re = re.compile(r"(?<!\w)(?:" + "|".join(loose) + r")(?!\w)", re.IGNORECASE) if loose else None
    strict_re = re.compile(r"(?<!\w)(?:" + "|".join(strict) + r")s?(?!\w)") if strict else None
    return loose_re, strict_re, by_key


def suggest_tags(body: str, vocabulary: Iterable[str], limit: int | None = None) -> list[Suggestion]:
    """Vocabulary tags that occur in ``body`` (whole words, any case, plural allowed), most
    frequent first, then earliest."""
    loose_re, strict_re, by_key = _vocabulary_pattern(tuple(vocabulary))
    found: dict[str, list[int]] = {}
    for pattern in (loose_re, strict_re):
        if pattern is None:
            continue
        for match in pattern.finditer(body):
            key = _term_key(match.group(0))
            tag = by_key.get(key) or by_key.get(key[:-1] if key.endswith("s") else key)
            if tag is not None:
                found.setdefault(tag, []).append(match.start())
    ranked = sorted(
        (Suggestion(tag, len(offsets), min(offsets)) for tag, offsets in found.items()),
        key=lambda s: (-s.count, s.first, s.tag),
    )
    return ranked[:limit] if limit is not None else ranked


def canonical_terms(counts: Mapping[str, int]) -> list[str]:
    """The terms of ``counts`` that are no near-duplicate's variant (each group's most used
    spelling), blanks left out: what ``adopt`` looks for in a text when no vocabulary is
    configured."""
    variants = {term for group in similar_groups(counts) for term, _ in group.members[1:]}
    return [term for term in counts if term not in variants and term.strip()]
