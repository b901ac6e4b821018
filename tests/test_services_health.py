"""Service health on loopback servers: every state, from a real crawl of a small portal whose
"Layanan Online" menu lists one service per way a service link fails (docs/services.md).

Nothing leaves 127.0.0.1: the portal's original addresses are mapped to a loopback server
(``map_only``), a dead host to a port nobody listens on, a TLS host to ``https://`` on a plain HTTP
port, a slow host to a handler that sleeps past the crawl's timeout. A DNS failure cannot be
produced without a resolver, so that state is classified from a recorded fetch error.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from aiohttp import web

from govlens.archive import group_sites
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.extract import extract_site
from govlens.services import load_providers, site_services
from govlens.services.health import HealthContext, classify, is_login_url
from govlens.types import LinkCheck, Organisation, Portfolio, Service, ServiceHealth
from test_crawl_server import LoopbackServer, html

PORTAL = "https://www.kota.go.id/"
CHALLENGE = "<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
LOGIN = (
    "<html><head><title>Login</title></head><body><form method='post' action='/login'>"
    "<input name='nip'><input type='password' name='pw'><button>Masuk</button></form></body></html>"
)

MENU = """
<nav class="menu"><a href="/">Beranda</a> <a href="/layanan-online/">Layanan Online</a></nav>
"""
SERVICES = """
<h1>Layanan Online</h1>
<ul>
  <li><a href="/izin">Perizinan Usaha</a></li>
  <li><a href="/hilang">Izin Keramaian</a></li>
  <li><a href="/rusak">Antrian Online</a></li>
  <li><a href="/soft">Izin Reklame</a></li>
  <li><a href="#">Pengaduan</a></li>
  <li><a href="javascript:void(0)">Tracking Izin</a></li>
  <li><a href="/loop-a">Arsip Layanan</a></li>
  <li><a href="/pengaduan/">Pengaduan SP4N-LAPOR!</a></li>
  <li><a href="https://mati.kota.go.id/">Aplikasi Mati</a></li>
  <li><a href="https://tls.kota.go.id/">Aplikasi TLS</a></li>
  <li><a href="https://lambat.kota.go.id/">Aplikasi Lambat</a></li>
  <li><a href="/dilindungi">Cek Bansos</a></li>
  <li><a href="/pegawai">Layanan Kepegawaian</a></li>
  <li><a href="/rahasia">Sistem Internal</a></li>
  <li><a href="https://www.bmkg.go.id/cuaca/">Prakiraan Cuaca</a></li>
  <li><a href="https://www.pln.co.id/pelanggan">Tagihan Listrik</a></li>
  <li><a href="https://dinkes.kota.go.id/layanan/vaksin">Daftar Vaksin</a></li>
  <li><a href="https://wa.me/6281234567890">Legalisir via WhatsApp</a></li>
</ul>
"""

EXPECTED = {
    "Perizinan Usaha": ServiceHealth.WORKS,
    "Izin Keramaian": ServiceHealth.HTTP_ERROR,
    "Antrian Online": ServiceHealth.HTTP_ERROR,
    "Izin Reklame": ServiceHealth.SOFT_404,
    "Pengaduan": ServiceHealth.NOOP,
    "Tracking Izin": ServiceHealth.NOOP,
    "Arsip Layanan": ServiceHealth.REDIRECT_LOOP,
    "Pengaduan SP4N-LAPOR!": ServiceHealth.REDIRECT_AWAY,
    "Aplikasi Mati": ServiceHealth.UNREACHABLE,
    "Aplikasi TLS": ServiceHealth.TLS_ERROR,
    "Aplikasi Lambat": ServiceHealth.TIMEOUT,
    "Cek Bansos": ServiceHealth.BLOCKED,
    "Layanan Kepegawaian": ServiceHealth.LOGIN_REQUIRED,
    "Sistem Internal": ServiceHealth.LOGIN_REQUIRED,
    "Prakiraan Cuaca": ServiceHealth.WORKS,
    "Tagihan Listrik": ServiceHealth.WORKS,
    "Daftar Vaksin": ServiceHealth.WORKS,
    "Legalisir via WhatsApp": ServiceHealth.WORKS,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _slow(request: web.Request) -> web.Response:
    await asyncio.sleep(3)
    return web.Response(text="late")


def _routes() -> dict[str, object]:
    form = "<form action='/izin/kirim' method='post'><input name='nama'><textarea name='uraian'></textarea></form>"
    return {
        "/p/": html(MENU + "<p>Portal resmi Kota.</p>", "Beranda | Kota"),
        "/p/robots.txt": (200, "User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}),
        "/p/layanan-online/": html(MENU + SERVICES, "Layanan Online | Kota"),
        "/p/izin": html(MENU + "<h1>Perizinan Usaha</h1>" + form, "Perizinan Usaha | Kota"),
        "/p/rusak": (500, "<html><body>Internal Server Error</body></html>", {}),
        "/p/soft": html(MENU + "<h1>Halaman tidak ditemukan</h1>", "Halaman Tidak Ditemukan | Kota"),
        "/p/loop-a": (302, "", {"Location": "https://www.kota.go.id/loop-b"}),
        "/p/loop-b": (302, "", {"Location": "https://www.kota.go.id/loop-a"}),
        "/p/pengaduan/": (302, "", {"Location": "https://www.lapor.go.id/instansi/kota"}),
        "/p/dilindungi": (403, CHALLENGE, {"Server": "cloudflare", "cf-ray": "1"}),
        "/p/pegawai": (302, "", {"Location": "https://www.kota.go.id/login"}),
        "/p/login": (200, LOGIN, {}),
        "/p/rahasia": (401, "<html><body>Unauthorized</body></html>", {"WWW-Authenticate": "Basic"}),
        "/ext/": html("<p>luar</p>", "Situs luar"),
        "/slow/": _slow,
    }


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Service], Portfolio]:
    out = tmp_path_factory.mktemp("svc-health")
    routes = _routes()
    with LoopbackServer(routes) as srv:
        # every unknown /ext/ path answers 200: the outside stand-ins
        base = srv.url
        for path in (
            "/ext/cuaca/",
            "/ext/pelanggan",
            "/ext/instansi/kota",
            "/ext/layanan/vaksin",
            "/ext/628",
        ):
            routes[path] = html("<p>luar</p>", "Situs luar")
        routes["/ext/6281234567890"] = html("<p>WhatsApp</p>", "WhatsApp")
        url_map = [
            (PORTAL, f"{base}/p/"),
            ("https://www.lapor.go.id/", f"{base}/ext/"),
            ("https://www.bmkg.go.id/", f"{base}/ext/"),
            ("https://www.pln.co.id/", f"{base}/ext/"),
            ("https://dinkes.kota.go.id/", f"{base}/ext/"),
            ("https://wa.me/", f"{base}/ext/"),
            ("https://mati.kota.go.id/", f"http://127.0.0.1:{_free_port()}/"),
            ("https://tls.kota.go.id/", f"https://127.0.0.1:{srv.port}/"),
            ("https://lambat.kota.go.id/", f"{base}/slow/"),
        ]
        portfolio = Portfolio(
            name="Kota",
            main_portal="www",
            organisations=[
                Organisation(id="www", name="Pemerintah Kota", short="Pemkot", kind="main", sites=[PORTAL]),
                Organisation(
                    id="dinkes", name="Dinas Kesehatan", short="Dinkes", sites=["https://dinkes.kota.go.id/"]
                ),
            ],
        )
        cfg = CrawlConfig(
            url_map=url_map, map_only=True, delay=0.0, retries=0, timeout=1.0, sitemaps=False, max_depth=2
        )
        www_only = Portfolio(name="Kota", organisations=portfolio.organisations[:1])
        crawl_portfolio(www_only, out, cfg)
    captures = group_sites(sorted(out.glob("*.warc.gz")), www_only)
    cap = next(c for c in captures if c.site_id == "www")
    facts = extract_site(cap)
    return site_services(
        facts, portfolio, load_providers(), records=cap.records, probe=cap.probe_404
    ), portfolio


def test_every_health_state_on_a_crawled_menu(crawled: tuple[list[Service], Portfolio]) -> None:
    services, _ = crawled
    got = {s.name: s.health for s in services}
    wrong = {n: (got.get(n), str(h)) for n, h in EXPECTED.items() if got.get(n) != h}
    assert not wrong, wrong
    by = {s.name: s for s in services}
    assert by["Izin Keramaian"].health_detail == "HTTP 404"
    assert by["Antrian Online"].health_detail == "HTTP 500"
    assert "lapor.go.id" in by["Pengaduan SP4N-LAPOR!"].health_detail
    assert "href=#" in by["Pengaduan"].health_detail
    assert "javascript:void(0)" in by["Tracking Izin"].health_detail
    # evidence: every fetched service names the WARC record that settled its health
    assert all(s.record_id.startswith("<urn:uuid:") for s in services if s.url)


def test_dead_is_told_apart_from_could_not_judge(crawled: tuple[list[Service], Portfolio]) -> None:
    services, _ = crawled
    groups = {s.name: ServiceHealth(s.health).group for s in services}
    assert {n for n, g in groups.items() if g == "unknown"} == {
        "Aplikasi Lambat", "Cek Bansos", "Layanan Kepegawaian", "Sistem Internal",
    }  # fmt: skip
    assert groups["Aplikasi Mati"] == groups["Aplikasi TLS"] == groups["Izin Reklame"] == "broken"


def test_providers_kinds_and_menu_path(crawled: tuple[list[Service], Portfolio]) -> None:
    services, _ = crawled
    by = {s.name: s for s in services}
    assert (by["Prakiraan Cuaca"].provider_kind, by["Prakiraan Cuaca"].provider) == ("outside", "BMKG")
    assert (by["Tagihan Listrik"].provider_kind, by["Tagihan Listrik"].provider) == ("outside", "PLN")
    assert by["Pengaduan SP4N-LAPOR!"].provider.startswith("SP4N-LAPOR!")  # provider of where it ends
    assert by["Pengaduan SP4N-LAPOR!"].kind == "platform"
    assert (by["Daftar Vaksin"].provider_kind, by["Daftar Vaksin"].provider_org) == ("portfolio", "dinkes")
    assert by["Perizinan Usaha"].provider_kind == "own" and by["Perizinan Usaha"].kind == "form"
    assert by["Legalisir via WhatsApp"].kind == "chat" and by["Legalisir via WhatsApp"].provider_kind == "own"
    assert by["Aplikasi Mati"].kind == "application"  # a subdomain of the portal's own domain
    assert by["Layanan Kepegawaian"].kind == "application"
    for s in services:
        assert s.menu_path == ["Layanan Online", s.name], s
        assert s.found_on == "https://www.kota.go.id/layanan-online/"
    # the menu item itself is a step of the path, not a service
    assert "Layanan Online" not in by


def test_dns_failure_from_a_recorded_fetch_error() -> None:
    ctx = HealthContext(
        checks={"https://gone.kota.go.id/": LinkCheck("https://gone.kota.go.id/", None, error="dns")},
        pages={},
        final_records={},
    )
    h = classify("https://gone.kota.go.id/", ctx)
    assert h.health is ServiceHealth.DNS and h.health.group == "broken"
    robots = HealthContext(
        checks={"https://x.go.id/a": LinkCheck("https://x.go.id/a", None, error="robots")},
        pages={},
        final_records={},
    )
    assert classify("https://x.go.id/a", robots).health is ServiceHealth.NOT_CHECKED
    assert classify("https://never.go.id/", robots).health is ServiceHealth.NOT_CHECKED


def test_login_urls() -> None:
    assert is_login_url("https://simpeg.kota.go.id/login")
    assert is_login_url("https://x.go.id/wp-login.php?redirect_to=/")
    assert is_login_url("https://x.go.id/auth/masuk")
    assert not is_login_url("https://x.go.id/berita/login-baru-aplikasi-2023.html")
    assert not is_login_url("https://x.go.id/layanan/")


def test_provider_map_override(tmp_path: Path) -> None:
    extra = tmp_path / "providers.yaml"
    extra.write_text(
        "providers:\n"
        "  - {id: bmkg, name: BMKG Banten, domains: [bmkg.go.id], service_kind: information}\n"
        "  - {id: samsat-banten, name: Samsat Banten, domains: [samsat.bantenprov.go.id]}\n",
        encoding="utf-8",
    )
    pm = load_providers(extra)
    assert pm.outside("https://www.bmkg.go.id/x").name == "BMKG Banten"  # type: ignore[union-attr]
    assert pm.outside("https://e.samsat.bantenprov.go.id/").id == "samsat-banten"  # type: ignore[union-attr]
    assert pm.outside("https://www.lapor.go.id/").id == "lapor"  # type: ignore[union-attr]  # shipped ones stay
    assert pm.outside("https://notlapor.go.id/") is None
    assert pm.is_menu_text("Layanan Online") and not pm.is_menu_text("Pengaduan")
