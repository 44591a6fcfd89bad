"""Reading front-matter data: the fast YAML 1.2 parser and how its errors become problems.

Data comes from ``yaml-rs`` (Rust, YAML 1.2, ~30 us per article, rejects duplicate keys,
caps alias expansion). Date-times stay strings (``parse_datetime=False``) so the schema
sees what the file says. Editing locates nodes with a different parser (``core.text.yamltree``)
and verifies every edit with this one, so both must agree on a file before it is edited.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import yaml_rs

from ..checks import Problem, problem
from ..config import Limits
from ..errors import CopydeskError
from .guard import check_data, prescan_encoded

_POSITION = re.compile(r"line (\d+), column (\d+)")
_DUPLICATE = re.compile(r"duplicate mapping key: (.*)$")


class YamlError(CopydeskError):
    """Front matter that cannot be read; ``problem`` is positioned in the YAML text (1-based)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml(text: str, limits: Limits) -> Any:
    """Parse front-matter text into plain Python data, or raise YamlError.

    Lines in the raised problem are relative to ``text`` (line 1 = first YAML line).
    """
    data = text.encode("utf-8", "surrogatepass")  # once, for the pre-scan and the parser
    refusal = prescan_encoded(text, data, limits)
    if refusal is not None:
        raise YamlError(
            problem(refusal.code, f"front matter not parsed: {refusal.reason}", refusal.line, refusal.column)
        )
    try:
        # The bytes (valid UTF-8 once pre-scanned: no lone surrogates) parse as the text does.
        parsed = yaml_rs.load(data, parse_datetime=False, alias_limits=_alias_limits(limits.max_depth, limits.max_aliases))
        refusal = check_data(parsed, limits)
    except yaml_rs.YAMLDecodeError as exc:
        raise YamlError(_decode_problem(str(exc), text)) from None
    except (RecursionError, MemoryError) as exc:
        too = "nested too deeply" if isinstance(exc, RecursionError) else "too large for the memory available"
        raise YamlError(problem("CD108", f"front matter not parsed: {too}")) from None
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile input must not crash a folder load
        raise YamlError(problem("CD103", f"the YAML parser failed on this front matter ({exc}); please report it")) from None
    if refusal is not None:
        raise YamlError(problem(refusal.code, f"front matter not used: {refusal.reason}"))
    return parsed


@lru_cache(maxsize=8)
def _alias_limits(max_depth: int, max_aliases: int) -> yaml_rs.AliasLimits:
    return yaml_rs.AliasLimits(
        max_total_replayed_events=100_000,
        max_replay_stack_depth=max_depth,
        max_alias_expansions_per_anchor=max_aliases,
    )


def _decode_problem(message: str, text: str) -> Problem:
    duplicate = _DUPLICATE.search(message)
    if duplicate:
        key = duplicate.group(1).strip().strip("'\"")
        line, column = _find_duplicate_key(text, key)
        return problem("CD104", f"duplicate key {key!r}", line, column)
    if "alias expansion limit" in message or "replay" in message:
        return problem("CD108", f"front matter not parsed: {message}")
    position = _POSITION.search(message)
    line, column = (int(position.group(1)), int(position.group(2))) if position else (1, 1)
    reason = message.strip().splitlines()[-1].strip() if message.strip() else "invalid YAML"
    return problem("CD103", f"YAML syntax error: {reason}", line, column)


def _find_duplicate_key(text: str, key: str) -> tuple[int, int]:
    """Line and column of the second occurrence of ``key`` at the same indentation."""
    pattern = re.compile(r"^([ \t]*)(?:- )?(['\"]?)" + re.escape(key) + r"\2[ \t]*:(?:[ \t]|$)")
    seen: set[int] = set()
    for number, line in enumerate(text.splitlines(), 1):
        match = pattern.match(line)
        if match:
            indent = len(match.group(1))
            if indent in seen:
                return number, indent + 1
            seen.add(indent)
    return 1, 1
