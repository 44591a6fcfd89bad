"""The reader pane: a heading (path, full title, description, date, source, tags, status),
the body (Markdown rendered; raw, plain-text and broken files as numbered lines), and the
article's problems below, with a cursor: ``enter`` on a problem scrolls to its line."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from core.display import printable
from core.document import Article

from ..view import NEWS_VIEW, ListView
from .numbered_text import NumberedText
from .reader_heading import heading_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from textual.widgets import Markdown

    from core.checks.rule import Problem

# Markdown layout cost grows with the text; the reader is for reading, not for huge dumps.
MAX_BODY_CHARS = 60_000

SEVERITY_ORDER = {"warning": 1, "error": 2}


def problem_row(problem: Problem) -> Table:
    """``line:col CODE message``: the line first, so each problem says where it is; a long
    message wraps under itself, the line column kept clear."""
    style = "bold red" if problem.severity == "error" else "yellow"
    row = Table.grid(padding=(0, 1), expand=True)
    row.add_column(width=7, justify="right", no_wrap=True)
    row.add_column(ratio=1)
    row.add_row(
        Text(f"{problem.line}:{problem.column}", style="dim"),
        Text.assemble((problem.code, style), f" {printable(problem.message)}"),
    )
    return row


def shows_as_text(article: Article) -> bool:
    """Whether the body is shown as numbered text lines rather than rendered Markdown: raw
    and broken files (no front matter to read) and plain-text articles, whose single line
    breaks are the article's own."""
    return not article.editable or article.path.suffix.lower() == ".txt"


class ProblemList(OptionList):
    """The reader's problems, a cursor over them; ``enter`` goes to the problem's line."""

    def action_cursor_down(self) -> None:
        # Not round to the first: at the last problem, down stays (a list, not a carousel).
        if self.highlighted is None or self.highlighted < self.option_count - 1:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.highlighted is None or self.highlighted > 0:
            super().action_cursor_up()


class Reader(VerticalScroll, can_focus=True):
    """Shows the cursor's article: heading, body, and its problems docked at the bottom."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple | None = None
        self._article: Article | None = None
        self._first_body_line = 1  # the file line the body starts on
        self.view: ListView = NEWS_VIEW  # the fields the heading shows (the list's, set by the screen)

    def compose(self) -> ComposeResult:
        yield Static(id="reader-path")
        yield Static(id="reader-heading")
        # The Markdown widget (and its parser, ~50 ms to import) comes with the first
        # Markdown article; numbered text with the first raw or plain-text one.
        yield ProblemList(id="reader-problems")

    @property
    def problem_list(self) -> ProblemList:
        return self.query_one(ProblemList)

    def focus(self, scroll_visible: bool = True) -> Self:
        """Focus the problem list when there are problems (``enter`` on one goes to its
        line), else the text; ``tab`` moves between the two."""
        problems = self.problem_list
        if problems.display and problems.option_count:
            problems.focus(scroll_visible)
            return self
        return super().focus(scroll_visible)

    def step(self, delta: int) -> None:
        """``j``/``k`` in the reader: the problem cursor when the list has focus, else scroll."""
        problems = self.problem_list
        if problems.has_focus:
            if delta > 0:
                problems.action_cursor_down()
            else:
                problems.action_cursor_up()
        elif delta > 0:
            self.scroll_down(animate=False)
        else:
            self.scroll_up(animate=False)

    def forget(self) -> None:
        """The shown article changed on disk: the next :meth:`show` re-renders it."""
        self._shown = None

    async def show(self, article: Article | None, data: Mapping[str, Any] | None = None, dirty: bool = False,
                   body: str | None = None) -> None:
        """Display ``article`` with its staged ``data`` (None: as on disk; no article:
        nothing selected) and, when a staged rewrite changes it, its staged ``body``; a
        no-op when it is already shown so."""
        key = None if article is None else (article.path, article.fingerprint, article.problems, data, dirty, body)
        if key == self._shown:
            return
        same_article = article is not None and self._article is not None and article.path == self._article.path
        self._shown = key
        self._article = article
        path = self.query_one("#reader-path", Static)
        heading = self.query_one("#reader-heading", Static)
        problems = self.problem_list
        if article is None:
            path.update("")
            heading.update("")
            problems.clear_options()
            problems.display = False
            await self._remove_bodies(keep=None)
            return
        path.update(Text(printable(article.relpath), style="bold"))
        heading.update(heading_text(article, data, dirty, self.view))
        self._fill_problems(article.problems, keep=same_article)
        marks = _marks(article.problems)
        if shows_as_text(article):
            text, first, note = _text_view(article, body)
            self._first_body_line = first
            numbered = await self._body(NumberedText, "reader-text")
            numbered.set_text(text, first, marks, note)
        else:
            self._first_body_line = article.body_first_line
            from textual.widgets import Markdown

            markdown = await self._body(Markdown, "reader-body")
            text = article.body() if body is None else body
            if len(text) > MAX_BODY_CHARS:
                text = text[:MAX_BODY_CHARS] + f"\n… {len(text) - MAX_BODY_CHARS:,} more characters not shown"
            await markdown.update(text)
            self._mark_blocks(markdown, marks)
        if not same_article:
            self.scroll_home(animate=False)

    def _fill_problems(self, problems: tuple[Problem, ...], keep: bool) -> None:
        """List ``problems``; the cursor stays on its row when the same article is shown
        again (its problems re-checked after an edit)."""
        widget = self.problem_list
        highlighted = widget.highlighted if keep else None
        had_focus = widget.has_focus
        widget.clear_options()
        widget.add_options([Option(problem_row(problem), id=str(n)) for n, problem in enumerate(problems)])
        widget.display = bool(problems)
        if had_focus and not problems:  # `]` onto a clean article: its text takes the focus
            super().focus()
        if problems:
            widget.highlighted = min(highlighted or 0, len(problems) - 1)

    async def _body(self, kind: type, id: str) -> Any:
        """The body widget of ``kind`` (mounted on first use; the other kind removed)."""
        found = self.query(f"#{id}")
        await self._remove_bodies(keep=id)
        if found:
            return found.first(kind)
        widget = kind(id=id, parser_factory=printable_markdown) if id == "reader-body" else kind(id=id)
        await self.mount(widget, before=self.problem_list)
        return widget

    async def _remove_bodies(self, keep: str | None) -> None:
        for id in ("reader-body", "reader-text"):
            if id != keep:
                await self.query(f"#{id}").remove()

    @on(OptionList.OptionSelected, "#reader-problems")
    def _problem_chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        article = self._article
        if article is None or event.option_id is None:
            return
        index = int(event.option_id)
        if index < len(article.problems):
            self.go_to_line(article.problems[index].line)

    def go_to_line(self, line: int) -> None:
        """Scroll the body to file line ``line`` and highlight it; a line of the front matter
        (shown as the heading) scrolls to the top."""
        self.call_after_refresh(self._go_to_line, line)

    def _go_to_line(self, line: int) -> None:
        numbered = self.query(NumberedText)
        if numbered:
            widget = numbered.first()
            widget.set_current(line)
            if line <= self._first_body_line:  # the heading stays in sight with it
                self.scroll_home(animate=False)
                return
            # A line of context above the one gone to.
            self.scroll_to(y=max(widget.virtual_region.y + widget.row_of(line) - 1, 0), animate=False)
            return
        markdown = self._markdown()
        block = None if markdown is None else _block_at(markdown, line - self._first_body_line)
        if markdown is not None:
            for child in markdown.children:
                child.set_class(child is block, "-current")
        if block is None:
            self.scroll_home(animate=False)
        else:
            self.scroll_to_widget(block, top=True, animate=False)

    def _markdown(self) -> Markdown | None:
        from textual.widgets import Markdown

        found = self.query("#reader-body")
        return found.first(Markdown) if found else None

    def _mark_blocks(self, markdown: Markdown, marks: dict[int, str]) -> None:
        """Colour the edge of each Markdown block holding a problem's line."""
        severity_of: dict[int, str] = {}
        for line, severity in marks.items():
            block = _block_at(markdown, line - self._first_body_line)
            if block is not None:
                key = id(block)
                if SEVERITY_ORDER[severity] > SEVERITY_ORDER.get(severity_of.get(key, ""), 0):
                    severity_of[key] = severity
        for child in markdown.children:
            severity = severity_of.get(id(child))
            child.set_class(severity == "error", "-problem-error")
            child.set_class(severity == "warning", "-problem-warning")
            child.remove_class("-current")


def _marks(problems: tuple[Problem, ...]) -> dict[int, str]:
    """Each problem line with the worst severity found on it."""
    marks: dict[int, str] = {}
    for problem in problems:
        if SEVERITY_ORDER.get(problem.severity, 0) > SEVERITY_ORDER.get(marks.get(problem.line, ""), 0):
            marks[problem.line] = problem.severity
    return marks


def _block_at(markdown: Markdown, body_line: int) -> Any:
    """The top-level block holding 0-based body line ``body_line`` (a blank line counts
    with the block before it), or None for a line before the body."""
    if body_line < 0:
        return None
    found = None
    for child in markdown.children:
        source_range = getattr(child, "source_range", None)
        if source_range is None:
            continue
        start, end = source_range
        if start <= body_line < end:
            return child
        if start <= body_line:
            found = child
    return found


def _text_view(article: Article, body: str | None = None) -> tuple[str, int, str]:
    """The text a raw, plain-text or broken article is shown as (``body``: the staged one):
    its lines, the file line of the first, and a note on what was left out."""
    if article.editable:
        text, first = article.body() if body is None else body, article.body_first_line
    else:
        # The whole file, its faulty front matter included; bytes that are not UTF-8 as
        # \xNN where they are (the problem names the line).
        try:
            text = article.read_bytes().decode("utf-8", errors="backslashreplace")
        except Exception:  # noqa: BLE001 - unreadable now: the problems list already says why
            text = ""
        text, first = text.removeprefix("\ufeff"), 1
    note = ""
    if len(text) > MAX_BODY_CHARS:
        cut = text.rfind("\n", 0, MAX_BODY_CHARS) + 1 or MAX_BODY_CHARS
        note = f"… {len(text) - cut:,} more characters not shown"
        text = text[:cut]
    return text, first, note


def printable_markdown() -> MarkdownIt:
    """The reader's Markdown parser: every piece of text it yields goes through
    :func:`core.display.printable`, after the parser has decoded character references
    (``&#x202e;`` is a bidi override once parsed), so no article reaches the terminal as
    control or format characters."""
    from markdown_it import MarkdownIt

    parser = MarkdownIt("gfm-like")
    parser.core.ruler.push("printable", _printable_tokens)
    return parser


def _printable_tokens(state: StateCore) -> None:
    stack = list(state.tokens)
    while stack:
        token = stack.pop()
        if token.content:
            token.content = printable(token.content, multiline=token.block)
        for name, value in list(token.attrs.items()):
            if isinstance(value, str):
                token.attrs[name] = printable(value)
        if token.info:
            token.info = printable(token.info)
        if token.children:
            stack.extend(token.children)
