"""Generate a folder of stories, reprints of some of them, and other stories on the same
subjects: what the duplicate finder is evaluated and timed on (deterministic for a seed).

Unlike ``bench/generate.py`` (whose sentences come from small pools, so unrelated bodies
share many word sequences), every story here is written from a vocabulary of thousands of
invented words between common English function words, around its subject's names (a
company, a place, a regulator) and a few stock phrases of news writing: stories on one
subject share names and phrases, not passages. :func:`shared_fraction` measures it.

A reprint applies one transformation, each with its own parameters (:data:`TRANSFORMS`):
``title`` (another headline), ``promo`` (calls to action added between paragraphs),
``footer`` (a social footer appended), ``drop`` (one paragraph left out), ``reword``
(a share of the words replaced). ``raw`` reprints are written without front matter.

    python -m bench.dupes_corpus OUT --stories 400 --reprints 100 [--same-subject 4] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

_SYLLABLES = ("ka", "ro", "mi", "tan", "vel", "so", "dur", "pe", "lin", "gor", "a", "e", "ith", "bra", "qu",
              "ne", "zo", "har", "mon", "ust", "ci", "pla", "dre", "fen", "ol", "wi", "tre", "sam", "ux", "bel")
_FUNCTION = ("the", "of", "and", "to", "in", "a", "for", "on", "with", "as", "that", "by", "its", "at", "from",
             "was", "is", "has", "said", "after", "over", "while", "than", "into", "this")
_STOCK = ("according to people familiar with the matter", "said in a statement on", "did not respond to a request for comment",
          "in the first quarter of", "data compiled by", "the company said", "analysts said", "earlier this year",
          "people close to the deal said", "a spokesperson declined to comment")
_SUBJECTS = ("company", "place", "regulator", "person")
_PROMO_LINES = ("👉 Subscribe to our newsletter for the daily briefing", "🔥 Click here to read the full market report",
                "Sign up for alerts on this story", "📢 Download the app for breaking news")
_FOOTER_LINES = ("Join our Telegram community for more updates", "Twitter: https://example.com/desk",
                 "Telegram: https://example.com/join", "Follow us on LinkedIn for market news")
TRANSFORMS = ("title", "promo", "footer", "drop", "reword")


@dataclass(frozen=True)
class Params:
    """Each transformation's parameters."""

    promo_lines: tuple[int, int] = (1, 3)  # calls to action added
    footer_lines: tuple[int, int] = (2, 4)  # lines of the social footer appended
    drop_paragraphs: int = 1  # paragraphs left out
    reword_share: float = 0.05  # share of words replaced by other words
    raw_share: float = 0.2  # reprints written without front matter


@dataclass
class Story:
    id: int
    subject: int
    title: str
    paragraphs: list[str]


@dataclass
class Corpus:
    """What was written: each file's relative path -> the story it tells, the original of
    each reprint and the transformation applied."""

    story_of: dict[str, int] = field(default_factory=dict)
    reprints: dict[str, tuple[str, str]] = field(default_factory=dict)  # reprint -> (original, transform)
    subject_of: dict[str, int] = field(default_factory=dict)


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


class Writer:
    """Writes stories: a subject's names come back throughout its stories, the rest of the
    words are drawn afresh for each sentence."""

    def __init__(self, seed: int, subjects: int) -> None:
        rng = random.Random(seed)
        self.words = _vocabulary(rng, 6000)
        self.subjects = [self._names(rng) for _ in range(subjects)]

    def _names(self, rng: random.Random) -> list[str]:
        names = []
        for _ in _SUBJECTS:
            parts = rng.randint(1, 3)
            names.append(" ".join(rng.choice(self.words).capitalize() for _ in range(parts)))
        return names

    def sentence(self, rng: random.Random, names: list[str]) -> str:
        out: list[str] = []
        for _ in range(rng.randint(9, 22)):
            roll = rng.random()
            if roll < 0.33:
                out.append(rng.choice(_FUNCTION))
            elif roll < 0.40:
                out.append(rng.choice(names))
            elif roll < 0.415:
                out.append(rng.choice(_STOCK))
            elif roll < 0.455:
                out.append(f"{rng.randint(2, 990)}{rng.choice(('', '%', ' million', ' billion'))}")
            else:
                out.append(rng.choice(self.words))
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def story(self, story_id: int, subject: int, seed: int) -> Story:
        rng = random.Random(zlib.crc32(f"{seed}:{story_id}".encode()))
        names = self.subjects[subject]
        title = self.title(rng, names)
        paragraphs = [" ".join(self.sentence(rng, names) for _ in range(rng.randint(2, 4)))
                      for _ in range(rng.randint(5, 8))]
        return Story(story_id, subject, title, paragraphs)

    def title(self, rng: random.Random, names: list[str]) -> str:
        words = [rng.choice(self.words) for _ in range(rng.randint(3, 6))]
        words.insert(rng.randint(0, len(words)), names[0])
        return " ".join(words).title()


def reprint(writer: Writer, story: Story, transform: str, rng: random.Random, params: Params) -> tuple[str, list[str]]:
    """A reprint of ``story`` under ``transform``: its title and body lines."""
    title, paragraphs = story.title, list(story.paragraphs)
    if transform == "title":
        title = writer.title(rng, writer.subjects[story.subject])
    elif transform == "drop":
        for _ in range(params.drop_paragraphs):
            paragraphs.pop(rng.randrange(1, len(paragraphs)))
    elif transform == "reword":
        paragraphs = [" ".join(rng.choice(writer.words) if rng.random() < params.reword_share else w
                               for w in p.split(" ")) for p in paragraphs]
    places: set[int] = set()
    if transform == "promo":
        count = rng.randint(*params.promo_lines)
        places = set(rng.sample(range(len(paragraphs)), min(len(paragraphs), count)))
    lines: list[str] = []
    for i, paragraph in enumerate(paragraphs):
        lines += [paragraph, ""]
        if i in places:
            lines += [rng.choice(_PROMO_LINES), ""]
    if transform == "footer":
        count = rng.randint(*params.footer_lines)
        lines += ["---", ""] + [rng.choice(_FOOTER_LINES) for _ in range(count)] + [""]
    return title, lines


def article_text(title: str, lines: list[str], subject: str, raw: bool = False) -> str:
    """A file's text: front matter like the seeds' (title, date, source, tags) then the body."""
    body = "\n".join(lines).rstrip("\n") + "\n"
    if raw:
        return f"{title}\n\n{body}"
    safe = title.replace("'", "''")
    return (f"---\ntitle: '{safe}'\npublishedAt: '2025-11-0{len(title) % 9 + 1}T08:00:00.000Z'\nsource:\n  name: Desk\n"
            f"  key: desk\ncategory: MARKET\ntags:\n  - {subject.split()[0].upper()}\nsentiment: NEUTRAL\ndraft: false\n---\n\n"
            f"{body}")


def write_corpus(out: Path, stories: int, reprints: int, *, same_subject: int = 4, seed: int = 0,
                 params: Params | None = None, transforms: tuple[str, ...] = TRANSFORMS) -> Corpus:
    """Write ``stories`` stories, ``same_subject`` per subject, and ``reprints`` reprints of
    the first stories (each transformation in turn) under ``out``; what was written."""
    params = params or Params()
    writer = Writer(seed, max(1, stories // same_subject + 1))
    corpus = Corpus()
    written: list[Story] = []
    for relpath, text, story, original, transform in _files(writer, stories, reprints, same_subject, seed, params, transforms, written):
        target = out / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        corpus.story_of[relpath] = story.id
        corpus.subject_of[relpath] = story.subject
        if original:
            corpus.reprints[relpath] = (original, transform)
    return corpus


def _files(writer: Writer, stories: int, reprints: int, same_subject: int, seed: int, params: Params,
           transforms: tuple[str, ...], written: list[Story]) -> Iterator[tuple[str, str, Story, str, str]]:
    for n in range(stories):
        story = writer.story(n, n // same_subject, seed)
        written.append(story)
        names = writer.subjects[story.subject]
        lines = [line for p in story.paragraphs for line in (p, "")]
        yield f"{n // 1000:02d}/story-{n:06d}.md", article_text(story.title, lines, names[0]), story, "", ""
    for n in range(reprints):
        story = written[n % stories]
        transform = transforms[n % len(transforms)]
        rng = random.Random(zlib.crc32(f"reprint:{seed}:{n}".encode()))
        title, lines = reprint(writer, story, transform, rng, params)
        raw = rng.random() < params.raw_share
        yield (f"reprints/{n // 1000:02d}/re-{n:06d}.{'txt' if raw else 'md'}",
               article_text(title, lines, writer.subjects[story.subject][0], raw), story, f"{(story.id) // 1000:02d}/story-{story.id:06d}.md", transform)


def shared_fraction(a: str, b: str, size: int = 5) -> float:
    """The share of the smaller set of word ``size``-shingles of two texts found in the other."""
    def shingles(text: str) -> set[tuple[str, ...]]:
        words = text.casefold().split()
        return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}

    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / min(len(sa), len(sb)) if sa and sb else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--stories", type=int, default=400)
    parser.add_argument("--reprints", type=int, default=100)
    parser.add_argument("--same-subject", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    corpus = write_corpus(args.out, args.stories, args.reprints, same_subject=args.same_subject, seed=args.seed)
    print(f"{len(corpus.story_of)} files, {len(corpus.reprints)} reprints under {args.out}")


if __name__ == "__main__":
    main()
