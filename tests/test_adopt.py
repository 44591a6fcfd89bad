"""Adopting raw articles: front matter from the schema, every byte of the text kept."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from core.adopt import AdoptRefused, adopt_text, plan_adopt
from core.config import Config, load_config
from core.document import load_article, load_corpus
from core.schema import load_schema, required_fields
from core.storage.journal import Journal
from core.storage.save import save_changes
from core.text.frontmatter import split_text
from core.text.yamldata import parse_yaml

SHARED = Path(__file__).resolve().parents[2] / "shared"
SCHEMA = load_schema(Config(root=Path(".")))
VOCABULARY = ["HONG KONG", "HASHKEY", "ETF", "BTC", "REGULATION", "ASIA", "DERIVATIVES"]

# Raw articles in the style of the scraped seeds (our own words).
LEADING_BLANK = (
    "\n"
    "HashKey Opens a Derivatives Desk in Hong Kong\n"
    "Newsflash Selected Newsflash Selected\n"
    "\n"
    "HashKey Opens a Derivatives Desk in Hong Kong\n"
    "The exchange said on Monday that regulators in Hong Kong approved the desk.\n"
    "👉 Join our community for more updates\n"
)
PARAGRAPH_FIRST = (
    "Hong Kong keeps widening its embrace of digital assets, with officials confirming that "
    "the treasury bureau has started to study rules for crypto derivatives, a move that several "
    "licensed exchanges said they had been waiting for since the first licences were granted.\n"
    "Regulators Study Derivatives Rules\n"
    "HashKey said BTC/USD and ETH/USD pairs launched last month; an ETF desk may follow.\n"
)
BYLINE = (
    "Why Hong Kong's Exchanges Are Losing Traders\n"
    "\n"
    "·\n"
    "\n"
    "Written by Lin Qiao · Published Nov 3, 2025 at 9:15 am\n"
    "\n"
    "In recent months the city's licensed exchanges reported lower volumes.\n"
)


def data_of(text: str) -> tuple[dict, str]:
    split = split_text(text)
    assert split.kind == "front-matter"
    meta = parse_yaml(text[split.fm_start : split.fm_end], Config(root=Path(".")).limits)
    return meta, text[split.body_start :]


def test_title_line_removed_when_exact_and_the_rest_kept_byte_for_byte() -> None:
    adoption = adopt_text(LEADING_BLANK, SCHEMA, VOCABULARY)
    meta, body = data_of(adoption.text)
    assert meta["title"] == "HashKey Opens a Derivatives Desk in Hong Kong"
    assert adoption.title_line_removed
    # The blank line before the title and everything after it are untouched.
    assert body == LEADING_BLANK.replace("HashKey Opens a Derivatives Desk in Hong Kong\n", "", 1)
    assert meta["draft"] is True
    assert meta["tags"] == ["HONG KONG", "HASHKEY", "DERIVATIVES"]


def test_every_required_field_present_with_empty_placeholders() -> None:
    adoption = adopt_text(LEADING_BLANK, SCHEMA, VOCABULARY)
    meta, _ = data_of(adoption.text)
    assert list(meta) == required_fields(SCHEMA)
    assert meta["description"] == "" and meta["lang"] == "" and meta["publishedAt"] == ""
    assert meta["source"] == {"name": "", "key": "", "type": ""}
    assert set(adoption.placeholders) == {
        "description", "publishedAt", "lang", "source.name", "source.key", "source.type", "category", "sentiment",
    }
    assert "description: ''\n" in adoption.text


def test_paragraph_first_line_gives_a_cut_title_and_stays() -> None:
    adoption = adopt_text(PARAGRAPH_FIRST, SCHEMA, VOCABULARY)
    meta, body = data_of(adoption.text)
    assert not adoption.title_line_removed
    assert body == PARAGRAPH_FIRST
    assert meta["title"].endswith("…") and len(meta["title"]) <= 151
    assert PARAGRAPH_FIRST.startswith(meta["title"][:-1])
    assert adoption.notes
    # Short upper-case tags match only as written: BTC in "BTC/USD", ETF in "an ETF desk".
    assert set(meta["tags"]) == {"BTC", "ETF", "HONG KONG", "DERIVATIVES", "HASHKEY"}


def test_byline_date_becomes_published_at() -> None:
    adoption = adopt_text(BYLINE, SCHEMA, VOCABULARY)
    meta, body = data_of(adoption.text)
    assert meta["publishedAt"] == "2025-11-03T09:15:00.000Z"
    assert "publishedAt" not in adoption.placeholders
    assert body == BYLINE.split("\n", 1)[1]


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Published 2025-11-03", "2025-11-03T00:00:00.000Z"),
        ("Posted on 2025/11/03 14:05", "2025-11-03T14:05:00.000Z"),
        ("November 3, 2025", "2025-11-03T00:00:00.000Z"),
        ("By Staff | 3rd Nov 2025, 12:30 pm", "2025-11-03T12:30:00.000Z"),
        ("Updated: 12 December 2025 12:05 am", "2025-12-12T00:05:00.000Z"),
        ("Published 2025-02-30", None),  # not a date
        ("In June 2023, the city implemented its regime and on 3 November 2025 it widened it further today.", None),
    ],
)
def test_byline_formats(byline: str, expected: str | None) -> None:
    adoption = adopt_text(f"A Title\n{byline}\nText.\n", SCHEMA)
    assert adoption.published_at == expected


def test_line_endings_and_bom_are_kept() -> None:
    text = "\ufeffTitle: With a Colon\r\nBody line one.\r\nBody line two.\r\n"
    adoption = adopt_text(text, SCHEMA)
    assert adoption.text.startswith("\ufeff---\r\n")
    assert "\n" not in adoption.text.replace("\r\n", "")
    meta, body = data_of(adoption.text)
    assert meta["title"] == "Title: With a Colon"
    assert body == "Body line one.\r\nBody line two.\r\n"


def test_heading_marker_is_trimmed_from_the_title_but_the_line_kept() -> None:
    adoption = adopt_text("# Markets Wobble\n\nText.\n", SCHEMA)
    meta, body = data_of(adoption.text)
    assert meta["title"] == "Markets Wobble" and body == "# Markets Wobble\n\nText.\n"


@pytest.mark.parametrize("title", ["yes", "null", "2025-11-03", "- dash", "'quoted'", 'He said "no"', "100", "a #hash", "key: value"])
def test_titles_that_need_quoting_read_back_exactly(title: str) -> None:
    meta, _ = data_of(adopt_text(f"{title}\nText.\n", SCHEMA).text)
    assert meta["title"] == title


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\ntitle: x\n---\nbody\n", "already has front matter"),
        ("---\ntitle: x\n", "never closed"),
        ("\n  \n\n", "empty"),
    ],
)
def test_refusals(text: str, reason: str) -> None:
    with pytest.raises(AdoptRefused, match=reason):
        adopt_text(text, SCHEMA)


def test_adopted_file_is_saved_through_the_journal_and_checks_as_placeholders(tmp_path: Path) -> None:
    path = tmp_path / "raw.md"
    path.write_bytes(BYLINE.encode())
    config = load_config(tmp_path)
    article = load_article(path, config)
    assert article.kind == "raw"
    change, _ = plan_adopt(article, SCHEMA, VOCABULARY)
    (result,) = save_changes([change], config=config, label="adopt 1 file")
    assert result.status == "saved"
    adopted = load_article(path, config)
    assert adopted.kind == "front-matter"
    codes = {p.code for p in adopted.problems}
    assert "CD207" in codes and "CD101" not in codes
    Journal(tmp_path).undo()
    assert path.read_bytes() == BYLINE.encode()


def test_file_with_front_matter_is_refused_by_plan(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    with pytest.raises(AdoptRefused, match="already has front matter"):
        plan_adopt(load_article(path, load_config(tmp_path)), SCHEMA)


def test_real_raw_seeds(tmp_path: Path) -> None:
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"shared seeds not found at {seeds}")
    for seed in seeds.glob("*.txt"):
        shutil.copy(seed, tmp_path / seed.name)
        (tmp_path / seed.name).chmod(stat.S_IRUSR | stat.S_IWUSR)
    corpus = load_corpus([tmp_path])
    raw = [a for a in corpus.articles if a.kind == "raw"]
    assert len(raw) == 3
    for article in raw:
        original = article.read_bytes().decode("utf-8")
        adoption = adopt_text(original, SCHEMA, VOCABULARY)
        meta, body = data_of(adoption.text)
        first = next(line for line in original.splitlines() if line.strip())
        # The body is the original text, minus the title line only when it was exactly the title.
        if adoption.title_line_removed:
            assert meta["title"] == first
            assert body == original.replace(first + "\n", "", 1)
        else:
            assert body == original
        assert meta["draft"] is True and "HONG KONG" in meta["tags"]
    with pytest.raises(AdoptRefused):
        adopt_text((seeds / next(p.name for p in seeds.glob("000_*.txt"))).read_text(encoding="utf-8"), SCHEMA)
