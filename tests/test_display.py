"""core.display: what a terminal is shown of hostile text, and the way back for edits."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from core.display import EscapingStream, c_quote, has_controls, printable, shown_tag, unprintable


@pytest.mark.parametrize(("raw", "shown"), [
    ("plain title", "plain title"),
    ("a\x1b]52;c;eA==\x07b", "a\\x1b]52;c;eA==\\x07b"),
    ("line\nbreak\ttab", "line\\x0abreak\\x09tab"),
    ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
    ("bidi \u202eevil\u202c \u2066x\u2069 \u200e\u200f \u061c \u2028\u2029", "bidi \\u202eevil\\u202c \\u2066x\\u2069 \\u200e\\u200f \\u061c \\u2028\\u2029"),
    ("name\udcff.md", "name\\xff.md"),  # a byte of a name that is not UTF-8
    ("[bold]markup[/] stays", "[bold]markup[/] stays"),
    ("emoji 👩‍💻 and zero-width joiner kept", "emoji 👩‍💻 and zero-width joiner kept"),
])
def test_printable_shows_controls_on_one_line(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert has_controls(raw) is (raw != shown)
    assert printable(shown) == shown  # showing twice changes nothing


def test_printable_multiline_keeps_newlines_and_tabs_and_reads_crlf_as_newline() -> None:
    assert printable("a\r\nb\tc\n\x1b[2J\rd", multiline=True) == "a\nb\tc\n\\x1b[2J\\x0dd"


def test_unprintable_gives_back_the_marks_a_value_held() -> None:
    title = "مرحبا \u200f2025 \u202eX"
    edited = printable(title) + " (updated)"
    assert unprintable(edited, title) == title + " (updated)"
    # Typing an escape of a character the value did not hold adds no control character.
    assert unprintable("new \\x1b]0;x\\x07", "plain") == "new \\x1b]0;x\\x07"
    # A value that spells an escape out as text keeps it as text.
    assert unprintable("a \\x1b b", "a \\x1b b \x1b") == "a \\x1b b"


@pytest.mark.parametrize(("name", "quoted"), [
    ("a/plain-name.md", "a/plain-name.md"),
    ("a/name\x1b]0;x\x07.md", '"a/name\\033]0;x\\a.md"'),
    ("a/new\nline.md", '"a/new\\nline.md"'),
    ('a/quote".md', '"a/quote\\".md"'),
    ("a/café.md", '"a/caf\\303\\251.md"'),
])
def test_c_quote_quotes_as_git_does(name: str, quoted: str) -> None:
    assert c_quote(name) == quoted


def test_c_quote_matches_git(tmp_path: Path) -> None:
    """git's own quoting of the same names (core.quotePath on, its default)."""
    import subprocess

    names = ["plain.md", "esc\x1b[2J.md", "new\nline.md", "café.md", 'q"uote.md', "back\\slash.md"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for name in names:
        (tmp_path / name).write_text("x")
    out = subprocess.run(["git", "status", "--porcelain", "-uall"], cwd=tmp_path, capture_output=True, check=True)
    listed = sorted(line[3:] for line in out.stdout.decode().splitlines())
    assert listed == sorted(c_quote(name) for name in names)


def test_escaping_stream_shows_controls_and_passes_plain_text() -> None:
    raw = io.StringIO()
    stream = EscapingStream(raw)
    stream.write("ok line\n")
    stream.write("bad \x1b]52;c;eA==\x07 \u202e\n")
    assert raw.getvalue() == "ok line\nbad \\x1b]52;c;eA==\\x07 \\u202e\n"


@pytest.mark.parametrize(
    ("tag", "shown"),
    [
        ("", "⟨empty⟩"),
        (None, "⟨empty⟩"),
        (" ", '"␠"'),
        (" ECONOMY", '"␠ECONOMY"'),
        ("HONG  KONG", '"HONG␠␠KONG"'),
        ("ASIA\t", '"ASIA\\x09"'),
        ("HONG KONG", "HONG KONG"),
        ("X\x1b[2J", "X\\x1b[2J"),
    ],
)
def test_shown_tag_makes_empty_and_spaced_tags_visible(tag: object, shown: str) -> None:
    assert shown_tag(tag) == shown
