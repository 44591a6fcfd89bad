"""The query language: grammar, semantics, every error, and the two evaluators agreeing."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.config import Config
from core.document import Article, load_corpus
from core.query import (
    MatchContext,
    QueryError,
    QueryIndex,
    compile,
    known_fields,
    parse,
    rank,
    sort_key,
)
from core.schema import load_schema

SHARED = Path(__file__).resolve().parents[2] / "shared"
NOW = datetime(2025, 12, 3, 12, 0, tzinfo=UTC)

ARTICLES = {
    "hk.md": """---
title: HashKey Leads Hong Kong's Crypto Market
description: 'Losses deepen ahead of the IPO.'
publishedAt: '2025-12-01T07:29:42.000Z'
updatedAt: '2025-12-01T08:36:49.375Z'
lang: en
externalId: '55192977'
source:
  name: CoinDesk
  key: coindesk
  type: RSS
category: MARKET
tags:
  - ASIA
  - HONG KONG
  - HASHKEY
sentiment: NEGATIVE
score: -2
draft: false
---
Body.
""",
    "btc.md": """---
title: Bitcoin rally lifts miners
description: Miners gain as the price climbs.
publishedAt: '2025-11-28T23:59:59Z'
lang: en
source: {name: CoinWire, key: coinwire, type: API}
category: MARKET
tags: [BTC, MINING, hongkong]
sentiment: POSITIVE
score: 3.5
draft: true
---
Body.
""",
    "eth.md": """---
title: Ethereum upgrade scheduled
description: ''
publishedAt: '2025-12-03T09:00:00+02:00'
lang: en
source:
  name: CoinWire
  key: coinwire
  type: API
category: TECHNOLOGY
tags: [ETH]
sentiment: NEUTRAL
score: 0
draft: false
---
Body.
""",
    "notags.md": """---
title: Markets quiet
publishedAt: 2025-10-01
lang: en
category: MARKET
---
Body.
""",
    "raw.md": "Hong Kong regulators study derivatives\n\nRaw scraped text about Hong Kong.\n",
}


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> list[Article]:
    root = tmp_path_factory.mktemp("articles")
    for name, text in ARTICLES.items():
        (root / name).write_text(text, encoding="utf-8")
    return load_corpus([root]).articles


@pytest.fixture(scope="module")
def fields(articles: list[Article]) -> set[str]:
    return known_fields(articles)


def names(query: str, articles: list[Article], fields: set[str], context: MatchContext | None = None) -> list[str]:
    """Matching file names, checked to be the same through both evaluators."""
    compiled = compile(query, fields, now=NOW)
    direct = [a.path.name for a in articles if compiled.matches(a, context)]
    indexed = [a.path.name for a in QueryIndex(articles).select(compiled, context)]
    assert direct == indexed, query
    return sorted(direct)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["btc.md", "eth.md", "hk.md", "notags.md", "raw.md"]),
        # equality is case-insensitive; `tag:` is `tags:`; any list element matches
        ("tag:asia", ["hk.md"]),
        ("tags:ASIA", ["hk.md"]),
        ('tag:"hong kong"', ["hk.md"]),
        ("tag:'HONG KONG'", ["hk.md"]),
        ("tag:HONGKONG", ["btc.md"]),
        ("tag:HONG-KONG", []),
        ('tag:"HONG KONG",hongkong', ["btc.md", "hk.md"]),
        # negation: a missing field never matches, so its negation keeps articles without it
        ('-tag:"HONG KONG"', ["btc.md", "eth.md", "notags.md", "raw.md"]),
        # AND of terms
        ("source.key:coinwire sentiment:positive", ["btc.md"]),
        ("source.name:coinwire", ["btc.md", "eth.md"]),
        ("category:market -is:draft", ["hk.md", "notags.md"]),
        # substring
        ("title:~RALLY", ["btc.md"]),
        ("tag:~hash", ["hk.md"]),
        ("source.key:~coin", ["btc.md", "eth.md", "hk.md"]),
        # numbers
        ("score:<0", ["hk.md"]),
        ("score:>=0", ["btc.md", "eth.md"]),
        ("score:3.5", ["btc.md"]),
        ("score:0", ["eth.md"]),
        ("score:>1,<-1", ["btc.md", "hk.md"]),
        ("externalId:>55000000", ["hk.md"]),
        # booleans read as true/false
        ("draft:true", ["btc.md"]),
        ("draft:FALSE", ["eth.md", "hk.md"]),
        # a bare date is the whole UTC day
        ("publishedAt:2025-12-01", ["hk.md"]),
        ("publishedAt:>=2025-12-01", ["eth.md", "hk.md"]),
        ("publishedAt:>2025-12-01", ["eth.md"]),
        ("publishedAt:<=2025-11-28", ["btc.md", "notags.md"]),
        ("publishedAt:<2025-11-28", ["notags.md"]),
        ("publishedAt:2025-10-01", ["notags.md"]),
        # an offset is honoured: 09:00+02:00 is 07:00 UTC on the 3rd
        ("publishedAt:2025-12-03", ["eth.md"]),
        ("publishedAt:>=2025-12-03T07:00:00Z", ["eth.md"]),
        ("publishedAt:>2025-12-03T07:00:00Z", []),
        # relative dates and named days (now = 2025-12-03 12:00 UTC)
        ("publishedAt:>=-7d", ["btc.md", "eth.md", "hk.md"]),
        ("publishedAt:>=-5d", ["btc.md", "eth.md", "hk.md"]),
        ("publishedAt:>=-3d", ["eth.md", "hk.md"]),
        ("publishedAt:>=-2d", ["eth.md"]),
        ("publishedAt:>=-12h", ["eth.md"]),
        ("publishedAt:<-2w", ["notags.md"]),
        ("publishedAt:today", ["eth.md"]),
        ("updatedAt:yesterday", []),
        ("updatedAt:<today", ["hk.md"]),
        # states, presence, problem codes
        ("is:raw", ["raw.md"]),
        ("is:draft", ["btc.md"]),
        ("is:raw,draft", ["btc.md", "raw.md"]),
        ("has:updatedAt", ["hk.md"]),
        ("has:description", ["btc.md", "hk.md"]),  # '' counts as empty
        ("-has:tags", ["notags.md", "raw.md"]),
        ("has:tag", ["btc.md", "eth.md", "hk.md"]),
        ("code:CD101", ["raw.md"]),
        ("code:cd1", ["raw.md"]),
        # an empty quoted value finds empty placeholders
        ('description:""', ["eth.md"]),
        # bare words and phrases: title or description, case-insensitive
        ("hashkey", ["hk.md"]),
        ("ipo", ["hk.md"]),
        ('"the price climbs"', ["btc.md"]),
        ('"climbs price"', []),
        ("miners rally", ["btc.md"]),
        ("-miners", ["eth.md", "hk.md", "notags.md", "raw.md"]),
        ("hong kong's", ["hk.md"]),
        # field names are matched case-insensitively when unambiguous
        ("publishedat:2025-12-01", ["hk.md"]),
    ],
)
def test_query_semantics(query: str, expected: list[str], articles: list[Article], fields: set[str]) -> None:
    assert names(query, articles, fields) == expected


def test_raw_article_never_matches_a_field(articles: list[Article], fields: set[str]) -> None:
    # The raw article's text says "Hong Kong" but it has no title field to search.
    assert "raw.md" not in names("hong", articles, fields)
    assert "raw.md" not in names("title:~hong", articles, fields)


def test_dirty_and_marked_come_from_the_caller(articles: list[Article], fields: set[str]) -> None:
    context = MatchContext(is_dirty=lambda a: a.path.name == "eth.md", is_marked=lambda a: a.path.name in ("hk.md", "btc.md"))
    assert names("is:dirty", articles, fields, context) == ["eth.md"]
    assert names("is:marked -is:draft", articles, fields, context) == ["hk.md"]
    assert names("is:dirty", articles, fields) == []  # no context: nothing is dirty
    assert compile("is:dirty is:marked").needs == {"dirty", "marked"}
    assert compile("is:raw").needs == frozenset()


def test_query_index_reuses_terms_and_matches_filter(articles: list[Article], fields: set[str]) -> None:
    index = QueryIndex(articles)
    first = index.select(compile("category:market", fields))
    second = index.select(compile("category:market score:<0", fields))
    assert [a.path.name for a in first] == ["btc.md", "hk.md", "notags.md"]
    assert [a.path.name for a in second] == ["hk.md"]
    assert compile("tag:asia", fields).filter(articles) == index.select(compile("tag:asia", fields))


def test_words_typed_one_key_at_a_time_match_filter(articles: list[Article], fields: set[str]) -> None:
    """The words search narrows each key's answer from the last one: typing forward, back
    and past a word must still give what the plain filter gives."""
    index = QueryIndex(articles)
    typed = ["h", "ho", "hon", "hong", "hong k", "hong ko", "hong", "on", "ong kong", "o", "x", "xy", "tfl", "etf"]
    for text in typed:
        query = compile(f'"{text}"', fields)
        assert index.select(query) == query.filter(articles), text


def test_terms_and_positions() -> None:
    query = '  tag:"HONG KONG",X -is:draft "a phrase" word score:>=3'
    terms = parse(query)
    assert [(t.kind, t.position, t.negated) for t in terms] == [
        ("field", 3, False),
        ("is", query.index("-is") + 1, True),
        ("text", query.index('"a') + 1, False),
        ("text", query.index("word") + 1, False),
        ("field", query.index("score") + 1, False),
    ]
    assert terms[0].field == "tags" and terms[0].values == (("=", "HONG KONG"), ("=", "X"))
    assert terms[0].text == 'tag:"HONG KONG",X'
    assert terms[2].values == (("~", "a phrase"),)
    assert terms[4].values == ((">=", "3"),)
    assert compile('tag:"a \\" quote"').terms[0].values == (("=", 'a " quote'),)
    assert compile("bitcoin -etf").words == ("bitcoin",)


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("foo:bar", 1, "unknown field 'foo'"),
        ("titel:x", 1, "did you mean 'title'"),
        ("https://example.com", 1, "unknown field 'https'"),
        ("a tag:", 7, "missing value after 'tag:'"),
        ("tag:a,,b", 7, "missing value between commas"),
        ("tag:a,", 7, "missing value after ','"),
        ("tag:>=", 7, "missing value after '>='"),
        ("tag:~", 6, "missing value after '~'"),
        ("x - y", 3, "nothing after '-'"),
        ('tag:"HONG KONG', 5, "unterminated quote"),
        ('"open phrase', 1, "unterminated quote"),
        ('tag:"A"B', 8, "unexpected text after the closing quote"),
        ('"a"b', 4, "unexpected text after the closing quote"),
        ('""', 1, "empty phrase"),
        (":x", 1, "missing field name before ':'"),
        ("a..b:c", 1, "invalid field name 'a..b'"),
        ("10:30", 1, "invalid field name '10'"),
        ("is:published", 1, "unknown state 'published'"),
        ("is:~raw", 1, "unknown state"),
        ("is:", 4, "missing value after 'is:'"),
        ("code:XY9", 1, "unknown problem code 'XY9'"),
        ("has:nope", 1, "unknown field 'nope'"),
        ("has:~title", 1, "'has:' takes field names"),
        ("has:a..b", 1, "invalid field name 'a..b'"),
        ("score:>abc", 1, "'>' compares numbers or dates; 'abc' is neither"),
        ("publishedAt:-7d", 1, "a relative date needs a comparison"),
        ("publishedAt:2025-13-01", 1, "'2025-13-01' is not a valid date"),
        ("publishedAt:>2025-12-01T99:00", 1, "not a valid date-time"),
    ],
)
def test_every_error_names_the_term_and_position(query: str, position: int, message: str, fields: set[str]) -> None:
    with pytest.raises(QueryError) as caught:
        compile(query, fields, now=NOW)
    error = caught.value
    assert message in str(error)
    assert error.position == position
    assert error.term in query and error.term.strip()
    assert f"column {position}" in str(error)


@pytest.mark.parametrize(
    ("query", "position", "message"),
    [
        ("sentiment:negativ", 11, "sentiment is one of POSITIVE, NEUTRAL, NEGATIVE, not 'negativ'; did you mean 'NEGATIVE'?"),
        ("-sentiment:negative,postive", 21, "did you mean 'POSITIVE'?"),
        ('sentiment:"very bad"', 11, 'write sentiment:~"very bad"'),
        ("draft:yes", 7, "draft is true or false, not 'yes'"),
        ("score:<0 ai.rewritten:1", 23, "ai.rewritten is true or false, not '1'"),
    ],
)
def test_a_value_no_valid_article_can_hold_is_an_error_at_the_value(query: str, position: int, message: str, fields: set[str]) -> None:
    schema = load_schema(Config(root=Path.cwd()))
    with pytest.raises(QueryError) as caught:
        compile(query, fields | {"ai.rewritten"}, now=NOW, schema=schema)
    assert message in str(caught.value)
    assert caught.value.position == position
    # Without the schema (what the terminal UI passes today) the query compiles as before.
    compile(query, fields | {"ai.rewritten"}, now=NOW)


def test_enum_and_boolean_values_the_language_means_on_purpose_stay_valid(articles: list[Article], fields: set[str]) -> None:
    schema = load_schema(Config(root=Path.cwd()))
    for query in ("sentiment:negative", "sentiment:~NEG", 'sentiment:""', "draft:TRUE,false", "-draft:true", "sentiment:>1"):
        with_schema = compile(query, fields, now=NOW, schema=schema)
        assert with_schema.filter(articles) == compile(query, fields, now=NOW).filter(articles)


def test_without_known_fields_any_field_is_accepted(articles: list[Article]) -> None:
    assert compile("whatever:x").filter(articles) == []


def test_schema_fields_are_known_even_if_no_article_has_them() -> None:
    # No article has ai.rewritten, but the bundled schema declares it.
    fields = known_fields([])
    assert "ai.rewritten" in fields and "source.key" in fields
    compile("ai.rewritten:true", fields)


def test_sort_key_orders_numbers_dates_and_text_with_missing_last(articles: list[Article]) -> None:
    by_score = sorted(articles, key=sort_key("score"))
    assert [a.path.name for a in by_score] == ["hk.md", "eth.md", "btc.md", "notags.md", "raw.md"]
    by_date = sorted(articles, key=sort_key("publishedAt"))
    assert [a.path.name for a in by_date] == ["notags.md", "btc.md", "hk.md", "eth.md", "raw.md"]
    by_title = sorted(articles, key=sort_key("title"))
    assert [a.path.name for a in by_title][:2] == ["btc.md", "eth.md"]


def test_rank_tolerates_typos(articles: list[Article]) -> None:
    ranked = rank(articles, ["bitcion"], score_cutoff=75)
    assert ranked and ranked[0][0].path.name == "btc.md"
    assert all(score >= 75 for _, score in ranked)
    assert rank(articles, ["zzzzqqq"], score_cutoff=75) == []
    assert rank(articles, []) == []


def test_corpus_queries_agree_between_evaluators() -> None:
    corpus_dir = SHARED / "corpus"
    if not corpus_dir.is_dir():
        pytest.skip(f"shared corpus not found at {corpus_dir}")
    articles = load_corpus([corpus_dir]).articles
    fields = known_fields(articles)
    index = QueryIndex(articles)
    queries = ["date:>=2020-01-01", "draft:true", "-has:title", "tags:~go", "weight:>10", "title:~the", "the", "is:invalid", "has:date -has:tags"]
    seen_any = False
    for text in queries:
        try:
            query = compile(text, fields)
        except QueryError as exc:
            # A field none of the corpus files has is an error, not an empty result.
            assert "unknown field" in str(exc)
            continue
        direct = [a for a in articles if query.matches(a)]
        assert index.select(query) == direct, text
        seen_any = seen_any or bool(direct)
    assert seen_any


def test_a_new_is_state_is_one_entry_and_reads_only_what_it_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding ``is:duplicate`` is one entry of STATES: the query language accepts it, a batch
    command runs it, and the terminal UI loads only the keys it declares (an unknown state
    used to load ``draft``)."""
    from core import query as core_query
    from tui.model import needed_keys

    monkeypatch.setitem(core_query.STATES, "duplicate", core_query.State(
        lambda a, ctx: a.meta is not None and a.meta.get("title") == "Twin", reads=("title",)))
    query = core_query.compile("is:duplicate", set())
    assert needed_keys(query) == {"title"}
    assert needed_keys(core_query.compile("is:draft is:raw", set())) == frozenset()  # the records answer them
    assert core_query.compile("is:dirty", set()).needs == {"dirty"}
