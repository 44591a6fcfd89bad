"""`[adopt]` and `[[adopt.sources]]` in copydesk.toml, the date from a byline or the file's
time, and placeholders filled in later written in the house style (`lang: en`)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.adopt import plan_adopt
from core.checks.runner import validate_config
from core.config import ConfigError, load_config
from core.document import load_article
from core.schema import load_schema

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
NOV_3 = 1762165800  # 2025-11-03T10:30:00Z
CONFIG = """\
[adopt]
lang = "en"
category = "MARKET"
source.type = "RSS"

[[adopt.sources]]
match = "coinwire/*"
name = "CoinWire"
key = "coinwire"

[[adopt.sources]]
match = "*"
name = "Wire"
key = "wire"
"""
RAW = "Port strike ends\nThe strike ended on Monday.\n"


def copydesk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], capture_output=True, text=True, cwd=cwd, env=env)


def raw_file(path: Path, text: str = RAW, mtime: int = NOV_3) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime, mtime))
    return path


def front(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---\n")[1]


def test_configured_values_and_the_matching_source_fill_the_placeholders(tmp_path: Path) -> None:
    (tmp_path / "copydesk.toml").write_text(CONFIG)
    coin = raw_file(tmp_path / "coinwire" / "2025" / "strike.md")
    other = raw_file(tmp_path / "inbox" / "strike.md")
    result = copydesk("adopt", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert front(coin) == (
        "title: Port strike ends\n"
        "description: ''\n"
        "publishedAt: '2025-11-03T10:30:00.000Z'\n"
        "lang: en\n"
        "source:\n"
        "  name: CoinWire\n"
        "  key: coinwire\n"
        "  type: RSS\n"
        "category: MARKET\n"
        "tags: []\n"
        "sentiment: ''\n"
        "draft: true\n"
    )
    assert "  name: Wire\n  key: wire\n  type: RSS\n" in front(other)  # the first glob that matches wins
    line = next(line for line in result.stdout.splitlines() if line.startswith("coinwire/"))
    assert "publishedAt 2025-11-03T10:30:00.000Z (from the file time)" in line
    assert "from the configuration: lang, source.name, source.key, source.type, category" in line
    assert "to fill in: description, sentiment" in line


def test_a_byline_date_wins_over_the_file_time_and_the_json_report_says_where_each_came_from(tmp_path: Path) -> None:
    raw_file(tmp_path / "a.md", "Port strike ends\nPublished 2025-10-01 08:00\nText.\n")
    raw_file(tmp_path / "b.md")
    result = copydesk("adopt", ".", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {row["path"]: row for row in json.loads(result.stdout)}
    assert (rows["a.md"]["publishedAt"], rows["a.md"]["published_from"]) == ("2025-10-01T08:00:00.000Z", "byline")
    assert (rows["b.md"]["publishedAt"], rows["b.md"]["published_from"]) == ("2025-11-03T10:30:00.000Z", "file time")
    assert rows["b.md"]["from_configuration"] == []


def test_a_schema_date_field_of_format_date_gets_a_date(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "required": ["title", "date", "author", "draft"],
        "properties": {
            "title": {"type": "string"},
            "date": {"type": "string", "format": "date"},
            "author": {"type": "string"},
            "draft": {"type": "boolean"},
        },
    }
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "copydesk.toml").write_text('schema = "schema.json"\n\n[adopt]\nauthor = "Desk"\n')
    config = load_config(tmp_path)
    article = load_article(raw_file(tmp_path / "a.md"), config)
    change, adoption = plan_adopt(article, load_schema(config), (), config)
    assert change.new_text.startswith("---\ntitle: Port strike ends\ndate: '2025-11-03'\nauthor: Desk\ndraft: true\n---\n")
    assert (adoption.date_field, adoption.published_at, adoption.published_from) == ("date", "2025-11-03", "file time")
    assert adoption.defaults == ("author",) and adoption.placeholders == ()


def test_plan_adopt_without_a_config_dates_from_the_file_and_keeps_its_placeholders(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    article = load_article(raw_file(tmp_path / "a.md"), config)
    _, adoption = plan_adopt(article, load_schema(config), ())
    assert adoption.defaults == () and "lang" in adoption.placeholders
    assert (adoption.published_at, adoption.published_from) == ("2025-11-03T10:30:00.000Z", "file time")


@pytest.mark.parametrize(
    ("table", "said"),
    [
        ('[adopt]\nlang = "EN"\n', "'adopt.lang': lang is 'EN': must match"),
        ('[adopt]\nlangauge = "en"\n', "'adopt.langauge': unknown field"),
        ('[adopt]\nstickyWeight = "heavy"\n', "'adopt.stickyWeight': stickyWeight must be a number"),
        ('[adopt]\nsentiment = "MEH"\n', "'adopt.sentiment': sentiment is 'MEH'"),
        ("[adopt]\nlang = 2025-11-03\n", "'adopt.lang': a date cannot be written as it is"),
        ('[adopt]\nsource.kind = "RSS"\n', "'adopt.source.kind': unknown field"),
        ('[[adopt.sources]]\nname = "X"\n', "'adopt.sources #1' needs match"),
        ('[[adopt.sources]]\nmatch = "x/*"\nkeyy = "x"\n', "'adopt.sources #1.keyy': unknown field"),
        ('[[adopt.sources]]\nmatch = "x/*"\nkey = "Not A Key"\n', "'adopt.sources #1.key'"),
        ("adopt = 3\n", "'adopt' must be a table"),
    ],
)
def test_a_value_the_schema_refuses_is_a_configuration_error_naming_the_file_and_key(tmp_path: Path, table: str,
                                                                                    said: str) -> None:
    (tmp_path / "copydesk.toml").write_text(table)
    with pytest.raises(ConfigError, match="copydesk.toml") as caught:
        validate_config(load_config(tmp_path))
    assert said in str(caught.value)
    for command in (["adopt", "."], ["check", "."]):
        result = copydesk(*command, cwd=tmp_path)
        assert result.returncode == 2 and said in result.stderr, command


def test_filled_placeholders_are_written_in_the_house_style(tmp_path: Path) -> None:
    """A seed adopted, then `set lang=en category=MARKET`: plain, as seed 000 writes them."""
    seed = next(iter(sorted(SEEDS.glob("002_*.txt"))), None) if SEEDS.is_dir() else None
    if seed is None:
        pytest.skip(f"the raw seeds are not at {SEEDS}")
    target = tmp_path / "story.md"
    shutil.copyfile(seed, target)
    assert copydesk("adopt", ".", cwd=tmp_path).returncode == 0
    assert "lang: ''\n" in target.read_text(encoding="utf-8")
    before = target.read_bytes()
    result = copydesk("set", ".", "lang=en", "category=MARKET", "source.name=Coin Wire", "description=Yes: no", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    after = target.read_bytes()
    expected = (
        before.replace(b"lang: ''\n", b"lang: en\n")
        .replace(b"category: ''\n", b"category: MARKET\n")
        .replace(b"  name: ''\n", b"  name: Coin Wire\n")
        .replace(b"description: ''\n", b"description: 'Yes: no'\n")  # quoted where plain would not read back
    )
    assert after == expected
    # a value that was quoted keeps its own quotes
    assert copydesk("set", ".", "lang=fr", cwd=tmp_path).returncode == 0
    target.write_bytes(target.read_bytes().replace(b"lang: fr\n", b"lang: 'fr'\n"))
    assert copydesk("set", ".", "lang=de", cwd=tmp_path).returncode == 0
    assert b"lang: 'de'\n" in target.read_bytes()


def test_an_empty_placeholder_in_a_flow_mapping_is_filled_plain(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("---\ntitle: A\nsource: {name: '', key: \"\", type: RSS}\n---\nText.\n")
    result = copydesk("set", "a.md", "source.name=CoinWire", "source.key=coinwire", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a.md").read_text() == "---\ntitle: A\nsource: {name: CoinWire, key: coinwire, type: RSS}\n---\nText.\n"


async def test_the_terminal_uis_adopt_uses_the_configuration_and_says_where_the_date_came_from(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from tests.test_tui_support import BROKEN, FIXED_MTIME, make_app, settle, write_folder
    from tui.screens.preview import ChangePreview

    root = write_folder(tmp_path / "news", broken=BROKEN)
    (root / "copydesk.toml").write_text('[adopt]\nlang = "en"\n')
    os.utime(root / "copydesk.toml", (FIXED_MTIME, FIXED_MTIME))
    app = make_app(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash", *"is:raw", "enter")
        await settle(pilot, app)
        await pilot.press("i")
        await settle(pilot, app)
        assert isinstance(app.screen, ChangePreview)
        stamp = datetime.fromtimestamp(FIXED_MTIME, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        assert f"publishedAt: {stamp} (from the file time)" in app.screen.lines
        assert "from the configuration: lang" in app.screen.lines
        assert "lang: en\n" in app.screen.diff.replace("+lang", "lang")
        await pilot.press("escape")


def test_plan_adopt_refuses_configured_values_the_schema_refuses(tmp_path: Path) -> None:
    """The command line refuses them when it reads the configuration; a caller that did not
    check (the terminal UI) gets a refusal naming the key, and nothing is planned."""
    from core.adopt import AdoptRefused

    (tmp_path / "copydesk.toml").write_text('[adopt]\nlang = "EN"\n')
    config = load_config(tmp_path)
    article = load_article(raw_file(tmp_path / "a.md"), config)
    with pytest.raises(AdoptRefused, match="'adopt.lang': lang is 'EN'"):
        plan_adopt(article, load_schema(config), (), config)
