"""Loading a folder: every file becomes an article, bad ones with their problem."""

from __future__ import annotations

from pathlib import Path

from core.config import Config, load_config
from core.document import load_article, load_corpus

GOOD = "---\ntitle: A\ntags: [X]\n---\nBody.\n"


def make(tmp_path: Path, files: dict[str, bytes | str]) -> Path:
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return tmp_path


def kinds(corpus) -> dict[str, str]:
    return {a.relpath: a.kind for a in corpus.articles}


def test_folder_is_loaded_recursively_with_every_kind(tmp_path):
    make(
        tmp_path,
        {
            "a.md": GOOD,
            "sub/b.markdown": "raw scraped text\n",
            "sub/deeper/c.txt": "---\ntitle: [x\n---\n",
            "d.mdx": "---\nnot: closed\n",
            "e.md": b"---\ntitle: caf\xe9\n---\n",
            "f.md": "---\n- a list\n---\n",
            "notes.rst": GOOD,
            ".copydesk/journal/x.md": GOOD,
            ".git/y.md": GOOD,
            ".a.md.copydesk-lock": "1 host 0",
        },
    )
    corpus = load_corpus([tmp_path], Config(root=tmp_path))
    assert kinds(corpus) == {
        "a.md": "front-matter",
        "d.mdx": "unclosed",
        "e.md": "invalid-utf8",
        "f.md": "invalid-yaml",
        "sub/b.markdown": "raw",
        "sub/deeper/c.txt": "invalid-yaml",
    }
    codes = {a.relpath: [p.code for p in a.problems] for a in corpus.articles}
    assert codes["d.mdx"] == ["CD102"] and codes["e.md"] == ["CD105"] and codes["f.md"] == ["CD106"]
    assert "CD101" in codes["sub/b.markdown"] and codes["sub/deeper/c.txt"] == ["CD103"]
    e = next(a for a in corpus.articles if a.relpath == "e.md")
    assert (e.problems[0].line, e.problems[0].column) == (2, 11)


def test_article_facts_and_lazy_body(tmp_path):
    make(tmp_path, {"a.md": "\ufeff---\r\ntitle: A\r\nsource:\r\n  name: Wire\r\n---\r\nBody."})
    article = load_corpus([tmp_path], Config(root=tmp_path)).articles[0]
    assert article.bom and article.newline == "\r\n" and not article.final_newline
    assert article.fm_first_line == 2 and article.body_first_line == 6
    assert article.get("source.name") == "Wire" and article.title == "A"
    assert article.body() == "Body."
    assert article.fingerprint is not None and article.fingerprint.size == len((tmp_path / "a.md").read_bytes())


def test_configured_extensions_and_excludes(tmp_path):
    make(tmp_path, {"a.md": GOOD, "b.rst": GOOD, "drafts/c.md": GOOD})
    config = Config(root=tmp_path, extensions=(".rst", ".md"), exclude=("drafts/*",))
    assert sorted(kinds(load_corpus([tmp_path], config))) == ["a.md", "b.rst"]


def test_problem_selection_from_config(tmp_path):
    make(tmp_path, {"raw.md": "just text\n", "other.md": "more text\n"})
    config = Config(root=tmp_path, ignore=("CD4",), per_file_ignores={"raw.md": ("CD101",)})
    corpus = load_corpus([tmp_path], config)
    codes = {a.relpath: [p.code for p in a.problems] for a in corpus.articles}
    assert codes == {"other.md": ["CD101"], "raw.md": []}


def test_check_text_finds_what_loading_a_file_with_that_text_finds(tmp_path: Path) -> None:
    from core.document import check_text

    texts = {
        "clean.md": "---\ntitle: Tram line opens\ndescription: 'A new line.'\npublishedAt: '2025-11-01T08:00:00Z'\n"
        "lang: en\nsource:\n  name: City Ledger\n  key: cityledger\n  type: RSS\ncategory: CITY\ntags:\n  - CITY\n"
        "sentiment: POSITIVE\ndraft: false\n---\n## Overview\n\nThe tram runs every ten minutes.\n",
        "raw.md": "Scraped text\n\nwith no front matter at all:\n",
        "bad.md": "---\ntitle: [unclosed\n---\nBody.\n",
    }
    config = load_config(tmp_path)
    for name, text in texts.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        article = load_article(tmp_path / name, config)
        assert check_text(text, config, name) == (article.kind, article.problems), name
        assert article.problems or name == "clean.md"
