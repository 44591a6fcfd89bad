"""Planning a batch across worker processes (``core.storage.plans``): the same plans as one
process makes, and ``copydesk tag`` on a folder big enough to use the workers keeps every
guarantee of a save (only the tags lines change, the journal undoes it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.generate import generate
from core.config import load_config
from core.document import load_corpus
from core.edit.ops import AddItem, RemoveItem, SetValue
from core.index.workers import PARALLEL_MIN_FILES
from core.storage.plans import Refused, plan_changes
from core.storage.save import Change

SHARED = Path(__file__).resolve().parents[2] / "shared"


def _edits(article):  # module-level: the serial and the forked plans share it
    tags = article.meta.get("tags") if article.meta else None
    if isinstance(tags, (list, tuple)) and tags:
        return [RemoveItem(("tags",), tags[0]), AddItem(("tags",), "REVIEWED")]
    if article.relpath.endswith("0.md"):
        return []
    return [AddItem(("tags",), "REVIEWED"), SetValue(("draft",), False)]


def _shape(planned):
    if isinstance(planned, Change):
        return ("change", planned.path, planned.edits, planned.old_text, planned.new_text, planned.base_sha256)
    if isinstance(planned, Refused):
        return ("refused", planned.reason)
    return planned


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated articles (broken, raw and odd ones among them) and, when present, the
    shared corpus of real front matter."""
    root = tmp_path_factory.mktemp("plans")
    generate(root / "generated", 150, seed=3)
    corpus = SHARED / "corpus"
    if corpus.is_dir():
        shutil.copytree(corpus, root / "corpus", symlinks=True)
    return root


def test_plans_made_in_workers_are_the_plans_made_here(folder: Path) -> None:
    config = load_config(folder)
    articles = load_corpus([folder], config, with_rules=False).articles
    here = plan_changes(articles, _edits, config, workers=0)
    forked = plan_changes(articles, _edits, config, workers=2)
    assert [_shape(p) for p in forked] == [_shape(p) for p in here]
    kinds = {type(p).__name__ for p in here}
    assert kinds == {"Change", "Refused", "NoneType"}, kinds  # every branch crossed the pipe
    assert all(p.article is a for p, a in zip(forked, articles, strict=True) if isinstance(p, Change))


def test_bulk_tag_in_workers_changes_only_the_tags_lines_and_undoes(tmp_path: Path) -> None:
    count = PARALLEL_MIN_FILES + 20  # enough for the workers to load and plan
    generate(tmp_path / "news", count, seed=5)
    before = {p: p.read_bytes() for p in (tmp_path / "news").rglob("*.md")}
    run = subprocess.run([sys.executable, "-m", "core.cli.main", "tag", str(tmp_path / "news"), "--add", "CHECKED", "-q"],
                         capture_output=True, text=True, check=False)
    assert run.returncode in (0, 1), run.stderr  # 1: the generated folder holds broken files
    changed = 0
    for path, old in before.items():
        new = path.read_bytes()
        if new == old:
            continue
        changed += 1
        old_lines, new_lines = old.decode().splitlines(), new.decode().splitlines()
        added = [line for line in new_lines if line not in old_lines]
        assert len(added) == 1 and "CHECKED" in added[0], (path, added)
        assert [line for line in new_lines if line != added[0]] == old_lines  # nothing else moved
    assert changed > count * 0.8
    assert not [p for p in (tmp_path / "news").rglob("*") if p.name.startswith(".") and ".copydesk" not in p.parts]
    undo = subprocess.run([sys.executable, "-m", "core.cli.main", "undo", str(tmp_path / "news")],
                          capture_output=True, text=True, check=False)
    assert undo.returncode == 0, undo.stderr
    assert {p: p.read_bytes() for p in before} == before
