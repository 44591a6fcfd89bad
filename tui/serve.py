"""``copydesk serve PATH``: the same terminal UI in a web browser, through textual-serve.

Whoever can open the page can edit the folder, so nobody but the user may: the server
listens on 127.0.0.1 unless told otherwise (``--host``, which then warns), and a secret
token, made anew for each run, is part of the URL it prints. The page (``/?token=…``) and
the websocket that drives the app (``/ws/<token>``) both check it, in constant time; without
it, 403. The static files (xterm.js, fonts, styles) are textual-serve's own and hold nothing
of the folder; textual-serve's download route is not offered (copydesk sends no files).

textual-serve starts the app with a shell command line: the folder's name goes into it
quoted (``shlex``), so a name like ``$(touch x)`` or ``a; b`` stays a name.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import ipaddress
import secrets
import shlex
import sys
from pathlib import Path
from typing import Any

from core.display import printable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
TOKEN = "token"  # the page's query parameter


def app_command(folder: Path) -> str:
    """The shell command line textual-serve runs for each browser: this Python, opening the
    terminal UI on ``folder`` exactly (every word quoted; ``--`` so a name starting with
    ``-`` is not an option)."""
    return shlex.join([sys.executable, "-m", "tui.serve", "--app", "--", str(folder)])


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine alone (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token_ok(given: str | None, token: str) -> bool:
    # compare_digest: the time taken says nothing of how much of a guess was right.
    return given is not None and hmac.compare_digest(given.encode("utf-8", "surrogateescape"), token.encode())


def make_server(folder: Path, host: str, port: int, token: str) -> Any:
    """A textual-serve ``Server`` for the app on ``folder`` whose page and websocket need
    ``token`` (see the module's docstring)."""
    import aiohttp_jinja2
    import jinja2
    from aiohttp import web
    from textual_serve.server import Server

    class TokenServer(Server):
        """textual-serve's server with the token checked on every route that reaches the app."""

        async def _make_app(self) -> web.Application:
            app = web.Application()
            aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
            app.add_routes([
                web.get("/", self.handle_page, name="index"),
                web.get("/ws/{token}", self.handle_socket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),  # no folder index
            ])
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def on_startup(self, app: web.Application) -> None:
            pass  # the command line prints the URL (with its token) itself

        async def handle_page(self, request: web.Request) -> web.StreamResponse:
            if not _token_ok(request.query.get(TOKEN), token):
                raise web.HTTPForbidden(text="copydesk: open the URL copydesk serve printed (with its token)\n")
            # The page's own URLs follow the address the browser used (another host than
            # 127.0.0.1 when bound elsewhere); the websocket's carries the token.
            base = f"{request.scheme}://{request.host}"
            socket = ("wss" if request.scheme == "https" else "ws") + f"://{request.host}/ws/{token}"
            context = {
                "font_size": 16,
                "app_websocket_url": socket,
                "config": {"static": {"url": f"{base}/static/"}},
                "application": {"name": self.title},
            }
            response = aiohttp_jinja2.render_template("app_index.html", request, context)
            response.headers["Cache-Control"] = "no-store"  # the page holds the token
            response.headers["Referrer-Policy"] = "no-referrer"
            return response

        async def handle_socket(self, request: web.Request) -> web.StreamResponse:
            if not _token_ok(request.match_info.get("token"), token):
                raise web.HTTPForbidden(text="copydesk: wrong token\n")
            return await self.handle_websocket(request)

    return TokenServer(app_command(folder), host=host, port=port, title="copydesk")


async def run_server(server: Any, host: str, port: int, ready: Any = None) -> None:
    """Serve until cancelled; ``ready(port)`` is called once listening (the port the
    system chose when ``port`` is 0)."""
    from aiohttp import web

    runner = web.AppRunner(await server._make_app(), handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = site._server.sockets[0].getsockname()[1] if site._server and site._server.sockets else port
    if ready is not None:
        ready(bound)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def url_for(host: str, port: int, token: str) -> str:
    """The URL to open: the host as the browser writes it (an IPv6 address in brackets)."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?{TOKEN}={token}"


def serve_command(args: list[str]) -> int:
    """``copydesk serve PATH [--host HOST] [--port PORT]``: the exit code."""
    parser = argparse.ArgumentParser(
        prog="copydesk serve",
        description="Serve the copydesk terminal UI on PATH to a web browser. Only this machine can reach it unless "
                    "--host says otherwise; the URL printed carries a secret token the page and its websocket check.",
        epilog="exit codes: 0 stopped with ctrl+c; 2 bad usage or an unreachable folder",
    )
    parser.add_argument("path", nargs="?", default=".", help="folder of articles (default: current folder)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only); any other address "
                             "lets other machines reach the page (with the token), and prints a warning")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free one)")
    ns = parser.parse_args(args)
    from core.config import why_unreachable

    folder = Path(ns.path)
    why = why_unreachable(folder)
    if why:
        print(f"copydesk serve: {printable(ns.path)}: {why}", file=sys.stderr)
        return 2
    folder = folder.resolve()
    if not is_loopback(ns.host):
        print(f"copydesk serve: warning: listening on {printable(ns.host)}: other machines can reach this page; "
              "whoever has the URL (its token) can edit the folder, and the connection is not encrypted (http)",
              file=sys.stderr)
    token = secrets.token_urlsafe(32)
    server = make_server(folder, ns.host, ns.port, token)

    def ready(port: int) -> None:
        print(f"copydesk serve: {printable(str(folder))}", flush=True)
        print(f"open {url_for(ns.host, port, token)}", flush=True)
        print("(the token in the URL is the key: do not share it; ctrl+c stops)", flush=True)

    try:
        asyncio.run(run_server(server, ns.host, ns.port, ready))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"copydesk serve: cannot listen on {printable(ns.host)}:{ns.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """``python -m tui.serve --app -- PATH``: what the server runs for each browser (the
    terminal UI on PATH); otherwise ``copydesk serve``'s arguments."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["--app", "--"] and len(args) == 3:
        import tui

        tui.hold_gc()
        from tui.app import run_app

        return run_app(args[2])
    return serve_command(args)


if __name__ == "__main__":
    sys.exit(main())
