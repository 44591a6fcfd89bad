"""The machine formats of ``copydesk check``'s problems, one function each: ``json``,
``github`` (workflow annotations), ``sarif`` (SARIF 2.1.0, for code-scanning pages) and
``gitlab`` (GitLab's Code Quality report). A row is ``(path as printed, Problem)``.

Paths are the ones the text output prints (relative to the current folder when below it),
so a run from the repository's top names files as the CI service does. SARIF and GitLab
results carry a fingerprint that stays the same while the problem does (its file, rule,
message and rank among equal ones), not its line: an unrelated edit above it does not make
it a new finding.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from urllib.parse import quote

from ..checks import RULES, Problem
from ..display import printable

Rows = Sequence[tuple[str, Problem]]

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def write_json(rows: Rows) -> None:
    from .commands.common import dump_json

    dump_json([{"path": path, **p.as_dict()} for path, p in rows])


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def write_github(rows: Rows) -> None:
    out = sys.stdout
    for path, p in rows:
        level = "error" if p.severity == "error" else "warning"
        out.write(
            f"::{level} file={_github_escape(printable(path), True)},line={p.line},col={p.column},"
            f"title={p.code}::{_github_escape(printable(p.message))}\n"
        )


def fingerprints(rows: Rows) -> list[str]:
    """A stable SHA-256 per row: its path, code, message and rank among identical ones."""
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for path, p in rows:
        key = (path, p.code, p.message)
        seen[key] += 1
        out.append(hashlib.sha256("\0".join((*key, str(seen[key]))).encode("utf-8", "surrogateescape")).hexdigest())
    return out


def _uri(path: str) -> str:
    """A path as a SARIF ``uri``: relative ones percent-encoded, absolute ones as file URIs."""
    encoded = quote(path.encode("utf-8", "surrogateescape"), safe="/")
    return f"file://{encoded}" if path.startswith("/") else encoded


def sarif_log(rows: Rows) -> dict[str, object]:
    """The SARIF 2.1.0 log of ``rows``: every rule described once, one result per problem."""
    from .. import __version__

    codes = sorted(RULES)
    index = {code: i for i, code in enumerate(codes)}
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "fullDescription": {"text": RULES[code].explanation},
            "defaultConfiguration": {"level": _level(RULES[code].severity)},
        }
        for code in codes
    ]
    results = [
        {
            "ruleId": p.code,
            "ruleIndex": index[p.code],
            "level": _level(p.severity),
            "message": {"text": p.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(path), **({} if path.startswith("/") else {"uriBaseId": "%SRCROOT%"})},
                    "region": {"startLine": max(p.line, 1), "startColumn": max(p.column, 1)},
                },
            }],
            "partialFingerprints": {"copydesk/v1": fingerprint},
        }
        for (path, p), fingerprint in zip(rows, fingerprints(rows), strict=True)
    ]
    run = {
        "tool": {"driver": {"name": "copydesk", "version": __version__, "rules": rules}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _level(severity: str) -> str:
    return "error" if severity == "error" else "warning"


def write_sarif(rows: Rows) -> None:
    from .commands.common import dump_json

    dump_json(sarif_log(rows))


def gitlab_report(rows: Rows) -> list[dict[str, object]]:
    """GitLab's Code Quality report of ``rows``: errors are ``major``, warnings ``minor``."""
    return [
        {
            "type": "issue",
            "check_name": p.code,
            "description": f"{p.code} {p.message}",
            "categories": ["Style"],
            "severity": "major" if p.severity == "error" else "minor",
            "fingerprint": fingerprint,
            "location": {"path": path, "lines": {"begin": max(p.line, 1)}},
        }
        for (path, p), fingerprint in zip(rows, fingerprints(rows), strict=True)
    ]


def write_gitlab(rows: Rows) -> None:
    from .commands.common import dump_json

    dump_json(gitlab_report(rows))


# The formats that write the problems and nothing else (``text`` adds a summary: check's own).
WRITERS: dict[str, Callable[[Rows], None]] = {
    "json": write_json,
    "github": write_github,
    "sarif": write_sarif,
    "gitlab": write_gitlab,
}
FORMATS = ("text", *WRITERS)
