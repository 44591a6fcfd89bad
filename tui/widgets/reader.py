"""The reader pane: the article's problems (code, line, message), then its body as Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from core.display import printable
from core.document import Article

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore

# Markdown layout cost grows with the text; the reader is for reading, not for huge dumps.
MAX_BODY_CHARS = 60_000


def problems_text(article: Article) -> Text:
    """One line per problem: ``line:col CODE message``, errors in red, warnings in yellow."""
    text = Text()
    if not article.problems:
        text.append("✓ no problems", style="green")
        return text
    for n, problem in enumerate(article.problems):
        if n:
            text.append("\n")
        style = "bold red" if problem.severity == "error" else "yellow"
        text.append(f"{problem.line}:{problem.column} ".rjust(8), style="dim")
        text.append(problem.code, style=style)
        text.append(f" {printable(problem.message)}")
    return text


class Reader(VerticalScroll, can_focus=True):
    """Shows the cursor's article: path, problems and body."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="reader-path")
        yield Static(id="reader-problems")
        # The Markdown widget (and its parser, ~50 ms to import) comes with the first article.

    def forget(self) -> None:
        """The shown article changed on disk: the next :meth:`show` re-renders it."""
        self._shown = None

    async def show(self, article: Article | None) -> None:
        """Display ``article`` (None: nothing selected); a no-op when it is already shown."""
        key = None if article is None else (article.path, article.fingerprint, article.problems)
        if key == self._shown:
            return
        self._shown = key
        from textual.widgets import Markdown

        path = self.query_one("#reader-path", Static)
        problems = self.query_one("#reader-problems", Static)
        found = self.query("#reader-body")
        if found:
            body = found.first(Markdown)
        else:
            body = Markdown(id="reader-body", parser_factory=printable_markdown)
            await self.mount(body)
        if article is None:
            path.update("")
            problems.update("")
            await body.update("")
            return
        path.update(Text(printable(article.relpath), style="bold"))
        problems.update(problems_text(article))
        broken = article.kind in ("invalid-yaml", "unclosed")
        text = _whole_text(article) if broken else article.body()
        if len(text) > MAX_BODY_CHARS:
            text = text[:MAX_BODY_CHARS] + f"\n… {len(text) - MAX_BODY_CHARS:,} more characters not shown"
        # A broken file is shown verbatim so its faulty front matter can be read as it is.
        await body.update(_fenced(text) if broken else text)
        self.scroll_home(animate=False)


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


def _whole_text(article: Article) -> str:
    try:
        return article.read_source().text
    except Exception:  # noqa: BLE001 - unreadable now: the problems list already says why
        return ""


def _fenced(text: str) -> str:
    fence = "~~~~" if "```" in text else "```"
    return f"{fence}text\n{text}\n{fence}"
