"""Per-folder configuration: ``copydesk.toml`` or ``[tool.copydesk]`` in ``pyproject.toml``.

The file is found by searching upward from a path. Its folder is the *corpus root*: the
journal (``.copydesk/``) lives there and relative paths in the file resolve against it.
An unknown key is a :class:`ConfigError` (the CLI exits 2).
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .checks.promo import DEFAULT_CTA_PATTERNS, DEFAULT_FOOTER_PATTERNS
from .errors import CopydeskError

DEFAULT_EXTENSIONS = (".md", ".markdown", ".mdx", ".txt")


class ConfigError(CopydeskError):
    """The configuration file is invalid; the message names the file and the key."""


@dataclass(frozen=True)
class Limits:
    """Safety limits applied while reading (see the README's Safety section)."""

    max_file_bytes: int = 10 * 1024 * 1024
    max_front_matter_bytes: int = 256 * 1024
    max_depth: int = 50
    max_aliases: int = 100


@dataclass(frozen=True)
class View:
    """How lists show articles (``[view]``): the front-matter fields shown as columns, in
    order; empty: the defaults the schema suggests (:func:`core.schema.view_columns`)."""

    columns: tuple[str, ...] = ()


DEFAULT_TAXONOMIES = ("tags",)


@dataclass(frozen=True)
class DupesSettings:
    """``[dupes]``: what the terminal UI's group view sets on the duplicates of the article
    the editor keeps (``mark = {draft = true}``: field -> value, a dotted name for a nested field)."""

    mark: tuple[tuple[str, Any], ...] = (("draft", True),)

# The front-matter object ``[[adopt.sources]]`` entries fill (``name``, ``key``, ``type``...).
ADOPT_SOURCE_FIELD = "source"


@dataclass(frozen=True)
class AdoptSource:
    """One ``[[adopt.sources]]`` entry: files whose path (relative to the corpus root) matches
    the glob ``match`` get ``values`` in their ``source`` object."""

    match: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AdoptSettings:
    """``[adopt]``: the values ``copydesk adopt`` writes instead of empty placeholders."""

    defaults: dict[str, Any] = field(default_factory=dict)  # field -> value (a dict for an object's keys)
    sources: tuple[AdoptSource, ...] = ()

    def source_for(self, relpath: str) -> AdoptSource | None:
        """The first ``[[adopt.sources]]`` entry whose glob matches ``relpath`` (as ``exclude`` matches)."""
        from fnmatch import fnmatch

        return next((source for source in self.sources if fnmatch(relpath, source.match)), None)


@dataclass(frozen=True)
class SentimentSettings:
    """``[sentiment]``: how the suggestion (:mod:`core.sentiment`) reads a compound score
    (-1..1): the field it is for, the thresholds of the positive and negative labels, the
    distance from 0 that makes it confident, and the value written for each polarity."""

    field: str = "sentiment"
    positive_threshold: float = 0.05
    negative_threshold: float = -0.05
    confidence: float = 0.5
    positive: str = "POSITIVE"
    neutral: str = "NEUTRAL"
    negative: str = "NEGATIVE"

    def label(self, polarity: str) -> str:
        """The value configured for ``polarity`` ("positive", "neutral" or "negative")."""
        return getattr(self, polarity)


@dataclass(frozen=True)
class Config:
    """Effective settings for one corpus root."""

    root: Path
    source: Path | None = None  # the file the settings came from, None for defaults
    schema: Path | None = None  # JSON Schema file; None: the bundled article schema
    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    exclude: tuple[str, ...] = ()  # glob patterns relative to root
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    vocabulary: tuple[str, ...] = ()  # known tags; empty: no vocabulary check
    cta_patterns: tuple[str, ...] = DEFAULT_CTA_PATTERNS
    footer_patterns: tuple[str, ...] = DEFAULT_FOOTER_PATTERNS
    follow_symlinks: bool = False  # links inside the root; links leaving it are always refused
    journal_batches: int = 50  # undo batches kept in .copydesk/journal
    limits: Limits = field(default_factory=Limits)
    keys: dict[str, str] = field(default_factory=dict)  # TUI action id -> key(s)
    taxonomies: tuple[str, ...] = DEFAULT_TAXONOMIES  # list fields of terms: tags, categories...
    view: View = field(default_factory=View)
    # Known terms of the other taxonomies (``[vocabularies] categories = [...]``); the tags'
    # are ``vocabulary``. A taxonomy without one has no vocabulary check.
    vocabularies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    adopt: AdoptSettings = field(default_factory=AdoptSettings)  # what adopt fills in (``[adopt]``)
    dupes: DupesSettings = field(default_factory=DupesSettings)  # the TUI's duplicate marking (``[dupes]``)
    sentiment: SentimentSettings = field(default_factory=SentimentSettings)  # the suggestion's (``[sentiment]``)

    def vocabulary_of(self, taxonomy: str) -> tuple[str, ...]:
        """The known terms of ``taxonomy`` (``vocabulary`` for the tags); empty: none set."""
        return self.vocabulary if taxonomy == "tags" else self.vocabularies.get(taxonomy, ())


_LIST_KEYS = {"extensions", "exclude", "select", "ignore", "vocabulary", "cta_patterns", "footer_patterns"}
_TOML_NAMES = {f.name.replace("_", "-"): f.name for f in fields(Config) if f.name not in {"root", "source"}}
_LIMIT_NAMES = {f.name.replace("_", "-"): f.name for f in fields(Limits)}
_VIEW_NAMES = {f.name.replace("_", "-"): f.name for f in fields(View)}
_SENTIMENT_NAMES = {f.name.replace("_", "-"): f.name for f in fields(SentimentSettings)
                    if f.name not in {"positive", "neutral", "negative"}}
_SENTIMENT_LABELS = ("positive", "neutral", "negative")

CONFIG_FILENAMES = ("copydesk.toml", "pyproject.toml")


# copydesk's own folder at the corpus root: the journal and the index live in it.
STATE_DIR = ".copydesk"

# A configuration or schema file larger than this is not one: refused, never read whole.
MAX_SETTINGS_BYTES = 8 * 1024 * 1024

_SETTINGS_OPEN = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_settings_text(path: Path, what: str) -> str:
    """The text of a configuration or schema file, which the shared folder's other writers
    control: only a regular file (a link to one is followed: a schema kept beside the
    folder is common), opened without blocking (a FIFO never hangs the command), at most
    ``MAX_SETTINGS_BYTES``. Raises ConfigError naming the file and the reason."""
    try:
        fd = os.open(path, _SETTINGS_OPEN)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: cannot read {what}: not a regular file")
        if info.st_size > MAX_SETTINGS_BYTES:
            raise ConfigError(f"{path}: cannot read {what}: {info.st_size} bytes, over the {MAX_SETTINGS_BYTES}-byte limit")
        data = os.read(fd, MAX_SETTINGS_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_SETTINGS_BYTES:
        raise ConfigError(f"{path}: cannot read {what}: over the {MAX_SETTINGS_BYTES}-byte limit")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: cannot read {what}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; a folder that cannot be searched is a configuration error
    (which file would apply there is unknown), not a traceback."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (FileNotFoundError, NotADirectoryError):
        return False
    except OSError as exc:
        raise ConfigError(f"cannot look for the configuration in {path.parent}: {exc.strerror or exc}") from exc


def why_unreachable(path: Path | str) -> str:
    """Why a path given on the command line cannot be used ("" when it can): it does not
    exist, or a folder on the way may not be searched (then it is not called missing)."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return "no such file or folder"
    except OSError as exc:
        return f"cannot be reached ({exc.strerror or exc})"
    return ""


def find_config_file(start: Path) -> Path | None:
    """The nearest ``copydesk.toml`` (or ``pyproject.toml`` with ``[tool.copydesk]``) above ``start``.

    The folders the path names are searched first, then those of its real location: a
    file reached through a linked folder belongs to the corpus it was named in (whose
    guards then refuse the link leaving it), not to wherever the link points.
    """
    for here in (Path(os.path.abspath(start)), start.resolve()):
        if not os.path.isdir(here):
            here = here.parent
        for folder in (here, *here.parents):
            candidate = folder / "copydesk.toml"
            if _is_file(candidate):
                return candidate
            candidate = folder / "pyproject.toml"
            if _is_file(candidate) and _pyproject_table(candidate) is not None:
                return candidate
    return None


def _pyproject_table(path: Path) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(read_settings_text(path, "pyproject.toml"))
    except (ConfigError, tomllib.TOMLDecodeError):
        return None
    table = data.get("tool", {}).get("copydesk")
    return table if isinstance(table, dict) else None


def load_config(start: Path) -> Config:
    """Settings for the corpus containing ``start`` (defaults rooted at ``start`` when no file)."""
    path = find_config_file(start)
    if path is None:
        root = start.resolve()
        return Config(root=root.parent if root.is_file() else root)
    return read_config_file(path)


def read_config_file(path: Path) -> Config:
    """Parse one configuration file; raises ConfigError naming the file and the bad key."""
    text = read_settings_text(path, "configuration")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("copydesk", {})
    return _from_table(data, path)


def _from_table(data: dict[str, Any], path: Path) -> Config:
    root = path.parent.resolve()
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _TOML_NAMES.get(key)
        if name is None:
            raise ConfigError(f"{path}: unknown key {key!r} (known: {', '.join(sorted(_TOML_NAMES))})")
        if name in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: {key!r} must be a list of strings")
            value = tuple(value)
            if name == "extensions":
                value = tuple(v if v.startswith(".") else f".{v}" for v in value)
        elif name == "schema":
            if not isinstance(value, str):
                raise ConfigError(f"{path}: 'schema' must be a path string")
            value = (root / value).resolve()
        elif name == "per_file_ignores":
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(c, str) for c in v) for v in value.values()
            ):
                raise ConfigError(f"{path}: 'per-file-ignores' must map globs to lists of codes")
            value = {glob: tuple(codes) for glob, codes in value.items()}
        elif name == "keys":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{path}: 'keys' must map action names to key strings")
        elif name == "limits":
            value = _limits(value, path)
        elif name == "view":
            value = _view(value, path)
        elif name == "taxonomies":
            value = _field_names(value, path, "taxonomies")
        elif name == "vocabularies":
            value = _vocabularies(value, path)
        elif name == "adopt":
            value = _adopt(value, path)
        elif name == "dupes":
            value = _dupes(value, path)
        elif name == "sentiment":
            value = _sentiment(value, path)
        elif name == "follow_symlinks":
            if not isinstance(value, bool):
                raise ConfigError(f"{path}: 'follow-symlinks' must be true or false")
        elif name == "journal_batches":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"{path}: 'journal-batches' must be a positive integer")
        values[name] = value
    if "vocabulary" in values:
        values["vocabulary"] = tuple(dict.fromkeys(values["vocabulary"]))
    vocabularies = values.get("vocabularies", {})
    if "tags" in vocabularies:
        if "vocabulary" in values:
            raise ConfigError(f"{path}: the tags' vocabulary is given twice ('vocabulary' and 'vocabularies.tags'): keep one")
        values["vocabulary"] = vocabularies.pop("tags")
    taxonomies = values.get("taxonomies", DEFAULT_TAXONOMIES)
    for name in vocabularies:
        if name not in taxonomies:
            raise ConfigError(f"{path}: 'vocabularies.{name}': {name!r} is not one of the taxonomies "
                              f"({', '.join(taxonomies)}); add it to 'taxonomies'")
    _check_selectors(values, path)
    # (the [adopt] values are checked against the schema by core.checks.runner.validate_config)
    return Config(root=root, source=path, **values)


def _limits(value: Any, path: Path) -> Limits:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'limits' must be a table")
    kwargs: dict[str, int] = {}
    for key, number in value.items():
        name = _LIMIT_NAMES.get(key)
        if name is None:
            raise ConfigError(f"{path}: unknown key 'limits.{key}' (known: {', '.join(sorted(_LIMIT_NAMES))})")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise ConfigError(f"{path}: 'limits.{key}' must be a positive integer")
        kwargs[name] = number
    return Limits(**kwargs)


def _field_names(value: Any, path: Path, key: str) -> tuple[str, ...]:
    """A list of front-matter field names (dotted for nested ones), each once."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() == v and v for v in value):
        raise ConfigError(f"{path}: {key!r} must be a list of field names (non-empty strings without surrounding spaces)")
    return tuple(dict.fromkeys(value))


def _vocabularies(value: Any, path: Path) -> dict[str, tuple[str, ...]]:
    """``[vocabularies]``: a taxonomy's name -> its known terms, each once."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'vocabularies' must be a table of taxonomy = [terms]")
    out: dict[str, tuple[str, ...]] = {}
    for name, terms in value.items():
        if not name or name.strip() != name:
            raise ConfigError(f"{path}: 'vocabularies' names a taxonomy {name!r}: expected a field name")
        if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
            raise ConfigError(f"{path}: 'vocabularies.{name}' must be a list of strings")
        out[name] = tuple(dict.fromkeys(terms))
    return out


def _adopt(value: Any, path: Path) -> AdoptSettings:
    """``[adopt]``: field values (TOML tables or dotted keys for an object's keys) and the
    ``[[adopt.sources]]`` array of tables, each a ``match`` glob and the source's keys."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'adopt' must be a table of field = value")
    defaults = {key: _adopt_value(item, path, f"adopt.{key}") for key, item in value.items() if key != "sources"}
    entries = value.get("sources", [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError(f"{path}: 'adopt.sources' must be an array of tables ([[adopt.sources]])")
    sources: list[AdoptSource] = []
    for number, entry in enumerate(entries, 1):
        where = f"adopt.sources #{number}"
        match = entry.get("match")
        if not isinstance(match, str) or not match.strip():
            raise ConfigError(f"{path}: '{where}' needs match = \"GLOB\" (a path pattern relative to the corpus root)")
        values = {key: _adopt_value(item, path, f"{where}.{key}") for key, item in entry.items() if key != "match"}
        if not values:
            raise ConfigError(f"{path}: '{where}' ({match!r}) gives no field of the {ADOPT_SOURCE_FIELD} (name, key, type...)")
        sources.append(AdoptSource(match, values))
    return AdoptSettings(defaults, tuple(sources))


def _adopt_value(value: Any, path: Path, key: str) -> Any:
    """A value adopt can write as YAML: text, a number, a boolean, a list of them, or a
    table of such values (an object's keys)."""
    if isinstance(value, dict):
        return {name: _adopt_value(item, path, f"{key}.{name}") for name, item in value.items()}
    if isinstance(value, list):
        return [_adopt_value(item, path, f"{key}[]") for item in value]
    if isinstance(value, str | int | float | bool):
        return value
    raise ConfigError(f"{path}: '{key}': a {type(value).__name__} cannot be written as it is; give it as a string")


def _dupes(value: Any, path: Path) -> DupesSettings:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'dupes' must be a table")
    unknown = sorted(set(value) - {"mark"})
    if unknown:
        raise ConfigError(f"{path}: unknown key 'dupes.{unknown[0]}' (known: mark)")
    if "mark" not in value:
        return DupesSettings()
    mark = value["mark"]
    if not isinstance(mark, dict) or not mark:
        raise ConfigError(f"{path}: 'dupes.mark' must be a table of fields and values, e.g. {{draft = true}}")
    pairs = []
    for name, item in mark.items():
        _field_names([name], path, "dupes.mark")
        pairs.append((name, _adopt_value(item, path, f"dupes.mark.{name}")))
    return DupesSettings(tuple(pairs))


def _view(value: Any, path: Path) -> View:
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'view' must be a table")
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        name = _VIEW_NAMES.get(key)
        if name is None:
            raise ConfigError(f"{path}: unknown key 'view.{key}' (known: {', '.join(sorted(_VIEW_NAMES))})")
        kwargs[name] = _field_names(item, path, f"view.{key}")
    return View(**kwargs)


def _sentiment(value: Any, path: Path) -> SentimentSettings:
    """``[sentiment]``: ``field``, the thresholds and ``confidence`` (numbers in -1..1, the
    negative threshold below the positive one), and ``[sentiment.labels]`` (a value for
    ``positive``, ``neutral``, ``negative``)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'sentiment' must be a table")
    known = sorted([*_SENTIMENT_NAMES, "labels"])
    kwargs: dict[str, Any] = {}
    for key, item in value.items():
        if key == "labels":
            if not isinstance(item, dict):
                raise ConfigError(f"{path}: 'sentiment.labels' must be a table of polarity = \"VALUE\" "
                                  f"({', '.join(_SENTIMENT_LABELS)})")
            for polarity, label in item.items():
                if polarity not in _SENTIMENT_LABELS:
                    raise ConfigError(f"{path}: unknown key 'sentiment.labels.{polarity}' (known: {', '.join(_SENTIMENT_LABELS)})")
                if not isinstance(label, str) or not label.strip():
                    raise ConfigError(f"{path}: 'sentiment.labels.{polarity}' must be a non-empty string")
                kwargs[polarity] = label
            continue
        name = _SENTIMENT_NAMES.get(key)
        if name is None:
            raise ConfigError(f"{path}: unknown key 'sentiment.{key}' (known: {', '.join(known)})")
        if name == "field":
            if not isinstance(item, str) or not item or item.strip() != item:
                raise ConfigError(f"{path}: 'sentiment.field' must be a field name")
        elif not isinstance(item, int | float) or isinstance(item, bool) or not -1 <= item <= 1:
            raise ConfigError(f"{path}: 'sentiment.{key}' must be a number from -1 to 1 (got {item!r})")
        elif name == "confidence" and not 0 < item <= 1:
            raise ConfigError(f"{path}: 'sentiment.confidence' must be above 0 and at most 1 (got {item!r})")
        kwargs[name] = item if name == "field" else float(item)
    settings = SentimentSettings(**kwargs)
    if settings.negative_threshold >= settings.positive_threshold:
        raise ConfigError(f"{path}: 'sentiment.negative-threshold' ({settings.negative_threshold:g}) must be below "
                          f"'sentiment.positive-threshold' ({settings.positive_threshold:g})")
    labels = [settings.label(p).casefold() for p in _SENTIMENT_LABELS]
    if len(set(labels)) < len(labels):
        raise ConfigError(f"{path}: 'sentiment.labels' gives two polarities the same value")
    return settings


def _check_selectors(values: dict[str, Any], path: Path) -> None:
    from .checks import expand_selectors

    groups = [values.get("select", ()), values.get("ignore", ()), *values.get("per_file_ignores", {}).values()]
    for group in groups:
        try:
            expand_selectors(group)
        except ValueError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
