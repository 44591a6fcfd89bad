"""Generate a folder of seed-like news articles for benchmarks (deterministic for a seed).

Articles look like the product's example input: front matter with title, description,
dates, source, category, 1-8 tags from about 210, sentiment, draft (~7% true), cover image
URLs and an ``ai`` block; Markdown bodies of 2-6 KB of invented text with sections and
lists. A configurable share are *raw* scraped articles (no front matter) and a share are
*broken* in the ways real folders are (invalid YAML, unclosed front matter, missing or
mistyped fields, bad dates, duplicate keys, Latin-1 bytes, messy tags, scraped boilerplate).

Files go in date subfolders (``2024/05/17/slug-0123456789abcdef.md``). File ``i`` depends
only on the seed and ``i``, so a 1,000-article folder is the first 1,000 files of a
50,000-article one. Nothing is written outside the target folder.

    python -m bench.generate OUT --count 10000 [--seed 0] [--raw 0.03] [--broken 0.05]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

BROKEN_KINDS = (
    "bad-yaml",
    "unclosed",
    "missing-field",
    "wrong-type",
    "bad-enum",
    "bad-date",
    "dates-reversed",
    "messy-tags",
    "duplicate-key",
    "latin1",
    "insecure-image",
    "yaml11-boolean",
    "boilerplate",
    "empty-body",
)
# Broken kinds that make Hugo refuse the whole site (it stops at the first bad front matter).
HUGO_FATAL_KINDS = frozenset({"bad-yaml", "unclosed", "latin1"})

_TOPICS = (
    "ASIA", "EUROPE", "AMERICAS", "AFRICA", "BUSINESS", "MARKET", "MARKETS", "TRADING", "NEWS",
    "REGULATION", "POLICY", "ECONOMY", "INFLATION", "RATES", "BANKING", "FINTECH", "PAYMENTS",
    "STABLECOINS", "DEFI", "NFT", "GAMING", "AI", "SECURITY", "HACKS", "SCAMS", "MINING",
    "ENERGY", "ETF", "FUNDS", "IPO", "EARNINGS", "MERGERS", "LAYOFFS", "STARTUPS", "VENTURE",
    "LEGAL", "COURTS", "TAXES", "CBDC", "PRIVACY", "LAYER 2", "SCALING", "WALLETS", "CUSTODY",
    "EXCHANGES", "DERIVATIVES", "OPTIONS", "FUTURES", "LIQUIDITY", "VOLATILITY", "ADOPTION",
    "RETAIL", "INSTITUTIONS", "MACRO", "COMMODITIES", "GOLD", "OIL", "FOREX", "BONDS",
    "EQUITIES", "TECHNOLOGY", "RESEARCH", "INTERVIEW", "OPINION", "ANALYSIS", "EDUCATION",
    "COMMUNITY", "GOVERNANCE", "TOKENIZATION", "REAL ESTATE",
)
_ENTITIES = (
    "BITCOIN", "ETHEREUM", "SOLANA", "CARDANO", "POLKADOT", "AVALANCHE", "CHAINLINK", "POLYGON",
    "ARBITRUM", "OPTIMISM", "TRON", "TONCOIN", "DOGECOIN", "SHIBA INU", "LITECOIN", "RIPPLE",
    "XRP", "STELLAR", "COSMOS", "NEAR", "APTOS", "SUI", "CELESTIA", "UNISWAP", "AAVE", "MAKER",
    "LIDO", "CURVE", "TETHER", "USDC", "CIRCLE", "COINBASE", "BINANCE", "KRAKEN", "OKX", "BYBIT",
    "HASHKEY", "BITGET", "GEMINI", "ROBINHOOD", "BLACKROCK", "FIDELITY", "GRAYSCALE", "VANECK",
    "MICROSTRATEGY", "TESLA", "NVIDIA", "PAYPAL", "VISA", "MASTERCARD", "JPMORGAN", "GOLDMAN SACHS",
    "SEC", "CFTC", "FED", "ECB", "IMF", "SFC", "HKMA", "MAS", "FCA", "BAFIN", "OPENAI", "METAMASK",
    "LEDGER", "TRUST WALLET", "WORLDCOIN", "RIPPLE LABS", "FTX", "CELSIUS",
)
_PLACES = (
    "HONG KONG", "SINGAPORE", "JAPAN", "SOUTH KOREA", "CHINA", "TAIWAN", "INDIA", "INDONESIA",
    "VIETNAM", "THAILAND", "PHILIPPINES", "AUSTRALIA", "NEW ZEALAND", "UAE", "DUBAI", "SAUDI ARABIA",
    "TURKEY", "ISRAEL", "NIGERIA", "KENYA", "SOUTH AFRICA", "EGYPT", "BRAZIL", "ARGENTINA",
    "MEXICO", "COLOMBIA", "CHILE", "CANADA", "UNITED STATES", "NEW YORK", "TEXAS", "CALIFORNIA",
    "UNITED KINGDOM", "LONDON", "IRELAND", "FRANCE", "GERMANY", "SWITZERLAND", "NETHERLANDS",
    "SPAIN", "ITALY", "PORTUGAL", "POLAND", "UKRAINE", "RUSSIA", "SWEDEN", "NORWAY", "FINLAND",
    "DENMARK", "ESTONIA", "LITHUANIA", "CZECHIA", "AUSTRIA", "BELGIUM", "LUXEMBOURG", "MALTA",
    "CYPRUS", "GEORGIA", "KAZAKHSTAN", "PAKISTAN", "BANGLADESH", "SRI LANKA", "MALAYSIA",
    "CAMBODIA", "MONGOLIA", "EL SALVADOR", "PANAMA", "PERU", "VENEZUELA", "BERMUDA",
)
TAGS: tuple[str, ...] = _TOPICS + _ENTITIES + _PLACES

_SOURCES = (
    ("CoinDesk", "coindesk", "RSS"), ("The Block", "theblock", "RSS"), ("Decrypt", "decrypt", "RSS"),
    ("PANews", "panews", "SCRAPER"), ("TechFlow", "techflow", "SCRAPER"), ("Cointelegraph", "cointelegraph", "RSS"),
    ("Reuters", "reuters", "API"), ("Bloomberg", "bloomberg", "API"), ("DeThings", "dethings", "SCRAPER"),
    ("Blockworks", "blockworks", "RSS"), ("Wu Blockchain", "wublockchain", "TELEGRAM"), ("BeInCrypto", "beincrypto", "RSS"),
)
_CATEGORIES = ("MARKET", "BUSINESS", "REGULATION", "TECHNOLOGY", "POLICY", "SECURITY", "OPINION", "EDUCATION")
_SENTIMENTS = ("POSITIVE", "NEUTRAL", "NEGATIVE")
_SUBJECTS = (
    "The company", "Regulators", "Analysts", "Traders", "The exchange", "Investors", "The central bank",
    "Lawmakers", "The foundation", "Market makers", "Local officials", "The startup", "Developers",
    "Institutional buyers", "The fund", "Retail users", "Auditors", "The committee", "Critics",
)
_VERBS = (
    "expects", "reported", "is weighing", "announced", "has delayed", "confirmed", "is studying",
    "warned about", "welcomed", "rejected", "is preparing", "raised concerns over", "outlined",
    "is accelerating", "paused", "doubled down on", "questioned", "has approved", "is reviewing",
)
_OBJECTS = (
    "a new licensing regime", "lower trading fees", "its quarterly results", "the token listing",
    "stricter custody rules", "a cross-border payment pilot", "the planned public offering",
    "an expanded derivatives desk", "its reserve disclosures", "a stablecoin framework",
    "the market structure bill", "fresh capital from venture investors", "the security incident",
    "a retail investment product", "staking services for clients", "the tokenised bond issue",
    "an on-chain settlement system", "its compliance programme", "the mining difficulty change",
)
_TAILS = (
    "despite a rise in trading volumes", "as losses deepen", "ahead of the next policy meeting",
    "according to people familiar with the matter", "after months of consultation",
    "while competitors cut costs", "as liquidity returns to the market", "amid growing scrutiny",
    "following a sharp correction", "in a statement on Monday", "citing weak demand in the region",
    "to attract institutional money", "even as fees remain ultra-low", "before the end of the year",
)
_HEADINGS = (
    "Overview", "Current Situation", "Background", "What Happened", "Market Reaction", "Key Figures",
    "Regulatory Context", "What Comes Next", "Analysis", "Why It Matters", "Outlook", "Details",
)
_WORDS = (
    "crypto", "market", "rally", "slump", "licence", "exchange", "token", "fund", "bank", "rules",
    "growth", "deal", "stake", "bid", "loss", "gain", "reform", "probe", "plan", "bet",
)


@dataclass
class Stats:
    """What a generation run wrote."""

    files: int = 0
    bytes: int = 0
    kinds: Counter[str] | None = None


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}."


def _title(rng: random.Random, tags: list[str]) -> str:
    who = tags[0].title() if tags else rng.choice(_ENTITIES).title()
    return f"{who} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} {rng.choice(_TAILS)}"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fold(key: str, text: str, width: int = 80) -> list[str]:
    """A long string as a folded block scalar, as YAML dumpers write it."""
    lines = [f"{key}: >-"]
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append("  " + current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append("  " + current)
    return lines


def _body(rng: random.Random, title: str, size: int) -> str:
    parts: list[str] = []
    length = 0
    headings = rng.sample(_HEADINGS, len(_HEADINGS))
    while length < size and headings:
        heading = headings.pop()
        section = [f"## {heading}", ""]
        if rng.random() < 0.3:
            section += [f"- {_sentence(rng)}" for _ in range(rng.randint(3, 6))]
        else:
            for _ in range(rng.randint(1, 3)):
                section.append(" ".join(_sentence(rng) for _ in range(rng.randint(3, 6))))
                section.append("")
        text = "\n".join(section).rstrip("\n") + "\n"
        parts.append(text)
        length += len(text) + 1
    return "\n".join(parts)


def _front_matter(rng: random.Random, index: int, when: datetime, tags: list[str], title: str, draft: bool) -> list[str]:
    name, key, kind = rng.choice(_SOURCES)
    description = " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))[:300].rstrip() + "…"
    photo = hashlib.blake2b(f"photo{index}".encode(), digest_size=6).hexdigest()
    base = f"https://images.unsplash.com/photo-{photo}"
    query = "ixid=M3w4MjQzNjB8MHwxfHJhbmRvbXx8fHx8fHx8fDE3NjQ1NzgxNDN8&ixlib=rb-4.1.0"
    updated = when + timedelta(minutes=rng.randint(0, 240), seconds=rng.randint(0, 59))
    lines = [f"title: {_quote(title) if ':' in title or rng.random() < 0.2 else title}"]
    lines += _fold("description", description) if rng.random() < 0.85 else [f"description: {_quote(description)}"]
    lines += [
        f"publishedAt: '{when:%Y-%m-%dT%H:%M:%S}.000Z'",
        f"updatedAt: '{updated:%Y-%m-%dT%H:%M:%S}.{rng.randint(0, 999):03d}Z'",
        "lang: en",
        f"externalId: '{50_000_000 + index * 7}'",
        "source:",
        f"  name: {name}",
        f"  key: {key}",
        f"  type: {kind}",
        f"category: {rng.choice(_CATEGORIES)}",
        "tags:",
        *(f"  - {tag}" for tag in tags),
        f"stickyWeight: {rng.choice((0, 0, 0, 0, 1, 5))}",
        f"sentiment: {rng.choice(_SENTIMENTS)}",
        f"score: {rng.randint(0, 100) if rng.random() < 0.3 else 0}",
        f"draft: {'true' if draft else 'false'}",
        "coverImage:",
        f"  raw: '{base}?{query}'",
        f"  full: '{base}?crop=entropy&cs=srgb&fm=jpg&{query}&q=85'",
        f"  regular: '{base}?crop=entropy&cs=tinysrgb&fit=max&fm=jpg&{query}&q=80&w=1080'",
        f"  small: '{base}?crop=entropy&cs=tinysrgb&fit=max&fm=jpg&{query}&q=80&w=400'",
        f"  thumb: '{base}?crop=entropy&cs=tinysrgb&fit=max&fm=jpg&{query}&q=80&w=200'",
        f"  small_s3: 'https://s3.us-west-2.amazonaws.com/images.unsplash.com/small/photo-{photo}'",
        "ai:",
        f"  rewritten: {'true' if rng.random() < 0.8 else 'false'}",
        f"  expandedAt: '{updated:%Y-%m-%dT%H:%M:%S}.375Z'",
        f"  version: {rng.randint(1, 3)}",
    ]
    return lines


def _break(rng: random.Random, kind: str, lines: list[str], body: str, title: str) -> tuple[list[str] | None, str]:
    """Damage front-matter lines or body the way ``kind`` says; None lines means no closing fence."""
    def find(prefix: str) -> int:
        return next(i for i, line in enumerate(lines) if line.startswith(prefix))

    if kind == "bad-yaml":
        lines[0] = f"title: {title.split(' ', 1)[0]}: {title.split(' ', 1)[-1]}"
    elif kind == "missing-field":
        field = rng.choice(("title:", "publishedAt:", "sentiment:", "category:"))
        del lines[find(field)]
    elif kind == "wrong-type":
        start = find("tags:")
        end = start + 1
        while end < len(lines) and lines[end].startswith("  - "):
            end += 1
        lines[start:end] = ["tags: " + ", ".join(line[4:] for line in lines[start + 1 : end])]
    elif kind == "bad-enum":
        lines[find("sentiment:")] = f"sentiment: {rng.choice(('VERY_POSITIVE', 'mixed', 'Bullish'))}"
    elif kind == "bad-date":
        lines[find("publishedAt:")] = f"publishedAt: {rng.choice(('yesterday', '2025-13-45', '01/12/2025 07:29'))}"
    elif kind == "dates-reversed":
        lines[find("updatedAt:")] = "updatedAt: '2001-01-01T00:00:00.000Z'"
    elif kind == "messy-tags":
        at = find("tags:") + 1
        lines.insert(at, f"  - {rng.choice(TAGS).lower()}")
        lines.insert(at, f"  - ' {rng.choice(TAGS)}  '")
        lines.insert(at, lines[at + 2])
    elif kind == "duplicate-key":
        lines.append("draft: true")
    elif kind == "insecure-image":
        at = find("  thumb:")
        lines[at] = lines[at].replace("https://", "http://")
    elif kind == "yaml11-boolean":
        lines[find("draft:")] = f"draft: {rng.choice(('no', 'yes', 'off'))}"
    elif kind == "boilerplate":
        body = f"# {title}\n\n{body}\nKey takeaways:\n\nMore below.\n\n👉 Sign up for our daily briefing\n\nJoin our Telegram community for updates\n\n\n\n"
    elif kind == "empty-body":
        body = "\n"
    elif kind == "unclosed":
        return None, body
    return lines, body


def _raw(rng: random.Random, title: str, size: int) -> str:
    """A scraped article with no front matter, like the product's raw examples."""
    lines = ["", title] if rng.random() < 0.3 else [title]
    lines += [f"{rng.choice(_SOURCES)[0]} Selected", "", f"Written by {rng.choice(_SUBJECTS).split()[-1].title()} Han", ""]
    while sum(len(line) + 1 for line in lines) < size:
        lines.append(" ".join(_sentence(rng) for _ in range(rng.randint(2, 5))))
        if rng.random() < 0.15:
            lines.append("")
    return "\n".join(lines) + "\n"


def article(index: int, seed: int = 0, raw: float = 0.03, broken: float = 0.05, drafts: float = 0.07,
            broken_kinds: tuple[str, ...] = BROKEN_KINDS) -> tuple[str, bytes, str]:
    """File ``index`` of the folder: (relative path, bytes, kind); kind is ``article``, ``raw`` or a broken kind."""
    rng = random.Random(f"{seed}:{index}")
    when = datetime(2023, 1, 1, tzinfo=UTC) + timedelta(seconds=index * 1500 + rng.randint(0, 1400))
    tags = rng.sample(TAGS, rng.randint(1, 8))
    title = _title(rng, tags)
    slug = "-".join(word.lower() for word in title.split()[:6] if word.isalnum())
    digest = hashlib.blake2b(f"{seed}:{index}".encode(), digest_size=8).hexdigest()
    relpath = f"{when:%Y/%m/%d}/{slug}-{digest}.md"
    size = rng.randint(2000, 5000)  # the last section overshoots: bodies end up 2-6 KB
    roll = rng.random()
    if roll < raw:
        return relpath, _raw(rng, title, size).encode(), "raw"
    kind = rng.choice(broken_kinds) if roll < raw + broken and broken_kinds else "article"
    lines: list[str] | None = _front_matter(rng, index, when, tags, title, rng.random() < drafts)
    body = _body(rng, title, size)
    if kind != "article":
        lines, body = _break(rng, kind, lines, body, title)
    head = "---\n" + "\n".join(lines if lines is not None else []) + ("\n---\n" if lines is not None else "\n")
    data = (head + body).encode()
    if kind == "latin1":
        data = data.replace(b"the ", b"th\xe9 ", 1)
    return relpath, data, kind


def generate(target: Path, count: int, seed: int = 0, raw: float = 0.03, broken: float = 0.05,
             drafts: float = 0.07, broken_kinds: tuple[str, ...] = BROKEN_KINDS) -> Stats:
    """Write ``count`` articles under ``target`` (created; must not already hold files)."""
    target.mkdir(parents=True, exist_ok=True)
    if any(target.iterdir()):
        raise FileExistsError(f"{target}: folder is not empty (generate into a new folder)")
    stats = Stats(kinds=Counter())
    made: set[Path] = set()
    for index in range(count):
        relpath, data, kind = article(index, seed, raw, broken, drafts, broken_kinds)
        path = target / relpath
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(data)
        stats.files += 1
        stats.bytes += len(data)
        stats.kinds[kind] += 1
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("target", type=Path, help="folder to create (must be new or empty)")
    parser.add_argument("--count", type=int, default=1000, help="number of articles (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--raw", type=float, default=0.03, help="share of raw articles with no front matter (default 0.03)")
    parser.add_argument("--broken", type=float, default=0.05, help="share of broken articles (default 0.05)")
    parser.add_argument("--drafts", type=float, default=0.07, help="share of drafts among the others (default 0.07)")
    parser.add_argument("--hugo-safe", action="store_true", help="only breakages Hugo tolerates (so `hugo list all` runs on the folder)")
    args = parser.parse_args(argv)
    kinds = tuple(k for k in BROKEN_KINDS if k not in HUGO_FATAL_KINDS) if args.hugo_safe else BROKEN_KINDS
    try:
        stats = generate(args.target, args.count, args.seed, args.raw, args.broken, args.drafts, kinds)
    except (FileExistsError, OSError) as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 2
    assert stats.kinds is not None
    summary = ", ".join(f"{kind} {n}" for kind, n in stats.kinds.most_common())
    print(f"{args.target}: {stats.files} files, {stats.bytes / 1e6:.1f} MB ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
