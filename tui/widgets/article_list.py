"""The article list: a line-API widget that draws only the rows on screen.

Rows come from the workspace as slim tuples; the widget holds a reference to the list of
visible article indices and the cursor position in it. Swapping in a filtered view is one
assignment and a repaint, whatever the size of the folder.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from core.display import printable

from ..model import (
    COL_DATE,
    COL_DRAFT,
    COL_SENTIMENT,
    COL_SOURCE,
    COL_STATUS,
    COL_TAGS,
    COL_TITLE,
    PlainRow,
    day_of,
)
from ..view import NEWS_VIEW, ListView

STATUS_MARK = {"error": "✗", "warning": "!", "clean": "✓", "raw": "R", "broken": "✗"}
SENTIMENT_TEXT = {"POSITIVE": "POS", "NEUTRAL": "NEU", "NEGATIVE": "NEG", "": ""}

# Fixed column widths; source, title and tags are sized by what the rows shown hold.
MARK_W, STATUS_W, DIRTY_W, SENT_W, DRAFT_W, DATE_W = 1, 1, 1, 3, 1, 10
GIT_W = 1  # the git state's mark, drawn only in a repository (and its gap)
FIXED = MARK_W + STATUS_W + DIRTY_W + SENT_W + DRAFT_W + DATE_W + 8  # and 8 gaps between the 9 cells (news)


def fixed_width(view: ListView) -> int:
    """The cells of fixed width of ``view``'s rows and the gaps between all its cells (a
    slot the view does not fill takes neither)."""
    widths = [MARK_W, STATUS_W, DIRTY_W, view.enum_width, len(view.flags), DATE_W if view.date else 0]
    shown = [w for w in widths if w]
    gaps = len(shown) + (1 if view.text else 0) + 1  # before the source, the title and the tags
    return sum(shown) + gaps
SOURCE_MAX, SOURCE_MAX_NARROW, NARROW = 16, 12, 100  # a source name is cut past these (narrow: < 100 columns)
TITLE_MIN, TAGS_MIN = 12, 6  # kept for each while the rows hold that much, however narrow
TITLE_WEIGHT = 2  # a hidden share of a title counts twice that of the tags: a row is read by its title
MEASURED_ROWS = 4000  # rows measured at most, spread over a longer list (~2 ms)


class Columns(NamedTuple):
    """The widths of the cells sized by content."""

    source: int
    title: int
    tags: int


class Lengths(NamedTuple):
    """The lengths of the source, title and tags cells of the rows shown (or of a sample
    spread over them), each sorted."""

    source: list[int]
    title: list[int]
    tags: list[int]


def measure(rows: Sequence[PlainRow], visible: Sequence[int], limit: int = MEASURED_ROWS) -> Lengths:
    """The cell lengths of the rows ``visible`` lists (every ``n``-th past ``limit`` rows)."""
    step = max(1, len(visible) // limit)
    sample = [rows[i] for i in visible[::step]]
    return Lengths(
        sorted([len(row[COL_SOURCE]) for row in sample]),
        sorted([len(row[COL_TITLE]) for row in sample]),
        sorted([len(row[COL_TAGS]) for row in sample]),
    )


def _hidden(lengths: list[int]) -> Callable[[int], float]:
    """For a column width: the sum over the cells of the share of each cell it hides."""
    inverse = [0.0] * (len(lengths) + 1)  # inverse[i]: the sum of 1/length from the i-th on
    for i in range(len(lengths) - 1, -1, -1):
        inverse[i] = inverse[i + 1] + (1 / lengths[i] if lengths[i] else 0.0)  # an empty cell hides nothing

    def hidden(width: int) -> float:
        cut = bisect_right(lengths, width)  # the cells from here on are longer than the column
        return (len(lengths) - cut) - width * inverse[cut]

    return hidden


def column_widths(width: int, lengths: Lengths, view: ListView = NEWS_VIEW) -> Columns:
    """Source, title and tags widths for a list ``width`` cells wide showing rows of these
    lengths: each as wide as its longest cell when they all fit (the tags column takes what
    is left); otherwise title and tags split the room so as to hide the smallest share of
    each cell, summed over the rows (a row's 20-character tags cut to 10 lose half, its
    80-character title cut to 70 an eighth)."""
    source = 0
    if view.text:
        longest_source = max(lengths.source[-1] if lengths.source else 0, len(view.text_label))
        source = min(longest_source, SOURCE_MAX if width >= NARROW else SOURCE_MAX_NARROW)
    free = max(2, width - fixed_width(view) - source)
    longest_title = max(lengths.title[-1] if lengths.title else 0, len("TITLE"))
    longest_tags = max(lengths.tags[-1] if lengths.tags else 0, len(view.terms_label) if view.terms else 0)
    if longest_title + longest_tags <= free:
        return Columns(source, longest_title, free - longest_title)
    low = min(longest_title, TITLE_MIN, free - 1)
    high = max(low, min(longest_title, free - min(longest_tags, TAGS_MIN)))
    title_hidden, tags_hidden = _hidden(lengths.title), _hidden(lengths.tags)
    # Ties go to the wider title: a row is read by its title.
    title = min(range(low, high + 1), key=lambda t: (TITLE_WEIGHT * title_hidden(t) + tags_hidden(free - t), -t))
    return Columns(source, title, free - title)


def _fit(text: str, width: int) -> str:
    """``text`` shown (control characters escaped) in exactly ``width`` cells."""
    if width <= 0:
        return ""
    text = printable(text)
    if len(text) > width:
        return text[: max(0, width - 1)] + "…"
    return text.ljust(width)


def header_text(columns: Columns, view: ListView = NEWS_VIEW, git: bool = False) -> str:
    """The column titles, laid out like the rows (``git``: with the git state's column)."""
    cells = [" ", "S", "*", "G"] if git else [" ", "S", "*"]
    if view.enum:
        cells.append(_fit(view.enum_label, view.enum_width))
    if view.flags:
        cells.append(view.flags_label)
    if view.date:
        cells.append(_fit(view.date_label, DATE_W))
    if view.text:
        cells.append(_fit(view.text_label, columns.source))
    cells += [_fit(view.title.upper(), columns.title), _fit(view.terms_label, columns.tags)]
    return " ".join(cells)


class ListHeader(Static):
    """Column titles above the list, laid out like its rows (the list sets them)."""

    def show(self, columns: Columns, view: ListView = NEWS_VIEW, git: bool = False) -> None:
        # Its size is fixed (one line, the list's width): no layout of the screen, which
        # costs tens of ms, when a filter's keystroke changes the columns.
        self.update(Text(header_text(columns, view, git)), layout=False)


class ArticleList(ScrollView, can_focus=True, inherit_bindings=False):
    """The virtualised article list; the cursor row drives the reader and the editor."""

    # Not ScrollView's bindings: its up/down scrolled the view, leaving the cursor behind,
    # before the screen's cursor-down/up (the command list, remappable) could see the key.
    BINDINGS = [
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "Top", show=False),
        Binding("end", "last", "Bottom", show=False),
    ]

    COMPONENT_CLASSES = {
        "article-list--cursor",
        "article-list--marked",
        "article-list--dim",
        "article-list--error",
        "article-list--warning",
        "article-list--clean",
        "article-list--raw",
        "article-list--dirty",
        "article-list--positive",
        "article-list--negative",
        "article-list--neutral",
        "article-list--draft",
        "article-list--git",
    }

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class CursorMoved(Message):
        """The cursor is on another article (``index`` None when the list is empty)."""

        def __init__(self, index: int | None) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, header: ListHeader | None = None, id: str | None = None, view: ListView = NEWS_VIEW) -> None:
        super().__init__(id=id)
        self._header = header
        self._view = view
        self._lengths: Lengths | None = None  # of the rows shown, measured when first needed
        self._columns: Columns | None = None  # for the width last drawn
        self._columns_width = 0
        self._rows: Sequence[PlainRow] = ()
        self._visible: Sequence[int] = ()
        self._is_marked: Callable[[int], bool] = lambda i: False
        self._is_dirty: Callable[[int], bool] = lambda i: False
        # The git state's mark, or None outside a repository (then the column is not drawn).
        self._git_letter: Callable[[int], str] | None = None
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)
        self._announced: int | None = -1  # the article last reported by CursorMoved

    # -- data ------------------------------------------------------------------------------

    def bind(
        self,
        rows: Sequence[PlainRow],
        is_marked: Callable[[int], bool],
        is_dirty: Callable[[int], bool],
    ) -> None:
        """Attach the row model (a reference: the workspace keeps it current)."""
        self._rows = rows
        self._is_marked = is_marked
        self._is_dirty = is_dirty
        self.invalidate()

    def show_git(self, letter: Callable[[int], str] | None) -> None:
        """Draw each row's git mark (``letter`` of an article index) after the dirty mark, or
        no such column (None: the folder is in no repository)."""
        if (letter is None) != (self._git_letter is None):
            self._columns = None  # the other cells lose or gain its room
        self._git_letter = letter
        self.invalidate()

    def show(self, visible: Sequence[int], keep_index: int | None = None) -> None:
        """Show these article indices; keep the cursor on ``keep_index`` when it is shown."""
        self._visible = visible
        self._lengths = None
        self.virtual_size = Size(self.size.width, len(visible))
        position = 0
        if keep_index is not None:
            try:
                position = list(visible).index(keep_index) if len(visible) < 200_000 else 0
            except ValueError:
                position = min(self.cursor, max(0, len(visible) - 1))
        self.invalidate()
        self.cursor = max(0, min(position, len(visible) - 1))

    def invalidate(self) -> None:
        """Forget every drawn row (data changed)."""
        self._cache.clear()
        self._lengths = None  # an edit can lengthen a title or the tags
        self.refresh()

    def columns(self, width: int) -> Columns:
        """The cell widths for the rows shown at ``width``; the header follows them."""
        if self._lengths is None:
            self._lengths = measure(self._rows, self._visible)
            self._columns = None
        columns = self._columns
        if columns is None or self._columns_width != width:
            git = self._git_letter is not None
            columns = column_widths(width - (GIT_W + 1 if git else 0), self._lengths, self._view)
            self._columns_width = width
            if columns != self._columns and self._header is not None:
                self._header.show(columns, self._view, git)
            self._columns = columns
        return columns

    def refresh_index(self, index: int) -> None:
        """Redraw the row of one article if it is on screen."""
        top = int(self.scroll_offset.y)
        for y in range(top, min(len(self._visible), top + self.size.height)):
            if self._visible[y] == index:
                self.refresh_line(y)

    @property
    def current(self) -> int | None:
        """The article index under the cursor."""
        if 0 <= self.cursor < len(self._visible):
            return self._visible[self.cursor]
        return None

    @property
    def shown(self) -> int:
        return len(self._visible)

    # -- cursor ----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)
        self._scroll_cursor_into_view()
        current = self.current
        if current != self._announced:
            self._announced = current
            self.post_message(self.CursorMoved(current))

    def _scroll_cursor_into_view(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = int(self.scroll_offset.y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def move(self, delta: int) -> None:
        if self._visible:
            self.cursor = max(0, min(len(self._visible) - 1, self.cursor + delta))

    def move_to(self, position: int) -> None:
        if self._visible:
            self.cursor = max(0, min(len(self._visible) - 1, position))

    def action_page_up(self) -> None:
        self.move(-max(1, self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self.move(max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self._visible) - 1)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._visible))
        self._cache.clear()
        self._scroll_cursor_into_view()

    def on_focus(self) -> None:
        self.refresh_line(self.cursor)

    def on_blur(self) -> None:
        self.refresh_line(self.cursor)

    def on_click(self, event) -> None:
        position = int(self.scroll_offset.y) + event.y
        if 0 <= position < len(self._visible):
            self.cursor = position

    # -- drawing ---------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        position = int(self.scroll_offset.y) + y
        width = self.scrollable_content_region.width
        columns = self.columns(width)  # also when no row is shown: the header follows the width
        if not 0 <= position < len(self._visible):
            return Strip.blank(width, self.rich_style)
        index = self._visible[position]
        is_cursor = position == self.cursor
        marked = self._is_marked(index)
        dirty = self._is_dirty(index)
        row = self._rows[index]
        git = self._git_letter(index) if self._git_letter is not None else None
        key = (index, row, width, columns, is_cursor, is_cursor and self.has_focus, marked, dirty, git)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._draw(row, width, columns, is_cursor, marked, dirty, git)
            self._cache[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"article-list--{name}", partial=True)

    def _draw(self, row: PlainRow, width: int, columns: Columns, is_cursor: bool, marked: bool, dirty: bool,
              git: str | None = None) -> Strip:
        base = self.rich_style
        if is_cursor:
            # The cursor's background must sit under every cell's own colours.
            base = base + self.get_component_rich_style("article-list--cursor", partial=True)
        status = row[COL_STATUS]
        view = self._view
        status_style = self._style("error" if status == "broken" else status)
        dim = self._style("dim")
        cells: list[tuple[str, Style]] = [
            ("●" if marked else " ", self._style("marked")),
            (STATUS_MARK[status], status_style),
            ("*" if dirty else " ", self._style("dirty")),
        ]
        if git is not None:
            cells.append((git, self._style("git")))
        if view.enum:
            cells.append(self._enum_cell(row[COL_SENTIMENT]))
        if view.flags:
            flags = row[COL_DRAFT]
            # The news row holds draft as a bool; another view's, one cell per boolean.
            cells.append((flags if type(flags) is str else "D" if flags else " ", self._style("draft")))
        if view.date:
            cells.append((_fit(day_of(row[COL_DATE]), DATE_W), dim))
        if view.text:
            cells.append((_fit(row[COL_SOURCE], columns.source), Style()))
        cells += [
            (_fit(row[COL_TITLE], columns.title), dim if status in ("raw", "broken") else Style()),
            (_fit(row[COL_TAGS], columns.tags), dim),
        ]
        segments: list[Segment] = []
        for n, (text, style) in enumerate(cells):
            if n:
                segments.append(Segment(" ", base))
            segments.append(Segment(text, base + style))
        return Strip(segments).adjust_cell_length(width, base)

    def _enum_cell(self, value: str) -> tuple[str, Style]:
        view = self._view
        if view.enum == "sentiment":
            # A value outside the enum ("POSITVE") must not pass for a valid one: "PO?".
            sentiment = SENTIMENT_TEXT.get(value, f"{value[:2]}?")
            return _fit(sentiment, SENT_W), self._style(sentiment_class(value))
        if value and value not in view.enum_values:
            return _fit(f"{value[: view.enum_width - 1]}?", view.enum_width), self._style("error")
        return _fit(value, view.enum_width), Style()

    def refresh_line(self, y: int) -> None:  # type: ignore[override]
        self.refresh(Region(0, y - int(self.scroll_offset.y), self.size.width, 1))


def sentiment_class(value: str) -> str:
    return {"POSITIVE": "positive", "NEGATIVE": "negative", "NEUTRAL": "neutral", "": "dim"}.get(value, "error")
