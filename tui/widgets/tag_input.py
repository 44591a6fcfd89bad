"""A tag input with fuzzy completion from the folder's vocabulary, showing each tag's count;
the vocabulary tags found in the article's text come first, marked "found in the text".

In ``multiple`` mode the input holds a comma-separated list and completion applies to the
last item. ``up``/``down`` move in the suggestions, ``enter`` takes the highlighted one (or
submits when none is highlighted), ``escape`` closes the suggestions.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from core.display import has_controls, printable, shown_tag

FOUND_NOTE = "found in the text"


def tag_options(counted: Sequence[tuple[str, int]], count_width: int = 5, found: Collection[str] = ()) -> list[Option]:
    """One option per ``(tag, count)``: the tag as shown (control characters escaped, an
    empty or blank-edged tag made visible: ``⟨empty⟩``, ``"␠ECONOMY"``) in a column, its
    count after it, and :data:`FOUND_NOTE` after a tag of ``found``; the option's id is
    the exact tag."""
    shown = [shown_tag(tag) for tag, _ in counted]
    width = max(map(len, shown), default=0)
    return [
        Option(Text.assemble((label.ljust(width), "bold"), ("  ", ""), (f"{count:>{count_width}}", "dim"),
                             (f"  {FOUND_NOTE}" if tag in found else "", "green")), id=tag)
        for label, (tag, count) in zip(shown, counted, strict=True)
    ]

MAX_SUGGESTIONS = 8

# Every tag of the folder with its count, computed when asked for.
Vocabulary = Callable[[], Mapping[str, int]]
# The vocabulary tags found in the article's text (core.adopt.tags_found), asked for when
# suggestions are first needed.
Found = Callable[[], Sequence[str]]


def suggest(token: str, vocabulary: Mapping[str, int], limit: int = MAX_SUGGESTIONS,
            found: Sequence[str] = ()) -> list[tuple[str, int]]:
    """Tags close to ``token``: the tags ``found`` in the article's text that contain it
    first (all of them for an empty token), then prefix matches, then other tags containing
    it (most used first), then typo-tolerant matches (rapidfuzz WRatio >= 75: lower lets
    ``hong`` pull in ``EXCHANGES``)."""
    token = token.strip()
    folded = token.casefold()
    first = [t for t in found if folded in t.casefold()]
    if not token:
        return [(t, vocabulary.get(t, 0)) for t in first[:limit]]
    by_use = sorted(vocabulary, key=lambda t: (-vocabulary[t], t))
    prefix = [t for t in by_use if t.casefold().startswith(folded) and t not in first]
    inside = [t for t in by_use if folded in t.casefold() and t not in prefix and t not in first]
    chosen = (first + prefix + inside)[:limit]
    if len(chosen) < limit:
        from rapidfuzz import fuzz, process, utils  # first used after start-up: ~15 ms to import

        fuzzy = process.extract(
            token,
            list(vocabulary),
            scorer=fuzz.WRatio,
            processor=utils.default_process,
            limit=limit * 2,
            score_cutoff=75,
        )
        for tag, _score, _ in fuzzy:
            if tag not in chosen:
                chosen.append(tag)
            if len(chosen) >= limit:
                break
    return [(t, vocabulary.get(t, 0)) for t in chosen]


def split_tags(text: str) -> list[str]:
    """The tags of a comma-separated list (blank items dropped, whitespace trimmed)."""
    return [part.strip() for part in text.split(",") if part.strip()]


class TagInput(Vertical):
    """An Input plus a drop-down of suggested tags with their counts."""

    class Submitted(Message):
        """Enter pressed with no suggestion highlighted."""

        def __init__(self, tag_input: TagInput, value: str) -> None:
            super().__init__()
            self.tag_input = tag_input
            self.value = value

        @property
        def control(self) -> TagInput:
            return self.tag_input

    def __init__(
        self,
        vocabulary: Vocabulary = dict,
        *,
        multiple: bool = False,
        placeholder: str = "tag",
        id: str | None = None,
        found: Found = tuple,
    ) -> None:
        super().__init__(id=id)
        # Called when suggestions are needed, not before: counting a big folder's tags
        # costs, and most articles shown in the editor are never retagged by hand.
        self.vocabulary: Vocabulary = vocabulary
        # The tags found in the text, offered first and marked (FOUND_NOTE); read the same way.
        self.found: Found = found
        self.multiple = multiple
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        # Focus selects nothing: typing goes after the tags there are, not over them.
        yield Input(placeholder=self._placeholder, classes="tag-input--field", compact=self.multiple,
                    select_on_focus=False)
        suggestions = OptionList(classes="tag-input--suggestions")
        suggestions.can_focus = False
        suggestions.display = False
        yield suggestions

    @property
    def input(self) -> Input:
        return self.query_one(Input)

    @property
    def suggestions(self) -> OptionList:
        return self.query_one(OptionList)

    @property
    def value(self) -> str:
        return self.input.value

    @value.setter
    def value(self, text: str) -> None:
        text = printable(text)  # an input box draws its value raw: a tag's escapes are shown
        with self.input.prevent(Input.Changed):
            self.input.value = text
        self.input.cursor_position = len(text)
        self._close()

    def exact_tags(self) -> list[str]:
        """The tags in the box. A tag of the folder that holds control characters is shown
        escaped (a suggestion taken, a tag left as shown): it is given back as the folder
        spells it, so taking it never stages its escaped spelling as a new tag."""
        text = self.input.value
        items = split_tags(text) if self.multiple else ([text.strip()] if text.strip() else [])
        shown = {printable(tag): tag for tag in self.vocabulary() if has_controls(tag)}
        return [shown.get(item, item) for item in items]

    def focus(self, scroll_visible: bool = True) -> TagInput:
        self.input.focus(scroll_visible)
        return self

    def _token(self) -> str:
        text = self.input.value
        return text.rsplit(",", 1)[-1] if self.multiple else text

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        # Not stopped: the editor shows a tag list too long for its box whole as it is typed.
        self.open_suggestions()

    def _found(self) -> list[str]:
        """The tags found in the text that the box does not hold yet."""
        found = self.found()
        if not found:
            return []
        held = {item.casefold() for item in (split_tags(self.input.value) if self.multiple else [])}
        return [tag for tag in found if tag.casefold() not in held]

    def open_suggestions(self) -> None:
        """Show the suggestions for what is typed (with nothing typed, the tags found in
        the text), or close them when there are none."""
        found = self._found()
        matches = suggest(self._token(), self.vocabulary(), found=found)
        options = self.suggestions
        options.clear_options()
        if not matches:
            self._close()
            return
        options.add_options(tag_options(matches, found=frozenset(found)))
        options.highlighted = None
        options.display = True

    def _close(self) -> None:
        self.suggestions.display = False
        self.suggestions.highlighted = None

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        # Not stopped: the editor stages the field when it loses the focus. The suggestions
        # go with the focus (they stayed on screen over the next field).
        self._close()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close()
        self.post_message(self.Submitted(self, ", ".join(self.exact_tags())))

    def _accept(self, tag: str) -> None:
        if self.multiple:
            head = self.input.value.rsplit(",", 1)[0] if "," in self.input.value else ""
            items = [*split_tags(head), tag]
            text = ", ".join(items)
        else:
            text = tag
        self.value = text

    def on_key(self, event: events.Key) -> None:
        options = self.suggestions
        if not options.display:
            return
        if event.key in ("down", "up"):
            event.stop()
            event.prevent_default()
            count = options.option_count
            current = options.highlighted
            if event.key == "down":
                options.highlighted = 0 if current is None else min(count - 1, current + 1)
            else:
                options.highlighted = None if not current else current - 1
        elif event.key in ("enter", "tab") and options.highlighted is not None:
            event.stop()
            event.prevent_default()
            option = options.get_option_at_index(options.highlighted)
            if option.id is not None:
                self._accept(option.id)
        elif event.key == "escape":
            event.stop()
            event.prevent_default()
            self._close()

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self._accept(event.option.id)
        self.input.focus()
