"""`copydesk set` and `copydesk tag` through a real subprocess on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ARTICLE = """---
title: Port strike ends
externalId: '1001'
tags:
  - LABOUR
draft: false
sentiment: NEUTRAL
---
Body.
"""
RAW = "Port strike ends\nscraped text\n"


def copydesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd)


def folder(tmp_path: Path) -> Path:
    (tmp_path / "a.md").write_text(ARTICLE)
    (tmp_path / "b.md").write_text(ARTICLE.replace("LABOUR", "PORTS"))
    return tmp_path


def test_set_types_values_by_schema_and_changes_one_line(tmp_path):
    folder(tmp_path)
    result = copydesk("set", "a.md", "externalId=55192977", "draft=true", "score=-2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["a.md: changed", "1 file changed"]
    text = (tmp_path / "a.md").read_text()
    assert text == ARTICLE.replace("'1001'", "'55192977'").replace("draft: false", "draft: true").replace(
        "sentiment: NEUTRAL\n", "sentiment: NEUTRAL\nscore: -2\n"
    )


def test_set_rejects_a_value_outside_the_enum_with_exit_2(tmp_path):
    folder(tmp_path)
    result = copydesk("set", ".", "sentiment=MAYBE", cwd=tmp_path)
    assert result.returncode == 2
    assert "POSITIVE, NEUTRAL, NEGATIVE" in result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE


def test_double_dash_makes_an_assignment_looking_name_a_path(tmp_path):
    (tmp_path / "x=y.md").write_text(ARTICLE)
    result = copydesk("set", "draft=true", "--", "x=y.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "draft: true" in (tmp_path / "x=y.md").read_text()


def test_tag_dry_run_prints_a_patch_and_writes_nothing(tmp_path):
    folder(tmp_path)
    (tmp_path / "raw.md").write_text(RAW)
    result = copydesk("tag", ".", "--add", "STRIKES", "--dry-run", cwd=tmp_path)
    assert result.returncode == 1  # the raw article is refused
    assert result.stdout.count("+  - STRIKES\n") == 2
    assert "raw.md: refused (no front matter" in result.stderr
    assert result.stderr.strip().endswith("2 files would change; 1 refused")
    assert (tmp_path / "a.md").read_text() == ARTICLE
    # the printed diff is a patch git can apply
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    applied = subprocess.run(["git", "apply", "--check", "-"], input=result.stdout, text=True, cwd=tmp_path, capture_output=True)
    assert applied.returncode == 0, applied.stderr


def test_tag_add_remove_and_json_report(tmp_path):
    folder(tmp_path)
    result = copydesk("tag", ".", "--add", "STRIKES", "--remove", "PORTS", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0
    report = {row["path"]: row["status"] for row in json.loads(result.stdout)}
    assert report == {"a.md": "changed", "b.md": "changed"}
    assert (tmp_path / "a.md").read_text() == ARTICLE.replace("  - LABOUR\n", "  - LABOUR\n  - STRIKES\n")
    assert (tmp_path / "b.md").read_text() == ARTICLE.replace("  - LABOUR\n", "  - STRIKES\n")
    again = copydesk("tag", ".", "--add", "STRIKES", cwd=tmp_path)
    assert again.stdout.splitlines()[-1] == "0 files changed; 2 unchanged"


def test_read_only_file_is_reported_as_refused(tmp_path):
    folder(tmp_path)
    (tmp_path / "a.md").chmod(0o444)
    result = copydesk("tag", ".", "--add", "X", cwd=tmp_path)
    assert result.returncode == 1
    assert "a.md: refused (read-only file" in result.stdout
    assert (tmp_path / "a.md").read_text() == ARTICLE


@pytest.mark.parametrize("command", [("adopt", "."), ("tag", ".", "--add", "X")], ids=["adopt", "tag"])
def test_a_dry_run_reports_a_read_only_file_as_the_real_run_does(tmp_path, command):
    # The dry run promised a change to a read-only file that the real run then refused.
    folder(tmp_path)
    (tmp_path / "raw.txt").write_text(RAW)
    (tmp_path / "raw2.txt").write_text(RAW)
    locked = "raw.txt" if command[0] == "adopt" else "a.md"
    (tmp_path / locked).chmod(0o444)
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    dry = copydesk(*command, "--dry-run", cwd=tmp_path)
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    real = copydesk(*command, cwd=tmp_path)
    refused = f"{locked}: refused (read-only file (make it writable to edit it))"
    assert refused in real.stdout.splitlines() and refused in dry.stderr.splitlines()
    assert real.stdout.splitlines()[-1].replace("changed", "would change") == dry.stderr.splitlines()[-1]
    assert dry.returncode == real.returncode == 1
    assert f"+++ b/{locked}" not in dry.stdout  # the patch holds only what the run writes
    assert (tmp_path / locked).read_bytes() == before[locked]


def test_usage_errors_exit_2(tmp_path):
    folder(tmp_path)
    assert copydesk("tag", ".", cwd=tmp_path).returncode == 2
    assert copydesk("set", ".", cwd=tmp_path).returncode == 2
    assert copydesk("tag", "missing-folder", "--add", "X", cwd=tmp_path).returncode == 2


@pytest.mark.parametrize(
    ("assignment", "said"),
    [
        ("publishedAt=2025-13-01", "publishedAt is not an ISO-8601 date-time: '2025-13-01'"),
        ("publishedAt=Saturday night", "publishedAt is not an ISO-8601 date-time"),
        ("score=high", "score: 'high' is not a valid number"),
        ("lang=EN", "lang is 'EN'"),
        ("titel=Hello", "unknown field 'titel' (did you mean 'title'?)"),
    ],
)
def test_set_refuses_what_check_would_report_with_exit_2(tmp_path, assignment, said):
    folder(tmp_path)
    result = copydesk("set", "a.md", assignment, cwd=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and "nothing was written" in result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE


def test_set_adds_an_undeclared_field_only_with_new_field_or_where_cd206_is_ignored(tmp_path):
    folder(tmp_path)
    refused = copydesk("set", "a.md", "author=Jo", cwd=tmp_path)
    assert refused.returncode == 2 and "--new-field" in refused.stderr
    result = copydesk("set", "a.md", "author=Jo", "--new-field", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE.replace("sentiment: NEUTRAL\n", "sentiment: NEUTRAL\nauthor: Jo\n")
    # A folder that ignores unknown fields is not held to the rule.
    (tmp_path / "copydesk.toml").write_text('ignore = ["CD206"]\n')
    assert copydesk("set", "b.md", "author=Jo", cwd=tmp_path).returncode == 0
    assert "author: Jo\n" in (tmp_path / "b.md").read_text()


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--add", "LABUOR"], "tag 'LABUOR' is not in the vocabulary; closest known tag: 'LABOUR'"),
        # Put in the house style first, then refused for what is still wrong with it.
        (["--add", "library"], "tag 'LIBRARY' is not in the vocabulary"),
        (["--rename", "PORTS=docks "], "tag 'DOCKS' is not in the vocabulary"),
    ],
)
def test_tag_refuses_a_tag_check_would_report_with_exit_2(tmp_path, option, said):
    folder(tmp_path)
    (tmp_path / "copydesk.toml").write_text('vocabulary = ["LABOUR", "STRIKES"]\n')
    result = copydesk("tag", ".", *option, cwd=tmp_path)
    assert result.returncode == 2
    assert said in result.stderr and "nothing was written" in result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE


def test_tag_adds_a_tag_outside_the_vocabulary_only_with_new_tag(tmp_path):
    folder(tmp_path)
    (tmp_path / "copydesk.toml").write_text('vocabulary = ["LABOUR", "STRIKES"]\n')
    refused = copydesk("tag", "a.md", "--add", "DOCKS", cwd=tmp_path)
    assert refused.returncode == 2 and "--new-tag" in refused.stderr
    result = copydesk("tag", "a.md", "--add", "DOCKS", "--new-tag", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE.replace("  - LABOUR\n", "  - LABOUR\n  - DOCKS\n")


def test_tag_writes_a_typed_tag_in_the_house_style_and_the_vocabularys_spelling(tmp_path):
    folder(tmp_path)
    (tmp_path / "copydesk.toml").write_text('vocabulary = ["LABOUR", "HONG KONG", "REGULATION"]\n')
    result = copydesk("tag", "a.md", "--add", "Hong-Kong", "--add", "regulations", "--add", " labour", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE.replace("  - LABOUR\n", "  - LABOUR\n  - HONG KONG\n  - REGULATION\n")
    assert "'Hong-Kong' is written 'HONG KONG'" in result.stderr and "'regulations' is written 'REGULATION'" in result.stderr
    # A rename's new name too: `Labour` is the vocabulary's LABOUR, already on a.md.
    result = copydesk("tag", ".", "--rename", "PORTS=Labour", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.md").read_text() == ARTICLE


def test_tag_adds_a_lower_case_tag_upper_case_without_a_vocabulary(tmp_path):
    folder(tmp_path)
    result = copydesk("tag", "a.md", "--add", "library", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE.replace("  - LABOUR\n", "  - LABOUR\n  - LIBRARY\n")
    # A folder that keeps tags as written is not held to the house style.
    (tmp_path / "copydesk.toml").write_text('ignore = ["CD303"]\n')
    assert copydesk("tag", "b.md", "--add", "library", cwd=tmp_path).returncode == 0
    assert "  - library\n" in (tmp_path / "b.md").read_text()


# The same command with its options before, between and after the paths and assignments
# (a value starting with `-` stays the option's value wherever it stands).
OPTIONS_ANYWHERE = {
    "set": [
        ["set", "--dry-run", "--where", "-tag:PORTS", "draft=true", "a.md", "b.md"],
        ["set", "draft=true", "--dry-run", "a.md", "--where", "-tag:PORTS", "b.md"],
        ["set", "draft=true", "a.md", "b.md", "--where", "-tag:PORTS", "--dry-run"],
    ],
    "tag": [
        ["tag", "--add", "STRIKES", "--where", "-tag:PORTS", "--dry-run", "a.md", "b.md"],
        ["tag", "a.md", "--add", "STRIKES", "b.md", "--dry-run", "--where", "-tag:PORTS"],
        ["tag", "a.md", "b.md", "--where", "-tag:PORTS", "--dry-run", "--add", "STRIKES"],
    ],
    "list": [
        ["list", "--where", "-tag:PORTS", "--format", "paths", "a.md", "b.md"],
        ["list", "a.md", "--format", "paths", "b.md", "--where", "-tag:PORTS"],
    ],
}


@pytest.mark.parametrize("line", [
    ["check", "a.md", "--select", "CD2", "b.md", "--format", "json"],
    ["adopt", "a.md", "--dry-run", "b.md", "--format", "json"],
], ids=lambda line: line[0])
def test_check_and_adopt_take_options_between_paths(tmp_path, line):
    folder(tmp_path)
    moved = [line[0], *[arg for arg in line[1:] if arg.endswith(".md")], *[arg for arg in line[1:] if not arg.endswith(".md")]]
    between, after = copydesk(*line, cwd=tmp_path), copydesk(*moved, cwd=tmp_path)
    assert between.returncode in (0, 1), between.stderr
    assert (between.returncode, between.stdout) == (after.returncode, after.stdout)
    assert '"path"' in between.stdout or between.stdout.strip() == "[]"


@pytest.mark.parametrize("command", OPTIONS_ANYWHERE)
def test_options_are_accepted_anywhere_on_the_line(tmp_path, command):
    folder(tmp_path)
    results = [copydesk(*line, cwd=tmp_path) for line in OPTIONS_ANYWHERE[command]]
    first = results[0]
    assert first.returncode == 0, first.stderr
    assert "a/a.md" in first.stdout or first.stdout == "a.md\n"
    assert "b.md" not in first.stdout  # --where -tag:PORTS left it out
    assert [(r.returncode, r.stdout, r.stderr) for r in results] == [(0, first.stdout, first.stderr)] * len(results)
    assert (tmp_path / "a.md").read_text() == ARTICLE  # a dry run, wherever --dry-run stood


def test_after_double_dash_an_option_looking_argument_is_a_path(tmp_path):
    (tmp_path / "-x.md").write_text(ARTICLE)
    result = copydesk("set", "draft=true", "--dry-run", "--", "-x.md", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "+draft: true" in result.stdout
    result = copydesk("set", "draft=true", "--", "-x.md", "--dry-run", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file or folder: --dry-run" in result.stderr
    result = copydesk("tag", "--add", "STRIKES", "--dry-run", "--", "-x.md", cwd=tmp_path)  # no path before `--`
    assert result.returncode == 0, result.stderr
    assert "+  - STRIKES" in result.stdout
    assert (tmp_path / "-x.md").read_text() == ARTICLE


def test_messages_name_kinds_of_values_in_words_never_python_types(tmp_path):
    # `tags is a str, not a list` and `front matter is a str` named Python's types.
    (tmp_path / "a.md").write_text(ARTICLE.replace("tags:\n  - LABOUR\n", "tags: LABOUR\n"))
    (tmp_path / "b.md").write_text("---\njust a sentence\n---\nBody.\n")
    result = copydesk("tag", "a.md", "--add", "STRIKES", cwd=tmp_path)
    assert result.returncode == 1
    assert "tags is a string ('LABOUR'), not a list" in result.stdout + result.stderr
    checked = copydesk("check", "b.md", cwd=tmp_path)
    assert "CD106 front matter is a string, not a mapping of keys to values" in checked.stdout
    for output in (result.stdout + result.stderr, checked.stdout):
        assert not any(name in output for name in (" str,", " str ", "NoneType", " dict", " tuple"))


SITE = """\
---
title: Hosting on Firebase
categories:
  - hosting
keywords:
  - firebase
---
Body.
"""


def test_tag_field_refuses_a_term_outside_that_taxonomys_vocabulary_unless_new_tag(tmp_path):
    (tmp_path / "copydesk.toml").write_text('taxonomies = ["categories", "keywords"]\n'
                                            '[vocabularies]\ncategories = ["hosting", "deployment"]\n')
    (tmp_path / "a.md").write_text(SITE)
    refused = copydesk("tag", "a.md", "--field", "categories", "--add", "deploymnt", cwd=tmp_path)
    assert refused.returncode == 2
    assert "categories term 'deploymnt' is not in the categories vocabulary; closest known term: 'deployment'" in refused.stderr
    assert "--new-tag" in refused.stderr and (tmp_path / "a.md").read_text() == SITE
    known = copydesk("tag", "a.md", "--field", "categories", "--add", "deployment", cwd=tmp_path)
    assert known.returncode == 0, known.stderr
    assert (tmp_path / "a.md").read_text() == SITE.replace("  - hosting\n", "  - hosting\n  - deployment\n")
    keywords = copydesk("tag", "a.md", "--field", "keywords", "--add", "hosting-guide", cwd=tmp_path)  # no vocabulary
    assert keywords.returncode == 0, keywords.stderr
    on_purpose = copydesk("tag", "a.md", "--field", "categories", "--add", "edge", "--new-tag", cwd=tmp_path)
    assert on_purpose.returncode == 0, on_purpose.stderr
    assert "  - deployment\n  - edge\n" in (tmp_path / "a.md").read_text()
    check = copydesk("check", "a.md", cwd=tmp_path)
    assert "CD208" in check.stdout and "'edge'" in check.stdout


# -- set --rename and --delete -----------------------------------------------------------------

RENAMED = {
    "yaml": ("a.md", "---\ntitle: Port strike ends\nupdatedat: '2025-11-04T08:00:00Z' # typo\nsource:\n  nmae: Harbour Desk\n  key: hd\nstickyWeight: 3\n---\nBody.\n"),
    "toml": ("a.md", '+++\ntitle = "Port strike ends"\nupdatedat = "2025-11-04T08:00:00Z" # typo\nstickyWeight = 3\n\n[source]\nnmae = "Harbour Desk"\nkey = "hd"\n+++\nBody.\n'),
    "json": ("a.md", '---json\n{\n  "title": "Port strike ends",\n  "stickyWeight": 3,\n  "updatedat": "2025-11-04T08:00:00Z",\n  "source": {\n    "nmae": "Harbour Desk",\n    "key": "hd"\n  }\n}\n---\nBody.\n'),
}


def _diff_lines(old: str, new: str) -> tuple[list[str], list[str]]:
    import difflib

    lines = list(difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)))
    return [line[2:] for line in lines if line.startswith("- ")], [line[2:] for line in lines if line.startswith("+ ")]


@pytest.mark.parametrize("fmt", sorted(RENAMED))
def test_set_rename_and_delete_change_only_the_key_lines_and_undo_restores_the_bytes(tmp_path, fmt):
    name, text = RENAMED[fmt]
    path = tmp_path / name
    path.write_bytes(text.encode())
    args = ("set", name, "--rename", "updatedat=updatedAt", "--rename", "source.nmae=source.name", "--delete", "stickyWeight")
    preview = copydesk(*args, "--dry-run", cwd=tmp_path)
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout.startswith(f"--- a/{name}\n+++ b/{name}\n")
    assert path.read_bytes() == text.encode()  # a dry run writes nothing
    result = copydesk(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{name}: changed", "1 file changed"]
    new = path.read_text()
    removed, added = _diff_lines(text, new)
    assert [line.replace("updatedat", "updatedAt").replace("nmae", "name") for line in removed if "stickyWeight" not in line] == added
    assert len(added) == 2 and "stickyWeight" not in new
    assert subprocess.run(["git", "apply", "--check", "-R"], input=preview.stdout, text=True, cwd=tmp_path).returncode == 0
    assert copydesk("undo", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == text.encode()


def test_set_rename_onto_an_existing_field_is_refused_naming_the_file(tmp_path):
    folder(tmp_path)
    result = copydesk("set", ".", "--rename", "externalId=title", "--new-field", cwd=tmp_path)
    assert result.returncode == 1
    assert "a.md: refused (cannot rename externalId to 'title': title exists already)" in result.stdout
    assert (tmp_path / "a.md").read_text() == ARTICLE


def test_set_rename_refuses_another_parent_and_an_undeclared_name_with_exit_2(tmp_path):
    folder(tmp_path)
    moved = copydesk("set", ".", "--rename", "source.nmae=name", cwd=tmp_path)
    assert moved.returncode == 2 and "stays inside the field's parent (write source.nmae=source.name)" in moved.stderr
    unknown = copydesk("set", ".", "--rename", "externalId=externalid", cwd=tmp_path)
    assert unknown.returncode == 2 and "did you mean 'externalId'?" in unknown.stderr and "--new-field" in unknown.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE


def test_set_delete_of_a_required_field_is_refused_and_a_field_no_article_has_is_said(tmp_path):
    # `--delete title` wrote 'changed' and exit 0, leaving a CD201 that `set title=` refuses;
    # a misspelled OLD or KEY passed silently as '0 files changed'.
    folder(tmp_path)
    required = copydesk("set", ".", "--delete", "title", cwd=tmp_path)
    assert required.returncode == 2 and "the schema requires title" in required.stderr
    nested = copydesk("set", ".", "--delete", "source.name", cwd=tmp_path)
    assert nested.returncode == 2 and "the schema requires source.name" in nested.stderr
    typo = copydesk("set", ".", "--rename", "udpatedAt=updatedAt", "--delete", "nosuch", cwd=tmp_path)
    assert typo.returncode == 0
    assert "no article here has a field 'udpatedAt'" in typo.stderr and "no article here has a field 'nosuch'" in typo.stderr
    assert (tmp_path / "a.md").read_text() == ARTICLE
