"""The benchmark folder generator: deterministic, seed-like, and what it claims to contain."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from core.config import Config
from core.document import load_corpus

PROJECT = Path(__file__).resolve().parents[1]


def generate(target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.generate", str(target), *args],
        cwd=PROJECT, capture_output=True, text=True, timeout=120,
    )


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_same_seed_same_folder_and_smaller_folders_are_prefixes(tmp_path: Path) -> None:
    first, again, small, other = (tmp_path / n for n in ("first", "again", "small", "other"))
    assert generate(first, "--count", "120", "--seed", "7").returncode == 0
    assert generate(again, "--count", "120", "--seed", "7").returncode == 0
    assert generate(small, "--count", "40", "--seed", "7").returncode == 0
    assert generate(other, "--count", "40", "--seed", "8").returncode == 0
    big = files(first)
    assert len(big) == 120 and big == files(again)
    assert files(small).items() <= big.items()
    assert not files(other).items() & big.items()
    assert all(rel.endswith(".md") and rel.count("/") == 3 for rel in big)  # YYYY/MM/DD/name.md
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again", "first", "other", "small"]


def test_articles_are_seed_like_with_raw_and_broken_shares(tmp_path: Path) -> None:
    target = tmp_path / "news"
    result = generate(target, "--count", "400", "--raw", "0.1", "--broken", "0.3")
    assert result.returncode == 0, result.stderr
    assert "400 files" in result.stdout
    corpus = load_corpus([target], Config(root=target))
    kinds = {a.kind for a in corpus.articles}
    assert {"front-matter", "raw", "invalid-yaml", "unclosed", "invalid-utf8"} <= kinds
    clean = [a for a in corpus.articles if a.kind == "front-matter" and not a.has_errors]
    assert len(clean) > 200
    article = clean[0]
    assert {"title", "description", "publishedAt", "source", "category", "tags", "sentiment", "draft", "coverImage", "ai"} <= set(article.meta)
    assert 1 <= len(article.meta["tags"]) <= 8
    assert 20 <= article.fm_line_count <= 45
    assert 1500 <= len(article.body().encode()) <= 7000
    drafts = sum(1 for a in clean if a.meta.get("draft") is True)
    assert 0 < drafts < len(clean) * 0.2


def test_hugo_safe_folders_leave_out_what_stops_hugo(tmp_path: Path) -> None:
    target = tmp_path / "news"
    assert generate(target, "--count", "300", "--broken", "0.5", "--hugo-safe").returncode == 0
    articles = load_corpus([target], Config(root=target)).articles
    assert not {a.kind for a in articles} & {"unclosed", "invalid-utf8"}
    # Hugo reads duplicate keys (the last wins); copydesk refuses them: the only invalid YAML left.
    invalid = [a for a in articles if a.kind == "invalid-yaml"]
    assert invalid and all(p.code == "CD104" for a in invalid for p in a.problems if p.code.startswith("CD10"))
    assert sum(1 for a in articles if a.has_errors) > 100


def test_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    target = tmp_path / "news"
    target.mkdir()
    (target / "keep.md").write_text("mine\n")
    result = generate(target, "--count", "5")
    assert result.returncode == 2
    assert "not empty" in result.stderr and str(target) in result.stderr
    assert files(target) == {"keep.md": b"mine\n"}
