"""CD3xx, consistency: dates in order, tags in the house style, YAML 1.1 booleans, and (opt-in)
a sentiment the article's words contradict.

The tag rules own their fixes (:func:`fix_tags`, as one repair :func:`fix_tag_problems`):
``check --fix`` and the house form of a tag typed by hand
(:func:`core.checks.fixes.house_tag`) apply them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..edit.ops import RemoveItem, ReplaceItem, SetValue, apply_to_data
from .context import Context, FixContext
from .datetimes import parse_datetime
from .positions import Locator, Unplaced, dotted
from .rule import Fix, Problem, Rule, codes_of
from .yaml11 import bool11, located, unquoted_at

if TYPE_CHECKING:
    from ..edit.ops import Edit

TAGS: tuple[str, ...] = ("tags",)


# -- CD301: dates in order -------------------------------------------------------------------


def _dates_in_order(meta: Mapping[str, Any], loc: Locator) -> list[Problem]:
    published_text = meta.get("publishedAt")
    updated_text = meta.get("updatedAt")
    if not isinstance(published_text, str) or not isinstance(updated_text, str):
        return []
    if len(published_text) == len(updated_text) and published_text[-1:] == updated_text[-1:] == "Z":
        # Same UTC layout: the strings order like the instants (when both are valid).
        if updated_text >= published_text:
            return []
    published = parse_datetime(published_text)
    updated = parse_datetime(updated_text)
    if published is None or updated is None:
        return []
    if (published.tzinfo is None) != (updated.tzinfo is None):
        return []  # one has an offset and the other not: not comparable
    if updated < published:
        line, col = loc.value(("updatedAt",))
        return [CD301.problem(f"updatedAt {updated_text} is before publishedAt {published_text}", line, col)]
    return []


CD301 = Rule(
    "CD301", "updated-before-published", "error",
    "`updatedAt` is earlier than `publishedAt` (compared as instants, offsets included).",
    "An article cannot be updated before it was published: one of the two dates is wrong, "
    "usually swapped or with a wrong offset, and sorting by either puts the article in the wrong "
    "place. Dates are compared as instants (`09:00+02:00` is `07:00Z`); a date without an offset "
    "is not compared with one that has one. Example: `publishedAt: '2025-11-03T09:40:00Z'`, "
    "`updatedAt: '2025-11-03T06:15:00Z'`. Fix: correct the wrong date.",
)


# -- CD302-CD305: tags in the house style ----------------------------------------------------


def normalize_tag(tag: str) -> str:
    """The house form of a tag: upper-case, trimmed, single spaces."""
    return " ".join(tag.split()).upper()


def _plainly_clean_tags(tags: Sequence[Any]) -> bool:
    """Whether the tags certainly have none of the tag problems: all printable ASCII,
    upper-case, trimmed, single-spaced and distinct (then each is its own house form).
    Tested on the tags joined, at C speed; anything else goes through the rules."""
    try:
        joined = "|".join(tags)
    except TypeError:  # not all strings
        return False
    return bool(
        joined
        and joined.isascii()
        and joined.isprintable()
        and joined.count("|") == len(tags) - 1
        and joined[0] not in "| "
        and joined[-1] not in "| "
        and "||" not in joined
        and " |" not in joined
        and "| " not in joined
        and "  " not in joined
        and joined == joined.upper()
        and len(set(tags)) == len(tags)
    )


def _tag_problems(tags: Sequence[Any], loc: Locator | Unplaced, vocabulary: Sequence[str] = ()) -> list[Problem]:
    """CD302-CD305 of a ``tags`` list (a rewrite named in the vocabulary's spelling)."""
    return [] if _plainly_clean_tags(tags) else _each_tag_problem(tags, loc, vocabulary)


def _each_tag_problem(tags: Sequence[Any], loc: Locator | Unplaced, vocabulary: Sequence[str] = ()) -> list[Problem]:
    """CD302-CD305 of a ``tags`` list, looking at every tag; the form a case or spacing
    problem names is the one the fix writes (the vocabulary's spelling of a variant)."""
    out: list[Problem] = []
    seen_exact: dict[str, int] = {}
    seen_norm: dict[str, int] = {}
    for i, tag in enumerate(tags):
        path = ("tags", i)
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            line, col = loc.value(path)
            out.append(CD305.problem(f"tags[{i}] is empty", line, col))
            continue
        if not isinstance(tag, str):
            continue  # the schema reports the type
        norm = normalize_tag(tag)
        if tag in seen_exact or norm in seen_norm:
            first = seen_exact.get(tag, seen_norm.get(norm, 0))
            line, col = loc.value(path)
            same = "repeats" if tag == tags[first] else "duplicates"
            out.append(CD302.problem(f"tag {tag!r} {same} tags[{first}] {tags[first]!r}", line, col))
            continue
        seen_exact[tag] = i
        seen_norm[norm] = i
        spaced = tag != tag.strip() or "  " in tag or "\t" in tag or "\n" in tag
        cased = tag != tag.upper()
        if (spaced or cased) and vocabulary:
            norm = house_form(tag, _HOUSE_CODES, vocabulary)
        if spaced:
            line, col = loc.value(path)
            out.append(CD304.problem(f"tag {tag!r} has stray whitespace (should be {norm!r})", line, col))
        if cased:
            line, col = loc.value(path)
            out.append(CD303.problem(f"tag {tag!r} is not upper-case (should be {norm!r})", line, col))
    return out


def house_form(tag: str, codes: Collection[str], vocabulary: Sequence[str] = ()) -> str:
    """``tag`` in the house style: the ``vocabulary``'s own spelling when ``tag`` differs
    from one of its tags only by case, spacing, punctuation or plural, then the fixes of
    CD304 (single spaces, trimmed) and CD303 (upper-case) applied when ``codes`` holds them.
    The one normalisation of a tag: typed by hand (:func:`core.checks.fixes.house_tag`) or
    rewritten by ``check --fix``."""
    if vocabulary:
        from ..taxonomy import vocabulary_spelling  # imported only when a vocabulary is set

        tag = vocabulary_spelling(tag, vocabulary) or tag
    if "CD304" in codes:
        tag = " ".join(tag.split())
    if "CD303" in codes:
        tag = tag.upper()
    return tag


def fixed_tags(tags: Sequence[Any], codes: Collection[str] | None = None, vocabulary: Sequence[str] = ()) -> list[Any]:
    """``tags`` with the fixes of ``codes`` (default: every tag fix) applied: house form
    (a rewritten tag takes the ``vocabulary``'s spelling, so a fix never moves a tag away
    from it), duplicates and empties removed. A rewrite that repeats a tag already kept is
    dropped, so no fix makes a duplicate."""
    if codes is None:
        codes = _TAG_CODES
    out: list[Any] = []
    seen: set[Any] = set()
    made: set[Any] = set()  # tags a rewrite produced
    for tag in tags:
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            if "CD305" in codes:
                continue
            out.append(tag)
            continue
        new = _rewritten(tag, codes, vocabulary)
        if new in out and (new != tag or new in made):
            continue  # a repeat the fix itself would make: the first stays
        if new != tag:
            made.add(new)
        key = normalize_tag(new) if isinstance(new, str) and "CD302" in codes else new
        if "CD302" in codes:
            if key in seen:
                continue
            seen.add(key)
        out.append(new)
    return out


def _rewritten(tag: Any, codes: Collection[str], vocabulary: Sequence[str]) -> Any:
    """What the case and spacing fixes make of one tag: unchanged when they have nothing to
    fix in it, else its house form with the vocabulary's spelling."""
    if not isinstance(tag, str) or house_form(tag, codes) == tag:
        return tag
    return house_form(tag, codes, vocabulary)


def fix_tags(meta: Mapping[str, Any] | None, codes: frozenset[str], vocabulary: Sequence[str] = ()) -> list[Edit]:
    """Front-matter edits for the tag fixes of ``codes`` (case, whitespace, duplicates,
    empties; a rewritten tag takes the ``vocabulary``'s spelling).

    Item-level edits (replace/remove) are preferred so only the affected tag lines change;
    when they cannot express the result (an exact duplicate), the list is set whole.
    """
    if not meta or not codes:
        return []
    tags = meta.get("tags")
    if not isinstance(tags, (tuple, list)):
        return []
    current = list(tags)
    target = fixed_tags(current, codes, vocabulary)
    if target == current:
        return []
    edits: list[Edit] = []
    for tag in current:
        if tag is None or (isinstance(tag, str) and not tag.strip()):
            if "CD305" in codes:
                edit: Edit = RemoveItem(TAGS, tag)
                if edit not in edits:
                    edits.append(edit)
            continue
        new = _rewritten(tag, codes, vocabulary)
        if new != tag:
            edit = ReplaceItem(TAGS, tag, new)
            if edit not in edits:
                edits.append(edit)
    if apply_to_data({"tags": current}, edits).get("tags") == target:
        return edits
    return [SetValue(TAGS, target)]


def fix_tag_problems(ctx: FixContext) -> list[Fix]:
    """The tag fixes of ``ctx.codes`` (CD302-CD305) as one repair of all their problems:
    the list they leave has none (a repair planned before may have done part of it)."""
    tags = ctx.meta.get("tags") if ctx.meta else None
    if not isinstance(tags, (tuple, list)):
        return []
    return [Fix(ctx.problems, tuple(fix_tags(ctx.meta, ctx.codes, tuple(ctx.config.vocabulary))))]


CD302 = Rule(
    "CD302", "duplicate-tag", "warning",
    "The same tag twice in `tags`, also after normalising case and spaces (`MARKETS` and `Markets`). The fix removes the repeat.",
    "A tag appears twice in one article, exactly or in another case or spacing. The repeat "
    "adds nothing and makes tag counts and renames harder to read. Example: `tags: [MARKETS, "
    "Markets]`. Fix: `copydesk check --fix` removes the repeat (the first spelling stays).",
    fix=fix_tag_problems,
)
CD303 = Rule(
    "CD303", "tag-not-uppercase", "warning",
    "A tag is not upper-case, the house style. The fix upper-cases it.",
    "Tags are written upper-case, so that one subject has one spelling (`HONG KONG`, not "
    "`Hong Kong` beside it). Example: `tags: [Markets]`. Fix: `copydesk check --fix` "
    "upper-cases it (in the vocabulary's spelling when it is a variant of a vocabulary tag); a tag "
    "typed in the TUI or given to `copydesk tag` is written so as it is added. Ignore the rule to "
    "keep tags as written.",
    fix=fix_tag_problems,
)
CD304 = Rule(
    "CD304", "tag-whitespace", "warning",
    "A tag has leading, trailing or doubled whitespace. The fix trims it.",
    "Spaces around a tag or doubled inside it make two spellings of one tag that look the "
    "same. Example: `tags: ['HONG  KONG ']`. Fix: `copydesk check --fix` trims the ends and "
    "keeps single spaces.",
    fix=fix_tag_problems,
)
CD305 = Rule(
    "CD305", "empty-tag", "error",
    "An empty or null item in `tags`. The fix removes it.",
    "An item of `tags` is empty: `-` alone on its line, `''` or `null`, often left when a tag "
    "was deleted by hand; templates then print an empty tag link. Example: `tags: [MARKETS, '']`. "
    "Fix: `copydesk check --fix` removes the item.",
    fix=fix_tag_problems,
)


# -- CD306: YAML 1.1 booleans -----------------------------------------------------------------

_CD306_KINDS = frozenset({"bool", "bool-key"})


def _yaml11_booleans(ctx: Context) -> list[Problem]:
    suspects = ctx.suspects
    if not suspects:
        return []
    out: list[Problem] = []
    loc = ctx.loc
    for kind, path, value, pos in located(suspects, loc, _CD306_KINDS):
        if kind == "bool-key":
            if unquoted_at(loc, pos.line, pos.key_col, value):
                out.append(CD306.problem(f"key {value!r} is unquoted: YAML 1.1 tools read the boolean {bool11(value)}, YAML 1.2 the string {value!r} (quote it)", pos.line, pos.key_col))
        elif unquoted_at(loc, pos.line, pos.value_col, value):
            out.append(CD306.problem(f"{dotted(path)}: unquoted {value!r}: YAML 1.1 tools read the boolean {bool11(value)}, YAML 1.2 the string {value!r} (write {bool11(value)} or quote it)", pos.line, pos.value_col))
    return out


CD306 = Rule(
    "CD306", "yaml11-boolean", "warning",
    "An unquoted `yes`/`no`/`on`/`off`/`y`/`n` (value or key): YAML 1.1 tools read a boolean, YAML 1.2 a string. Write `true`/`false`, or quote it.",
    "YAML 1.1 reads `yes`, `no`, `on`, `off`, `y` and `n` (in any case) as booleans; YAML 1.2, "
    "which copydesk reads, as strings. A site generator on YAML 1.1 then sees `draft: no` as "
    "false while the schema here sees the string 'no' (and reports CD202). Example: `draft: no`. "
    "Fix: write `draft: false`, or quote the word if you mean the string (`answer: 'no'`).",
)

# -- CD307: a sentiment the words contradict (opt-in) -------------------------------------------


def _sentiment_contradicted(ctx: Context) -> list[Problem]:
    settings = ctx.config.sentiment
    meta = ctx.source.meta
    value = meta.get(settings.field) if meta is not None else None
    if not isinstance(value, str) or value.casefold() not in {
        settings.label("positive").casefold(), settings.label("negative").casefold()
    }:
        return []  # nothing to contradict: the body is not even scored
    from ..sentiment import contradiction, suggest_for  # vaderSentiment: only when CD307 runs

    suggestion = suggest_for(meta, ctx.source.body, settings)
    if contradiction(value, suggestion, settings) is None:
        return []
    line, col = ctx.loc.value((settings.field,))
    return [CD307.problem(
        f"{settings.field} is {value!r} but the words are confidently {suggestion.polarity} "
        f"(score {suggestion.score:+.2f}; suggested {suggestion.label or suggestion.polarity!r})", line, col)]


CD307 = Rule(
    "CD307", "sentiment-contradicted", "warning",
    "Opt-in (`--select CD307`): the `sentiment` says the opposite of what the article's words confidently say (POSITIVE where the suggestion is confidently negative, or NEGATIVE where it is confidently positive).",
    "The sentiment suggestion (VADER, over the title, the description and the body's first "
    "paragraphs; see the README) scores the article's words from -1 to 1. When the score is "
    "confident (at least `confidence` away from 0, `[sentiment]` in copydesk.toml) and the "
    "article's value is the label of the opposite polarity, the value was probably set by "
    "mistake, or by a pipeline that read another article. A neutral value, or a suggestion "
    "that is not confident, is never reported. The rule is opt-in: `ALL` and `CD3` leave it "
    "out (scoring every body slows a check); select it by its code, `copydesk check --select "
    "ALL,CD307` or `select = [\"ALL\", \"CD307\"]`. `--where is:contradicted` finds the same "
    "articles. Example: `sentiment: POSITIVE` on \"A fire killed two workers and destroyed "
    "the warehouse\". Fix: set the sentiment the article deserves (the terminal UI's `s` "
    "shows the suggestion).",
    opt_in=True,
)

RULES = (CD301, CD302, CD303, CD304, CD305, CD306, CD307)
CODES = codes_of(RULES)


def check(ctx: Context) -> list[Problem]:
    """The consistency problems of one article's front matter, for the codes selected."""
    meta = ctx.source.meta
    if meta is None:
        return []
    codes = ctx.codes
    out: list[Problem] = []
    if "CD301" in codes:
        out.extend(_dates_in_order(meta, ctx.loc))
    tags = meta.get("tags")
    if isinstance(tags, (tuple, list)) and not codes.isdisjoint(_TAG_CODES):  # list: metadata as parsed, not frozen
        out.extend(_tag_problems(tags, ctx.loc, tuple(ctx.config.vocabulary)))
    if "CD306" in codes:
        out.extend(_yaml11_booleans(ctx))
    if "CD307" in codes:
        out.extend(_sentiment_contradicted(ctx))
    return out


_TAG_CODES = codes_of((CD302, CD303, CD304, CD305))
_HOUSE_CODES = codes_of((CD303, CD304))


def tag_problems(tag: str) -> list[Problem]:
    """CD303-CD305 for ``tag`` not written yet (at 1:1)."""
    return _tag_problems([tag], Unplaced())
