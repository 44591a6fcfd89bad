"""Template syntax in front matter: ``{{ ... }}`` (Go templates: Hugo archetypes; Handlebars,
Nunjucks) and ``{% ... %}`` (Liquid, Jinja). Such a file is a template of an article: its
front matter is YAML only once rendered, so a YAML error in it names the template instead
of the symptom, and ``copydesk init`` exempts it from the rules about articles."""

from __future__ import annotations

import re
from typing import NamedTuple

_TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
SHOWN = 40  # characters of the construct a message quotes


class Template(NamedTuple):
    """The first template construct of a text: its 1-based line and column, as written."""

    line: int
    column: int
    text: str


def find_template(text: str) -> Template | None:
    """The first ``{{ ... }}`` or ``{% ... %}`` of ``text`` on one line, or None."""
    match = _TEMPLATE.search(text)
    if match is None:
        return None
    start = match.start()
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1) + 1
    return Template(line, column, match.group(0))


def template_note(found: Template) -> str:
    """What a message says of a template construct it found."""
    shown = found.text if len(found.text) <= SHOWN else found.text[: SHOWN - 3] + "..."
    return f"template syntax {shown!r}: this is a template, YAML only once rendered"
