"""The status line: counts, the loading phase, what a worker is doing (a save, or long
work a view waits for), the filter.

Every part is a reactive attribute: assigning one re-renders the line (only when the value
changed), so the screen never refreshes it by hand. Fixed height: no layout pass (a layout
of the whole screen costs tens of ms).
"""

from __future__ import annotations

from typing import NamedTuple

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from core.display import plural, printable

from ..loading import Phase

MIN_QUERY = 12  # cells of a long filter kept however narrow the line


class Counts(NamedTuple):
    """The workspace's counts the status line shows."""

    shown: int = 0
    total: int = 0
    marked: int = 0
    hidden_marks: int = 0  # marked but hidden by the filter
    with_problems: int = 0
    unsaved: int = 0
    sort: str = "date"


class Outside(NamedTuple):
    """Changes made to the folder outside copydesk, not reloaded yet."""

    changed: int = 0  # of which...
    gone: int = 0  # ...deleted
    added: int = 0  # new files
    held: int = 0  # changed articles with staged edits (a save merges them)...
    rewrites: int = 0  # ...but for these, a staged text rewrite: never merged, a save cannot write it


class StatusBar(Widget):
    """One line under the panes."""

    counts: reactive[Counts] = reactive(Counts, layout=False)
    phase: reactive[Phase] = reactive(Phase.LOADING, layout=False)
    progress: reactive[tuple[int, int] | None] = reactive((0, 0), layout=False)  # of the phase
    busy: reactive[str] = reactive("", layout=False)  # what a worker is doing
    background: reactive[str] = reactive("", layout=False)  # long work a view waits for (blocks no edit, unlike busy)
    filter: reactive[str] = reactive("", layout=False)
    partial: reactive[str] = reactive("", layout=False)  # what the filtered list shown is short of
    outside: reactive[Outside] = reactive(Outside, layout=False)

    def render(self) -> Text:
        counts = self.counts
        text = Text()
        text.append(f"{counts.shown:,}/{counts.total:,} shown", style="bold")
        if self.partial:
            text.append(f" · {self.partial}", style="bold yellow")
        # The filter says what the count shown is of; it goes here, shortened as the line's
        # other parts need the room.
        filter_at = len(text)
        if counts.marked:
            text.append(f" · {counts.marked:,} marked", style="bold")
            if counts.hidden_marks:
                text.append(f" ({counts.hidden_marks:,} hidden by the filter)", style="yellow")
        text.append(f" · {counts.with_problems:,} with problems")
        text.append(f" · {counts.unsaved:,} unsaved", style="bold yellow" if counts.unsaved else "")
        text.append(f" · sort: {counts.sort}")
        outside = self.outside
        if outside.changed or outside.added:
            edited = outside.changed - outside.gone
            changed = [f"{edited:,} changed on disk"] if edited else []
            changed += [f"{outside.gone:,} deleted"] if outside.gone else []
            changed += [f"{outside.added:,} new"] if outside.added else []
            # A changed article with staged edits is not reloaded by R: its save merges them.
            held = outside.held and outside.held == outside.changed and not outside.added
            text.append(f" · {', '.join(changed)} ({_on_save(outside) if held else 'R reloads'})", style="bold magenta")
        text.append_text(self._phase_text())
        if self.background:
            text.append(f" · {printable(self.background)}…", style="cyan")
        if self.busy:
            text.append(f" · {printable(self.busy)}", style="bold cyan")
        if self.filter:
            text = self._with_filter(text, filter_at)
        return text

    def _with_filter(self, text: Text, at: int) -> Text:
        """``text`` with the filter inserted at ``at``: a long query is shortened with an
        ellipsis to leave the line's other parts room (down to ``MIN_QUERY`` cells), never
        dropped (a line still too long for the terminal is cut at its end)."""
        label = " · filter: "
        query = Text(printable(self.filter), style="cyan")
        width = self.content_size.width
        if width:
            room = width - text.cell_len - len(label)
            if query.cell_len > room:
                query.truncate(max(room, MIN_QUERY), overflow="ellipsis")
        return Text.assemble(text[:at], (label, "cyan"), query, text[at:])

    def _phase_text(self) -> Text:
        progress = self.progress
        if self.phase is Phase.LOADING and progress is not None:
            return Text(f" · loading {progress[0]:,}/{progress[1]:,}…", style="bold cyan")
        if self.phase is Phase.CHECKING:
            if progress is None:
                return Text(" · checking the folder…", style="cyan")
            return Text(f" · checking the folder: {progress[0]:,}/{progress[1]:,} changed files read…", style="cyan")
        if self.phase is Phase.METADATA and progress is not None:
            return Text(f" · reading metadata for filters {progress[0]:,}/{progress[1]:,}…", style="cyan")
        return Text()


def _on_save(outside: Outside) -> str:
    """What ``ctrl+s`` does with the changed articles that have staged edits: field edits
    are merged with the file; a text rewrite (``i`` adopt, ``f`` fix) was made on the text
    it was staged from and never merges (core.storage.save), so the save cannot write it."""
    if not outside.rewrites:
        return "ctrl+s merges"
    cannot = f"cannot save {plural(outside.rewrites, 'staged rewrite')}"
    if outside.rewrites == outside.held:
        return f"ctrl+s {cannot}: a rewrite does not merge"
    return f"ctrl+s merges {outside.held - outside.rewrites:,}, {cannot}"
