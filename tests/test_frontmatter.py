"""Byte-exact split of front matter and body."""

from __future__ import annotations

import pytest

from core.text.frontmatter import body, front_matter, replace_front_matter, split_text


@pytest.mark.parametrize(
    ("text", "kind", "fm", "rest"),
    [
        ("---\na: 1\n---\nbody\n", "front-matter", "a: 1\n", "body\n"),
        ("---\r\na: 1\r\n---\r\nbody", "front-matter", "a: 1\r\n", "body"),
        ("\ufeff---\na: 1\n...\nbody", "front-matter", "a: 1\n", "body"),
        ("---   \na: 1\n---  \nbody", "front-matter", "a: 1\n", "body"),
        ("---\n---\nbody", "front-matter", "", "body"),
        ("---\na: 1\n---", "front-matter", "a: 1\n", ""),
        ("---\na: |\n  x\n---\n\n---\nrule in body\n", "front-matter", "a: |\n  x\n", "\n---\nrule in body\n"),
        ("raw text\n---\nnot front matter\n", "raw", "", "raw text\n---\nnot front matter\n"),
        ("\nHeadline after a blank line\n", "raw", "", "\nHeadline after a blank line\n"),
        ("", "raw", "", ""),
        ("---\na: 1\nnever closed\n", "unclosed", "", "---\na: 1\nnever closed\n"),
        ("----\na: 1\n----\n", "raw", "", "----\na: 1\n----\n"),
    ],
)
def test_split(text, kind, fm, rest):
    split = split_text(text)
    assert split.kind == kind
    assert front_matter(text, split) == fm
    assert body(text, split) == rest


def test_merge_with_the_same_front_matter_is_byte_identical():
    for text in ("---\na: 1\r\n---\nbody", "\ufeff---\n# c\nb: [1, 2]\n...\n\n\n", "---\n---\n"):
        split = split_text(text)
        assert replace_front_matter(text, split, front_matter(text, split)) == text


def test_line_ending_facts():
    split = split_text("---\r\na: 1\r\n---\r\nbody\nmore\r\n")
    assert split.newline == "\r\n" and split.mixed_newlines and split.final_newline
    split = split_text("---\na: 1\n---\nbody")
    assert split.newline == "\n" and not split.mixed_newlines and not split.final_newline
    assert split.body_first_line == 4
