"""A folder whose articles and file names carry terminal escapes, C1 controls, bidi overrides
and Rich markup: what a scraped article or a colleague's file can hold. Shared by the
command-line and terminal-UI display tests."""

from __future__ import annotations

import base64
from pathlib import Path

# What each sequence would do if it reached the terminal.
CLIPBOARD_PAYLOAD = "rm -rf ~/*\n"
OSC52 = "\x1b]52;c;" + base64.b64encode(CLIPBOARD_PAYLOAD.encode()).decode() + "\x07"  # writes the clipboard
OSC52_ST = OSC52.replace("\x07", "\x1b\\")  # the same, ended by ST (Rich drops BEL, not ST)
OSC0 = "\x1b]0;PWNED-TITLE\x07"  # renames the window / pane title
OSC2_ST = "\x1b]2;PWNED-TITLE2\x1b\\"
RENAME = "\x1bkPWNED-WINDOW\x1b\\"  # tmux's window rename
CLEAR = "\x1b[2J\x1b[H"  # wipes the screen
C1 = "\u009b2J\u009d0;PWNED-C1\u009c"  # the same, as 8-bit C1 controls
BIDI = "\u202eevil\u202c \u2066x\u2069 \u200f"
MARKUP = "[bold red]loud[/] [link=https://example.invalid]click[/link]"
ALL = OSC52 + OSC0 + OSC2_ST + RENAME + CLEAR + C1 + BIDI + MARKUP

# Raw bytes that must never appear in what copydesk writes to a terminal.
FORBIDDEN = (b"\x1b]", b"\x1b[2J", b"\x1bk", b"\xc2\x9b", b"\xc2\x9d", b"\x07", "\u202e".encode())


def _yaml_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (``\\e``, ``\\a``, ``\\uXXXX`` escapes)."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u202e\u202c\u2066\u2069\u200f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def make_hostile_folder(root: Path) -> list[str]:
    """Write the hostile articles under ``root``; returns their file names."""
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {
        "body-escapes.md": (
            "---\ntitle: Body with escapes\npublishedAt: '2025-12-01T07:29:00Z'\nsentiment: NEUTRAL\n---\n"
            f"First paragraph {OSC52} then {OSC0} and {CLEAR}.\n\n{RENAME} {C1} {BIDI}\n\n"
            f"The same ended by ST {OSC52_ST}.\n\n"
            f"A reference &#x202e;evil and &#27;]0;ENTITY&#7; and {MARKUP}.\n\n"
            f"```\ncode {OSC52}\n```\n"
        ),
        "values-escapes.md": (
            "---\n"
            f"title: {_yaml_quoted('Title ' + OSC52 + OSC0 + ' end')}\n"
            f"description: {_yaml_quoted(CLEAR + BIDI + MARKUP)}\n"
            "publishedAt: '2025-12-01T07:29:00Z'\n"
            f"sentiment: {_yaml_quoted('NEG' + OSC2_ST)}\n"
            f"category: {_yaml_quoted(RENAME + 'MARKET')}\n"
            f"source:\n  name: {_yaml_quoted(C1 + 'Wire')}\n  key: wire\n"
            f"tags:\n  - {_yaml_quoted('ASIA' + OSC52)}\n  - {_yaml_quoted(MARKUP)}\n  - HONG KONG\n"
            f"{_yaml_quoted('x' + OSC0)}: unknown field\n"
            "---\nA plain body.\n"
        ),
        "markup-title.md": (
            f"---\ntitle: {_yaml_quoted(MARKUP + ' ' + BIDI)}\npublishedAt: '2025-12-02T07:29:00Z'\n---\nBody.\n"
        ),
        f"name{OSC52}{OSC0}.md": "---\ntitle: Hostile file name\n---\nBody.\n",
        "name\nforged.md": "---\ntitle: Newline in the name\n---\nBody.\n",
        f"name{BIDI}.md": "---\ntitle: Bidi in the name\n---\nBody.\n",
        "raw-escapes.md": f"Raw scraped text {OSC52}\n{CLEAR} {C1}\nSubscribe now!\n",
        "broken-escapes.md": f"---\ntitle: [unclosed {OSC0}\n---\nBody {OSC52}\n",
    }
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8", newline="")
    return list(files)
