"""`check --fix`, `--unsafe-fixes` and `--diff` on real files, and the planner they share
(`plan_fixes`): every fix changes only its own lines, unsafe ones wait to be asked for."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.checks.fixes import plan_fixes
from core.config import load_config
from core.document import load_article
from core.edit.apply import EditRefused
from core.storage.save import plan_change
from tests.test_check_cli import CLEAN

FRONT = CLEAN[: CLEAN.index("## Fares")]  # a clean news article's front matter
BODY = "## Fares\n\nSingle fares rise by nine per cent.\n\n## Routes\n\nBoats run hourly.\n"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode())
    return path


def changes(old: str, new: str) -> tuple[list[str], list[str]]:
    """The lines ``new`` lost and gained."""
    lines = list(difflib.ndiff(old.splitlines(keepends=True), new.splitlines(keepends=True)))
    return [line[2:] for line in lines if line.startswith("- ")], [line[2:] for line in lines if line.startswith("+ ")]


# -- tags keep to the vocabulary ---------------------------------------------------------------


def test_tag_fixes_move_tags_to_the_vocabulary_never_away_from_it(tmp_path: Path) -> None:
    # The issue: `Hong-Kong` became HONG-KONG and ` REGULATIONS` REGULATIONS (two new CD208),
    # and the article ended with HONG KONG, HONGKONG and HONG-KONG.
    write(tmp_path, "copydesk.toml", 'vocabulary = ["HONG KONG", "REGULATION", "TRANSPORT"]\n')
    text = FRONT.replace("  - TRANSPORT\n", "  - HONG KONG\n  - HONGKONG\n  - Hong-Kong\n  - ' REGULATIONS'\n") + BODY
    path = write(tmp_path, "a.md", text)
    before = run("check", ".", cwd=tmp_path)
    assert before.stdout.count(" CD208 ") == 3
    # what the check says the fix writes is what it writes
    assert "CD303 tag 'Hong-Kong' is not upper-case (should be 'HONG KONG')" in before.stdout
    assert "CD304 tag ' REGULATIONS' has stray whitespace (should be 'REGULATION')" in before.stdout
    assert "5 fixable with `copydesk check --fix`." in before.stdout
    result = run("check", "--fix", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "Fixed 5 problems in 1 file.\nAll checks passed.\n"), result.stderr
    assert path.read_text() == FRONT.replace("  - TRANSPORT\n", "  - HONG KONG\n  - 'REGULATION'\n") + BODY


def test_a_variant_merged_into_its_vocabulary_tag_stays_merged_when_the_list_is_rewritten(tmp_path: Path) -> None:
    # An exact repeat makes the tag fix set the whole list: it must not bring back the
    # variant CD208's repair merged away.
    write(tmp_path, "copydesk.toml", 'vocabulary = ["HONG KONG", "TRANSPORT"]\n')
    text = FRONT.replace("  - TRANSPORT\n", "  - HONGKONG\n  - HONG KONG\n  - TRANSPORT\n  - TRANSPORT\n") + BODY
    path = write(tmp_path, "a.md", text)
    result = run("check", "--fix", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "Fixed 2 problems in 1 file.\nAll checks passed.\n"), result.stderr
    assert path.read_text() == FRONT.replace("  - TRANSPORT\n", "  - HONG KONG\n  - TRANSPORT\n") + BODY


# -- CD206: an unknown field's name --------------------------------------------------------------


def test_an_unknown_field_is_renamed_to_its_close_known_name_only_the_key_changes(tmp_path: Path) -> None:
    text = FRONT.replace("lang: en\n", "lang: en\nupdatedat: '2025-11-04T08:00:00Z' # corrected\n") + BODY
    path = write(tmp_path, "a.md", text)
    assert "CD206 unknown field 'updatedat' (did you mean 'updatedAt'?)" in run("check", ".", cwd=tmp_path).stdout
    result = run("check", "--fix", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "Fixed 1 problem in 1 file.\nAll checks passed.\n"), result.stderr
    assert changes(text, path.read_text()) == (
        ["updatedat: '2025-11-04T08:00:00Z' # corrected\n"], ["updatedAt: '2025-11-04T08:00:00Z' # corrected\n"])


def test_a_less_close_rename_and_a_deletion_wait_for_unsafe_fixes(tmp_path: Path) -> None:
    text = FRONT.replace("lang: en\n", "lang: en\nupdatedOn: '2025-11-04T08:00:00Z'\nzzqx: 1\n") + BODY
    path = write(tmp_path, "a.md", text)
    safe = run("check", "--fix", ".", cwd=tmp_path)
    assert path.read_text() == text
    assert safe.stdout.endswith("2 more fixable with `copydesk check --fix --unsafe-fixes`.\n")
    unsafe = run("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert unsafe.returncode == 0, unsafe.stdout + unsafe.stderr
    assert changes(text, path.read_text()) == (
        ["updatedOn: '2025-11-04T08:00:00Z'\n", "zzqx: 1\n"], ["updatedAt: '2025-11-04T08:00:00Z'\n"])


def test_an_unknown_field_whose_known_name_is_there_is_left_alone(tmp_path: Path) -> None:
    text = FRONT.replace("lang: en\n", "lang: en\nLang: fr\n") + BODY
    path = write(tmp_path, "a.md", text)
    result = run("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert path.read_text() == text
    assert "CD206 unknown field 'Lang'" in result.stdout


# -- body fixes ---------------------------------------------------------------------------------

BODY_CASES = {
    "CD404": (BODY.replace("Boats run hourly.\n", "Boats run hourly.\n\n👉 Subscribe to our newsletter\n\nMore text.\n"),
              ["👉 Subscribe to our newsletter\n"]),
    "CD405": (BODY + "\nJoin our Telegram community\n\nTwitter: https://x.com/hd\nLast line.\n",
              ["Join our Telegram community\n", "\n", "Twitter: https://x.com/hd\n"]),
    "CD406": ("Ferry Fares Rise\n================\n\n" + BODY, ["Ferry Fares Rise\n", "================\n"]),
    "CD402": (BODY.replace("## Routes\n\n", "## Routes\n\n## Timetable\n\n"), ["## Routes\n"]),
}


@pytest.mark.parametrize("code", sorted(BODY_CASES))
def test_a_body_fix_removes_exactly_its_lines_and_only_with_unsafe_fixes(tmp_path: Path, code: str) -> None:
    body, removed = BODY_CASES[code]
    text = FRONT + body
    path = write(tmp_path, "a.md", text)
    found = run("check", ".", cwd=tmp_path)
    assert f" {code} " in found.stdout and "1 fixable with `copydesk check --fix --unsafe-fixes`." in found.stdout
    safe = run("check", "--fix", ".", cwd=tmp_path)
    assert path.read_bytes() == text.encode()
    assert safe.stdout.endswith("1 more fixable with `copydesk check --fix --unsafe-fixes`.\n")
    unsafe = run("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    assert unsafe.stdout == "Fixed 1 problem in 1 file.\nAll checks passed.\n", unsafe.stderr
    new = path.read_text()
    assert changes(text, new) == (removed, [])
    assert new.startswith(FRONT)  # the front matter keeps its bytes
    assert run("undo", cwd=tmp_path).returncode == 0
    assert path.read_bytes() == text.encode()


def test_body_fixes_after_tag_fixes_in_toml_and_crlf(tmp_path: Path) -> None:
    front = '+++\r\ntitle = "Ferry fares rise"\r\ntags = ["Transport"]\r\n+++\r\n'
    body = "## Fares\r\n\r\nFares rise.\r\n\r\n👉 Subscribe now\r\n\r\n\r\n"
    path = write(tmp_path, "a.md", front + body)
    run("check", "--fix", "--unsafe-fixes", "--select", "CD3,CD4", ".", cwd=tmp_path)
    # the tag line, the call to action and the trailing blank lines: nothing else
    assert path.read_bytes() == (front.replace("Transport", "TRANSPORT") + "## Fares\r\n\r\nFares rise.\r\n").encode()


def test_a_raw_article_gets_no_body_fix_until_adopted(tmp_path: Path) -> None:
    text = "Council votes on fares\n\nThe council voted.\n\n👉 Subscribe to our newsletter\n\n\n"
    path = write(tmp_path, "raw.txt", text)
    run("check", "--fix", "--unsafe-fixes", ".", cwd=tmp_path)
    # the trailing blank lines go (a whole-text fix); the call to action stays
    assert path.read_text() == text.rstrip("\n") + "\n"


def test_a_body_line_changed_since_the_check_refuses_the_fix(tmp_path: Path) -> None:
    body, _ = BODY_CASES["CD404"]
    path = write(tmp_path, "a.md", FRONT + body)
    config = load_config(tmp_path)
    article = load_article(path, config)
    plan = plan_fixes(article, config, unsafe=True)
    path.write_text(FRONT + body.replace("👉 Subscribe", "👉 Sign up"))
    with pytest.raises(EditRefused, match="changed since it was checked"):
        plan_change(article, plan.edits, plan.rewrite)


# -- the planner ----------------------------------------------------------------------------------


def test_plan_fixes_lists_the_unsafe_fixes_it_leaves_out(tmp_path: Path) -> None:
    body, _ = BODY_CASES["CD404"]
    path = write(tmp_path, "a.md", FRONT.replace("  - TRANSPORT\n", "  - Transport\n") + body)
    config = load_config(tmp_path)
    article = load_article(path, config)
    safe = plan_fixes(article, config)
    assert [p.code for p in safe.fixed] == ["CD303"] and [p.code for p in safe.unsafe_skipped] == ["CD404"]
    assert safe.rewrite is None and not safe.empty
    both = plan_fixes(article, config, unsafe=True)
    assert [p.code for p in both.fixed] == ["CD303", "CD404"] and both.unsafe_skipped == ()
    only = plan_fixes(article, config, unsafe=True, codes={"CD404"})
    assert only.edits == () and [p.code for p in only.fixed] == ["CD404"]
    assert plan_fixes(article, config, codes={"CD201"}).empty


# -- --diff -----------------------------------------------------------------------------------------


def test_diff_prints_every_fix_as_a_patch_and_writes_nothing(tmp_path: Path) -> None:
    body, _ = BODY_CASES["CD404"]
    text = FRONT.replace("  - TRANSPORT\n", "  - Transport\n") + body
    (tmp_path / "news").mkdir()
    path = write(tmp_path / "news", "a.md", text)
    result = run("check", "--fix", "--diff", "news", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("--- a/news/a.md\n+++ b/news/a.md\n")
    assert "-  - Transport\n+  - TRANSPORT\n" in result.stdout and "Subscribe" not in result.stdout
    assert "Would fix 1 problem in 1 file." in result.stderr
    assert "1 more fixable with `copydesk check --diff --unsafe-fixes`." in result.stderr
    unsafe = run("check", "--fix", "--diff", "--unsafe-fixes", "news", cwd=tmp_path)
    assert "-👉 Subscribe to our newsletter\n" in unsafe.stdout
    assert path.read_bytes() == text.encode()
    assert not (tmp_path / "news" / ".copydesk" / "journal").exists() and not (tmp_path / ".copydesk" / "journal").exists()
    # the patch is what --fix --unsafe-fixes writes
    subprocess.run(["git", "apply", "-p1"], input=unsafe.stdout, text=True, cwd=tmp_path, check=True)
    applied = path.read_bytes()
    path.write_bytes(text.encode())
    run("check", "--fix", "--unsafe-fixes", "news", cwd=tmp_path)
    assert path.read_bytes() == applied
    clean = run("check", "--fix", "--diff", "news", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, "")


def test_fix_keeps_the_json_output(tmp_path: Path) -> None:
    body, _ = BODY_CASES["CD404"]
    write(tmp_path, "a.md", FRONT.replace("  - TRANSPORT\n", "  - Transport\n") + body)
    result = run("check", "--fix", "--format", "json", ".", cwd=tmp_path)
    assert [d["code"] for d in json.loads(result.stdout)] == ["CD404"]
