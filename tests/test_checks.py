"""The rule registry and what is made from it, the selection a check runs, what the index
records of it, the code key of cached results, and the one definition of each schema
concept (date-time, ``$ref``, the closest tag) every caller shares."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core import index
from core.checks import RULES, families, selected_by
from core.checks.fixes import FIXABLE
from core.cli.commands.rules import markdown_table
from core.cli.main import main as cli_main
from core.config import Config, load_config
from core.document import load_article
from core.index import store
from core.schema import compiled_schema, field_types, load_schema
from core.taxonomy import closest_tag

PROJECT = Path(__file__).resolve().parents[1]

ARTICLE = """\
---
title: Ferry fares rise
description: Fares go up in January.
publishedAt: '{published}'
lang: en
source:
  name: Harbour Desk
  key: harbourdesk
  type: RSS
category: TRANSPORT
tags:
  - {tag}
sentiment: {sentiment}
draft: false
---
## Fares

Single fares rise by nine per cent.
{tail}"""


def article(published: str = "2025-11-03T06:15:00.000Z", tag: str = "TRANSPORT", sentiment: str = "NEUTRAL", tail: str = "") -> str:
    return ARTICLE.format(published=published, tag=tag, sentiment=sentiment, tail=tail)


@pytest.fixture(autouse=True)
def user_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own user cache folder (where the index's HMAC key lives)."""
    cache = tmp_path_factory.mktemp("user-cache")
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def codes_of(result: subprocess.CompletedProcess[str]) -> set[str]:
    return {row["code"] for row in json.loads(result.stdout)}


def every_family_folder(root: Path) -> Path:
    """Articles with a problem of each family CD2, CD3 and CD4."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "enum.md").write_text(article(sentiment="CALM"))  # CD203
    (root / "tag.md").write_text(article(tag="Transport"))  # CD303
    (root / "tail.md").write_text(article(tail="\n\n\n"))  # CD407
    return root


# -- the registry and what is made from it ----------------------------------------------------


def test_every_rule_has_an_explanation_in_its_family_module() -> None:
    for family in families():
        prefix = {"files": "CD1", "fields": "CD2", "consistency": "CD3", "body": "CD4"}[family.__name__.rsplit(".", 1)[1]]
        assert family.RULES and all(rule.code.startswith(prefix) for rule in family.RULES), family.__name__
        assert family.CODES == {rule.code for rule in family.RULES}
    assert sorted(RULES) == sorted(rule.code for family in families() for rule in family.RULES)
    for code, rule in RULES.items():
        assert re.fullmatch(r"CD[1-4]\d\d", code)
        assert "\n" not in rule.summary and rule.summary.endswith(".")
        # A paragraph: what it checks and why, an example, how to fix it.
        assert len(rule.explanation) > 150 and rule.explanation.endswith("."), code
        assert "Example" in rule.explanation, code
        assert "Fix:" in rule.explanation, code


def test_fixes_are_declared_by_the_rules_that_own_them() -> None:
    assert FIXABLE == {"CD206", "CD208", "CD302", "CD303", "CD304", "CD305", "CD402", "CD404", "CD405", "CD406", "CD407"}
    assert {code for code, rule in RULES.items() if rule.fix} == FIXABLE - {"CD407"}
    assert {code for code, rule in RULES.items() if rule.text_fix} == {"CD407"}
    # a heuristic chose the lines a body fix removes: only --unsafe-fixes applies it
    assert {code for code, rule in RULES.items() if rule.fixable and rule.fix_safety != "safe"} == {"CD206", "CD402", "CD404", "CD405", "CD406"}
    source = (PROJECT / "core" / "cli" / "commands" / "check.py").read_text(encoding="utf-8")
    assert not re.search(r"[\"']CD\d{3}[\"']", source), "the check command names no code: the rules say what they fix"


def test_readme_rules_table_is_the_registrys_table() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert markdown_table(RULES.values()) in readme
    assert run("rules", "--format", "markdown", cwd=PROJECT).stdout == markdown_table(RULES.values())


def test_rules_code_prints_the_rules_explanation() -> None:
    result = run("rules", "CD303", cwd=PROJECT)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    rule = RULES["CD303"]
    assert text.startswith("CD303 tag-not-uppercase (warning, fixable")
    assert rule.summary in text and " ".join(rule.explanation.split()) in text
    data = json.loads(run("rules", "--format", "json", "CD4", cwd=PROJECT).stdout)
    assert all(d["explanation"] == RULES[d["code"]].explanation for d in data)


# -- the selection: what runs, what the index records --------------------------------------------


def test_a_rule_family_not_selected_does_not_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import core.checks.body
    import core.checks.fields

    root = every_family_folder(tmp_path / "news")

    def must_not_run(*args: object) -> list:
        raise AssertionError("a family that was not selected ran")

    monkeypatch.setattr(core.checks.body, "check", must_not_run)
    assert cli_main(["check", "--no-cache", "--format", "json", "--select", "CD2,CD3", str(root)]) == 1
    assert {row["code"] for row in json.loads(capsys.readouterr().out)} == {"CD203", "CD303"}
    monkeypatch.undo()
    monkeypatch.setattr(core.checks.fields, "check", must_not_run)
    assert cli_main(["check", "--no-cache", "--format", "json", "--select", "CD4", str(root)]) == 0
    assert {row["code"] for row in json.loads(capsys.readouterr().out)} == {"CD407"}


def test_check_select_then_check_still_reports_every_family(tmp_path: Path) -> None:
    root = every_family_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text("")
    narrow = run("check", "--format", "json", "--select", "CD2", ".", cwd=root)
    assert codes_of(narrow) == {"CD203"}
    assert index.index_path(load_config(root)).is_file()
    wide = run("check", "--format", "json", ".", cwd=root)
    assert codes_of(wide) == {"CD203", "CD303", "CD407"}
    # The other way round: the whole check's entries serve a narrower one, filtered.
    assert codes_of(run("check", "--format", "json", "--select", "CD3,CD4", ".", cwd=root)) == {"CD303", "CD407"}
    assert codes_of(run("check", "--format", "json", ".", cwd=root)) == {"CD203", "CD303", "CD407"}


def test_an_entry_records_the_selection_it_was_made_under(tmp_path: Path) -> None:
    root = every_family_folder(tmp_path / "news")
    (root / "copydesk.toml").write_text('select = ["CD2", "CD4"]\n[per-file-ignores]\n"tail.md" = ["CD4"]\n')
    config = load_config(root)
    first = index.scan([root], config)
    columns, _ = store.read_columns(config)
    assert columns is not None
    made = {rel: columns.selections[columns.chosen[i]] for i, rel in enumerate(columns.relpaths)}
    assert made["enum.md"] == (("CD2", "CD4"), (), ())
    assert made["tail.md"] == (("CD2", "CD4"), (), (("CD4",),))
    assert selected_by(made["enum.md"]) == {code for code in RULES if code[:3] in ("CD2", "CD4")}
    assert selected_by(made["tail.md"]) == {code for code in RULES if code[:3] == "CD2"}
    assert index.scan([root], config).records == first.records


def test_a_warm_scan_imports_no_rule(tmp_path: Path) -> None:
    # Whether an entry serves a scan is told from the settings: a scan that parses nothing
    # (the TUI's second start, a warm check) does not import the rules to tell it.
    root = every_family_folder(tmp_path / "news")
    index.scan([root], load_config(root))
    code = (
        "import sys\nfrom pathlib import Path\nfrom core import index\nfrom core.config import load_config\n"
        f"root = Path({str(root)!r})\nresult = index.scan([root], load_config(root))\n"
        "assert result.parsed == 0, result\n"
        "print(sorted(m for m in sys.modules if m in ('core.checks.body', 'core.checks.fields', 'fastjsonschema')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert result.stdout.splitlines()[-1:] == ["[]"], result.stdout + result.stderr


# -- the code key: no stale cached problems after a change of copydesk ---------------------------


def test_the_code_key_covers_every_core_module_a_check_imports(tmp_path: Path) -> None:
    root = every_family_folder(tmp_path / "news")
    code = (
        "import sys\nimport core.cli.main\nfrom core import index\n"
        f"core.cli.main.main(['check', '--fix', {str(root)!r}])\ncore.cli.main.main(['check', {str(root)!r}])\n"
        "hashed = set(index.code_files())\n"
        "used = {m.__file__ for n, m in list(sys.modules.items()) if n == 'core' or n.startswith('core.')}\n"
        "from pathlib import Path\n"
        "print(sorted(f for f in used if Path(f).resolve() not in hashed))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert result.stdout.splitlines()[-1] == "[]", result.stdout + result.stderr
    assert PROJECT / "core" / "schema.json" in index.code_files()


def test_a_change_to_a_rule_re_checks_every_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = every_family_folder(tmp_path / "news")
    config = load_config(root)
    assert index.scan([root], config).parsed == 3
    assert index.scan([root], config).parsed == 0
    rule_file = (PROJECT / "core" / "checks" / "body.py").resolve()
    read_bytes = Path.read_bytes

    def edited(path: Path) -> bytes:  # the body rules as they would be after an edit
        data = read_bytes(path)
        return data + b"\n# changed\n" if path.resolve() == rule_file else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    monkeypatch.setattr(store, "_CODE_KEY", None)
    result = index.scan([root], config)
    assert result.cache == "settings or copydesk changed" and result.parsed == 3


# -- one definition of each schema concept -------------------------------------------------------


DATE_TIMES = [
    "2025-12-01T07:29:42.000Z", "2025-12-01T07:29:42+02:00", "2025-12-01T07:29", "2025-12-01t07:29",
    "2025-12-01T07:29z", "2025-12-01T07", "2025-12-01", "2025-12-01 07:29", "2025-13-01T00:00:00Z",
    "yesterday", "2025-12-01T07:29:42+0200", "２０２５-12-01T07:29",
]  # fmt: skip


@pytest.mark.parametrize("value", DATE_TIMES)
def test_the_editor_accepts_exactly_the_date_times_check_accepts(tmp_path: Path, value: str) -> None:
    from tui.fields import valid_datetime

    path = tmp_path / "a.md"
    path.write_text(article(published=value), encoding="utf-8")
    checked = load_article(path, Config(root=tmp_path))
    check_accepts = not any(p.code == "CD204" for p in checked.problems)
    assert (valid_datetime(value) is None) == check_accepts, value


def test_one_ref_resolution_for_the_editor_the_schema_queries_and_the_check(tmp_path: Path) -> None:
    from tui.fields import specs_from_schema

    # A chain of 30 pointers: the three resolvers stopped after 8, 20 and 50.
    definitions = {f"d{i}": {"$ref": f"#/definitions/d{i + 1}"} for i in range(30)}
    definitions["d30"] = {"type": "string", "format": "date-time"}
    schema = {"type": "object", "properties": {"when": {"$ref": "#/definitions/d0"}}, "definitions": definitions}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    config = Config(root=tmp_path, schema=tmp_path / "schema.json")
    assert [(s.name, s.kind) for s in specs_from_schema(load_schema(config, compiled=False))] == [("when", "datetime")]
    assert field_types(load_schema(config), ("when",)) == {"string"}
    (tmp_path / "a.md").write_text("---\nwhen: '2025-12-01'\n---\nText.\n")
    assert [p.code for p in load_article(tmp_path / "a.md", config).problems] == ["CD204"]


def test_the_schema_as_data_is_what_the_check_compiled(tmp_path: Path) -> None:
    config = Config(root=tmp_path)
    assert load_schema(config) is compiled_schema(config).root
    assert load_schema(config, compiled=False) == compiled_schema(config).root


def test_the_unknown_tag_hint_is_the_taxonomys_closest_tag(tmp_path: Path) -> None:
    # A plural of a known tag: the taxonomy names it; a plain edit-distance hint did not.
    vocabulary = ("CITY", "TRANSPORT", "MARKETS")
    assert closest_tag("CITIES", vocabulary) == "CITY"
    path = tmp_path / "a.md"
    path.write_text(article(tag="CITIES"), encoding="utf-8")
    (problem,) = load_article(path, Config(root=tmp_path, vocabulary=vocabulary)).problems
    assert problem.code == "CD208" and problem.message.endswith("closest known tag: 'CITY'")
    (tmp_path / "copydesk.toml").write_text('vocabulary = ["CITY", "TRANSPORT", "MARKETS"]\n')
    result = run("tag", "a.md", "--add", "CITTY", cwd=tmp_path)
    assert result.returncode == 2 and "closest known tag: 'CITY'" in result.stderr
