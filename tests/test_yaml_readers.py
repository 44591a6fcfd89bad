"""A value copydesk writes reads back as the very string that was typed, with YAML 1.1
readers (PyYAML, pure and C, as Jekyll and many site generators read) and with copydesk's
own YAML 1.2 reader: every write path quotes what either could take for something else
(`=`, `<<`, `1:20`, `yes`, `~`, dates, indicators, spaces, line breaks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.adopt import plan_adopt
from core.config import Config, Limits
from core.document import load_article
from core.edit.apply import apply_edits
from core.edit.ops import AddItem, Edit, ReplaceItem, SetValue
from core.schema import load_schema
from core.text.frontmatter import front_matter, split_text
from core.text.yamldata import parse_yaml

YAML11_BOOLEANS = [
    case(word)
    for word in ("y", "yes", "n", "no", "true", "false", "on", "off")
    for case in (str.lower, str.upper, str.capitalize)
]
TRICKY = [
    *YAML11_BOOLEANS,
    *"~ null Null NULL = << 1:20 -1:20 190:20:30 0:0 0o17 0x1F 0b101 017 1_000 +12 0 -0".split(),
    *".inf -.inf +.INF .NaN -.nan .5 1. 1e3 1.5e+3 685.230_15e+03".split(),
    "2025-01-01", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2025-01-01 news",
    "- x", "? x", ": x", "-", "?", ":", "x:", "a: b", "x # y", "#x", "@x", "`x", "a`b",
    "!tag", "&a", "*a", "%x", "|", ">", "[a]", "{a}", "a,b", "WHAT?", "a?b", "a:b", "---", "...",
    " x", "x ", " ", "", '"', "'", "it's", 'say "hi"', "a\tb", "\\", "a\\nb",
    "two\nlines", "a\rb", "a\x85b", "a\u2028b", "a\x7fb", "a\x9bb", "a\x1bb", "a\ufffeb", "é ü 😀",
]
LOADERS = {"PyYAML": yaml.SafeLoader, "PyYAML (C)": getattr(yaml, "CSafeLoader", yaml.SafeLoader)}

DOCUMENT = """---
title: Port strike ends
note: 'old'
tags:
  - LABOUR
flow: [A, B]
---
Body.
"""


def readings(fm: str) -> dict[str, Any]:
    """The front matter as each reader sees it (an exception's name when it refuses it)."""
    out: dict[str, Any] = {}
    for name, loader in {**LOADERS, "copydesk": None}.items():
        try:
            out[name] = parse_yaml(fm, Limits()) if loader is None else yaml.load(fm, loader)
        except Exception as exc:  # noqa: BLE001 - a refusal is a reading too
            out[name] = type(exc).__name__
    return out


def written(text: str) -> list[tuple[str, Edit, Any]]:
    """Every kind of write of ``text``: (what, the edit, where the value is read back)."""
    return [
        ("replace a plain value", SetValue(("title",), text), lambda d: d["title"]),
        ("replace a quoted value", SetValue(("note",), text), lambda d: d["note"]),
        ("add a key", SetValue(("added",), text), lambda d: d["added"]),
        ("add a nested key", SetValue(("source", "name"), text), lambda d: d["source"]["name"]),
        ("add to a block list", AddItem(("tags",), text), lambda d: d["tags"][-1]),
        ("add to a flow list", AddItem(("flow",), text), lambda d: d["flow"][-1]),
        ("rename in a flow list", ReplaceItem(("flow",), "A", text), lambda d: d["flow"][0]),
        ("set a new list", SetValue(("list",), [text]), lambda d: d["list"][0]),
    ]


def assert_read_back(text: str) -> None:
    for what, edit, value_of in written(text):
        new = apply_edits(DOCUMENT, [edit])
        fm = front_matter(new, split_text(new))
        got = {reader: data if isinstance(data, str) else value_of(data) for reader, data in readings(fm).items()}
        assert got == dict.fromkeys(got, text), f"{what}: {text!r} written as\n{fm}"


@pytest.mark.parametrize("text", TRICKY, ids=repr)
def test_every_reader_reads_a_written_tricky_string_as_typed(text: str) -> None:
    assert_read_back(text)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(TRICKY))
def test_every_reader_reads_any_written_string_as_typed(text: str) -> None:
    if "{{" in text or "{%" in text or "<%" in text:
        return  # template syntax is refused on purpose
    assert_read_back(text)


@pytest.mark.parametrize("value", ["=", "<<", "1:20", "Off", "a\x85b"], ids=repr)
def test_set_writes_a_title_yaml_1_1_readers_read_back(tmp_path: Path, value: str) -> None:
    (tmp_path / "a.md").write_text(DOCUMENT)
    result = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "set", f"title={value}", "a.md"], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "a.md").read_text()
    fm = front_matter(text, split_text(text))
    assert {reader: data["title"] for reader, data in readings(fm).items()} == dict.fromkeys(readings(fm), value)
    assert load_article(tmp_path / "a.md", Config(root=tmp_path)).meta["title"] == value


@pytest.mark.parametrize("heading", ["=", "<<", "1:20"])
def test_adopt_writes_a_title_yaml_1_1_readers_read_back(tmp_path: Path, heading: str) -> None:
    (tmp_path / "raw.md").write_text(f"# {heading}\n\nScraped text.\n")
    config = Config(root=tmp_path)
    change, _ = plan_adopt(load_article(tmp_path / "raw.md", config), load_schema(config))
    fm = front_matter(change.new_text, split_text(change.new_text))
    assert {reader: data["title"] for reader, data in readings(fm).items()} == dict.fromkeys(readings(fm), heading)
