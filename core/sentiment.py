"""The sentiment suggestion: what an article's words say of its tone, for an editor to weigh.

VADER (``vaderSentiment``: a lexicon and rules shipped inside the package, nothing fetched at
run time) scores the article's *lede*: its title, description and the first
:data:`LEDE_CHARS` characters of its body. News puts its tone up front; a whole body costs
more and says less (its compound score saturates towards -1 or 1 with length:
``bench/sentiment_eval.py`` measures both). The compound score (-1..1) is mapped to the
schema's sentiment enum with the ``[sentiment]`` settings (:class:`core.config.SentimentSettings`):
at or above ``positive-threshold`` the positive label, at or below ``negative-threshold`` the
negative one, the neutral one between; a score at least ``confidence`` away from 0 is
*confident* (rule CD307 and ``is:contradicted`` only trust those).

The suggestion is never written by itself: the terminal UI shows it beside the value and
in the ``s`` picker. vaderSentiment is imported on the first suggestion, never at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .config import SentimentSettings

Polarity = Literal["positive", "neutral", "negative"]
POLARITIES: tuple[Polarity, ...] = ("positive", "neutral", "negative")

# How much of the body the suggestion reads: about a news lede's first two paragraphs.
LEDE_CHARS = 600


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the words say: the ``polarity``, its ``label`` in the schema's enum (None when
    the enum has no value for it), VADER's compound ``score`` (-1..1) and whether it is
    ``confident`` (at least the configured confidence away from 0)."""

    polarity: Polarity
    label: str | None
    score: float
    confident: bool

    def describe(self) -> str:
        """``NEGATIVE (-0.72, confident)``: the label (or polarity) with its score."""
        what = self.label if self.label is not None else self.polarity
        return f"{what} ({self.score:+.2f}{', confident' if self.confident else ''})"


@lru_cache(maxsize=1)
def _analyzer() -> Any:
    # Imported and built on the first suggestion (the lexicon is read then), never at start-up.
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lede(title: Any, description: Any, body: str, chars: int = LEDE_CHARS) -> str:
    """The text the suggestion reads: title, description and the body's first ``chars``
    characters (cut at a word), each a sentence of its own."""
    head = body.lstrip()[: chars + 1]
    if len(head) > chars:
        head = head[:chars].rsplit(None, 1)[0]
    parts = [p.strip() for p in (title, description, head) if isinstance(p, str) and p.strip()]
    return "\n".join(p if p[-1] in ".!?" else p + "." for p in parts)


def compound(text: str) -> float:
    """VADER's compound score of ``text``, -1 (negative) to 1 (positive)."""
    if not text.strip():
        return 0.0
    return float(_analyzer().polarity_scores(text)["compound"])


def polarity_of(score: float, settings: SentimentSettings) -> Polarity:
    """The polarity ``score`` falls in under the settings' thresholds."""
    if score >= settings.positive_threshold:
        return "positive"
    if score <= settings.negative_threshold:
        return "negative"
    return "neutral"


def enum_label(polarity: Polarity, settings: SentimentSettings, allowed: Iterable[Any] | None = None) -> str | None:
    """The value written for ``polarity``: its configured label, in the spelling of the
    schema's enum ``allowed`` when one differs only by case; None when the enum has no such value."""
    label = settings.label(polarity)
    if allowed is None:
        return label
    folded = {value.casefold(): value for value in allowed if isinstance(value, str)}
    return folded.get(label.casefold())


def suggest(title: Any, description: Any, body: str, settings: SentimentSettings,
            allowed: Iterable[Any] | None = None) -> Suggestion:
    """The suggestion for an article's title, description and body (see the module)."""
    score = compound(lede(title, description, body))
    polarity = polarity_of(score, settings)
    return Suggestion(polarity, enum_label(polarity, settings, allowed), score, abs(score) >= settings.confidence)


def suggest_for(meta: Mapping[str, Any] | None, body: str, settings: SentimentSettings,
                allowed: Iterable[Any] | None = None) -> Suggestion:
    """:func:`suggest` for an article's front matter and body."""
    meta = meta or {}
    return suggest(meta.get("title"), meta.get("description"), body, settings, allowed)


def contradiction(value: Any, suggestion: Suggestion, settings: SentimentSettings) -> Polarity | None:
    """The polarity ``value`` stands for when it contradicts a confident ``suggestion`` (the
    positive label where the words are confidently negative, or the other way), else None.
    A neutral value, or an unconfident suggestion, contradicts nothing."""
    if not suggestion.confident or not isinstance(value, str) or suggestion.polarity == "neutral":
        return None
    opposite: Polarity = "positive" if suggestion.polarity == "negative" else "negative"
    return opposite if value.casefold() == settings.label(opposite).casefold() else None


def contradicted(article: Any, settings: SentimentSettings) -> bool:
    """Whether ``article`` (anything with ``meta`` and a ``body()`` method) holds a sentiment
    that contradicts a confident suggestion (``is:contradicted``). The body is read only for
    an article whose value could contradict one (the positive or the negative label)."""
    meta = article.meta
    if not meta:
        return False
    value = meta.get(settings.field)
    if not isinstance(value, str) or value.casefold() not in {
        settings.label("positive").casefold(), settings.label("negative").casefold()
    }:
        return False
    return contradiction(value, suggest_for(meta, article.body(), settings), settings) is not None

