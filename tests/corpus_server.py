"""Serve the real captured pages of ../shared/corpus/sites on 127.0.0.1, at their original paths.

Each site's files are served under ``/<slug>/<host>/<original path>`` so that a crawl with
``--map https://host/=http://127.0.0.1:PORT/<slug>/host/`` fetches the local copy while the WARC
keeps the real address. Files whose URL no page links to (the corpus infers some addresses) are
listed in a sitemap.xml the server generates when the capture has none, which is how a crawler
finds pages of a real site that no menu reaches.
"""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import escape

from aiohttp import web


class CorpusServer:
    def __init__(self, sites_dir: Path) -> None:
        self.sites_dir = sites_dir
        self.files: dict[str, tuple[Path, str]] = {}  # local path+query → (file, content type)
        self.prefixes: dict[str, str] = {}  # "https://host/" → "/slug/host/"
        self.manifests: dict[str, dict] = {}
        self.port = 0
        self.hits = 0
        for manifest in sorted(sites_dir.glob("*/manifest.json")):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            slug = data["site"]
            self.manifests[slug] = data
            by_host: dict[str, list[str]] = {}
            for f in data["files"]:
                u = urlsplit(f["url"])
                local = f"/{slug}/{u.netloc}{u.path or '/'}" + (f"?{u.query}" if u.query else "")
                self.files[local] = (manifest.parent / f["file"], f.get("content_type") or "text/html")
                self.prefixes[f"{u.scheme}://{u.netloc}/"] = f"/{slug}/{u.netloc}/"
                by_host.setdefault(f"/{slug}/{u.netloc}", []).append(f["url"])
            for base, urls in by_host.items():
                if f"{base}/sitemap.xml" not in self.files:
                    body = "".join(f"<url><loc>{escape(x)}</loc></url>" for x in urls)
                    self.files[f"{base}/sitemap.xml"] = (
                        Path(""), '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        + body + "</urlset>",
                    )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.hits += 1
        key = request.raw_path
        hit = self.files.get(unquote(key)) or self.files.get(request.path)
        if hit is None and request.path.endswith("/robots.txt"):
            return web.Response(text="User-agent: *\nAllow: /\n")
        if hit is None:
            return web.Response(status=404, text="not in the captured copy")
        path, ctype = hit
        if path == Path(""):  # generated sitemap
            return web.Response(text=ctype, content_type="application/xml")
        return web.Response(body=path.read_bytes(), headers={"Content-Type": ctype})

    def url_map(self) -> list[tuple[str, str]]:
        return [(orig, f"http://127.0.0.1:{self.port}{local}") for orig, local in self.prefixes.items()]

    def __enter__(self) -> CorpusServer:
        ready = threading.Event()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._runner is not None
        fut = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
        fut.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread:
            self._thread.join(10)
