"""The default promotional patterns of CD404 (calls to action) and CD405 (social footers),
which the settings start from, and the line starts that can match them.

Kept apart from the body rules so that the settings can name their defaults without
importing the rules.
"""

from __future__ import annotations

DEFAULT_CTA_PATTERNS = (
    r"^\s*(👉|👇|➡️|➡|🔥|📢|🚀)",
    r"(?i)^\s*(click here|sign up|subscribe|register now|download (the|our) app)\b",
)
DEFAULT_FOOTER_PATTERNS = (
    r"(?i)^\s*join\b.*\b(community|channel|telegram|discord|group)\b",
    r"(?i)^\s*(telegram|x \(twitter\)|twitter|discord|facebook|linkedin|youtube|instagram)( [a-z]{2})?\s*[:：]\s*https?://",
    r"(?i)^\s*follow us on\b",
)

# The default promotional patterns all match whitespace then one of a few emoji or words
# (case-insensitively). A line starting with two ASCII characters can match them only if
# those characters, lower-cased, start one of the words: most lines then skip the patterns
# (the costliest step of the body scan). tests/test_rules.py derives this set from the
# patterns themselves.
DEFAULT_PROMO_PATTERNS = DEFAULT_CTA_PATTERNS + DEFAULT_FOOTER_PATTERNS
DEFAULT_PROMO_STARTS = frozenset(
    {"cl", "si", "su", "re", "do", "jo", "te", "x ", "tw", "di", "fa", "li", "yo", "in", "fo"}
)
