"""Hostile text never reaches the user's terminal as control sequences.

The terminal UI runs in a real terminal (``tests/terminal.py``: a private tmux server with ``set-clipboard on``
and ``allow-rename on``, the settings under which OSC 52 writes the clipboard and escapes
rename the window) on a folder whose bodies, values and file names carry OSC 52, OSC 0/2,
CSI, C1 controls, bidi overrides and Rich markup. Every view is visited; then no paste
buffer may exist, the pane title and window name must be as set, and the screen must show
the sequences escaped. The command line's output is scanned for raw control bytes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile_text import CLEAR, FORBIDDEN, OSC52, OSC52_ST, make_hostile_folder
from tests.terminal import CLEAN_STATE, PANE, PROJECT, Terminal


def test_tui_never_lets_hostile_text_reach_the_terminal(tmp_path: Path, terminal: Terminal) -> None:
    root = tmp_path / "hostile"
    names = make_hostile_folder(root)
    terminal.start([sys.executable, "-m", "tui.launch", str(root)], cwd=PROJECT)
    shown = terminal.wait_for(lambda s: f"{len(names)}/{len(names)} shown" in s and "checking" not in s)
    seen = [shown]

    def look(*keys: str, pause: float = 0.35) -> None:
        terminal.keys(*keys, pause=pause)
        seen.append(terminal.screen())
        problem = {k: v for k, v in terminal.state().items() if v != CLEAN_STATE[k]}
        assert not problem, f"after {keys}: {problem}\n{seen[-1]}"

    # Text pasted into the filter box (copied from a scraped page) holds escapes too.
    terminal.keys("/")
    terminal.tmux("set-buffer", "-b", "scraped", "ASIA" + OSC52_ST + CLEAR)
    terminal.tmux("paste-buffer", "-p", "-d", "-b", "scraped", "-t", PANE)
    look("Escape", "Escape")
    for _ in names:  # every row: list, reader and editor show each file in turn
        look("j", pause=0.5)
    look("g")
    for _ in names:
        look("e", "Tab", "Tab", "Tab", "Tab", "Tab", "Tab", "Escape", "j", pause=0.25)  # the editor's fields
    look("#", pause=1.0)  # the tag screen, then its near-duplicate groups
    for _ in range(4):  # the rename prompt, filled with each of the first tags
        look("r", pause=0.6)
        look("Escape", "j")
    look("Tab", "Escape")
    look("t", "A", "Down", "Down", "Enter", pause=0.5)  # the tag prompt takes a suggestion
    look("Escape")
    look("e", *["Tab"] * 8, "End", ",", "space", "A", "Down", "Enter", pause=0.3)  # the editor's tags field
    look("Escape", "Escape")
    look("a", "s", pause=0.8)  # the sentiment dialog lists the marked rows' values
    look("Escape", "d", pause=0.8)  # stage a draft flag on every article
    look("D", pause=1.5)  # the diff of every pending change
    look("Space", "Space", "Space", "Escape")
    look("?", pause=1.0)
    look("Escape", "T", pause=0.8)  # the untag picker lists the targets' tags
    look("Escape", "ctrl+s", pause=2.0)  # save: the toast names what was written
    look("q", pause=1.0)
    screen = "\n".join(seen)
    # The sequences were shown, escaped, not acted on (nor wiped the screen).
    assert "\\x1b]52;c;" in screen, screen[-3000:]
    assert "\\u202e" in screen
    assert "[bold red]loud[/]" in screen  # Rich markup stays text
    assert "ASIA\\x1b]52;c;" in screen  # the paste, as the filter box showed it


async def test_toasts_show_hostile_text_as_text(tmp_path: Path) -> None:
    """Every toast goes through one guard: a file name or tag in a message is shown with
    its escapes visible and its markup as text, whoever calls notify."""
    from core.config import load_config
    from tui.app import CopydeskApp

    root = tmp_path / "hostile"
    make_hostile_folder(root)
    app = CopydeskApp(root.resolve(), load_config(root))
    async with app.run_test(size=(120, 40)) as pilot:
        app.main_screen.notify("saved " + OSC52 + "[bold]x[/bold]", title="t" + CLEAR)
        await pilot.pause()
        toast = list(app._notifications)[-1]  # what the toast draws
        assert toast.message == "saved \\x1b]52;c;cm0gLXJmIH4vKgo=\\x07[bold]x[/bold]"
        assert toast.title == "t\\x1b[2J\\x1b[H"
        assert toast.markup is False


CLI_COMMANDS = [
    ["check"],
    ["check", "--format", "github"],
    ["check", "--format", "json"],
    ["check", "--statistics"],
    ["list"],
    ["list", "--format", "paths"],
    ["tags"],
    ["tags", "--similar"],
    ["set", "category=MARKET"],
    ["set", "category=MARKET", "--dry-run"],
    ["tag", "--add", "REVIEWED"],
    ["tag", "--rename", "HONG KONG=HONGKONG", "--dry-run"],
    ["adopt", "--dry-run"],
    ["undo", "--list"],
    ["init", "--dry-run"],
    ["init"],
]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=cwd, capture_output=True, timeout=180,
                          env={**os.environ, "PYTHONPATH": str(PROJECT)})


@pytest.mark.parametrize("command", CLI_COMMANDS, ids=" ".join)
def test_cli_output_holds_no_raw_control_bytes(tmp_path: Path, command: list[str]) -> None:
    """What a command prints holds no escape sequence, C1 control or bidi override, and every
    line it prints about a file starts with that file's name (a newline in a name cannot
    forge a line of a CI log)."""
    root = tmp_path / "hostile"
    make_hostile_folder(root)
    proc = _cli(*command[:1], str(root), *command[1:], cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode(errors="replace")[-2000:]
    # A dry run's stdout is the exact patch for a pipe (test_dry_run_patch_to_a_pipe_...).
    streams = (proc.stderr,) if "--dry-run" in command else (proc.stdout, proc.stderr)
    for stream in streams:
        for raw in FORBIDDEN:
            assert raw not in stream, (raw, stream[max(0, stream.find(raw) - 200):][:400])
    if "--dry-run" not in command and command[-1] != "json":
        assert b"forged.md" not in proc.stdout.replace(b"name\\x0aforged.md", b""), proc.stdout.decode()


def test_dry_run_patch_to_a_pipe_is_exact_and_applies(tmp_path: Path) -> None:
    """A dry run's patch sent to a pipe is byte-exact, hostile names quoted as git quotes
    them, and ``git apply`` makes exactly the change the command would have made."""
    root = tmp_path / "hostile"
    make_hostile_folder(root)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    proc = _cli("set", "hostile", "category=MARKET", "--dry-run", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    patch = proc.stdout
    assert b"\x1b]52" in patch  # the exact bytes of the files' lines
    assert b'"a/hostile/name\\033]52;c;' in patch  # the hostile name, C-quoted
    (tmp_path / "change.patch").write_bytes(patch)
    copy = tmp_path / "copy"
    shutil.copytree(root, copy / "hostile")
    subprocess.run(["git", "init", "-q", str(copy)], check=True)
    applied = subprocess.run(["git", "apply", "--unsafe-paths", str(tmp_path / "change.patch")],
                             cwd=copy, capture_output=True)
    assert applied.returncode == 0, applied.stderr.decode(errors="replace")
    written = _cli("set", "hostile", "category=MARKET", cwd=tmp_path)
    assert written.returncode in (0, 1)
    articles = [path for path in root.iterdir() if path.is_file()]
    assert len(articles) == 8
    for path in articles:
        assert (copy / "hostile" / path.name).read_bytes() == path.read_bytes(), path.name


def test_dry_run_patch_on_a_terminal_is_shown_escaped(tmp_path: Path, terminal: Terminal) -> None:
    """On a terminal the same patch is shown escaped, with a note saying how to get it exact."""
    root = tmp_path / "hostile"
    make_hostile_folder(root)
    terminal.start([sys.executable, "-m", "core.cli.main", "set", str(root), "category=MARKET", "--dry-run"], cwd=tmp_path)
    shown = terminal.wait_for(lambda s: "would change" in s)
    assert "redirect stdout to a file for the exact patch" in shown
    state = terminal.state()
    assert state == {"buffers": "", "pane title": "CLEAN-TITLE", "window name": "CLEAN-WINDOW"}, state


async def test_a_hostile_tag_taken_from_the_suggestions_is_staged_exactly(tmp_path: Path) -> None:
    """Prompts show a tag's escapes; taking the suggestion (or leaving a rename as shown)
    means the folder's tag itself, never its escaped spelling as a new tag."""
    import yaml

    from tests.test_tui_support import make_app, settle

    root = tmp_path / "hostile"
    make_hostile_folder(root)
    hostile_tag = "ASIA" + OSC52
    app = make_app(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("/", *"body", "enter")  # the one article with body escapes
        await settle(pilot, app)
        await pilot.press("t", *"ASIA")
        await pilot.pause(0.3)
        await pilot.press("down", "enter")  # take the suggestion
        await pilot.pause(0.3)
        prompt = app.screen.query_one("#tag-prompt-input")
        assert prompt.value == "ASIA\\x1b]52;c;cm0gLXJmIH4vKgo=\\x07"  # shown escaped
        await pilot.press("enter")
        await settle(pilot, app)
        await pilot.press("ctrl+s")
        await settle(pilot, app)
    text = (root / "body-escapes.md").read_text()
    data = yaml.safe_load(text.split("---\n")[1])
    (tag,) = data["tags"]  # the folder's tag, in the house style t applies (upper case)
    assert tag == hostile_tag.upper() and "\\x1b" not in tag


async def test_editing_a_title_keeps_the_marks_it_shows_escaped(tmp_path: Path) -> None:
    """An Arabic title with a right-to-left mark is shown with the mark escaped; adding a
    word keeps the mark itself, not its escaped spelling."""
    from tests.test_tui_support import article_text, make_app, settle, write_folder

    title = "مرحبا \u200fبالعالم"
    root = write_folder(tmp_path / "news", {"a.md": article_text(title, ["ASIA"])})
    app = make_app(root)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("e")
        await pilot.pause()
        field = app.main_screen.query_one("#field-title")
        assert field.value == "مرحبا \\u200fبالعالم"
        await pilot.press(*" 2025", "enter")
        await settle(pilot, app)
        await pilot.press("escape", "ctrl+s")
        await settle(pilot, app)
    assert f"title: {title} 2025\n" in (root / "a.md").read_text(encoding="utf-8")
