"""CD2xx, the schema: required fields, types, enums, formats, unknown fields, vocabulary.

How schema errors are collected. ``fastjsonschema`` compiles a schema to Python code (a
few microseconds per valid article, against ~190 us for ``jsonschema``), but it stops at the
first error. Almost every article in a kept folder is valid, so the whole-schema validator
runs first and that is the only schema cost for a valid article. Only when it fails do we
*walk* the schema beside the data: object nodes (``properties`` / ``required`` /
``additionalProperties``) and array ``items`` are walked in Python, and every other node is
validated by its own compiled sub-validator (compiled lazily, cached with the schema). That
yields every error, one per field, at the price of the walk paid only by invalid articles.
A node using keywords the walk does not understand (``allOf``, ``if``...) is validated whole,
so a custom schema can use anything fastjsonschema supports; if the walk finds nothing while
the whole validator failed, that first error is reported as it is.

Error -> code: ``required`` CD201, ``type`` CD202, ``enum``/``const`` CD203, a date/time
``format`` CD204, unknown field (``additionalProperties: false``) CD206, a required field
that is null or blank CD207, anything else CD209. A schema node can name its own code with
``"x-copydesk-code"`` (the bundled schema marks https URLs CD205).

The schema is compiled by :func:`core.schema.compiled_schema` and handed over in the
:class:`~core.checks.context.Context`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..display import kind_of
from .consistency import CD303, CD304, TAGS, house_form, normalize_tag
from .context import Context, FixContext
from .datetimes import EXAMPLE
from .positions import FieldPath, Locator, Unplaced, dotted
from .rule import Fix, Problem, Rule, codes_of
from .wording import closest, fold, show
from .yaml11 import prepare

if TYPE_CHECKING:
    import fastjsonschema

    from ..schema import CompiledSchema

CODE_KEYWORD = "x-copydesk-code"
_DATE_FORMATS = {"date-time", "date", "time"}
# Keywords the walk handles itself on an object / array node; any other keyword (besides
# annotations) makes the node a leaf that its compiled sub-validator checks whole.
_OBJECT_WALKED = {"type", "properties", "required", "additionalProperties"}
_ARRAY_WALKED = {"type", "items"}
_ANNOTATIONS = {
    "$schema", "$id", "id", "$comment", "title", "description", "default", "examples",
    "definitions", "$defs", "readOnly", "writeOnly", "deprecated", CODE_KEYWORD,
}  # fmt: skip

_SCHEMA_TYPE_NAMES = {
    "string": "a string", "boolean": "a boolean", "integer": "an integer", "number": "a number",
    "array": "a list", "object": "a mapping", "null": "null",
}  # fmt: skip


def is_blank(value: Any) -> bool:
    """Whether a value is an empty placeholder: null or only whitespace (CD207)."""
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class _SchemaIssue:
    code: str
    path: FieldPath
    message: str
    at: str  # "key" or "value"
    # CD206 found by the walk (a key ``additionalProperties: false`` forbids): the closest
    # declared key, if any (what its fix renames it to)
    undeclared: bool = False
    hint: str | None = None


def _map_error(exc: fastjsonschema.JsonSchemaValueException, node: dict[str, Any], path: FieldPath, known: Mapping[str, Rule]) -> _SchemaIssue:
    """One fastjsonschema error (raised by the sub-validator of ``node`` at ``path``) as a
    problem; ``known``: every rule by its code (a schema node may name any as its own)."""
    rel = [p for p in (exc.path or [])[1:]]
    full: FieldPath = path + tuple(int(p) if isinstance(p, int) else p for p in rel)
    name = dotted(full)
    definition = exc.definition if isinstance(exc.definition, dict) else {}
    code = definition.get(CODE_KEYWORD) or node.get(CODE_KEYWORD)
    rule_name = exc.rule
    value = exc.value
    if code == "CD205" or (code is None and rule_name == "pattern" and "https" in str(exc.rule_definition)):
        return _SchemaIssue("CD205", full, f"{name} is not an https URL: {show(value)}", "value")
    if code == "CD204" and rule_name == "pattern":
        example = definition.get("examples") or node.get("examples") or [EXAMPLE]
        return _SchemaIssue("CD204", full, f"{name} is not a date as this folder writes them: {show(value)} (expected e.g. {show(example[0])})", "value")
    if code in known and code != "CD205":
        return _SchemaIssue(code, full, f"{name}: {_relative_message(exc)}", "value")
    if rule_name == "type":
        wanted = exc.rule_definition
        wanted_names = " or ".join(_SCHEMA_TYPE_NAMES.get(t, str(t)) for t in (wanted if isinstance(wanted, list) else [wanted]))
        shown = "" if value is None else f" ({show(value)})"
        return _SchemaIssue("CD202", full, f"{name} must be {wanted_names}, not {kind_of(value)}{shown}", "value")
    if rule_name in ("enum", "const"):
        allowed = exc.rule_definition if isinstance(exc.rule_definition, list) else [exc.rule_definition]
        shown = ", ".join(str(a) for a in allowed)
        hint = closest(str(value), [str(a) for a in allowed], 60) if isinstance(value, str) else None
        extra = f" (did you mean {hint}?)" if hint and hint != value else ""
        return _SchemaIssue("CD203", full, f"{name} is {show(value)}; allowed: {shown}{extra}", "value")
    if rule_name == "format" and exc.rule_definition in _DATE_FORMATS:
        return _SchemaIssue("CD204", full, _date_message(name, value, {exc.rule_definition}), "value")
    if rule_name == "anyOf" and (formats := _any_of_dates(exc.rule_definition)):
        return _SchemaIssue("CD204", full, _date_message(name, value, formats), "value")
    if rule_name == "required":
        missing = [k for k in (exc.rule_definition or []) if not (isinstance(value, dict) and k in value)]
        what = dotted(full + (missing[0],)) if missing else name
        return _SchemaIssue("CD201", full, f"missing required field {what!r}", "key")
    if rule_name == "additionalProperties":
        return _SchemaIssue("CD206", full, f"{name}: {_relative_message(exc)}", "key")
    return _SchemaIssue("CD209", full, f"{name} is {show(value)}: {_constraint(exc)}", "value")


def _any_of_dates(branches: Any) -> set[str]:
    """The date formats of an ``anyOf`` whose every branch is a date format (a field the
    folder writes as dates and as date-times), else an empty set."""
    if not isinstance(branches, list) or not branches:
        return set()
    formats = {b.get("format") for b in branches if isinstance(b, dict)}
    return formats if len(formats) == len(branches) and formats <= _DATE_FORMATS else set()


def _date_message(name: str, value: Any, formats: set[str]) -> str:
    if formats == {"date"}:
        return f"{name} is not an ISO-8601 date: {show(value)} (expected e.g. {EXAMPLE[:10]})"
    if formats == {"date-time"}:
        return f"{name} is not an ISO-8601 date-time: {show(value)} (expected e.g. {EXAMPLE})"
    return f"{name} is not an ISO-8601 date or date-time: {show(value)} (expected e.g. {EXAMPLE[:10]} or {EXAMPLE})"


def _relative_message(exc: fastjsonschema.JsonSchemaValueException) -> str:
    message = exc.message
    if exc.name and message.startswith(exc.name):
        message = message[len(exc.name) :].strip()
    return message


def _constraint(exc: fastjsonschema.JsonSchemaValueException) -> str:
    d = exc.rule_definition
    return {
        "pattern": f"must match the pattern {d}",
        "minLength": f"must be at least {d} characters",
        "maxLength": f"must be at most {d} characters",
        "minimum": f"must be at least {d}",
        "maximum": f"must be at most {d}",
        "exclusiveMinimum": f"must be greater than {d}",
        "exclusiveMaximum": f"must be less than {d}",
        "minItems": f"must have at least {d} items",
        "maxItems": f"must have at most {d} items",
        "uniqueItems": "must not repeat items",
        "format": f"must be a valid {d}",
        "multipleOf": f"must be a multiple of {d}",
    }.get(exc.rule or "", _relative_message(exc))


def _walk(schema: CompiledSchema, node: Any, value: Any, path: FieldPath, out: list[_SchemaIssue], known: Mapping[str, Rule]) -> None:
    node = schema.resolve(node)
    if node is True or node == {}:
        return
    if node is False:
        out.append(_SchemaIssue("CD209", path, f"{dotted(path)} is not allowed", "key"))
        return
    if not isinstance(node, dict):
        return
    keywords = set(node) - _ANNOTATIONS
    if isinstance(value, dict) and node.get("type", "object") == "object" and keywords <= _OBJECT_WALKED:
        props = node.get("properties") or {}
        required = node.get("required") or []
        for key in required:
            if key not in value:
                out.append(_SchemaIssue("CD201", path, f"missing required field {dotted(path + (key,))!r}", "key"))
        extra = node.get("additionalProperties", True)
        declared = list(props)
        for key, item in value.items():
            child = path + (key,)
            if key in props:
                if key in required and is_blank(item) and not _allows_blank(schema, props[key], item):
                    out.append(_SchemaIssue("CD207", child, f"required field {dotted(child)!r} is empty", "value"))
                    continue
                _walk(schema, props[key], item, child, out, known)
            elif extra is False:
                hint = closest(str(key), declared)
                extra_text = f" (did you mean {hint!r}?)" if hint else ""
                out.append(_SchemaIssue("CD206", child, f"unknown field {dotted(child)!r}{extra_text}", "key", True, hint))
            elif isinstance(extra, dict):
                _walk(schema, extra, item, child, out, known)
        return
    items = node.get("items")
    if isinstance(value, list) and node.get("type") == "array" and keywords <= _ARRAY_WALKED and isinstance(items, dict):
        for i, item in enumerate(value):
            _walk(schema, items, item, path + (i,), out, known)
        return
    exc = schema.leaf_error(node, value)
    if exc is not None:
        out.append(_map_error(exc, node, path, known))


def _allows_blank(schema: CompiledSchema, node: Any, value: Any) -> bool:
    """A required field whose schema accepts a null/blank value is not a placeholder."""
    node = schema.resolve(node)
    if not isinstance(node, dict):
        return True
    return schema.leaf_error(node, value) is None


def _schema_issues(schema: CompiledSchema, data: dict[str, Any], known: Mapping[str, Rule]) -> list[_SchemaIssue]:
    first = schema.error(data)
    if first is None:
        return []
    issues: list[_SchemaIssue] = []
    _walk(schema, schema.root, data, (), issues, known)
    if not issues:
        issues.append(_map_error(first, schema.root, (), known))
    return issues


# -- the rules ------------------------------------------------------------------------------

CD201 = Rule(
    "CD201", "missing-field", "error",
    "A field the schema requires is missing (by default `title`, `description`, `publishedAt`, `lang`, `source` with `name`/`key`/`type`, `category`, `tags`, `sentiment`, `draft`). Nested fields are reported at their parent key.",
    "The schema's `required` lists the fields every article must have; this one lacks one. "
    "A missing field breaks whatever reads it downstream (a feed without a date, a page without "
    "a title). Example: no `lang:` line. Fix: add the field with its value; `copydesk set PATH "
    "lang=en --where 'code:CD201'` sets it on every article that lacks one.",
)
CD202 = Rule(
    "CD202", "wrong-type", "error",
    "A value has the wrong type, e.g. `tags: MARKETS` (a string, not a list), `draft: 'false'` (a string, not a boolean), `externalId: 80412` (a number, not a string).",
    "The value's YAML type is not the one the schema declares. YAML guesses types from how a "
    "value is written, so `externalId: 80412` is a number and `draft: 'false'` a string: "
    "templates then compare or print them wrongly. Example: `tags: MARKETS`, a string where a "
    "list is wanted. Fix: write the value as the type wants it, `tags: [MARKETS]`, `draft: "
    "false`, `externalId: '80412'`.",
)
CD203 = Rule(
    "CD203", "invalid-enum", "error",
    "A value outside the allowed set, e.g. `sentiment` not one of `POSITIVE`, `NEUTRAL`, `NEGATIVE`; the closest allowed value is suggested.",
    "The schema lists the values this field may take (`enum` or `const`) and the value is not "
    "one of them, often a different case or a typo. Example: `sentiment: Neutral`. Fix: use one "
    "of the listed values (the message names the closest), `sentiment: NEUTRAL`.",
)
CD204 = Rule(
    "CD204", "invalid-datetime", "error",
    "`publishedAt`, `updatedAt` or `ai.expandedAt` is not an ISO-8601 date-time with a time part (`2025-12-01T07:29:42.000Z`; an offset is optional); a field with the `date` format is not a date (`2028-07-06`).",
    "A field with the `date-time` format must hold an ISO-8601 date and time: the date, `T`, "
    "hours and minutes at least, optional seconds and fraction, and an optional `Z` or offset. "
    "The editor's date inputs accept exactly what this rule accepts. A field with the `date` "
    "format holds a calendar date alone (`expiryDate: 2028-07-06`), a day that exists; a field "
    "whose schema accepts either (`anyOf` the two formats, as `copydesk init` writes for a "
    "folder that uses both) takes either. Example: `publishedAt: 2025-12-01` or "
    "`2025-12-01T07`. Fix: write the time too, `publishedAt: '2025-12-01T07:29:42.000Z'`.",
)
CD205 = Rule(
    "CD205", "insecure-url", "error",
    "A `coverImage` URL is not an `https://` URL.",
    "An image URL must use https: a page served over https that loads an `http:` image shows a "
    "mixed-content warning or no image. A custom schema marks such a field with "
    "`\"x-copydesk-code\": \"CD205\"`. Example: `thumb: http://img.example.com/a.jpg`. Fix: use the "
    "https address of the same image.",
)
def fix_unknown_fields(ctx: FixContext) -> list[Fix]:
    """CD206 repairs: a field the schema forbids whose closest declared field is absent is
    renamed to it (safe when the names differ only in case, spacing or punctuation:
    ``updatedat``, ``updated_at`` for ``updatedAt``; unsafe otherwise); one with no close
    declared field is deleted (unsafe). Only a field ``additionalProperties: false``
    forbids gets a fix: elsewhere CD206 is only a warning."""
    from ..edit.ops import DeleteKey, RenameKey

    meta = ctx.meta
    if not meta or not ctx.problems:
        return []
    asked = {p.message: p for p in ctx.problems}
    data, _ = prepare(meta)
    out: list[Fix] = []
    for issue in _schema_issues(ctx.schema, data, ctx.known):
        found = asked.get(issue.message)
        parent = _mapping_at(meta, issue.path[:-1])
        if found is None or not issue.undeclared or parent is None or issue.path[-1] not in parent:
            continue
        if issue.hint is None:
            out.append(Fix((found,), (DeleteKey(issue.path),), safe=False))
        elif issue.hint not in parent:  # both there: which value to keep is the editor's call
            out.append(Fix((found,), (RenameKey(issue.path, issue.hint),), safe=fold(issue.path[-1]) == fold(issue.hint)))
    return out


def _mapping_at(meta: Mapping[str, Any], path: FieldPath) -> Mapping[str, Any] | None:
    """The mapping at ``path`` (string keys all the way), or None."""
    node: Any = meta
    for key in path:
        if not isinstance(key, str) or not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node if isinstance(node, Mapping) else None


CD206 = Rule(
    "CD206", "unknown-field", "warning",
    "A field the schema does not declare, often a typo; the closest known field is suggested.",
    "The schema does not allow fields it does not declare (`additionalProperties: false`), and "
    "this one is not declared: usually a typo, whose value the site then never reads. Example: "
    "`publishAt:` for `publishedAt:`. Fix: rename the field (the message names the closest "
    "known one; `copydesk set --rename publishAt=publishedAt`) or declare it in the schema; "
    "`copydesk set --new-field` adds one on purpose. `copydesk check --fix` renames it to the "
    "closest known field when that is absent and the two differ only in case, spacing or "
    "punctuation (`updatedat`); `--unsafe-fixes` also renames it to a less close one and "
    "deletes a field with no close known one.",
    fix=fix_unknown_fields, fix_safety="varies", fix_partial=True,
)
CD207 = Rule(
    "CD207", "empty-placeholder", "error",
    "A required field is present but null or blank (the placeholder `adopt` leaves to be filled in).",
    "A required field is there but empty: `null`, `''` or spaces. `copydesk adopt` writes such "
    "placeholders for what it cannot infer, so that they are found and filled in. Example: "
    "`description: ''`. Fix: fill in the value; `--where 'code:CD207'` lists the articles.",
)


def _unknown_tags(tags: Sequence[Any], loc: Locator | Unplaced, vocabulary: tuple[str, ...],
                  taxonomy: str = "tags") -> list[Problem]:
    """CD208 for the terms of ``taxonomy`` outside ``vocabulary`` (an empty term, a repeat, a
    non-string is judged by the tag rules and the schema instead). Tags are compared in their
    house form; another taxonomy's terms as written (the house style is the tags')."""
    is_tags = taxonomy == "tags"
    known = _vocabulary(vocabulary) if is_tags else frozenset(vocabulary)
    out: list[Problem] = []
    seen: set[str] = set()
    for i, tag in enumerate(tags):
        if not isinstance(tag, str) or not tag.strip():
            continue
        norm = normalize_tag(tag) if is_tags else tag
        if norm in seen:
            continue  # CD302 reports the repeat
        seen.add(norm)
        if norm not in known:
            from ..taxonomy import closest_tag  # imported only when a tag is unknown

            line, col = loc.value((taxonomy, i))
            hint = closest_tag(norm, vocabulary)
            noun = "tag" if is_tags else f"{taxonomy} term"
            extra = f"; closest known {'tag' if is_tags else 'term'}: {hint!r}" if hint else "; no close match"
            out.append(CD208.problem(f"{noun} {tag!r} is not in the {'' if is_tags else taxonomy + ' '}vocabulary{extra}",
                                     line, col))
    return out


_VOCABULARIES: dict[tuple[str, ...], frozenset[str]] = {}


def fix_unknown_tags(ctx: FixContext) -> list[Fix]:
    """CD208 repairs: a tag that differs from a vocabulary tag only by case, spacing,
    punctuation or plural becomes that tag, in the house form the selected tag rules want
    (``HONGKONG``, ``Hong-Kong`` -> ``HONG KONG``); where it is in the list already, the
    variant goes (a fix never makes a repeat). Other taxonomies' terms are left alone."""
    from ..edit.ops import ReplaceItem

    vocabulary = tuple(ctx.config.vocabulary)
    # The problems name the tags as loaded; a repair planned before may have rewritten one
    # already (then its edit here changes nothing, and the problem is repaired all the same).
    tags = ctx.article.meta.get("tags") if ctx.article.meta else None
    if not vocabulary or not isinstance(tags, (tuple, list)):
        return []
    house = ctx.selected & {CD303.code, CD304.code}
    asked = {p.message: p for p in ctx.problems}
    out: list[Fix] = []
    for tag in dict.fromkeys(t for t in tags if isinstance(t, str)):
        # the problem this tag has, by the message CD208 writes for it
        found = next((asked[p.message] for p in _unknown_tags([tag], Unplaced(), vocabulary) if p.message in asked), None)
        if found is None:
            continue
        new = house_form(tag, house, vocabulary)
        if new != tag and normalize_tag(new) in _vocabulary(vocabulary):
            out.append(Fix((found,), (ReplaceItem(TAGS, tag, new),)))
    return out


def _vocabulary(words: tuple[str, ...]) -> frozenset[str]:
    """The vocabulary's tags in their house form (kept per vocabulary)."""
    known = _VOCABULARIES.get(words)
    if known is None:
        known = _VOCABULARIES[words] = frozenset(normalize_tag(w) for w in words)
    return known


CD208 = Rule(
    "CD208", "unknown-tag", "warning",
    "A tag (or another taxonomy's term) is not in its configured vocabulary (only checked when one is set); the closest known term is named.",
    "When `copydesk.toml` sets a `vocabulary`, every tag must be one of its tags (compared in the "
    "house form: upper-case, single spaces); a taxonomy given one under `[vocabularies]` "
    "(`categories = [...]`) must use its terms as written. A term outside it is usually a "
    "variant of a known one, which splits the articles of one subject over two terms. Example: "
    "`HONGKONG` with `HONG KONG` in the vocabulary. Fix: use the known term (the message names "
    "the closest), or add the new one to the vocabulary; `copydesk tag --new-tag` adds one on "
    "purpose. `copydesk check --fix` rewrites a tag that differs from a vocabulary tag only by "
    "case, spacing, punctuation or plural (`HONGKONG`, `Hong-Kong`) as that tag, dropping a "
    "repeat it makes; other tags and other taxonomies' terms are left to you.",
    fix=fix_unknown_tags, fix_partial=True,
)
CD209 = Rule(
    "CD209", "invalid-value", "error",
    "A value breaks another schema constraint: a pattern (`lang` must be two lower-case letters), a length or a range.",
    "The value has the right type but breaks another constraint of the schema: a `pattern`, a "
    "minimum or maximum length or value, a number of items. Example: `lang: English` where the "
    "schema wants two lower-case letters. Fix: write the value the constraint describes, "
    "`lang: en`.",
)

RULES = (CD201, CD202, CD203, CD204, CD205, CD206, CD207, CD208, CD209)
CODES = codes_of(RULES)


def check(ctx: Context, known: Mapping[str, Rule]) -> list[Problem]:
    """Schema problems of one article's front matter (``ctx.schema`` set), and tags outside
    the vocabulary. ``known``: every rule by its code (a schema node may name any as its own)."""
    meta = ctx.source.meta
    if meta is None:
        return []
    out: list[Problem] = []
    schema = ctx.schema
    assert schema is not None, "the runner compiles the schema for this family"
    if not (type(meta) is dict and schema.checks_in_place and schema.accepts(meta)):
        # Only metadata as parsed (not frozen) that the validator accepts as it is needs no
        # copy; the copy made for the validator finds the YAML 1.1 suspects on the way.
        data, ctx.suspects = prepare(meta)
        loc = ctx.loc
        for issue in _schema_issues(schema, data, known):
            line, col = loc.key(issue.path) if issue.at == "key" else loc.value(issue.path)
            out.append(known[issue.code].problem(issue.message, line, col))
    if "CD208" in ctx.codes:
        tags = meta.get("tags")
        if ctx.config.vocabulary and isinstance(tags, (tuple, list)):
            out.extend(_unknown_tags(tags, ctx.loc, tuple(ctx.config.vocabulary)))
        for taxonomy, vocabulary in ctx.config.vocabularies.items():
            terms = meta.get(taxonomy)
            if vocabulary and isinstance(terms, (tuple, list)):
                out.extend(_unknown_tags(terms, ctx.loc, vocabulary, taxonomy))
    return out


def value_problems(schema: CompiledSchema, path: FieldPath, value: Any, known: Mapping[str, Rule]) -> list[Problem]:
    """What the schema says of ``value`` once set at ``path``, alone: its type, enum,
    date-time, pattern, an empty required field, and the field's name (unknown: CD206).
    The fields it lacks (CD201) and what the schema says of the whole mapping are not about
    the value."""
    data: Any = value
    for key in reversed(path):
        data = {key: data}
    issues: list[_SchemaIssue] = []
    _walk(schema, schema.root, data, (), issues, known)
    return [known[i.code].problem(i.message) for i in issues if i.path and i.code != "CD201"]


def tag_problems(tag: str, vocabulary: tuple[str, ...], taxonomy: str = "tags") -> list[Problem]:
    """CD208 for ``tag`` (a term of ``taxonomy``) not written yet (at 1:1), when a vocabulary is set."""
    return _unknown_tags([tag], Unplaced(), vocabulary, taxonomy) if vocabulary else []
