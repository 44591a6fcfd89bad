"""CD1xx, the file itself: encoding, front-matter fences, YAML syntax and safety limits.

Reading and parsing report most of these (:mod:`core.document`, :mod:`core.text.yamldata`,
:mod:`core.text.guard`): a file that cannot be read or parsed gets no other check. The one check
run here on parsed front matter is CD109, values YAML 1.1 tools read differently.
"""

from __future__ import annotations

from .context import Context
from .positions import dotted
from .rule import Problem, Rule, codes_of
from .yaml11 import LEADING_ZERO, located, may_have_leading_zero, unquoted_at

CD101 = Rule(
    "CD101", "raw-article", "error",
    "No front matter: raw scraped text. Run `copydesk adopt` to give it front matter.",
    "The file does not start with a front-matter fence (`---`, `+++`, `---json`...) or a JSON "
    "object, so it has no front matter: it is raw text as "
    "a scraper saved it. Without front matter an article has no title, date or tags to list, "
    "filter or publish, and only the body rules (CD4xx) run on it. Example: a file starting "
    "`Ferry fares rise` instead of `---`. Fix: `copydesk adopt PATH` adds front matter with the "
    "fields it can infer (the title from the first line, suggested tags) and empty placeholders "
    "for the rest (reported as CD207 until filled in).",
)
CD102 = Rule(
    "CD102", "unclosed-front-matter", "error",
    "The file opens with a front-matter fence (`---`, `+++` for TOML) but no closing fence line (`---` or `...`; `+++`) follows, so its end is unknown.",
    "The first line is `---` but no later line is `---` or `...`, so there is no telling where "
    "the front matter ends and the body begins; tools that read it either fail or take the whole "
    "file as YAML. Example: a file whose closing `---` was lost in a copy. Fix: add a `---` line "
    "after the last front-matter line.",
)
CD103 = Rule(
    "CD103", "yaml-syntax", "error",
    "The front matter is not valid YAML (or TOML, JSON); reported at the parser's position (an unquoted `: ` inside a value is the usual cause).",
    "The YAML parser refused the front matter; the problem is placed where it stopped. Characters "
    "YAML forbids (NUL, control characters, raw terminal escapes) and YAML the data model cannot "
    "hold (a list used as a key) are reported here too. Example: `title: Fares: up again` (the "
    "second `: ` starts a mapping). Fix: quote the value, `title: 'Fares: up again'`.",
)
CD104 = Rule(
    "CD104", "duplicate-key", "error",
    "The same key appears twice in one mapping; tools disagree on which value wins. Reported at the second occurrence.",
    "A mapping holds the same key twice. YAML forbids it, and the tools that accept it disagree: "
    "some keep the first value, most the last, so the article says different things to different "
    "readers. Example: two `tags:` lines in one front matter. Fix: keep one key and merge the "
    "values you meant.",
)
CD105 = Rule(
    "CD105", "invalid-utf8", "error",
    "The file is not UTF-8 (often Latin-1 or Windows-1252); reported at the first bad byte.",
    "The file's bytes are not valid UTF-8, so it cannot be read as text without guessing its "
    "encoding. Scraped text saved as Latin-1 or Windows-1252 is the usual cause. Example: `café` "
    "stored with `é` as the single byte 0xe9. Fix: convert the file to UTF-8 (e.g. `iconv -f "
    "windows-1252 -t utf-8`).",
)
CD106 = Rule(
    "CD106", "not-a-mapping", "error",
    "The front matter parses, but as a list or a scalar rather than `key: value` pairs.",
    "The front matter is valid YAML but not a mapping of keys to values, so no field can be read "
    "from it. Example: a front matter holding the list `- title` `- date`, or a sentence. Fix: "
    "write the front matter as `key: value` lines.",
)
CD107 = Rule(
    "CD107", "unreadable-file", "error",
    "The file cannot be read safely: permissions, not a regular file, a symbolic link (not followed unless `follow-symlinks = true`; never outside the folder), or over the size limit.",
    "copydesk reads only regular files inside the folder, up to a size limit, and never blocks on "
    "a FIFO or a device: anything else is reported instead of read, and so is a sub-folder that "
    "cannot be listed, so that `check` fails rather than pass without the articles it never read. "
    "Example: a link to `/etc/passwd` named `a.md`, or a folder without read permission. Fix: "
    "make the file readable, replace the link by the file, or raise `limits.max-file-bytes`.",
)
CD108 = Rule(
    "CD108", "yaml-limits", "error",
    "The front matter exceeds a safety limit (nesting depth, alias count, size) and was not parsed: protects against alias bombs.",
    "Before the YAML parser runs, a linear pre-scan refuses front matter deeper than "
    "`limits.max-depth`, with more than `limits.max-aliases` aliases or larger than "
    "`limits.max-front-matter-bytes`: such input (an alias bomb, `[[[[...`) can make parsers "
    "exhaust memory or crash. Example: ten aliases each repeating the previous one ten times. "
    "Fix: simplify the front matter, or raise the limit in `copydesk.toml` if the file is "
    "trusted.",
)


def _cd109(ctx: Context) -> list[Problem]:
    suspects = [s for s in ctx.suspects if s[0] in _CD109_KINDS]
    # Locating a suspect costs an indentation scan: an integer (the common suspect) is a
    # problem only when written with a leading zero.
    if not suspects or (all(kind == "int" for kind, _, _ in suspects) and not may_have_leading_zero(ctx.source.front_matter)):
        return []
    out: list[Problem] = []
    loc = ctx.loc
    for kind, path, value, pos in located(suspects, loc, _CD109_KINDS):
        name = dotted(path)
        if kind == "merge":
            out.append(CD109.problem(f"merge key '<<' in {name}: YAML 1.1 tools merge the mapping, YAML 1.2 readers keep a literal '<<' key", pos.line, pos.key_col))
        elif kind == "sexagesimal":
            if unquoted_at(loc, pos.line, pos.value_col, value):
                out.append(CD109.problem(f"{name}: unquoted {value!r} is a base-60 number in YAML 1.1 and a string in YAML 1.2 (quote it)", pos.line, pos.value_col))
        elif LEADING_ZERO.match(pos.value_text):  # an integer
            written = pos.value_text.split("#")[0].strip()
            digits = written.lstrip("+-").replace("_", "")
            old = f"the octal number {int(digits, 8)}" if set(digits) <= set("01234567") else f"the string {written!r}"
            out.append(CD109.problem(f"{name}: {written} has a leading zero: YAML 1.1 tools read {old}, YAML 1.2 the number {value} (quote it)", pos.line, pos.value_col))
    return out


_CD109_KINDS = frozenset({"merge", "sexagesimal", "int"})  # the booleans are CD306's (core.checks.consistency)

CD109 = Rule(
    "CD109", "yaml-version-ambiguity", "warning",
    "YAML 1.1 tools (PyYAML, many site generators) and YAML 1.2 readers read the value differently: unquoted base-60 numbers (`1:30`), numbers with a leading zero (`0755`), merge keys (`<<`). Quote the value.",
    "copydesk reads YAML 1.2, but many tools that read the same files read YAML 1.1, where "
    "`duration: 1:30` is the number 90, `port: 0755` the octal number 493 and `<<` merges a "
    "mapping: the same file then holds different data for different tools. Example: "
    "`episode: 010` is 8 for PyYAML and 10 here. Fix: quote the value (`episode: '010'`), or "
    "write the number without the leading zero; spell a merge out.",
)
CD110 = Rule(
    "CD110", "check-failed", "error",
    "copydesk failed while checking this file: a bug in copydesk. The file is still listed with its other structure facts; please report it with the file.",
    "A check raised an unexpected error on this file. The other files are still checked, and "
    "this one is reported rather than passed, since its other problems are unknown. Example: "
    "`internal error while checking this file (KeyError: ...)`. Fix: report the message with "
    "the file; meanwhile `--ignore CD110` lets the rest of the folder pass.",
)

CD111 = Rule(
    "CD111", "libyaml-only", "warning",
    "YAML that libyaml (PyYAML, Jekyll) reads but strict YAML 1.2 refuses: a multi-line quoted value or flow list whose continuation lines are not indented. Read as libyaml reads it; indent those lines.",
    "The front matter is not valid YAML 1.2, but libyaml, the parser PyYAML and Jekyll use, "
    "reads it, and many real posts are written so. copydesk reads these constructs as libyaml "
    "does and warns: a multi-line double- or single-quoted value whose continuation lines start "
    "at column 0 (or not past their key), and the same for a multi-line flow list `[...]` or "
    "flow mapping `{...}`. Edits are possible: each is verified by re-parsing with both readers. "
    "Example: `title: \"Ferry fares` on one line and `rise again\"` at column 0 on the next. "
    "Fix: indent the continuation lines (their leading spaces are not part of the value).",
)

CD112 = Rule(
    "CD112", "merge-conflict", "error",
    "An unresolved merge conflict: `<<<<<<<`, `=======` and `>>>>>>>` lines left by a merge (the field both sides changed, or the body's lines).",
    "A git merge (through `copydesk merge-driver`, or git's own text merge) could not decide "
    "between two versions and left both in the file, between marker lines. In the front "
    "matter the block is around the lines of the field both sides changed, labelled with its "
    "name, and the front matter is not read until it is resolved; each block is reported at "
    "its `<<<<<<<` line. Example: `<<<<<<< sentiment (ours, news/a.md)`, `sentiment: "
    "POSITIVE`, `=======`, `sentiment: NEGATIVE`, `>>>>>>> sentiment (theirs, news/a.md)`. "
    "Fix: keep the lines you want, delete the others and the three marker lines, then `git "
    "add` the file.",
)

RULES = (CD101, CD102, CD103, CD104, CD105, CD106, CD107, CD108, CD109, CD110, CD111, CD112)
CODES = codes_of(RULES)


def check(ctx: Context) -> list[Problem]:
    """The CD1xx problems found in parsed front matter (the others come from reading and parsing)."""
    if ctx.source.meta is None or "CD109" not in ctx.codes:
        return []
    return _cd109(ctx)
