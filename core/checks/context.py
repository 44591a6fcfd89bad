"""What the rule families share while checking one article."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .positions import KeyLocator, Locator
from .yaml11 import Suspect, find_suspects

if TYPE_CHECKING:
    from ..config import Config
    from ..document import Article, Source
    from ..schema import CompiledSchema
    from .rule import Problem, Rule


class Context:
    """One article being checked: its source, the settings, the codes selected for it,
    where its fields are (built on first use) and its YAML 1.1 suspects (found once, by
    the schema family's pass over the data when it runs)."""

    __slots__ = ("source", "config", "codes", "schema", "loc", "title", "_suspects")

    def __init__(self, source: Source, config: Config, codes: frozenset[str], schema: CompiledSchema | None = None) -> None:
        self.source = source
        self.config = config
        self.codes = codes
        self.schema = schema
        self.loc = Locator(source) if source.split.format == "yaml" else KeyLocator(source)
        value = source.meta.get("title") if source.meta is not None else None
        self.title = value if isinstance(value, str) else None
        self._suspects: list[Suspect] | None = None

    @property
    def suspects(self) -> list[Suspect]:
        """The scalars YAML 1.1 and 1.2 may read differently (see :mod:`core.checks.yaml11`)."""
        if self._suspects is None:
            found: list[Suspect] = []
            if self.source.meta is not None and self.source.split.format == "yaml":
                find_suspects(self.source.meta, (), found)
            self._suspects = found
        return self._suspects

    @suspects.setter
    def suspects(self, found: list[Suspect]) -> None:
        # TOML and JSON type every value one way: nothing there is read differently
        self._suspects = found if self.source.split.format == "yaml" else []


class FixContext:
    """One article whose problems a rule's fix is asked to repair: the article as loaded,
    its front matter as the repairs planned before leave it (``meta``: a fix builds on
    them), the settings, the codes this fix handles and their problems, every rule by its code
    (``known``) and the codes checked on the article (``selected``). The article's text and
    the schema are read when a fix first needs them, once per article (:meth:`for_codes`
    shares them); the planner (:func:`core.checks.fixes.plan_fixes`) says how to compile
    the schema, which this module may not import."""

    __slots__ = ("article", "config", "known", "selected", "codes", "problems", "meta", "_shared")

    def __init__(self, article: Article, config: Config, known: Mapping[str, Rule], selected: frozenset[str],
                 schema_of: Callable[[Config], CompiledSchema]) -> None:
        self.article = article
        self.config = config
        self.known = known
        self.selected = selected
        self.codes: frozenset[str] = frozenset()
        self.problems: tuple[Problem, ...] = ()
        # the front matter as the repairs planned before this one leave it
        self.meta: Mapping[str, Any] | None = article.meta
        self._shared: dict[str, Any] = {"schema_of": schema_of}

    def for_codes(self, codes: frozenset[str], problems: tuple[Problem, ...], meta: Mapping[str, Any] | None) -> FixContext:
        """The same article, asked to repair ``problems`` (of ``codes``) in ``meta`` (its front
        matter once the repairs planned so far are made)."""
        other = copy.copy(self)
        other.codes, other.problems, other.meta = codes, problems, meta
        return other

    @property
    def schema(self) -> CompiledSchema:
        """The settings' schema, compiled."""
        shared = self._shared
        if "schema" not in shared:
            shared["schema"] = shared["schema_of"](self.config)
        return shared["schema"]

    def checked(self) -> Context:
        """The article as the checks see it, its text read again (for the body's lines).
        Raises UnsafeFile or UnicodeDecodeError for a file that cannot be read."""
        shared = self._shared
        if "source" not in shared:
            shared["source"] = self.article.read_source()
        return Context(shared["source"], self.config, self.codes)
