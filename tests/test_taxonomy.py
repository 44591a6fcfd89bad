"""Tag counts, near-duplicate groups (true and false positives), vocabulary suggestions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from core.document import load_corpus
from core.taxonomy import closest_tag, similar_groups, singular, suggest_tags, tag_counts, tag_key

SHARED = Path(__file__).resolve().parents[2] / "shared"

CRAFTED = Counter(
    {
        # true positives
        "HONG KONG": 40, "HONGKONG": 5, "Hong-Kong": 2, "hong kong": 1,
        "MARKET": 50, "MARKETS": 12,
        "COMPANY": 3, "COMPANIES": 2,
        "ETF": 4, "ETFs": 2,
        "ETHEREUM": 30, "ETHERIUM": 1, "ETHERUEM": 1,
        "DECENTRALIZED": 2, "DECENTRALISED": 1,
        "DeFi": 2, "DEFI": 4,
        # distinct tags that look alike
        "BTC": 30, "ETH": 25, "ASIA": 20, "USA": 10, "AI": 9, "API": 4,
        "LAYER 1": 5, "LAYER 2": 6, "WEB2": 1, "WEB3": 9,
        "MINING": 10, "MINTING": 3, "BONDS": 2, "BANDS": 1,
        "NEWS": 7, "NEW": 1, "POLICY": 2, "POLICE": 1, "OPTIONS": 2, "OPINIONS": 1,
        "BUSINESS": 5, "ANALYSIS": 3, "STATUS": 1, "STATU": 1, "GAS": 2, "GA": 1,
    }
)


def as_sets(groups) -> set[frozenset[str]]:
    return {frozenset(tag for tag, _ in g.members) for g in groups}


def test_true_positives_are_grouped_with_most_used_spelling_canonical() -> None:
    groups = {g.canonical: g for g in similar_groups(CRAFTED)}
    assert groups["HONG KONG"].members == (("HONG KONG", 40), ("HONGKONG", 5), ("Hong-Kong", 2), ("hong kong", 1))
    assert groups["HONG KONG"].reason == "case/spacing"
    assert groups["HONG KONG"].renames() == [("HONGKONG", "HONG KONG"), ("Hong-Kong", "HONG KONG"), ("hong kong", "HONG KONG")]
    assert set(groups["MARKET"].renames()) == {("MARKETS", "MARKET")} and groups["MARKET"].reason == "plural"
    assert groups["COMPANY"].reason == "plural"
    assert {t for t, _ in groups["ETF"].members} == {"ETF", "ETFs"}
    assert {t for t, _ in groups["ETHEREUM"].members} == {"ETHEREUM", "ETHERIUM", "ETHERUEM"}
    assert groups["ETHEREUM"].reason == "spelling"
    assert "DECENTRALIZED" in groups
    assert groups["DEFI"].members[0] == ("DEFI", 4)


def test_distinct_tags_are_not_grouped() -> None:
    grouped = set().union(*as_sets(similar_groups(CRAFTED)))
    for tag in ("BTC", "ETH", "ASIA", "USA", "AI", "API", "LAYER 1", "LAYER 2", "WEB2", "WEB3",
                "MINING", "MINTING", "BONDS", "BANDS", "NEWS", "NEW", "POLICY", "POLICE",
                "OPTIONS", "OPINIONS", "BUSINESS", "ANALYSIS", "STATUS", "STATU", "GAS", "GA"):
        assert tag not in grouped, tag


def test_plural_and_key_rules() -> None:
    assert tag_key(" Hong-Kong ") == tag_key("HONG_KONG") == "hongkong"
    assert singular("markets") == "market" and singular("companies") == "company"
    assert singular("taxes") == "tax" and singular("business") == "business"
    assert singular("news") == "news" and singular("status") == "status" and singular("analysis") == "analysis"


def test_counts_over_articles(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntags: [BTC, ETH, BTC]\n---\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("---\ntags:\n  - BTC\n  - 3\n---\n", encoding="utf-8")
    (tmp_path / "c.md").write_text("---\ntags: SOLO\n---\n", encoding="utf-8")
    (tmp_path / "raw.md").write_text("no front matter\n", encoding="utf-8")
    counts = tag_counts(load_corpus([tmp_path], with_rules=False).articles)
    assert counts == Counter({"BTC": 2, "ETH": 1, "SOLO": 1})


def test_every_corpus_taxonomy_groups_only_true_duplicates() -> None:
    corpus_dir = SHARED / "corpus"
    if not corpus_dir.is_dir():
        pytest.skip(f"shared corpus not found at {corpus_dir}")
    articles = load_corpus([corpus_dir], with_rules=False).articles
    counts: Counter[str] = Counter()
    for field in ("tags", "tag", "categories", "keywords"):
        counts.update(tag_counts(articles, field))
    assert len(counts) > 50
    found = as_sets(similar_groups(counts))
    # Each reviewed by hand: the same term spelt differently.
    expected = {
        frozenset({"ios", "iOS"}),
        frozenset({"architecture", "Architecture"}),
        frozenset({"javascript", "JavaScript"}),
        frozenset({"Team", "team", "teams"}),
        frozenset({"oss", "OSS"}),
        frozenset({"DevOps", "devops"}),
        frozenset({"Objective C", "objectivec"}),
    }
    assert found == expected


def test_suggest_tags_from_body() -> None:
    body = (
        "Hong Kong's ETF market opened higher. Analysts in the US said us traders... "
        "Hong-Kong ETFs rallied; markets were up. Ethereum too.\n"
    )
    vocabulary = ["HONG KONG", "ETF", "US", "MARKET", "ETHEREUM", "ASIA", "AI"]
    suggestions = suggest_tags(body, vocabulary)
    assert [(s.tag, s.count) for s in suggestions] == [("HONG KONG", 2), ("ETF", 2), ("MARKET", 2), ("US", 1), ("ETHEREUM", 1)]
    # Whole words only: "said" does not contain the tag AI, "Asian" is not ASIA.
    assert suggest_tags("He said Asian markets", ["AI", "ASIA"]) == []
    assert [s.tag for s in suggest_tags(body, vocabulary, limit=2)] == ["HONG KONG", "ETF"]


def test_closest_tag() -> None:
    vocabulary = ["ETHEREUM", "HONG KONG", "BTC"]
    assert closest_tag("ETHERIUM", vocabulary) == "ETHEREUM"
    assert closest_tag("hong-kong", vocabulary) == "HONG KONG"
    assert closest_tag("SOLANA", vocabulary) is None


def test_a_typed_tag_takes_the_house_style_and_the_vocabularys_spelling(tmp_path):
    from core.checks.fixes import house_tag
    from core.config import Config

    config = Config(root=tmp_path, vocabulary=("HONG KONG", "REGULATION", "MARKET", "MARKETS", "iPhone"))
    assert house_tag("Hong-Kong", config) == "HONG KONG"  # punctuation
    assert house_tag("hong  kong ", config) == "HONG KONG"  # case and spacing
    assert house_tag("HONGKONG", config) == "HONG KONG"
    assert house_tag("regulations", config) == "REGULATION"  # plural
    assert house_tag("markets", config) == "MARKETS"  # the same key beats a plural
    assert house_tag("iphone", config) == "IPHONE"  # the house style's case, which CD208 accepts
    assert house_tag("library", config) == "LIBRARY"  # outside the vocabulary: case only
    assert house_tag("library", Config(root=tmp_path, ignore=("CD303",))) == "library"
