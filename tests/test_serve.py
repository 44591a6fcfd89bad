"""``copydesk serve`` for real: the server started as the user starts it, on a folder whose
name is hostile to a shell, the page and its websocket refused without the token, and the
app driven in a real headless browser (Debian's chromium through Playwright): mark, tag,
save, and the file on disk changed."""

from __future__ import annotations

import http.client
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.test_tui_support import write_folder
from tui.serve import app_command, is_loopback

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Every character a shell would act on: a command substitution, a separator, quotes, a
# newline, spaces, a glob, a leading dash.
HOSTILE = "-news $(touch pwned) `touch pwned2`; touch pwned3 'q\" \n* x"


def status(url: str, headers: dict[str, str] | None = None) -> int:
    """The HTTP status of a GET of ``url``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
        return connection.getresponse().status
    finally:
        connection.close()


UPGRADE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.fixture
def served(tmp_path: Path):
    """``copydesk serve`` on a folder with a hostile name, run from ``tmp_path``: (folder, URL)."""
    folder = write_folder(tmp_path / HOSTILE)
    server = subprocess.Popen([sys.executable, "-m", "tui.launch", "serve", str(folder), "--port", "0"],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)  # its own group: the apps it starts go with it
    try:
        url = ""
        deadline = time.monotonic() + 20
        while not url and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            if line.startswith("open "):
                url = line.split()[1]
        assert url, server.stderr.read()
        yield folder, url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()


def test_the_app_command_keeps_a_hostile_folder_name_one_argument(tmp_path: Path) -> None:
    # The shell textual-serve uses, running the command line it is given, with a Python that
    # prints its arguments in place of the app.
    command = app_command(tmp_path / HOSTILE)
    words = shlex.split(command)
    assert words[:5] == [sys.executable, "-m", "tui.serve", "--app", "--"]
    probe = shlex.join([sys.executable, "-c", "import sys; print(repr(sys.argv[1:]))", *words[3:]])
    done = subprocess.run(probe, shell=True, cwd=tmp_path, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == repr(["--app", "--", str(tmp_path / HOSTILE)])
    assert not list(tmp_path.glob("pwned*"))


def test_only_loopback_is_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.4") and not is_loopback("example.org")


def test_binding_elsewhere_warns(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "news")
    server = subprocess.Popen([sys.executable, "-m", "tui.launch", "serve", str(folder), "--host", "0.0.0.0", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        warning = server.stderr.readline()
        assert "warning: listening on 0.0.0.0" in warning and "token" in warning
        assert server.stdout.readline().startswith("copydesk serve:")
        assert "?token=" in server.stdout.readline()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        server.stdout.close()
        server.stderr.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (.ci/run installs it)")
def test_in_a_browser_mark_tag_save(served, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    folder, url = served
    base = url.split("/?")[0]
    token = url.split("token=")[1]
    # Without the token, or with another, neither the page nor the websocket opens.
    assert status(base + "/") == 403
    assert status(base + "/?token=" + "x" * len(token)) == 403
    assert status(base + "/ws/" + "x" * len(token), UPGRADE) == 403
    assert status(base + "/ws", UPGRADE) == 404
    assert status(url) == 200

    target = folder / "a5-stablecoins.md"  # the newest: the top row
    before = target.read_text()
    shot = tmp_path / "serve.png"
    received = bytearray()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 720})
        try:
            page = context.new_page()
            # What the app draws goes over the websocket: the terminal itself is a canvas.
            page.on("websocket", lambda ws: ws.on(
                "framereceived", lambda frame: received.extend(frame if isinstance(frame, bytes) else frame.encode())))

            def wait_for(text: bytes, seconds: float = 20) -> None:
                deadline = time.monotonic() + seconds
                while text not in received:
                    assert time.monotonic() < deadline, f"{text!r} never drawn"
                    page.wait_for_timeout(50)

            page.goto(url)
            wait_for(b"5/5 shown")
            page.click(".textual-terminal")
            page.keyboard.press("Space")  # mark the top row
            wait_for(b"1 marked")
            page.keyboard.press("t")
            wait_for(b"Add a tag to")
            page.keyboard.type("REVIEWED")
            page.keyboard.press("Enter")
            wait_for(b"1 unsaved")
            page.keyboard.press("Control+s")
            deadline = time.monotonic() + 20
            while target.read_text() == before:
                assert time.monotonic() < deadline, "the save never reached the file"
                page.wait_for_timeout(50)
            wait_for(b"saved")
            page.screenshot(path=str(shot))
        finally:
            context.close()
    assert target.read_text().replace("  - REVIEWED\n", "", 1) == before
    assert "  - STABLECOINS\n  - REVIEWED\n" in target.read_text()
    assert shot.stat().st_size > 10_000
    assert not [p for p in tmp_path.rglob("pwned*")]  # no word of the folder's name ran
