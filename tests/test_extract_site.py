"""extract_site: which records become pages, link health, documents known from fetched targets."""

from __future__ import annotations

from govlens.extract import extract_site
from govlens.types import ArchivedRecord, LinkKind, SiteCapture

SITE = "https://dinas.kota.go.id/"
_n = 0


def rec(
    url: str,
    body: bytes = b"",
    status: int | None = 200,
    ct: str = "text/html",
    purpose: str = "page",
    date: str = "2026-01-01T00:00:00Z",
    **kw: object,
) -> ArchivedRecord:
    global _n
    _n += 1
    return ArchivedRecord(
        url=url,
        record_id=f"<urn:uuid:{_n}>",
        warc_file="s.warc.gz",
        offset=_n * 100,
        date=date,
        record_type=kw.pop("record_type", "response"),
        status=status,  # type: ignore[arg-type]
        headers={"content-type": ct} if ct else {},
        content_type=ct,
        body=body,
        purpose=purpose,
        **kw,  # type: ignore[arg-type]
    )


HOME = b"""<html><head><title>Dinas</title></head><body>
<a href="/unduh/dokumen-2">Renstra 2021-2026</a>
<a href="/unduh/dokumen-3">Perjanjian Kinerja</a>
<a href="/laporan.pdf">LKjIP 2023</a>
<a href="/lama">Halaman lama</a>
<a href="/putus">Putus</a>
<a href="/profil">Profil</a>
</body></html>"""


def capture() -> SiteCapture:
    records = [
        rec(SITE + "robots.txt", b"User-agent: *", ct="text/plain", purpose="robots"),
        rec(SITE, HOME, date="2026-01-01T00:00:00Z"),
        rec(SITE, HOME.replace(b"Dinas</title>", b"Dinas Baru</title>"), date="2026-01-02T00:00:00Z"),
        rec(
            SITE + "govlens-probe-404-abc", b"<html><title>404</title></html>", status=404, purpose="probe404"
        ),
        rec(SITE + "unduh/dokumen-2", b"%PDF-1.5\n...", ct="application/octet-stream", purpose="linkcheck"),
        rec(
            SITE + "unduh/dokumen-3",
            b"",
            ct="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            purpose="linkcheck",
            method="HEAD",
        ),
        rec(SITE + "laporan.pdf", b"<html>not here</html>", status=404, purpose="linkcheck"),
        rec(SITE + "lama", status=301, ct="", redirect_to=SITE + "baru", purpose="linkcheck"),
        rec(SITE + "baru", status=302, ct="", redirect_to=SITE + "hilang", purpose="linkcheck"),
        rec(SITE + "hilang", b"gone", status=404, purpose="linkcheck"),
        rec(
            SITE + "putus",
            status=None,
            ct="application/json",
            record_type="metadata",
            error="timeout",
            purpose="linkcheck",
            body=b'{"govlens": "fetch-error", "error": "timeout"}',
        ),
        rec(
            SITE,
            status=None,
            ct="application/json",
            record_type="metadata",
            error=None,
            body=b'{"govlens": "site-status", "scan_status": "ok"}',
            date="2026-01-03T00:00:00Z",
        ),
        rec(
            SITE + "profil",
            b"<html><head><title>Profil</title></head><body><p>Profil dinas</p></body></html>",
        ),
        rec(SITE + "sitemap.xml", b"<urlset/>", ct="application/xml", purpose="sitemap"),
        rec(SITE + "assets/style.css", b"body{}", ct="text/css"),  # foreign WARCs: no purpose, default page
        rec(SITE + "robots.txt", b"User-agent: *", ct="text/plain", date="2026-01-05T00:00:00Z"),
        rec(SITE + "files/perda.pdf", b"%PDF-1.4 broken", ct="application/pdf", purpose="document"),
    ]
    return SiteCapture(site_id="dinas", seed_url=SITE, records=records)


def test_pages_are_page_records_newest_per_url():
    sf = extract_site(capture())
    urls = sorted(p.url for p in sf.pages)
    assert urls == [SITE, SITE + "files/perda.pdf", SITE + "profil"]
    assert not next(p for p in sf.pages if p.url.endswith(".pdf")).is_html
    home = next(p for p in sf.pages if p.url == SITE)
    assert home.title == "Dinas Baru"


def test_link_checks_from_all_records_with_redirects_resolved():
    sf = extract_site(capture())
    lc = sf.link_checks
    assert lc[SITE + "lama"].status == 404 and lc[SITE + "lama"].final_url == SITE + "hilang"
    assert lc[SITE + "putus"].status is None and lc[SITE + "putus"].error == "timeout"
    assert lc[SITE + "laporan.pdf"].status == 404
    assert lc[SITE].status == 200  # the site-status metadata record is not a fetch
    assert SITE + "robots.txt" in lc


def test_redirect_loop_reported():
    records = [
        rec(SITE + "a", status=302, ct="", redirect_to=SITE + "b"),
        rec(SITE + "b", status=302, ct="", redirect_to=SITE + "a"),
    ]
    sf = extract_site(SiteCapture(site_id="x", seed_url=SITE, records=records))
    assert sf.link_checks[SITE + "a"].error == "redirect_loop"


def test_documents_upgraded_by_magic_and_content_type_and_status_filled():
    sf = extract_site(capture())
    home = next(p for p in sf.pages if p.url == SITE)
    docs = {d.url: d for d in home.documents}
    d2 = docs[SITE + "unduh/dokumen-2"]
    assert (d2.file_type, d2.how_typed) == ("pdf", "magic")
    assert 2021 in d2.years and 2026 in d2.years and d2.status == 200
    d3 = docs[SITE + "unduh/dokumen-3"]
    assert (d3.file_type, d3.how_typed) == ("xlsx", "content_type")
    assert docs[SITE + "laporan.pdf"].status == 404  # a dead link to a named document is still a document
    kinds = {link.url: link.kind for link in home.links}
    assert kinds[SITE + "unduh/dokumen-2"] == LinkKind.DOCUMENT
    assert kinds[SITE + "profil"] == LinkKind.INTERNAL  # an HTML target stays a page link


def test_site_fields_carried():
    cap = capture()
    cap.scan_status, cap.final_url = "ok", SITE
    sf = extract_site(cap)
    assert (sf.site_id, sf.seed_url, sf.scan_status, sf.final_url) == ("dinas", SITE, "ok", SITE)


def test_probe_from_records_marks_soft_404():
    body = (
        b"<html><head><title>Dinas</title></head><body><article><p>"
        + b"Maaf, konten sedang kami perbarui untuk anda. " * 12
        + b"</p></article></body></html>"
    )
    records = [
        rec(SITE + "govlens-404-x", body, purpose="probe404"),
        rec(SITE + "layanan/izin", body),
        rec(
            SITE,
            b"<html><head><title>Dinas</title></head><body><article><p>"
            + b"Berita kegiatan dinas hari ini di kota. " * 12
            + b"</p></article></body></html>",
        ),
    ]
    sf = extract_site(SiteCapture(site_id="x", seed_url=SITE, records=records))
    flags = {p.url: p.soft_404 for p in sf.pages}
    assert flags == {SITE + "layanan/izin": True, SITE: False}
