"""``copydesk init``: a JSON Schema and a ``copydesk.toml`` inferred from a folder's articles.

What is inferred, and from which articles:

- *regular articles* are the files whose front matter was read, less the two kinds of page
  that are not articles: *templates* (front matter holding ``{{ }}`` or ``{% %}``: Hugo
  archetypes, Liquid or Jinja layouts; YAML only once rendered) and *section pages*
  (Hugo's ``_index.md``, which list a section and carry few fields);
- a field is *required* when at least :data:`REQUIRED_SHARE` of the regular articles carry
  it; types, formats, enums and nested fields come from every article but the templates
  (whose values are template code);
- a string field is a *date-time*, a *date* or either when every value it holds is one
  (ISO 8601, as the checks define them), a *URL* when every value is an absolute
  ``http(s)://`` address, an *enum* when few values repeat over many articles;
- a list (or a single string) of terms is a *taxonomy* when its name says so (``tags``,
  ``categories``, ``keywords``...) or when its terms recur from article to article and none
  is a path or an address;
- nothing is excluded: templates and section pages stay in the folder, exempted through
  ``per-file-ignores`` from the rules that cannot apply to them, and a rule of the
  editorial families (CD3xx, CD4xx) that fires on at least :data:`STYLE_SHARE` of the
  regular articles describes the folder's own style, so it is ignored (the report says so).

The folder is read through the ordinary loader, so whatever it refuses stays refused.
"""

from __future__ import annotations

import glob
import json
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checks.datetimes import WRITTEN_DATE_PATTERN, is_date, is_datetime, is_written_date
from .checks.fields import CODE_KEYWORD
from .checks.rule import Problem
from .config import Config
from .document import Article, check_text, load_corpus
from .schema import BUNDLED_SCHEMA, read_schema, required_fields, type_name, view_columns
from .text.templates import find_template

SCHEMA_NAME = "copydesk.schema.json"
CONFIG_NAME = "copydesk.toml"
REQUIRED_SHARE = 0.9  # a field carried by this share of the regular articles is required
STYLE_SHARE = 0.1  # an editorial rule firing on this share of them is the folder's style
NEWS_SHARE = 0.8  # this share of articles carrying the bundled schema's required fields: news
ENUM_MAX_VALUES = 10
ENUM_MIN_USES = 10
MAX_DEPTH = 6  # nested objects deeper than this are left unconstrained
TAXONOMY_NAMES = ("tags", "tag", "categories", "category", "keywords", "topics", "series", "labels")
# Template files: the structure and schema rules read YAML they do not have; the editorial
# rules read a skeleton. Section pages: no required fields, and a body is optional.
TEMPLATE_IGNORES = ("CD103", "CD2", "CD3", "CD4")
SECTION_IGNORES = ("CD201", "CD4")
SECTION_GLOBS = ("_index.*", "*/_index.*")
FLAT_SECTION_GLOB = "*___index.*"  # a copy of a site flattened into one folder: a__b___index.md
# Families a trial check may find to be the folder's style; the structure rules (CD1xx,
# broken files) and the schema (CD2xx, which the inferred schema states) never are.
STYLE_FAMILIES = ("CD3", "CD4", "CD109")

_URL = re.compile(r"https?://\S+\Z")
_TERM_UNLIKE = re.compile(r"[/\\]|\Ahttps?:|\A\s|\s\Z")


@dataclass
class _Stats:
    """What the folder's values of one field look like."""

    count: int = 0  # values seen (one per article carrying it, or per list item)
    types: Counter[str] = field(default_factory=Counter)
    strings: Counter[str] = field(default_factory=Counter)
    items: _Stats | None = None
    children: dict[str, _Stats] = field(default_factory=dict)
    objects: int = 0  # values that were mappings (the base of their children's shares)
    list_articles: int = 0  # values that were lists

    def add(self, value: Any, depth: int) -> None:
        self.count += 1
        kind = type_name(value)
        self.types[kind] += 1
        if kind == "string":
            self.strings[value] += 1
        elif kind == "array":
            self.list_articles += 1
            if self.items is None:
                self.items = _Stats()
            for item in value:
                self.items.add(item, depth + 1)
        elif kind == "object" and isinstance(value, Mapping) and depth < MAX_DEPTH:
            self.objects += 1
            for key, item in value.items():
                if isinstance(key, str):
                    self.children.setdefault(key, _Stats()).add(item, depth + 1)


@dataclass
class Inference:
    """What ``init`` decided: the files to write and the reasons, one line each."""

    root: Path
    schema: dict[str, Any] | None  # None: the bundled news schema fits the folder
    config_text: str
    report: list[str]
    articles: int  # regular articles the inference read
    templates: list[str]  # relative paths
    sections: list[str]
    stubs: list[str]
    ignored: dict[str, str]  # rule code -> why


def page_kind(article: Article, front_matter: str | None) -> str:
    """``template``, ``section`` or ``article``."""
    if front_matter is not None and find_template(front_matter) is not None:
        return "template"
    stem = Path(article.relpath).stem
    # A copy of a site flattened into one folder names `a/b/_index.md` `a__b___index.md`.
    if stem == "_index" or stem.endswith("___index"):
        return "section"
    return "article"


def _front_matter(article: Article) -> str | None:
    if article.kind in ("raw", "unreadable", "invalid-utf8"):
        return None
    try:
        source = article.read_source()
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return source.front_matter if source.split.has_front_matter else None


def infer(root: Path, config: Config | None = None) -> Inference:
    """Infer a schema and settings for the folder ``root`` (read, never written)."""
    root = root.resolve()
    config = config or Config(root=root)
    corpus = load_corpus([root], config, with_rules=False)
    kinds: dict[str, str] = {}
    for article in corpus.articles:
        kinds[article.relpath] = page_kind(article, _front_matter(article)) if article.kind != "raw" else "raw"
    regular = [a for a in corpus.articles if a.meta is not None and kinds[a.relpath] == "article"]
    described = [a for a in corpus.articles if a.meta is not None and kinds[a.relpath] != "template"]
    templates = sorted(r for r, k in kinds.items() if k == "template")
    sections = sorted(r for r, k in kinds.items() if k == "section")
    report = [
        f"read {len(corpus.articles)} files: {len(regular)} articles with front matter"
        + (f", {len(templates)} templates" if templates else "")
        + (f", {len(sections)} section pages" if sections else "")
        + (f", {sum(1 for k in kinds.values() if k == 'raw')} without front matter" if "raw" in kinds.values() else "")
        + (f", {sum(1 for a in corpus.articles if a.meta is None and a.kind != 'raw')} unreadable or broken" if any(a.meta is None and a.kind != "raw" for a in corpus.articles) else "")
    ]
    news = _looks_like_news(regular)
    top = _Stats()
    for article in described:
        top.add(dict(article.meta or {}), 0)
    base = max(1, len(regular))
    metas = {a.relpath: a.meta or {} for a in regular}
    carried = Counter(key for a in regular for key in (a.meta or {}))
    if news:
        schema = None
        report.append(f"the articles carry the bundled news schema's required fields ({news}): keeping it")
        taxonomies = ["tags"]
    else:
        schema, notes = _schema(top, carried, base)
        report.extend(notes)
        taxonomies = _taxonomies(top)
    for name in taxonomies:
        report.append(f"taxonomy {name!r}: {_taxonomy_reason(name, top.children.get(name))}")
    settings = Config(root=root, taxonomies=tuple(taxonomies) or ("tags",))
    loaded_schema = schema if schema is not None else read_schema(BUNDLED_SCHEMA)
    columns = view_columns(settings, loaded_schema)
    report.append(f"list columns: {', '.join(columns)}")
    ignores = _per_file_ignores(templates, sections)
    if templates:
        report.append(f"{len(templates)} template file{'s' if len(templates) != 1 else ''} ({{{{ }}}} or {{% %}} in the front matter): "
                      f"kept, rules {', '.join(TEMPLATE_IGNORES)} not reported on them (per-file-ignores)")
    if sections:
        report.append(f"{len(sections)} section page{'s' if len(sections) != 1 else ''} (_index): kept, "
                      f"required fields and body rules ({', '.join(SECTION_IGNORES)}) not reported on them (per-file-ignores)")
    codes = _trial(regular, root, schema, ignores, settings.taxonomies)
    required = set(required_fields(loaded_schema))
    # A page with no body carrying at most half the fields nearly every article has is
    # not an article: a redirect, an untranslated placeholder, a page its layout fills.
    stubs = sorted(r for r, found in codes.items() if "CD401" in found and 2 * len(required & set(metas[r])) <= len(required))
    if stubs:
        ignores.update({glob.escape(path): SECTION_IGNORES for path in stubs})
        report.append(f"{len(stubs)} stub page{'s' if len(stubs) != 1 else ''} (no body, at most half the required fields: "
                      f"redirects, placeholders): kept, {', '.join(SECTION_IGNORES)} not reported on them (per-file-ignores)")
    ignored = _style_rules({r: found for r, found in codes.items() if r not in stubs})
    for code, why in ignored.items():
        report.append(f"ignore {code}: {why}")
    text = _config_text(schema is not None, taxonomies, columns, ignored, ignores, templates, sections, stubs)
    return Inference(root, schema, text, report, len(regular), templates, sections, stubs, ignored)


# -- the schema ---------------------------------------------------------------------------


def _looks_like_news(articles: list[Article]) -> str:
    """"N of M" when that share of the articles carries every field the bundled schema
    requires (the folder is the news format), else ""."""
    if not articles:
        return ""
    required = required_fields(read_schema(BUNDLED_SCHEMA))
    fitting = sum(1 for a in articles if all(k in (a.meta or {}) for k in required))
    return f"{fitting} of {len(articles)}" if fitting >= NEWS_SHARE * len(articles) else ""


def unlike_news(rows: Iterable[tuple[str, Problem]]) -> int:
    """How many files (of ``(path, problem)`` rows, as checked with the bundled schema) lack
    at least half of the fields the bundled schema requires: articles of another format."""
    half = len(required_fields(read_schema(BUNDLED_SCHEMA))) / 2
    missing = Counter(path for path, found in rows if found.code == "CD201")
    return sum(1 for count in missing.values() if count >= half)


def _schema(top: _Stats, carried: Counter[str], base: int) -> tuple[dict[str, Any], list[str]]:
    notes: list[str] = []
    required = [k for k in top.children if carried[k] >= REQUIRED_SHARE * base]
    properties = {key: _node(stats, key, notes) for key, stats in sorted(top.children.items(), key=lambda kv: -kv[1].count)}
    for key in required:
        notes.append(f"required {key!r}: in {carried[key]} of {base} articles")
        node = properties[key]
        if node.get("type") == "string" and not node.keys() & {"format", "anyOf", "enum", "pattern"} and "" not in top.children[key].strings:
            node["pattern"] = r"\S"  # a blank value is then the placeholder CD207 reports
    schema: dict[str, Any] = {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "front matter of this folder (inferred by copydesk init)",
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
    }
    return schema, notes


def _node(stats: _Stats, name: str, notes: list[str], item: bool = False) -> dict[str, Any]:
    """The schema of one field (``item``: of a list's items, which are never an enum: a list
    of terms takes new ones)."""
    types = set(stats.types)
    if types <= {"null"}:
        return {"description": "always empty in this folder"}
    if "integer" in types and "number" in types:
        types.discard("integer")
    node: dict[str, Any] = {"type": sorted(types)[0] if len(types) == 1 else sorted(types)}
    if len(types - {"null"}) > 1:
        shown = ", ".join(f"{t} ({stats.types[t] + (stats.types['integer'] if t == 'number' else 0)})" for t in sorted(types))
        notes.append(f"{name!r} holds several types, all allowed: {shown}")
    if "string" in types:
        _string_constraints(node, stats, name, notes, nullable="null" in types, enum=not item)
    if "array" in types and stats.items is not None and stats.items.count:
        node["items"] = _node(stats.items, f"{name}[]", notes, item=True)
    if "object" in types and stats.children:
        node["properties"] = {k: _node(s, f"{name}.{k}", notes) for k, s in sorted(stats.children.items(), key=lambda kv: -kv[1].count)}
        node["additionalProperties"] = False
        inner = [k for k, s in stats.children.items() if stats.objects >= 5 and s.count >= REQUIRED_SHARE * stats.objects]
        if inner:
            node["required"] = inner
    return node


def _string_constraints(node: dict[str, Any], stats: _Stats, name: str, notes: list[str], nullable: bool, enum: bool) -> None:
    values = [v for v in stats.strings if v.strip()]
    if not values or set(stats.types) - {"string", "null"}:
        return  # strings mixed with lists or numbers: the type alone is stated
    dated = {"date-time" if is_datetime(v) else "date" if is_date(v) else "written" if is_written_date(v) else "" for v in values}
    if "written" in dated and "" not in dated:
        node["pattern"] = WRITTEN_DATE_PATTERN
        node[CODE_KEYWORD] = "CD204"
        node["examples"] = [next(v for v in values if not is_datetime(v) and not is_date(v))]
        notes.append(f"{name!r}: dates written as site generators read them ({node['examples'][0]!r}): that shape is checked")
        return
    if "" not in dated:
        if len(dated) == 1:
            node["format"] = dated.pop()
            notes.append(f"{name!r}: every value is an ISO-8601 {node['format']}")
        else:
            node["anyOf"] = [{"format": "date"}, {"format": "date-time"}]
            notes.append(f"{name!r}: ISO-8601 dates and date-times, either accepted")
        return
    if all(_URL.match(v) for v in values):
        if all(v.startswith("https://") for v in values):
            node["pattern"] = r"^https://\S+$"
            node[CODE_KEYWORD] = "CD205"
            notes.append(f"{name!r}: every value is an https URL")
        else:
            node["pattern"] = r"^https?://\S+$"
            notes.append(f"{name!r}: every value is an http(s) URL")
        return
    uses = sum(stats.strings.values())
    if enum and len(stats.strings) <= ENUM_MAX_VALUES and uses >= ENUM_MIN_USES and min(stats.strings.values()) >= 2 and len(stats.strings) * 2 <= uses:
        node["enum"] = sorted(stats.strings) + ([None] if nullable else [])
        notes.append(f"{name!r}: one of {len(stats.strings)} values over {uses} uses: {', '.join(sorted(stats.strings))}")


# -- taxonomies ---------------------------------------------------------------------------


def _terms(stats: _Stats) -> Counter[str] | None:
    """How many articles use each term of a field of terms (a list of strings, or a
    string), or None when the field holds anything else."""
    if set(stats.types) - {"array", "string", "null"}:
        return None
    items = stats.items
    if items is not None and set(items.types) - {"string"}:
        return None
    terms = Counter(stats.strings)
    if items is not None:
        terms.update(items.strings)
    return terms


def _taxonomies(top: _Stats) -> list[str]:
    found = []
    for name, stats in top.children.items():
        terms = _terms(stats)
        if terms is None:
            continue
        if name in TAXONOMY_NAMES:
            found.append(name)
        elif terms and stats.list_articles >= 3 and max(terms.values()) >= 2 and not any(_TERM_UNLIKE.search(t) for t in terms):
            found.append(name)
    found.sort(key=lambda n: (TAXONOMY_NAMES.index(n) if n in TAXONOMY_NAMES else len(TAXONOMY_NAMES), n))
    return found


def _taxonomy_reason(name: str, stats: _Stats | None) -> str:
    if stats is None:
        return "the default"
    terms = _terms(stats) or Counter()
    why = "its name" if name in TAXONOMY_NAMES else "terms shared between articles, none a path or address"
    return f"{why}; {len(terms)} distinct terms on {stats.count} articles"


# -- what the trial check finds --------------------------------------------------------------


def _per_file_ignores(templates: list[str], sections: list[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {glob.escape(path): TEMPLATE_IGNORES for path in templates}
    if sections:
        globs = list(SECTION_GLOBS)
        if any(Path(s).stem != "_index" for s in sections):
            globs.append(FLAT_SECTION_GLOB)
        out.update({g: SECTION_IGNORES for g in globs})
    return out


def _trial(articles: list[Article], root: Path, schema: dict[str, Any] | None,
           ignores: dict[str, tuple[str, ...]], taxonomies: tuple[str, ...]) -> dict[str, set[str]]:
    """The codes a check with the inferred settings finds in each article, before anything
    is written (the schema goes to a temporary file)."""
    found: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="copydesk-init-") as folder:
        schema_path = None
        if schema is not None:
            schema_path = Path(folder) / SCHEMA_NAME
            schema_path.write_text(json.dumps(schema), encoding="utf-8")
        trial = Config(root=root, schema=schema_path, per_file_ignores=ignores, taxonomies=taxonomies)
        for article in articles:
            try:
                text = article.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError, ValueError):
                continue
            found[article.relpath] = {p.code for p in check_text(text, trial, article.relpath)[1]}
    return found


def _style_rules(codes: dict[str, set[str]]) -> dict[str, str]:
    """Editorial rules that fire on at least STYLE_SHARE of the articles (two at least), with why."""
    from .checks import RULES

    firing = Counter(code for found in codes.values() for code in found if code.startswith(STYLE_FAMILIES))
    out: dict[str, str] = {}
    for code, count in sorted(firing.items()):
        if count >= STYLE_SHARE * len(codes) and count >= 2:
            rule = RULES[code]
            out[code] = f"{rule.name} ({rule.severity}) fires on {count} of {len(codes)} articles: the folder's own style"
    return out


# -- the files ----------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    # JSON's escapes are TOML's (\uXXXX included); a lone surrogate has no TOML form.
    return json.dumps(text.encode("utf-8", "replace").decode("utf-8"))


def _toml_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(v) for v in values) + "]"


def _config_text(own_schema: bool, taxonomies: list[str], columns: tuple[str, ...], ignored: dict[str, str],
                 ignores: dict[str, tuple[str, ...]], templates: list[str], sections: list[str], stubs: list[str]) -> str:
    lines = ["# Written by `copydesk init` from this folder's articles; `copydesk init --dry-run` says why.", ""]
    if own_schema:
        lines.append(f"schema = {_toml_string(SCHEMA_NAME)}")
    lines.append(f"taxonomies = {_toml_list(taxonomies or ['tags'])}")
    if ignored:
        lines.append("# Rules firing on many articles: the folder's own style, not mistakes.")
        lines.append(f"ignore = {_toml_list(ignored)}")
    lines += ["", "[view]", f"columns = {_toml_list(columns)}"]
    if ignores:
        lines += ["", "[per-file-ignores]"]
        groups = (
            ("# Templates ({{ }} or {% %} in the front matter): YAML only once rendered.", [glob.escape(t) for t in templates]),
            ("# Section pages (_index): no required fields, the body optional.", [g for g in ignores if g in (*SECTION_GLOBS, FLAT_SECTION_GLOB)] if sections else []),
            ("# Stub pages: no body, at most half the required fields (redirects, placeholders, layout pages).", [glob.escape(t) for t in stubs]),
        )
        for comment, patterns in groups:
            if patterns:
                lines.append(comment)
                lines.extend(f"{_toml_string(p)} = {_toml_list(ignores[p])}" for p in patterns)
    return "\n".join(lines) + "\n"


def schema_text(inference: Inference) -> str:
    """The schema file ``init`` writes (JSON, two-space indents)."""
    return json.dumps(inference.schema, indent=2, ensure_ascii=False) + "\n"

