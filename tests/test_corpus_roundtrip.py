"""Round-trip fidelity on real front matter from public sites (../shared/corpus).

For every file: setting a field to its current value writes nothing; appending a tag,
setting draft, replacing the title, adding sentiment, setting a nested key and removing a
list item each change only that field's lines and re-parse to the expected data, or are
refused for an allowed reason; an edit followed by its revert gives the original bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.document import load_corpus

from .corpus_edits import run_folder

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present (fresh clone without shared data)")


def test_loading_the_corpus_never_raises_and_reports_every_bad_file():
    corpus = load_corpus([CORPUS])
    assert len(corpus.articles) >= 362
    bad = [a for a in corpus.articles if a.kind != "front-matter"]
    # every file that could not be read as front matter carries a structure problem
    assert all(any(p.code.startswith("CD1") for p in a.problems) for a in bad)


def test_every_edit_is_surgical_or_refused_for_an_allowed_reason():
    outcome = run_folder(CORPUS)
    print(f"\nfiles {outcome.files}, edits {outcome.edits}, applied {outcome.applied}, refused {dict(outcome.refused)}")
    assert outcome.files >= 362
    assert outcome.damaged == []
    assert outcome.bad_refusals == []
    assert outcome.applied > 0.9 * outcome.edits
