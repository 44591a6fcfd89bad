"""The editor's field kinds: for each, the input it shows, how a value fills it and how
typed text becomes the value staged. A new kind is one entry of :data:`KINDS` (and the
schema types it stands for in :func:`tui.fields.load_field_specs`).

Switches and selects stage on their own ``Changed`` events, the tag editor on its own
``Submitted``; inputs typed into stage through the kind's ``parse``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.binding import Binding
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Switch

from core.display import printable

from ..fields import FieldSpec, number_value, valid_date, valid_datetime
from .tag_input import TagInput, Vocabulary

if TYPE_CHECKING:
    from .editor import MetadataEditor


def display(value: Any) -> str:
    """A scalar as the editor shows it, control characters escaped (what is shown is what
    staging compares with: a field left as shown keeps its exact value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return printable(value)


@dataclass(frozen=True)
class EditorKind:
    """How the editor handles one kind of field."""

    make: Callable[[FieldSpec], Widget]  # the input (its id is the spec's widget_id)
    # Puts ``value`` (the article's, None when absent) in the input.
    fill: Callable[[MetadataEditor, FieldSpec, Widget, Any, Vocabulary], None]
    # Typed text -> (the value to stage, None) or (None, why it is refused); for inputs.
    parse: Callable[[str, FieldSpec], tuple[Any, str | None]] = lambda text, spec: (text, None)
    # Widgets shown after the input on its row.
    extras: Callable[[FieldSpec], list[Widget]] = lambda spec: []


class DateTimeValidator(Validator):
    """Accepts ISO-8601 date-times (empty is left to the schema check)."""

    def validate(self, value: str) -> ValidationResult:
        problem = valid_datetime(value)
        return self.success() if problem is None else self.failure(problem)


def _parse_datetime(text: str, spec: FieldSpec) -> tuple[Any, str | None]:
    problem = valid_datetime(text)
    return (text, None) if problem is None else (None, problem)


class DateValidator(Validator):
    """Accepts the dates a field's schema formats accept (empty is left to the schema check)."""

    def __init__(self, formats: tuple[str, ...]) -> None:
        super().__init__()
        self.formats = formats

    def validate(self, value: str) -> ValidationResult:
        problem = valid_date(value, self.formats)
        return self.success() if problem is None else self.failure(problem)


class NumberValidator(Validator):
    """Accepts a number of the field's type within its schema's bounds (see
    :func:`tui.fields.number_value`): the box turns red while it holds ``1.5`` for an integer."""

    def __init__(self, spec: FieldSpec) -> None:
        super().__init__()
        self.spec = spec

    def validate(self, value: str) -> ValidationResult:
        _, problem = number_value(value, self.spec)
        return self.success() if problem is None else self.failure(problem)


def _parse_date(text: str, spec: FieldSpec) -> tuple[Any, str | None]:
    problem = valid_date(text, spec.formats)
    return (text, None) if problem is None else (None, problem)


def _make_number(spec: FieldSpec) -> Widget:
    return Input(id=spec.widget_id, compact=True, validators=[NumberValidator(spec)],
                 validate_on=["changed", "submitted"], select_on_focus=False)


def _make_date(spec: FieldSpec) -> Widget:
    return Input(id=spec.widget_id, compact=True, validators=[DateValidator(spec.formats)],
                 validate_on=["changed", "submitted"], select_on_focus=False)


# Focus puts the cursor at the end, selecting nothing (see MetadataEditor._focused): with the
# whole value selected, typing ", PORTS" into the tags replaced them all.
def _make_input(spec: FieldSpec) -> Widget:
    return Input(id=spec.widget_id, compact=True, select_on_focus=False)


class FieldSelect(Select[str], inherit_bindings=False):
    """A select that opens on ``enter`` or ``space`` only: ``↓``/``↑`` move to the next
    field, as on every other field of the editor."""

    BINDINGS = [Binding("enter,space", "show_overlay", "Show menu", show=False)]


def _make_datetime(spec: FieldSpec) -> Widget:
    return Input(id=spec.widget_id, compact=True, validators=[DateTimeValidator()], validate_on=["changed", "submitted"],
                 select_on_focus=False)


def _fill_input(editor: MetadataEditor, spec: FieldSpec, widget: Widget, value: Any, vocabulary: Vocabulary) -> None:
    assert isinstance(widget, Input)
    text = display(value) if not isinstance(value, Mapping | list | tuple) else ""
    if widget.value != text:
        with widget.prevent(Input.Changed):
            widget.value = text
    if widget.has_class("-invalid"):
        widget.remove_class("-invalid")


def _fill_switch(editor: MetadataEditor, spec: FieldSpec, widget: Widget, value: Any, vocabulary: Vocabulary) -> None:
    assert isinstance(widget, Switch)
    if widget.value != (value is True):
        with widget.prevent(Switch.Changed):
            widget.value = value is True
    if isinstance(value, bool):
        shown = Text(display(value))
    elif value is None:
        shown = Text("(absent)", style="dim")
    else:
        shown = Text(f"{printable(repr(value))}: not a boolean", style="yellow")
    editor.query_one(f"#{spec.widget_id}-value", Label).update(shown)


def _fill_select(editor: MetadataEditor, spec: FieldSpec, widget: Widget, value: Any, vocabulary: Vocabulary) -> None:
    assert isinstance(widget, Select)
    choices = list(spec.choices)
    if isinstance(value, str) and value and value not in choices:
        choices.append(value)  # show what the file says, even when invalid
    target = value if isinstance(value, str) and value in choices else Select.NULL
    with widget.prevent(Select.Changed):
        # Only touch what changed: every widget update can cost a screen layout.
        if editor.select_choices.get(spec.widget_id) != choices:
            widget.set_options([(printable(c), c) for c in choices])
            editor.select_choices[spec.widget_id] = choices
        if widget.value != target:
            widget.value = target


def _fill_tags(editor: MetadataEditor, spec: FieldSpec, widget: Widget, value: Any, vocabulary: Vocabulary) -> None:
    assert isinstance(widget, TagInput)
    # A list other than the tags completes with its own field's terms in the folder.
    widget.vocabulary = vocabulary if spec.kind == "tags" else editor.terms_vocabulary(spec.name)
    widget.found = editor.found_tags if spec.kind == "tags" else tuple
    items = value if isinstance(value, list | tuple) else ([] if value is None else [value])
    text = ", ".join(display(v) for v in items)
    if widget.value != text:
        widget.value = text


KINDS: dict[str, EditorKind] = {
    "string": EditorKind(_make_input, _fill_input),
    "text": EditorKind(_make_input, _fill_input),
    "datetime": EditorKind(_make_datetime, _fill_input, _parse_datetime),
    # The field's formats decide (the input's validator says the same while it is typed).
    "date": EditorKind(_make_date, _fill_input, _parse_date),
    # Staged as a number (``5``, ``2.5``), not the string ``'5'``.
    "integer": EditorKind(_make_number, _fill_input, number_value),
    "number": EditorKind(_make_number, _fill_input, number_value),
    # The hint beside the value: the sentiment suggestion (MetadataEditor.show_suggestion).
    "enum": EditorKind(lambda spec: FieldSelect([(c, c) for c in spec.choices], id=spec.widget_id, compact=True, prompt="—"),
                      _fill_select, extras=lambda spec: [Label(id=f"{spec.widget_id}-hint", classes="editor-suggestion")]),
    "bool": EditorKind(lambda spec: Switch(id=spec.widget_id), _fill_switch,
                      extras=lambda spec: [Label(id=f"{spec.widget_id}-value", classes="editor-switch-value")]),
    "tags": EditorKind(lambda spec: TagInput(multiple=True, placeholder="no tags: type TAG, TAG", id=spec.widget_id),
                      _fill_tags),
    "list": EditorKind(lambda spec: TagInput(multiple=True, placeholder="empty: type TERM, TERM", id=spec.widget_id),
                       _fill_tags),
}
