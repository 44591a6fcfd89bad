"""Schema validation and editorial rules (CD2xx-CD4xx). See core/problems.py for the registry."""

from __future__ import annotations

from .config import Config
from .problems import Problem


def check_source(source, config: Config, relpath: str) -> list[Problem]:
    """Every schema and editorial problem of one decoded article (structure problems excluded)."""
    return []
