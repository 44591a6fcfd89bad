"""Surgical front-matter edits: change only the lines of the edited field.

YAML is never re-serialised. The locator (:mod:`core.text.yamltree`) finds the exact text of
the field; only that text is replaced, and new lines copy their neighbours' style (indent,
dash spacing, quote character, flow or block lists, line ending). After all edits the new
front matter is re-parsed with the data parser and compared with what the edits should
produce (:func:`core.edit.ops.apply_to_data`); the body and everything outside the front
matter are untouched by construction. Anything unsafe is refused with :class:`EditRefused`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import yaml
import yaml_rs

from ..config import Limits
from ..errors import CopydeskError
from ..text import frontmatter
from ..text.formats import parse_front_matter
from ..text.frontmatter import Format
from ..text.yamldata import YamlError, libyaml_reading
from ..text.yamltree import Lines, LocateError, Node, build_tree, scan_top_level
from .ops import (
    AddItem,
    DeleteKey,
    Edit,
    EditError,
    FieldPath,
    RemoveItem,
    RenameKey,
    ReplaceItem,
    SetValue,
    apply_to_copy,
    apply_to_data,
    field_name,
    mutable_copy,
    text_replacements,
)

_TEMPLATE = re.compile(r"\{\{|\{%|<%")
_YAML11_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"}
_DATE_LIKE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_PLAIN_FORBIDDEN_START = set("-?:,[]{}#&*!|>'\"%@`")
# Jekyll and PyYAML read YAML 1.1: their resolver types `=`, `<<`, `1:20` or `Null` and
# refuses or changes such a plain value (the YAML 1.2 parse below keeps them strings).
_YAML11_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
# Written only as escapes: line breaks (NEL, U+2028/9 are ones to YAML 1.1) and what YAML
# streams may not hold raw (C0 but tab, DEL, C1, the non-characters U+FFFE/U+FFFF).
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufffe\uffff]")
# Locate top-level fields of ordinary block front matter from their own lines
# (:func:`core.text.yamltree.scan_top_level`); off, every field is located in the whole text.
_SCAN_TOP_LEVEL = True


class EditRefused(CopydeskError):
    """An edit that cannot be made safely; the message names file, field and reason."""

    def __init__(self, name: str, field: str, reason: str) -> None:
        super().__init__(f"{name}: {field}: {reason}" if field else f"{name}: {reason}")
        self.name = name
        self.field = field
        self.reason = reason


def apply_edits(
    text: str,
    edits: Sequence[Edit],
    *,
    name: str = "<text>",
    limits: Limits | None = None,
    data: Mapping[str, Any] | None = None,
) -> str:
    """Apply ``edits`` to the whole file ``text``; returns the new text (``text`` itself when
    nothing changes). Raises EditRefused, leaving nothing half-done.

    ``data``: the front matter of ``text`` as the data parser reads it, when the caller
    already has it (an article loaded from these very bytes); it saves a parse. The result
    is verified by a fresh parse either way.
    """
    limits = limits or Limits()
    try:
        replacements, edits = text_replacements(edits)
    except EditError as exc:
        raise EditRefused(name, "", str(exc)) from None
    for replacement in replacements:
        if text != replacement.old:
            raise EditRefused(name, "", f"the file changed since it was read: cannot {replacement.what}")
        text, data = replacement.new, replacement.meta
    if not edits:
        return text
    first = field_name(edits[0].field) if edits else ""
    split = frontmatter.split_text(text)
    if split.kind == "raw":
        raise EditRefused(name, first, "no front matter (a raw article: run `copydesk adopt` first)")
    if split.kind == "unclosed":
        raise EditRefused(name, first, "front matter is never closed")
    fm = frontmatter.front_matter(text, split)
    if _TEMPLATE.search(fm):
        raise EditRefused(name, first, "front matter contains template syntax ({{ }} / {% %}); edit it by hand")
    fmt = split.format
    data = _parse(fm, fmt, name, first, limits)[0] if data is None else mutable_copy(data)
    try:
        expected = apply_to_copy(data, edits)  # data is ours and stays as parsed
    except EditError as exc:
        raise EditRefused(name, first, str(exc)) from None
    if expected == data:
        return text
    for edit in edits:
        for value in _values(edit):
            if isinstance(value, str) and _TEMPLATE.search(value):
                raise EditRefused(name, field_name(edit.field), "the value contains template syntax ({{ }} / {% %})")
    newline = frontmatter.detect_newline(fm)[0] if fm else split.newline
    if fmt != "yaml":
        fm = _edit_structured(fm, fmt, data, list(edits), newline, name, first)
        return _verified(text, split, fm, expected, name, first, limits, edits)
    current = data
    for edit in edits:
        # with a single edit, the state after it is the expected data (no second deep copy)
        after = expected if len(edits) == 1 else apply_to_data(current, [edit])
        if after == current:
            continue
        try:
            fm = _Editor(fm, current, newline, name).apply(edit)
        except TypeError as exc:  # a value YAML scalars cannot hold where one is needed
            raise EditRefused(name, field_name(edit.field), str(exc)) from None
        current = after
    return _verified(text, split, fm, expected, name, first, limits, edits)


def _edit_structured(fm: str, fmt: Format, data: dict[str, Any], edits: list[Edit], newline: str, name: str, first: str) -> str:
    """TOML or JSON front matter ``fm`` with ``edits`` made (see :mod:`core.edit.tomledit`,
    :mod:`core.edit.jsonedit`)."""
    from .jsonedit import apply_json
    from .tomledit import apply_toml

    try:
        return apply_toml(fm, data, edits, newline) if fmt == "toml" else apply_json(fm, data, edits, newline)
    except (ValueError, TypeError, KeyError) as exc:  # tomlkit's errors are ValueErrors too
        raise EditRefused(name, first, f"cannot edit this {fmt.upper()} front matter safely: {exc}") from None


def _verify_libyaml(old_fm: str, new_fm: str, edits: Sequence[Edit], name: str, first: str) -> None:
    """Front matter only libyaml reads (CD111): libyaml must read the edit as intended too."""
    try:
        before = libyaml_reading(old_fm)
        after = libyaml_reading(new_fm)
        intended = apply_to_data(before, edits)
    except Exception:  # noqa: BLE001 - any failure of the second reader is a refusal
        raise EditRefused(name, first, "verification failed: libyaml cannot read the edited front matter") from None
    if after != intended:
        raise EditRefused(name, first, "verification failed: libyaml reads the edited front matter differently")


def _verified(text: str, split: frontmatter.Split, fm: str, expected: dict[str, Any], name: str, first: str, limits: Limits, edits: Sequence[Edit]) -> str:
    """The new whole text, once ``fm`` re-parses to ``expected`` and splits where it did.

    Front matter still read only as libyaml reads it (CD111) is also read by libyaml,
    which must find the edit made as intended there too."""
    result, tolerated = _parse(fm, split.format, name, first, limits, verifying=True)
    if result != expected:
        raise EditRefused(name, first, "verification failed: the edited front matter does not re-parse to the expected data")
    if tolerated:
        _verify_libyaml(frontmatter.front_matter(text, split), fm, edits, name, first)
    new_text = frontmatter.replace_front_matter(text, split, fm)
    # The whole file must still split at the same fence: an edit whose last line lost its
    # line ending would glue the closing `---` to it and swallow the body.
    check = frontmatter.split_text(new_text)
    if not check.has_front_matter or frontmatter.front_matter(new_text, check) != fm or new_text[check.fm_end :] != text[split.fm_end :]:
        raise EditRefused(name, first, "verification failed: the edit would move the end of the front matter")
    return new_text


def _values(edit: Edit) -> list[Any]:
    match edit:
        case SetValue(value=value) | AddItem(value=value) | RemoveItem(value=value):
            return [value]
        case ReplaceItem(old=old, new=new):
            return [old, new]
        case RenameKey(new=new):
            return [new]
    return []


def _parse(fm: str, fmt: Format, name: str, field: str, limits: Limits, verifying: bool = False) -> tuple[dict[str, Any], bool]:
    """The front matter's data, and whether it was read only as libyaml reads it (CD111)."""
    language = fmt.upper()
    try:
        data, warnings = parse_front_matter(fm, fmt, limits)
    except YamlError as exc:
        what = f"the edit produced invalid {language}" if verifying else f"front matter is not valid {language}"
        raise EditRefused(name, field, f"{what} ({exc.problem.message})") from None
    if data is None:
        return {}, bool(warnings)
    if not isinstance(data, dict):
        raise EditRefused(name, field, "front matter is not a mapping")
    return data, bool(warnings)


# -- rendering ---------------------------------------------------------------------------


def plain_ok(text: str, in_flow: bool = False) -> bool:
    """Whether ``text`` can be written unquoted (in a flow list with ``in_flow``) and read
    back as this very string by YAML 1.2 readers and by YAML 1.1 ones (PyYAML, Jekyll)."""
    if not text or text != text.strip() or "\n" in text or "\r" in text:
        return False
    if text[0] in _PLAIN_FORBIDDEN_START or ": " in text or " #" in text or text.endswith(":"):
        return False
    # PyYAML's pure reader ends a plain scalar at `?` inside a flow list (`[WHAT?]` fails)
    if in_flow and any(c in text for c in ",[]{}?"):
        return False
    if text.lower() in _YAML11_WORDS or _DATE_LIKE.match(text) or "\t" in text:
        return False
    if _YAML11_RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != _STR_TAG:
        return False
    try:
        return yaml_rs.loads(f"k: {text}", parse_datetime=False) == {"k": text}
    except Exception:  # noqa: BLE001 - anything the parser dislikes is not plain-safe
        return False


def _single_quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _double_quoted(text: str) -> str:
    # json escapes C0, `"` and `\`, all valid YAML escapes; the other characters YAML
    # readers refuse or take for a line break get a \u escape too
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def render_scalar(value: Any, style: str = "", quote: str | Callable[[], str] = "'", in_flow: bool = False) -> str:
    """One-line YAML for ``value`` in ``style`` ("" plain, "'" or '"'); plain falls back to
    ``quote`` (or what it returns, asked only then)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if not isinstance(value, str):
        raise TypeError(f"cannot write a {type(value).__name__} as a scalar")
    if style == '"' or _UNPRINTABLE.search(value):
        return _double_quoted(value)
    if style == "'":
        return _single_quoted(value)
    if plain_ok(value, in_flow):
        return value
    if callable(quote):
        quote = quote()
    return _double_quoted(value) if quote == '"' else _single_quoted(value)


class _Editor:
    """One edit on one front-matter text (re-located from scratch for every edit).

    The tree is built lazily (:func:`core.text.yamltree.build_tree`): an edit of one field turns
    only the fields up to it into nodes, unless it needs the whole tree (a new key, the
    file's preferred quote). If the lazy read fails further down, the whole tree is built
    with the fallback parser and the edit is located again.
    """

    def __init__(self, fm: str, data: dict[str, Any], newline: str, name: str) -> None:
        self.fm = fm
        self.data = data
        self.newline = newline
        self.name = name
        self.lines = Lines(fm)
        self._quote: str | None = None
        self._set_root(lazy=True)
        # Top-level fields found from their own lines: the lazy root then reads no pair
        # before the field (the same nodes: see scan_top_level).
        self._top = scan_top_level(fm, data) if _SCAN_TOP_LEVEL and self.root is not None else None

    def _set_root(self, lazy: bool) -> None:
        try:
            self.root = build_tree(self.fm, lazy=lazy)
        except LocateError as exc:
            raise EditRefused(self.name, "", str(exc)) from None
        if self.root is not None and self.root.kind == "scalar" and self.root.value == "" and not self.root.style:
            self.root = None  # comment-only front matter
        if self.root is not None and self.root.kind != "map":
            raise EditRefused(self.name, "", "front matter is not a mapping")
        self._quote = None

    # -- helpers ------------------------------------------------------------------------

    def refuse(self, path: FieldPath, reason: str) -> EditRefused:
        return EditRefused(self.name, field_name(path), reason)

    @property
    def quote(self) -> str:
        """The quote character the file uses most (read from the whole tree, when first needed)."""
        if self._quote is None:
            self._quote = self._preferred_quote()
        return self._quote

    def _lazy_quote(self) -> str:
        return self.quote

    def _preferred_quote(self) -> str:
        counts = {"'": 0, '"': 0}
        if self.root is not None:
            for node in self.root.walk():
                if node.kind == "scalar" and node.style in counts:
                    counts[node.style] += 1
        return '"' if counts['"'] > counts["'"] else "'"

    def _locate(self, path: FieldPath) -> tuple[list[Node], tuple[Node, Node] | None]:
        """Mapping nodes along ``path`` (as deep as they exist) and the final pair, if any."""
        maps: list[Node] = []
        node = self.root
        for depth, key in enumerate(path):
            if node is None or node.kind != "map":
                return maps, None
            self._check_safe(node, path)
            maps.append(node)
            # (only for a top-level field: a deeper edit may look for its parent's pair in the root)
            pair = self._top.pair(key) if len(path) == 1 and self._top is not None else None
            if pair is None:
                pair = node.get(key)
            if pair is None:
                return maps, None
            if depth == len(path) - 1:
                self._check_safe(pair[1], path)
                for item in pair[1].walk():
                    if item.kind == "alias" or item.anchor:
                        raise self.refuse(path, "the field holds a YAML anchor or alias; editing it would change other fields")
                return maps, pair
            node = pair[1]
            if self._is_null(node):
                return maps, pair  # an empty parent (`ai:`, `ai: null`) to fill
        return maps, None

    def _check_safe(self, node: Node, path: FieldPath) -> None:
        if node.kind == "alias":
            raise self.refuse(path, "the field is a YAML alias (*name); edit the anchored value instead")
        if node.anchor:
            raise self.refuse(path, f"the field carries a YAML anchor (&{node.anchor}); editing it would change its aliases")
        if node.tag:
            raise self.refuse(path, f"the field has an explicit YAML tag ({node.tag})")
        if node.kind == "map" and "<<" in self.fm and node.get("<<") is not None:
            raise self.refuse(path, "the mapping uses a merge key (<<)")

    def _ending_after(self, offset: int) -> str:
        line = self.lines.index(max(0, min(offset, len(self.fm) - 1)))
        return self.lines.ending(line) or self.newline

    def _replace(self, start: int, end: int, text: str) -> str:
        return self.fm[:start] + text + self.fm[end:]

    def _line_prefix_blank(self, offset: int) -> bool:
        start = self.lines.start(self.lines.index(offset))
        return self.fm[start:offset].strip(" \t") == ""

    def _indent_unit(self) -> int:
        """How far the file indents a nested mapping under its key (2 when it has none)."""
        if self.root is not None:
            for parent in self.root.walk():
                if parent.flow:
                    continue
                for key, value in parent.pairs:
                    if value.kind == "map" and not value.flow and value.pairs:
                        step = self.lines.column(value.pairs[0][0].start) - self.lines.column(key.start)
                        if step > 0:
                            return step
        return 2

    def _list_style(self) -> tuple[str, int, str]:
        """("block", dash offset from the key's column, text after the dash) or ("flow", 0, separator)."""
        if self.root is not None:
            for parent in self.root.walk():
                for k, v in parent.pairs:
                    if v.kind == "seq" and v.items and not parent.flow:
                        if v.flow:
                            sep = self._flow_separator(v)
                            return "flow", 0, sep
                        first = v.items[0]
                        line_start = self.lines.start(self.lines.index(first.start))
                        prefix = self.fm[line_start : first.start]
                        dash = prefix.find("-")
                        if dash < 0:
                            continue
                        return "block", dash - self.lines.column(k.start), prefix[dash + 1 :]
        return "block", 2, " "

    def _flow_separator(self, seq: Node) -> str:
        if len(seq.items) >= 2:
            between = self.fm[seq.items[0].end : seq.items[1].start]
            if "\n" not in between and "\r" not in between:
                return between
        return ", "

    def _item_style(self, seq: Node) -> str:
        for item in reversed(seq.items):
            if item.kind == "scalar":
                return item.style if item.style in ("'", '"') else ""
        return ""

    def _render_value_lines(self, key: str, value: Any, column: int) -> list[str]:
        """Lines (without endings) for a new ``key: value`` entry at ``column``."""
        pad = " " * column
        key_text = key if plain_ok(key) else _single_quoted(key)
        if isinstance(value, dict):
            if not value:
                return [f"{pad}{key_text}: {{}}"]
            lines = [f"{pad}{key_text}:"]
            for sub, subvalue in value.items():
                lines.extend(self._render_value_lines(str(sub), subvalue, column + self._indent_unit()))
            return lines
        if isinstance(value, list):
            kind, offset, after = self._list_style()
            if kind == "flow" or not value:
                sep = after if kind == "flow" else ", "
                return [f"{pad}{key_text}: [" + sep.join(render_scalar(v, "", self._lazy_quote, True) for v in value) + "]"]
            dash = " " * (column + max(0, offset))
            return [f"{pad}{key_text}:"] + [f"{dash}-{after}{render_scalar(v, '', self._lazy_quote)}" for v in value]
        return [f"{pad}{key_text}: {render_scalar(value, '', self._lazy_quote)}"]

    # -- operations ---------------------------------------------------------------------

    def apply(self, edit: Edit) -> str:
        try:
            return self._apply(edit)
        except LocateError:
            # The lazy read stopped at YAML the fast parser rejects: the whole tree, with
            # the fallback parser, and locate again.
            self._set_root(lazy=False)
            return self._apply(edit)

    def _apply(self, edit: Edit) -> str:
        path = edit.field
        maps, pair = self._locate(path)
        match edit:
            case SetValue(value=value):
                return self._set(path, maps, pair, value)
            case DeleteKey():
                return self._delete(path, maps, pair)
            case RenameKey(new=new):
                return self._rename(path, maps, pair, new)
            case AddItem(value=value):
                if pair is None or self._is_null(pair[1]) or len(maps) < len(path):
                    return self._set(path, maps, pair if pair and len(maps) == len(path) else None, [value])
                return self._add_item(path, pair[1], value)
            case RemoveItem(value=value):
                assert pair is not None
                return self._remove_items(path, pair, lambda item: item == value)
            case ReplaceItem(old=old, new=new):
                assert pair is not None
                current = self._data_list(path)
                if new in current:
                    return self._remove_items(path, pair, lambda item: item == old)
                return self._replace_items(path, pair[1], old, new)
        raise TypeError(f"not an edit: {edit!r}")

    @staticmethod
    def _is_null(node: Node) -> bool:
        return node.kind == "scalar" and not node.style and node.value in ("", "~", "null", "Null", "NULL")

    def _data_list(self, path: FieldPath) -> list[Any]:
        node: Any = self.data
        for key in path:
            node = node[key]
        return node

    def _set(self, path: FieldPath, maps: list[Node], pair: tuple[Node, Node] | None, value: Any) -> str:
        if pair is None or len(maps) < len(path):
            if pair is not None and len(maps) < len(path):
                # an empty parent such as `ai:`: fill it with the remaining keys
                return self._fill_null(path, pair, maps, value)
            return self._insert_key(path, maps, value)
        key, node = pair
        # An empty quoted placeholder (`lang: ''`, as adopt writes) imposes no quote style:
        # the value filled in is written as the house writes it, plain where that is safe.
        quoted = node.kind == "scalar" and node.style in ("'", '"') and node.value != ""
        if maps[-1].flow:
            # inside `{...}` every value, lists and mappings included, is written in flow style
            if quoted and not isinstance(value, (list, dict)):
                return self._replace(node.start, node.end, render_scalar(value, node.style, self._lazy_quote, in_flow=True))
            return self._replace(node.start, node.end, self._render_flow(value))
        if node.kind == "scalar" and not isinstance(value, (list, dict)):
            if node.style in ("|", ">"):
                return self._set_block_scalar(path, node, value)
            style = node.style if quoted else ""
            if self._is_null(node) and node.start == node.end:
                at, _ = self._value_region(key, node)
                return self._replace(at, at, " " + render_scalar(value, "", self._lazy_quote))
            return self._replace(node.start, node.end, render_scalar(value, style, self._lazy_quote))
        if node.kind == "seq" and isinstance(value, list) and value:
            return self._rewrite_seq(path, key, node, value)
        return self._replace_region(path, key, node, value)

    def _value_region(self, key: Node, node: Node) -> tuple[int, int]:
        colon = self.fm.find(":", key.end)
        if colon < 0:
            raise self.refuse((key.value,), "cannot find the key's colon")
        end = node.content_end if node.kind in ("seq", "map") else node.end
        if node.kind == "scalar" and node.start == node.end:
            # an empty value: the parser may place it after the line break (at the end of
            # the text), so the region is the empty spot right after the colon
            end = colon + 1
        return colon + 1, end

    def _replace_region(self, path: FieldPath, key: Node, node: Node, value: Any) -> str:
        """Replace a whole value (any kind) by ``value`` rendered in the file's style."""
        start, end = self._value_region(key, node)
        column = self.lines.column(key.start)
        lines = self._render_value_lines("k", value, column)
        first = lines[0].split(":", 1)[1]
        rest = lines[1:]
        newline = self._ending_after(key.start)
        text = first + "".join(newline + line for line in rest)
        return self._replace(start, end, text)

    def _fill_null(self, path: FieldPath, pair: tuple[Node, Node], maps: list[Node], value: Any) -> str:
        depth = len(maps)  # path[:depth] exists and path[depth-1] is null
        nested: Any = value
        for key in reversed(path[depth:]):
            nested = {key: nested}
        return self._replace_region(path, pair[0], pair[1], nested)

    def _insert_key(self, path: FieldPath, maps: list[Node], value: Any) -> str:
        missing = max(len(maps) - 1, 0)  # maps[-1] is the mapping that lacks path[missing]
        nested: Any = value
        for key in reversed(path[missing + 1 :]):
            nested = {key: nested}
        new_key = path[missing]
        if maps and maps[-1].flow:
            return self._insert_flow_key(path, maps[-1], new_key, nested)
        if not maps:
            # empty front matter (or comments only): append at the end
            lines = self._render_value_lines(new_key, nested, 0)
            at = self._after_last_nonblank()
            newline = self.newline
            prefix = "" if at == 0 or self.fm[at - 1] in "\r\n" else newline
            return self.fm[:at] + prefix + "".join(line + newline for line in lines) + self.fm[at:]
        parent = maps[-1]
        if not parent.pairs:
            raise self.refuse(path, "cannot place a key in an empty mapping")
        column = self.lines.column(parent.pairs[0][0].start)
        lines = self._render_value_lines(new_key, nested, column)
        if parent is self.root:
            at = self._after_last_nonblank()
        else:
            at = self.lines.end(self.lines.index(parent.content_end))
        newline = self._ending_after(at - 1) if at > 0 else self.newline
        prefix = "" if at == 0 or self.fm[at - 1] in "\r\n" else newline
        return self.fm[:at] + prefix + "".join(line + newline for line in lines) + self.fm[at:]

    def _insert_flow_key(self, path: FieldPath, parent: Node, key: str, value: Any) -> str:
        if self.lines.index(parent.start) != self.lines.index(parent.end - 1):
            raise self.refuse(path, "the parent is a multi-line flow mapping ({...}); edit it by hand")
        entry = f"{key if plain_ok(key, in_flow=True) else _single_quoted(key)}: {self._render_flow(value)}"
        if not parent.pairs:
            return self._replace(parent.start, parent.end, "{" + entry + "}")
        last = parent.pairs[-1][1]
        if len(parent.pairs) >= 2:
            separator = self.fm[parent.pairs[0][1].end : parent.pairs[1][0].start]
        else:
            separator = ", "
        return self._replace(last.end, last.end, separator + entry)

    def _render_flow(self, value: Any) -> str:
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {self._render_flow(v)}" for k, v in value.items()) + "}"
        if isinstance(value, list):
            return "[" + ", ".join(self._render_flow(v) for v in value) + "]"
        return render_scalar(value, "", self._lazy_quote, in_flow=True)

    def _after_last_nonblank(self) -> int:
        for line in range(self.lines.count - 1, -1, -1):
            if self.lines.line_text(line).strip():
                return self.lines.end(line)
        return 0

    def _delete(self, path: FieldPath, maps: list[Node], pair: tuple[Node, Node] | None) -> str:
        if pair is None or len(maps) < len(path):
            return self.fm
        key, node = pair
        parent = maps[-1]
        if parent.flow:
            raise self.refuse(path, "the key is inside a flow mapping ({...}); edit it by hand")
        if not self._line_prefix_blank(key.start):
            raise self.refuse(path, "the key does not start its line")
        if len(parent.pairs) == 1 and parent is not self.root:
            grand = maps[-2]
            parent_pair = next(p for p in grand.pairs if p[1] is parent)
            return self._replace_region(path, parent_pair[0], parent, {})
        start = self.lines.start(self.lines.index(key.start))
        _, end = self._value_region(key, node)
        stop = self.lines.end(self.lines.index(max(end - 1, key.start)))
        return self.fm[:start] + self.fm[stop:]

    def _rename(self, path: FieldPath, maps: list[Node], pair: tuple[Node, Node] | None, new: str) -> str:
        """Only the key's own text is replaced: its value, comments and position stay."""
        if pair is None or len(maps) < len(path):
            return self.fm
        key = pair[0]
        if key.kind != "scalar" or key.anchor or key.tag or key.style in ("|", ">"):
            raise self.refuse(path, "the key is not a plain or quoted scalar; rename it by hand")
        if self.lines.index(key.start) != self.lines.index(max(key.end - 1, key.start)):
            raise self.refuse(path, "the key spans several lines; rename it by hand")
        in_flow = maps[-1].flow
        if key.style in ("'", '"'):
            text = render_scalar(new, key.style, in_flow=in_flow)
        else:
            text = new if plain_ok(new, in_flow) else _single_quoted(new)
        return self._replace(key.start, key.end, text)

    # -- lists ---------------------------------------------------------------------------

    def _add_item(self, path: FieldPath, seq: Node, value: Any) -> str:
        if seq.kind != "seq":
            raise self.refuse(path, "the field is not a list")
        style = self._item_style(seq)
        if seq.flow:
            rendered = render_scalar(value, style, self._lazy_quote, in_flow=True)
            if not seq.items:
                return self._replace(seq.start, seq.end, f"[{rendered}]")
            last = seq.items[-1]
            if self.lines.index(seq.start) != self.lines.index(seq.end - 1):
                # a multi-line flow list: a new line like the last item's
                line = self.lines.index(last.start)
                indent = self.fm[self.lines.start(line) : last.start]
                after = self.fm[last.end : seq.end - 1]
                newline = self._ending_after(last.start)
                if after.lstrip(" \t").startswith(","):
                    comma = last.end + after.index(",") + 1
                    return self._replace(comma, comma, f"{newline}{indent}{rendered},")
                return self._replace(last.end, last.end, f",{newline}{indent}{rendered}")
            return self._replace(last.end, last.end, self._flow_separator(seq) + rendered)
        if not seq.items:
            raise self.refuse(path, "cannot place an item in an empty block list")
        last = seq.items[-1]
        line = self.lines.index(last.start)
        prefix = self.fm[self.lines.start(line) : last.start]
        if prefix.strip(" \t") != "-":
            raise self.refuse(path, "the list's items are not one per line")
        at = self.lines.end(self.lines.index(max(last.content_end - 1, last.start)))
        newline = self._ending_after(at - 1)
        rendered = render_scalar(value, style, self._lazy_quote)
        text = prefix + rendered + newline
        if at > 0 and self.fm[at - 1] not in "\r\n":
            text = newline + text
        return self.fm[:at] + text + self.fm[at:]

    def _remove_items(self, path: FieldPath, pair: tuple[Node, Node], match) -> str:
        key, seq = pair
        values = self._data_list(path)
        if seq.kind != "seq" or len(values) != len(seq.items):
            raise self.refuse(path, "the list could not be located item by item")
        doomed = [i for i, v in enumerate(values) if match(v)]
        if not doomed:
            return self.fm
        if len(doomed) == len(seq.items):
            return self._replace_region(path, key, seq, [])
        fm = self.fm
        if seq.flow:
            for i in reversed(doomed):
                item = seq.items[i]
                if i + 1 < len(seq.items):
                    fm = fm[: item.start] + fm[seq.items[i + 1].start :]
                else:
                    fm = fm[: seq.items[i - 1].end] + fm[item.end :]
            return fm
        for i in reversed(doomed):
            item = seq.items[i]
            if not self._line_prefix_dash(item):
                raise self.refuse(path, "the list's items are not one per line")
            start = self.lines.start(self.lines.index(item.start))
            stop = self.lines.end(self.lines.index(max(item.content_end - 1, item.start)))
            fm = fm[:start] + fm[stop:]
        return fm

    def _line_prefix_dash(self, item: Node) -> bool:
        start = self.lines.start(self.lines.index(item.start))
        return self.fm[start : item.start].strip(" \t") == "-"

    def _replace_items(self, path: FieldPath, seq: Node, old: Any, new: Any) -> str:
        values = self._data_list(path)
        if seq.kind != "seq" or len(values) != len(seq.items):
            raise self.refuse(path, "the list could not be located item by item")
        fm = self.fm
        for i in reversed([i for i, v in enumerate(values) if v == old]):
            item = seq.items[i]
            if item.kind != "scalar" or item.style in ("|", ">"):
                raise self.refuse(path, "the item is not a one-line scalar")
            rendered = render_scalar(new, item.style if item.style in ("'", '"') else "", self._lazy_quote, seq.flow)
            fm = fm[: item.start] + rendered + fm[item.end :]
        return fm

    def _rewrite_seq(self, path: FieldPath, key: Node, seq: Node, value: list[Any]) -> str:
        """Replace a list's items, keeping the original text of items that stay."""
        current = self._data_list(path)
        if len(current) != len(seq.items) or not seq.items or any(i.kind != "scalar" for i in seq.items):
            return self._replace_region(path, key, seq, value)
        originals: dict[str, list[str]] = {}
        for item, data in zip(seq.items, current, strict=True):
            originals.setdefault(json.dumps(data, sort_keys=True, default=str), []).append(self.fm[item.start : item.end])
        style = self._item_style(seq)
        texts = []
        for v in value:
            reuse = originals.get(json.dumps(v, sort_keys=True, default=str))
            texts.append(reuse.pop(0) if reuse else render_scalar(v, style, self._lazy_quote, seq.flow))
        if seq.flow:
            if self.lines.index(seq.start) != self.lines.index(seq.end - 1):
                return self._replace_region(path, key, seq, value)
            return self._replace(seq.items[0].start, seq.items[-1].end, self._flow_separator(seq).join(texts))
        first = seq.items[0]
        line_start = self.lines.start(self.lines.index(first.start))
        prefix = self.fm[line_start : first.start]
        if prefix.strip(" \t") != "-" or not all(self._line_prefix_dash(i) for i in seq.items):
            return self._replace_region(path, key, seq, value)
        stop = self.lines.end(self.lines.index(max(seq.items[-1].content_end - 1, seq.items[-1].start)))
        newline = self._ending_after(first.start)
        body = "".join(prefix + t + newline for t in texts)
        return self.fm[:line_start] + body + self.fm[stop:]

    # -- block scalars -------------------------------------------------------------------

    def _set_block_scalar(self, path: FieldPath, node: Node, value: Any) -> str:
        end = node.end
        if not isinstance(value, str):
            return self._replace(node.start, end, render_scalar(value, "", self._lazy_quote))
        header_line = self.lines.index(node.start)
        content_lines = [
            self.lines.line_text(i) for i in range(header_line + 1, self.lines.index(max(end - 1, node.start)) + 1)
        ]
        indents = [len(t) - len(t.lstrip(" ")) for t in content_lines if t.strip()]
        if not indents:
            return self._replace(node.start, end, render_scalar(value, "", self._lazy_quote))
        pad = " " * min(indents)
        body = value[:-1] if value.endswith("\n") and not value.endswith("\n\n") else value
        if body.endswith("\n") or body != body.rstrip(" ") or body.startswith((" ", "\n")) or "\r" in body:
            return self._replace(node.start, end, _double_quoted(value))
        indicator = node.style
        if indicator == ">" and "\n" in body:
            indicator = "|"
        chomp = "" if value.endswith("\n") else "-"
        newline = self._ending_after(node.start)
        text = indicator + chomp + "".join(newline + (pad + line if line else "") for line in body.split("\n"))
        return self._replace(node.start, end, text)
