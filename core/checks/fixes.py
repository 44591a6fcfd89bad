"""The fixes of ``check --fix`` (and of the terminal UI), each owned by the rule it repairs.

A rule declares its fix (:class:`~core.checks.rule.Rule` ``fix`` / ``text_fix``) and how far
it is trusted (``fix_safety``); :func:`plan_fixes` is the one planner: it asks the rules for
the repairs of one article's problems and gathers them as a :class:`FixPlan`, which
:func:`core.storage.save.plan_change` applies through the surgical editor
(``plan_change(article, plan.edits, plan.rewrite)``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..edit.ops import apply_to_data
from . import RULES, rule_enabled, selection_for
from .body import CD407, drop_body_lines, fix_trailing_blank_lines
from .consistency import CD303, CD304, house_form

if TYPE_CHECKING:
    from ..config import Config
    from ..document import Article
    from ..edit.ops import Edit
    from .rule import ArticleFix, Fix, Problem, TextFix

FIXABLE = frozenset(code for code, rule in RULES.items() if rule.fixable)


@dataclass(frozen=True)
class FixPlan:
    """The repairs of one article's problems: front-matter ``edits``, then ``rewrite`` on the
    whole text (body lines removed, trailing blank lines); the problems they repair, and
    those whose fix is unsafe and was left out (planned with ``unsafe=False``)."""

    edits: tuple[Edit, ...]
    rewrite: Callable[[str], str] | None
    fixed: tuple[Problem, ...]
    unsafe_skipped: tuple[Problem, ...]

    @property
    def empty(self) -> bool:
        """Whether the plan changes nothing."""
        return not self.edits and self.rewrite is None


_NOTHING = FixPlan((), None, (), ())


def _is_safe(fix: Fix) -> bool:
    """A repair is safe when every rule it answers for says so: a rule whose safety
    "varies" by the repair's own word."""
    safeties = {RULES[p.code].fix_safety for p in fix.problems}
    if "unsafe" in safeties:
        return False
    return fix.safe is not False if "varies" in safeties else True


def plan_fixes(article: Article, config: Config, *, unsafe: bool = False, codes: Collection[str] | None = None) -> FixPlan:
    """The fixes for the problems of ``article`` (of ``codes`` only, when given): the safe
    ones, and with ``unsafe`` the unsafe ones too (else they are listed as skipped).

    Front-matter edits and body-line removals need an article whose front matter reads
    as a mapping; a raw article gets only the whole-text fixes (trailing blank lines).
    Raises UnsafeFile or UnicodeDecodeError when a fix must read a file that cannot be read.
    """
    from ..schema import compiled_schema
    from .context import FixContext

    wanted = [p for p in article.problems if p.code in FIXABLE and (codes is None or p.code in codes)]
    if not wanted:
        return _NOTHING
    groups: dict[ArticleFix, list[Problem]] = {}
    text_fixes: dict[TextFix, list[Problem]] = {}
    for p in wanted:
        rule = RULES[p.code]
        if rule.fix is not None and article.editable:
            groups.setdefault(rule.fix, []).append(p)
        if rule.text_fix is not None:
            text_fixes.setdefault(rule.text_fix, []).append(p)
    edits: list[Edit] = []
    drop: dict[int, str] = {}
    fixed: list[Problem] = []
    skipped: list[Problem] = []
    context = FixContext(article, config, RULES, selection_for(config, article.relpath), compiled_schema)
    # Each fix builds on the edits planned before it, the later families first: the tag
    # rules' fix keeps each tag where it stands (a merge keeps the first spelling), and
    # CD208's then has only what that fix left to merge into a vocabulary tag.
    for fix, problems in sorted(groups.items(), key=lambda group: max(p.code for p in group[1]), reverse=True):
        meta = apply_to_data(article.meta, edits) if edits else article.meta
        asked = context.for_codes(frozenset(p.code for p in problems), tuple(problems), meta)
        for repair in fix(asked):
            if not (unsafe or _is_safe(repair)):
                skipped.extend(repair.problems)
                continue
            edits.extend(edit for edit in repair.edits if edit not in edits)
            drop.update(repair.drop)
            fixed.extend(repair.problems)
    rewrites: list[TextFix] = []
    for text_fix, problems in text_fixes.items():
        if unsafe or all(RULES[p.code].fix_safety == "safe" for p in problems):
            rewrites.append(text_fix)
            fixed.extend(problems)
        else:
            skipped.extend(problems)
    if drop and fix_trailing_blank_lines not in rewrites and (codes is None or CD407.code in codes) and CD407.code in context.selected:
        rewrites.append(fix_trailing_blank_lines)  # so that removing the last lines leaves no new CD407
    rewrite = _rewrite(article.relpath, drop, rewrites) if drop or rewrites else None
    return FixPlan(tuple(edits), rewrite, _in_order(fixed), _in_order(skipped))


def _in_order(problems: list[Problem]) -> tuple[Problem, ...]:
    """Each problem once, in the file's order."""
    return tuple(sorted(set(problems), key=lambda p: (p.line, p.column, p.code)))


def _rewrite(name: str, drop: dict[int, str], rewrites: list[TextFix]) -> Callable[[str], str]:
    """One whole-text rewrite: the body lines of ``drop`` removed (they must still read as
    they did when checked), then the text fixes in turn."""

    def rewrite(text: str) -> str:
        if drop:
            from ..edit.apply import EditRefused

            try:
                text = drop_body_lines(text, drop)
            except ValueError as exc:
                raise EditRefused(name, "", str(exc)) from None
        for text_fix in rewrites:
            text = text_fix(text)
        return text

    return rewrite


def house_tag(tag: str, config: Config) -> str:
    """A tag typed by hand as the folder wants it written, as ``check --fix`` would write
    it: the vocabulary's own spelling when it differs from a vocabulary tag only by case,
    spacing, punctuation or plural (``Hong-Kong`` -> ``HONG KONG``, ``regulations`` ->
    ``REGULATION``), single spaces (unless CD304 is ignored) and upper-case (unless CD303
    is). Every face applies it before judging a tag: ``copydesk tag`` and every tag the
    terminal UI stages."""
    codes = frozenset(rule.code for rule in (CD303, CD304) if rule_enabled(config, rule.code))
    return house_form(tag, codes, tuple(config.vocabulary))
