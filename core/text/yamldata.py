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
from .templates import find_template, template_note

_POSITION = re.compile(r"line (\d+), column (\d+)")
_DUPLICATE = re.compile(r"duplicate mapping key: (.*)$")


class YamlError(CopydeskError):
    """Front matter that cannot be read; ``problem`` is positioned in the YAML text (1-based)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def parse_yaml_tolerant(text: str, limits: Limits) -> tuple[Any, list[Problem]]:
    """:func:`parse_yaml`, also reading what libyaml (PyYAML, Jekyll) reads and strict YAML
    1.2 refuses: multi-line quoted values and flow lists or mappings (``[...]``, ``{...}``)
    whose continuation lines are not indented past their key. Returns the data and one
    CD111 warning per such value, at its first unindented line.

    Such front matter is read by indenting those lines (leading spaces there are not part
    of the value in either reading), parsing that with the YAML 1.2 parser, and checking
    that libyaml reads the original and the indented text alike. Anything else stays an
    error: duplicate keys (CD104), limits (CD108), every other syntax error (CD103).
    """
    try:
        return parse_yaml(text, limits), []
    except YamlError as exc:
        if exc.problem.code != "CD103" or exc.problem.message.startswith("front matter not"):
            raise
        strict = exc
    indented, found = indent_flow_continuations(text)
    if not found:
        raise strict
    try:
        data = parse_yaml(indented, limits)
    except YamlError as exc:
        if exc.problem.code in ("CD104", "CD108"):
            raise
        raise strict from None
    if not libyaml_agrees(text, indented):
        raise strict
    warnings = [
        problem("CD111", f"{what} whose continuation lines are not indented past its key: libyaml (PyYAML, Jekyll) reads it, strict YAML 1.2 refuses it (indent those lines)", line)
        for what, line in found
    ]
    return data, warnings


def libyaml_reading(text: str) -> Any:
    """The data libyaml's safe loader (PyYAML's, Jekyll's parser) reads in ``text``; raises
    ``yaml.YAMLError``. Only for text the pre-scan passed (it expands aliases)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader


def libyaml_agrees(original: str, indented: str) -> bool:
    """Whether libyaml reads ``original`` and ``indented`` as the same data."""
    import yaml

    try:
        return libyaml_reading(original) == libyaml_reading(indented)
    except (yaml.YAMLError, RecursionError, ValueError):
        return False


def indent_flow_continuations(text: str) -> tuple[str, list[tuple[str, int]]]:
    """``text`` with the continuation lines of multi-line quoted values and flow
    collections that start in block context indented past their block collection, and (construct, 1-based line of its first such line) for each value that
    needed it; ``(text, [])`` when none did or libyaml cannot read ``text``."""
    import yaml

    lines = text.splitlines(keepends=True)
    pads: dict[int, int] = {}
    found: list[tuple[str, int]] = []
    blocks: list[int] = []  # columns of the open block collections
    flow_depth = 0
    flow_start: tuple[int, str] | None = None  # (line, construct) of the outermost flow collection
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.CollectionStartEvent):
                if event.flow_style:
                    if flow_depth == 0:
                        what = "a multi-line flow list" if isinstance(event, yaml.SequenceStartEvent) else "a multi-line flow mapping"
                        flow_start = (event.start_mark.line, what)
                    flow_depth += 1
                else:
                    blocks.append(event.start_mark.column)
            elif isinstance(event, yaml.CollectionEndEvent):
                if flow_depth:
                    flow_depth -= 1
                    if flow_depth == 0 and flow_start is not None:
                        _pad(lines, flow_start[0], event.end_mark.line, blocks, pads, found, flow_start[1])
                elif blocks:
                    blocks.pop()
            elif isinstance(event, yaml.ScalarEvent) and flow_depth == 0 and event.style in ("'", '"'):
                if event.end_mark.line > event.start_mark.line:
                    _pad(lines, event.start_mark.line, event.end_mark.line, blocks, pads, found, "a multi-line quoted value")
    except (yaml.YAMLError, RecursionError, _TabIndented):
        return text, []
    if not found:
        return text, []
    return "".join(" " * pads[i] + line if i in pads else line for i, line in enumerate(lines)), found


class _TabIndented(CopydeskError):
    """A continuation line indented with a tab: not one of the constructs read as libyaml does."""


def _pad(lines: list[str], first: int, last: int, blocks: list[int], pads: dict[int, int], found: list[tuple[str, int]], what: str) -> None:
    """Record how far to indent lines ``first+1 .. last`` (0-based) of one value."""
    # Two columns past the block collection: the YAML 1.2 parser wants more than the one
    # the specification asks for under a mapping key (leading spaces are never part of
    # the value, so any indentation reads the same).
    need = (blocks[-1] + 2) if blocks else 0
    seen = False
    for i in range(first + 1, min(last, len(lines) - 1) + 1):
        line = lines[i]
        content = line.lstrip(" ")
        if not content.strip():
            continue  # a blank line is a line break in the value, whatever its spaces
        indent = len(line) - len(content)
        if indent < need and content.startswith("\t"):
            raise _TabIndented  # tabs as indentation: refused by YAML 1.2 (the YAML test suite's DK95)
        if indent < need:
            pads[i] = need - indent
            if not seen:
                found.append((what, i + 1))
                seen = True


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
        raise YamlError(_naming_template(_decode_problem(str(exc), text), text)) from None
    except (RecursionError, MemoryError) as exc:
        too = "nested too deeply" if isinstance(exc, RecursionError) else "too large for the memory available"
        raise YamlError(problem("CD108", f"front matter not parsed: {too}")) from None
    except Exception as exc:  # noqa: BLE001 - a parser bug on hostile input must not crash a folder load
        raise YamlError(problem("CD103", f"the YAML parser failed on this front matter ({exc}); please report it")) from None
    if refusal is not None:
        raise YamlError(_naming_template(problem(refusal.code, f"front matter not used: {refusal.reason}"), text))
    return parsed


def _naming_template(found: Problem, text: str) -> Problem:
    """A CD103 of front matter holding template syntax (``title: {{ .Name }}`` reads as a
    mapping used as a key) names the template, at its position, then the parser's words."""
    template = find_template(text) if found.code == "CD103" else None
    if template is None:
        return found
    return problem("CD103", f"{template_note(template)} ({found.message})", template.line, template.column)


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
