"""A scriptable fake HTTP API on 127.0.0.1, run in its own thread so sync and async tests can use it.

A test gives a default responder per platform and may script the next answers to a route (a 429,
a 401, a 500). Every request is recorded for assertions. Nothing leaves the loopback interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def form(self) -> dict[str, str]:
        from urllib.parse import parse_qsl

        return dict(parse_qsl(self.body.decode()))


@dataclass
class Response:
    status: int = 200
    body: Any = None  # dict/list -> JSON with Content-Type exactly application/json; bytes/str as is
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a slow platform)
    reset: bool = False  # close the connection instead of answering (after the request arrived)


Responder = Callable[[Recorded], Response]


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve an aiohttp app on 127.0.0.1 (a free port) in the running loop; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


class FakeAPI:
    def __init__(self, responder: Responder) -> None:
        self.responder = responder
        self.requests: list[Recorded] = []
        self._scripted: list[tuple[str, re.Pattern[str], Response]] = []
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeAPI:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake API did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def script(self, method: str, path_pattern: str, response: Response, times: int = 1) -> None:
        """The next `times` requests matching method and path get `response` instead of the default."""
        with self._lock:
            self._scripted += [(method, re.compile(path_pattern), response)] * times

    def received(self, method: str, path_pattern: str) -> list[Recorded]:
        pattern = re.compile(path_pattern)
        with self._lock:
            return [r for r in self.requests if r.method == method and pattern.search(r.path)]

    async def wait_for(self, method: str, path_pattern: str, count: int = 1, timeout: float = 10) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(method, path_pattern)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.005)
        raise TimeoutError(f"fake API got {len(self.received(method, path_pattern))} of {count} "
                           f"{method} {path_pattern}; all: {[(r.method, r.path) for r in self.requests]}")

    # Server ---------------------------------------------------------------------------------

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        recorded = Recorded(request.method, request.path, dict(request.query), dict(request.headers),
                            await request.read(), time.monotonic())
        with self._lock:
            self.requests.append(recorded)
            scripted = next((s for s in self._scripted if s[0] == request.method and s[1].search(request.path)), None)
            if scripted is not None:
                self._scripted.remove(scripted)
        response = scripted[2] if scripted else self.responder(recorded)
        if response.delay:
            await asyncio.sleep(response.delay)
        if response.reset:
            assert request.transport is not None
            request.transport.abort()  # a connection reset: the client gets no answer
            return web.Response(status=500)
        if isinstance(response.body, dict | list):
            # Exactly application/json: discord.py compares the header literally.
            return web.Response(status=response.status, body=json.dumps(response.body).encode(),
                                headers={"Content-Type": "application/json", **response.headers})
        body = response.body.encode() if isinstance(response.body, str) else (response.body or b"")
        return web.Response(status=response.status, body=body, headers=response.headers)
