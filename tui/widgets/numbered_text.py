"""Text shown as it is, line by line, with the file's line numbers and the problem lines
marked: how the reader shows raw, plain-text and broken articles (Markdown rendering would
join their single line breaks and hide the lines the problems point at)."""

from __future__ import annotations

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from core.checks.positions import split_lines
from core.display import printable

MARKS = {"error": "✗", "warning": "!"}


class NumberedText(Widget):
    """Lines numbered from ``first_line``; a long line wraps under its own text, the number
    column kept clear. Lines with a problem carry its mark in the gutter and its colour;
    the line jumped to is highlighted."""

    COMPONENT_CLASSES = {
        "numbered-text--number",
        "numbered-text--error",
        "numbered-text--warning",
        "numbered-text--current",
    }

    DEFAULT_CSS = """
    NumberedText { height: auto; }
    NumberedText > .numbered-text--number { color: $text-muted; }
    NumberedText > .numbered-text--error { color: $error; text-style: bold; }
    NumberedText > .numbered-text--warning { color: $warning; }
    NumberedText > .numbered-text--current { background: $accent 30%; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: list[str] = []
        self._first = 1
        self._marks: dict[int, str] = {}  # file line -> the worst severity of its problems
        self._current: int | None = None
        self._note = ""
        self._built: tuple[int, list[Text], list[int]] | None = None  # width, rows, row of each line

    def set_text(self, text: str, first_line: int, marks: dict[int, str], note: str = "") -> None:
        """Show ``text`` (its first line is file line ``first_line``), marking ``marks``;
        ``note`` (what was left out) follows the last line, unnumbered."""
        # The same line breaks as the checks count (a lone CR is one), so numbers agree.
        self._lines = split_lines(text)
        self._first = first_line
        self._marks = marks
        self._note = note
        self._current = None
        self._rebuild()

    def set_current(self, line: int | None) -> None:
        """Highlight file line ``line`` (the problem the user went to)."""
        if line != self._current:
            self._current = line
            self._rebuild()

    def _rebuild(self) -> None:
        self._built = None
        self.refresh(layout=True)

    @property
    def lines(self) -> list[str]:
        """The lines shown, without their endings (as the file holds them)."""
        return self._lines

    @property
    def last_line(self) -> int:
        return self._first + len(self._lines) - 1

    def row_of(self, line: int) -> int:
        """The row (0-based, within this widget) where file line ``line`` starts, or of the
        nearest line shown."""
        if not self._lines:
            return 0
        starts = self._rows(self.size.width or 80)[1]
        index = min(max(line - self._first, 0), len(self._lines) - 1)
        return starts[index]

    def _rows(self, width: int) -> tuple[list[Text], list[int]]:
        built = self._built
        if built is not None and built[0] == width:
            return built[1], built[2]
        number_style = self.get_component_rich_style("numbered-text--number", partial=True)
        styles = {
            severity: self.get_component_rich_style(f"numbered-text--{severity}", partial=True) for severity in MARKS
        }
        current_style = self.get_component_rich_style("numbered-text--current", partial=True)
        digits = len(str(max(self.last_line, 1)))
        gutter = digits + 5  # mark, space, number, space, bar, space
        room = max(width - gutter, 8)
        console = self.app.console
        rows: list[Text] = []
        starts: list[int] = []
        for n, raw in enumerate(self._lines):
            line = self._first + n
            severity = self._marks.get(line)
            style = styles[severity] if severity else None
            body = Text(printable(raw, multiline=True), style=style or "", end="")
            body.expand_tabs(4)
            pieces = body.wrap(console, room, overflow="fold", no_wrap=False) if body.cell_len > room else [body]
            starts.append(len(rows))
            for k, piece in enumerate(pieces or [Text("")]):
                row = Text(end="")
                if k == 0:
                    row.append(MARKS[severity] if severity else " ", style=style or "")
                    row.append(" " + str(line).rjust(digits), style=style or number_style)
                else:
                    row.append(" " * (digits + 2))
                row.append(" │ ", style=number_style)
                row.append_text(piece)
                if line == self._current:  # the whole row, so it reads as a bar across
                    row.pad_right(max(width - row.cell_len, 0))
                    row.stylize(current_style)
                rows.append(row)
        if self._note:
            rows.append(Text(" " * gutter + self._note, style=number_style, end=""))
        self._built = (width, rows, starts)
        return rows, starts

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._rows(width)[0])

    def render(self) -> Text:
        rows = self._rows(self.size.width)[0]
        return Text("\n", end="").join(rows)
