"""govlens.crawl against real aiohttp servers on loopback (no traffic leaves 127.0.0.0/8)."""

from __future__ import annotations

import asyncio
import gzip
import io
import itertools
import socket
import time
import zlib
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from rich.console import Console

from govlens.archive import group_sites, read_records, read_site_statuses
from govlens.crawl import CrawlConfig, crawl_portfolio, crawl_site
from govlens.crawl.fetch import classify_exception
from govlens.crawl.progress import RichProgress
from govlens.types import Organisation, Portfolio, ScanStatus
from test_crawl_server import LoopbackServer, html


def cfg(**kw) -> CrawlConfig:
    base = dict(delay=0.0, timeout=3.0, retries=0, backoff=0.05, check_external=False)
    base.update(kw)
    return CrawlConfig(**base)


def pf(*urls: str) -> Portfolio:
    return Portfolio("t", [Organisation(f"s{i}", f"Site {i}", f"s{i}", sites=[u]) for i, u in enumerate(urls)])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def by_url(archive: Path) -> dict[str, list]:
    out: dict[str, list] = {}
    for r in read_records([archive]):
        out.setdefault(r.url, []).append(r)
    return out


# --------------------------------------------------------------------------- crawl basics


def test_budget_depth_scope_documents_and_link_checks(tmp_path: Path) -> None:
    with LoopbackServer() as ext, LoopbackServer() as srv:
        ext.routes.update({"/ok": html("external"), "/nohead": lambda r: web.Response(
            status=405 if r.method == "HEAD" else 200, text="x")})
        u = srv.url
        srv.routes.update({
            "/": html(f'<a href="/a">A</a><a href="/a#top">A again</a><a href="{u}/b">B</a>'
                      '<a href="mailto:x@y.go.id">m</a><a href="tel:1">t</a><a href="javascript:void(0)">j</a>'
                      f'<a href="#">noop</a><a href="/doc/lkjip-2023.pdf">LKjIP</a><a href="/report">R</a>'
                      f'<a href="{ext.url}/ok">ext</a><a href="{ext.url}/nohead">ext2</a><iframe src="/frame"></iframe>'),
            "/a": html('<a href="/a/1">deeper</a>'),
            "/a/1": html('<a href="/a/1/2">deeper</a>'),
            "/a/1/2": html('<a href="/a/1/2/3">too deep</a>'),
            "/b": html("b"),
            "/frame": html("frame"),
            "/doc/lkjip-2023.pdf": (200, b"%PDF-1.4 " + b"x" * 1000, {"Content-Type": "application/pdf"}),
            "/report": (200, b"col1,col2\n1,2\n", {"Content-Type": "text/csv"}),
        })
        summary = crawl_portfolio(pf(u + "/"), tmp_path, cfg(max_depth=2, check_external=True))
    site = summary.sites[0]
    assert site.scan_status == "ok"
    got = set(srv.paths("GET"))
    assert {"/", "/a", "/b", "/frame", "/a/1", "/doc/lkjip-2023.pdf", "/report", "/robots.txt"} <= got
    assert "/a/1/2" not in got  # depth 3 > max_depth 2
    assert srv.paths("GET").count("/a") == 1  # fragment dropped, deduped
    assert site.pages == 5 and site.documents == 2  # the CSV answered non-HTML: a document
    # external links are checked, not crawled: HEAD, GET only as the 405 fallback
    assert ext.paths("HEAD") == ["/ok", "/nohead"] or sorted(ext.paths("HEAD")) == ["/nohead", "/ok"]
    assert ext.paths("GET") == ["/nohead"] and site.link_checks == 2
    recs = by_url(tmp_path / "s0.warc.gz")
    assert recs[u + "/doc/lkjip-2023.pdf"][0].purpose == "document"
    assert recs[u + "/report"][0].purpose == "document"
    assert {r.method for r in recs[ext.url + "/nohead"]} == {"HEAD", "GET"}
    assert all(r.purpose == "linkcheck" for r in recs[ext.url + "/ok"])
    assert recs[u + "/a"][0].via == u + "/" and recs[u + "/a"][0].depth == 1
    probe = [r for r in read_records([tmp_path]) if r.purpose == "probe404"]
    assert len(probe) == 1 and probe[0].status == 404 and "/govlens-probe-" in probe[0].url
    ua = next(h for h in srv.hits if h.path == "/").headers["User-Agent"]
    assert ua.startswith("govlens/") and "audit of public websites" in ua


def test_page_budget_counts_home(tmp_path: Path) -> None:
    with LoopbackServer() as srv:
        srv.routes["/"] = html("".join(f'<a href="/p{i}">{i}</a>' for i in range(20)))
        for i in range(20):
            srv.routes[f"/p{i}"] = html(str(i))
        s = crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg(max_pages=5, probe_404=False, sitemaps=False))
    assert s.sites[0].pages == 5
    assert [p for p in srv.paths() if p.startswith("/p")] == ["/p0", "/p1", "/p2", "/p3"]


def test_robots_disallow_and_crawl_delay(tmp_path: Path) -> None:
    with LoopbackServer() as srv:
        srv.routes.update({
            "/robots.txt": (200, "User-agent: *\nDisallow: /private\nCrawl-delay: 0.3\n", {"Content-Type": "text/plain"}),
            "/": html('<a href="/private/x">p</a><a href="/pub1">1</a><a href="/pub2">2</a>'),
            "/pub1": html("1"), "/pub2": html("2"), "/private/x": html("secret"),
        })
        crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg(delay=0.0, sitemaps=False))
    assert "/private/x" not in srv.paths()
    starts = [h.start for h in srv.hits]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps and min(gaps) >= 0.28  # Crawl-delay 0.3 beats config delay 0
    errs = [r for r in read_records([tmp_path]) if r.error == "robots"]
    assert [r.url for r in errs] == [srv.url + "/private/x"]
    assert next(r for r in read_records([tmp_path]) if r.url.endswith("/robots.txt")).purpose == "robots"


def test_home_disallowed_by_robots(tmp_path: Path) -> None:
    with LoopbackServer({"/robots.txt": (200, "User-agent: govlens\nDisallow: /\n", {"Content-Type": "text/plain"}),
                         "/": html("home")}) as srv:
        s = crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg())
    assert srv.paths() == ["/robots.txt"]
    assert s.sites[0].scan_status == ScanStatus.ROBOTS_DISALLOWED
    (cap,) = group_sites(tmp_path, pf(srv.url + "/"))
    assert cap.scan_status == ScanStatus.ROBOTS_DISALLOWED


def test_politeness_one_request_per_host_and_parallel_hosts(tmp_path: Path) -> None:
    async def slow(_: web.Request) -> web.Response:
        await asyncio.sleep(0.05)
        return web.Response(text="<html><body>" + "isi halaman " * 40 + "</body></html>", content_type="text/html")

    servers = [LoopbackServer() for _ in range(3)]
    for srv in servers:
        srv.routes["/"] = html("".join(f'<a href="/p{i}">{i}</a>' for i in range(4)))
        for i in range(4):
            srv.routes[f"/p{i}"] = slow
    for srv in servers:
        srv.__enter__()
    try:
        t0 = time.monotonic()
        crawl_portfolio(pf(*(s.url + "/" for s in servers)), tmp_path, cfg(delay=0.2, concurrency=3))
        wall = time.monotonic() - t0
    finally:
        for srv in servers:
            srv.__exit__()
    for srv in servers:
        assert srv.max_in_flight == 1
        starts = sorted(h.start for h in srv.hits)
        assert min(b - a for a, b in itertools.pairwise(starts)) >= 0.19
    # 8 requests per site at >= 0.2 s apart: ~1.4 s per site; three in parallel, not 4+ s in series
    assert wall < 3.0


def test_redirects_within_domain_followed_and_away_not(tmp_path: Path) -> None:
    with LoopbackServer() as www, LoopbackServer() as bare:
        bare.routes["/"] = (301, "", {"Location": "https://www.dinas.example.go.id/"})
        www.routes.update({"/": html('<a href="/x">x</a><a href="https://dinas.example.go.id/y">y</a>'),
                           "/x": html("x")})
        bare.routes["/y"] = html("y")
        config = cfg(url_map=[("http://dinas.example.go.id/", bare.url + "/"),
                              ("https://dinas.example.go.id/", bare.url + "/"),
                              ("https://www.dinas.example.go.id/", www.url + "/")])
        s = crawl_portfolio(pf("http://dinas.example.go.id/"), tmp_path, config)
    site = s.sites[0]
    assert site.scan_status == "ok" and site.final_url == "https://www.dinas.example.go.id/"
    assert "/x" in www.paths() and "/y" in bare.paths()  # bare host is the same site (www folded)
    recs = by_url(tmp_path / "s0.warc.gz")
    assert recs["http://dinas.example.go.id/"][0].status == 301
    fetched_from = [r for r in read_records([tmp_path]) if r.url == "https://www.dinas.example.go.id/x"]
    assert fetched_from and fetched_from[0].status == 200


def test_redirects_away_and_loops(tmp_path: Path) -> None:
    with LoopbackServer() as a, LoopbackServer() as b:
        a.routes["/"] = (302, "", {"Location": "https://portal.elsewhere.com/"})  # never contacted: unmapped
        b.routes["/"] = (302, "", {"Location": "/loop"})
        b.routes["/loop"] = (302, "", {"Location": b.url + "/"})
        config = cfg(url_map=[("https://a.example.go.id/", a.url + "/"), ("https://b.example.go.id/", b.url + "/")])
        s = crawl_portfolio(pf("https://a.example.go.id/", "https://b.example.go.id/"), tmp_path, config)
    away, loop = s.sites
    assert away.scan_status == ScanStatus.REDIRECTS_AWAY and away.final_url == "https://portal.elsewhere.com/"
    assert loop.scan_status == ScanStatus.REDIRECT_LOOP
    assert b.paths() == ["/robots.txt", "/", "/loop"]
    caps = group_sites(tmp_path, pf("https://a.example.go.id/", "https://b.example.go.id/"))
    assert [c.scan_status for c in caps] == [ScanStatus.REDIRECTS_AWAY, ScanStatus.REDIRECT_LOOP]


def test_url_map_records_original_url(tmp_path: Path) -> None:
    with LoopbackServer() as srv:
        srv.routes.update({"/": html('<a href="/profil">Profil</a><a href="https://dinkes.cilegon.go.id/kontak">K</a>'),
                           "/profil": html("profil"), "/kontak": html("kontak")})
        config = cfg(url_map=[("https://dinkes.cilegon.go.id/", srv.url + "/")])
        crawl_portfolio(pf("https://dinkes.cilegon.go.id/"), tmp_path, config)
    recs = by_url(tmp_path / "s0.warc.gz")
    assert "https://dinkes.cilegon.go.id/profil" in recs and "https://dinkes.cilegon.go.id/kontak" in recs
    assert not any(url.startswith("http://127.") for url in recs)
    assert srv.hits[0].host == f"127.0.0.1:{srv.port}"  # the mirror saw its own Host
    from warcio.archiveiterator import ArchiveIterator

    with open(tmp_path / "s0.warc.gz", "rb") as fh:
        ff = [r.rec_headers.get_header("WARC-Govlens-Fetched-From") for r in ArchiveIterator(fh)
              if r.rec_type == "response"]
    assert srv.url + "/profil" in ff
    assert {r.purpose for r in read_records([tmp_path])} >= {"robots", "probe404", "sitemap", "page"}


def test_sitemap_index_gzip_seeds_frontier(tmp_path: Path) -> None:
    with LoopbackServer() as srv:
        u = srv.url
        child = (f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 f'<url><loc>{u}/hidden</loc></url><url><loc>https://other.example.com/x</loc></url></urlset>')
        index = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                 f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                 f'<sitemap><loc>{u}/sm-1.xml.gz</loc></sitemap></sitemapindex>')
        srv.routes.update({
            "/robots.txt": (200, f"User-agent: *\nAllow: /\nSitemap: {u}/sm-index.xml\n", {"Content-Type": "text/plain"}),
            "/": html("no links"), "/hidden": html("only in the sitemap"),
            "/sm-index.xml": (200, index, {"Content-Type": "application/xml"}),
            "/sm-1.xml.gz": (200, gzip.compress(child.encode()), {"Content-Type": "application/x-gzip"}),
        })
        crawl_portfolio(pf(u + "/"), tmp_path, cfg())
    assert "/hidden" in srv.paths() and "/sitemap.xml" in srv.paths()
    sm = [r for r in read_records([tmp_path]) if r.purpose == "sitemap"]
    assert {r.url.rsplit("/", 1)[1] for r in sm} == {"sm-index.xml", "sm-1.xml.gz", "sitemap.xml"}


# --------------------------------------------------------------------------- failures


def test_fetch_errors_become_records_and_statuses(tmp_path: Path) -> None:
    calls = {"n": 0}

    async def flaky(_: web.Request) -> web.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return web.Response(status=429, headers={"Retry-After": "1"}, text="slow down")
        return web.Response(text="<html><body>" + "ok " * 100 + "</body></html>", content_type="text/html")

    async def hang(_: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.Response(text="late")

    async def reset(request: web.Request) -> web.Response:
        request.transport.close()
        await asyncio.sleep(0.1)
        return web.Response(text="never")

    big = b"<html><body>" + b"a" * 300_000 + b"</body></html>"
    with LoopbackServer() as srv, LoopbackServer() as e500:
        srv.routes.update({
            "/": html('<a href="/flaky">f</a><a href="/hang">h</a><a href="/reset">r</a><a href="/big">b</a>'),
            "/flaky": flaky, "/hang": hang, "/reset": reset,
            "/big": (200, big, {}),
        })
        e500.routes["/"] = (500, "boom", {})
        refused = f"http://127.0.0.1:{free_port()}/"
        t0 = time.monotonic()
        s = crawl_portfolio(pf(srv.url + "/", e500.url + "/", refused, f"https://127.0.0.1:{srv.port}/"), tmp_path,
                            cfg(timeout=1.0, retries=1, backoff=0.05, max_body=100_000, probe_404=False,
                                sitemaps=False))
        took = time.monotonic() - t0
    ok, err500, conn, tls = s.sites
    assert ok.scan_status == "ok" and err500.scan_status == ScanStatus.HTTP_ERROR
    assert conn.scan_status == ScanStatus.UNREACHABLE and tls.scan_status == ScanStatus.TLS_ERROR
    assert e500.paths().count("/") == 2  # one retry on 5xx
    assert srv.paths().count("/flaky") == 2  # 429 then success, after Retry-After
    hits = [h.start for h in srv.hits if h.path == "/flaky"]
    assert hits[1] - hits[0] >= 0.95
    recs = list(read_records([tmp_path / "s0.warc.gz"]))
    kinds = {r.url.rsplit("/", 1)[1]: r for r in recs}
    assert kinds["hang"].error == "timeout" and kinds["reset"].error == "reset"
    assert kinds["big"].truncated and len(kinds["big"].body) == 100_000
    assert kinds["flaky"].status == 200 and [r.status for r in recs if r.url.endswith("/flaky")] == [429, 200]
    assert took < 10
    assert read_site_statuses([tmp_path])[refused]["scan_status"] == "unreachable"


def test_classify_dns_error() -> None:
    from aiohttp.client_reqrep import ConnectionKey

    key = ConnectionKey("nowhere.invalid", 80, False, True, None, None, None)
    exc = aiohttp.ClientConnectorError(key, socket.gaierror(-2, "Name or service not known"))
    assert classify_exception(exc)[0] == "dns"
    assert classify_exception(TimeoutError())[0] == "timeout"
    assert classify_exception(aiohttp.ServerDisconnectedError())[0] == "reset"


def test_blocked_and_js_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    shell = '<html><head><script src="/bundle.js"></script></head><body><div id="root"></div></body></html>'
    with LoopbackServer() as cf, LoopbackServer() as spa:
        cf.routes["/"] = (503, "<title>Just a moment...</title>", {"Server": "cloudflare", "CF-RAY": "1"})
        cf.routes["/robots.txt"] = (503, "<title>Just a moment...</title>", {"Server": "cloudflare"})
        spa.routes["/"] = (200, shell, {})
        s = crawl_portfolio(pf(cf.url + "/", spa.url + "/"), tmp_path, cfg(render=True))
    assert [x.scan_status for x in s.sites] == [ScanStatus.BLOCKED, ScanStatus.JS_ONLY]
    from govlens.crawl.render import render_unavailable_reason

    if render_unavailable_reason(cfg()):  # no playwright/chromium here: said once, crawl went on
        assert any("rendering requested but unavailable" in m for m in caplog.messages)


def test_progress_events_and_rich_progress(tmp_path: Path) -> None:
    events: list[tuple[str, str]] = []
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=False, width=120)
    with LoopbackServer({"/": html('<a href="/a">a</a>'), "/a": html("a")}) as srv, RichProgress(console=console) as bar:

        def both(event: str, site_id: str, **info) -> None:
            events.append((event, site_id))
            bar(event, site_id, **info)

        crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg(), progress=both)
    names = [e for e, _ in events]
    assert names[0] == "start" and names[-1] == "done" and "site_done" in names and names.count("fetch") >= 4
    assert bar.pages == 2 and "1/1" in buf.getvalue()


async def test_crawl_site_async_api(tmp_path: Path) -> None:
    with LoopbackServer({"/": html("home")}) as srv:
        summary = await crawl_site(srv.url + "/", tmp_path, cfg(), site_id="solo")
    assert summary.site_id == "solo" and summary.pages == 1 and (tmp_path / "solo.warc.gz").exists()


def test_resume_skips_complete_sites(tmp_path: Path) -> None:
    with LoopbackServer({"/": html("home")}) as srv:
        crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg())
        n = len(srv.hits)
        s = crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg())
        assert len(srv.hits) == n and s.sites[0].skipped and s.sites[0].scan_status == "ok"
        s = crawl_portfolio(pf(srv.url + "/"), tmp_path, cfg(resume=False))
        assert len(srv.hits) > n and (tmp_path / "s0.1.warc.gz").exists()


def test_path_prefix_site_scope_and_warcio_check(tmp_path: Path) -> None:
    import subprocess
    import sys

    with LoopbackServer() as srv:
        srv.routes.update({
            "/profil/": html('<a href="/profil/visi">visi</a><a href="/berita">portal news</a>'),
            "/profil/visi": html("visi"), "/berita": html("berita"),
        })
        s = crawl_portfolio(pf(srv.url + "/profil/"), tmp_path, cfg(check_external=True))
    assert s.sites[0].pages == 2 and s.sites[0].link_checks == 1
    assert srv.paths("GET").count("/berita") == 0 and srv.paths("HEAD") == ["/berita"]
    assert any(p.startswith("/profil/govlens-probe-") for p in srv.paths())
    warcio = str(Path(sys.executable).with_name("warcio"))
    subprocess.run([warcio, "check", str(tmp_path / "s0.warc.gz")], check=True, capture_output=True)


def test_map_only_never_contacts_unmapped_hosts(tmp_path: Path) -> None:
    with LoopbackServer() as srv:
        srv.routes["/"] = html('<a href="https://www.instagram.com/dinas">ig</a>')
        config = cfg(url_map=[f"https://dinas.example.go.id/={srv.url}/"], map_only=True, check_external=True)
        s = crawl_portfolio(pf("https://dinas.example.go.id/"), tmp_path, config)
    assert s.sites[0].scan_status == "ok" and s.sites[0].link_checks == 1
    (rec,) = [r for r in read_records([tmp_path]) if r.purpose == "linkcheck"]
    assert rec.error == "other" and "map_only" in rec.headers["x-govlens-detail"]


# --------------------------------------------------------------------------- hostile sites (break tests)


def _gzip_bomb(expanded_mb: int) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b"A" * (1 << 20)
    return c.compress(b"<html><head><title>bomb</title></head><body>") + b"".join(
        c.compress(block) for _ in range(expanded_mb)
    ) + c.flush()


def test_gzip_bomb_is_not_expanded_beyond_the_limit(tmp_path: Path) -> None:
    """A 2 MB gzip body that expands to 2 GB once took 21 GB of memory; decoding is now capped."""
    from govlens.archive.decode import MAX_DECODED

    bomb = _gzip_bomb(100)  # 100 MB of 'A' in ~100 KB: enough to cross the cap, quick to build
    routes = {"/": (200, bomb, {"Content-Type": "text/html", "Content-Encoding": "gzip"})}
    with LoopbackServer(routes) as srv:
        s = asyncio.run(crawl_site(srv.url + "/", tmp_path, cfg(sitemaps=False, probe_404=False)))
    assert s.scan_status == "ok" and s.pages == 1
    home = next(r for r in read_records([tmp_path]) if r.purpose == "page")
    assert len(home.body) == MAX_DECODED and home.body.startswith(b"<html><head><title>bomb")
    caps = group_sites([tmp_path])
    assert caps[0].scan_status == ScanStatus.OK


def test_home_redirecting_to_file_url_is_not_ok(tmp_path: Path) -> None:
    """A home page answering 301 Location: file:///etc/passwd was reported as 'ok' with 0 pages."""
    routes = {
        "/": (301, "", {"Location": "file:///etc/passwd"}),
        "/js/": (302, "", {"Location": "javascript:alert(1)"}),
    }
    with LoopbackServer(routes) as srv:
        a = asyncio.run(crawl_site(srv.url + "/", tmp_path / "a", cfg(sitemaps=False)))
        b = asyncio.run(crawl_site(srv.url + "/js/", tmp_path / "b", cfg(sitemaps=False)))
    assert a.scan_status == ScanStatus.HTTP_ERROR and "file:///etc/passwd" in a.detail
    assert b.scan_status == ScanStatus.HTTP_ERROR and "not a web address" in b.detail
    assert srv.paths().count("/") == 1  # nothing followed


def test_deeply_nested_dom_does_not_stall_the_crawl(tmp_path: Path) -> None:
    """100k nested <div>s made lexbor take ~40 s per parse (several parses per page)."""
    deep = "<div>" * 100_000 + "dalam" + "</div>" * 100_000
    routes = {
        "/": html(deep + '<a href="/profil">Profil</a>'),
        "/profil": html("profil"),
    }
    t0 = time.monotonic()
    with LoopbackServer(routes) as srv:
        s = asyncio.run(crawl_site(srv.url + "/", tmp_path, cfg(sitemaps=False, probe_404=False)))
    assert time.monotonic() - t0 < 30
    assert s.pages == 2 and "/profil" in srv.paths()
