"""What a rule and a problem are: the two records every check module shares.

A leaf module (it imports nothing from copydesk), so that the rule families, the registry
and the article model can all use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..edit.ops import Edit

Severity = Literal["error", "warning"]

# A front-matter fix: (metadata, the codes to fix among those it handles, the configured tag
# vocabulary) -> edits.
MetaFix = Callable[[Mapping[str, Any] | None, frozenset[str], Sequence[str]], "list[Edit]"]
# A text fix: the whole file's text -> the fixed text.
TextFix = Callable[[str], str]


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


@dataclass(frozen=True, slots=True)
class Rule:
    """One diagnostic a check can emit, documented where its check is written.

    ``summary`` is the one-line meaning (``copydesk rules``, the README's table);
    ``explanation`` the paragraph ``copydesk rules CODE`` prints: what it checks, why, an
    example and how to fix it. A fixable rule names its fix: ``meta_fix`` edits the front
    matter, ``text_fix`` rewrites the file's text.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    meta_fix: MetaFix | None = None
    text_fix: TextFix | None = None

    @property
    def fixable(self) -> bool:
        return self.meta_fix is not None or self.text_fix is not None

    def problem(self, message: str, line: int = 1, column: int = 1) -> Problem:
        """A problem of this rule, with its severity."""
        return Problem(self.code, message, line, column, self.severity)


def codes_of(rules: Sequence[Rule]) -> frozenset[str]:
    """The codes of ``rules`` (what a family reports, to know when to run it)."""
    return frozenset(rule.code for rule in rules)
