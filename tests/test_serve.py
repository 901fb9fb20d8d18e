"""The app in a browser: ``playlist-tui serve``, its checks, and headless Chromium.

Without a browser: the Origin/Host guard, the refusals at start, and real servers driven
with aiohttp's WebSocket client (a foreign Origin, a rebinding Host, our own origin getting
the first screen, the idle limit, the end of the server with or without a chance to clean
up). With headless Chromium through chromedriver (the WebDriver protocol, spoken with
urllib: no extra Python dependency): the first screen with its footer and nothing asked of
another host, ticking an activity with the keyboard, and a browser killed with SIGKILL
leaving no app behind.

Chromium and chromedriver come from the system (Debian: ``apt-get install chromium
chromium-driver``). When they are missing, the browser tests install them if they run as
root with ``CI=true``, and are skipped otherwise.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.commands.serve import app_command, url_for
from playlist_tui.serve.server import GRACE, Guard
from tests.conftest import ROOT

# The longest the server may take to end an app once its browser has gone: "quit", then
# SIGTERM after GRACE, then SIGKILL after GRACE more, with room for a slow machine.
ENDED_WITHIN = 4 * GRACE + 20

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENTER, DOWN, SPACE = "\ue007", "\ue015", " "
ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

# Runs before the page's own scripts: keeps what the app sends to the terminal, so the
# test can wait for the screen to settle (xterm draws on a canvas, not in the DOM).
HOOK = """
(() => {
  const Native = window.WebSocket;
  const state = {text: "", bytes: 0, last: 0, open: false, closed: false};
  const decoder = new TextDecoder();
  window.__tui = state;
  state.violations = [];
  document.addEventListener("securitypolicyviolation",
                            (event) => state.violations.push(event.blockedURI));
  function Hooked(url, protocols) {
    state.url = String(url);
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    ws.addEventListener("open", () => { state.open = true; });
    ws.addEventListener("close", () => { state.closed = true; });
    ws.addEventListener("message", (event) => {
      if (typeof event.data === "string") return;
      state.text += decoder.decode(event.data, {stream: true});
      state.bytes += event.data.byteLength;
      state.last = Date.now();
    });
    return ws;
  }
  Hooked.prototype = Native.prototype;
  Object.assign(Hooked, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Hooked;
})();
"""


# --------------------------------------------------------------------------- tools


def _find_tools() -> tuple[str, str] | None:
    browser = next((found for name in BROWSERS if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    """(browser, chromedriver): found, installed on CI as root, or the test is skipped."""
    tools = _find_tools()
    if (tools is None and os.environ.get("CI") == "true" and os.geteuid() == 0
            and shutil.which("apt-get")):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "update", "-q"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium", "chromium-driver"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        tools = _find_tools()
    if tools is None:
        pytest.skip("needs Chromium and chromedriver (Debian: apt-get install chromium "
                    "chromium-driver); on CI (CI=true, as root, with apt-get) the test "
                    "installs them")
    return tools


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(check: Callable[[], Any], timeout: float, what: str, step: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def stop(process: subprocess.Popen[bytes], group: bool = False) -> None:
    """Stop a process this test started (and, with group, the app processes it spawned)."""
    if process.poll() is None:
        if group:
            os.killpg(process.pid, signal.SIGTERM)
        else:
            process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            if group:
                os.killpg(process.pid, signal.SIGKILL)
            else:
                process.kill()
            process.wait(timeout=5)
    if group:
        # the app started for the browser session, if it outlived the server
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


class WebDriver:
    """Just enough of the W3C WebDriver protocol, over HTTP with urllib."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.session = ""
        self.driver_pid = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"null").get("value")
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"WebDriver {method} {path}: {exc.read()[:500]!r}") from exc

    def start(self, browser: str, profile: Path) -> None:
        """A headless browser; its performance log records every request a page makes."""
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1200,900",
                # Nothing leaves this machine (the page asks Google for a web font).
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "eager",
            "goog:loggingPrefs": {"performance": "ALL"},
            "goog:chromeOptions": {"binary": browser, "args": args}}}})
        self.session = value["sessionId"]

    def s(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call(method, f"/session/{self.session}{path}", body)

    def script(self, source: str) -> Any:
        return self.s("POST", "/execute/sync", {"script": source, "args": []})

    def send_keys(self, element: str, text: str) -> None:
        self.s("POST", f"/element/{element}/value", {"text": text})

    def requested_urls(self) -> list[str]:
        """Every URL the pages asked for since the last call (even requests then blocked)."""
        urls = []
        for entry in self.s("POST", "/se/log", {"type": "performance"}) or []:
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def quit(self) -> None:
        if self.session:
            with contextlib.suppress(AssertionError, OSError):
                self.s("DELETE", "")


@pytest.fixture
def webdriver(chromium: tuple[str, str], tmp_path: Path) -> Iterator[WebDriver]:
    browser, driver_path = chromium
    port = free_port()
    log = (tmp_path / "chromedriver.log").open("wb")
    driver = subprocess.Popen([driver_path, f"--port={port}"], stdout=log,
                              stderr=subprocess.STDOUT)
    client = WebDriver(port)
    client.driver_pid = driver.pid
    try:
        wait_for(lambda: accepts(port), 15, "chromedriver")
        profile = tmp_path / "chromium-profile"
        profile.mkdir()
        client.start(browser, profile)
        yield client
    finally:
        client.quit()
        stop(driver)
        log.close()


# --------------------------------------------------------------------------- helpers


def processes() -> dict[int, tuple[int, int, str]]:
    """pid -> (parent pid, process group, command line) of every process we can see."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(
                errors="replace")
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":  # a zombie has ended; it only waits for its parent
            found[int(entry.name)] = (int(fields[1]), int(fields[2]), cmdline)
    return found


def png_rows(data: bytes) -> list[list[tuple[int, ...]]]:
    """The pixels of a PNG screenshot (8-bit RGB or RGBA, not interlaced), row by row."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        chunk, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + size]
        pos += 12 + size
        if chunk == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            assert body[8] == 8 and body[9] in (2, 6) and body[12] == 0, body
            channels = 3 if body[9] == 2 else 4
        elif chunk == b"IDAT":
            idat += body
    raw, stride, rows = zlib.decompress(idat), width * channels, []
    previous = bytearray(stride)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                row[i] = (row[i] + left) & 255
            elif kind == 2:
                row[i] = (row[i] + up) & 255
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                best = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[i] = (row[i] + best) & 255
        rows.append([tuple(row[i:i + 3]) for i in range(0, stride, channels)])
        previous = row
    return rows


def group_alive(pgid: int) -> bool:
    """Whether a process group still has a live (not zombie) member."""
    return any(group == pgid for _, group, _ in processes().values())


class Serve:
    """A ``playlist-tui serve`` started by a test, and the apps it started."""

    def __init__(self, process: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log
        self.url = f"http://127.0.0.1:{port}"
        self.seen_groups: set[int] = set()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def apps(self) -> dict[int, int]:
        """pid -> process group of each app this server runs now."""
        found = {pid: group for pid, (parent, group, cmd) in processes().items()
                 if parent == self.process.pid and "playlist_tui.serve.child" in cmd}
        self.seen_groups.update(found.values())
        return found

    def one_app(self) -> tuple[int, int]:
        apps = wait_for(self.apps, 30, "the app of the browser session")
        assert len(apps) == 1, apps
        pid, group = next(iter(apps.items()))
        return pid, group

    def end(self) -> None:
        stop(self.process)
        for group in self.seen_groups:  # whatever a failed test left running
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., Serve]]:
    """Start ``playlist-tui serve FOLDER ARGS... --port FREE``; stopped after the test."""
    started: list[Serve] = []

    def start(folder: Path, *args: str) -> Serve:
        port = free_port()
        log_path = tmp_path / f"serve-{len(started)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "playlist_tui", "serve", str(folder), "--port",
                 str(port), *args],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
                env=dict(os.environ, TZ="UTC", NO_COLOR="1"))
        server = Serve(process, port, log_path)
        started.append(server)
        wait_for(lambda: accepts(port) or process.poll() is not None, 20, "the server")
        assert process.poll() is None, server.output()
        assert server.url in server.output()
        return server

    yield start
    for server in started:
        server.end()


async def _websocket(url: str, headers: dict[str, str], want: str = "",
                     timeout: float = 30) -> tuple[int, str, int | None]:
    """Open a WebSocket; read until `want` shows in the screen text (or it closes).

    Returns (HTTP status of the handshake, screen text so far, close code or None).
    """
    import aiohttp

    text = ""
    async with aiohttp.ClientSession() as client:
        try:
            ws = await client.ws_connect(url, headers=headers, timeout=aiohttp.ClientWSTimeout(
                ws_close=10))
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status, "", None
        async with ws:
            async with asyncio.timeout(timeout):
                async for message in ws:
                    if message.type == aiohttp.WSMsgType.BINARY:
                        text += message.data.decode(errors="replace")
                        if want and want in ANSI.sub("", text):
                            break
            return 101, ANSI.sub("", text), ws.close_code


def websocket(url: str, headers: dict[str, str], want: str = "",
              timeout: float = 30) -> tuple[int, str, int | None]:
    return asyncio.run(_websocket(url, headers, want, timeout))


def http_status(url: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def ticks(folder: Path) -> dict[str, Any]:
    path = folder / "students" / "ana" / "student.toml"
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")).get("ticks", {}))
    except (OSError, tomllib.TOMLDecodeError):  # mid-write is atomic, but be safe
        return {}


class Terminal:
    """What the app has drawn in the browser so far, as text without escape codes."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver

    def state(self) -> dict[str, Any]:
        value: dict[str, Any] = self.driver.script(
            "const s = window.__tui || {}; return {bytes: s.bytes || 0, last: s.last || 0, "
            "open: !!s.open, closed: !!s.closed, now: Date.now()};")
        return value

    def text(self) -> str:
        raw: str = self.driver.script("return (window.__tui || {}).text || '';")
        return ANSI.sub("", raw)

    def settle(self, quiet_ms: int = 600, timeout: float = 20) -> None:
        """Wait until the app has drawn something and then nothing for quiet_ms."""
        def quiet() -> bool:
            s = self.state()
            assert not s["closed"], f"the session ended; screen so far:\n{self.text()[-2000:]}"
            return bool(s["bytes"]) and s["now"] - s["last"] >= quiet_ms
        wait_for(quiet, timeout, "the app to draw its screen", step=0.1)


# --------------------------------------------------------------------------- tests


def test_app_command_is_quoted_for_the_shell(tmp_path: Path) -> None:
    folder = tmp_path / "class with space; rm -rf x"
    command = app_command(folder, student="ana")
    assert command.startswith(f"{sys.executable} -m playlist_tui.serve.child {os.getpid()} ") \
        or command.startswith(f"'{sys.executable}' -m playlist_tui.serve.child ")
    assert command.endswith("'" + str(folder.resolve()) + "' --student ana")
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert url_for("::1", 8000) == "http://[::1]:8000"


def test_the_guard_accepts_only_our_addresses() -> None:
    guard = Guard.for_server("127.0.0.1", 8000, None)

    def refused(host: str, origin: str | None = None, websocket: bool = True) -> bool:
        headers = {"Host": host} if origin is None else {"Host": host, "Origin": origin}
        return guard.refuse(headers, websocket=websocket) is not None

    assert not refused("127.0.0.1:8000", "http://127.0.0.1:8000")
    assert not refused("localhost:8000", "http://localhost:8000")
    assert not refused("LOCALHOST:8000", "http://localhost:8000")
    assert not refused("127.0.0.1:8000", websocket=False)  # a visit: browsers send no Origin
    assert refused("127.0.0.1:8000")  # a WebSocket without Origin
    assert refused("127.0.0.1:8000", "http://evil.example")
    assert refused("127.0.0.1:8000", "null")
    assert refused("127.0.0.1:8000", "https://127.0.0.1:8000")  # another scheme
    assert refused("127.0.0.1:8000", "http://127.0.0.1:8001")  # another port
    assert refused("127.0.0.1:8000", "http://evil.example", websocket=False)
    # DNS rebinding: the attacker's name resolves to 127.0.0.1, the browser says so in Host
    assert refused("evil.example:8000", "http://evil.example:8000")
    assert refused("evil.example:8000", websocket=False)
    assert refused("127.0.0.1", "http://127.0.0.1")  # port 80 is not ours
    assert refused("", websocket=False)
    assert refused("127.0.0.1:8000@evil.example", websocket=False)

    proxied = Guard.for_server("127.0.0.1", 8000, "https://School.Example/6b/")
    assert proxied.refuse({"Host": "school.example", "Origin": "https://school.example"},
                          websocket=True) is None
    assert proxied.refuse({"Host": "127.0.0.1:8000", "Origin": "https://school.example"},
                          websocket=True) is None  # a proxy passing its upstream's Host
    assert proxied.refuse({"Host": "school.example", "Origin": "http://school.example"},
                          websocket=True) is not None
    assert proxied.refuse({"Host": "other.example", "Origin": "https://school.example"},
                          websocket=True) is not None

    v6 = Guard.for_server("::1", 8000, None)
    assert v6.refuse({"Host": "[::1]:8000", "Origin": "http://[::1]:8000"}, True) is None
    assert v6.refuse({"Host": "localhost:8000", "Origin": "http://localhost:8000"}, True) \
        is None


def test_serve_refuses_an_unknown_student(small_class: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "playlist_tui", "serve", str(small_class),
                          "--student", "nobody", "--port", str(free_port())],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2
    assert "no student 'nobody'" in out.stderr


def test_serve_without_a_person_exits_2(small_class: Path) -> None:
    port = free_port()
    out = subprocess.run([sys.executable, "-m", "playlist_tui", "serve", str(small_class),
                          "--port", str(port)],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1, out.stderr
    assert "--student ID or --teacher ID" in out.stderr
    assert not accepts(port)


def test_serve_on_every_address_needs_a_public_url(small_class: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "playlist_tui", "serve", str(small_class),
                          "--teacher", "lee", "--host", "0.0.0.0", "--port", str(free_port())],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2
    assert "--public-url" in out.stderr


def test_foreign_origin_and_host_are_refused(small_class: Path,
                                            serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--student", "ana")
    ws = f"ws://127.0.0.1:{server.port}/ws"
    # A page on another site opening our WebSocket (a student's evidence link, say).
    assert websocket(ws, {"Origin": "http://evil.example"})[0] == 403
    assert websocket(ws, {"Origin": "null"})[0] == 403
    assert websocket(ws, {})[0] == 403  # no Origin: not a browser page of ours
    # DNS rebinding: evil.example resolves to 127.0.0.1; the browser sends its own name.
    rebound = {"Host": f"evil.example:{server.port}",
               "Origin": f"http://evil.example:{server.port}"}
    assert websocket(ws, rebound)[0] == 403
    status, body = http_status(server.url + "/", {"Host": f"evil.example:{server.port}"})
    assert status == 403 and "evil.example" in body and len(body) < 200
    assert http_status(server.url + "/static/js/textual.js",
                       {"Host": f"evil.example:{server.port}"})[0] == 403
    assert not server.apps(), "a refused request started an app"
    # Our own page still works, by either name of the loopback address.
    status, page = http_status(server.url + "/", {})
    assert status == 200 and "textual.js" in page
    assert http_status(f"http://localhost:{server.port}/", {})[0] == 200


def test_our_origin_gets_the_first_screen(small_class: Path,
                                          serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--student", "ana")
    status, screen, _ = websocket(f"ws://127.0.0.1:{server.port}/ws?width=100&height=30",
                                  {"Origin": server.url}, want="Ana Souza")
    assert status == 101
    assert "Ana Souza" in screen
    # The WebSocket is closed: its app is ended.
    wait_for(lambda: not server.apps(), ENDED_WITHIN, "the app to end")


def test_each_app_has_its_own_group_and_the_idle_limit_ends_it(
        small_class: Path, serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--teacher", "lee", "--idle-minutes", "0.1")

    async def idle_session() -> tuple[int | None, tuple[int, int]]:
        import aiohttp

        async with aiohttp.ClientSession() as client, client.ws_connect(
                f"ws://localhost:{server.port}/ws", headers={"Origin": server.url}) as ws:
            first = await ws.receive(timeout=30)
            assert first.type == aiohttp.WSMsgType.BINARY, first
            app = await asyncio.to_thread(server.one_app)
            # Say nothing: the server closes the session after 6 s without input.
            async with asyncio.timeout(60):
                async for _ in ws:
                    pass
            return ws.close_code, app

    code, (pid, group) = asyncio.run(idle_session())
    assert group == pid  # its own process group, led by the app
    assert group != os.getpgid(server.process.pid)
    assert code == 1001  # "going away"
    assert "idle" in server.output()
    wait_for(lambda: not group_alive(group), ENDED_WITHIN, "the idle app's group to end")
    assert server.process.poll() is None


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_no_app_outlives_the_server(small_class: Path, serve: Callable[..., Serve],
                                    how: int) -> None:
    server = serve(small_class, "--student", "ana")

    async def session_then_stop() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as client, client.ws_connect(
                f"ws://127.0.0.1:{server.port}/ws", headers={"Origin": server.url}) as ws:
            assert (await ws.receive(timeout=30)).type == aiohttp.WSMsgType.BINARY
            await asyncio.to_thread(server.one_app)
            os.kill(server.process.pid, how)
            async with asyncio.timeout(ENDED_WITHIN):
                async for _ in ws:
                    pass

    asyncio.run(session_then_stop())
    (group,) = server.seen_groups
    # SIGTERM: the server ends its apps; SIGKILL: each app's PR_SET_PDEATHSIG does.
    wait_for(lambda: not group_alive(group), ENDED_WITHIN, "the app's group to end")
    wait_for(lambda: server.process.poll() is not None, ENDED_WITHIN, "the server to end")


def test_first_screen_in_the_browser(small_class: Path, webdriver: WebDriver,
                                     serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--student", "ana")
    webdriver.s("POST", "/goog/cdp/execute", {
        "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": HOOK}})
    webdriver.requested_urls()  # forget the blank page
    webdriver.s("POST", "/url", {"url": server.url + "/"})
    terminal = Terminal(webdriver)
    wait_for(lambda: "Ana Souza" in terminal.text(), 30, "Ana's home screen")
    terminal.settle(quiet_ms=1000, timeout=30)
    # The footer, with its keys, is drawn without a key pressed or a click first: its row
    # (the last of the terminal) shows text, not only the bar's colour.
    rows = int(urllib.parse.parse_qs(urllib.parse.urlsplit(
        webdriver.script("return window.__tui.url;")).query)["height"][0])
    box = webdriver.script("const r = document.querySelector('.xterm-screen')"
                           ".getBoundingClientRect(); return [r.left, r.top, r.width, "
                           "r.height, window.devicePixelRatio];")
    left, top, width, height, ratio = (float(v) for v in box)
    pixels = png_rows(base64.b64decode(webdriver.s("GET", "/screenshot")))
    row_height = height / rows
    band = pixels[int((top + height - row_height * 0.8) * ratio):
                  int((top + height - row_height * 0.2) * ratio)]
    footer = {pixel for line in band for pixel in line[int(left * ratio):
                                                       int((left + width) * ratio)]}
    middle = pixels[int((top + height / 2) * ratio)]  # a row of the screen, for contrast
    assert len(footer) > 20, (f"the footer row has {len(footer)} colours: drawn without "
                              f"its keys (the app started blurred?); mid-screen has "
                              f"{len(set(middle))}")

    urls = webdriver.requested_urls()
    local = {"127.0.0.1", "localhost"}
    assert any(url.endswith("/static/js/textual.js") for url in urls), urls
    assert any("/static/fonts/RobotoMono" in url for url in urls), urls  # our own font
    elsewhere = [url for url in urls
                 if urllib.parse.urlsplit(url).scheme not in ("data", "blob")
                 and urllib.parse.urlsplit(url).hostname not in local]
    assert not elsewhere, f"the page asked another host: {elsewhere}"
    assert webdriver.script("return window.__tui.violations;") == []


def test_a_killed_browser_leaves_no_app(small_class: Path, webdriver: WebDriver,
                                        serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--teacher", "lee")
    webdriver.s("POST", "/goog/cdp/execute", {
        "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": HOOK}})
    webdriver.s("POST", "/url", {"url": server.url + "/"})
    Terminal(webdriver).settle(quiet_ms=800, timeout=30)
    _, group = server.one_app()

    # kill -9 the browser: every Chromium process under chromedriver.
    table = processes()
    browser = {pid for pid, (parent, _, cmd) in table.items()
               if parent == webdriver.driver_pid and "chrom" in cmd}
    assert browser, "no Chromium process found under chromedriver"
    family = set(browser)
    while True:
        more = {pid for pid, (parent, _, _) in table.items() if parent in family} - family
        if not more:
            break
        family |= more
    for pid in family:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    wait_for(lambda: not group_alive(group), ENDED_WITHIN,
             "the app's process group to end after the browser was killed")
    assert server.process.poll() is None  # the server goes on serving
    assert websocket(f"ws://127.0.0.1:{server.port}/ws", {"Origin": server.url},
                     want="Lee")[0] == 101


def test_tick_an_activity_in_the_browser(small_class: Path, webdriver: WebDriver,
                                         serve: Callable[..., Serve]) -> None:
    server = serve(small_class, "--student", "ana")
    url = server.url
    before = ticks(small_class)
    webdriver.s("POST", "/goog/cdp/execute", {
        "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": HOOK}})
    webdriver.s("POST", "/url", {"url": url + "/"})
    terminal = Terminal(webdriver)
    wait_for(lambda: "Ana Souza" in terminal.text(), 30, "Ana's home screen")
    terminal.settle(quiet_ms=800, timeout=30)
    found = webdriver.s("POST", "/element", {"using": "css selector",
                                             "value": ".xterm-helper-textarea"})
    keys = next(iter(found.values()))

    # Student home: enter opens the highlighted playlist (the only one: ratios).
    webdriver.send_keys(keys, ENTER)
    terminal.settle()
    # Playlist screen: space ticks or unticks the highlighted row. Walk down the rows
    # until a space adds a tick; a row ticked already is ticked again afterwards.
    added: set[str] = set()
    for _ in range(8):
        current = ticks(small_class)

        def changed(current: dict[str, Any] = current) -> bool:
            return ticks(small_class) != current

        webdriver.send_keys(keys, SPACE)
        try:
            wait_for(changed, 2.5, "a change")
        except AssertionError:
            terminal.settle()
        now = ticks(small_class)
        added = set(now) - set(before)
        if added:
            break
        if set(now) < set(current):  # it was ticked: tick it again, then move on
            webdriver.send_keys(keys, SPACE)
            wait_for(lambda: set(ticks(small_class)) >= set(before), 5, "the re-tick")
        webdriver.send_keys(keys, DOWN)
        terminal.settle(quiet_ms=300)
    screen = terminal.text()
    assert added, ("no activity was ticked; the app showed:\n" + screen[-3000:])
    after = ticks(small_class)
    assert set(after) == set(before) | added
    assert len(added) == 1 and next(iter(added)).startswith("ratios/")
    assert "Ana" in screen  # it really is Ana's session
