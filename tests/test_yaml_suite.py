"""The YAML test suite as front matter: every case loads (matching its in.json) or is refused.

Each case's ``in.yaml`` becomes the front matter of one article (``---`` + case + ``---`` +
a body), and the whole folder is loaded in a subprocess: no case may crash or hang the
loader, and each ends in one of these outcomes:

- *loaded*: a mapping; where the case has ``in.json`` the data equals it, after the
  normalisation JSON itself imposes (keys become strings: ``1`` -> ``"1"``, ``true`` ->
  ``"true"``, null -> ``"null"``) and with an empty document meaning "no fields" (``{}``);
- *refused*: the article carries a structure problem (CD1xx) with a message: invalid YAML,
  a document that is not a mapping (front matter must be one), a limit, or a YAML feature
  copydesk does not support (sets, lists or mappings used as keys);
- *cut*: the case contains a ``---`` or ``...`` line, which ends front matter early, as in
  every front-matter tool; it must still load or be refused, but is not compared.

Cases marked ``error`` in the suite must never load when uncut.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SUITE = SHARED / "yaml-test-suite"
BODY = b"---\nBody of the article.\n"
TIMEOUT = 300

LOADER = r"""
import json, sys, traceback
from pathlib import Path
from core.config import load_config
from core.document import load_article, thaw

root = Path(sys.argv[1])
config = load_config(root)
rows = {}
for path in sorted(root.glob("*.md")):
    try:
        article = load_article(path, config)
    except Exception:
        rows[path.name] = {"crash": traceback.format_exc(limit=3)}
        continue
    rows[path.name] = {
        "kind": article.kind,
        "problems": [p.as_dict() for p in article.problems],
        "meta": thaw(article.meta) if article.meta is not None else None,
    }
sys.stdout.write(json.dumps(rows, default=repr))
"""


def _case_dirs() -> list[Path]:
    return sorted(path.parent for path in SUITE.rglob("in.yaml"))


def _case_id(case: Path) -> str:
    return case.relative_to(SUITE).as_posix().replace("/", "_")


def _article(yaml: bytes) -> bytes:
    return b"---\n" + yaml + (b"" if yaml.endswith(b"\n") or not yaml else b"\n") + BODY


def _json_documents(text: str) -> list[Any]:
    decoder = json.JSONDecoder()
    documents = []
    index = 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return documents
        value, index = decoder.raw_decode(text, index)
        documents.append(value)


def _expected(case: Path) -> Any:
    """What the case's data is as front matter, or None when in.json cannot say."""
    documents = _json_documents((case / "in.json").read_text(encoding="utf-8"))
    if len(documents) > 1:
        return None  # several documents: refused or cut
    value = documents[0] if documents else None
    return {} if value is None else value


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not SUITE.is_dir():
        pytest.skip(f"the YAML test suite is not available beside the project ({SUITE})")
    folder = tmp_path_factory.mktemp("yaml-suite")
    (folder / "copydesk.toml").write_text("")
    cases: dict[str, Path] = {}
    for case in _case_dirs():
        name = f"{_case_id(case)}.md"
        (folder / name).write_bytes(_article((case / "in.yaml").read_bytes()))
        cases[name] = case
    proc = subprocess.run(
        [sys.executable, "-c", LOADER, str(folder)],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert proc.returncode == 0, f"loader died (exit {proc.returncode}): {proc.stderr.decode(errors='replace')[-3000:]}"
    return {"folder": folder, "cases": cases, "rows": json.loads(proc.stdout)}


def _classify(article: bytes, row: dict[str, Any]) -> str:
    from core.text.frontmatter import split_text

    text = article.decode("utf-8", "replace")
    split = split_text(text)
    # whole: the front matter ends at the fence we wrote, not at a fence inside the case
    whole = split.has_front_matter and split.fm_end == len(text) - len(BODY)
    structural = [p for p in row["problems"] if p["code"].startswith("CD1") and p["code"] != "CD109"]
    loaded = row["kind"] == "front-matter" and row["meta"] is not None and not structural
    return f"{'whole' if whole else 'cut'}-{'loaded' if loaded else 'refused'}"


def test_no_case_crashes_the_loader(suite) -> None:
    crashed = {name: row["crash"].strip().splitlines()[-1] for name, row in suite["rows"].items() if "crash" in row}
    assert not crashed, "\n".join(f"{name}: {why}" for name, why in sorted(crashed.items()))


def test_every_case_loads_or_is_refused_with_a_problem(suite) -> None:
    counts: Counter[str] = Counter()
    mismatched: list[str] = []
    wrongly_loaded: list[str] = []
    unexplained: list[str] = []
    for name, case in suite["cases"].items():
        row = suite["rows"][name]
        if "crash" in row:
            continue  # reported by test_no_case_crashes_the_loader
        article = (suite["folder"] / name).read_bytes()
        outcome = _classify(article, row)
        error_case = (case / "error").exists()
        counts[f"{'error' if error_case else 'valid'} {outcome}"] += 1
        if outcome.endswith("refused"):
            structural = [p for p in row["problems"] if p["code"].startswith("CD1")]
            if not structural or not all(p["message"].strip() for p in structural):
                unexplained.append(name)
        if outcome == "whole-loaded" and error_case:
            wrongly_loaded.append(name)
        if outcome == "whole-loaded" and not error_case and (case / "in.json").exists():
            expected = _expected(case)
            if expected is not None and row["meta"] != expected:
                mismatched.append(f"{name}: got {row['meta']!r}, in.json {expected!r}")
    print("\nYAML test suite as front matter:", dict(sorted(counts.items())), f"mismatched: {len(mismatched)}")
    assert not unexplained, f"refused without a structure problem: {unexplained}"
    assert not wrongly_loaded, f"invalid YAML loaded as front matter: {wrongly_loaded}"
    assert not mismatched, "\n".join(mismatched)
    assert sum(counts.values()) + sum("crash" in r for r in suite["rows"].values()) == len(suite["cases"]) >= 400


def test_refusals_name_the_reason(suite) -> None:
    """Valid YAML that is not a mapping is refused as such, not as a syntax error."""
    rows = suite["rows"]
    list_doc = rows.get("229Q.md")  # a sequence of mappings
    assert list_doc is not None and [p["code"] for p in list_doc["problems"] if p["code"].startswith("CD1")] == ["CD106"]
    complex_key = rows.get("M5DY.md")  # a sequence used as a mapping key
    assert complex_key is not None and any(
        "not supported" in p["message"] for p in complex_key["problems"] if p["code"] == "CD103"
    )


def test_check_command_over_the_suite(suite) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "check", "--format", "json", str(suite["folder"])],
        capture_output=True,
        timeout=TIMEOUT,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")[-3000:]
    assert proc.returncode == 1
    paths = {Path(item["path"]).name for item in json.loads(proc.stdout)}
    refused = [name for name, row in suite["rows"].items() if row.get("kind") not in (None, "front-matter")]
    assert set(refused) <= paths
