"""The web server of ``playlist-tui serve``: textual-serve's :class:`Server`, made safe.

What it adds to textual-serve (whose package is not patched: this subclasses it):

- **Origin and Host checks** on every request (:class:`Guard`): the ``Host`` header must
  name the public URL or the bound address (a DNS-rebinding page has its own host name
  there), and an ``Origin`` header, required on the WebSocket, must be the public URL's or
  the bound address's (a page on another site cannot open the WebSocket). Anything else
  gets 403 and a short plain message.
- **One process group per browser session** (:class:`Session`): the app runs with
  ``start_new_session`` and without a shell in between. It is ended when the browser goes
  away, after ``idle`` seconds without input, and when the server stops: "quit" to the app,
  then SIGTERM to its group after ``grace`` seconds, then SIGKILL after ``grace`` more.
  Output is read from the app until it exits, even after the browser has gone, so that
  the app is never left blocked writing to a full pipe (where it could not see "quit" or
  SIGTERM). :mod:`playlist_tui.serve.child` ends the app if the server is killed.
- **A page that asks nothing of a third party**: the font (Roboto Mono, bundled with
  textual-serve) and the scripts come from this server; a Content-Security-Policy allows
  nothing else, and no framing. The page focuses the terminal when the app has drawn, so
  the app starts focused (the footer shows its keys) and typing works at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import logging
import os
import shlex
import signal
import sys
from asyncio.subprocess import PIPE, Process
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("playlist-tui.serve")

GRACE = 3.0
"""Seconds from "quit" to SIGTERM, and from SIGTERM to SIGKILL."""

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
LOCAL_NAMES = {"127.0.0.1": ("localhost",), "::1": ("localhost",),
               "localhost": ("127.0.0.1", "::1")}


# --------------------------------------------------------------------------- the guard


def _host_port(value: str, default_ports: Iterable[int]) -> set[tuple[str, int]]:
    """A Host header ("name", "name:port", "[v6]:port") as (host, port) pairs; {} if bad."""
    if not value or any(c in value for c in "/?#@ \\"):
        return set()
    try:
        parts = urlsplit("//" + value)
        host, port = parts.hostname, parts.port
    except ValueError:
        return set()
    if not host:
        return set()
    return {(host, port)} if port is not None else {(host, p) for p in default_ports}


def _origin(value: str) -> tuple[str, str, int] | None:
    """An Origin header as (scheme, host, port), or None ("null", garbage, a path)."""
    try:
        parts = urlsplit(value)
        host, port = parts.hostname, parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not host or parts.path not in ("", "/") \
            or parts.query or parts.username or parts.password:
        return None
    return parts.scheme, host, port if port is not None else DEFAULT_PORTS[parts.scheme]


@dataclass(frozen=True)
class Guard:
    """Which Host and Origin headers a request may carry: ours only."""

    origins: frozenset[tuple[str, str, int]]

    @classmethod
    def for_server(cls, host: str, port: int, public_url: str | None) -> Guard:
        origins = {("http", host.strip("[]").lower(), port)}
        for name in LOCAL_NAMES.get(host.strip("[]").lower(), ()):
            origins.add(("http", name, port))
        if public_url:
            public = _origin(_scheme_and_netloc(public_url).lower())
            if public is None:
                raise ValueError(f"not an http(s) URL: {public_url}")
            origins.add(public)
        return cls(frozenset(origins))

    @property
    def hosts(self) -> frozenset[tuple[str, int]]:
        return frozenset((host, port) for _, host, port in self.origins)

    def refuse(self, headers: Mapping[str, str], websocket: bool) -> str | None:
        """Why a request with these headers is refused, or None when it is ours."""
        host = headers.get("Host", "")
        if not _host_port(host.lower(), (80, 443)) & self.hosts:
            return f"Host {host!r} is not this server's address"
        origin = headers.get("Origin")
        if origin is None:
            # Browsers send Origin on every WebSocket; only a top-level visit has none.
            return "a WebSocket needs an Origin header" if websocket else None
        if _origin(origin.lower()) not in self.origins:
            return f"pages from {origin!r} may not use this server"
        return None


def _scheme_and_netloc(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --------------------------------------------------------------------------- the page

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>{title}</title>
<link rel="stylesheet" href="{static}css/xterm.css">
<style>
@font-face {{
  font-family: "Roboto Mono";
  src: url("{static}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
  font-weight: 100 700; font-style: normal;
}}
@font-face {{
  font-family: "Roboto Mono";
  src: url("{static}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
  font-weight: 100 700; font-style: italic;
}}
html, body {{ margin: 0; height: 100%; background: #0c181f; }}
.textual-terminal {{ position: absolute; inset: 0; opacity: 0; }}
body.-first-byte .textual-terminal {{ opacity: 1; }}
.dialog {{ position: absolute; inset: 0; display: flex; align-items: center;
  justify-content: center; z-index: 10; font: 16px "Roboto Mono", monospace;
  color: rgba(255, 255, 255, 0.95); }}
.dialog div {{ background: #12232d; padding: 48px 64px; text-align: center; }}
body.-first-byte .intro, .closed {{ display: none; }}
body.-closed .closed {{ display: flex; }}
button {{ margin-top: 24px; padding: 12px 28px; border: none; cursor: pointer;
  background: #5e0ba7; color: inherit; font: inherit; }}
</style>
<script src="{static}js/textual.js"></script>
<script>
// Focus the terminal once the app has drawn: the app then starts focused (its footer
// shows the keys) and typing reaches it without a click first.
new MutationObserver((_, observer) => {{
  if (!document.body.classList.contains("-first-byte")) return;
  observer.disconnect();
  const input = document.querySelector(".xterm-helper-textarea");
  if (input) input.focus();
}}).observe(document.documentElement, {{subtree: true, attributes: true,
                                       attributeFilter: ["class"]}});
</script>
</head>
<body>
<div class="dialog intro"><div>{title}</div></div>
<div class="dialog closed"><div>Session ended.<br>
<button type="button" onclick="window.location.reload()">Start again</button></div></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket}"
     data-font-size="{font_size}"></div>
</body>
</html>
"""


# --------------------------------------------------------------------------- sessions


class Session(AppService):
    """The app for one browser session: its own process group, always ended."""

    def __init__(self, argv: list[str], *, grace: float = GRACE, **kwargs: Any) -> None:
        super().__init__(shlex.join(argv), **kwargs)
        self.argv = argv
        self.grace = grace
        self.pgid: int | None = None
        self._browser_gone = False
        self._stopping: asyncio.Future[None] | None = None

    @property
    def process(self) -> Process | None:
        return self._process

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Process:
        environment = self._build_environment(width=width, height=height)
        # No shell (it would stand between the signals and the app), a group of its own.
        process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=PIPE, stdout=PIPE, stderr=PIPE, env=environment,
            start_new_session=True)
        self._process = process
        self.pgid = process.pid
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        await self._open_app_process(width, height)
        self._task = asyncio.create_task(self._run_then_close())

    async def _run_then_close(self) -> None:
        try:
            await self.run()
        finally:  # the app ended (or its output did): the browser's session is over
            self._browser_gone = True
            with contextlib.suppress(Exception):
                await self.remote_close()

    async def on_data(self, payload: bytes) -> None:
        # Once the browser is gone, keep reading the app's output and drop it: an app
        # blocked writing to a full pipe never sees "quit", and ignores SIGTERM (its
        # handler runs in the event loop, which the blocked write holds up).
        if self._browser_gone:
            return
        try:
            await self.remote_write_bytes(payload)
        except (ConnectionError, RuntimeError):
            self._browser_gone = True

    async def on_meta(self, data: bytes) -> None:
        if self._browser_gone:
            return
        try:
            await super().on_meta(data)
        except (ConnectionError, RuntimeError):
            self._browser_gone = True

    async def send_meta(self, data: dict[str, str | int | bool | None]) -> bool:
        if self._process is None or self._process.returncode is not None:
            return False
        try:
            return await asyncio.wait_for(super().send_meta(data), self.grace)
        except (TimeoutError, OSError):
            return False

    async def send_bytes(self, data: bytes) -> bool:
        if self._process is None or self._process.returncode is not None:
            return False
        try:
            return await asyncio.wait_for(super().send_bytes(data), self.grace)
        except (TimeoutError, OSError):
            return False

    async def stop(self) -> None:
        """Quit the app; SIGTERM its group after the grace period, then SIGKILL."""
        self._browser_gone = True
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop())
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        with contextlib.suppress(Exception):
            await self._download_manager.cancel_app_downloads(
                app_service_id=self.app_service_id)
        process = self._process
        if process is not None:
            if process.returncode is None:
                await self.send_meta({"type": "quit"})
            if not await self._exited(process):
                log.info("app %s did not quit: SIGTERM to its group", process.pid)
                self.signal_group(signal.SIGTERM)
                if not await self._exited(process):
                    log.warning("app %s ignored SIGTERM: SIGKILL to its group", process.pid)
                    self.signal_group(signal.SIGKILL)
                    await process.wait()
            await self._end_stragglers()
        if self._task is not None:
            with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, self.grace)
            self._task = None

    async def _exited(self, process: Process) -> bool:
        try:
            await asyncio.wait_for(process.wait(), self.grace)
        except TimeoutError:
            return False
        return True

    async def _end_stragglers(self) -> None:
        """What the app started in its group (git, say) and left running: end it too."""
        if not self.group_alive():
            return
        self.signal_group(signal.SIGTERM)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.grace
        while self.group_alive() and loop.time() < deadline:
            await asyncio.sleep(0.05)
        self.signal_group(signal.SIGKILL)

    def group_alive(self) -> bool:
        if self.pgid is None:
            return False
        try:
            os.killpg(self.pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def signal_group(self, signum: int) -> None:
        if self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, signum)


# --------------------------------------------------------------------------- the server


class SafeServer(Server):
    """textual-serve's Server with the guard, the sessions and the page of this module."""

    def __init__(self, argv: list[str], *, host: str, port: int, title: str,
                 public_url: str | None = None, idle_seconds: float = 30 * 60,
                 grace: float = GRACE) -> None:
        self.guard = Guard.for_server(host, port, public_url)
        super().__init__(shlex.join(argv), host=host, port=port, title=title,
                         public_url=public_url or _bound_url(host, port))
        self.argv = argv
        self.idle_seconds = idle_seconds
        self.grace = grace
        self.sessions: set[Session] = set()
        self._sockets: set[web.WebSocketResponse] = set()

    # ---- the web application

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_request])
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False,
                       follow_symlinks=False, name="static"),
        ])
        app.on_response_prepare.append(self._add_headers)
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def _check_request(self, request: web.Request,
                             handler: Any) -> web.StreamResponse:
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        problem = self.guard.refuse(request.headers, websocket=websocket)
        if problem is not None:
            log.warning("refused %s %s: %s", request.method, request.path, problem)
            return web.Response(status=403, text=f"Forbidden: {problem}.\n")
        response: web.StreamResponse = await handler(request)
        return response

    async def _add_headers(self, request: web.Request, response: web.StreamResponse) -> None:
        websocket = _websocket_origin(self.public_url)
        headers = {
            "Content-Security-Policy": (
                "default-src 'none'; script-src 'self' 'unsafe-inline'; "
                "style-src 'self' 'unsafe-inline'; font-src 'self'; img-src 'self' data:; "
                f"connect-src 'self' {websocket}; frame-ancestors 'none'; "
                "base-uri 'none'; form-action 'none'"),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "no-store",
        }
        for name, value in headers.items():
            response.headers.setdefault(name, value)

    async def handle_index(self, request: web.Request) -> web.Response:
        router = request.app.router
        static = f"{self.public_url}{router['static'].url_for(filename='/')}".rstrip("/") + "/"
        websocket = f"{self.public_url}{router['websocket'].url_for()}"
        websocket = ("wss:" if websocket.startswith("https:") else "ws:") + \
            websocket.split(":", 1)[1]
        font_size = max(6, min(48, to_int(request.query.get("fontsize", "16"), 16)))
        page = PAGE.format(title=html.escape(self.title), static=html.escape(static),
                           websocket=html.escape(websocket), font_size=font_size)
        return web.Response(text=page, content_type="text/html")

    async def on_startup(self, app: web.Application) -> None:
        """Say nothing: ``playlist-tui serve`` prints its own line."""

    async def on_shutdown(self, app: web.Application) -> None:
        """The server is stopping: close every browser session and end every app."""
        for websocket in list(self._sockets):
            with contextlib.suppress(Exception):
                await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"server stopped")
        await self.stop_all()

    async def stop_all(self) -> None:
        sessions = list(self.sessions)
        if sessions:
            await asyncio.gather(*(session.stop() for session in sessions),
                                 return_exceptions=True)

    def kill_all(self) -> None:
        """Last resort when the event loop is gone: SIGKILL to every app group left."""
        for session in list(self.sessions):
            session.signal_group(signal.SIGKILL)

    # ---- one browser session

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)
        width = max(10, min(1000, to_int(request.query.get("width", "80"), 80)))
        height = max(5, min(500, to_int(request.query.get("height", "24"), 24)))
        await websocket.prepare(request)
        self._sockets.add(websocket)
        session = Session(self.argv, grace=self.grace, write_bytes=websocket.send_bytes,
                          write_str=websocket.send_str, close=websocket.close,
                          download_manager=self.download_manager, debug=self.debug)
        self.sessions.add(session)
        loop = asyncio.get_running_loop()
        last_input = [loop.time()]
        try:
            await session.start(width, height)
            if session.process is not None:
                log.info("app %s started for %s", session.process.pid, request.remote)
            watchdog = asyncio.create_task(self._end_when_idle(websocket, last_input))
            try:
                await self._relay(websocket, session, last_input)
            finally:
                watchdog.cancel()
        except Exception:  # logged; the session is ended below either way
            log.exception("browser session failed")
        finally:
            try:
                await session.stop()
            finally:
                self.sessions.discard(session)
                self._sockets.discard(websocket)
                with contextlib.suppress(Exception):
                    await websocket.close()
        return websocket

    async def _end_when_idle(self, websocket: web.WebSocketResponse,
                             last_input: list[float]) -> None:
        loop = asyncio.get_running_loop()
        while not websocket.closed:
            left = last_input[0] + self.idle_seconds - loop.time()
            if left <= 0:
                log.info("closing a browser session idle for %.0f s", self.idle_seconds)
                await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"idle")
                return
            await asyncio.sleep(min(left, 60.0) + 0.01)

    async def _relay(self, websocket: web.WebSocketResponse, session: Session,
                     last_input: list[float]) -> None:
        """Pass the browser's messages to the app until the WebSocket closes."""
        loop = asyncio.get_running_loop()
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            try:
                envelope = json.loads(message.data)
                kind = envelope[0]
                data = envelope[1] if len(envelope) > 1 else None
            except (ValueError, TypeError, IndexError, KeyError):
                continue
            if kind == "stdin" and isinstance(data, str):
                last_input[0] = loop.time()
                await session.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                width, height = data.get("width"), data.get("height")
                if isinstance(width, int) and isinstance(height, int):
                    last_input[0] = loop.time()
                    await session.set_terminal_size(max(10, min(1000, width)),
                                                    max(5, min(500, height)))
            elif kind == "ping" and isinstance(data, str):
                await websocket.send_json(["pong", data[:64]])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    # ---- running

    def serve(self, debug: bool = False) -> None:
        """Serve until SIGINT or SIGTERM; then end every app before returning."""
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(signum, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port,
                        handle_signals=False, loop=loop, print=None,
                        shutdown_timeout=3 * self.grace + 1)
        finally:
            self.kill_all()


def _bound_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _websocket_origin(public_url: str) -> str:
    parts = urlsplit(public_url)
    return f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"


def app_argv(folder: str, student: str | None, teacher: str | None) -> list[str]:
    """The app for one browser session, started through :mod:`playlist_tui.serve.child`."""
    # --as: serve was told on its command line who every visitor is (docs/git.md)
    argv = [sys.executable, "-m", "playlist_tui.serve.child", str(os.getpid()), "--as",
            folder]
    if student:
        argv += ["--student", student]
    elif teacher:
        argv += ["--teacher", teacher]
    return argv
