"""``c``: set any field on the marked rows (or the cursor row).

Two small dialogs: :class:`FieldPicker` (every field of the schema and every field the
folder uses, fuzzy filtered as typed) then :class:`ValuePrompt`, whose input follows the
field's kind as the editor's does (:mod:`tui.widgets.field_kinds`: the same parsers, so one
validation). A list field (tags, categories...) goes to the add-a-term prompt instead:
setting a whole list on many articles would drop each one's own terms.

The value is staged on every target as one step (``u`` undoes it, ``D`` shows it), checked
as every edit is (:meth:`~tui.model.Workspace.edit_problems`, then the save's own check).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from rich.text import Text
from textual import events, on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from core.display import plural, printable, shown_tag

from ..fields import FieldSpec, spec_for_values
from ..model import ABSENT
from ..widgets.field_kinds import KINDS, display
from ..widgets.tag_input import MAX_SUGGESTIONS, TagInput, suggest, tag_options
from .dialogs import StoppingOptionList

if TYPE_CHECKING:
    from ..model import StageResult, Workspace

# The kinds as the picker names them.
KIND_NAMES = {"string": "text", "text": "text", "enum": "choice", "bool": "true/false", "datetime": "date-time",
              "date": "date", "tags": "tags: add", "list": "list: add", "integer": "integer", "number": "number"}
LISTS = ("tags", "list")  # kinds set through the add-a-term prompt
CHOICES = ("enum", "bool")  # kinds chosen from a list
SHOWN_VALUES = 4  # distinct current values the value prompt names


def field_choices(specs: Sequence[FieldSpec], known: Iterable[str],
                  values_of: Mapping[str, Sequence[Any]]) -> list[FieldSpec]:
    """The fields ``c`` offers: the editor's (the schema's, in its order), then each other
    field the folder uses (``known``, dotted one level deep), its kind from its values
    (``values_of``: the values the folder and the targets have; a field none has is left
    out). A field holding a mapping (``source``) is offered by its own fields
    (``source.name``), not whole."""
    known = set(known)
    chosen = list(specs)
    names = {spec.name for spec in specs}
    for name in sorted(known - names):
        values = [v for v in values_of.get(name, ()) if v is not ABSENT]
        parent = any(other.startswith(name + ".") for other in known)
        # A name the list asks every article for is known even where no article has it.
        if not values or parent or any(isinstance(v, Mapping) for v in values):
            continue
        chosen.append(spec_for_values(tuple(name.split(".")), values))
    return chosen


def shown_value(value: Any, width: int = 40) -> str:
    """A value as the dialogs and notices name it: escaped, cut to ``width``."""
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, str):
        text = shown_tag(value)
    elif isinstance(value, list | tuple):
        text = "[" + ", ".join(shown_tag(v) if isinstance(v, str) else display(v) for v in value) + "]"
    elif isinstance(value, Mapping):
        text = "{…}"
    else:
        text = display(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def now_line(values: Sequence[Any]) -> str:
    """``3 × MARKET, 2 × (absent)``: the targets' current values, most common first."""
    counts = Counter(shown_value(v, 24) for v in values)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    said = ", ".join(f"{n} × {v}" for v, n in ranked[:SHOWN_VALUES])
    rest = len(ranked) - SHOWN_VALUES
    return said + (f", {plural(rest, 'other value')}" if rest > 0 else "")


class SetFieldDialog(ModalScreen):
    """One escape closes the dialog whatever has the focus; ↑/↓ (and ctrl+n) move in its list
    while the focus stays in the box typed into."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("down,ctrl+n", "move(1)", "Down", show=False, priority=True),
        Binding("up", "move(-1)", "Up", show=False, priority=True),
    ]

    # Its own classes, not the shared .dialog's: sized to fit 80x24, the list taking what the
    # screen has left, never the lines saying what is wrong and which keys do what.
    DEFAULT_CSS = """
    SetFieldDialog .set-field-box {
        width: 76; max-width: 96%; height: auto; max-height: 100%;
        padding: 0 1; border: thick $accent; background: $surface;
    }
    SetFieldDialog .set-field-title { text-style: bold; }
    SetFieldDialog .set-field-list { height: auto; max-height: 14; border: none; padding: 0; }
    SetFieldDialog TagInput .tag-input--suggestions { max-height: 10; }
    SetFieldDialog .set-field-message { height: auto; }
    SetFieldDialog .set-field-message.-error { color: $error; }
    SetFieldDialog Input { width: 1fr; }
    SetFieldDialog #set-field-filter, SetFieldDialog #set-value-filter { margin: 1 0 0 0; }
    """

    LIST_ROWS = 14  # the most a list shows
    OTHER_ROWS = 11  # the dialog's rows besides its list, its border and the screen's edge

    def on_resize(self, event: events.Resize) -> None:
        # A max-height in vh left the dialog as tall as its whole list (Textual sizes an auto
        # height from the children's own heights): the rows are counted here instead.
        rows = max(3, min(self.LIST_ROWS, event.size.height - self.OTHER_ROWS))
        for widget in self.query(".set-field-list, .tag-input--suggestions"):
            widget.styles.max_height = rows

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_move(self, delta: int) -> None:
        options = self.query(".set-field-list").first(StoppingOptionList)
        if not options.display:
            return
        if delta > 0:  # it stops at its ends, as every picker does
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def say(self, message: str, error: bool = False) -> None:
        line = self.query_one(".set-field-message", Static)
        line.update(Text(message, style="" if error else "dim"))
        line.set_class(error, "-error")


class FieldPicker(SetFieldDialog):
    """Choose the field to set: type to filter (fuzzy), ↑/↓, enter. Dismisses with the
    field's :class:`~tui.fields.FieldSpec` (None: cancelled)."""

    def __init__(self, title: str, fields: Sequence[FieldSpec], have: Mapping[str, int], targets: int,
                 current: Mapping[str, Sequence[Any]] | None = None) -> None:
        """``have``: how many of the ``targets`` have each field; ``current``: their values
        (one target's are shown beside each field)."""
        super().__init__()
        self.title_text = title
        self.fields = list(fields)
        self.by_name = {spec.name: spec for spec in self.fields}
        self.have = have
        self.targets = targets
        self.current = current or {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="set-field-box", id="set-field-dialog"):
            yield Label(Text(printable(self.title_text)), classes="set-field-title")
            yield Input(placeholder="field (type to filter)", id="set-field-filter", compact=True)
            self._width = max((len(printable(spec.name)) for spec in self.fields), default=5)
            yield Static(Text(f"{'field'.ljust(self._width)}  {'kind'.ljust(10)}  {'now' if self.targets == 1 else 'have it'}", style="dim"),
                         classes="set-field-head")
            yield StoppingOptionList(*self._options(self.fields), id="set-field-fields", classes="set-field-list")
            yield Static("", classes="set-field-message")
            yield Static(Text("type to filter · ↑↓ choose · enter picks · escape cancels", style="dim"))

    def _options(self, fields: Sequence[FieldSpec]) -> list[Option]:
        options = []
        for spec in fields:
            have = self.have.get(spec.name, 0)
            label = Text.assemble((printable(spec.name).ljust(self._width), "bold"), "  ",
                                  (KIND_NAMES.get(spec.kind, spec.kind).ljust(10), "cyan"), "  ",
                                  (self._have(spec.name, have), "" if have else "dim"))
            options.append(Option(label, id=spec.name))
        return options

    def _have(self, name: str, have: int) -> str:
        values = self.current.get(name, ())
        if self.targets == 1 and len(values) == 1:
            return shown_value(values[0], 30)
        return f"{have:,} of {self.targets:,}"

    def on_mount(self) -> None:
        options = self.query_one(StoppingOptionList)
        if options.option_count:
            options.highlighted = 0
        self.query_one(Input).focus()

    @on(Input.Changed)
    def _filter(self, event: Input.Changed) -> None:
        text = event.value.strip()
        if text:
            # The fuzzy match the tag prompts use: prefix, then contained, then close.
            ranked = suggest(text, {spec.name: self.have.get(spec.name, 0) for spec in self.fields},
                             limit=len(self.fields))
            fields = [self.by_name[name] for name, _ in ranked]
        else:
            fields = self.fields
        options = self.query_one(StoppingOptionList)
        options.clear_options()
        options.add_options(self._options(fields))
        options.highlighted = 0 if fields else None
        self.say("" if fields else f"no field matches {printable(text)!r}", error=not fields)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(StoppingOptionList)
        if options.highlighted is None:
            return
        self._choose(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option.id)

    def _choose(self, name: str | None) -> None:
        if name is not None:
            self.dismiss(self.by_name[name])


class ValuePrompt(SetFieldDialog):
    """The value for one field, typed by its kind: a choice list (enum, boolean) filtered as
    typed, or a box whose text the kind's parser takes (dates, numbers, text with the folder's
    values as suggestions). What the parser refuses is said in place and nothing is staged.
    ``ctrl+d`` twice deletes the field (when the schema does not require it).

    Dismisses with ``("set", value)``, ``("delete", None)`` or None (cancelled)."""

    BINDINGS = [Binding("ctrl+d", "delete", "Delete the field", show=False, priority=True)]

    def __init__(self, title: str, spec: FieldSpec, current: Sequence[Any],
                 folder: Callable[[], Mapping[Any, int]]) -> None:
        super().__init__()
        self.title_text = title
        self.spec = spec
        self.current = current  # the targets' values (ABSENT: none)
        self.folder = folder  # the folder's values with their counts (asked for as suggestions are)
        self._deleting = False

    @property
    def choosing(self) -> bool:
        return self.spec.kind in CHOICES

    def _choices(self) -> list[tuple[str, Any]]:
        if self.spec.kind == "bool":
            return [("true", True), ("false", False)]
        return [(choice, choice) for choice in self.spec.choices]

    def compose(self) -> ComposeResult:
        spec = self.spec
        with Vertical(classes="set-field-box", id="set-value-dialog"):
            yield Label(Text(printable(self.title_text)), classes="set-field-title")
            yield Static(Text.assemble(("now: ", "dim"), printable(now_line(self.current))), id="set-value-now")
            if self.choosing:
                yield Input(placeholder="type to filter the choices", id="set-value-filter", compact=True)
                yield StoppingOptionList(*self._choice_options(""), id="set-value-choices", classes="set-field-list")
            else:
                yield TagInput(self._vocabulary, placeholder=self._placeholder(), id="set-value-input")
            yield Static(Text(self._format_hint(), style="dim"), classes="set-field-message")
            delete = "" if spec.required else " · ctrl+d delete the field"
            move = "↑↓ choose" if self.choosing else "↓ suggestions"
            yield Static(Text(f"enter sets · {move}{delete} · escape cancels", style="dim"), id="set-value-keys")

    def _format_hint(self) -> str:
        spec = self.spec
        if spec.kind == "datetime":
            return "a date and a time, e.g. 2025-12-01T07:29:42.000Z"
        if spec.kind == "date":
            return "a date, e.g. 2025-12-01" + (" (or a date and a time)" if "date-time" in spec.formats else "")
        if spec.kind in ("integer", "number"):
            bounds = [f"at least {spec.minimum:g}" if spec.minimum is not None else "",
                      f"at most {spec.maximum:g}" if spec.maximum is not None else ""]
            said = " and ".join(b for b in bounds if b)
            return f"{'an integer' if spec.kind == 'integer' else 'a number'}" + (f", {said}" if said else "")
        if spec.kind == "enum":
            return "one of " + ", ".join(printable(c) for c in spec.choices)
        if spec.kind == "bool":
            return "true or false"
        return "type a value, or ↓ to take one of the folder's (with its count)"

    def _placeholder(self) -> str:
        return f"{printable(self.spec.name)} ({KIND_NAMES.get(self.spec.kind, self.spec.kind)})"

    def _vocabulary(self) -> dict[str, int]:
        """The folder's values as the box completes them (exact strings; numbers as written)."""
        out: dict[str, int] = {}
        for value, n in self.folder().items():
            if isinstance(value, bool) and self.spec.kind != "bool":
                continue
            key = value if isinstance(value, str) else display(value)
            out[key] = out.get(key, 0) + n
        return out

    def _choice_options(self, text: str) -> list[Option]:
        here = Counter(v for v in self.current if v is not ABSENT and not isinstance(v, list | tuple | Mapping))
        folded = text.strip().casefold()
        options = []
        shown = [(label, value) for label, value in self._choices() if folded in label.casefold()]
        width = max((len(printable(label)) for label, _ in shown), default=0)
        for n, (label, value) in enumerate(self._choices()):
            if (label, value) not in shown:
                continue
            count = sum(k for v, k in here.items() if v == value and type(v) is type(value))
            options.append(Option(Text.assemble((printable(label).ljust(width), "bold"), "  ",
                                                (f"{count:,} have it" if count else "", "dim")), id=str(n)))
        return options

    def on_mount(self) -> None:
        if self.choosing:
            options = self.query_one(StoppingOptionList)
            options.highlighted = 0 if options.option_count else None
            self.query_one("#set-value-filter", Input).focus()
        else:
            tag_input = self.query_one(TagInput)
            tag_input.focus()
            # The folder's most used values, offered before anything is typed.
            vocabulary = self._vocabulary()
            if vocabulary:
                top = sorted(vocabulary.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_SUGGESTIONS]
                tag_input.suggestions.add_options(tag_options(top))
                tag_input.suggestions.display = True

    def action_move(self, delta: int) -> None:
        if not self.choosing:
            raise SkipAction()  # the box's own suggestions take ↑/↓ (TagInput)
        super().action_move(delta)

    @on(Input.Changed, "#set-value-filter")
    def _filter(self, event: Input.Changed) -> None:
        options = self.query_one(StoppingOptionList)
        options.clear_options()
        options.add_options(self._choice_options(event.value))
        options.highlighted = 0 if options.option_count else None
        self.say(self._format_hint())

    @on(Input.Submitted, "#set-value-filter")
    def _choice_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one(StoppingOptionList)
        if options.highlighted is None:
            self.say(f"{printable(event.value.strip())!r} is not {self._format_hint()}", error=True)
            return
        self._chosen(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#set-value-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._chosen(event.option.id)

    def _chosen(self, option_id: str | None) -> None:
        if option_id is not None:
            self.dismiss(("set", self._choices()[int(option_id)][1]))

    @on(TagInput.Submitted)
    def _typed(self, event: TagInput.Submitted) -> None:
        event.stop()
        typed = event.tag_input.exact_tags()
        if not typed:
            self.say("type a value" + ("" if self.spec.required else " (ctrl+d deletes the field)"), error=True)
            return
        value, problem = KINDS[self.spec.kind].parse(typed[0], self.spec)
        if problem is not None:
            self.say(f"{printable(typed[0])!r}: {problem}; nothing staged", error=True)
            return
        self.dismiss(("set", value))

    def action_delete(self) -> None:
        if self.spec.required:
            self.say(f"{printable(self.spec.name)} is required by the schema: it cannot be deleted", error=True)
            return
        if not self._deleting:
            self._deleting = True
            having = sum(1 for v in self.current if v is not ABSENT)
            self.say(f"ctrl+d again deletes {printable(self.spec.name)} from {plural(having, 'article')}", error=True)
            return
        self.dismiss(("delete", None))


class FieldTable(NamedTuple):
    """What ``c`` offers on its targets: the fields, how many targets have each, and the
    targets' values of each (``ABSENT``: none)."""

    fields: list[FieldSpec]
    have: dict[str, int]
    current: dict[str, list[Any]]
    editable: int  # the targets that can be edited


def field_table(ws: Workspace, targets: Sequence[int], specs: Sequence[FieldSpec]) -> FieldTable:
    """The fields ``c`` offers on ``targets`` (see :func:`field_choices`)."""
    editable = [i for i in targets if ws.articles[i].editable]
    ws.pin(editable)  # staging loads them anyway: their exact values, read once
    known = ws.known_fields
    current = {name: [ws.value_at(i, name) for i in editable] for name in known | {s.name for s in specs}}
    # The kind of a field the schema does not describe comes from its values.
    described = {spec.name for spec in specs}
    values_of = {name: [*current[name], *ws.value_counts(name)] for name in known - described}
    fields = field_choices(specs, known, values_of)
    have = {spec.name: sum(1 for v in current.get(spec.name, ()) if v is not ABSENT) for spec in fields}
    return FieldTable(fields, have, current, len(editable))


def staged_summary(name: str, answer: tuple[str, Any], result: StageResult) -> str:
    """``category = MARKET staged on 30 articles; 2 unchanged; 1 refused: a.md: why``."""
    what, value = answer
    if result.changed or not result.unchanged:
        said = (f"{printable(name)} deleted from" if what == "delete"
                else f"{printable(name)} = {shown_value(value)} staged on")
        said += f" {plural(result.changed, 'article')}"
        if result.unchanged:
            said += f"; {result.unchanged:,} unchanged"
    else:
        said = (f"no {printable(name)} to delete" if what == "delete"
                else f"{printable(name)} is {shown_value(value)} already") + f": {plural(result.unchanged, 'article')} unchanged"
    if result.refused:
        relpath, why = result.refused[0]
        said += f"; {len(result.refused):,} refused: {printable(relpath)}: {printable(why)}"
    return said
