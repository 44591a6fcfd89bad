"""What a rule and a problem are: the two records every check module shares.

A leaf module (it imports nothing from copydesk), so that the rule families, the registry
and the article model can all use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ..edit.ops import Edit
    from .context import FixContext

Severity = Literal["error", "warning"]
# How far ``check --fix`` trusts a rule's fix: "safe" ones are applied by ``--fix``, "unsafe"
# ones (a heuristic chose what to change) only with ``--unsafe-fixes``; a rule whose fix
# "varies" says so per problem (:attr:`Fix.safe`).
FixSafety = Literal["safe", "unsafe", "varies"]

# An article fix: the article and the problems to repair -> the repairs, each naming the
# problems it repairs (front-matter edits, body lines to remove).
ArticleFix = Callable[["FixContext"], "Sequence[Fix]"]
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
class Fix:
    """One repair an article fix proposes: the problems it repairs, the front-matter edits
    and the body lines to remove (index in the body, and the line as it must still read,
    ending included). ``safe``: None when the rule's :data:`FixSafety` decides; a rule
    whose safety "varies" sets it."""

    problems: tuple[Problem, ...]
    edits: tuple[Edit, ...] = ()
    drop: tuple[tuple[int, str], ...] = ()
    safe: bool | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    """One diagnostic a check can emit, documented where its check is written.

    ``summary`` is the one-line meaning (``copydesk rules``, the README's table);
    ``explanation`` the paragraph ``copydesk rules CODE`` prints: what it checks, why, an
    example and how to fix it. A fixable rule names its fix: ``fix`` repairs problems of
    one article (front-matter edits, body lines removed), ``text_fix`` rewrites the file's
    text; ``fix_safety`` says whether ``check --fix`` applies it without ``--unsafe-fixes``;
    ``fix_partial`` that it repairs only some of the rule's problems; ``opt_in`` that only its
    own code selects it.
    Rules sharing one fix (the tag rules) are repaired by one call of it.
    """

    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    fix: ArticleFix | None = None
    text_fix: TextFix | None = None
    fix_safety: FixSafety = "safe"
    # The fix repairs only some of the rule's problems (which ones, its plan says): a count
    # of what ``--fix`` would repair must plan it (CD206, CD208).
    fix_partial: bool = False
    # Run only when selected by its own code (``select = ["ALL", "CD307"]``): ``ALL`` and a
    # family (``CD3``) leave it out, as ruff leaves out its preview rules. For a rule too slow
    # or too uncertain for every check.
    opt_in: bool = False

    @property
    def fixable(self) -> bool:
        return self.fix is not None or self.text_fix is not None

    def problem(self, message: str, line: int = 1, column: int = 1) -> Problem:
        """A problem of this rule, with its severity."""
        return Problem(self.code, message, line, column, self.severity)


def codes_of(rules: Sequence[Rule]) -> frozenset[str]:
    """The codes of ``rules`` (what a family reports, to know when to run it)."""
    return frozenset(rule.code for rule in rules)
