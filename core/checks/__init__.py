"""The checks: the registry of every rule, and one module per rule family.

Codes are stable: ``CD`` + family digit + two digits. Each family module declares its
rules (code, name, severity, summary, explanation, fix) beside the checks that report them:

- :mod:`~core.checks.files` ``CD1xx`` the file itself (encoding, fences, YAML syntax, guards);
- :mod:`~core.checks.fields` ``CD2xx`` the schema: required fields, types, enums, formats,
  unknown fields, vocabulary;
- :mod:`~core.checks.consistency` ``CD3xx`` dates in order, tag hygiene, YAML 1.1 booleans;
- :mod:`~core.checks.body` ``CD4xx`` what scraped articles look like (empty sections, lost
  lists, boilerplate).

:mod:`~core.checks.runner` runs the families a selection needs on one article
(``check_source``); :mod:`~core.checks.fixes` applies the fixes the rules own. This module
is the registry: :data:`RULES` (every rule by code), :func:`problem`, and the selection
(``--select CD3`` a family, ``--select CD301`` one rule, ``--select ALL`` everything but
the opt-in rules, which only their own code selects: CD307).

The families are imported when the registry is first read, not with this module: the
article model and the settings use :class:`Problem` and the selection without paying for
the rules' import (the terminal UI paints its first screen before any check runs).
"""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatch
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .rule import Problem, Rule, Severity

if TYPE_CHECKING:
    from types import ModuleType

    from ..config import Config

__all__ = [
    "RULES", "Problem", "Rule", "SelectionKey", "Severity", "expand_selectors", "families", "problem",
    "rule_enabled", "selected_by", "selected_codes", "selection_for", "selection_key",
]  # fmt: skip

_RULES: dict[str, Rule] | None = None


def families() -> tuple[ModuleType, ...]:
    """The rule family modules, in code order."""
    from . import body, consistency, fields, files

    return (files, fields, consistency, body)


def _registry() -> dict[str, Rule]:
    global _RULES
    if _RULES is None:
        rules: dict[str, Rule] = {}
        for family in families():
            for rule in family.RULES:
                assert rule.code not in rules, f"{rule.code} declared twice"
                rules[rule.code] = rule
        _RULES = dict(sorted(rules.items()))
    return _RULES


def __getattr__(name: str) -> Any:
    # ``RULES`` is made on first use (see the module's docstring).
    if name == "RULES":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def problem(code: str, message: str, line: int = 1, column: int = 1) -> Problem:
    """A Problem with the registered severity of ``code``."""
    return _registry()[code].problem(message, line, column)


def expand_selectors(selectors: Iterable[str], *, opt_in: bool = True) -> set[str]:
    """Expand ``ALL``, family prefixes (``CD3``) and codes into a set of codes.

    With ``opt_in=False`` (what ``select`` means) ``ALL`` and a family leave out the opt-in
    rules (:attr:`Rule.opt_in`): only their own code selects them. Raises ValueError naming
    a selector that matches no rule.
    """
    codes: set[str] = set()
    for raw in selectors:
        sel = raw.strip().upper()
        if not sel:
            continue
        rules = _registry()
        if sel in rules:
            codes.add(sel)
            continue
        if sel == "ALL":
            matched = set(rules)
        else:
            matched = {code for code in rules if code.startswith(sel)}
            if not matched:
                raise ValueError(f"unknown rule selector {raw!r}")
        codes.update(matched if opt_in else {code for code in matched if not rules[code].opt_in})
    return codes


@lru_cache(maxsize=64)
def selected_codes(select: tuple[str, ...], ignore: tuple[str, ...]) -> frozenset[str]:
    """The codes ``select`` keeps (opt-in rules only by their own code) and ``ignore`` does not."""
    return frozenset(expand_selectors(select, opt_in=False) - expand_selectors(ignore))


def rule_enabled(config: Config, code: str) -> bool:
    """Whether the settings' ``select`` and ``ignore`` keep rule ``code`` (per-file ignores aside)."""
    return code in selected_codes(config.select, config.ignore)


# A selection as the settings state it for one file: ``select``, ``ignore`` and the
# per-file ignores whose pattern matches the file. Made without the registry, so that
# the index can tell an entry made under the same selection without importing the rules.
SelectionKey = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]


def selection_key(config: Config, relpath: str) -> SelectionKey:
    """The selection of the file at ``relpath`` as the settings state it (see :data:`SelectionKey`)."""
    if not config.per_file_ignores:
        return (config.select, config.ignore, ())
    ignored = tuple(ignores for pattern, ignores in config.per_file_ignores.items() if fnmatch(relpath, pattern))
    return (config.select, config.ignore, ignored)


@lru_cache(maxsize=256)
def selected_by(key: SelectionKey) -> frozenset[str]:
    """The codes a selection keeps: ``select`` less ``ignore`` less the per-file ignores."""
    select, ignore, ignored = key
    codes = selected_codes(select, ignore)
    for selectors in ignored:
        codes = codes - expand_selectors(selectors)
    return codes


def selection_for(config: Config, relpath: str) -> frozenset[str]:
    """The codes checked on the file at ``relpath``: ``select`` less ``ignore`` less the
    ``per-file-ignores`` whose pattern matches it."""
    return selected_by(selection_key(config, relpath))
