"""Helpers for the TUI tests: a small folder of seed-like articles written into tmp_path."""

from __future__ import annotations

import io
import os
from pathlib import Path

from tui.app import CopydeskApp

FIXED_MTIME = 1_764_547_200  # 2025-12-01T00:00:00Z: snapshots never depend on the clock


def article_text(
    title: str,
    tags: list[str],
    *,
    sentiment: str | None = "NEUTRAL",
    draft: bool = False,
    date: str = "2025-11-01T08:00:00.000Z",
    source: str = "CoinDesk",
) -> str:
    """A seed-like article (same field order and styles as the seed)."""
    lines = [
        "---",
        f"title: {title}",
        "description: 'A short standfirst for the tests.'",
        f"publishedAt: '{date}'",
        "lang: en",
        "source:",
        f"  name: {source}",
        f"  key: {source.lower().replace(' ', '')}",
        "  type: RSS",
        "category: MARKET",
        "tags:",
        *[f"  - {tag}" for tag in tags],
    ]
    if sentiment is not None:
        lines.append(f"sentiment: {sentiment}")
    lines.append(f"draft: {'true' if draft else 'false'}")
    lines += ["---", "## Overview", "", f"{title}: the story in two sentences. Markets moved.", ""]
    return "\n".join(lines)


# name -> text; dates decide the default order (newest first): a5, a4, a3, a2, a1
ARTICLES: dict[str, str] = {
    "a1-asia-markets.md": article_text("Asia markets slide", ["ASIA", "MARKET"], sentiment="NEGATIVE", date="2025-11-01T08:00:00.000Z"),
    "a2-hashkey-ipo.md": article_text("HashKey prepares IPO", ["ASIA", "HASHKEY"], sentiment="POSITIVE", draft=True, date="2025-11-02T08:00:00.000Z", source="Decrypt"),
    "a3-etf-flows.md": article_text("ETF flows turn positive", ["ETF", "MARKET"], sentiment="NEUTRAL", date="2025-11-03T08:00:00.000Z", source="Reuters"),
    "a4-hong-kong-rules.md": article_text("Hong Kong studies derivatives", ["ASIA", "REGULATION"], sentiment="NEGATIVE", date="2025-11-04T08:00:00.000Z"),
    "a5-stablecoins.md": article_text("Stablecoin bill advances", ["STABLECOINS"], sentiment=None, date="2025-11-05T08:00:00.000Z", source="The Block"),
}

RAW_TEXT = "Hong Kong continues to accelerate its embrace of the cryptocurrency industry.\n👉 Discover how Hong Kong is becoming Asia's crypto hub\n"
BROKEN: dict[str, bytes] = {
    "b1-raw.md": RAW_TEXT.encode(),
    "b2-bad-yaml.md": b"---\ntitle: [unclosed\ntags:\n  - ASIA\n---\nBody.\n",
    "b3-unclosed.md": b"---\ntitle: Never closed\ndraft: false\n\nBody without a closing fence.\n",
    "b4-latin1.md": "---\ntitle: Caf\xe9\n---\nBody.\n".encode("latin-1"),
}


def write_folder(root: Path, articles: dict[str, str] | None = None, broken: dict[str, bytes] | None = None) -> Path:
    """Write the fixture articles into ``root`` with fixed mtimes; returns ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in (ARTICLES if articles is None else articles).items():
        (root / name).write_text(text, encoding="utf-8", newline="")
    for name, data in (broken or {}).items():
        (root / name).write_bytes(data)
    for path in root.iterdir():
        os.utime(path, (FIXED_MTIME, FIXED_MTIME))
    return root


def make_app(root: Path) -> CopydeskApp:
    from core.config import load_config

    return CopydeskApp(root.resolve(), load_config(root))


async def workers_done(app: CopydeskApp) -> None:
    """Wait until no worker runs. The app cancels a worker it starts again (a metadata pass
    when a newer one is needed): the wait then goes on with the workers left."""
    from textual.worker import WorkerCancelled

    for _ in range(50):
        try:
            await app.workers.wait_for_complete()
            return
        except WorkerCancelled:
            continue


async def settle(pilot, app: CopydeskApp) -> None:
    """Let workers finish and the panes catch up with the cursor."""
    for _ in range(3):
        await pilot.pause()
        await workers_done(app)
    await pilot.pause(0.12)
    await workers_done(app)
    await pilot.pause()


def reader_problems(screen) -> str:
    """The problems the reader lists, one per line, as shown."""
    from rich.console import Console

    from tui.widgets.reader import ProblemList

    problems = screen.query_one("#reader-problems", ProblemList)
    if not problems.display:
        return ""
    out = io.StringIO()
    console = Console(file=out, width=500, color_system=None)
    for n in range(problems.option_count):
        console.print(problems.get_option_at_index(n).prompt)
    return "\n".join(line.strip() for line in out.getvalue().splitlines())
