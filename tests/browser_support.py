"""A headless Chromium driven over the DevTools protocol, with the standard library only.

Chromium is started with `--remote-debugging-pipe` (commands on fd 3, replies and events on fd 4, each
message JSON ending with a NUL byte) behind a dead proxy (`127.0.0.1:9`, the discard port), with background
networking, component updates, sync, default apps and metrics off: a page that tried to fetch anything
would show a `Network.requestWillBeSent` for it (and fail to get it). Used by the browser tests and by
`tools/screenshots.py`.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-client-side-phishing-detection",
    "--metrics-recording-only",
    "--disable-features=OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
    "--remote-debugging-pipe",
)


def browser() -> str | None:
    """The Chromium executable, or None when none is installed (tests then skip, saying so)."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageRun:
    """What a page did while it loaded: its requests, console messages, log entries and exceptions."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    """(type, text) of each `console.*` call."""
    log: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) of each browser log entry (blocked loads, CSP violations, errors)."""
    exceptions: list[str] = field(default_factory=list)


class Chromium:
    def __init__(self, executable: str, profile: Path, width: int = 1300, height: int = 900) -> None:
        import fcntl

        to_browser_read, self._to_browser = os.pipe()
        self._from_browser, from_browser_write = os.pipe()
        # The child's ends moved above 9 first, so that placing them on 3 and 4 cannot overwrite one another.
        child_ends = []
        for end in (to_browser_read, from_browser_write):
            child_ends.append(fcntl.fcntl(end, fcntl.F_DUPFD_CLOEXEC, 10))
            os.close(end)
        to_browser_read, from_browser_write = child_ends

        def wire() -> None:  # in the child: the pipe ends on the fds Chromium expects
            os.dup2(to_browser_read, 3)
            os.dup2(from_browser_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            # 3 and 4 are kept too: the child closes every other descriptor after `wire` has run.
            pass_fds=(3, 4, to_browser_read, from_browser_write),
            preexec_fn=wire,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        session: str | None = None,
        timeout: float = 60,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method and event.get("sessionId") == session:
                return event
        while True:
            event = self._read(deadline)
            self.events.append(event)
            if event.get("method") == method and event.get("sessionId") == session:
                return event

    def _read(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        decoded: dict[str, Any] = json.loads(message)
        return decoded

    def close(self) -> None:
        with suppress(RuntimeError, TimeoutError, OSError):
            self.send("Browser.close", timeout=10)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


@contextmanager
def chromium(executable: str, width: int = 1300, height: int = 900) -> Iterator[Chromium]:
    with tempfile.TemporaryDirectory(prefix="souverain-chromium-") as profile:
        browser_process = Chromium(executable, Path(profile), width, height)
        try:
            yield browser_process
        finally:
            browser_process.close()


class Page:
    """One tab, with the network, console and log domains recording from before the page loads."""

    def __init__(self, browser_process: Chromium) -> None:
        self.browser = browser_process
        target = browser_process.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser_process.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Network", "Runtime", "Log"):
            browser_process.send(f"{domain}.enable", session=self.session)

    def open(self, path: Path) -> PageRun:
        start = len(self.browser.events)
        self.browser.send("Page.navigate", {"url": path.resolve().as_uri()}, session=self.session)
        self.browser.wait_for("Page.loadEventFired", self.session)
        self.evaluate("new Promise(done => requestAnimationFrame(() => setTimeout(done, 200)))")
        run = PageRun()
        own = path.resolve().as_uri()
        for event in self.browser.events[start:]:
            if event.get("sessionId") != self.session:
                continue
            params = event.get("params", {})
            method = event.get("method")
            if method == "Network.requestWillBeSent":
                url = params["request"]["url"]
                if url != own:
                    run.requests.append(url)
            elif method == "Runtime.consoleAPICalled":
                text = " ".join(
                    str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", [])
                )
                run.console.append((params.get("type", ""), text))
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                run.log.append((entry.get("level", ""), entry.get("text", "")))
            elif method == "Runtime.exceptionThrown":
                run.exceptions.append(json.dumps(params.get("exceptionDetails", {}))[:500])
        return run

    def evaluate(self, expression: str) -> Any:
        reply = self.browser.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self.session,
        )
        if "exceptionDetails" in reply:
            raise RuntimeError(f"{expression}: {reply['exceptionDetails']}")
        return reply.get("result", {}).get("value")

    def screenshot(self, target: Path, *, selector: str | None = None, full_page: bool = False) -> None:
        params: dict[str, Any] = {"format": "png"}
        if selector is not None:
            box = self.evaluate(
                f"(() => {{ const r = document.querySelector({json.dumps(selector)}).getBoundingClientRect();"
                " return [r.left + scrollX, r.top + scrollY, r.width, r.height]; })()"
            )
            params["clip"] = {"x": box[0], "y": box[1], "width": box[2], "height": box[3], "scale": 1}
            params["captureBeyondViewport"] = True
        elif full_page:
            height = self.evaluate("document.documentElement.scrollHeight")
            width = self.evaluate("document.documentElement.scrollWidth")
            params["clip"] = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
            params["captureBeyondViewport"] = True
        data = self.browser.send("Page.captureScreenshot", params, session=self.session)["data"]
        target.write_bytes(base64.b64decode(data))
