"""``copydesk check --format sarif`` (validated against the SARIF 2.1.0 JSON Schema kept in
``tests/data/sarif``) and ``--format gitlab`` (GitLab's Code Quality report: its documented
required fields), on the sample folder, whose files have problems of every family."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pytest

from core.checks import RULES
from tests.test_check_cli import ERRORS, SAMPLES, run, write

SCHEMA = Path(__file__).parent / "data" / "sarif" / "sarif-schema-2.1.0.json"
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats") / "samples"
    shutil.copytree(SAMPLES, folder, symlinks=True, ignore=shutil.ignore_patterns(".copydesk"))
    return folder


@pytest.fixture(scope="module")
def text_rows(samples: Path) -> list[str]:
    done = run("check", "--no-cache", ".", cwd=samples)
    return [line for line in done.stdout.splitlines() if ": CD" in line]


def test_sarif_validates_against_the_sarif_2_1_0_schema(samples: Path, text_rows: list[str]) -> None:
    done = run("check", "--no-cache", "--format", "sarif", ".", cwd=samples)
    assert done.returncode == 1
    log = json.loads(done.stdout)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    results = run_["results"]
    # one result per problem the text output lists, at the same place
    shown = []
    for r in results:
        location = r["locations"][0]["physicalLocation"]
        region = location["region"]
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] == ("error" if RULES[r["ruleId"]].severity == "error" else "warning")
        shown.append(f"{location['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}: {r['ruleId']}")
    assert sorted(shown) == sorted(line.split(" ", 2)[0] + " " + line.split(" ", 2)[1] for line in text_rows)
    assert len({r["partialFingerprints"]["copydesk/v1"] for r in results}) == len(results)


def test_sarif_with_no_problems_is_valid_too(tmp_path: Path) -> None:
    write(tmp_path, "copydesk.toml", "")
    write(tmp_path, "a.md", ERRORS.replace("sentiment: CALM", "sentiment: NEUTRAL").replace("lang: English", "lang: en"))
    done = run("check", "--format", "sarif", ".", cwd=tmp_path)
    assert done.returncode == 0
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert log["runs"][0]["results"] == []


def test_sarif_uri_of_an_unusual_name_is_encoded(tmp_path: Path) -> None:
    write(tmp_path, "copydesk.toml", "")
    write(tmp_path, "news desk/é #1.md", ERRORS)
    log = json.loads(run("check", "--format", "sarif", ".", cwd=tmp_path).stdout)
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert uris == {"news%20desk/%C3%A9%20%231.md"}


def test_gitlab_report_has_the_required_fields(samples: Path, text_rows: list[str]) -> None:
    done = run("check", "--no-cache", "--format", "gitlab", ".", cwd=samples)
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert isinstance(report, list) and len(report) == len(text_rows)
    for issue in report:
        assert isinstance(issue["description"], str) and issue["description"]
        assert issue["check_name"] in RULES
        assert issue["severity"] in GITLAB_SEVERITIES
        assert isinstance(issue["fingerprint"], str) and len(issue["fingerprint"]) == 64
        assert isinstance(issue["location"]["path"], str)
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    assert len({i["fingerprint"] for i in report}) == len(report)
    shown = sorted(f"{i['location']['path']}:{i['location']['lines']['begin']}: {i['check_name']}" for i in report)
    assert shown == sorted(f"{line.split(':')[0]}:{line.split(':')[1]}: {line.split(' ')[1]}" for line in text_rows)


def test_gitlab_fingerprint_survives_lines_moving(tmp_path: Path) -> None:
    write(tmp_path, "copydesk.toml", "")
    write(tmp_path, "a.md", ERRORS)
    before = {i["check_name"]: i for i in json.loads(run("check", "--format", "gitlab", ".", cwd=tmp_path).stdout)}
    again = {i["check_name"]: i for i in json.loads(run("check", "--format", "gitlab", ".", cwd=tmp_path).stdout)}
    assert {k: v["fingerprint"] for k, v in before.items()} == {k: v["fingerprint"] for k, v in again.items()}
    write(tmp_path, "a.md", ERRORS.replace("title: Ferry", "# a note\ntitle: Ferry"))
    moved = {i["check_name"]: i for i in json.loads(run("check", "--format", "gitlab", ".", cwd=tmp_path).stdout)}
    assert set(moved) == set(before) == {"CD203", "CD209"}
    for code in before:
        assert moved[code]["location"]["lines"]["begin"] == before[code]["location"]["lines"]["begin"] + 1
        assert moved[code]["fingerprint"] == before[code]["fingerprint"]
