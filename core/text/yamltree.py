"""The locator: front-matter YAML as a tree of nodes with exact character spans.

Only :mod:`core.edit.apply` uses it, to find the text of the field an edit touches. It is built
from the parser's event stream (PyYAML's C parser; ruamel.yaml's pure-Python parser as a
fallback for YAML 1.2 syntax PyYAML rejects), so it keeps what a data parser forgets:
scalar styles, flow vs block collections, anchors, aliases and tags. Data never comes from
here: it comes from :mod:`core.text.yamldata`.

Most of the cost is PyYAML turning each event into Python objects (~4 us an event, ~70
events in a seed-like front matter), so ``build_tree(text, lazy=True)`` reads the root
mapping only as far as needed: :meth:`Node.get` reads pairs until it finds the key, and
anything that needs the whole mapping (``pairs``, ``end``, ``walk``) reads the rest first.
Editing ``tags`` in the middle of the front matter then never turns the rest into objects.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from itertools import accumulate
from typing import Any, Literal

import yaml
from yaml.cyaml import CParser

from ..errors import CopydeskError

NodeKind = Literal["scalar", "seq", "map", "alias"]

_BREAK = re.compile(r"\r\n|\r|\n")

# Event classes -> what they mean to the builder; ruamel.yaml's classes are added by name.
_SCALAR, _SEQ, _MAP, _ALIAS, _SEQ_END, _MAP_END, _OTHER = range(1, 8)
_EVENT_KINDS: dict[type, int] = {
    yaml.ScalarEvent: _SCALAR,
    yaml.SequenceStartEvent: _SEQ,
    yaml.MappingStartEvent: _MAP,
    yaml.AliasEvent: _ALIAS,
    yaml.SequenceEndEvent: _SEQ_END,
    yaml.MappingEndEvent: _MAP_END,
}
_KIND_NAMES = {
    "ScalarEvent": _SCALAR,
    "SequenceStartEvent": _SEQ,
    "MappingStartEvent": _MAP,
    "AliasEvent": _ALIAS,
    "SequenceEndEvent": _SEQ_END,
    "MappingEndEvent": _MAP_END,
}


def _event_kind(event: Any) -> int:
    cls = event.__class__
    kind = _EVENT_KINDS.get(cls)
    if kind is None:
        kind = _EVENT_KINDS[cls] = _KIND_NAMES.get(cls.__name__, _OTHER)
    return kind


class LocateError(CopydeskError):
    """The text could not be turned into a tree (the parsers rejected it)."""


class Node:
    """One YAML node; ``start``/``end`` are character offsets in the front-matter text."""

    __slots__ = ("kind", "start", "end", "anchor", "tag", "style", "flow", "value", "items", "pairs")

    def __init__(
        self,
        kind: NodeKind,
        start: int,
        end: int,
        anchor: str | None = None,
        tag: str | None = None,
        style: str = "",
        flow: bool = False,
        value: str = "",
    ) -> None:
        self.kind = kind
        self.start = start
        self.end = end
        self.anchor = anchor
        self.tag = tag
        self.style = style  # scalars: "" plain, "'", '"', "|", ">"
        self.flow = flow  # collections: [..] / {..}
        self.value = value  # scalars: the scalar's string value
        self.items: list[Node] = []  # seq items
        self.pairs: list[tuple[Node, Node]] = []  # map entries

    def __repr__(self) -> str:
        return f"Node({self.kind!r}, {self.start}, {self.end}, value={self.value!r})"

    def get(self, key: str) -> tuple[Node, Node] | None:
        """The (key node, value node) pair for a plain string key of a mapping."""
        for k, v in self.pairs:
            if k.kind == "scalar" and k.value == key:
                return k, v
        return None

    @property
    def content_end(self) -> int:
        """End of the last character that belongs to this node (block collections included)."""
        if self.kind == "seq" and not self.flow:
            return max((item.content_end for item in self.items), default=self.start)
        if self.kind == "map" and not self.flow:
            return max((v.content_end for _, v in self.pairs), default=self.start)
        return self.end

    def walk(self) -> Iterator[Node]:
        yield self
        for item in self.items:
            yield from item.walk()
        for k, v in self.pairs:
            yield from k.walk()
            yield from v.walk()


class _LazyMap(Node):
    """A root mapping whose pairs are read from the event stream only when asked for."""

    __slots__ = ("_builder",)
    _pairs_slot = Node.pairs  # the storage behind the ``pairs`` property
    _end_slot = Node.end

    def __init__(self, builder: _Builder, start: int, anchor: str | None, tag: str | None, flow: bool) -> None:
        self._builder: _Builder | None = builder
        super().__init__("map", start, 0, anchor=anchor, tag=tag, flow=flow)

    @property  # type: ignore[override]
    def pairs(self) -> list[tuple[Node, Node]]:
        while self._builder is not None:
            self._read_pair()
        return _LazyMap._pairs_slot.__get__(self)

    @pairs.setter
    def pairs(self, value: list[tuple[Node, Node]]) -> None:
        _LazyMap._pairs_slot.__set__(self, value)

    @property  # type: ignore[override]
    def end(self) -> int:
        while self._builder is not None:
            self._read_pair()
        return _LazyMap._end_slot.__get__(self)

    @end.setter
    def end(self, value: int) -> None:
        _LazyMap._end_slot.__set__(self, value)

    def get(self, key: str) -> tuple[Node, Node] | None:
        read = _LazyMap._pairs_slot.__get__(self)
        for k, v in read:
            if k.kind == "scalar" and k.value == key:
                return k, v
        while self._builder is not None:
            pair = self._read_pair()
            if pair is not None and pair[0].kind == "scalar" and pair[0].value == key:
                return pair
        return None

    def _read_pair(self) -> tuple[Node, Node] | None:
        builder = self._builder
        assert builder is not None
        try:
            event = next(builder.events)
            if _event_kind(event) == _MAP_END:
                self._builder = None
                self.end = event.end_mark.index
                return None
            pair = builder.node(event), builder.node(next(builder.events))
        except LocateError:
            self._builder = None
            raise
        except Exception as exc:  # noqa: BLE001 - the parser failed further down the text
            self._builder = None
            raise LocateError(f"cannot parse front matter to locate fields: {exc}") from exc
        _LazyMap._pairs_slot.__get__(self).append(pair)
        return pair


class Lines:
    """Line arithmetic over one text: offsets <-> (line index, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # YAML's line breaks are \r\n, \r and \n only (str.splitlines knows more)
        if "\r" in text:
            self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
        else:  # the common case, without a Python step per line
            self.starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
            self.starts.pop()  # the start of a line after the end of the text
        if len(self.starts) > 1 and self.starts[-1] == len(text):
            self.starts.pop()

    def index(self, offset: int) -> int:
        """0-based line index containing ``offset``."""
        return bisect.bisect_right(self.starts, offset) - 1

    def start(self, line: int) -> int:
        return self.starts[line] if line < len(self.starts) else len(self.text)

    def end(self, line: int) -> int:
        """Offset just past the line's ending (start of the next line)."""
        return self.start(line + 1)

    def content_end(self, line: int) -> int:
        """Offset of the line's ending characters (end of visible content)."""
        end = self.end(line)
        text = self.text
        while end > self.start(line) and text[end - 1] in "\r\n":
            end -= 1
        return end

    def column(self, offset: int) -> int:
        return offset - self.starts[self.index(offset)]

    @property
    def count(self) -> int:
        return len(self.starts) if self.text else 0

    def line_text(self, line: int) -> str:
        return self.text[self.start(line) : self.content_end(line)]

    def ending(self, line: int) -> str:
        return self.text[self.content_end(line) : self.end(line)]


def build_tree(text: str, lazy: bool = False) -> Node | None:
    """The root node of ``text`` (None for an empty document); raises LocateError.

    ``lazy``: a root mapping reads its pairs only when they are asked for (see the module
    docstring); a parser error further down then surfaces as LocateError from the lookup.
    """
    try:
        if lazy:
            root = _Builder(_events(text), text).build_lazy()
            if root is not None:
                return root
        events = list(_events(text))
    except Exception:  # noqa: BLE001 - PyYAML is YAML 1.1; retry with the YAML 1.2 parser
        events = _ruamel_events(text)
    return _Builder(iter(events), text).build()


def _events(text: str) -> Iterator[Any]:
    """PyYAML's C parser events (what ``yaml.parse`` gives, without its per-event overhead)."""
    return iter(CParser(text).get_event, None)


def _ruamel_events(text: str) -> list:
    from ruamel.yaml import YAML

    try:
        return list(YAML(typ="rt", pure=True).parse(text))
    except Exception as exc:  # noqa: BLE001 - any parser failure means "cannot locate"
        raise LocateError(f"cannot parse front matter to locate fields: {exc}") from exc


class _Builder:
    def __init__(self, events: Iterator[Any], text: str) -> None:
        self.events = events
        self.text = text

    def build(self) -> Node | None:
        root: Node | None = None
        documents = 0
        for event in self.events:
            if _event_kind(event) in (_SCALAR, _SEQ, _MAP, _ALIAS):
                documents += 1
                if documents > 1:
                    raise LocateError("front matter holds more than one YAML document")
                root = self.node(event)
        return root

    def build_lazy(self) -> Node | None:
        """A lazy root mapping, or None when the root is anything else (build the whole tree)."""
        for event in self.events:
            kind = _event_kind(event)
            if kind == _MAP:
                return _LazyMap(self, event.start_mark.index, event.anchor, _tag(event.tag), bool(event.flow_style))
            if kind in (_SCALAR, _SEQ, _ALIAS):
                return None
        return None

    def node(self, ev: Any) -> Node:
        """The node that starts with event ``ev`` (its later events are read from the stream)."""
        kind = _EVENT_KINDS.get(ev.__class__) or _event_kind(ev)
        if kind == _SCALAR:
            start = ev.start_mark.index
            end = ev.end_mark.index
            style = ev.style or ""
            if style == "|" or style == ">":
                # the parser's end runs to the next token; the node ends with its last content
                end = start + len(self.text[start:end].rstrip(" \t\r\n"))
            tag = ev.tag
            return Node("scalar", start, end, ev.anchor, None if tag is None else _tag(tag), style, False, ev.value)
        if kind == _ALIAS:
            return Node("alias", ev.start_mark.index, ev.end_mark.index, ev.anchor)
        events = self.events
        flow = bool(ev.flow_style)
        tag = ev.tag
        tag = None if tag is None else _tag(tag)
        if kind == _SEQ:
            node = Node("seq", ev.start_mark.index, 0, ev.anchor, tag, "", flow)
            items = node.items
            for item in events:
                if (_EVENT_KINDS.get(item.__class__) or _event_kind(item)) == _SEQ_END:
                    node.end = item.end_mark.index
                    return node
                items.append(self.node(item))
        elif kind == _MAP:
            node = Node("map", ev.start_mark.index, 0, ev.anchor, tag, "", flow)
            pairs = node.pairs
            for key in events:
                if (_EVENT_KINDS.get(key.__class__) or _event_kind(key)) == _MAP_END:
                    node.end = key.end_mark.index
                    return node
                pairs.append((self.node(key), self.node(next(events))))
        else:
            raise LocateError(f"unexpected YAML event {type(ev).__name__}")
        raise LocateError("the YAML event stream ended inside a collection")


def _tag(tag: Any) -> str | None:
    tag = getattr(tag, "value", tag)  # ruamel wraps tags in a Tag object
    return None if tag in (None, "!") else str(tag)


# -- a cheaper locator for the top level of ordinary block front matter --------------------

# An unindented line of ordinary block front matter: a comment, a block sequence entry
# (``- ``, under the key before it) or a plain key followed by ``:`` and a space or the end
# of the line (group 1: the key).
_TOP_LINE = re.compile(r"#|-(?: |$)|([A-Za-z_][A-Za-z0-9_-]*):(?: |$)")


class TopLevel:
    """Where each top-level entry of ordinary block-style front matter starts, found from
    its lines alone, so that one entry can be located by parsing its own lines
    (:meth:`pair`) instead of every line before it.

    Made only when nothing unusual is on the unindented lines (see :func:`scan_top_level`);
    the entries it finds are then those of the mapping (checked against the keys the data
    parser read), and an entry's lines parse to the same nodes, at the same offsets, as in
    the whole text.
    """

    __slots__ = ("text", "keys")

    def __init__(self, text: str, keys: list[str]) -> None:
        self.text = text
        self.keys = keys  # in text order; each starts the only unindented line ``key:``

    def _line_of(self, key: str) -> int:
        return 0 if self.text.startswith(f"{key}:") else self.text.find(f"\n{key}:") + 1

    def pair(self, key: str) -> tuple[Node, Node] | None:
        """The (key node, value node) pair of top-level ``key``; None when it is not there
        or its lines alone do not parse as one plain-keyed entry (locate it the usual way)."""
        try:
            index = self.keys.index(key)
        except ValueError:
            return None
        start = self._line_of(key)
        end = self._line_of(self.keys[index + 1]) if index + 1 < len(self.keys) else len(self.text)
        region = self.text[start:end]
        try:
            root = _Builder(_events(region), region).build()
        except Exception:  # noqa: BLE001 - the usual locator decides what to say about it
            return None
        if root is None or root.kind != "map" or root.flow or root.anchor or root.tag or len(root.pairs) != 1:
            return None
        pair = root.pairs[0]
        if pair[0].kind != "scalar" or pair[0].style or pair[0].value != key:
            return None
        for side in pair:
            for node in side.walk():
                node.start += start
                node.end += start
        return pair


def scan_top_level(text: str, keys: Iterable[Any]) -> TopLevel | None:
    """The top-level entries of front matter ``text`` whose data parser read the top-level
    ``keys`` (in order), or None when anything on its unindented lines is unusual.

    Usual: every unindented line is a comment, a block sequence entry (``- ``, under the key
    before it) or a plain key (letters, digits, ``_``, ``-``) followed by ``:`` and a space
    or the end of the line; LF line breaks; no merge key. The root mapping is then a block
    mapping at column 0 whose every key starts an unindented line, so the keys found here
    hold every key of the mapping; a key line inside a multi-line scalar or flow collection
    would be one more than the data parser read, so equal lists mean each found line starts
    an entry and each entry runs to the next one.
    """
    if "\r" in text or "<<" in text or "\t" in text:
        return None
    found: list[str] = []
    before_first = False  # an indented line before the first key
    for line in text.split("\n"):
        if not line:
            continue
        if line[0] == " ":
            before_first = before_first or (not found and line.strip() != "" and not line.lstrip(" ").startswith("#"))
            continue
        usual = _TOP_LINE.match(line)
        if usual is None:
            return None
        if usual[1] is not None:
            found.append(usual[1])
    if before_first or not found or found != list(keys):
        return None
    return TopLevel(text, found)
