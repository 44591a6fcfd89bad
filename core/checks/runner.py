"""The shared pass: run on one article the rule families its selection needs.

A family runs only when one of its rules is selected (and inside a family, a rule not
selected is not reported); the schema is compiled only for the CD2xx family.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ..config import ADOPT_SOURCE_FIELD, Config, ConfigError
from ..schema import compiled_schema
from . import RULES, body, consistency, fields, files, rule_enabled, selection_for
from .context import Context
from .positions import FieldPath

if TYPE_CHECKING:
    from ..document import Source
    from .rule import Problem


def check_source(source: Source, config: Config, relpath: str, codes: frozenset[str] | None = None) -> list[Problem]:
    """The problems the selected rules find in one decoded article, besides those reading
    and parsing found (structure problems). ``codes``: the selection for this file
    (default: :func:`~core.checks.selection_for`); problems of other codes may be
    returned too (a family reports what it finds), the caller keeps the selected ones.

    Raw articles get only the body rules. Raises ConfigError when the configured schema or a
    pattern is invalid (call :func:`validate_config` first to report that up front).
    """
    if codes is None:
        codes = selection_for(config, relpath)
    out: list[Problem] = []
    ctx = Context(source, config, codes)
    if source.split.has_front_matter and source.meta is not None:
        if not codes.isdisjoint(fields.CODES):
            ctx.schema = compiled_schema(config)
            out.extend(fields.check(ctx, RULES))
        if not codes.isdisjoint(consistency.CODES):
            out.extend(consistency.check(ctx))
        if not codes.isdisjoint(files.CODES):
            out.extend(files.check(ctx))
    if not codes.isdisjoint(body.CODES):
        try:
            out.extend(body.check(ctx))
        except body.PatternError as exc:
            raise ConfigError(f"{config.source or 'configuration'}: {exc}") from exc
    return out


def validate_config(config: Config) -> None:
    """Raise ConfigError now for a bad schema or pattern, or an ``[adopt]`` value the schema
    refuses, instead of while loading (or adopting) articles."""
    compiled_schema(config)
    where = config.source or "configuration"
    for key, patterns in (("cta-patterns", config.cta_patterns), ("footer-patterns", config.footer_patterns)):
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{where}: {key}: invalid regular expression {pattern!r}: {exc}") from exc
    problem = adopt_settings_problem(config)
    if problem:
        raise ConfigError(problem)
    problem = sentiment_settings_problem(config)
    if problem:
        raise ConfigError(problem)


def sentiment_settings_problem(config: Config) -> str | None:
    """Why the ``[sentiment]`` labels cannot be written, naming the file and the key, or None:
    a configured section whose field has an enum in the schema must give each polarity one of
    its values (in any case). Without a ``[sentiment]`` section, a polarity the enum lacks is
    simply never suggested."""
    from ..config import SentimentSettings
    from ..schema import enum_values, load_schema

    settings = config.sentiment
    if settings == SentimentSettings():
        return None
    allowed = enum_values(load_schema(config, compiled=False), tuple(settings.field.split(".")))
    if not allowed:
        return None
    folded = {str(value).casefold() for value in allowed}
    for polarity in ("positive", "neutral", "negative"):
        label = settings.label(polarity)
        if label.casefold() not in folded:
            return (f"{config.source or 'configuration'}: 'sentiment.labels.{polarity}' is {label!r}, not one of "
                    f"the values of {settings.field!r} in the schema ({', '.join(map(str, allowed))})")
    return None


# Configurations whose [adopt] values were judged, by id (a Config is not hashable): adopt
# asks once per article.
_ADOPT_JUDGED: dict[int, tuple[Config, str | None]] = {}


def adopt_settings_problem(config: Config) -> str | None:
    """Why an ``[adopt]`` value cannot be written, naming the file and the key, or None: a
    field the schema does not declare, the wrong type, a value outside its enum or pattern
    (what ``set`` refuses), among the codes the configuration selects."""
    known = _ADOPT_JUDGED.get(id(config))
    if known is not None and known[0] is config:
        return known[1]
    problem = _adopt_problem(config)
    if len(_ADOPT_JUDGED) > 64:
        _ADOPT_JUDGED.clear()
    _ADOPT_JUDGED[id(config)] = (config, problem)
    return problem


def _adopt_problem(config: Config) -> str | None:

    def leaves(value: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
        if isinstance(value, dict) and value:
            return [leaf for key, item in value.items() for leaf in leaves(item, (*path, key))]
        return [(path, value)]

    checked = [(f"adopt.{'.'.join(p)}", p, v) for key, item in config.adopt.defaults.items() for p, v in leaves(item, (key,))]
    for number, source in enumerate(config.adopt.sources, 1):
        checked += [(f"adopt.sources #{number}.{key}", (ADOPT_SOURCE_FIELD, key), item) for key, item in source.values.items()]
    for key, path, value in checked:
        found = value_problems(config, path, value)
        if found:
            return f"{config.source or 'configuration'}: '{key}': {found[0].message} ({found[0].code})"
    return None


def value_problems(config: Config, path: FieldPath, value: Any) -> list[Problem]:
    """What ``check`` would report on ``value`` once set at ``path`` (the command line's
    ``set``): the schema's verdict on the value (type, enum, date-time, pattern, an empty
    required field) and on the field's name (unknown: CD206), among the codes the
    configuration selects. What depends on the rest of the article (missing siblings,
    ``updatedAt`` before ``publishedAt``) is not judged here."""
    found = fields.value_problems(compiled_schema(config), path, value, RULES)
    return [p for p in found if rule_enabled(config, p.code)]


def tag_problems(tag: str, config: Config) -> list[Problem]:
    """What ``check`` would report on ``tag`` once added to an article (the command line's
    ``tag``): empty, stray whitespace, not upper-case, outside the configured vocabulary
    (naming the closest known tag), among the codes the configuration selects."""
    found = consistency.tag_problems(tag) + fields.tag_problems(tag, tuple(config.vocabulary))
    return [p for p in found if rule_enabled(config, p.code)]


def term_problems(taxonomy: str, term: str, config: Config) -> list[Problem]:
    """What ``check`` would report on ``term`` once added to list field ``taxonomy``: for the
    tags, :func:`tag_problems`; for another taxonomy, a term outside its configured vocabulary
    (``[vocabularies]``, naming the closest known term)."""
    if taxonomy == "tags":
        return tag_problems(term, config)
    found = fields.tag_problems(term, config.vocabulary_of(taxonomy), taxonomy)
    return [p for p in found if rule_enabled(config, p.code)]
