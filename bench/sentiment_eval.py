"""How good and how fast the sentiment suggestion is (``core.sentiment``).

    python -m bench.sentiment_eval

Accuracy on ``bench/data/ledes.tsv`` (invented news ledes, each labelled by hand before the
model was first run on them: the file's first commit holds the labels alone) plus seed
``000_*`` of ``../shared/seeds`` (labelled NEGATIVE), with the default ``[sentiment]``
settings; the confusion matrix; the accuracy of always answering the majority class. The
threshold sweep after it is measured on the same set, so it is optimistic: it says how
sensitive the figure is to the thresholds, not what another set would score.

Cost: the median time of one suggestion (warm: the lexicon loaded) over the ledes, and over
the seeds' full articles, beside scoring each seed's whole body (the baseline the lede
replaces); the import and lexicon load, once per process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from functools import partial
from pathlib import Path

from core.config import SentimentSettings
from core.sentiment import POLARITIES, compound, lede, suggest

from .common import BENCH_DIR, PROJECT_DIR

LEDES = BENCH_DIR / "data" / "ledes.tsv"
SEEDS = PROJECT_DIR.parent / "shared" / "seeds"
LABELS = ("POSITIVE", "NEUTRAL", "NEGATIVE")


def read_ledes(path: Path = LEDES) -> list[tuple[str, str]]:
    """(label, lede) pairs of the labelled set (``#`` comments and the header skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("label\t"):
            continue
        label, text = line.split("\t", 1)
        if label not in LABELS:
            raise SystemExit(f"{path}: unknown label {label!r}")
        rows.append((label, text))
    return rows


def seed_articles() -> list[tuple[str, str, object, str]]:
    """(file name, title, description, body) of each seed, read through the loader."""
    from core.config import load_config
    from core.document import load_article

    out = []
    for path in sorted(SEEDS.glob("*.txt")):
        article = load_article(path, load_config(path.parent))
        meta = article.meta or {}
        title = meta.get("title") if article.kind == "front-matter" else None
        body = article.body() if article.kind == "front-matter" else path.read_text(encoding="utf-8")
        out.append((path.name, title, meta.get("description"), body))
    return out


def _read_and_suggest(path: Path, title: object, description: object, settings: SentimentSettings) -> object:
    from core.document import read_body

    body = read_body(path) if title is not None else path.read_text(encoding="utf-8")
    return suggest(title, description, body, settings)


def median_us(run, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / 1000


def confusion(pairs: list[tuple[str, str]]) -> str:
    counts = Counter(pairs)
    width = max(map(len, LABELS)) + 2
    lines = ["truth \\ suggested".ljust(20) + "".join(label.rjust(width) for label in LABELS)]
    for truth in LABELS:
        lines.append(truth.ljust(20) + "".join(str(counts[(truth, said)]).rjust(width) for said in LABELS))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per seed (default 200)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    compound("warm up")  # imports vaderSentiment and reads its lexicon
    print(f"import and lexicon load: {(time.perf_counter() - started) * 1000:.0f} ms (once per process)")

    settings = SentimentSettings()
    cases = [(label, (None, None, text)) for label, text in read_ledes()]
    seeds = seed_articles() if SEEDS.is_dir() else []
    seed0 = [s for s in seeds if s[0].startswith("000_")]
    if seed0:
        name, title, description, body = seed0[0]
        cases.append(("NEGATIVE", (title, description, body)))
    else:
        print(f"(no seeds at {SEEDS}: seed 000 left out)")

    said = [(truth, suggest(*parts, settings).label or "") for truth, parts in cases]
    right = sum(truth == guess for truth, guess in said)
    counts = Counter(truth for truth, _ in said)
    majority, majority_count = counts.most_common(1)[0]
    print(f"\nlabelled set: {len(said)} articles ({', '.join(f'{counts[label]} {label}' for label in LABELS)})")
    print(f"settings: positive >= {settings.positive_threshold:+.2f}, negative <= {settings.negative_threshold:+.2f} (defaults)")
    print(f"accuracy: {right}/{len(said)} = {right / len(said):.3f}")
    print(f"majority-class baseline (always {majority}): {majority_count}/{len(said)} = {majority_count / len(said):.3f}")
    print(confusion(said))
    if seed0:
        print(f"seed {seed0[0][0]}: suggested {said[-1][1]} (labelled NEGATIVE)")

    confident = [(truth, s) for truth, parts in cases if (s := suggest(*parts, settings)).confident]
    wrong_way = sum(1 for truth, s in confident if s.label not in (truth, settings.neutral) and truth != settings.neutral)
    print(f"confident suggestions (|score| >= {settings.confidence}): {len(confident)}; "
          f"of them the opposite polarity of the label: {wrong_way} (what CD307 would report wrongly)")

    print("\nthreshold sweep, on the same set (optimistic: not a held-out figure)")
    for cut in (0.05, 0.2, 0.3, 0.4, 0.5):
        swept = replace(settings, positive_threshold=cut, negative_threshold=-cut)
        hits = sum(truth == suggest(*parts, swept).label for truth, parts in cases)
        print(f"  +-{cut:.2f}: {hits}/{len(cases)} = {hits / len(cases):.3f}")

    ledes_us = [median_us(lambda parts=parts: suggest(*parts, settings), 5) for _, parts in cases[: len(read_ledes())]]
    print(f"\ncost per suggestion, ledes: median {statistics.median(ledes_us):.0f} us (max of the medians {max(ledes_us):.0f} us)")
    all_us, read_us = [], []
    for name, title, description, body in seeds:
        text = lede(title, description, body)
        suggestion_us = median_us(partial(suggest, title, description, body, settings), args.repeat)
        # as the editor pays it: the body read from the file (through the loader's guards) too
        with_read = median_us(partial(_read_and_suggest, SEEDS / name, title, description, settings), args.repeat)
        whole_us = median_us(partial(compound, body), max(args.repeat // 10, 5))
        all_us.append(suggestion_us)
        read_us.append(with_read)
        title_score = f"{compound(title):+.2f}" if title else "none"
        print(f"  {name}: {len(body):,} chars of body; suggestion ({len(text)} chars read) {suggestion_us:.0f} us, "
              f"{with_read:.0f} us with the file read; whole body {whole_us:.0f} us ({whole_us / suggestion_us:.1f}x "
              f"the suggestion); scores: lede {compound(text):+.2f}, title {title_score}, whole body {compound(body):+.2f}")
    if seeds:
        print(f"cost per suggestion, seeds' full articles: median {statistics.median(all_us):.0f} us, "
              f"{statistics.median(read_us):.0f} us with the file read")
    print(f"polarities: {', '.join(POLARITIES)}; labels: {', '.join(settings.label(p) for p in POLARITIES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
