"""`copydesk list / tags / adopt / undo` and `tag --rename / --where` through real subprocesses."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

HK = """---
title: HashKey leads Hong Kong market
description: Losses deepen.
publishedAt: '2025-12-01T07:29:42.000Z'
source:
  name: CoinWire
  key: coinwire
  type: RSS
tags:
  - ASIA
  - HONGKONG
  - MARKET
sentiment: NEGATIVE
score: -2
draft: false
---
Body about Hong Kong.
"""
FLOW = """---
title: Bitcoin rally
publishedAt: '2025-11-20T10:00:00Z'
source: {name: CoinDesk, key: coindesk, type: API}
tags: ["Hong-Kong", BTC, 'HONG KONG']
sentiment: POSITIVE
score: 4
draft: true
---
Body.
"""
CRLF = (
    "---\r\ntitle: Asia stocks\r\npublishedAt: '2025-10-02T00:00:00Z'\r\ntags:\r\n    -   hongkong  # lower case\r\n"
    "    -   STOCKS\r\nsentiment: NEGATIVE\r\nscore: 1\r\n---\r\nBody.\r\n"
)
RAW = "Hong Kong Regulators Study Derivatives\r\nPublished Nov 3, 2025\r\n\r\nScraped text about HONGKONG and Asia.\r\n"


def copydesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd)


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "copydesk.toml").write_text("", encoding="utf-8")
    news = tmp_path / "news"
    news.mkdir()
    (news / "hk.md").write_text(HK, encoding="utf-8")
    (news / "flow.md").write_text(FLOW, encoding="utf-8")
    (news / "crlf.md").write_bytes(CRLF.encode())
    (news / "raw.md").write_bytes(RAW.encode())
    return tmp_path


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*.md"))}


# -- list -----------------------------------------------------------------------------------


def test_list_where_paths_and_sort(folder: Path) -> None:
    result = copydesk("list", "news", "--where", "sentiment:negative -is:raw", "--format", "paths", "--sort", "-score", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["news/crlf.md", "news/hk.md"]
    result = copydesk("list", "news", "--where", "publishedAt:>=2025-11-01", "--sort", "publishedAt", "--format", "paths", cwd=folder)
    assert result.stdout.splitlines() == ["news/flow.md", "news/hk.md"]


def test_list_sort_puts_unreadable_values_last_in_both_directions(folder: Path) -> None:
    news = folder / "news"
    (news / "a-night.md").write_text(FLOW.replace("'2025-11-20T10:00:00Z'", "Saturday night").replace("score: 4", "score: high"), encoding="utf-8")
    (news / "b-month.md").write_text(FLOW.replace("'2025-11-20T10:00:00Z'", "'2025-13-01T00:00:00Z'").replace("score: 4", "score: 3"), encoding="utf-8")
    last = ["news/a-night.md", "news/b-month.md", "news/raw.md"]  # unreadable or missing, in path order

    def paths(sort: str) -> list[str]:
        result = copydesk("list", "news", "--sort", sort, "--format", "paths", cwd=folder)
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()

    assert paths("publishedAt") == ["news/crlf.md", "news/flow.md", "news/hk.md", *last]
    assert paths("-publishedAt") == ["news/hk.md", "news/flow.md", "news/crlf.md", *last]
    assert paths("-score") == ["news/flow.md", "news/b-month.md", "news/crlf.md", "news/hk.md", "news/a-night.md", "news/raw.md"]


def test_list_json_and_table(folder: Path) -> None:
    result = copydesk("list", "news", "--where", 'tag:"HONG KONG"', "--format", "json", cwd=folder)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["relpath"] for r in rows] == ["news/flow.md"]
    assert rows[0]["meta"]["source"]["key"] == "coindesk" and rows[0]["draft"] is True
    table = copydesk("list", "news", cwd=folder)
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["PATH", "STATE", "SENTIMENT", "DRAFT", "PUBLISHEDAT", "TAGS", "TITLE"]
    assert any("news/raw.md" in line and "raw" in line for line in lines)
    assert "4 articles" in table.stderr


def test_list_query_error_exits_2_with_position(folder: Path) -> None:
    result = copydesk("list", "news", "--where", "score:<0 sentimnt:negative", cwd=folder)
    assert result.returncode == 2
    assert "column 10" in result.stderr and "did you mean 'sentiment'" in result.stderr
    assert "Traceback" not in result.stderr
    assert copydesk("list", "news", "--where", 'tag:"open', cwd=folder).returncode == 2
    assert copydesk("list", "news", "--where", "is:dirty", cwd=folder).returncode == 2
    assert copydesk("list", "news", "--sort", "nope", cwd=folder).returncode == 2
    assert copydesk("list", "missing-folder", cwd=folder).returncode == 2


def test_enum_and_boolean_value_typos_are_query_errors_not_empty_results(folder: Path) -> None:
    result = copydesk("list", "news", "--where", "sentiment:negativ", cwd=folder)
    assert result.returncode == 2 and result.stdout == ""
    assert "did you mean 'NEGATIVE'?" in result.stderr
    assert result.stderr.endswith("  sentiment:negativ\n            ^\n")  # the caret under the value
    result = copydesk("list", "news", "--where", "draft:yes", cwd=folder)
    assert result.returncode == 2 and "draft is true or false, not 'yes'" in result.stderr
    before = digest(folder)
    assert copydesk("set", "news", "score=0", "--where", "-sentiment:positive,negatif", cwd=folder).returncode == 2
    assert digest(folder) == before
    # What the language means on purpose still works: any case, text search, empty values.
    for query, paths in [
        ("sentiment:negative draft:FALSE", ["news/hk.md"]),
        ("sentiment:~neg", ["news/crlf.md", "news/hk.md"]),
        ('sentiment:""', []),
    ]:
        listed = copydesk("list", "news", "--where", query, "--format", "paths", cwd=folder)
        assert (listed.returncode, listed.stdout.splitlines()) == (0, paths), query


def test_list_code_query_loads_the_rules(folder: Path) -> None:
    result = copydesk("list", "news", "--where", "code:CD101", "--format", "paths", cwd=folder)
    assert result.stdout.splitlines() == ["news/raw.md"]


# -- tags -----------------------------------------------------------------------------------


def test_tags_counts_and_similar(folder: Path) -> None:
    result = copydesk("tags", "news", "--format", "json", cwd=folder)
    assert result.returncode == 0, result.stderr
    counts = {row["tag"]: row["count"] for row in json.loads(result.stdout)}
    assert counts["ASIA"] == 1 and counts["HONGKONG"] == 1 and counts["hongkong"] == 1
    similar = copydesk("tags", "news", "--similar", "--format", "json", cwd=folder)
    groups = json.loads(similar.stdout)
    assert len(groups) == 1
    assert {m["tag"] for m in groups[0]["members"]} == {"HONGKONG", "hongkong", "Hong-Kong", "HONG KONG"}
    assert all(m["tag"] not in ("BTC", "ASIA", "STOCKS", "MARKET") for m in groups[0]["members"])
    text = copydesk("tags", "news", "--similar", cwd=folder)
    assert "copydesk tag news --rename" in text.stdout


# -- tag --rename, --where, dry-run vs apply, undo ------------------------------------------


def test_rename_dry_run_shows_exactly_what_apply_changes_and_undo_restores(folder: Path) -> None:
    before = digest(folder)
    dry = copydesk("tag", "news", "--rename", "HONG KONG=HONGKONG", "--rename", "Hong-Kong=HONGKONG", "--dry-run", cwd=folder)
    assert dry.returncode == 0, dry.stderr
    assert digest(folder) == before  # a dry run writes nothing
    assert "1 file would change" in dry.stderr
    diff_lines = [line for line in dry.stdout.splitlines() if line.startswith(("-", "+")) and not line.startswith(("---", "+++"))]
    # Renames apply in order: 'HONG KONG' is renamed in place (keeping its quotes), then
    # "Hong-Kong" merges into it (removed, since HONGKONG is now present).
    assert diff_lines == ["-tags: [\"Hong-Kong\", BTC, 'HONG KONG']", "+tags: [BTC, 'HONGKONG']"]

    applied = copydesk("tag", "news", "--rename", "HONG KONG=HONGKONG", "--rename", "Hong-Kong=HONGKONG", cwd=folder)
    assert applied.returncode == 0, applied.stderr
    after = (folder / "news" / "flow.md").read_text(encoding="utf-8")
    assert after == FLOW.replace("""tags: ["Hong-Kong", BTC, 'HONG KONG']""", "tags: [BTC, 'HONGKONG']")
    # git apply would accept the dry-run diff: applying it to the original gives the same text.
    assert digest(folder)["news/hk.md"] == before["news/hk.md"]

    undo = copydesk("undo", cwd=folder)
    assert undo.returncode == 0, undo.stderr
    assert "news/flow.md: restored" in undo.stdout
    assert digest(folder) == before


def test_rename_ignore_case_keeps_crlf_comment_and_indentation(folder: Path) -> None:
    result = copydesk("tag", "news", "--rename", "HONGKONG=HONG KONG", "--ignore-case", "--format", "json", cwd=folder)
    assert result.returncode == 0, result.stderr
    statuses = {Path(o["path"]).name: o["status"] for o in json.loads(result.stdout)}
    assert statuses["hk.md"] == "changed" and statuses["crlf.md"] == "changed" and statuses["flow.md"] == "unchanged"
    crlf = (folder / "news" / "crlf.md").read_bytes().decode()
    assert crlf == CRLF.replace("-   hongkong  # lower case", "-   HONG KONG  # lower case")
    hk = (folder / "news" / "hk.md").read_text(encoding="utf-8")
    assert hk == HK.replace("  - HONGKONG\n", "  - HONG KONG\n")


def test_tag_where_limits_the_batch(folder: Path) -> None:
    result = copydesk("tag", "news", "--add", "REVIEW", "--where", "source.key:coinwire,coindesk -is:draft", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "REVIEW" in (folder / "news" / "hk.md").read_text(encoding="utf-8")
    assert "REVIEW" not in (folder / "news" / "flow.md").read_text(encoding="utf-8")
    assert "REVIEW" not in (folder / "news" / "crlf.md").read_text(encoding="utf-8")
    bad = copydesk("tag", "news", "--add", "X", "--where", "score:>abc", cwd=folder)
    assert bad.returncode == 2 and "compares numbers or dates" in bad.stderr


def test_set_where(folder: Path) -> None:
    result = copydesk("set", "news", "draft=true", "--where", "score:<0", cwd=folder)
    assert result.returncode == 0, result.stderr
    assert "draft: true" in (folder / "news" / "hk.md").read_text(encoding="utf-8")
    assert (folder / "news" / "crlf.md").read_bytes() == CRLF.encode()


def test_rename_usage_errors(folder: Path) -> None:
    for bad in ("NOEQUALS", "=X", "X=", "A=A"):
        result = copydesk("tag", "news", "--rename", bad, cwd=folder)
        assert result.returncode == 2, bad
        assert "--rename" in result.stderr


# -- adopt ----------------------------------------------------------------------------------


def test_adopt_dry_run_apply_and_undo(folder: Path) -> None:
    before = digest(folder)
    dry = copydesk("adopt", "news", "--dry-run", cwd=folder)
    assert dry.returncode == 0, dry.stderr
    assert digest(folder) == before
    assert "+title: Hong Kong Regulators Study Derivatives\n" in dry.stdout
    assert "3 files already had front matter (skipped)" in dry.stderr

    applied = copydesk("adopt", "news", "--format", "json", cwd=folder)
    assert applied.returncode == 0, applied.stderr
    (row,) = json.loads(applied.stdout)
    assert row["status"] == "changed" and row["publishedAt"] == "2025-11-03T00:00:00.000Z"
    assert row["title_line_removed"] is True
    # Tags come from the folder's own tags (canonical spellings), found in the text.
    assert "ASIA" in row["tags"]
    text = (folder / "news" / "raw.md").read_bytes().decode()
    assert text.endswith("---\r\nPublished Nov 3, 2025\r\n\r\nScraped text about HONGKONG and Asia.\r\n")
    assert "\n" not in text.replace("\r\n", "")
    check = copydesk("check", "news/raw.md", "--format", "json", cwd=folder)
    assert "CD207" in {p["code"] for p in json.loads(check.stdout)}

    assert copydesk("undo", cwd=folder).returncode == 0
    assert digest(folder) == before


def test_adopt_refuses_a_named_file_with_front_matter(folder: Path) -> None:
    result = copydesk("adopt", "news/hk.md", cwd=folder)
    assert result.returncode == 1
    assert "already has front matter" in result.stdout
    assert (folder / "news" / "hk.md").read_text(encoding="utf-8") == HK


# -- undo -----------------------------------------------------------------------------------


def test_undo_list_json_and_changed_since(folder: Path) -> None:
    # A query starting with a negated term is taken as the option's value.
    assert copydesk("tag", "news", "--add", "ONE", "--where", "-is:raw", cwd=folder).returncode == 0
    listing = copydesk("undo", "--list", "--format", "json", cwd=folder)
    (batch,) = json.loads(listing.stdout)
    assert batch["label"] == "tag --add ONE --where -is:raw" and len(batch["files"]) == 3 and not batch["undone"]
    hk = folder / "news" / "hk.md"
    hk.write_text(hk.read_text(encoding="utf-8") + "edited by hand\n", encoding="utf-8")
    undo = copydesk("undo", batch["id"][:12], "--format", "json", cwd=folder)
    assert undo.returncode == 1  # one file was not restored
    report = json.loads(undo.stdout)
    assert report["changed_since"] == ["news/hk.md"] and len(report["restored"]) == 2
    assert "edited by hand" in hk.read_text(encoding="utf-8")
    again = copydesk("undo", cwd=folder)
    assert again.returncode == 1 and "nothing to undo" in again.stderr


def test_undo_of_an_unknown_or_ambiguous_batch_id_is_a_usage_error(folder: Path) -> None:
    assert copydesk("tag", "news", "--add", "ONE", "--where", "-is:raw", cwd=folder).returncode == 0
    assert copydesk("tag", "news", "--add", "TWO", "--where", "-is:raw", cwd=folder).returncode == 0
    after = digest(folder)
    unknown = copydesk("undo", "nosuchid", cwd=folder)
    assert unknown.returncode == 2 and "no batch 'nosuchid'" in unknown.stderr
    ids = [b["id"] for b in json.loads(copydesk("undo", "--list", "--format", "json", cwd=folder).stdout)]
    shared = ids[0][:4]  # both batches were made this year
    assert all(i.startswith(shared) for i in ids)
    ambiguous = copydesk("undo", shared, "--format", "json", cwd=folder)
    assert ambiguous.returncode == 2 and "is ambiguous" in json.loads(ambiguous.stdout)["error"]
    assert digest(folder) == after  # nothing was undone


def test_undo_from_a_subfolder_uses_the_corpus_root(folder: Path) -> None:
    assert copydesk("tag", "news/hk.md", "--add", "ONE", cwd=folder).returncode == 0
    result = copydesk("undo", "--list", cwd=folder / "news")
    assert "tag --add ONE" in result.stdout
    assert not (folder / "news" / ".copydesk").exists()


def test_help_documents_exit_codes(folder: Path) -> None:
    for command in ("list", "tags", "adopt", "undo", "tag", "set"):
        result = copydesk(command, "--help", cwd=folder)
        assert result.returncode == 0
        assert "exit codes:" in result.stdout, command
