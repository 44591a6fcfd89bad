"""The metadata editor pane: typed inputs for the schema's fields, the rest read-only.

The editor never writes: it posts :class:`MetadataEditor.FieldEdited` /
:class:`MetadataEditor.TagsEdited` and the screen stages them as edits on the article
shown (the list marks it dirty) until a save. Text fields are staged on ``enter`` or when
focus leaves them; switches and selects at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, OptionList, Select, Static, Switch

from core.display import printable, unprintable
from core.document import Article, get_path

from ..fields import FieldSpec
from .field_kinds import KINDS, display
from .tag_input import Found, TagInput, Vocabulary


def readonly_lines(data: Mapping[str, Any], specs: tuple[FieldSpec, ...]) -> Text:
    """The fields the editor has no input for, as ``key: value`` lines."""
    edited = {spec.path for spec in specs}
    edited_roots = {spec.path[0] for spec in specs if len(spec.path) == 1}
    text = Text()

    def add(path: tuple[str, ...], value: Any) -> None:
        if path in edited or (len(path) == 1 and path[0] in edited_roots):
            return
        if isinstance(value, Mapping):
            for key, sub in value.items():
                add((*path, str(key)), sub)
            return
        if isinstance(value, list | tuple):
            value = "[" + ", ".join(display(v) for v in value) + "]"
        if text:
            text.append("\n")
        text.append(printable(".".join(path)), style="dim")
        text.append(f": {display(value)}")

    for key, value in data.items():
        add((str(key),), value)
    return text


# A label never takes more than this: a schema's very long name is cut (its tooltip names
# it whole) rather than leaving the value no room.
MAX_LABEL_WIDTH = 20

KIND_NAMES = {"string": "text", "text": "text", "datetime": "date and time (ISO 8601)", "enum": "one of a list",
              "bool": "on or off", "tags": "tags, comma-separated", "date": "date (ISO 8601)",
              "list": "terms, comma-separated", "integer": "an integer", "number": "a number"}


def label_width(specs: tuple[FieldSpec, ...]) -> int:
    """Columns for the field names: the longest name and a space, at most
    :data:`MAX_LABEL_WIDTH`."""
    longest = max((cell_len(printable(spec.name)) for spec in specs), default=0)
    return min(longest + 1, MAX_LABEL_WIDTH)


def field_tooltip(spec: FieldSpec) -> str:
    """A field's full name and what it takes (shown when the pointer rests on its label)."""
    kind = KIND_NAMES.get(spec.kind, spec.kind)
    return f"{printable(spec.name)}: {kind}" + (", required" if spec.required else "")


class MetadataEditor(VerticalScroll, inherit_bindings=False):
    """Inputs for the article under the cursor."""

    # Not the scroll container's arrow keys: ↓/↑ reach the screen, which moves between
    # fields (see :meth:`step`); with them bound here, ↓ scrolled the pane, the focus stayed
    # and the text typed next went into the field left behind.
    BINDINGS = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
    ]

    class FieldEdited(Message):
        """A field of article ``index`` was given a new value."""

        def __init__(self, index: int, path: tuple[str, ...], value: Any) -> None:
            super().__init__()
            self.index = index
            self.path = path
            self.value = value

    class TagsEdited(Message):
        """The tag list of article ``index`` was edited."""

        def __init__(self, index: int, tags: list[str]) -> None:
            super().__init__()
            self.index = index
            self.tags = tags

    class Advance(Message):
        """``enter`` staged a field: go on to the next field to fill."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, specs: tuple[FieldSpec, ...], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.specs = specs
        self._by_id = {spec.widget_id: spec for spec in specs}
        self._index: int | None = None
        self._values: dict[tuple[str, ...], Any] = {}
        self._filled: dict[str, str] = {}  # what each text field was last filled with or staged as
        self.select_choices: dict[str, list[str]] = {}  # options each select has now
        self.can_focus = False
        self.built = False
        self._pending: tuple[Any, ...] | None = None  # what show() was asked before build()
        self._pending_hint: tuple[Any, ...] | None = None  # what show_suggestion() was asked before build()
        self._building: asyncio.Future[None] | None = None
        # A list field's terms in the folder, with counts, for its completion (the screen sets it).
        self.terms_vocabulary: Callable[[str], Vocabulary] = lambda name: dict
        # The vocabulary tags found in the shown article's text, offered first (the screen sets it).
        self.found_tags: Found = tuple

    def compose(self) -> ComposeResult:
        yield Static(id="editor-title")
        # The focused text field's whole value, wrapped, when the box cannot show it all.
        whole = Static(id="editor-whole")
        whole.display = False
        yield whole
        yield Static(id="editor-readonly")

    async def build(self) -> None:
        """Mount the inputs. Called once the list is on screen: styling a dozen inputs and
        selects costs ~0.1 s, which the first screen of a large folder cannot afford."""
        if self._building is None:
            self._building = asyncio.ensure_future(self._mount_fields())
        await asyncio.shield(self._building)

    async def _mount_fields(self) -> None:
        rows = []
        width = label_width(self.specs)
        for spec in self.specs:
            kind = KINDS[spec.kind]
            label = Label(Text(printable(spec.name)), classes="editor-label")
            label.styles.width = width
            label.tooltip = field_tooltip(spec)
            children: list[Widget] = [label, kind.make(spec), *kind.extras(spec)]
            rows.append(Horizontal(*children, classes="editor-row"))
        self.query_one("#editor-whole", Static).styles.margin = (0, 0, 0, width)
        await self.mount_all(rows, before="#editor-whole")
        self.built = True
        if self._pending is not None:
            pending, self._pending = self._pending, None
            self.show(*pending)
        if self._pending_hint is not None:
            hint, self._pending_hint = self._pending_hint, None
            self.show_suggestion(*hint)

    @property
    def index(self) -> int | None:
        return self._index

    def show(
        self,
        index: int | None,
        article: Article | None,
        data: Mapping[str, Any] | None,
        dirty: bool,
        vocabulary: Vocabulary,
        reason: str = "",
    ) -> None:
        """Fill the inputs with ``data`` (the article's staged metadata). Shown again (a
        timer's or a staging's refresh), the same article keeps the text typed in the
        focused field since it was filled: it is staged when the user leaves the field."""
        typing = self._typed_field() if index is not None and index == self._index else None
        self._index = index
        if not self.built:
            self._pending = (index, article, data, dirty, vocabulary, reason)
            return
        title = self.query_one("#editor-title", Static)
        editable = article is not None and article.editable
        if article is None:
            title.update(Text("no article", style="dim"))
        elif not editable:
            title.update(Text.assemble((printable(article.relpath), "bold"), "\n", (f"read-only: {printable(reason)}", "yellow")))
        else:
            title.update(Text.assemble((printable(article.relpath), "bold"), ("  (unsaved changes)" if dirty else "", "yellow")))
        data = data or {}
        self._values = {}
        for spec in self.specs:
            value = get_path(data, ".".join(spec.path))
            self._values[spec.path] = value
            widget = self.query_one(f"#{spec.widget_id}")
            widget.disabled = not editable
            if widget is not typing:
                self._fill(spec, widget, value, vocabulary)
                self._note_filled(spec, widget)
        self.query_one("#editor-readonly", Static).update(readonly_lines(data, self.specs) if data else "")

    def _fill(self, spec: FieldSpec, widget: Widget, value: Any, vocabulary: Vocabulary) -> None:
        KINDS[spec.kind].fill(self, spec, widget, value, vocabulary)
        target = widget.input if isinstance(widget, TagInput) else widget
        if isinstance(target, Input):
            # The box with the focus (or about to get it: its Focus event may not have run yet)
            # keeps the cursor at the end, so that typing adds to the value and ctrl+u clears
            # it; a box no one types in shows its value's start, as after leaving it (_left).
            target.cursor_position = len(target.value) if self.screen.focused is target else 0

    def _note_filled(self, spec: FieldSpec, widget: Widget) -> None:
        target = widget.input if isinstance(widget, TagInput) else widget
        if isinstance(target, Input):
            self._filled[spec.widget_id] = target.value

    def _typed_field(self) -> Widget | None:
        """The field that has the focus and holds text typed since it was filled."""
        focused = self.screen.focused
        if not self.built or not isinstance(focused, Input):
            return None
        for spec in self.specs:
            widget = self.query_one(f"#{spec.widget_id}")
            target = widget.input if isinstance(widget, TagInput) else widget
            if target is focused:
                return widget if focused.value != self._filled.get(spec.widget_id) else None
        return None

    @on(events.DescendantFocus)
    def _focused(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, Input):
            event.widget.cursor_position = len(event.widget.value)
        elif isinstance(event.widget, OptionList):  # a select's menu opens in place: show it all
            # Once it is laid out (two refreshes: the menu is given its height in the second).
            menu = event.widget
            self.call_after_refresh(lambda: self.call_after_refresh(self.scroll_to_widget, menu, animate=False))
        self._show_whole()

    @on(events.DescendantBlur)
    def _left(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, Input):
            event.widget.cursor_position = 0  # shows the value's start again, not a cut-off end
        self._show_whole()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input is self.screen.focused:
            self._show_whole()

    def _show_whole(self) -> None:
        """Under a focused text field too narrow for its value, the whole value wrapped:
        typing goes at the end, so the box scrolls there and hides the start."""
        whole = self.query_one("#editor-whole", Static)
        focused = self.screen.focused
        row = self._row_of(focused)
        if not isinstance(focused, Input) or row is None or cell_len(focused.value) < focused.content_size.width:
            whole.display = False
            return
        whole.update(Text(printable(focused.value), style="italic"))
        if whole.parent is self:
            self.move_child(whole, after=row)
        whole.display = True

    def _row_of(self, widget: Widget | None) -> Widget | None:
        """The editor row holding ``widget`` (None outside the fields)."""
        for node in (widget, *(widget.ancestors if widget is not None else ())):
            if isinstance(node, Horizontal) and node.has_class("editor-row"):
                return node
            if node is self:
                break
        return None

    def step(self, delta: int) -> None:
        """Move the focus ``delta`` fields down (up when negative), stopping at the first and
        the last. In an open select menu, move its highlight instead."""
        focused = self.screen.focused
        if isinstance(focused, OptionList):  # a select's open menu
            last = focused.option_count - 1
            current = focused.highlighted if focused.highlighted is not None else -delta
            focused.highlighted = max(0, min(last, current + delta))
            return
        fields = [widget for widget in self.fields() if widget.focusable]
        if focused not in fields:
            return
        position = max(0, min(len(fields) - 1, fields.index(focused) + delta))
        # At once: keys after this one go to the field reached.
        self.screen.set_focus(fields[position])

    def focused_value(self) -> tuple[str, str] | None:
        """The focused field's name and what it shows now (typed text included), or None when
        no field has focus."""
        if not self.built:
            return None
        focused = self.screen.focused
        for spec in self.specs:
            widget = self.query_one(f"#{spec.widget_id}")
            target = widget.input if isinstance(widget, TagInput) else widget
            if focused is not target and not (focused is not None and target in focused.ancestors):
                continue
            if isinstance(target, Input):
                return spec.name, target.value
            if isinstance(target, Select):
                return spec.name, "" if target.value is Select.NULL else display(target.value)
            return spec.name, display(self._values.get(spec.path))
        return None

    def on_key(self, event: events.Key) -> None:
        """``escape`` in a field drops what was typed there since it was last staged (the
        key then goes on to the screen, which focuses the list). Leaving a field any other
        way (tab, a click) stages what it holds."""
        if event.key != "escape" or self._index is None:
            return
        focused = self.screen.focused
        if not isinstance(focused, Input):
            return
        spec = self._by_id.get(focused.id or "")
        if spec is not None:
            self._fill(spec, focused, self._values.get(spec.path), dict)
        elif isinstance(focused.parent, TagInput):
            tag_input = focused.parent
            spec = self._by_id.get(tag_input.id or "")
            if spec is not None:
                self._fill(spec, tag_input, self._values.get(spec.path), tag_input.vocabulary)

    # -- staging -----------------------------------------------------------------------

    def take_pending(self) -> list[Message] | None:
        """Stage what the focused field holds, as leaving it would, but return the edit
        instead of posting it, so that a save or a quit about to run counts it: ``[]`` when
        nothing is typed, None when the text is refused (the user is told why)."""
        focused = self.screen.focused
        if not isinstance(focused, Input) or self._index is None:
            return []
        if focused.id in self._by_id:
            edit = self._input_edit(focused)
        elif isinstance(focused.parent, TagInput) and focused.parent.id in self._by_id:
            edit = self._tags_edit(focused.parent)
        else:
            return []
        return None if edit is False else [edit] if edit is not None else []

    def _input_edit(self, widget: Input) -> FieldEdited | None | bool:
        """The edit that staging ``widget`` makes (None: nothing to stage; False: refused)."""
        spec = self._by_id.get(widget.id or "")
        if spec is None or self._index is None or widget.disabled:
            return None
        text = widget.value
        old = self._values.get(spec.path)
        if text == display(old):
            return None
        if isinstance(old, str):
            text = unprintable(text, old)  # the marks it held and still shows stay marks
        value, problem = KINDS[spec.kind].parse(text, spec)
        if problem is None and widget.validators:
            # The input's own validators (a date field's formats) refuse what they fail.
            result = widget.validate(text)
            if result is not None and not result.is_valid:
                problem = result.failure_descriptions[0] if result.failure_descriptions else "not valid"
        if problem is not None:
            self.notify(f"{spec.name}: {problem} (escape puts the old value back)", severity="error")
            return False
        self._values[spec.path] = value
        self._filled[spec.widget_id] = widget.value
        return self.FieldEdited(self._index, spec.path, value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id in self._by_id:
            event.stop()
            edit = self._input_edit(event.input)
            if isinstance(edit, Message):
                self.post_message(edit)
            if edit is not False and self._index is not None:
                self.post_message(self.Advance(self._index))

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        if event.input.id in self._by_id:
            edit = self._input_edit(event.input)
            if isinstance(edit, Message):
                self.post_message(edit)
            elif edit is False and self.screen is self.app.screen:
                # Refused (an impossible date): stay in the field rather than leave text on
                # screen that is in neither the list nor the file. escape drops it.
                self.call_after_refresh(event.input.focus)
        elif isinstance(event.input.parent, TagInput):
            self._stage_tags(event.input.parent)

    @on(TagInput.Submitted)
    def _tags_submitted(self, event: TagInput.Submitted) -> None:
        event.stop()
        self._stage_tags(event.tag_input)

    def _stage_tags(self, tag_input: TagInput) -> None:
        edit = self._tags_edit(tag_input)
        if edit is not None:
            self.post_message(edit)

    def _tags_edit(self, tag_input: TagInput) -> TagsEdited | FieldEdited | None:
        if self._index is None or tag_input.input.disabled:
            return None
        spec = self._by_id.get(tag_input.id or "")
        path = spec.path if spec is not None else ("tags",)
        old = self._values.get(path)
        old_list = list(old) if isinstance(old, list | tuple) else []
        # A tag left as shown keeps its exact value, control characters and all.
        shown = {display(v): v for v in old_list}
        tags = [shown.get(tag, tag) for tag in tag_input.exact_tags()]
        if tags == old_list:
            return None
        self._values[path] = tags
        if tag_input.id is not None:
            self._filled[tag_input.id] = tag_input.input.value
        if path != ("tags",):
            return self.FieldEdited(self._index, path, tags)  # a list such as categories: no house style
        return self.TagsEdited(self._index, tags)

    @on(Switch.Changed)
    def _switched(self, event: Switch.Changed) -> None:
        spec = self._by_id.get(event.switch.id or "")
        if spec is None or self._index is None:
            return
        event.stop()
        self._values[spec.path] = event.value
        self.query_one(f"#{spec.widget_id}-value", Label).update(display(event.value))
        self.post_message(self.FieldEdited(self._index, spec.path, event.value))

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        spec = self._by_id.get(event.select.id or "")
        if spec is None or self._index is None or event.value is Select.NULL:
            return
        event.stop()
        if event.value == self._values.get(spec.path):
            return
        self._values[spec.path] = event.value
        self.post_message(self.FieldEdited(self._index, spec.path, event.value))
        self.post_message(self.Advance(self._index))  # chosen with enter, as a text field's

    def fields(self) -> list[Widget]:
        """The focusable inputs, in order (none before :meth:`build`)."""
        out: list[Widget] = []
        if not self.built:
            return out
        for spec in self.specs:
            widget = self.query_one(f"#{spec.widget_id}")
            out.append(widget.input if isinstance(widget, TagInput) else widget)
        return out

    # -- the sentiment suggestion --------------------------------------------------------

    def show_suggestion(self, index: int | None, path: tuple[str, ...], said: Text | None) -> None:
        """Beside the value of the field at ``path``, what the article's words suggest
        (``said``; None clears it), when article ``index`` is still the one shown. Shown,
        never staged: the user picks the value."""
        if index != self._index:
            return
        if not self.built:  # shown once the inputs are mounted (build)
            self._pending_hint = (index, path, said)
            return
        spec = next((spec for spec in self.specs if spec.path == path and spec.kind == "enum"), None)
        if spec is None:
            return
        hint = self.query_one(f"#{spec.widget_id}-hint", Label)
        hint.update(said or "")
        hint.display = said is not None

    # -- problems of staged values -----------------------------------------------------

    def field_widget(self, path: tuple[str, ...]) -> Widget | None:
        """The input of the field at ``path`` (or of the field holding it, or of the first
        field under it); None before :meth:`build` or when no field matches."""
        if not self.built:
            return None
        specs = ([s for s in self.specs if s.path == path]
                 or [s for s in self.specs if path[: len(s.path)] == s.path]
                 or [s for s in self.specs if s.path[: len(path)] == path])
        if not specs:
            return None
        widget = self.query_one(f"#{specs[0].widget_id}")
        return widget.input if isinstance(widget, TagInput) else widget

    def mark_problems(self, problems: Mapping[tuple[str, ...], str]) -> None:
        """Mark the rows of the fields whose staged value the command line would refuse,
        the reason as the field's tooltip (``problems``: the reason by field path)."""
        if not self.built:
            return
        for spec in self.specs:
            reason = next((said for path, said in problems.items()
                           if spec.path[: len(path)] == path or path[: len(spec.path)] == spec.path), "")
            widget = self.query_one(f"#{spec.widget_id}")
            row = widget.parent
            if row is not None:
                row.set_class(bool(reason), "-problem")
            shown = widget.input if isinstance(widget, TagInput) else widget
            shown.tooltip = Text(printable(reason)) if reason else None
