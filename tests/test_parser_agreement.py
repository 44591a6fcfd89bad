"""The fast data parser (yaml-rs) agrees with ruamel.yaml (YAML 1.2, round-trip mode) on
every real front matter of ../shared/corpus and on the samples; where it cannot, copydesk
reports a problem for the file instead of silently reading different data."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml_rs
from ruamel.yaml import YAML

from core.config import Config
from core.document import load_article
from core.text.frontmatter import front_matter, split_text

HERE = Path(__file__).resolve().parents[1]
CORPUS = HERE.parent / "shared" / "corpus"
SAMPLES = HERE / "samples"
_RT = YAML(typ="rt", pure=True)
_SAFE = YAML(typ="safe", pure=True)


def _same(fast: Any, slow: Any) -> bool:
    """Equal data; ruamel's timestamps equal the string yaml-rs keeps when it reads the same."""
    if isinstance(slow, (datetime.date, datetime.datetime)):
        if not isinstance(fast, str):
            return False
        try:
            return _SAFE.load(f"v: {fast}")["v"] == slow
        except Exception:  # noqa: BLE001
            return False
    if isinstance(slow, dict):
        return isinstance(fast, dict) and list(fast) == [str(k) if not isinstance(k, (str, int, float, bool)) else k for k in slow] and all(
            _same(fast[k], slow[k]) for k in fast
        )
    if isinstance(slow, list):
        return isinstance(fast, list) and len(fast) == len(slow) and all(_same(a, b) for a, b in zip(fast, slow, strict=True))
    if isinstance(slow, bool) or isinstance(fast, bool):
        return type(slow) is type(fast) and slow == fast
    return fast == slow


def _files(folder: Path) -> list[Path]:
    exts = {".md", ".mdx", ".markdown", ".txt"}
    return sorted(p for p in folder.rglob("*") if p.suffix in exts and p.is_file() and p.name != "SOURCES.md")


def _check_folder(folder: Path) -> tuple[int, int, list[str]]:
    agree = both_refuse = 0
    unexplained: list[str] = []
    for path in _files(folder):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        split = split_text(text)
        if not split.has_front_matter:
            continue
        fm = front_matter(text, split)
        try:
            fast = yaml_rs.loads(fm, parse_datetime=False)
        except Exception:  # noqa: BLE001
            fast = None
            fast_failed = True
        else:
            fast_failed = False
        try:
            slow = _RT.load(fm)
        except Exception:  # noqa: BLE001
            slow_failed = True
        else:
            slow_failed = False
        if fast_failed and slow_failed:
            both_refuse += 1
            continue
        if not fast_failed and not slow_failed and _same(fast, slow):
            agree += 1
            continue
        # a disagreement must surface as a problem on the article
        article = load_article(path, Config(root=folder))
        if not any(p.code.startswith("CD1") for p in article.problems):
            unexplained.append(path.name)
    return agree, both_refuse, unexplained


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present (fresh clone without shared data)")
def test_corpus_parsers_agree_or_the_file_gets_a_problem():
    agree, both_refuse, unexplained = _check_folder(CORPUS)
    print(f"\ncorpus: {agree} agree, {both_refuse} refused by both parsers, {len(unexplained)} unexplained")
    assert agree >= 340
    assert unexplained == []


def test_samples_parsers_agree_or_the_file_gets_a_problem():
    if not SAMPLES.is_dir():
        pytest.fail("samples/ is missing")
    agree, _, unexplained = _check_folder(SAMPLES)
    assert agree > 0
    assert unexplained == []
