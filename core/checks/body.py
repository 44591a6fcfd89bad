"""CD4xx, the body: what scraped articles look like (empty sections, lost lists, boilerplate).

The body's lines are classified once (:func:`_scan_body`: blank, text, heading, rule,
fence, promotional) and every rule reads that classification. :func:`findings` is the one
place that says which lines a problem is about: the check reports its problems, and the
fixes of CD402, CD404, CD405 and CD406 (:func:`fix_body_lines`, unsafe: a heuristic chose
the lines) remove exactly those lines. CD407 owns its fix (:func:`fix_trailing_blank_lines`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..display import plural
from ..errors import CopydeskError
from ..text import frontmatter
from .context import Context, FixContext
from .positions import split_lines
from .promo import DEFAULT_PROMO_PATTERNS, DEFAULT_PROMO_STARTS
from .rule import Fix, Problem, Rule, codes_of
from .wording import fold, show

if TYPE_CHECKING:
    from ..config import Config

# The body lines a problem is about, as indices in the body: [start, end).
Span = tuple[int, int]

_ATX = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*\Z")
_SETEXT = re.compile(r" {0,3}(=+|-+)[ \t]*\Z")
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"\s*(?:[-*+•▪◦‣·–—]|\d{1,3}[.)])(?:\s|\Z)")
_NUMBERED = re.compile(r"\d{1,3}[.)]\s")
_URL = re.compile(r"https?://|www\.")
_SPEAKER = re.compile(r"[\w.'’-]{1,30}:\Z")
_SENTENCE_END = ".!?:;,…"
_NON_TEXT_START = "!<[|>{`*_=#"


class PatternError(CopydeskError, ValueError):
    """A configured promotional pattern is not a valid regular expression."""


@lru_cache(maxsize=32)
def _combined(patterns: tuple[str, ...]) -> Callable[[str], Any]:
    """One matcher for a list of line patterns (a single regex when they combine)."""
    if not patterns:
        return lambda line: None
    pieces = []
    for p in patterns:
        m = re.match(r"\(\?([aiLmsux]+)\)", p)
        pieces.append(f"(?{m.group(1)}:{p[m.end():]})" if m else f"(?:{p})")
    try:
        combined = re.compile("|".join(pieces))
        for p in patterns:  # numbered back-references change meaning when combined
            if re.search(r"\\[1-9]", p):
                raise re.error("back-reference")
        return combined.match
    except re.error:
        compiled = []
        for p in patterns:
            try:
                compiled.append(re.compile(p))
            except re.error as exc:
                raise PatternError(f"invalid pattern {p!r}: {exc}") from exc

        def match(line: str) -> Any:
            for c in compiled:
                m = c.match(line)
                if m:
                    return m
            return None

        return match


def _same_folded(text: str, folded: str) -> bool:
    """Whether ``fold(text) == folded``, folding only a prefix of ``text`` when that
    already tells (folding works character by character, so the fold of a prefix is a
    prefix of the fold: a long first paragraph is not folded whole to compare it with a
    title)."""
    cut = 32
    if len(text) > cut:
        head = fold(text[:cut])
        if len(head) > len(folded) or not folded.startswith(head):
            return False
    return fold(text) == folded


def _norm_title(text: str) -> str:
    """Letters and digits only, case-folded: '## The *Title*' and 'The title.' compare equal."""
    return fold(text)


@dataclass
class _Heading:
    index: int  # line index in the body
    level: int
    text: str
    lines: int = 1  # 2 for a setext heading (its text and its underline)


@dataclass
class _BodyScan:
    lines: list[str]
    kinds: list[str] = field(default_factory=list)  # blank, text, heading, rule, fence, promo
    headings: list[_Heading] = field(default_factory=list)
    promos: list[int] = field(default_factory=list)  # indices of promotional lines
    colons: list[int] = field(default_factory=list)  # indices of text lines ending in ':'


_MARKUP_START = frozenset("`~#=-*_")


def _scan_body(lines: list[str], promo: Callable[[str], Any], promo_starts: frozenset[str] | None = None) -> _BodyScan:
    """Classify every body line once (hot path: keep the common text line cheap).

    ``promo_starts``: when given, a line whose first two characters (after whitespace) are
    ASCII can be promotional only if they are one of these, lower-cased (see
    :data:`~core.checks.promo.DEFAULT_PROMO_STARTS`); other lines are not matched against ``promo`` at all.
    """
    scan = _BodyScan(lines)
    kinds = scan.kinds
    append = kinds.append
    fence = ""
    prev_text = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if fence:
            append("fence")
            if stripped.startswith(fence):
                fence = ""
            continue
        if not stripped:
            append("blank")
            prev_text = False
            continue
        first = stripped[0]
        if first == "#":
            # What _markup_kind does for an ATX heading (the commonest markup line), inline.
            atx = _atx_heading(line)
            if atx is not None:
                scan.headings.append(_Heading(i, atx[0], atx[1]))
                append("heading")
                prev_text = False
                continue
        # List items and emphasis start with markup characters too; only fences,
        # underlines and rules (which end with their first character) need a closer look.
        elif first in _MARKUP_START and (first in "`~" or stripped[-1] == first):
            kind = _markup_kind(scan, i, line, stripped, first, prev_text)
            if kind:
                if kind == "fence":
                    fence = _FENCE.match(line).group(1)  # type: ignore[union-attr]
                append(kind)
                prev_text = False
                continue
        if promo_starts is not None:
            start = stripped[:2]
            maybe_promo = not start.isascii() or start.lower() in promo_starts
        else:
            maybe_promo = True
        if maybe_promo and promo(line):
            append("promo")
            scan.promos.append(i)
            prev_text = False
            continue
        append("text")
        if stripped[-1] == ":":
            scan.colons.append(i)
        prev_text = True
    return scan


def _atx_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line, as ``_ATX`` reads it, or None.

    String operations instead of the regular expression, whose lazy text group costs a
    try per character (3 us per heading line; headings are common)."""
    if line[:1] == "#":
        rest = line
    else:
        indent = len(line) - len(line.lstrip(" "))
        if indent > 3:
            return None
        rest = line[indent:]
    level = len(rest) - len(rest.lstrip("#"))
    if not 1 <= level <= 6:
        return None
    rest = rest[level:]
    if not rest:
        return level, ""
    if rest[0] not in " \t":
        return None
    if rest[-1] not in " \t#":
        return level, rest.lstrip(" \t")  # no closing sequence or trailing whitespace
    # The text is the shortest that leaves a closing sequence (whitespace, hashes) and
    # trailing whitespace after it: strip the longest such end.
    text = rest.lstrip(" \t").rstrip(" \t")
    before_hashes = text.rstrip("#")
    if len(before_hashes) < len(text) and before_hashes[-1:] in (" ", "\t"):
        text = before_hashes.rstrip(" \t")
    return level, text


def _markup_kind(scan: _BodyScan, i: int, line: str, stripped: str, first: str, prev_text: bool) -> str:
    """The kind of a line starting with a Markdown markup character ('' for plain text)."""
    if first in "`~":
        return "fence" if _FENCE.match(line) else ""
    if first == "#":
        atx = _atx_heading(line)
        if atx is not None:
            scan.headings.append(_Heading(i, *atx))
            return "heading"
        return ""
    if stripped[-1] != first:
        return ""  # a list item or emphasis, not an underline or a rule
    if first in "=-" and prev_text and not stripped.strip(first) and _SETEXT.match(line):
        scan.kinds[i - 1] = "heading"
        scan.headings.append(_Heading(i - 1, 1 if first == "=" else 2, scan.lines[i - 1].strip(), 2))
        return "rule"
    if first in "-*_" and len(stripped) >= 3 and not stripped.replace(" ", "").strip(first):
        return "rule"
    return ""


def _bare_headings(scan: _BodyScan, skip_first: bool) -> list[_Heading]:
    """Plain-text headings of scraped text: short one-line paragraphs without end punctuation."""
    lines, kinds = scan.lines, scan.kinds
    out: list[_Heading] = []
    first_text = next((i for i, k in enumerate(kinds) if k == "text"), None)
    for i, line in enumerate(lines):
        if kinds[i] != "text" or (skip_first and i == first_text):
            continue
        if (i > 0 and kinds[i - 1] != "blank") or (i + 1 < len(lines) and kinds[i + 1] != "blank"):
            continue
        s = line.strip()
        if len(s) > 100 or len(s.split()) > 15 or not (s[0].isupper() or s[0].isdigit()):
            continue
        end = s.rstrip("\"'”’)")
        if not end or end[-1] in _SENTENCE_END or _URL.search(s):
            continue
        numbered = _NUMBERED.match(s) is not None
        if s[0].isdigit() and not numbered:
            continue
        out.append(_Heading(i, 3 if numbered else 2, s))
    return out


def _empty_sections(scan: _BodyScan, headings: list[_Heading], bare: bool) -> list[_Heading]:
    empty = []
    heading_at = {h.index: h for h in headings}
    for h in headings:
        has_text = False
        closed_by_heading = False
        for j in range(h.index + 1, len(scan.lines)):
            other = heading_at.get(j)
            if other is not None:
                if other.level <= h.level:
                    closed_by_heading = True
                    break
                continue
            if scan.kinds[j] in ("text", "fence"):
                has_text = True
                break
        if bare and not closed_by_heading and not has_text:
            continue  # a last short line of scraped text is a sign-off, not a heading
        if not has_text:
            empty.append(h)
    return empty


def _structured_follower(line: str, kind: str) -> bool:
    """Whether a line after a lead-in ending in ':' shows the list or example was kept.

    A list item, indented text, code, a table, a quotation, media or markup all count; so does
    a line starting in lower case (the lead-in was a hard-wrapped line, not a lead-in).
    """
    if kind == "fence" or line[:1] in " \t" or _LIST_ITEM.match(line) or "|" in line:
        return True
    first = line.lstrip()[:1]
    return first in "|>!<[{`:\"“'‘«" or first.islower()


def _footer_problem(lines: list[str], group: list[int], at: Callable[[int], tuple[int, int]]) -> tuple[Problem, Span]:
    """CD405 for a footer's promotional lines ``group``: its span runs from the first to the
    last, the blank lines between them included."""
    start, count = group[0], len(group)
    more = f" (+{count - 1} more line{'s' if count > 2 else ''})" if count > 1 else ""
    return CD405.problem(f"social/community boilerplate: {show(lines[start].strip(), 60)}{more}", *at(start)), (start, group[-1] + 1)


def _span(scan: _BodyScan, i: int) -> Span:
    """The lines of the text or heading line ``i``: a setext heading's underline goes with it."""
    for h in scan.headings:
        if h.index == i:
            return i, i + h.lines
    return i, i + 1


def _title_repeated(scan: _BodyScan, title: str | None, raw: bool, at: Callable[[int], tuple[int, int]]) -> list[tuple[Problem, Span]]:
    lines, kinds = scan.lines, scan.kinds
    texts: list[int] = []  # the first six text or heading lines
    for i, kind in enumerate(kinds):
        if kind == "text" or kind == "heading":
            texts.append(i)
            if len(texts) == 6:
                break
    if not texts:
        return []
    if not raw:
        wanted = _norm_title(title) if title else ""
        if not wanted:
            return []
        first = texts[0]
        if _same_folded(lines[first], wanted):
            return [(CD406.problem("the body starts by repeating the title", *at(first)), _span(scan, first))]
        return []
    if len(lines[texts[0]].split()) < 3:
        return []  # too short to call a repetition a scraping artefact
    head = _norm_title(lines[texts[0]])
    for i in texts[1:]:
        if _norm_title(lines[i]) == head:
            line, _ = at(texts[0])
            return [(CD406.problem(f"the title line (line {line}) is repeated", *at(i)), _span(scan, i))]
    return []


def fix_trailing_blank_lines(text: str) -> str:
    """``text`` (a whole file) with the run of trailing blank lines after its body removed.

    The last text line keeps its own line ending; everything before the body is untouched.
    """
    split = frontmatter.split_text(text)
    start = split.body_start if split.has_front_matter else (1 if split.bom else 0)
    if split.kind == "unclosed":
        return text
    body = text[start:]
    stripped = body.rstrip()
    if not stripped:
        return text
    rest = body[len(stripped) :]
    m = re.match(r"[^\S\r\n]*(\r\n|\r|\n)?", rest)
    assert m is not None
    return text[:start] + stripped + m.group(0)


def fix_body_lines(ctx: FixContext) -> list[Fix]:
    """Remove the lines of CD402, CD404, CD405 and CD406 problems (an empty section's
    heading, a call to action, a social footer, the repeated title): exactly the lines
    :func:`findings` names for each. Articles without front matter get none (after
    ``copydesk adopt`` they do)."""
    if not ctx.article.editable:
        return []
    checked = ctx.checked()
    if not checked.source.split.has_front_matter:
        return []
    wanted = {(p.code, p.line, p.column, p.message): p for p in ctx.problems}
    body = checked.source.text[checked.source.split.body_start :]
    lines = _LINE.findall(body)
    out: list[Fix] = []
    for problem, span in findings(checked):
        asked = wanted.get((problem.code, problem.line, problem.column, problem.message))
        if asked is not None and span is not None:
            out.append(Fix((asked,), drop=tuple((i, lines[i]) for i in range(*span))))
    return out


# A line with its ending, as :func:`~core.checks.positions.split_lines` counts lines.
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def drop_body_lines(text: str, drop: dict[int, str]) -> str:
    """``text`` (a whole file with front matter) without the body lines at the indices of
    ``drop``; ValueError unless each still reads as ``drop`` says (the file changed)."""
    split = frontmatter.split_text(text)
    if not split.has_front_matter:
        raise ValueError("the file no longer has front matter")
    start = split.body_start
    lines = _LINE.findall(text[start:])
    for i, expected in drop.items():
        if i >= len(lines) or lines[i] != expected:
            raise ValueError(f"body line {split.body_first_line + i} changed since it was checked")
    return text[:start] + "".join(line for i, line in enumerate(lines) if i not in drop)


# -- the rules ------------------------------------------------------------------------------

CD401 = Rule(
    "CD401", "empty-body", "error",
    "The article has front matter but no body text.",
    "There is nothing after the front matter but blank lines: the article would be published "
    "as a title without text, usually because scraping or a paste lost the body. Example: a "
    "file ending with its closing `---`. Fix: restore the text, or delete the article.",
)
CD402 = Rule(
    "CD402", "empty-section", "warning",
    "A Markdown heading (ATX `##` or setext) with no text before the next heading of the same or higher level, or the end. In scraped text without Markdown headings, short stand-alone heading-like lines followed directly by another one are checked the same way.",
    "A heading is followed directly by a heading of the same or a higher level (or the end), "
    "so its section is empty: the text under it was lost in scraping, or the heading is a "
    "leftover. A code block counts as text; a promotional line does not. Example: `## Fares` "
    "then `## Routes` with nothing between. Fix: restore the section's text or remove the "
    "heading; `copydesk check --fix --unsafe-fixes` removes the heading's line (both lines of "
    "a setext heading) in an article with front matter.",
    fix=fix_body_lines, fix_safety="unsafe",
)
CD403 = Rule(
    "CD403", "lost-list", "warning",
    "A line ending in `:` whose next non-blank line is neither a list item nor indented text, code, a table or a quotation: the list it introduced was lost in scraping. Speaker labels (`Reporter:`) are not reported.",
    "A lead-in such as `The new fares are:` announces a list, but the next line is ordinary "
    "text: scrapers often drop list markup, leaving the items run together or gone. A list "
    "item, indented text, code, a table, a quotation or a line starting in lower case (a "
    "hard-wrapped sentence) counts as the list. Example: `The new fares are:` followed by "
    "`Adults pay more.`. Fix: restore the list, or end the sentence with a full stop.",
)
CD404 = Rule(
    "CD404", "call-to-action", "warning",
    "A promotional line, e.g. starting with 👉 or \"Subscribe\". Patterns: `cta-patterns` in `copydesk.toml`.",
    "A line matches a call-to-action pattern (`cta-patterns`; by default lines starting with "
    "👉, 🔥, \"click here\", \"subscribe\"...): promotion the source site added around its "
    "article, which does not belong in a republished one. Example: `👉 Subscribe to our "
    "newsletter`. Fix: delete the line (`copydesk check --fix --unsafe-fixes` removes it in an "
    "article with front matter); adjust `cta-patterns` for your sources.",
    fix=fix_body_lines, fix_safety="unsafe",
)
CD405 = Rule(
    "CD405", "social-footer", "warning",
    "Community or social boilerplate (\"Join our Telegram\", `Telegram: https://...` link lists); consecutive lines are one problem. Patterns: `footer-patterns`.",
    "Lines match a social or community pattern (`footer-patterns`; by default \"Join our ... "
    "community\", `Telegram: https://...`, \"Follow us on\"): the source site's footer, scraped "
    "with the article. Lines separated only by blank lines are reported once. Example: `Join "
    "our Telegram channel` then a list of social links. Fix: delete the footer (`copydesk "
    "check --fix --unsafe-fixes` removes its lines, from the first to the last, in an article "
    "with front matter); adjust `footer-patterns` for your sources.",
    fix=fix_body_lines, fix_safety="unsafe",
)
CD406 = Rule(
    "CD406", "title-repeated", "warning",
    "The body starts by repeating the title (a scraped headline); in a raw article, its first line repeated a few lines below.",
    "The first text line of the body is the title again (letters and digits compared, case "
    "ignored): scrapers keep the page's headline, so the title shows twice. In a raw article, "
    "the first line repeated within the next few lines is reported. Example: `title: Ferry "
    "fares rise` and a body starting `# Ferry fares rise`. Fix: delete the repeated line "
    "(`copydesk check --fix --unsafe-fixes` does in an article with front matter).",
    fix=fix_body_lines, fix_safety="unsafe",
)
CD407 = Rule(
    "CD407", "trailing-blank-lines", "warning",
    "The body ends with blank lines. The fix removes them and keeps the last line's own line ending.",
    "Blank lines at the end of the body are noise in diffs and in templates that print the "
    "body. Example: a file ending with three empty lines. Fix: `copydesk check --fix` removes "
    "them (the last text line keeps its own line ending).",
    text_fix=fix_trailing_blank_lines,
)

RULES = (CD401, CD402, CD403, CD404, CD405, CD406, CD407)
CODES = codes_of(RULES)
_PROMO_CODES = codes_of((CD404, CD405))


def check(ctx: Context) -> list[Problem]:
    """Body problems (CD401-CD407) among the codes selected; lines are file lines."""
    return [problem for problem, _ in findings(ctx)]


def _promo_matcher(config: Config) -> tuple[Callable[[str], Any], frozenset[str] | None]:
    """The matcher of the configured promotional patterns (CD404 and CD405 together) and,
    for the default patterns, the line starts that can match them."""
    patterns = tuple(config.cta_patterns) + tuple(config.footer_patterns)
    return _combined(patterns), DEFAULT_PROMO_STARTS if patterns == DEFAULT_PROMO_PATTERNS else None


def promotional_lines(lines: list[str], config: Config) -> list[int]:
    """The indices of the body ``lines`` that CD404 and CD405 take for promotion (calls to
    action, social footers) under ``config``'s patterns, selected or not: what a comparison
    of bodies leaves out, so that a reprint with promotion added still reads the same."""
    return _scan_body(lines, *_promo_matcher(config)).promos


def findings(ctx: Context) -> list[tuple[Problem, Span | None]]:
    """Body problems (CD401-CD407) among the codes selected, each with the body lines it is
    about when a fix may remove them (None for the others).

    The lines are classified whatever the selection (a promotional line is no text under a
    heading, selected or not); only the reporting is skipped for a rule not selected.
    """
    source, config, codes, title = ctx.source, ctx.config, ctx.codes, ctx.title
    text = source.text
    split = source.split
    raw = not split.has_front_matter
    start = split.body_start if not raw else (1 if split.bom else 0)
    first_line = split.body_first_line
    body = text[start:]
    if not body or body.isspace():
        line = first_line - 1 if not raw and first_line > 1 else 1
        return [(CD401.problem("the article has no body text", line, 1), None)] if "CD401" in codes else []
    lines = split_lines(body)
    footer = _combined(tuple(config.footer_patterns))
    scan = _scan_body(lines, *_promo_matcher(config))
    kinds = scan.kinds
    out: list[tuple[Problem, Span | None]] = []

    def at(i: int) -> tuple[int, int]:
        line = lines[i]
        return first_line + i, len(line) - len(line.lstrip()) + 1

    # CD404 / CD405: promotional lines; footer lines separated only by blank lines are one problem.
    group: list[int] = []
    for i in scan.promos if not codes.isdisjoint(_PROMO_CODES) else ():
        line = lines[i]
        if not footer(line):
            out.append((CD404.problem(f"call-to-action line: {show(line.strip(), 70)}", *at(i)), (i, i + 1)))
            continue
        if group and not all(k == "blank" for k in kinds[group[-1] + 1 : i]):
            out.append(_footer_problem(lines, group, at))
            group = []
        group.append(i)
    if group:
        out.append(_footer_problem(lines, group, at))
    if "CD404" not in codes or "CD405" not in codes:
        out = [found for found in out if found[0].code in codes]

    # CD402: headings with nothing under them.
    if "CD402" in codes:
        headings = scan.headings
        bare = False
        if not headings:
            headings = _bare_headings(scan, skip_first=raw)
            bare = True
        for h in _empty_sections(scan, headings, bare):
            label = "heading" if not bare else "heading-like line"
            out.append((CD402.problem(f"{label} {show(h.text, 60)} has no text before the next heading", *at(h.index)),
                        (h.index, h.index + h.lines)))

    # CD403: a lead-in ending in ':' with no list after it.
    for i in scan.colons if "CD403" in codes else ():
        s = lines[i].rstrip()
        if s.endswith("::") or _SPEAKER.match(s.lstrip()) or _LIST_ITEM.match(s):
            continue
        j = i + 1
        while j < len(lines) and kinds[j] == "blank":
            j += 1
        if j < len(lines) and _structured_follower(lines[j], kinds[j]):
            continue
        out.append((CD403.problem(f"line ends with ':' but no list follows: {show(s.strip(), 60)}", *at(i)), None))

    # CD406: the title repeated at the top of the body.
    if "CD406" in codes:
        out.extend(_title_repeated(scan, title, raw, at))

    # CD407: trailing blank lines.
    if "CD407" not in codes:
        return out
    last = len(lines) - 1
    while last >= 0 and kinds[last] == "blank":
        last -= 1
    trailing = len(lines) - 1 - last
    if trailing > 0:
        out.append((CD407.problem(f"{plural(trailing, 'trailing blank line')} at the end of the body", first_line + last + 1, 1), None))
    return out
