"""Cost of the query language on 10k / 50k in-memory articles (what the TUI's filter box pays
per keystroke), and of the typo-tolerant ranking step.

Articles are built in memory from the generator's files (front matter parsed, no files
written), so only the evaluation is timed: compile once, then ``Query.filter`` over the list.

    python -m bench.query_filter [--counts 10000 50000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from core.config import Config
from core.document import Article, decode, parse_source
from core.query import QueryIndex, compile, known_fields, rank

from .common import machine_line, markdown_table, median_time
from .generate import article

QUERIES = (
    "tag:BITCOIN",
    'tag:"HONG KONG",HONGKONG,ASIA',
    "sentiment:negative source.key:decrypt",
    "publishedAt:>=2023-03-01",
    "publishedAt:>=-7d -is:draft",
    "score:<20",
    "bitcoin",
    '"price rally" -tag:ETF',
    "title:~bank has:updatedAt",
    "is:invalid",
    "code:CD3",
)


def build(count: int) -> list[Article]:
    config = Config(root=Path("/nonexistent"))
    articles: list[Article] = []
    for index in range(count):
        relpath, data, _ = article(index)
        text, _bad = decode(data)
        if text is None:
            articles.append(Article(Path("/" + relpath), relpath, "invalid-utf8", None))
            continue
        kind, source, problems = parse_source(text, config)
        articles.append(Article(Path("/" + relpath), relpath, kind, source.meta, tuple(problems)))
    return articles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--counts", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    print(machine_line())
    for count in args.counts:
        started = time.perf_counter()
        articles = build(count)
        built = time.perf_counter() - started
        started = time.perf_counter()
        fields = known_fields(articles)
        fields_s = time.perf_counter() - started
        print(f"\n{count} articles (built in {built:.1f} s; known_fields {fields_s * 1e3:.0f} ms)")
        rows = []
        index = QueryIndex(articles)
        for text in QUERIES:
            compile_s, _ = median_time(lambda text=text, fields=fields: compile(text, fields), args.repeat)
            query = compile(text, fields)
            # Query.filter: every article through the compiled closures (a fresh query, as per keystroke).
            filter_s, _ = median_time(lambda t=text, f=fields, a=articles: compile(t, f).filter(a), args.repeat)
            # QueryIndex: first use builds the columns it needs; then each new query is evaluated
            # per distinct value (its per-term cache cleared, as if every term were new).
            started = time.perf_counter()
            hits = index.select(query)
            first_s = time.perf_counter() - started
            assert hits == query.filter(articles), text
            index_s, _ = median_time(lambda i=index, t=text, f=fields: i.select(compile(t, f)), args.repeat, before=index._cache.clear)
            rows.append([
                f"`{text}`", len(hits), f"{compile_s * 1e3:.2f}",
                f"{filter_s * 1e3:.1f}", f"{filter_s / count * 1e6:.2f}",
                f"{first_s * 1e3:.1f}", f"{index_s * 1e3:.1f}", f"{index_s / count * 1e6:.2f}",
            ])
        print(markdown_table(["query", "matches", "compile ms", "Query.filter ms", "us/article",
                              "QueryIndex first use ms", "QueryIndex ms", "us/article"], rows))
        rank_rows = []
        for words, cutoff in ((["bitcoin", "rally"], 75), (["bitcion"], 75), (["bitcion"], 90)):
            rank_s, _ = median_time(lambda w=words, c=cutoff, a=articles: rank(a, w, score_cutoff=c, limit=50), max(1, args.repeat // 2))
            hits = len(rank(articles, words, score_cutoff=cutoff))
            rank_rows.append([" ".join(words), cutoff, hits, f"{rank_s * 1e3:.0f}"])
        print(markdown_table(["rank words", "cutoff", "above cutoff", "rank ms (limit 50)"], rank_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
