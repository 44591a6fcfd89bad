"""What the editing commands (set, tag, check --fix, adopt) share: loading the targets,
planning every change, the dry-run diff, saving as one journaled batch, and reporting."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ...config import Config, load_config, why_unreachable
from ...display import display_path, has_controls, plural, printable, raw_stdout
from ...errors import CopydeskError

if TYPE_CHECKING:  # the editing machinery is imported by the commands that edit, when they run
    from ...document import Article, Corpus
    from ...edit.ops import Edit
    from ...storage.save import Change

EditsFor = Callable[["Article"], Sequence["Edit"]]


@dataclass
class Outcome:
    """One file's result in an editing command."""

    article: Article
    status: str  # changed | unchanged | refused | conflict | merged (| would change, dry run)
    message: str = ""
    diff: str = ""

    def as_dict(self) -> dict[str, str]:
        out = {"path": display_path(self.article.path), "status": self.status, "message": self.message}
        if self.diff:
            out["diff"] = self.diff
        return out


def add_output_options(parser: argparse.ArgumentParser, dry_run: bool = True) -> None:
    if dry_run:
        parser.add_argument("--dry-run", action="store_true", help="print the unified diff of the batch and write nothing")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    add_quiet_option(parser)


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """``-q/--quiet``: the summary only (refused files and conflicts are still named)."""
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary (and the files refused or in conflict)")


def reachable_paths(paths: Sequence[str | Path]) -> list[Path]:
    """The paths given (the current folder when none), or a UsageError naming each one that
    cannot be read and why."""
    given = [Path(p) for p in paths] or [Path.cwd()]
    unreachable = [f"{why}: {p}" for p in given if (why := why_unreachable(p))]
    if unreachable:
        raise UsageError(printable("; ".join(unreachable)))
    return given


def _config_of(paths: Sequence[str]) -> tuple[list[Path], Config]:
    """The paths given (each must be reachable) and the settings of the first one's folder."""
    given = reachable_paths(paths)
    return given, load_config(given[0])


def load_targets(paths: Sequence[str], with_rules: bool = False) -> Corpus:
    """The articles under ``paths``; the corpus root (journal location) comes from the first path."""
    from ...document import load_corpus

    given, config = _config_of(paths)
    return load_corpus(given, config, with_rules=with_rules)


class UsageError(CopydeskError):
    """Bad command-line input (exit 2)."""


def load_targets_where(paths: Sequence[str], query: str, listed: Sequence[str] | None = None,
                       reads: Iterable[str] | None = None) -> tuple[Corpus, list[Article]]:
    """The articles under ``paths`` and those matching the ``--where`` query (all when empty);
    with ``listed`` (what :func:`listed_targets` found), those files instead of the walk.

    ``reads``: the top-level metadata keys the caller reads besides the query's. When given
    and the index keeps them all (``core.index.values``), the articles come from the index
    and its kept values, each ``meta`` holding only those keys (a ``core.index.listing.Listed``,
    whose ``fields`` are every field name); only files changed since are read. Otherwise
    the files are read, and the rules run only when the query needs problems
    (``is:invalid``, ``code:``): loading is several times faster without them. A bad query
    is a UsageError naming the term.
    """
    from ...query import QueryError, where
    from ...query import compile as compile_query

    try:
        compiled = compile_query(query) if query.strip() else None
    except QueryError:
        compiled = None  # reported below, once the loaded articles tell the known fields
        reads = None
    if listed is not None and not listed:  # nothing changed or listed: no target, not the whole folder
        from ...document import Corpus

        return Corpus(load_config(Path(paths[0]) if paths else Path.cwd())), []
    if reads is not None and listed is None:
        from ...index.listing import listed_articles

        given, config = _config_of(paths)
        keys = set(reads) | (compiled.keys_read() if compiled is not None else set())
        corpus = listed_articles(given, config, keys)
        if corpus is not None:
            if not query.strip():
                return corpus, list(corpus.articles)
            try:
                return corpus, where(corpus.articles, query, config, fields=corpus.fields)
            except QueryError as exc:
                raise UsageError(f"invalid --where query: {exc}\n{exc.pointer(query)}") from None
    corpus = load_targets(paths if listed is None else listed, with_rules=compiled is not None and compiled.needs_problems)
    if not query.strip():
        return corpus, list(corpus.articles)
    try:
        return corpus, where(corpus.articles, query, corpus.config)
    except QueryError as exc:
        raise UsageError(f"invalid --where query: {exc}\n{exc.pointer(query)}") from None


def load_matches(paths: Sequence[str], query: str, listed: Sequence[str] | None = None) -> tuple[Corpus, list[Article]]:
    """What an editing command works on: ``load_targets_where``, the ``--where`` query
    answered from the index when it can be (not for ``listed`` files), and then only the
    matching articles read whole (the edits are planned on them)."""
    if not query.strip() or listed is not None:
        return load_targets_where(paths, query, listed)
    corpus, articles = load_targets_where(paths, query, reads=())
    if getattr(corpus, "fields", None) is None:  # read whole already
        return corpus, articles
    from ...document import Article, load_article
    from ...query import compile as compile_query

    with_rules = compile_query(query).needs_problems
    return corpus, [a if isinstance(a, Article) else load_article(a.path, corpus.config, a.relpath, with_rules=with_rules)
                    for a in articles]


# What json leaves raw that a terminal would act on: DEL, C1, bidi and format controls, and
# the lone surrogates of a file name that is not UTF-8. Escaped, the JSON holds the same data.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def dump_json(data: object) -> None:
    """``data`` as indented JSON on stdout, exact and safe on a terminal: json escapes C0
    controls; C1, bidi and format controls are escaped here, and so are the lone surrogates
    that stand for the bytes of a file name that is not UTF-8 (the output is valid UTF-8)."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def allow_dash_values(parser: argparse.ArgumentParser, options: tuple[str, ...] = ("--where",)) -> None:
    """Let options go anywhere on the line (``set draft=true --dry-run a.md``) and
    ``--where -tag:X`` (and ``--sort -score``) mean what they say.

    argparse takes a value starting with ``-`` for an unknown option; a query often starts
    with a negated term. The option and its value are joined as ``--where=-tag:X`` before
    this sub-command's parser sees them. The arguments are then parsed intermixed (options
    between positionals); after ``--`` every argument is positional, however it starts.
    """
    parse_known = parser.parse_known_args
    parse_intermixed = parser.parse_known_intermixed_args
    inside = False

    def parse_known_args(args=None, namespace=None):  # type: ignore[no-untyped-def]
        nonlocal inside
        if inside or args is None:  # intermixed parsing calls parse_known_args itself
            return parse_known(args, namespace)
        items = list(args)
        cut = items.index("--") if "--" in items else len(items)
        # Stand-ins (no argument can hold NUL) for what follows `--`: intermixed parsing
        # loses `--` when no positional comes before it and reads `--x` after it as an option.
        stand_ins = {f"\0{i}": arg for i, arg in enumerate(items[cut + 1 :])}
        inside = True
        try:
            ns, extras = parse_intermixed([*_join_dash_values(items[:cut], options), *stand_ins], namespace)
        finally:
            inside = False
        for key, value in vars(ns).items():
            if isinstance(value, list):
                setattr(ns, key, [stand_ins.get(v, v) if isinstance(v, str) else v for v in value])
        return ns, [stand_ins.get(v, v) for v in extras]

    parser.parse_known_args = parse_known_args  # type: ignore[method-assign]


def _join_dash_values(items: list[str], options: tuple[str, ...]) -> list[str]:
    """``items`` with each of ``options`` followed by a value starting with ``-`` joined to it."""
    joined: list[str] = []
    i = 0
    while i < len(items):
        if items[i] in options and i + 1 < len(items) and items[i + 1].startswith("-"):
            joined.append(f"{items[i]}={items[i + 1]}")
            i += 2
            continue
        joined.append(items[i])
        i += 1
    return joined


def plan_all(articles: Sequence[Article], edits_for: EditsFor) -> tuple[list[Change], list[Outcome]]:
    """Plan a change per article; refusals and no-ops become outcomes right away."""
    from ...edit.apply import EditRefused
    from ...storage.save import plan_change
    from ...text.guard import UnsafeFile

    changes: list[Change] = []
    outcomes: list[Outcome] = []
    for article in articles:
        edits = list(edits_for(article))
        if not edits:
            outcomes.append(Outcome(article, "unchanged"))
            continue
        try:
            change = plan_change(article, edits)
        except EditRefused as exc:
            outcomes.append(Outcome(article, "refused", exc.reason))
            continue
        except UnsafeFile as exc:
            outcomes.append(Outcome(article, "refused", str(exc)))
            continue
        except UnicodeDecodeError:
            outcomes.append(Outcome(article, "refused", "not valid UTF-8"))
            continue
        if change.changed:
            changes.append(change)
        else:
            outcomes.append(Outcome(article, "unchanged"))
    return changes, outcomes


def run_batch(
    corpus: Corpus,
    edits_for: EditsFor,
    *,
    label: str,
    dry_run: bool,
    output: str,
    articles: Sequence[Article] | None = None,
    quiet: bool = False,
) -> int:
    """Plan, preview or save, and report; returns the exit code (1 if any file was refused)."""
    from ...storage.save import save_changes

    targets = list(corpus.articles if articles is None else articles)
    changes, outcomes = plan_all(targets, edits_for)
    base: PatchBase | None = None
    if dry_run:
        base = patch_base([c.path for c in changes], corpus.config.root)
        outcomes.extend(previewed(changes, base))
    else:
        results = save_changes(changes, config=corpus.config, label=label)
        for change, result in zip(changes, results, strict=True):
            status = {"saved": "changed"}.get(result.status, result.status)
            outcomes.append(Outcome(change.article, status, result.message, result.diff))
    outcomes.sort(key=lambda o: o.article.relpath)
    report(outcomes, output, dry_run, quiet=quiet, base=base)
    return 1 if any(o.status in ("refused", "conflict") for o in outcomes) else 0


def previewed(changes: Sequence[Change], base: PatchBase, summary: Callable[[Change], str] = lambda change: "") -> list[Outcome]:
    """What a dry run reports of ``changes``: each file's diff (and ``summary``), or the
    refusal the save would give it (a read-only file, a link...), as the real run reports it."""
    from ...storage.save import would_refuse

    return [Outcome(change.article, "refused", refused.message) if refused is not None
            else Outcome(change.article, "would change", summary(change), change.diff(name=base.name(change.path)))
            for change, refused in zip(changes, would_refuse(changes), strict=True)]


# Named even with --quiet: a file the batch could not write needs the user's attention.
ALWAYS_SHOWN = ("refused", "conflict")


def report(outcomes: Sequence[Outcome], output: str, dry_run: bool, *, quiet: bool = False, base: PatchBase | None = None) -> None:
    """The files that changed (or would) and those refused or in conflict, then the counts;
    in a dry run the batch's patch on stdout (its paths relative to ``base``, announced on
    stderr when that is not the current folder). Unchanged files are only counted, as git
    and ruff do; ``quiet`` leaves only the refusals, conflicts and the counts. The JSON
    output lists every file whatever ``quiet`` says: it is for programs."""
    if output == "json":
        dump_json([o.as_dict() for o in outcomes])
        return
    if dry_run:
        write_patch("".join(o.diff for o in outcomes if o.diff))
        if base is not None and any(o.diff for o in outcomes):
            base.announce()
    # Status lines go to stderr in a dry run so that stdout is a patch `git apply` accepts.
    stream = sys.stderr if dry_run else sys.stdout
    for o in outcomes:
        if o.status == "unchanged" or (quiet and o.status not in ALWAYS_SHOWN):
            continue
        line = f"{printable(display_path(o.article.path))}: {o.status}"
        if o.message:
            line += f" ({printable(o.message)})"
        print(line, file=stream)
        if o.status == "conflict" and o.diff and not dry_run:
            stream.write(printable(o.diff, multiline=True))
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    affected = counts.get("would change" if dry_run else "changed", 0) + counts.get("merged", 0)
    verb = "would change" if dry_run else "changed"
    parts = [f"{n} {status}" for status, n in sorted(counts.items()) if status not in ("changed", "would change")]
    print(f"{plural(affected, 'file')} {verb}" + (f"; {', '.join(parts)}" if parts else ""), file=stream)


@dataclass(frozen=True)
class PatchBase:
    """The folder a dry run's patch names its files from (see :func:`patch_base`)."""

    folder: Path
    here: bool  # the current folder: `git apply` works where the command ran

    def name(self, path: Path) -> str:
        """``path`` as the patch names it: relative to :attr:`folder`, "/"-separated."""
        return _below(path, self.folder) or _below(path, self.folder, resolved=True) or Path(path).name

    def announce(self) -> None:
        """Say on stderr where the patch applies when that is not the current folder."""
        if not self.here:
            folder = printable(self.folder)
            print(f"copydesk: not every file is below the current folder, so the patch's paths are relative to "
                  f"{folder}: apply it from {folder}", file=sys.stderr)


def _below(path: Path | str, folder: Path | str, resolved: bool = False) -> str | None:
    """``path`` relative to ``folder`` ("/"-separated) when it lies below it, else None;
    ``resolved``: compared with the folders' links resolved (the corpus root is a real
    path, a file's path is built from what the user typed), which costs system calls."""
    if resolved:
        file = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
        base = os.path.realpath(folder)
    else:
        file, base = os.path.abspath(path), os.path.abspath(folder)
    prefix = base.rstrip(os.sep) + os.sep
    return file[len(prefix) :].replace(os.sep, "/") if file.startswith(prefix) else None


def patch_base(paths: Iterable[Path], root: Path) -> PatchBase:
    """Where a dry run's patch names its files from, one rule for every editing command:
    the current folder when every file is below it (``git apply`` works where the command
    ran), else the corpus root ``root`` (:meth:`PatchBase.announce` says so), else the
    deepest folder holding them all; a patch never names a file with ``..``."""
    files = [Path(p) for p in paths]
    here = Path(os.getcwd())
    for resolved in (False, True):  # as written first: a real path per file is dear
        if all(_below(p, here, resolved) is not None for p in files):
            return PatchBase(here, True)
        if all(_below(p, root, resolved) is not None for p in files):
            return PatchBase(Path(root), False)
    common = os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in files])
    return PatchBase(Path(common), False)


def write_patch(patch: str) -> None:
    """A dry run's patch on stdout: byte-exact for a file or a pipe (``git apply`` takes it),
    shown escaped on a terminal when it holds control characters, with a note on stderr."""
    out = raw_stdout()
    if not patch:
        return
    if out.isatty() and has_controls(patch, multiline=True):
        out.write(printable(patch, multiline=True))
        print("copydesk: the patch holds control characters, shown escaped; redirect stdout to a file for the exact patch", file=sys.stderr)
        return
    out.write(patch)


def corpus_fields(corpus: Corpus) -> set[str]:
    """The field names a query, ``--sort`` or ``--field`` may use: the schema's and every
    article's (those the index kept, for articles answered from it)."""
    from ...query import known_fields, schema_fields

    fields = getattr(corpus, "fields", None)  # a core.index.listing.Listed
    return schema_fields(corpus.config) | fields if fields is not None else known_fields(corpus.articles, corpus.config)


def taxonomy_fields(given: list[str], corpus: Corpus) -> list[str]:
    """The fields ``--field`` names (each must be in the schema or in an article), else the
    configured taxonomies. Raises UsageError naming an unknown field."""
    if not given:
        return list(corpus.config.taxonomies)
    known = corpus_fields(corpus)
    for name in given:
        if name not in known:
            from ...checks.wording import closest

            hint = closest(name, sorted(known))
            raise UsageError(f"--field {name!r}: not in the schema nor in any article" + (f" (did you mean {hint!r}?)" if hint else ""))
    return list(dict.fromkeys(given))


def add_target_options(parser: argparse.ArgumentParser) -> None:
    """``--changed-since REV`` and ``--files-from FILE|-`` (``-0``): the targets named by git
    or by a list instead of a walk of the paths (see :func:`listed_targets`)."""
    parser.add_argument("--changed-since", metavar="REV",
                        help="only the articles changed since `git merge-base REV HEAD` (working tree included) and the untracked ones")
    parser.add_argument("--files-from", metavar="FILE",
                        help="only the articles named in FILE (`-`: standard input), one per line, relative to the current folder")
    parser.add_argument("-0", "--null", action="store_true", help="with --files-from: names are separated by NUL, not newlines")


def listed_targets(args: argparse.Namespace, command: str, paths: Sequence[str] | None = None) -> list[str] | None:
    """The article files ``--changed-since`` or ``--files-from`` name, within the PATHs given
    (``paths``, default ``args.paths``; none: the current folder's corpus root), or None when
    neither option was given.
    Each file left out is said on stderr with the reason (deleted files git names are left
    out in silence). Raises UsageError for a bad revision, a list that cannot be read, or
    both options at once."""
    since, listed = getattr(args, "changed_since", None), getattr(args, "files_from", None)
    if since is None and listed is None:
        if getattr(args, "null", False):
            raise UsageError("-0 goes with --files-from")
        return None
    if since is not None and listed is not None:
        raise UsageError("--changed-since and --files-from do not combine: give one")
    given = args.paths if paths is None else paths
    scopes = [Path(os.path.abspath(p)) for p in given] or [load_config(Path.cwd()).root]
    if since is not None:
        from ...git import GitError, changed_since

        try:
            _, files = changed_since(since, scopes[0])
        except GitError as exc:
            raise UsageError(f"--changed-since {printable(since)}: {printable(str(exc))}") from None
        named = [(f, True) for f in files]
    else:
        named = [(Path(os.path.abspath(name)), False) for name in _read_list(listed, args.null)]
    out: list[str] = []
    scopes = [Path(os.path.realpath(s)) for s in scopes]
    for path, from_git in named:
        if from_git and not os.path.lexists(path):
            continue  # changed, then deleted in the working tree: nothing to check
        why = _left_out(path, scopes)
        if why:
            print(f"copydesk {command}: {printable(display_path(path))}: {why}: skipped", file=sys.stderr)
        elif str(path) not in out:
            out.append(str(path))
    return out


def _read_list(source: str, null: bool) -> list[str]:
    try:
        if source == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(source, "rb") as handle:
                data = handle.read()
    except OSError as exc:
        raise UsageError(f"--files-from {printable(source)}: {exc.strerror or exc}") from None
    names = data.split(b"\0") if null else data.splitlines()
    return [os.fsdecode(name) for name in names if name.strip()]


def _left_out(path: Path, scopes: Sequence[Path]) -> str:
    """Why a named file is not a target ("" when it is); ``scopes`` are real paths."""
    from ...walk import not_an_article

    real = Path(os.path.realpath(path.parent)) / path.name
    scope = next((s for s in scopes if real == s or s in real.parents), None)
    if scope is None:
        return f"outside the folder checked ({', '.join(map(str, scopes))})"
    if not os.path.lexists(path):
        return "no such file"
    config = load_config(path.parent)
    try:
        rel = real.relative_to(os.path.realpath(config.root)).as_posix()
    except ValueError:
        return f"outside the corpus at {display_path(config.root)}"
    return not_an_article(rel, config) or ""
