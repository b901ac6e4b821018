"""One local HTTP server that impersonates every website of the fictional city "Kota Demokota".

Why one server on 127.0.0.1 with path prefixes, instead of one port per host: the crawler's
``--map ORIGINAL_PREFIX=LOCAL_PREFIX`` option already lets evidence keep the real-looking address
(``https://dinkes.demokota.go.id/...``) while the request goes to ``http://127.0.0.1:PORT/site/dinkes/...``.
A single ephemeral port keeps tests parallel-safe and needs no extra loopback addresses.

The map covers every host the bundled pages mention -- the demo OPD sites, the helper applications
they link to (a dead permit app, a login-only staff app...) and every *outside* provider (BMKG, PLN,
lapor.go.id, Facebook...), which get tiny stand-in pages under ``/ext/<host>/``. So a crawler run with
this map and default-deny never sends a packet past 127.0.0.1 (``tests/test_demo_server.py`` walks
all bundled files to keep it that way).

Site content is static files under ``sites/<folder>/``; the behaviours a static folder cannot express
(redirects, a redirect loop, a PDF without extension, gzip sitemaps, soft 404s, a JS-only shell
answering every route, a host that 404s everything) are declared in the tables below, so the whole
"what is special about each site" list is readable in one place (see docs/demo.md).

usage: python -m govlens.demo.server [--port N]   (prints the map, serves until interrupted)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qsl

from aiohttp import web

from govlens.demo.documents import DOCUMENTS
from govlens.demo.office import make_docx, make_xlsx
from govlens.demo.pdf import make_pdf

HERE = Path(__file__).resolve().parent
SITES_DIR = HERE / "sites"
PORTFOLIO_PATH = HERE / "portfolio.yaml"
DOMAIN = "demokota.go.id"


def demo_portfolio_path() -> Path:
    """The bundled portfolio (YAML) listing every demo organisation with its original URLs."""
    return PORTFOLIO_PATH


def sites_dir() -> Path:
    return SITES_DIR


@dataclass(frozen=True)
class DemoHost:
    """One original host the demo impersonates.

    ``area`` decides the local prefix: ``site`` (an organisation's site, ``/site/<folder>/``), ``app``
    (a helper application linked from a site, ``/app/<host>/``), ``ext`` (an outside provider's
    stand-in, ``/ext/<host>/``) or ``closed`` (mapped to a port nothing listens on).
    ``fallback`` decides what an unknown path answers: ``404``, ``soft404`` (200 + "not found" page,
    like many CodeIgniter sites), ``spa`` (the JS shell, like a single-page app's history fallback),
    ``dead`` (every path 404, even ``/``) or ``standin`` (a generic stand-in page, for outside hosts).
    """

    host: str
    area: str
    folder: str = ""
    fallback: str = "404"

    @property
    def key(self) -> str:
        return self.folder if self.area == "site" else self.host


def _site(folder: str, host: str | None = None, fallback: str = "404") -> DemoHost:
    return DemoHost(host or f"{folder}.{DOMAIN}", "site", folder, fallback)


def _app(host: str, fallback: str = "404") -> DemoHost:
    return DemoHost(host, "app", f"_apps/{host}", fallback)


def _ext(host: str) -> DemoHost:
    return DemoHost(host, "ext", "", "standin")


HOSTS: tuple[DemoHost, ...] = (
    # --- organisation sites (the portfolio) -------------------------------------------------------
    _site("www"),
    _site("dinkes"),
    _site("disdukcapil"),
    _site("bappeda"),
    _site("diskominfo"),
    _site("dpmptsp", fallback="soft404"),
    _site("disparbud", fallback="spa"),
    _site("satpolpp", host="satpolpp-demokota.blogspot.com"),
    DemoHost(f"bpbd.{DOMAIN}", "closed"),
    _site("inspektorat"),
    # --- helper applications on the city's domain, linked from the sites --------------------------
    _app(f"sicantik.dpmptsp.{DOMAIN}", fallback="dead"),  # "Perizinan Online": answers 404 everywhere
    _app(f"eretribusi.{DOMAIN}", fallback="dead"),  # dead service link on the city portal
    _app(f"simpeg.{DOMAIN}"),  # staff-only app: a login form and nothing else
    _app(f"sipanan.{DOMAIN}"),  # staple-food price information (works)
    _app(f"jdih.{DOMAIN}"),  # legal documentation network (works)
    # --- outside providers: stand-ins only, never contacted --------------------------------------
    _ext("www.bmkg.go.id"),
    _ext("www.pln.co.id"),
    _ext("www.pajak.go.id"),
    _ext("www.pmi.or.id"),
    _ext("www.lapor.go.id"),
    _ext("elhkpn.kpk.go.id"),
    _ext("putusan3.mahkamahagung.go.id"),
    _ext("wa.me"),
    _ext("api.whatsapp.com"),
    _ext("www.facebook.com"),
    _ext("www.instagram.com"),
    _ext("www.youtube.com"),
    _ext("twitter.com"),
    _ext("x.com"),
    _ext("www.tiktok.com"),
    _ext("www.blogger.com"),
    _ext("schema.org"),  # JSON-LD @context
    _ext("www.sitemaps.org"),  # sitemap XML namespace
)

HOSTS_BY_NAME: dict[str, DemoHost] = {h.host: h for h in HOSTS}

#: (host, path) -> (status, original absolute Location). Locations are ORIGINAL URLs on purpose: the
#: crawler maps every request it makes, so a redirect must name the address a real site would.
REDIRECTS: dict[tuple[str, str], tuple[int, str]] = {
    (f"inspektorat.{DOMAIN}", "/pengaduan/"): (
        302,
        "https://www.lapor.go.id/instansi/inspektorat-kota-demokota",
    ),
    # a loop: /arsip/ -> /arsip/index.php -> /arsip/ -> ...
    (f"inspektorat.{DOMAIN}", "/arsip/"): (302, f"https://inspektorat.{DOMAIN}/arsip/index.php"),
    (f"inspektorat.{DOMAIN}", "/arsip/index.php"): (302, f"https://inspektorat.{DOMAIN}/arsip/"),
    (f"simpeg.{DOMAIN}", "/"): (302, f"https://simpeg.{DOMAIN}/login"),
}

#: (host, path) -> extra/overriding response headers. Used for the charset cases: without a charset
#: in Content-Type the reader must find it in the page (a late <meta charset>, a legacy 8-bit label).
HEADER_OVERRIDES: dict[tuple[str, str], dict[str, str]] = {
    (f"diskominfo.{DOMAIN}", "/berita/"): {"Content-Type": "text/html"},
    (f"diskominfo.{DOMAIN}", "/sejarah"): {"Content-Type": "text/html"},
    (f"diskominfo.{DOMAIN}", "/sejarah.html"): {"Content-Type": "text/html"},
    (f"dinkes.{DOMAIN}", "*"): {"X-Powered-By": "PHP/7.4.33", "Server": "Apache/2.4.57 (Debian)"},
    ("satpolpp-demokota.blogspot.com", "*"): {"Server": "GSE"},
}

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "application/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".gz": "application/x-gzip",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
}

NOT_FOUND_HTML = (
    "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body><h1>Not Found</h1>"
    "<p>The requested URL was not found on this server.</p></body></html>"
)

STANDIN_HTML = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{host} (govlens demo stand-in)</title>'
    "</head><body><h1>{host}</h1><p>Stand-in page for <code>https://{host}{path}</code>. The govlens demo never "
    "contacts the real site; this page only shows that the link answers.</p></body></html>"
)


_FORMATS = {
    "pdf": (make_pdf, "application/pdf"),
    "docx": (make_docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": (make_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free right now; used for bpbd, which must refuse connections (nobody listens)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return MEDIA_TYPES.get(suffix, "application/octet-stream")


class DemoServer:
    """The demo web, on one ephemeral port of 127.0.0.1.

    Use ``async with DemoServer() as demo:`` inside an event loop, or plain ``with DemoServer() as demo:``
    from synchronous code (the CLI, which then runs its own ``asyncio.run`` for the crawl): the latter
    runs the server on a private loop in a daemon thread.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, root: Path | None = None) -> None:
        self.host = host
        self._requested_port = port
        self.root = root or SITES_DIR
        self.port = 0
        self.closed_port = 0
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.requests: list[str] = []  # "<area>/<key><path>" in arrival order, for tests and debugging

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{area}/{key}/{tail:.*}", self._handle)
        app.router.add_route("*", "/{tail:.*}", self._index)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self._requested_port)
        await site.start()
        server = site._server  # aiohttp exposes the bound socket only here
        assert server is not None and server.sockets
        self.port = int(server.sockets[0].getsockname()[1])
        self.closed_port = free_port(self.host)
        while self.closed_port == self.port:  # pragma: no cover - vanishingly rare
            self.closed_port = free_port(self.host)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DemoServer:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def __enter__(self) -> DemoServer:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as e:  # report start failures to the caller's thread
                failure.append(e)
                started.set()
                loop.close()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="govlens-demo-server", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._thread = None
            self._loop = None

    # ------------------------------------------------------------------ the map

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def local_prefix(self, host: DemoHost, scheme: str = "https") -> str:
        """Where requests for ``<scheme>://<host>/`` go. Plain http to a demo site goes to a redirector
        that answers 301 to https, as the city's real servers do."""
        if host.area == "closed":
            return f"http://{self.host}:{self.closed_port}/"
        if scheme == "http" and host.area in ("site", "app"):
            return f"{self.base_url}/http/{host.host}/"
        return f"{self.base_url}/{host.area}/{host.key}/"

    def url_map(self) -> list[tuple[str, str]]:
        """(original prefix, local prefix) pairs for every host the demo pages mention, both schemes,
        longest original first so a first-match rewriter picks the most specific prefix."""
        if not self.port:
            raise RuntimeError("DemoServer is not started")
        pairs = [
            (f"{scheme}://{h.host}/", self.local_prefix(h, scheme))
            for h in HOSTS
            for scheme in ("https", "http")
        ]
        return sorted(pairs, key=lambda p: (-len(p[0]), p[0]))

    def map_args(self) -> list[str]:
        """The map as ``ORIGINAL=LOCAL`` strings, the form ``govlens crawl --map`` takes."""
        return [f"{a}={b}" for a, b in self.url_map()]

    def local_url(self, original: str) -> str:
        """Apply the map to one URL (tests; what the crawler does for every request)."""
        for orig, local in self.url_map():
            if original.startswith(orig):
                return local + original[len(orig) :]
        raise KeyError(f"{original} is not covered by the demo map")

    # ------------------------------------------------------------------ serving

    async def _index(self, request: web.Request) -> web.Response:
        lines = [f"{a} -> {b}" for a, b in self.url_map()]
        return web.Response(text="govlens demo server\n\n" + "\n".join(lines) + "\n")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        area = request.match_info["area"]
        key = request.match_info["key"]
        path = "/" + request.match_info["tail"]
        self.requests.append(f"{area}/{key}{path}")
        if area == "http":
            host = HOSTS_BY_NAME.get(key)
            if host is None:
                return web.Response(status=404, text=NOT_FOUND_HTML, content_type="text/html")
            qs = f"?{request.query_string}" if request.query_string else ""
            raise web.HTTPMovedPermanently(location=f"https://{host.host}{path}{qs}")
        demo = self._lookup(area, key)
        if demo is None:
            return web.Response(status=404, text=NOT_FOUND_HTML, content_type="text/html")
        response = self._respond(demo, path, request)
        for scope in ("*", path):
            for name, value in HEADER_OVERRIDES.get((demo.host, scope), {}).items():
                response.headers[name] = value
        return response

    @staticmethod
    def _lookup(area: str, key: str) -> DemoHost | None:
        for h in HOSTS:
            if h.area == area and h.key == key:
                return h
        return None

    def _respond(self, demo: DemoHost, path: str, request: web.Request) -> web.Response:
        redirect = REDIRECTS.get((demo.host, path))
        if redirect is not None:
            status, location = redirect
            return web.Response(status=status, headers={"Location": location})
        if demo.fallback == "dead":
            return web.Response(status=404, text=NOT_FOUND_HTML, content_type="text/html")
        if demo.area == "ext":
            return web.Response(
                text=STANDIN_HTML.format(host=demo.host, path=path), content_type="text/html", charset="utf-8"
            )
        doc = DOCUMENTS.get((demo.host, path))
        if doc is not None:
            maker, ctype = _FORMATS[doc.fmt]
            return web.Response(body=maker(doc.title, doc.lines), headers={"Content-Type": ctype})
        folder = self.root / demo.folder
        found = self._find_file(folder, path, request.query_string)
        if found is not None:
            return web.Response(body=found.read_bytes(), headers={"Content-Type": _content_type(found.name)})
        if path.endswith(".gz"):
            plain = self._find_file(folder, path[:-3], "")
            if plain is not None:
                return web.Response(
                    body=gzip.compress(plain.read_bytes(), mtime=0),
                    headers={"Content-Type": "application/x-gzip"},
                )
        last = path.rsplit("/", 1)[-1]
        if demo.fallback == "spa" and "." not in last:
            shell = folder / "index.html"
            return web.Response(body=shell.read_bytes(), headers={"Content-Type": _content_type(shell.name)})
        if demo.fallback == "soft404" and (folder / "_soft404.html").is_file():
            body = (folder / "_soft404.html").read_bytes()
            return web.Response(body=body, headers={"Content-Type": "text/html; charset=utf-8"})
        page = folder / "_404.html"
        body = page.read_bytes() if page.is_file() else NOT_FOUND_HTML.encode()
        return web.Response(status=404, body=body, headers={"Content-Type": "text/html; charset=utf-8"})

    @staticmethod
    def _find_file(folder: Path, path: str, query: str) -> Path | None:
        """Resolve a URL path to a file the way a typical PHP/static host would.

        ``/x/`` → ``x/index.html``; ``/x`` → ``x``, ``x.html`` or ``x/index.html``; a WordPress-style
        query (``/?p=123``, ``/?page_id=7``) → ``_q/p-123.html``. Names starting with ``_`` are
        internal (templates, query pages) and never served under their own path.
        """
        rel = path.lstrip("/")
        if any(part.startswith("_") or part in ("..", ".") for part in rel.split("/") if part):
            return None
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if pairs and rel in ("", "index.php"):
                k, v = pairs[0]
                candidate = folder / "_q" / f"{k}-{v}.html"
                return candidate if candidate.is_file() else None
        if rel == "" or rel.endswith("/"):
            candidates = [folder / rel / "index.html"]
        else:
            candidates = [folder / rel, folder / f"{rel}.html", folder / rel / "index.html"]
        root = folder.resolve()
        for c in candidates:
            with contextlib.suppress(OSError):
                if c.is_file() and c.resolve().is_relative_to(root):
                    return c
        return None


async def _serve_forever(port: int) -> None:
    async with DemoServer(port=port) as demo:
        print(f"govlens demo server on {demo.base_url}  (bpbd -> closed port {demo.closed_port})")
        for arg in demo.map_args():
            print(f"  --map {arg}")
        print(f"portfolio: {demo_portfolio_path()}", flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    args = ap.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(args.port))


if __name__ == "__main__":
    main()
