"""The app in a browser: ``playlist-tui serve`` driven by headless Chromium.

The test starts ``playlist-tui serve`` for a copy of the small class as student ``ana``,
opens it in headless Chromium through chromedriver (the WebDriver protocol, spoken with
urllib: no extra Python dependency), ticks an activity with the keyboard, and checks that
``students/ana/student.toml`` changed on disk.

Chromium and chromedriver come from the system (Debian: ``apt-get install chromium
chromium-driver``). When they are missing, the test installs them if it runs as root with
``CI=true``, and is skipped otherwise.
"""

from __future__ import annotations

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
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from playlist_tui.commands.serve import app_command, url_for
from tests.conftest import ROOT

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
  function Hooked(url, protocols) {
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
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                f"--user-data-dir={profile}", "--window-size=1200,900",
                # Nothing leaves this machine (the page asks Google for a web font).
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "eager",
            "goog:chromeOptions": {"binary": browser, "args": args}}}})
        self.session = value["sessionId"]

    def s(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.call(method, f"/session/{self.session}{path}", body)

    def script(self, source: str) -> Any:
        return self.s("POST", "/execute/sync", {"script": source, "args": []})

    def send_keys(self, element: str, text: str) -> None:
        self.s("POST", f"/element/{element}/value", {"text": text})

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
    assert command.startswith(f"{sys.executable} -m playlist_tui ") or \
        command.startswith(f"'{sys.executable}' -m playlist_tui ")
    assert command.endswith("'" + str(folder.resolve()) + "' --student ana")
    assert url_for("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert url_for("::1", 8000) == "http://[::1]:8000"


def test_serve_refuses_an_unknown_student(small_class: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "playlist_tui", "serve", str(small_class),
                          "--student", "nobody", "--port", str(free_port())],
                         capture_output=True, text=True, cwd=ROOT, timeout=30)
    assert out.returncode == 2
    assert "no student 'nobody'" in out.stderr


def test_tick_an_activity_in_the_browser(small_class: Path, webdriver: WebDriver,
                                         tmp_path: Path) -> None:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "playlist_tui", "serve", str(small_class), "--port",
             str(port), "--student", "ana"],
            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True,
            env=dict(os.environ, TZ="UTC", NO_COLOR="1"))
    try:
        wait_for(lambda: accepts(port) or server.poll() is not None, 20, "the server")
        assert server.poll() is None, log_path.read_text(errors="replace")
        url = f"http://127.0.0.1:{port}"
        assert url in log_path.read_text(errors="replace")

        before = ticks(small_class)
        webdriver.s("POST", "/goog/cdp/execute", {
            "cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": HOOK}})
        webdriver.s("POST", "/url", {"url": url + "/"})
        terminal = Terminal(webdriver)
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
    finally:
        stop(server, group=True)
