"""Planning a batch: :func:`~core.storage.save.plan_change` for every article of an editing
command, across worker processes when there are enough articles.

Planning an edit (re-reading the file, locating the field, editing the text, re-parsing it
to verify the edit) costs more than loading the article did; one process planning 10,000
articles leaves the second core idle. The workers are forked from this process, so they
inherit the loaded articles and the function that decides each article's edits (a closure
would not pickle); only each article's index goes out, and only what a
:class:`~core.storage.save.Change` needs besides its article comes back (the edits, the old
and new text, the digest of the bytes planned from). Saving stays in this process: the
journal, the locks and the atomic saves are the same whichever process planned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..config import Config
from ..document import Article
from ..edit.apply import EditRefused
from ..edit.ops import Edit
from ..index.workers import Inherited, forks_from_here, in_workers, workers_for
from ..text.guard import UnsafeFile
from .save import Change, plan_change

EditsFor = Callable[[Article], Sequence[Edit]]


@dataclass(frozen=True, slots=True)
class Refused:
    """An article whose edits cannot be planned, and why (a sentence for the user)."""

    reason: str


Planned = Change | Refused | None  # None: nothing to change in that article

# What the forked workers inherit while :func:`plan_changes` runs: the articles and the edits.
_planning: tuple[Sequence[Article], EditsFor] | None = None


def plan_one(article: Article, edits_for: EditsFor) -> Planned:
    """The change ``edits_for(article)`` makes to ``article``; None when it makes none."""
    edits = list(edits_for(article))
    if not edits:
        return None
    try:
        change = plan_change(article, edits)
    except EditRefused as exc:
        return Refused(exc.reason)
    except UnsafeFile as exc:
        return Refused(str(exc))
    except UnicodeDecodeError:
        return Refused("not valid UTF-8")
    return change if change.changed else None


def plan_changes(articles: Sequence[Article], edits_for: EditsFor, config: Config, *, workers: int | None = None) -> list[Planned]:
    """What :func:`plan_one` gives for each of ``articles``, in their order; planned in
    forked worker processes when there are enough articles (``workers`` overrides) and this
    process forks its own workers. The result is the same either way."""
    if workers is None:
        workers = workers_for(len(articles))
    if workers <= 1 or not forks_from_here() or not articles:
        return [plan_one(article, edits_for) for article in articles]
    planned: list[Planned] = [None] * len(articles)
    with _inherit(articles, edits_for):
        for index, packed in in_workers(_plan_chunk, [(i,) for i in range(len(articles))], Inherited(config), workers):
            planned[index] = _unpack(articles[index], packed)
    return planned


@contextmanager
def _inherit(articles: Sequence[Article], edits_for: EditsFor) -> Iterator[None]:
    global _planning
    _planning = (articles, edits_for)
    try:
        yield
    finally:
        _planning = None


def _plan_chunk(chunk: Sequence[tuple[int]]) -> list[tuple[int, Any]]:
    """Worker: the plans of the inherited articles at the indices of ``chunk``, packed."""
    assert _planning is not None, "plan workers must be forked from the planning process"
    articles, edits_for = _planning
    return [(index, _pack(plan_one(articles[index], edits_for))) for (index,) in chunk]


def _pack(planned: Planned) -> Any:
    """A plan as plain data: the change without its article (the parent has it)."""
    if isinstance(planned, Change):
        return (planned.edits, planned.old_text, planned.new_text, planned.base_sha256)
    if isinstance(planned, Refused):
        return planned.reason
    return None


def _unpack(article: Article, packed: Any) -> Planned:
    if packed is None:
        return None
    if isinstance(packed, str):
        return Refused(packed)
    edits, old_text, new_text, base = packed
    return Change(article, edits, old_text, new_text, base)
