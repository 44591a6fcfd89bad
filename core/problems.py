"""Problems (diagnostics) and the registry of every rule code.

Codes are stable: ``CD`` + family digit + two digits. Families:

- ``CD1xx`` structure: the file itself (encoding, fences, YAML syntax, guards);
- ``CD2xx`` schema: required fields, types, enums, formats, unknown fields, vocabulary;
- ``CD3xx`` consistency: dates, tag hygiene, YAML 1.1 ambiguities;
- ``CD4xx`` body: what scraped articles look like (empty sections, lost lists, boilerplate).

``--select CD3`` selects a family, ``--select CD301`` one rule, ``--select ALL`` everything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One diagnostic a check can emit."""

    code: str
    name: str
    severity: Severity
    summary: str
    fixable: bool = False


@dataclass(frozen=True, slots=True)
class Problem:
    """One diagnostic on one article; ``line``/``column`` are 1-based (1:1 when no line applies)."""

    code: str
    message: str
    line: int = 1
    column: int = 1
    severity: Severity = "error"

    def as_dict(self) -> dict[str, object]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def _rules(*rows: tuple[str, str, Severity, str] | tuple[str, str, Severity, str, bool]) -> dict[str, Rule]:
    return {row[0]: Rule(*row) for row in rows}


RULES: dict[str, Rule] = _rules(
    # structure
    ("CD101", "raw-article", "error", "The file has no front matter (raw scraped text); `copydesk adopt` gives it one."),
    ("CD102", "unclosed-front-matter", "error", "The front matter opens with `---` but is never closed by `---` or `...`."),
    ("CD103", "yaml-syntax", "error", "The front matter is not valid YAML (position of the first error)."),
    ("CD104", "duplicate-key", "error", "A mapping in the front matter has the same key twice."),
    ("CD105", "invalid-utf8", "error", "The file is not valid UTF-8."),
    ("CD106", "not-a-mapping", "error", "The front matter is valid YAML but not a mapping of keys to values."),
    ("CD107", "unreadable-file", "error", "The file cannot be read safely (permissions, not a regular file, link leaving the folder, too large), or a folder cannot be listed (permissions, a path too long): its articles are not checked."),
    ("CD108", "yaml-limits", "error", "The front matter exceeds a safety limit (nesting depth, aliases, size) and was not parsed."),
    ("CD109", "yaml-version-ambiguity", "warning", "YAML 1.1 and 1.2 tools read this value differently (base-60 numbers, leading zeros, merge keys); quote it."),
    ("CD110", "check-failed", "error", "copydesk failed while checking this file: a bug in copydesk (please report it with the file)."),
    # schema
    ("CD201", "missing-field", "error", "A field the schema requires is missing."),
    ("CD202", "wrong-type", "error", "A field has the wrong type (e.g. a string where a list is expected)."),
    ("CD203", "invalid-enum", "error", "A field's value is not one of the allowed values (e.g. sentiment)."),
    ("CD204", "invalid-datetime", "error", "A date field is not an ISO-8601 date-time."),
    ("CD205", "insecure-url", "error", "An image URL is not an https URL."),
    ("CD206", "unknown-field", "warning", "A field the schema does not know (possibly a typo)."),
    ("CD207", "empty-placeholder", "error", "A required field is present but empty (a placeholder left by `adopt`)."),
    ("CD208", "unknown-tag", "warning", "A tag is not in the configured vocabulary (the closest known tag is named)."),
    ("CD209", "invalid-value", "error", "A field's value breaks a schema constraint (pattern, length, range)."),
    # consistency
    ("CD301", "updated-before-published", "error", "`updatedAt` is earlier than `publishedAt`."),
    ("CD302", "duplicate-tag", "warning", "The same tag appears twice in `tags`.", True),
    ("CD303", "tag-not-uppercase", "warning", "A tag is not upper-case (the house style).", True),
    ("CD304", "tag-whitespace", "warning", "A tag has leading, trailing or doubled whitespace.", True),
    ("CD305", "empty-tag", "error", "A tag is empty.", True),
    ("CD306", "yaml11-boolean", "warning", "An unquoted yes/no/on/off/y/n: YAML 1.1 tools read a boolean, YAML 1.2 a string."),
    # body
    ("CD401", "empty-body", "error", "The article has no body text."),
    ("CD402", "empty-section", "warning", "A heading (or, in scraped text, a heading-like line) with no text before the next heading of the same or higher level."),
    ("CD403", "lost-list", "warning", "A line ending in `:` is followed by neither a list nor indented text (a list lost in scraping)."),
    ("CD404", "call-to-action", "warning", "A promotional call-to-action line (e.g. starting with a pointing-hand emoji)."),
    ("CD405", "social-footer", "warning", "Social or community boilerplate (\"Join our Telegram\", link lists) at the end."),
    ("CD406", "title-repeated", "warning", "The body starts by repeating the title."),
    ("CD407", "trailing-blank-lines", "warning", "The body ends with a run of blank lines.", True),
)


def rule(code: str) -> Rule:
    """The registered rule for ``code`` (KeyError for an unknown code)."""
    return RULES[code]


def problem(code: str, message: str, line: int = 1, column: int = 1) -> Problem:
    """A Problem with the registered severity of ``code``."""
    return Problem(code, message, line, column, RULES[code].severity)


def expand_selectors(selectors: Iterable[str]) -> set[str]:
    """Expand ``ALL``, family prefixes (``CD3``) and codes into a set of codes.

    Raises ValueError naming a selector that matches no rule.
    """
    codes: set[str] = set()
    for raw in selectors:
        sel = raw.strip().upper()
        if not sel:
            continue
        if sel == "ALL":
            codes.update(RULES)
            continue
        matched = {code for code in RULES if code.startswith(sel)}
        if not matched:
            raise ValueError(f"unknown rule selector {raw!r}")
        codes.update(matched)
    return codes
