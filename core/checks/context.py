"""What the rule families share while checking one article."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .positions import KeyLocator, Locator
from .yaml11 import Suspect, find_suspects

if TYPE_CHECKING:
    from ..config import Config
    from ..document import Source
    from ..schema import CompiledSchema


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
