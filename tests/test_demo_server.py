"""The demo server behaves as docs/demo.md promises, and its map keeps every request on 127.0.0.1.

The server runs once per module in its thread mode (``with DemoServer()``), which is also how a
synchronous CLI uses it; requests go through ``local_url`` exactly as the crawler's ``--map`` would.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
import yaml

from govlens.demo.documents import DEAD_DOCUMENTS, DOCUMENTS
from govlens.demo.server import HOSTS, REDIRECTS, DemoServer, demo_portfolio_path, sites_dir

PORTFOLIO_SITES = {
    "www": "https://www.demokota.go.id/",
    "dinkes": "https://dinkes.demokota.go.id/",
    "disdukcapil": "https://disdukcapil.demokota.go.id/",
    "bappeda": "https://bappeda.demokota.go.id/",
    "diskominfo": "https://diskominfo.demokota.go.id/",
    "dpmptsp": "https://dpmptsp.demokota.go.id/",
    "disparbud": "https://disparbud.demokota.go.id/",
    "satpolpp": "https://satpolpp-demokota.blogspot.com/",
    "inspektorat": "https://inspektorat.demokota.go.id/",
}


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


async def fetch(demo: DemoServer, url: str, **kw: object) -> tuple[int, dict[str, str], bytes]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(demo.local_url(url), allow_redirects=False, **kw) as r,  # type: ignore[arg-type]
    ):
        return r.status, dict(r.headers), await r.read()


def test_map_is_loopback_only(demo: DemoServer) -> None:
    pairs = demo.url_map()
    assert pairs, "empty map"
    for original, local in pairs:
        assert original.endswith("/") and local.endswith("/")
        assert urlsplit(local).hostname == "127.0.0.1", (original, local)
        assert urlsplit(original).hostname != "127.0.0.1"
    originals = [o for o, _ in pairs]
    assert len(originals) == len(set(originals))
    # both schemes for every host, so a stray http:// link cannot escape a default-deny crawler
    for h in HOSTS:
        assert f"https://{h.host}/" in originals and f"http://{h.host}/" in originals


@pytest.mark.parametrize("site", sorted(PORTFOLIO_SITES))
async def test_site_home_answers(demo: DemoServer, site: str) -> None:
    status, headers, body = await fetch(demo, PORTFOLIO_SITES[site])
    assert status == 200
    assert headers["Content-Type"].startswith("text/html")
    assert b"<html" in body.lower()


async def test_bpbd_refuses_connections(demo: DemoServer) -> None:
    local = demo.local_url("https://bpbd.demokota.go.id/")
    assert urlsplit(local).port == demo.closed_port != demo.port
    with pytest.raises(aiohttp.ClientConnectorError):
        await fetch(demo, "https://bpbd.demokota.go.id/")


async def test_pdf_without_extension(demo: DemoServer) -> None:
    status, headers, body = await fetch(demo, "https://bappeda.demokota.go.id/unduh/dokumen-7")
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-")


async def test_documents_are_real_pdfs_and_dead_ones_404(demo: DemoServer) -> None:
    import io

    import pypdf

    host, path = next(iter(DOCUMENTS))
    status, _, body = await fetch(demo, f"https://{host}{path}")
    assert status == 200
    text = pypdf.PdfReader(io.BytesIO(body), strict=True).pages[0].extract_text()
    assert DOCUMENTS[(host, path)].title in text
    for host, path in DEAD_DOCUMENTS:
        status, _, _ = await fetch(demo, f"https://{host}{path}")
        assert status == 404, path


async def test_redirect_loop_loops(demo: DemoServer) -> None:
    url = "https://inspektorat.demokota.go.id/arsip/"
    seen = [url]
    for _ in range(4):
        status, headers, _ = await fetch(demo, url)
        assert status in (301, 302)
        url = headers["Location"]
        seen.append(url)
    assert len(set(seen)) == 2, seen


async def test_http_redirects_to_https_and_pengaduan_to_lapor(demo: DemoServer) -> None:
    status, headers, _ = await fetch(demo, "http://inspektorat.demokota.go.id/")
    assert status == 301 and headers["Location"] == "https://inspektorat.demokota.go.id/"
    status, headers, _ = await fetch(demo, "https://inspektorat.demokota.go.id/pengaduan/")
    assert status == 302 and urlsplit(headers["Location"]).hostname == "www.lapor.go.id"
    status, _, body = await fetch(demo, headers["Location"])
    assert status == 200 and b"stand-in" in body


async def test_dead_service_links_answer_404(demo: DemoServer) -> None:
    for url in ("https://eretribusi.demokota.go.id/", "https://sicantik.dpmptsp.demokota.go.id/"):
        status, _, _ = await fetch(demo, url)
        assert status == 404, url


async def test_soft_404_and_login_only_app(demo: DemoServer) -> None:
    status, _, body = await fetch(demo, "https://dpmptsp.demokota.go.id/layanan/izin-reklame/")
    assert status == 200 and b"Halaman tidak ditemukan" in body
    status, _, body = await fetch(demo, "https://dpmptsp.demokota.go.id/govlens-probe-8c1f0e")
    assert status == 200 and b"tidak ditemukan" in body  # a 404 probe is answered 200 too
    status, _, body = await fetch(demo, "https://dinkes.demokota.go.id/govlens-probe-8c1f0e")
    assert status == 404
    status, headers, _ = await fetch(demo, "https://simpeg.demokota.go.id/")
    assert status == 302 and headers["Location"].endswith("/login")
    status, _, body = await fetch(demo, "https://simpeg.demokota.go.id/login")
    assert status == 200 and b'type="password"' in body


async def test_js_only_shell(demo: DemoServer) -> None:
    for path in ("", "profil", "event/festival-budaya-2023"):
        status, _, body = await fetch(demo, f"https://disparbud.demokota.go.id/{path}")
        assert status == 200
        assert b'<div id="app"></div>' in body and b"Kepala Dinas" not in body
    status, headers, body = await fetch(demo, "https://disparbud.demokota.go.id/assets/js/app.3f9a1c.js")
    assert status == 200 and "javascript" in headers["Content-Type"] and b"Kepala Dinas" in body


async def test_robots_crawl_delay_is_small(demo: DemoServer) -> None:
    status, _, body = await fetch(demo, "https://satpolpp-demokota.blogspot.com/robots.txt")
    assert status == 200
    text = body.decode()
    assert "Disallow: /admin/" in text
    delays = [float(m) for m in re.findall(r"(?im)^crawl-delay:\s*([\d.]+)", text)]
    assert delays and all(0 < d <= 0.2 for d in delays)
    for robots in sites_dir().glob("*/robots.txt"):
        for m in re.findall(r"(?im)^crawl-delay:\s*([\d.]+)", robots.read_text()):
            assert float(m) <= 0.2, robots


async def test_gzipped_sitemap(demo: DemoServer) -> None:
    status, _, body = await fetch(demo, "https://inspektorat.demokota.go.id/sitemap.xml")
    assert status == 200 and b"sitemap-pages.xml.gz" in body
    status, headers, body = await fetch(demo, "https://inspektorat.demokota.go.id/sitemap-pages.xml.gz")
    assert status == 200 and headers["Content-Type"] == "application/x-gzip"
    assert b"<urlset" in gzip.decompress(body)


async def test_wordpress_permalinks(demo: DemoServer) -> None:
    status, _, body = await fetch(demo, "https://dinkes.demokota.go.id/?p=123")
    assert status == 200 and b"postid-123" in body
    status, _, _ = await fetch(demo, "https://dinkes.demokota.go.id/?p=999")
    assert status == 404


def _cf_decode(hex_string: str) -> str:
    key = int(hex_string[:2], 16)
    return "".join(chr(int(hex_string[i : i + 2], 16) ^ key) for i in range(2, len(hex_string), 2))


async def test_cloudflare_email_decodes(demo: DemoServer) -> None:
    _, _, body = await fetch(demo, "https://diskominfo.demokota.go.id/profil/")
    html = body.decode()
    encoded = re.findall(r'data-cfemail="([0-9a-f]+)"', html)
    hrefs = re.findall(r'href="/cdn-cgi/l/email-protection#([0-9a-f]+)"', html)
    assert encoded and encoded == hrefs
    assert _cf_decode(encoded[0]) == "kadis.kominfo@demokota.go.id"
    assert "kadis.kominfo@" not in html  # only the encoded form is on the page


async def test_charset_cases(demo: DemoServer) -> None:
    status, headers, body = await fetch(demo, "https://diskominfo.demokota.go.id/sejarah")
    assert status == 200 and headers["Content-Type"] == "text/html"  # no charset in the header
    assert b"charset=iso-8859-1" in body
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "Université" in body.decode("cp1252") and "“" in body.decode("cp1252")
    status, headers, body = await fetch(demo, "https://diskominfo.demokota.go.id/berita/")
    assert headers["Content-Type"] == "text/html"
    assert body.find(b"<meta charset") > 1024  # beyond the HTML prescan window
    assert "–" in body.decode("utf-8")


async def test_async_context_manager() -> None:
    async with DemoServer() as server:
        assert server.port
        async with (
            aiohttp.ClientSession() as session,
            session.get(server.local_url("https://www.demokota.go.id/robots.txt")) as r,
        ):
            assert r.status == 200 and "Sitemap:" in await r.text()
    with pytest.raises(RuntimeError):
        DemoServer().url_map()


# --------------------------------------------------------------------------- default-deny coverage

_ABS = re.compile(r"""https?://([A-Za-z0-9.-]+)""")
_PROTO_REL = re.compile(r"""(?:href|src|action)\s*=\s*["']//([A-Za-z0-9.-]+)""", re.I)


def _bundled_text_files() -> list[Path]:
    return [
        p
        for p in sites_dir().rglob("*")
        if p.is_file() and p.suffix in {".html", ".js", ".xml", ".txt", ".css", ".svg"}
    ]


def test_every_linked_host_is_mapped(demo: DemoServer) -> None:
    """Walk every bundled file (pages, scripts, sitemaps, robots) and every URL in the server's own
    tables and the portfolio: each absolute host must be in the map, so nothing leaves 127.0.0.1."""
    mapped = {urlsplit(o).hostname for o, _ in demo.url_map()}
    found: dict[str, str] = {}
    files = _bundled_text_files()
    assert len(files) > 50
    for path in files:
        text = path.read_bytes().decode("latin-1")
        for host in _ABS.findall(text) + _PROTO_REL.findall(text):
            found.setdefault(host.lower().rstrip("."), str(path.relative_to(sites_dir())))
    for (host, _), (_, location) in REDIRECTS.items():
        found.setdefault(host, "REDIRECTS")
        found.setdefault(urlsplit(location).hostname or "", "REDIRECTS")
    for host, _ in DOCUMENTS:
        found.setdefault(host, "DOCUMENTS")
    data = yaml.safe_load(demo_portfolio_path().read_text(encoding="utf-8"))
    for org in data["organisations"]:
        for url in [
            *org.get("sites", []),
            *org.get("services", []),
            *[v for v in org["channels"].values() if isinstance(v, str)],
        ]:
            found.setdefault(urlsplit(url).hostname or "", f"portfolio:{org['id']}")
    missing = {h: where for h, where in found.items() if h not in mapped}
    assert not missing, f"hosts linked but not mapped (would leave 127.0.0.1): {missing}"
