"""Shared set-up for the dashboard tests: a real audit made by the real pipeline from a WARC we
write here (one page of it hostile), stored in a SQLite file, served by a real uvicorn on an
ephemeral port of 127.0.0.1. Also holds the unit tests of the small security helpers.
"""

from __future__ import annotations

import io
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from govlens.demo.pdf import make_pdf

pytest.importorskip("fastapi")
pytest.importorskip("argon2")
httpx = pytest.importorskip("httpx2")

import uvicorn  # noqa: E402
from warcio.statusandheaders import StatusAndHeaders  # noqa: E402
from warcio.warcwriter import WARCWriter  # noqa: E402

from govlens.assess import load_framework  # noqa: E402
from govlens.pipeline import assess_archives  # noqa: E402
from govlens.store import Store  # noqa: E402
from govlens.types import Evidence  # noqa: E402
from govlens.web import create_app  # noqa: E402
from govlens.web.security import LoginLimiter, safe_next  # noqa: E402
from govlens.web.users import UserStore  # noqa: E402

PASSWORD = "correct horse battery"
HOSTILE_SNIPPET = "<script>alert('xss-snippet')</script><img src=x onerror=alert(1)> Peraturan Daerah"
HOSTILE_URL = "javascript:alert('xss-url')"
HOSTILE_DETECTOR = "<b onmouseover=alert(1)>detector</b>"

# The captured page that tries everything: set its own title and window.name, rewrite the parent,
# call home with fetch/XHR/an image/a beacon, pop a dialog. None of it may happen in the dashboard.
HOSTILE_PAGE = b"""<!DOCTYPE html><html><head><title>Halaman berbahaya</title>
<script>document.title='pwned'; window.name='pwned';
try { parent.document.body.innerHTML='pwned'; } catch (e) {}
try { top.document.title='pwned'; } catch (e) {}
fetch('/api/pwned-fetch', {credentials: 'include'});
var x = new XMLHttpRequest(); x.open('GET', '/api/pwned-xhr'); x.send();
navigator.sendBeacon && navigator.sendBeacon('/api/pwned-beacon');
alert('pwned'); console.log('pwned');</script>
</head><body onload="fetch('/api/pwned-onload')"><h1>Pengumuman</h1>
<p>Berita dan pengumuman Dinas. Peraturan Daerah Nomor 1 Tahun 2022.</p>
<img src="/api/pwned-img" alt="">
<iframe src="/api/pwned-iframe"></iframe>
<form action="/logout" method="post"><button id="b">x</button></form>
<script src="/api/pwned-script.js"></script>
</body></html>"""

HOME = """<!DOCTYPE html><html lang="id"><head><title>Beranda | Pemerintah Kota Contoh</title></head><body>
<nav><a href="/">Beranda</a> <a href="/profil/">Profil</a> <a href="/berita/">Berita</a> <a href="/pengumuman/">Pengumuman</a>
<a href="/layanan/">Layanan</a> <a href="#">Menu</a></nav>
<main><h1>Portal Resmi Pemerintah Kota Contoh</h1>
<article><h2>Wali Kota Resmikan Mal Pelayanan Publik</h2><p>12/10/2022 Pemerintah Kota Contoh meresmikan mal pelayanan publik.</p></article>
<article><h2>Pengumuman Seleksi</h2><p>03/11/2022 Pengumuman hasil seleksi administrasi.</p></article>
<p>Produk hukum: <a href="/jdih/perda-1-2022.pdf">Peraturan Daerah Nomor 1 Tahun 2022</a></p>
</main>
<footer>Jl. Jenderal Sudirman No. 1, Kota Contoh. Telepon (0254) 391234, Faks (0254) 391235.
Email: humas[at]contoh[dot]go[dot]id
<a href="https://www.facebook.com/pemkotcontoh">Facebook</a> <a href="https://www.instagram.com/pemkotcontoh">Instagram</a></footer>
</body></html>"""

PROFILE = """<!DOCTYPE html><html lang="id"><head><title>Profil</title></head><body><h1>Profil</h1>
<p>Visi dan Misi. Struktur Organisasi. Kepala Dinas: Drs. Ahmad Fauzi, M.Si.</p></body></html>"""


@dataclass
class WebEnv:
    base: str
    db_url: str
    run_dir: Path
    audit_id: int
    hostile_record: str  # WARC-Record-ID of the hostile page
    svg_record: str
    pdf_record: str
    site_id: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path) seen by the server
    server: Any = None
    thread: threading.Thread | None = None

    def client(self) -> Any:
        return httpx.Client(base_url=self.base, follow_redirects=False, timeout=30)

    def login(self, username: str, password: str = PASSWORD) -> Any:
        c = self.client()
        tok = csrf_of(c.get("/login").text)
        r = c.post("/login", data={"username": username, "password": password, "csrf": tok, "next": "/"})
        assert r.status_code == 303, r.text
        return c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def _response(writer: WARCWriter, url: str, body: bytes, ctype: str, status: str = "200 OK") -> str:
    http = StatusAndHeaders(
        status, [("Content-Type", ctype), ("Content-Length", str(len(body)))], protocol="HTTP/1.1"
    )
    rec = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http)
    writer.write_record(rec)
    return rec.rec_headers.get_header("WARC-Record-ID")


def write_warc(path: Path) -> dict[str, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    ids: dict[str, str] = {}
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True, warc_version="WARC/1.1")
        w.write_record(w.create_warcinfo_record(path.name, {"software": "test", "site-id": "www"}))
        base = "https://www.contoh.go.id"
        ids["home"] = _response(w, base + "/", HOME.encode(), "text/html; charset=utf-8")
        ids["profil"] = _response(w, base + "/profil/", PROFILE.encode(), "text/html; charset=utf-8")
        ids["hostile"] = _response(w, base + "/pengumuman/", HOSTILE_PAGE, "text/html")
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert("svg")</script></svg>'
        ids["svg"] = _response(w, base + "/logo.svg", svg, "image/svg+xml")
        ids["pdf"] = _response(
            w,
            base + "/jdih/perda-1-2022.pdf",
            make_pdf("Peraturan Daerah Nomor 1 Tahun 2022", ["tentang Pajak Daerah"]),
            "application/pdf",
        )
    return ids


class _Recorder:
    """ASGI wrapper that notes every request the server receives (to prove a frame sent none)."""

    def __init__(self, app: Any, log: list[tuple[str, str]]) -> None:
        self.app, self.log = app, log

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.log.append((scope["method"], scope["path"]))
        await self.app(scope, receive, send)


def build_test_audit(run: Path, db_url: str | None = None) -> tuple[str, int, dict[str, str], str]:
    """The test audit: assessed by the real pipeline from our WARC, hostile evidence added, stored
    in a new SQLite file or in the empty database ``db_url`` (PostgreSQL)."""
    ids = write_warc(run / "archive" / "www.warc.gz")
    fw = load_framework("nath-2019")
    audit, pages = assess_archives([run / "archive" / "www.warc.gz"], None, fw, label="test")
    site = audit.sites[0]
    site.organisation = "Pemerintah Kota <b>Contoh</b>"  # hostile-looking but plain text
    # a hostile evidence item on E1 (laws), pointing at the hostile page's record
    site.verdicts["E1"].evidence.insert(
        0, Evidence(url=HOSTILE_URL, warc_record_id=ids["hostile"], snippet=HOSTILE_SNIPPET,
                    detector=HOSTILE_DETECTOR, warc_file="www.warc.gz", detail="<i>detail</i>"),
    )  # fmt: skip
    site.verdicts["K3"].evidence.append(
        Evidence(url="https://www.contoh.go.id/logo.svg", warc_record_id=ids["svg"], snippet="logo",
                 detector="test", warc_file="www.warc.gz"),
    )  # fmt: skip
    db_url = db_url or f"sqlite:///{run / 'govlens.db'}"
    store = Store(db_url)
    audit_id = store.save_audit(audit, fw)
    for sid, rows in pages.items():
        store.save_pages(audit_id, sid, rows)
    users = UserStore(store.engine)
    users.add("vera", PASSWORD, "viewer")
    users.add("ana", PASSWORD, "reviewer")
    users.add("budi", PASSWORD, "reviewer")
    users.add("root", PASSWORD, "admin")
    store.close()
    return db_url, audit_id, ids, site.site_id


def start_env(
    tmp: Path, db_url: str | None = None, archive_dir: Path | None = None, *, build_url: str | None = None
) -> WebEnv:
    """Serve the test audit (built into ``build_url``, else a new SQLite file; or, given ``db_url``,
    an existing database) on 127.0.0.1:<free port>."""
    run = tmp / "run"
    if db_url is None:
        db_url, audit_id, ids, site_id = build_test_audit(run, build_url)
        archive_dir = run / "archive"
    else:
        audit_id, ids, site_id = Store(db_url).latest_audit_id() or 0, {}, ""
    env = WebEnv(
        "", db_url, run, audit_id, ids.get("hostile", ""), ids.get("svg", ""), ids.get("pdf", ""), site_id
    )
    app = create_app(db_url, [archive_dir] if archive_dir else [], secret="test-secret-not-for-production")
    config = uvicorn.Config(
        _Recorder(app, env.requests), host="127.0.0.1", port=0, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    env.base, env.server, env.thread = f"http://127.0.0.1:{port}", server, thread
    return env


def stop_env(env: WebEnv) -> None:
    env.server.should_exit = True
    if env.thread is not None:
        env.thread.join(timeout=10)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def web_env(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebEnv]:
    """The dashboard over the test audit, once on SQLite and once on PostgreSQL (same models)."""
    build_url, drop = None, None
    if request.param == "postgresql":
        from conftest_pg import _fresh_pg_database

        build_url, drop = _fresh_pg_database(request.getfixturevalue("pg_base_url"))
    env = start_env(tmp_path_factory.mktemp("web"), build_url=build_url)
    try:
        yield env
    finally:
        stop_env(env)
        if drop is not None:
            drop()


# --------------------------------------------------------------------------- unit tests of helpers


def test_safe_next_stays_on_this_site() -> None:
    assert safe_next("/sites/x?audit=1#c-K1") == "/sites/x?audit=1#c-K1"
    for bad in ("//evil.example/", "https://evil.example/", "javascript:alert(1)", "/\\evil", "", None):
        assert safe_next(bad) == "/"


def test_login_limiter_backs_off_per_username() -> None:
    lim = LoginLimiter(free=3, cap=60)
    for _ in range(2):
        lim.failed("ana", now=100.0)
    assert lim.wait("ana", now=100.0) == 0  # still free attempts
    lim.failed("ana", now=100.0)
    assert lim.wait("ana", now=100.0) == pytest.approx(1.0)
    lim.failed("ANA", now=101.0)  # case-insensitive: the same account
    assert lim.wait("ana", now=101.0) == pytest.approx(2.0)
    assert lim.wait("budi", now=101.0) == 0  # other users are not affected
    for _ in range(20):
        lim.failed("ana", now=101.0)
    assert lim.wait("ana", now=101.0) == pytest.approx(60.0)  # capped
    lim.succeeded("ana")
    assert lim.wait("ana", now=101.0) == 0
