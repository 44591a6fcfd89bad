"""Scalars YAML 1.1 and YAML 1.2 read differently (CD109, CD306).

copydesk reads YAML 1.2, but many tools that read the same files (PyYAML, site
generators) read YAML 1.1: an unquoted ``yes`` is a boolean there, ``0755`` an octal number,
``1:30`` a base-60 number and ``<<`` a merge key. The *suspects* are the values that may
have been written so; each is confirmed on the text (written unquoted, with a leading zero)
before it is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from .positions import FieldPath, Locator, Position

_CONTAINERS = frozenset({MappingProxyType, dict, tuple, list})
_YAML11_BOOLS = frozenset("y Y yes Yes YES n N no No NO on On ON off Off OFF".split())
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?\Z")
_NUMBER_START = frozenset("0123456789+-")
LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+(?:[ \t]*(?:#.*)?)?\Z")  # a value text with a leading zero

Suspect = tuple[str, FieldPath, Any]  # (kind, path, value) of a scalar YAML 1.1 and 1.2 may read differently


def prepare(meta: Mapping[str, Any]) -> tuple[dict[str, Any], list[Suspect]]:
    """Plain data for the validator, and the scalars YAML 1.1 and 1.2 read differently, in one pass.

    Read-only mappings become dicts; tuples are kept (fastjsonschema accepts them as arrays)
    unless they hold containers. :func:`find_suspects` finds the same scalars without the
    copy.
    """
    found: list[Suspect] = []
    containers = _CONTAINERS
    bools = _YAML11_BOOLS

    def suspect(value: Any) -> str:
        if type(value) is int:
            return "int"
        if value in bools:
            return "bool"
        return "sexagesimal" if _SEXAGESIMAL.match(value) else ""

    def convert(node: Any, path: FieldPath) -> Any:
        if type(node) is MappingProxyType or type(node) is dict:
            out = {}
            for key, value in node.items():
                if key in bools or key == "<<":
                    found.append(("merge" if key == "<<" else "bool-key", path + (key,), key))
                kind = type(value)
                if kind in containers:
                    value = convert(value, path + (key,))
                elif (kind is str and ((len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START))) or (kind is int and not -8 < value < 8):
                    what = suspect(value)
                    if what:
                        found.append((what, path + (key,), value))
                out[key] = value
            return out
        holds_containers = False
        for i, value in enumerate(node):
            kind = type(value)
            if kind in containers:
                holds_containers = True
            elif (kind is str and ((len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START))) or (kind is int and not -8 < value < 8):
                what = suspect(value)
                if what:
                    found.append((what, path + (i,), value))
        if holds_containers:
            return [convert(v, path + (i,)) if type(v) in containers else v for i, v in enumerate(node)]
        return node if type(node) is tuple else tuple(node)  # as frozen metadata holds it

    return convert(meta, ()), found


def find_suspects(node: Any, path: FieldPath, found: list[Suspect]) -> None:
    """Append to ``found`` what :func:`prepare` finds in ``node``, in the same order,
    without copying anything (the common case: metadata the schema accepts as it is)."""
    bools = _YAML11_BOOLS
    containers = _CONTAINERS
    if type(node) is dict or type(node) is MappingProxyType:
        for key, value in node.items():
            if key in bools or key == "<<":
                found.append(("merge" if key == "<<" else "bool-key", path + (key,), key))
            kind = type(value)
            if kind is str:
                if (len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START):
                    what = "bool" if value in bools else ("sexagesimal" if _SEXAGESIMAL.match(value) else "")
                    if what:
                        found.append((what, path + (key,), value))
            elif kind in containers:
                find_suspects(value, path + (key,), found)
            elif kind is int and not -8 < value < 8:
                found.append(("int", path + (key,), value))
        return
    holds_containers = False
    for i, value in enumerate(node):
        kind = type(value)
        if kind is str:
            if (len(value) < 4 and value in bools) or (":" in value and value[:1] in _NUMBER_START):
                what = "bool" if value in bools else ("sexagesimal" if _SEXAGESIMAL.match(value) else "")
                if what:
                    found.append((what, path + (i,), value))
        elif kind in containers:
            holds_containers = True
        elif kind is int and not -8 < value < 8:
            found.append(("int", path + (i,), value))
    if holds_containers:
        for i, value in enumerate(node):
            if type(value) in containers:
                find_suspects(value, path + (i,), found)


# Where a leading-zero integer may be written: a "0" and digits up to the end of the line
# (or a comment). Only where this matches can an "int" suspect be a problem.
_LEADING_ZERO_TEXT = re.compile(r"0[0-9_]+[ \t]*(?:#[^\r\n]*)?(?![^\r\n])")
_VALUE_START_AFTER = frozenset(" \t-+:[,{?\r\n")


def may_have_leading_zero(fm_text: str) -> bool:
    """Whether an integer with a leading zero may start a value somewhere in ``fm_text``:
    a ``0`` and digits up to the end of the line (or a comment) at a line start or after
    one of ``_VALUE_START_AFTER`` or a sign."""
    match = _LEADING_ZERO_TEXT.search(fm_text)
    while match is not None:
        start = match.start()
        if start == 0 or fm_text[start - 1] in _VALUE_START_AFTER:
            return True
        match = _LEADING_ZERO_TEXT.search(fm_text, start + 1)  # overlapping: every "0"
    return False


def located(suspects: list[Suspect], loc: Locator, kinds: frozenset[str]) -> Iterator[tuple[str, FieldPath, Any, Position]]:
    """The suspects of ``kinds`` with their positions (those the text cannot place are skipped)."""
    for kind, path, value in suspects:
        if kind in kinds:
            pos = loc.index.find(path)
            if pos is not None:
                yield kind, path, value, pos


def bool11(word: str) -> str:
    """What a YAML 1.1 tool reads ``word`` (``yes``, ``Off``...) as."""
    return "true" if word.lower() in ("y", "yes", "on") else "false"


def unquoted_at(loc: Locator, line: int, col: int, word: str) -> bool:
    """Whether ``word`` is written unquoted at ``line``:``col`` (so YAML 1.1 reads it as a scalar of its own)."""
    text = loc.index.lines[line - loc.index.first_line]
    if not text.startswith(word, col - 1):
        return False
    rest = text[col - 1 + len(word) :].lstrip(" \t")
    return rest == "" or rest[0] in "#,]}:"
