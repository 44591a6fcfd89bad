"""The locator: front-matter YAML as a tree of nodes with exact character spans.

Only :mod:`core.edit` uses it, to find the text of the field an edit touches. It is built
from the parser's event stream (PyYAML's C parser, ~150 us for a seed-like front matter;
ruamel.yaml's pure-Python parser as a fallback for YAML 1.2 syntax PyYAML rejects), so it
keeps what a data parser forgets: scalar styles, flow vs block collections, anchors,
aliases and tags. Data never comes from here: it comes from :mod:`core.yamldata`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Literal

import yaml

NodeKind = Literal["scalar", "seq", "map", "alias"]

_BREAK = re.compile(r"\r\n|\r|\n")


class LocateError(Exception):
    """The text could not be turned into a tree (the parsers rejected it)."""


@dataclass(eq=False)
class Node:
    """One YAML node; ``start``/``end`` are character offsets in the front-matter text."""

    kind: NodeKind
    start: int
    end: int
    anchor: str | None = None
    tag: str | None = None
    style: str = ""  # scalars: "" plain, "'", '"', "|", ">"
    flow: bool = False  # collections: [..] / {..}
    value: str = ""  # scalars: the scalar's string value
    items: list[Node] = field(default_factory=list)  # seq items
    pairs: list[tuple[Node, Node]] = field(default_factory=list)  # map entries

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

    def walk(self):
        yield self
        for item in self.items:
            yield from item.walk()
        for k, v in self.pairs:
            yield from k.walk()
            yield from v.walk()


class Lines:
    """Line arithmetic over one text: offsets <-> (line index, column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        # YAML's line breaks are \r\n, \r and \n only (str.splitlines knows more)
        self.starts = [0, *(m.end() for m in _BREAK.finditer(text))]
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


def build_tree(text: str) -> Node | None:
    """The root node of ``text`` (None for an empty document); raises LocateError."""
    try:
        events = list(yaml.parse(text, Loader=yaml.CSafeLoader))
    except Exception:  # noqa: BLE001 - PyYAML is YAML 1.1; retry with the YAML 1.2 parser
        events = _ruamel_events(text)
    return _Builder(events, text).build()


def _ruamel_events(text: str) -> list:
    from ruamel.yaml import YAML

    try:
        return list(YAML(typ="rt", pure=True).parse(text))
    except Exception as exc:  # noqa: BLE001 - any parser failure means "cannot locate"
        raise LocateError(f"cannot parse front matter to locate fields: {exc}") from exc


class _Builder:
    def __init__(self, events: list, text: str) -> None:
        self.events = events
        self.text = text
        self.pos = 0

    def build(self) -> Node | None:
        root: Node | None = None
        documents = 0
        while self.pos < len(self.events):
            name = type(self.events[self.pos]).__name__
            if name in ("ScalarEvent", "SequenceStartEvent", "MappingStartEvent", "AliasEvent"):
                documents += 1
                if documents > 1:
                    raise LocateError("front matter holds more than one YAML document")
                root = self.node()
            else:
                self.pos += 1
        return root

    def node(self) -> Node:
        ev = self.events[self.pos]
        self.pos += 1
        name = type(ev).__name__
        anchor = getattr(ev, "anchor", None)
        tag = getattr(ev, "tag", None)
        if name == "AliasEvent":
            return Node("alias", ev.start_mark.index, ev.end_mark.index, anchor=anchor)
        tag = getattr(tag, "value", tag)  # ruamel wraps tags in a Tag object
        tag = None if tag in (None, "!") else str(tag)
        if name == "ScalarEvent":
            end = ev.end_mark.index
            if ev.style in ("|", ">"):
                # the parser's end runs to the next token; the node ends with its last content
                end = ev.start_mark.index + len(self.text[ev.start_mark.index : end].rstrip(" \t\r\n"))
            return Node(
                "scalar",
                ev.start_mark.index,
                end,
                anchor=anchor,
                tag=tag,
                style=ev.style or "",
                value=ev.value,
            )
        flow = bool(ev.flow_style)
        if name == "SequenceStartEvent":
            node = Node("seq", ev.start_mark.index, 0, anchor=anchor, tag=tag, flow=flow)
            while type(self.events[self.pos]).__name__ != "SequenceEndEvent":
                node.items.append(self.node())
        elif name == "MappingStartEvent":
            node = Node("map", ev.start_mark.index, 0, anchor=anchor, tag=tag, flow=flow)
            while type(self.events[self.pos]).__name__ != "MappingEndEvent":
                key = self.node()
                value = self.node()
                node.pairs.append((key, value))
        else:
            raise LocateError(f"unexpected YAML event {name}")
        end = self.events[self.pos]
        self.pos += 1
        node.end = end.end_mark.index
        return node
