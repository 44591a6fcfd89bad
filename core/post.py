"""Checking a python-frontmatter ``Post`` before a publishing pipeline writes it.

A pipeline that builds articles with python-frontmatter holds a ``frontmatter.Post``
(metadata and body) until it writes the file. :func:`check_post` tells it, before the
write, what ``copydesk check`` would say of that file in the folder: the article is
written to text exactly as ``frontmatter.dumps`` would write it (with the post's handler:
YAML unless it says otherwise) and checked with the folder's schema, rules and settings,
positions being those of that text. ``Article.to_post()`` goes the other way.

python-frontmatter is not used to read or edit the folder's files: it re-serialises the
front matter (sorted keys, its own quoting), where copydesk keeps every byte it does not
change (:mod:`core.text.frontmatter`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .config import Config
from .document import check_text

if TYPE_CHECKING:
    import frontmatter

    from .checks import Problem


def post_text(post: frontmatter.Post) -> str:
    """The article ``post`` is, as ``frontmatter.dumps`` writes it (with a final newline)."""
    import frontmatter

    text = frontmatter.dumps(post)
    return text if text.endswith("\n") else text + "\n"


def check_post(post: frontmatter.Post, config: Config, relpath: str = "post.md") -> tuple[Problem, ...]:
    """The problems ``copydesk check`` would report on ``post`` once written at ``relpath``
    in the folder of ``config`` (``load_config(folder)``): structure, schema, the other
    rules and the folder's per-file ignores, in file order."""
    _, problems = check_text(post_text(post), config, relpath)
    return problems
