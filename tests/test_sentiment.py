"""The sentiment suggestion: its mapping to the schema's values, the ``[sentiment]`` settings,
the opt-in rule CD307 and the ``is:contradicted`` query term."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from core.checks import RULES, expand_selectors, selected_codes
from core.checks.runner import validate_config
from core.config import Config, ConfigError, SentimentSettings, load_config
from core.document import load_article
from core.query import where
from core.sentiment import compound, contradiction, enum_label, lede, polarity_of, suggest

PROJECT = Path(__file__).resolve().parents[1]

GRIM = "A fire killed two workers and destroyed the warehouse; dozens were injured and families grieve."
GLAD = "The festival was a wonderful success, and visitors praised the friendly, joyful crowds."
FLAT = "The council will meet on Thursday at the town hall."


def article(title: str, sentiment: str, body: str = "The story.") -> str:
    return (f"---\ntitle: {title}\ndescription: ''\npublishedAt: '2025-11-03T06:15:00.000Z'\nlang: en\n"
            f"source:\n  name: Desk\n  key: desk\n  type: RSS\ncategory: CITY\ntags:\n  - CITY\n"
            f"sentiment: {sentiment}\ndraft: false\n---\n{body}\n")


def folder(root: Path, toml: str = "", **articles: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if toml:
        (root / "copydesk.toml").write_text(toml, encoding="utf-8")
    for name, text in articles.items():
        (root / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120)


# -- the mapping -------------------------------------------------------------------------------


def test_thresholds_and_labels_decide_the_suggested_value() -> None:
    score = compound(GRIM)
    assert score < 0
    down = SentimentSettings(positive="UP", neutral="FLAT", negative="DOWN")
    assert suggest(GRIM, None, "", down).label == "DOWN"
    # A negative threshold below the score leaves it neutral; the same text, another reading.
    lenient = replace(down, negative_threshold=score - 0.01)
    assert suggest(GRIM, None, "", lenient).label == "FLAT"
    assert polarity_of(0.3, replace(down, positive_threshold=0.2)) == "positive"
    assert polarity_of(0.3, replace(down, positive_threshold=0.4)) == "neutral"


def test_label_takes_the_schema_enum_spelling_and_none_when_missing() -> None:
    settings = SentimentSettings()
    assert enum_label("negative", settings, ["positive", "neutral", "negative"]) == "negative"
    assert enum_label("neutral", settings, ["POSITIVE", "NEGATIVE"]) is None
    assert suggest(FLAT, None, "", settings, ["POSITIVE", "NEGATIVE"]).label in (None, "POSITIVE", "NEGATIVE")


def test_confidence_is_the_distance_from_zero() -> None:
    score = abs(compound(GRIM))
    assert suggest(GRIM, None, "", SentimentSettings(confidence=score - 0.01)).confident
    assert not suggest(GRIM, None, "", SentimentSettings(confidence=min(1.0, score + 0.01))).confident


def test_the_lede_reads_title_description_and_the_start_of_a_long_body() -> None:
    body = "First paragraph here.\n\n" + "filler words " * 200
    text = lede("Title", "Standfirst", body)
    assert text.startswith("Title.\nStandfirst.\nFirst paragraph here.")
    assert len(text) < 700 and not text.endswith("fill")  # cut at a word


def test_only_the_opposite_label_contradicts_a_confident_suggestion() -> None:
    settings = SentimentSettings(confidence=0.3)
    grim = suggest(GRIM, None, "", settings)
    assert grim.confident and grim.polarity == "negative"
    assert contradiction("POSITIVE", grim, settings) == "positive"
    assert contradiction("positive", grim, settings) == "positive"  # any case, as the enum check
    assert contradiction("NEUTRAL", grim, settings) is None
    assert contradiction("NEGATIVE", grim, settings) is None
    unsure = replace(settings, confidence=1.0)
    assert contradiction("POSITIVE", suggest(GRIM, None, "", unsure), unsure) is None


# -- the settings ------------------------------------------------------------------------------


@pytest.mark.parametrize(("toml", "said"), [
    ("[sentiment]\nconfidence = 1.5\n", "'sentiment.confidence' must be a number from -1 to 1"),
    ("[sentiment]\nconfidence = 0\n", "'sentiment.confidence' must be above 0 and at most 1"),
    ("[sentiment]\npositive-threshold = 'high'\n", "'sentiment.positive-threshold' must be a number"),
    ("[sentiment]\nnegative-threshold = 0.2\npositive-threshold = 0.1\n",
     "'sentiment.negative-threshold' (0.2) must be below 'sentiment.positive-threshold' (0.1)"),
    ("[sentiment]\nthreshold = 0.1\n", "unknown key 'sentiment.threshold'"),
    ("[sentiment]\nfield = ''\n", "'sentiment.field' must be a field name"),
    ("[sentiment.labels]\nhappy = 'POSITIVE'\n", "unknown key 'sentiment.labels.happy'"),
    ("[sentiment.labels]\npositive = ''\n", "'sentiment.labels.positive' must be a non-empty string"),
    ("[sentiment.labels]\npositive = 'NEGATIVE'\n", "'sentiment.labels' gives two polarities the same value"),
    ("sentiment = 3\n", "'sentiment' must be a table"),
])
def test_bad_settings_name_the_file_and_the_key(tmp_path: Path, toml: str, said: str) -> None:
    (tmp_path / "copydesk.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(str(tmp_path / "copydesk.toml") + ": ")
    assert said in str(caught.value)


def test_settings_are_read_and_labels_checked_against_the_schema(tmp_path: Path) -> None:
    (tmp_path / "copydesk.toml").write_text(
        "[sentiment]\npositive-threshold = 0.3\nnegative-threshold = -0.3\nconfidence = 0.6\n"
        "[sentiment.labels]\npositive = 'positive'\n", encoding="utf-8")
    config = load_config(tmp_path)
    assert config.sentiment == SentimentSettings(positive_threshold=0.3, negative_threshold=-0.3, confidence=0.6,
                                                 positive="positive")
    validate_config(config)  # the schema's POSITIVE, in another case: accepted
    (tmp_path / "copydesk.toml").write_text("[sentiment.labels]\npositive = 'UPBEAT'\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"copydesk.toml: 'sentiment.labels.positive' is 'UPBEAT', not one of the "
                                          r"values of 'sentiment' in the schema \(POSITIVE, NEUTRAL, NEGATIVE\)"):
        validate_config(load_config(tmp_path))


# -- the opt-in rule ---------------------------------------------------------------------------


def test_cd307_is_opt_in_and_selected_only_by_its_code() -> None:
    assert RULES["CD307"].opt_in and RULES["CD307"].severity == "warning"
    assert "CD307" not in selected_codes(("ALL",), ())
    assert "CD307" not in selected_codes(("CD3",), ())
    assert "CD306" in selected_codes(("CD3",), ())
    assert "CD307" in selected_codes(("ALL", "CD307"), ())
    assert "CD307" not in selected_codes(("CD307",), ("CD3",))  # an ignore takes it away
    assert "CD307" in expand_selectors(["CD3"])  # as ignore reads it


def test_cd307_reports_a_contradicted_sentiment_only_when_selected(tmp_path: Path) -> None:
    path = tmp_path / "fire.md"
    path.write_text(article("Deadly fire at the warehouse", "POSITIVE", GRIM), encoding="utf-8")
    default = Config(root=tmp_path)
    assert not [p for p in load_article(path, default).problems if p.code == "CD307"]
    chosen = replace(default, select=("ALL", "CD307"))
    found = [p for p in load_article(path, chosen).problems if p.code == "CD307"]
    assert len(found) == 1
    assert (found[0].line, found[0].column) == (13, 12)  # the value of `sentiment:` (line 13)
    assert found[0].severity == "warning"
    assert found[0].message.startswith("sentiment is 'POSITIVE' but the words are confidently negative (score -0.")
    assert found[0].message.endswith("suggested 'NEGATIVE')")


def test_cd307_is_quiet_when_the_suggestion_is_not_confident_or_agrees(tmp_path: Path) -> None:
    path = tmp_path / "fire.md"
    path.write_text(article("Deadly fire at the warehouse", "POSITIVE", GRIM), encoding="utf-8")
    unsure = Config(root=tmp_path, select=("CD307",), sentiment=SentimentSettings(confidence=1.0))
    assert not load_article(path, unsure).problems
    path.write_text(article("Deadly fire at the warehouse", "NEUTRAL", GRIM), encoding="utf-8")
    assert not load_article(path, Config(root=tmp_path, select=("CD307",))).problems


def test_check_runs_cd307_with_select_and_rules_lists_it_as_opt_in(tmp_path: Path) -> None:
    root = folder(tmp_path / "news", fire=article("Deadly fire at the warehouse", "POSITIVE", GRIM),
                  fair=article("Festival delights the city", "POSITIVE", GLAD))
    plain = cli("check", ".", "--no-cache", cwd=root)
    assert "CD307" not in plain.stdout
    chosen = cli("check", ".", "--no-cache", "--select", "ALL,CD307", cwd=root)
    assert [line.split(": ")[0] for line in chosen.stdout.splitlines() if "CD307" in line] == ["fire.md:13:12"]
    listed = cli("rules", cwd=root).stdout
    assert any(line.startswith("CD307") and "warning (opt-in)" in line for line in listed.splitlines())


def test_a_default_check_never_imports_the_model(tmp_path: Path) -> None:
    root = folder(tmp_path / "news", fire=article("Deadly fire at the warehouse", "POSITIVE", GRIM))
    code = ("import sys\nimport core.cli.main\n"
            f"core.cli.main.main(['check', '--no-cache', {str(root)!r}])\n"
            "print('vaderSentiment' in sys.modules)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert result.stdout.splitlines()[-1:] == ["False"], result.stdout + result.stderr


# -- the query term ----------------------------------------------------------------------------


def test_is_contradicted_finds_the_articles_cd307_would_report(tmp_path: Path) -> None:
    root = folder(tmp_path / "news",
                  fire=article("Deadly fire at the warehouse", "POSITIVE", GRIM),
                  calm=article("Deadly fire at the warehouse", "NEGATIVE", GRIM),
                  flat=article("Deadly fire at the warehouse", "NEUTRAL", GRIM),
                  fair=article("Festival delights the city", "NEGATIVE", GLAD))
    config = load_config(root)
    from core.document import load_corpus

    articles = load_corpus([root], config, with_rules=False).articles
    assert sorted(a.relpath for a in where(articles, "is:contradicted", config)) == ["fair.md", "fire.md"]
    assert sorted(a.relpath for a in where(articles, "-is:contradicted", config)) == ["calm.md", "flat.md"]
    listed = cli("list", ".", "--where", "is:contradicted", "--format", "paths", cwd=root)
    assert listed.stdout.split() == ["fair.md", "fire.md"]
    # The folder's settings count: nothing is confident enough at 1.0.
    (root / "copydesk.toml").write_text("[sentiment]\nconfidence = 1.0\n", encoding="utf-8")
    assert cli("list", ".", "--where", "is:contradicted", "--format", "paths", cwd=root).stdout == ""
