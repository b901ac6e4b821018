"""Loopback HTTP servers for the crawl tests: real aiohttp servers in a background thread, so both
the sync ``crawl_portfolio`` and the async API can be tested against them."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse] | web.StreamResponse]


@dataclass
class Hit:
    method: str
    path: str
    host: str
    start: float
    end: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """Serves ``routes`` (path -> handler or (status, body, headers)) on 127.0.0.x:<free port>."""

    def __init__(self, routes: dict[str, object] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, object] = routes or {}
        self.host = host
        self.hits: list[Hit] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        with socket.socket() as s:
            s.bind((host, 0))
            self.port = s.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        hit = Hit(request.method, request.path_qs, request.host, time.monotonic(), headers=dict(request.headers))
        with self._lock:
            self.hits.append(hit)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            route = self.routes.get(request.path_qs, self.routes.get(request.path))
            if route is None:
                return web.Response(status=404, text="not found", content_type="text/html")
            if callable(route):
                res = route(request)
                if asyncio.iscoroutine(res):
                    res = await res
                return res  # type: ignore[return-value]
            status, body, headers = route  # type: ignore[misc]
            headers = dict(headers)
            ctype = headers.pop("Content-Type", "text/html; charset=utf-8")
            data = body.encode() if isinstance(body, str) else body
            resp = web.Response(status=status, body=data, headers=headers)
            resp.headers["Content-Type"] = ctype
            return resp
        finally:
            hit.end = time.monotonic()
            with self._lock:
                self.in_flight -= 1

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, self.host, self.port).start())
        self._runner = runner
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        self._ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def paths(self, method: str | None = None) -> list[str]:
        return [h.path for h in self.hits if method is None or h.method == method]


def html(body: str, title: str = "t") -> tuple[int, str, dict[str, str]]:
    filler = "<p>" + "Informasi layanan publik dinas. " * 12 + "</p>"
    return 200, f"<!doctype html><html><head><title>{title}</title></head><body>{body}{filler}</body></html>", {}


def test_loopback_server_serves_and_records() -> None:
    import urllib.request

    with LoopbackServer({"/": html("hi")}) as srv:
        with urllib.request.urlopen(srv.url + "/") as r:
            assert r.status == 200
        assert srv.paths() == ["/"]
