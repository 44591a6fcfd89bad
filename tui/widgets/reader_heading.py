"""The reader's heading: the article's full title, description, date, source, tags and
status, so that an article can be read whole without the editor's cut-off inputs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text

from core.display import printable, shown_tag
from core.document import Article, get_path

from ..view import NEWS_VIEW, ListView


def heading_text(article: Article, data: Mapping[str, Any] | None, dirty: bool, view: ListView = NEWS_VIEW) -> Text:
    """The heading of ``article`` as its staged ``data`` has it (the file's own front matter
    when nothing is staged), with the fields of the list's ``view``: its title, date, text
    field, each taxonomy's terms, its flags and enum. Every value goes through the display
    guard; long values wrap."""
    if view is not NEWS_VIEW:
        return _view_heading(article, data, dirty, view)
    text = Text(end="")
    meta = data if data is not None else article.meta
    if meta is None or not article.editable:
        text.append(_unreadable_title(article), style="bold")
    else:
        title = _scalar(meta.get("title"))
        text.append(title or "(no title)", style="bold" if title else "dim italic")
        description = _scalar(meta.get("description"))
        if description:
            text.append("\n")
            text.append(description, style="italic")
        when_from = [part for part in (
            _scalar(meta.get("publishedAt")),
            _scalar(get_path(meta, "source.name")),
            _scalar(meta.get("category")),
        ) if part]
        if when_from:
            text.append("\n")
            text.append(" · ".join(when_from), style="dim")
        text.append("\n")
        text.append("tags ", style="dim")
        text.append_text(_tags(meta.get("tags")))
    text.append("\n")
    text.append_text(_status(article, meta, dirty))
    return text


def _view_heading(article: Article, data: Mapping[str, Any] | None, dirty: bool, view: ListView) -> Text:
    text = Text(end="")
    meta = data if data is not None else article.meta
    if meta is None or not article.editable:
        text.append(_unreadable_title(article), style="bold")
    else:
        title = _scalar(get_path(meta, view.title))
        text.append(title or "(no title)", style="bold" if title else "dim italic")
        description = _scalar(meta.get("description"))
        if description:
            text.append("\n")
            text.append(description, style="italic")
        when_from = [part for part in (_scalar(get_path(meta, name)) for name in (view.date, view.text) if name) if part]
        if when_from:
            text.append("\n")
            text.append(" · ".join(when_from), style="dim")
        for name in view.terms:
            text.append("\n")
            text.append(f"{printable(name)} ", style="dim")
            text.append_text(_tags(get_path(meta, name)))
    text.append("\n")
    status: list[Text] = []
    if meta is not None and article.editable:
        status += [Text(printable(name), style="bold yellow") for name in view.flags if get_path(meta, name) is True]
        if view.enum:
            value = _scalar(get_path(meta, view.enum))
            status.append(Text(value or f"no {printable(view.enum)}", style="" if value else "dim"))
    status.append(_status(article, None, dirty))
    text.append_text(Text(" · ", style="dim", end="").join(status))
    return text


def _unreadable_title(article: Article) -> str:
    if article.kind == "raw":
        return "Raw article: no front matter"
    return "Front matter not readable: the file as it is"


def _scalar(value: Any) -> str:
    """A value as one line of text ('' for none): a list reads as its items joined."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_scalar(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{printable(key)}: {_scalar(item)}" for key, item in value.items())
    return printable(value).strip() if isinstance(value, str) else printable(value)


def _tags(tags: Any) -> Text:
    if tags is None or tags == ():
        return Text("none", style="dim italic")
    if not isinstance(tags, (list, tuple)):
        return Text(_scalar(tags))  # the problems say what is wrong with it
    out = Text()
    for n, tag in enumerate(tags):
        if n:
            out.append(" · ", style="dim")
        shown = shown_tag(tag)
        # An empty or blank tag stands out, never a gap that reads as nothing.
        out.append(shown, style="reverse" if shown.startswith(("⟨", '"')) else "bold")
    return out


def _status(article: Article, meta: Mapping[str, Any] | None, dirty: bool) -> Text:
    parts: list[Text] = []
    if meta is not None and article.editable:
        if meta.get("draft") is True:
            parts.append(Text("draft", style="bold yellow"))
        sentiment = _scalar(meta.get("sentiment"))
        parts.append(Text(sentiment or "no sentiment", style="" if sentiment else "dim"))
    errors = sum(1 for p in article.problems if p.severity == "error")
    warnings = len(article.problems) - errors
    if not article.problems:
        parts.append(Text("✓ no problems", style="green"))
    else:
        counted = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
        parts.append(Text(("✗ " if errors else "! ") + ", ".join(counted), style="bold red" if errors else "yellow"))
    if dirty:
        parts.append(Text("* unsaved edits", style="bold yellow"))
    return Text(" · ", style="dim", end="").join(parts)
