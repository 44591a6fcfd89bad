"""How the checks word their messages: values quoted for a message, near-miss hints."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any


def show(value: Any, limit: int = 60) -> str:
    """A value quoted for a message (strings in quotes, the rest as JSON), shortened to about ``limit`` characters."""
    if isinstance(value, str):
        return repr(value if len(value) <= limit else value[: limit - 1] + "…")
    try:
        text = json.dumps(_plain(value), ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def fold(text: str) -> str:
    """Letters and digits only, case-folded: how near-misses and titles are compared."""
    return _NON_WORD.sub("", text.casefold())


_NON_WORD = re.compile(r"[\W_]+")


def closest(word: str, choices: Iterable[str], cutoff: float = 75) -> str | None:
    """The choice most like ``word`` (for "did you mean"), or None below ``cutoff``."""
    from rapidfuzz import fuzz, process

    choices = list(choices)
    if not choices:
        return None
    hit = process.extractOne(word, choices, scorer=fuzz.ratio, processor=fold, score_cutoff=cutoff)
    return hit[0] if hit else None
