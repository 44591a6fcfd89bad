"""`copydesk check` and `copydesk rules` through a real subprocess, on real files."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.checks import RULES

PROJECT = Path(__file__).resolve().parents[1]
SAMPLES = PROJECT / "samples"
SHARED = Path(__file__).resolve().parents[2] / "shared"

CLEAN = """\
---
title: Ferry fares rise
description: Fares go up in January.
publishedAt: '2025-11-03T06:15:00.000Z'
lang: en
source:
  name: Harbour Desk
  key: harbourdesk
  type: RSS
category: TRANSPORT
tags:
  - TRANSPORT
sentiment: NEUTRAL
draft: false
---
## Fares

Single fares rise by nine per cent.
"""
WARNING_ONLY = CLEAN.replace("  - TRANSPORT\n", "  - Transport\n")  # CD303 on 12:5
ERRORS = CLEAN.replace("sentiment: NEUTRAL", "sentiment: CALM").replace("lang: en", "lang: English")  # CD203 13:12, CD209 5:7


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    write(tmp_path, "b/errors.md", ERRORS)
    write(tmp_path, "a/warn.md", WARNING_ONLY)
    write(tmp_path, "a/clean.md", CLEAN)
    return tmp_path


def test_text_output_sorted_by_path_then_line_with_summary(corpus: Path) -> None:
    result = run("check", ".", cwd=corpus)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == [
        "a/warn.md:12:5: CD303 tag 'Transport' is not upper-case (should be 'TRANSPORT')",
        "b/errors.md:5:7: CD209 lang is 'English': must match the pattern ^[a-z]{2}$",
        "b/errors.md:13:12: CD203 sentiment is 'CALM'; allowed: POSITIVE, NEUTRAL, NEGATIVE",
        "Found 3 problems (2 errors, 1 warning) in 2 files.",
        "1 fixable with `copydesk check --fix`.",
    ]


def test_json_output(corpus: Path) -> None:
    result = run("check", "--format", "json", "a", "b", cwd=corpus)
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data[0] == {
        "path": "a/warn.md",
        "line": 12,
        "column": 5,
        "code": "CD303",
        "severity": "warning",
        "message": "tag 'Transport' is not upper-case (should be 'TRANSPORT')",
    }
    assert [(d["path"], d["code"]) for d in data] == [("a/warn.md", "CD303"), ("b/errors.md", "CD209"), ("b/errors.md", "CD203")]


def test_github_annotations(corpus: Path) -> None:
    result = run("check", "--format", "github", ".", cwd=corpus)
    lines = result.stdout.splitlines()
    assert lines[0] == "::warning file=a/warn.md,line=12,col=5,title=CD303::tag 'Transport' is not upper-case (should be 'TRANSPORT')"
    assert lines[1].startswith("::error file=b/errors.md,line=5,col=7,title=CD209::")
    assert len(lines) == 3


def test_clean_folder_passes(corpus: Path) -> None:
    result = run("check", "a/clean.md", cwd=corpus)
    assert (result.returncode, result.stdout) == (0, "All checks passed.\n")


def test_warnings_pass_unless_strict(corpus: Path) -> None:
    assert run("check", "a", cwd=corpus).returncode == 0
    assert run("check", "--strict", "a", cwd=corpus).returncode == 1


def test_select_and_ignore_families(corpus: Path) -> None:
    selected = json.loads(run("check", "--format", "json", "--select", "CD3", ".", cwd=corpus).stdout)
    assert {d["code"] for d in selected} == {"CD303"}
    ignored = json.loads(run("check", "--format", "json", "--ignore", "CD2,CD303", ".", cwd=corpus).stdout)
    assert ignored == []
    both = json.loads(run("check", "--format", "json", "--select", "CD203", "--select", "CD3", ".", cwd=corpus).stdout)
    assert {d["code"] for d in both} == {"CD203", "CD303"}
    assert run("check", "--select", "CD2", "a", cwd=corpus).returncode == 0


def test_unknown_selector_is_a_usage_error(corpus: Path) -> None:
    result = run("check", "--select", "CD999", ".", cwd=corpus)
    assert result.returncode == 2
    assert "CD999" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_a_usage_error(corpus: Path) -> None:
    result = run("check", "nowhere", cwd=corpus)
    assert result.returncode == 2
    assert "nowhere" in result.stderr


def test_unknown_config_key_is_a_config_error(corpus: Path) -> None:
    write(corpus, "copydesk.toml", "selekt = ['CD2']\n")
    result = run("check", ".", cwd=corpus)
    assert result.returncode == 2
    assert "copydesk.toml" in result.stderr and "selekt" in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_schema_file_is_a_config_error(corpus: Path) -> None:
    write(corpus, "copydesk.toml", "schema = 'schema.json'\n")
    write(corpus, "schema.json", "{not json")
    result = run("check", ".", cwd=corpus)
    assert result.returncode == 2
    assert "schema.json" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "device", "huge"])
def test_a_schema_that_is_no_regular_file_is_refused_at_once(corpus: Path, kind: str) -> None:
    """The shared folder's copydesk.toml names the schema: a FIFO (which blocked every
    command), /dev/zero (read without end) or a huge file is a configuration error."""
    if kind == "fifo":
        os.mkfifo(corpus / "schema.json")
        target = "schema.json"
    elif kind == "device":
        target = "/dev/zero"
    else:
        with open(corpus / "schema.json", "wb") as handle:
            handle.truncate(64 * 1024 * 1024)  # sparse: no disk used
        target = "schema.json"
    write(corpus, "copydesk.toml", f"schema = '{target}'\n")
    result = run("check", ".", cwd=corpus)
    assert result.returncode == 2, result.stderr
    assert "cannot read schema" in result.stderr and "Traceback" not in result.stderr
    assert ("byte limit" if kind == "huge" else "not a regular file") in result.stderr


def test_config_select_ignore_and_per_file_ignores(corpus: Path) -> None:
    write(corpus, "copydesk.toml", "ignore = ['CD209']\n[per-file-ignores]\n'a/*' = ['CD3']\n")
    data = json.loads(run("check", "--format", "json", ".", cwd=corpus).stdout)
    assert [(d["path"], d["code"]) for d in data] == [("b/errors.md", "CD203")]


def test_each_path_uses_its_own_config(tmp_path: Path) -> None:
    write(tmp_path, "one/copydesk.toml", "ignore = ['CD303']\n")
    write(tmp_path, "one/warn.md", WARNING_ONLY)
    write(tmp_path, "two/warn.md", WARNING_ONLY)
    data = json.loads(run("check", "--format", "json", "one", "two", cwd=tmp_path).stdout)
    assert [d["path"] for d in data] == ["two/warn.md"]


def test_paths_outside_the_current_folder_are_absolute(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    data = json.loads(run("check", "--format", "json", str(corpus / "a"), cwd=elsewhere).stdout)
    assert [d["path"] for d in data] == [str(corpus / "a" / "warn.md")]


def test_statistics(corpus: Path) -> None:
    result = run("check", "--statistics", ".", cwd=corpus)
    assert result.stdout.splitlines()[:3] == [
        "     1  CD203  invalid-enum (error)",
        "     1  CD209  invalid-value (error)",
        "     1  CD303  tag-not-uppercase (warning) [*]",
    ]
    data = json.loads(run("check", "--statistics", "--format", "json", ".", cwd=corpus).stdout)
    assert {d["code"]: d["count"] for d in data} == {"CD203": 1, "CD209": 1, "CD303": 1}


def test_bad_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "latin.md").write_bytes("---\ntitle: Café\n---\n".encode("latin-1"))
    result = run("check", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("latin.md:2:11: CD105 ")
    assert "Traceback" not in result.stderr


def test_fix_round_trip(tmp_path: Path) -> None:
    text = CLEAN.replace("  - TRANSPORT\n", "  - Transport\n  - ' HONG KONG'\n  - TRANSPORT\n  - ''\n") + "\n\n\n"
    path = write(tmp_path, "a.md", text)
    other = write(tmp_path, "b.md", ERRORS)
    result = run("check", "--fix", ".", cwd=tmp_path)
    assert result.returncode == 1  # b.md's errors are not fixable
    assert "Fixed 5 problems in 1 file." in result.stdout
    # The item keeps its own quote style; only the tag lines changed.
    assert path.read_text(encoding="utf-8") == CLEAN.replace("  - TRANSPORT\n", "  - TRANSPORT\n  - 'HONG KONG'\n")
    assert other.read_text(encoding="utf-8") == ERRORS
    assert "a.md" not in result.stdout.replace("Fixed", "")
    again = run("check", "--fix", "a.md", cwd=tmp_path)
    assert (again.returncode, again.stdout) == (0, "All checks passed.\n")


def test_fix_refused_is_reported_and_the_file_left_alone(tmp_path: Path) -> None:
    text = CLEAN.replace("  - TRANSPORT\n", "  - Transport\n").replace("category: TRANSPORT", "category: '{{ site.section }}'")
    path = write(tmp_path, "a.md", text)
    result = run("check", "--fix", ".", cwd=tmp_path)
    assert "a.md: not fixed: " in result.stderr and "template" in result.stderr
    assert path.read_text(encoding="utf-8") == text
    assert "a.md:12:5: CD303 " in result.stdout
    assert "Traceback" not in result.stderr


def test_fix_only_touches_selected_rules(tmp_path: Path) -> None:
    text = CLEAN.replace("  - TRANSPORT\n", "  - Transport\n") + "\n\n"
    path = write(tmp_path, "a.md", text)
    run("check", "--fix", "--select", "CD407", ".", cwd=tmp_path)
    assert path.read_text(encoding="utf-8") == CLEAN.replace("  - TRANSPORT\n", "  - Transport\n")


def test_fix_raw_article_trailing_blank_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "raw.txt", "Council votes\n\nThe council voted.\n\n\n\n")
    run("check", "--fix", ".", cwd=tmp_path)
    assert path.read_bytes() == b"Council votes\n\nThe council voted.\n"


def test_fix_keeps_crlf(tmp_path: Path) -> None:
    text = CLEAN.replace("  - TRANSPORT\n", "  - Transport\n").replace("\n", "\r\n")
    path = tmp_path / "a.md"
    path.write_bytes(text.encode())
    run("check", "--fix", ".", cwd=tmp_path)
    assert path.read_bytes() == CLEAN.replace("\n", "\r\n").encode()


# -- samples and seeds ----------------------------------------------------------------------


def test_samples_show_every_rule_code() -> None:
    result = run("check", "--format", "json", "samples", cwd=PROJECT)
    assert result.returncode == 1
    seen = {d["code"] for d in json.loads(result.stdout)}
    # CD110 reports a bug in copydesk itself: no sample can (or should) show it; CD112 is
    # what a merge leaves behind, made with real git in tests/test_git_merge.py; the opt-in
    # rules run only when selected by their code
    opt_in = {code for code, rule in RULES.items() if rule.opt_in}
    assert set(RULES) - seen == {"CD110", "CD112"} | opt_in
    chosen = run("check", "--format", "json", "--select", ",".join(sorted(opt_in)), "samples", cwd=PROJECT)
    assert {d["code"] for d in json.loads(chosen.stdout)} == opt_in


def test_samples_text_run_exits_1_with_a_summary() -> None:
    result = run("check", "samples/", cwd=PROJECT)
    assert result.returncode == 1
    found, safe, unsafe = result.stdout.splitlines()[-3:]
    assert re.fullmatch(r"Found \d+ problems \(\d+ errors, \d+ warnings\) in \d+ files\.", found)
    assert re.fullmatch(r"\d+ fixable with `copydesk check --fix`\.", safe)
    assert re.fullmatch(r"\d+ more fixable with `copydesk check --fix --unsafe-fixes`\.", unsafe)


def test_no_cache_prints_what_a_check_through_the_index_prints(tmp_path: Path) -> None:
    """``--no-cache`` scans for problems only (no fingerprints, no display values, no kept
    values): the samples, which show every rule, give the same lines, summary and exit code
    as a check that writes the index, and as one that reads it back."""
    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES, copy, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    for args in ((), ("--format", "json"), ("--statistics",)):
        fresh = run("check", *args, "--no-cache", ".", cwd=copy)
        assert not (copy / ".copydesk").exists()
        indexed = run("check", *args, ".", cwd=copy)
        warm = run("check", *args, ".", cwd=copy)
        assert fresh.returncode == indexed.returncode == warm.returncode == 1
        assert fresh.stdout == indexed.stdout == warm.stdout
        shutil.rmtree(copy / ".copydesk")


@pytest.mark.parametrize("name", ["01-ferry-fares-rise.md", "03-tram-line-opens.txt", "04-night-market-returns.md", "05-port-strike-ends.md"])
def test_clean_samples_pass(name: str) -> None:
    result = run("check", "--strict", f"samples/{name}", cwd=PROJECT)
    assert (result.returncode, result.stdout) == (0, "All checks passed.\n")


def test_samples_fix_in_a_copy(tmp_path: Path) -> None:
    copy = tmp_path / "samples"
    shutil.copytree(SAMPLES, copy, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    before = json.loads(run("check", "--format", "json", ".", cwd=copy).stdout)
    run("check", "--fix", ".", cwd=copy)
    after = json.loads(run("check", "--format", "json", ".", cwd=copy).stdout)
    safe = {code for code, r in RULES.items() if r.fixable and r.fix_safety == "safe"}
    unsafe = {code for code, r in RULES.items() if r.fixable and r.fix_safety == "unsafe"}
    assert {d["code"] for d in before} & safe == safe
    # the samples' unknown tags are all variants of vocabulary tags, their unknown field a
    # misspelling: the safe fixes leave none of these
    assert {d["code"] for d in after} & (safe | {"CD206"}) == set()
    unfixed = lambda rows: [d for d in rows if d["code"] not in safe | {"CD206"}]  # noqa: E731
    assert unfixed(after) == unfixed(before)  # the unsafe fixes wait for --unsafe-fixes
    run("check", "--fix", "--unsafe-fixes", ".", cwd=copy)
    final = json.loads(run("check", "--format", "json", ".", cwd=copy).stdout)
    # a raw article gets no body fixes (it gets them once adopted)
    assert {(d["path"], d["code"]) for d in final if d["code"] in unsafe} == {
        ("14-raw-scraped-council.txt", code) for code in ("CD404", "CD405", "CD406")
    }


def test_seed_article_has_no_errors() -> None:
    seeds = sorted((SHARED / "seeds").glob("000_*.txt")) if SHARED.is_dir() else []
    if not seeds:
        pytest.skip(f"the seed articles are not available ({SHARED / 'seeds'} missing)")
    # --no-cache: the shared folder is read-only data, no index is written beside it
    result = run("check", "--no-cache", "--format", "json", str(seeds[0]), cwd=PROJECT)
    assert result.returncode == 0
    assert [d for d in json.loads(result.stdout) if d["severity"] == "error"] == []


def test_raw_seeds_show_the_scraping_rules() -> None:
    seeds = sorted((SHARED / "seeds").glob("00[123]_*.txt")) if SHARED.is_dir() else []
    if len(seeds) != 3:
        pytest.skip(f"the raw seed articles are not available ({SHARED / 'seeds'} missing)")
    data = json.loads(run("check", "--no-cache", "--format", "json", *map(str, seeds), cwd=PROJECT).stdout)
    codes = {d["code"] for d in data}
    assert {"CD101", "CD402", "CD403", "CD404", "CD405", "CD406", "CD407"} <= codes


# -- copydesk rules and the docs table ------------------------------------------------------


def test_rules_lists_every_code() -> None:
    text = run("rules", cwd=PROJECT).stdout
    for code, rule in RULES.items():
        assert re.search(rf"^{code}  {re.escape(rule.name)} .* {re.escape(rule.summary)}$", text, re.M), code
    data = json.loads(run("rules", "--format", "json", cwd=PROJECT).stdout)
    assert [d["code"] for d in data] == sorted(RULES)
    family = json.loads(run("rules", "--format", "json", "CD4", cwd=PROJECT).stdout)
    assert {d["code"] for d in family} == {c for c in RULES if c.startswith("CD4")}
    assert run("rules", "XX1", cwd=PROJECT).returncode == 2


def test_readme_rules_table_matches_the_registry() -> None:
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| (CD\d{3}) \|.*$", text, re.M)}
    assert set(rows) == set(RULES)
    for code, rule in RULES.items():
        cells = [c.strip() for c in rows[code].strip("|").split("|")]
        assert cells[1] == f"`{rule.name}`"
        assert cells[2] == rule.severity
        assert cells[3] == {"safe": "yes", "unsafe": "unsafe", "varies": "yes/unsafe"}[rule.fix_safety] if rule.fixable else cells[3] == ""


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def test_a_first_check_leaves_git_status_clean_and_keeps_a_user_gitignore(tmp_path: Path) -> None:
    # `check` writes only the index, yet `.copydesk/` must not show up as untracked.
    write(tmp_path, "clean.md", CLEAN)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "clean.md")
    assert run("check", ".", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".copydesk" / "index").is_dir()
    assert _git(tmp_path, "status", "--porcelain", "--untracked-files=all") == "A  clean.md\n"
    # A .gitignore the user edited is never overwritten, even when the index is rebuilt.
    mine = "index/\n# the journal is committed on purpose\n"
    write(tmp_path, ".copydesk/.gitignore", mine)
    shutil.rmtree(tmp_path / ".copydesk" / "index")
    assert run("check", ".", cwd=tmp_path).returncode == 0
    assert (tmp_path / ".copydesk" / "index").is_dir()
    assert (tmp_path / ".copydesk" / ".gitignore").read_text(encoding="utf-8") == mine


def test_help_states_the_exit_codes_check_returns(corpus: Path) -> None:
    help_text = " ".join(run("check", "--help", cwd=corpus).stdout.split())
    assert "1 problems found" not in help_text
    assert "0 no error-level problem (warnings alone pass unless --strict)" in help_text
    assert "1 at least one error-level problem (with --strict: at least one problem of any severity)" in help_text
    # ... which is what the command does: warnings alone exit 0, and 1 with --strict.
    assert run("check", "a/warn.md", cwd=corpus).returncode == 0
    assert run("check", "--strict", "a/warn.md", cwd=corpus).returncode == 1
    assert run("check", "b/errors.md", cwd=corpus).returncode == 1
