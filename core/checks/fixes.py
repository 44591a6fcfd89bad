"""The mechanical fixes of ``check --fix``, each owned by the rule it repairs.

A rule declares its fix (:class:`~core.checks.rule.Rule` ``meta_fix`` / ``text_fix``);
this module only groups the codes to fix by the fix that handles them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import RULES, rule_enabled
from .consistency import CD303, CD304, house_form

if TYPE_CHECKING:
    from ..config import Config
    from ..edit.ops import Edit
    from .rule import MetaFix, TextFix

FIXABLE = frozenset(code for code, rule in RULES.items() if rule.fixable)


def _grouped(codes: Iterable[str], fix_of: Callable[[str], Any]) -> dict[Any, frozenset[str]]:
    """The codes to fix, by the fix that handles them (in code order)."""
    groups: dict[Any, set[str]] = {}
    for code in sorted(set(codes) & FIXABLE):
        fix = fix_of(code)
        if fix is not None:
            groups.setdefault(fix, set()).add(code)
    return {fix: frozenset(group) for fix, group in groups.items()}


def fix_edits(meta: Mapping[str, Any] | None, codes: Iterable[str] = FIXABLE, vocabulary: Sequence[str] = ()) -> list[Edit]:
    """Front-matter edits that fix the problems of ``codes`` (tag case, whitespace,
    duplicates, empties; a rewritten tag takes the ``vocabulary``'s spelling)."""
    edits: list[Edit] = []
    fixes: dict[MetaFix, frozenset[str]] = _grouped(codes, lambda code: RULES[code].meta_fix)
    for fix, group in fixes.items():
        edits.extend(fix(meta, group, vocabulary))
    return edits


def text_fix(codes: Iterable[str]) -> Callable[[str], str] | None:
    """One function applying the text fixes of ``codes`` to a whole file's text (trailing
    blank lines), or None when none of them has one."""
    fixes: list[TextFix] = list(_grouped(codes, lambda code: RULES[code].text_fix))
    if not fixes:
        return None

    def fix_all(text: str) -> str:
        for fix in fixes:
            text = fix(text)
        return text

    return fix_all


def house_tag(tag: str, config: Config) -> str:
    """A tag typed by hand as the folder wants it written, as ``check --fix`` would write
    it: the vocabulary's own spelling when it differs from a vocabulary tag only by case,
    spacing, punctuation or plural (``Hong-Kong`` -> ``HONG KONG``, ``regulations`` ->
    ``REGULATION``), single spaces (unless CD304 is ignored) and upper-case (unless CD303
    is). Every face applies it before judging a tag: ``copydesk tag`` and every tag the
    terminal UI stages."""
    codes = frozenset(rule.code for rule in (CD303, CD304) if rule_enabled(config, rule.code))
    return house_form(tag, codes, tuple(config.vocabulary))
