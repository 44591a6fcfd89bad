"""Saves that survive SIGKILL and colleagues: real child processes calling ``core.storage.save``.

- crash: a child saves a batch of articles and is killed with SIGKILL at a random moment;
  every file must then be exactly its old or its new version, the batch cut short can be
  undone to the exact bytes before it, and the next save must work (stale locks are
  cleaned, leftover temp files are never taken for articles);
- race: two processes edit the same files at the same time, round after round; every
  update reported as saved or merged is in the final files, the others were reported
  (conflict, or refused because the other process held the lock);
- merge: our edit of ``tags`` and a colleague's edit of ``title`` on the same file both
  survive; a colleague's edit of the same field is a conflict and is not overwritten.

CI runs 20 kills and 15 race rounds; ``--run-slow`` runs 100 kills and 50 race rounds.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.config import Config
from core.document import load_article, load_corpus
from core.edit.apply import apply_edits
from core.edit.ops import AddItem, SetValue
from core.storage.journal import Journal
from core.storage.save import plan_change, save_change
from core.walk import is_internal_name

PROJECT = Path(__file__).resolve().parents[1]
TIMEOUT = 120

ARTICLE = """---
title: Original title {n}
description: 'A market report, number {n}.'
publishedAt: '2025-12-01T07:29:42.000Z'
lang: en
source:
  name: CoinDesk
  key: coindesk
  type: RSS
category: MARKET
tags:
  - ASIA
  - MARKET
sentiment: NEUTRAL
draft: false
---
## Overview

Body of article {n}, which no save may ever touch.
---
Still the body.
"""

SAVER = r"""
import sys
from pathlib import Path
from core.document import load_corpus
from core.edit.ops import AddItem, SetValue
from core.storage.save import plan_change, save_changes

root, label = Path(sys.argv[1]), sys.argv[2]
corpus = load_corpus([root])
changes = [plan_change(a, [SetValue(("title",), label), AddItem(("tags",), label.upper())]) for a in corpus.articles]
print("ready", flush=True)
results = save_changes(changes, config=corpus.config, label=label)
print("done", " ".join(r.status for r in results), flush=True)
for r in results:
    if r.status != "saved":
        print(r.path.name, r.status, r.message, file=sys.stderr)
"""

RACER = r"""
import json, sys, time
from pathlib import Path
from core.config import load_config
from core.document import load_article
from core.edit.ops import AddItem, SetValue
from core.storage.save import plan_change, save_changes

import random
root, who, rounds, go = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
rng = random.Random(who)
config = load_config(root)
paths = sorted(root.glob("*.md"))
while not go.exists():
    time.sleep(0.001)
log = []
for i in range(rounds):
    for path in paths:
        article = load_article(path, config)
        tag = f"{who}{i}"
        if who == "B" and i % 2 == 0:
            edits = [SetValue(("title",), f"Title from B round {i}")]
        else:
            edits = [AddItem(("tags",), tag)]
        time.sleep(rng.uniform(0, 0.01))  # an editor between reading and saving
        change = plan_change(article, edits)
        time.sleep(rng.uniform(0, 0.01))
        [result] = save_changes([change], config=config, label=f"{who} {i}")
        log.append({"path": path.name, "round": i, "edits": repr(edits), "tag": tag,
                    "title": edits[0].value if isinstance(edits[0], SetValue) else None,
                    "status": result.status, "message": result.message})
print(json.dumps(log))
"""


def _folder(base: Path, count: int) -> Path:
    root = base / "corpus"
    root.mkdir()
    (root / "copydesk.toml").write_text("")
    for n in range(count):
        (root / f"article-{n:02d}.md").write_text(ARTICLE.format(n=n))
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(root.glob("*.md"))}


def _expected_after(before: dict[str, bytes], label: str) -> dict[str, bytes]:
    edits = [SetValue(("title",), label), AddItem(("tags",), label.upper())]
    return {name: apply_edits(data.decode(), edits, name=name).encode() for name, data in before.items()}


def _start_saver(root: Path, label: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(root), label],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "ready", (line, proc.stderr.read() if proc.stderr else "")
    return proc


def _save_duration(root: Path) -> float:
    """How long one uninterrupted batch save takes here, from "ready" to "done" (the window
    the kills aim at)."""
    before = _snapshot(root)
    proc = _start_saver(root, "measure")
    start = time.perf_counter()
    assert proc.stdout is not None
    done = proc.stdout.readline()
    duration = time.perf_counter() - start
    out, err = proc.communicate(timeout=TIMEOUT)
    assert done.startswith("done") and proc.returncode == 0 and "Traceback" not in err, err
    assert _snapshot(root) == _expected_after(before, "measure")
    return duration


def _kills(request: pytest.FixtureRequest, default: int, full: int) -> int:
    return full if request.config.getoption("--run-slow") else default


def test_sigkill_during_saves_leaves_old_or_new_versions(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    runs = _kills(request, 20, 100)
    root = _folder(tmp_path, 12)
    window = sorted(_save_duration(root) for _ in range(3))[1] * 2
    rng = random.Random(20261122)
    outcomes = {"old": 0, "new": 0}
    undone = 0
    for run in range(runs):
        before = _snapshot(root)
        label = f"run {run}"
        expected = _expected_after(before, label)
        proc = _start_saver(root, label)
        time.sleep(rng.uniform(0, window))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)
        after = _snapshot(root)
        assert after.keys() == before.keys()
        new = 0
        for name, data in after.items():
            assert data in (before[name], expected[name]), f"run {run}: {name} is neither the old nor the new version"
            new += data == expected[name]
        outcomes["new"] += new
        outcomes["old"] += len(after) - new
        # Aim the kills inside the saves whatever the machine's speed.
        window *= 1.5 if new == 0 else 0.7 if new == len(after) else 1
        corpus = load_corpus([root])
        assert [a.relpath for a in corpus.articles] == sorted(after), "a lock or temp file was taken for an article"
        assert all(a.editable for a in corpus.articles)
        # The batch is in the journal, cut short or finished (unless it was killed before
        # writing anything): undoing it brings back every byte.
        journal = Journal(root)
        killed = [b for b in journal.list() if b.label == label]
        if killed:
            report = journal.undo(killed[0].id)
            assert not report.failed and not report.changed_since, report.as_dict()
        assert _snapshot(root) == before, f"run {run}: undo of the killed batch did not restore every byte"
        undone += bool(killed)
    # After all the kills, a normal save still works: stale locks are cleaned up.
    before = _snapshot(root)
    proc = _start_saver(root, "after the kills")
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert out.split() == ["done", *["saved"] * len(before)], (out, err)
    assert _snapshot(root) == _expected_after(before, "after the kills")
    assert not [p.name for p in root.iterdir() if p.name.endswith(".copydesk-lock")]
    assert outcomes["old"] and outcomes["new"], f"the kills never landed inside a save: {outcomes}"
    assert undone, "no killed batch was ever in the journal"
    print(f"\n{runs} killed batch saves of 12 files: {outcomes['new']} files new, {outcomes['old']} old, 0 corrupt; {undone} undone")


def test_two_processes_saving_the_same_files_lose_no_update(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    rounds = _kills(request, 15, 50)
    root = _folder(tmp_path, 3)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, str(root), who, str(rounds), str(go)],
            cwd=PROJECT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("A", "B")
    ]
    time.sleep(1.0)  # both processes imported and waiting
    go.touch()
    logs = []
    for proc in procs:
        out, err = proc.communicate(timeout=TIMEOUT * 5)
        assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
        logs.extend(json.loads(out))
    statuses = {s: sum(1 for e in logs if e["status"] == s) for s in ("saved", "merged", "conflict", "refused", "unchanged")}
    assert sum(statuses.values()) == len(logs) == 2 * 3 * rounds
    config = Config(root=root)
    lost = []
    for path in sorted(root.glob("*.md")):
        article = load_article(path, config)
        assert article.editable, f"{path.name} was damaged: {article.problems}"
        assert article.read_source().body == ARTICLE.format(n=int(path.stem[-2:])).split("---\n", 2)[2]
        tags = set(article.meta["tags"])
        for entry in logs:
            if entry["path"] != path.name or entry["status"] not in ("saved", "merged"):
                continue
            if entry["title"] is None and entry["tag"] not in tags:
                lost.append(entry)
        titles = [e for e in logs if e["path"] == path.name and e["title"] and e["status"] in ("saved", "merged")]
        if titles:
            assert article.meta["title"] == titles[-1]["title"], "the last saved title was lost"
    for entry in logs:
        if entry["status"] in ("conflict", "refused"):
            assert entry["message"], entry
    assert not lost, f"updates reported as saved but lost: {lost[:5]}"
    assert statuses["saved"] + statuses["merged"] > 0
    print(f"\n{rounds} race rounds x 3 files x 2 processes: {statuses}")


def test_our_tags_and_a_colleagues_title_both_survive(tmp_path: Path) -> None:
    root = _folder(tmp_path, 1)
    path = root / "article-00.md"
    config = Config(root=root)
    ours = plan_change(load_article(path, config), [AddItem(("tags",), "OURS")])
    # The colleague saves with copydesk in another process, after we loaded the file.
    colleague = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "set", str(path), "title=The colleague's title"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert colleague.returncode == 0, colleague.stderr
    result = save_change(ours)
    assert result.status == "merged", result
    meta = load_article(path, config).meta
    assert meta["title"] == "The colleague's title"
    assert list(meta["tags"]) == ["ASIA", "MARKET", "OURS"]
    assert path.read_text().endswith(ARTICLE.format(n=0).split("---\n", 2)[2])


def test_a_colleagues_edit_of_the_same_field_is_a_conflict_not_overwritten(tmp_path: Path) -> None:
    root = _folder(tmp_path, 1)
    path = root / "article-00.md"
    config = Config(root=root)
    ours = plan_change(load_article(path, config), [AddItem(("tags",), "OURS")])
    colleague = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "tag", str(path), "--add", "THEIRS"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert colleague.returncode == 0, colleague.stderr
    theirs = path.read_bytes()
    result = save_change(ours)
    assert result.status == "conflict", result
    assert "tags" in result.message and "THEIRS" in result.diff
    assert path.read_bytes() == theirs


def test_same_size_change_with_the_mtime_restored_is_still_seen(tmp_path: Path) -> None:
    root = _folder(tmp_path, 1)
    path = root / "article-00.md"
    config = Config(root=root)
    ours = plan_change(load_article(path, config), [AddItem(("tags",), "OURS")])
    info = path.stat()
    text = path.read_text()
    sneaky = text.replace("- ASIA", "- EURO")  # same size, same field as ours
    assert len(sneaky) == len(text)
    path.write_text(sneaky)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    result = save_change(ours)
    assert result.status == "conflict", result
    assert path.read_text() == sneaky


def test_leftover_temp_and_lock_files_are_not_articles(tmp_path: Path) -> None:
    root = _folder(tmp_path, 1)
    (root / ".article-00.md.copydesk-lock").write_text("999999 some-host 0\n")
    (root / ".article-00.md.copydesk-tmp-1-2").write_text("half a")
    assert is_internal_name(".article-00.md.copydesk-lock")
    corpus = load_corpus([root])
    assert [a.relpath for a in corpus.articles] == ["article-00.md"]
    result = save_change(plan_change(corpus.articles[0], [SetValue(("draft",), True)]))
    assert result.status == "saved", result  # a lock from another host, hours old, is stale
