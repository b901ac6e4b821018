"""govlens.archive: reading foreign and own WARCs, writing, grouping and status inference."""

from __future__ import annotations

import gzip
import json
import logging
import subprocess
import sys
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govlens.archive import (
    WarcSiteWriter,
    group_sites,
    next_part_path,
    read_records,
    read_site_statuses,
    site_parts,
)
from govlens.archive.decode import dechunk
from govlens.types import Organisation, Portfolio, ScanStatus

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "warc"
if not CORPUS.exists():
    CORPUS = Path("/work/shared/corpus/warc")
WARCIO = str(Path(sys.executable).with_name("warcio"))

PAGE = b"<!doctype html><html><body><h1>Dinas</h1>" + b"<p>Berita dan pengumuman dinas.</p>" * 20 + b"</body></html>"


def _exchange(w: WarcSiteWriter, url: str, status: int = 200, body: bytes = PAGE, headers=None, **kw) -> str:
    hdrs = headers if headers is not None else [("Content-Type", "text/html; charset=utf-8")]
    return w.write_exchange(
        url=url, method=kw.pop("method", "GET"), request_headers=[("Host", "x"), ("User-Agent", "govlens")],
        status=status, reason="OK", response_headers=hdrs, body=body, **kw,
    )


def _foreign_warc(path: Path, items: list[tuple[str, int, list[tuple[str, str]], bytes]]) -> None:
    """A WARC as another tool (wget, Heritrix) writes it: wire bytes, no govlens headers."""
    with open(path, "wb") as fh:
        w = WARCWriter(fh, gzip=True)
        w.write_record(w.create_warcinfo_record(path.name, {"software": "Wget/1.21"}))
        for url, status, headers, body in items:
            http = StatusAndHeaders(f"{status} X", headers, protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http))


# --------------------------------------------------------------------------- reading


@pytest.mark.corpus
@pytest.mark.skipif(not CORPUS.exists(), reason="corpus not available")
def test_read_corpus_warcs_offsets_match_warcio_index() -> None:
    for path in sorted(CORPUS.glob("*.warc.gz")):
        records = list(read_records([path]))
        assert records, path
        out = subprocess.run([WARCIO, "index", str(path)], capture_output=True, text=True, check=True).stdout
        index = [json.loads(line) for line in out.splitlines()]
        offsets = {int(e["offset"]) for e in index if e.get("warc-type") == "response"}
        assert {r.offset for r in records} == offsets
        for r in records:
            assert r.warc_file == path.name and r.record_id.startswith("<urn:")
            assert r.status == 200 and r.url.startswith("http") and r.date
            assert r.headers and all(k == k.lower() for k in r.headers)
            assert r.content_type and ";" not in r.content_type
        html = [r for r in records if r.content_type == "text/html"]
        assert all(b"<" in r.body[:2000] for r in html)


def test_writer_roundtrip_decodes_and_passes_warcio_check(tmp_path: Path) -> None:
    gz = gzip.compress(PAGE)
    with WarcSiteWriter(tmp_path, "dinkes", seed_url="https://dinkes.example.go.id/", audit="t",
                        user_agent="govlens/test") as w:
        rid = _exchange(w, "https://dinkes.example.go.id/", body=gz, headers=[
            ("Content-Type", "text/html; charset=UTF-8"), ("Content-Encoding", "gzip"),
            ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            depth=0, purpose="page", fetched_from="http://127.0.0.1:9/")
        _exchange(w, "https://dinkes.example.go.id/lama", status=301, body=b"",
                  headers=[("Location", "/baru")], depth=1, via="https://dinkes.example.go.id/")
        _exchange(w, "https://dinkes.example.go.id/big.pdf", body=b"%PDF-1.4 partial",
                  headers=[("Content-Type", "application/pdf")], purpose="document", truncated=True)
        _exchange(w, "https://ext.example.com/", method="HEAD", body=b"", purpose="linkcheck")
        w.write_fetch_error(url="https://dinkes.example.go.id/slow", error="timeout", detail="20 s",
                            via="https://dinkes.example.go.id/", depth=2)
        w.write_site_status(scan_status="ok", final_url="https://dinkes.example.go.id/", pages=1,
                            probe_url="https://dinkes.example.go.id/govlens-probe-1")
    path = tmp_path / "dinkes.warc.gz"
    assert w.path == path
    recs = list(read_records([tmp_path]))
    assert [r.record_type for r in recs] == ["response", "response", "response", "response", "metadata"]
    home, moved, pdf, head, err = recs
    assert home.record_id == rid and home.body == PAGE and home.status == 200
    assert home.content_type == "text/html" and home.headers["content-encoding"] == "gzip"
    assert home.headers["set-cookie"] == "a=1, b=2" and home.depth == 0 and home.purpose == "page"
    assert moved.redirect_to == "https://dinkes.example.go.id/baru" and moved.via == "https://dinkes.example.go.id/"
    assert pdf.truncated and pdf.purpose == "document" and pdf.content_type == "application/pdf"
    assert head.method == "HEAD" and head.purpose == "linkcheck"
    assert err.error == "timeout" and err.status is None and err.depth == 2 and err.via
    statuses = read_site_statuses([path])
    assert statuses["https://dinkes.example.go.id/"]["scan_status"] == "ok"
    subprocess.run([WARCIO, "check", "-v", str(path)], check=True, capture_output=True)
    idx = subprocess.run([WARCIO, "index", str(path)], capture_output=True, text=True, check=True).stdout
    types = [json.loads(x)["warc-type"] for x in idx.splitlines()]
    assert types[0] == "warcinfo" and types.count("request") == 4 and types.count("metadata") == 2


def test_reader_decodes_foreign_chunked_and_deflate(tmp_path: Path) -> None:
    chunked = b"1a\r\n" + PAGE[:26] + b"\r\n" + hex(len(PAGE) - 26)[2:].encode() + b"\r\n" + PAGE[26:] + b"\r\n0\r\n\r\n"
    deflated = zlib.compress(PAGE)
    cut = gzip.compress(PAGE * 50)[:400]  # truncated gzip stream: keep what arrived
    _foreign_warc(tmp_path / "wget.warc.gz", [
        ("http://a.example.go.id/", 200, [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")], chunked),
        ("http://a.example.go.id/d", 200, [("Content-Type", "text/html"), ("Content-Encoding", "deflate")], deflated),
        ("http://a.example.go.id/c", 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], cut),
        ("http://a.example.go.id/lie", 200, [("Content-Type", "text/html"), ("Content-Encoding", "gzip")], PAGE),
    ])
    recs = list(read_records(tmp_path / "wget.warc.gz"))
    assert recs[0].body == PAGE and recs[1].body == PAGE and recs[3].body == PAGE
    assert PAGE.startswith(recs[2].body[:100]) and len(recs[2].body) > 0
    assert all(r.purpose == "page" and r.method == "GET" for r in recs)
    assert dechunk(b"not chunked at all") == b"not chunked at all"


def test_damaged_tail_stops_cleanly(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with WarcSiteWriter(tmp_path, "s", seed_url="https://s.example.go.id/") as w:
        for i in range(5):
            _exchange(w, f"https://s.example.go.id/{i}")
    path = tmp_path / "s.warc.gz"
    data = path.read_bytes()
    path.write_bytes(data[:-300])  # as if killed while writing the last record
    with caplog.at_level(logging.WARNING):
        recs = list(read_records([path]))
    assert [r.url for r in recs] == [f"https://s.example.go.id/{i}" for i in range(len(recs))]
    assert 3 <= len(recs) <= 4
    assert any("damaged" in m for m in caplog.messages)


def test_parts_are_never_rewritten(tmp_path: Path) -> None:
    assert next_part_path(tmp_path, "a").name == "a.warc.gz"
    for _ in range(3):
        with WarcSiteWriter(tmp_path, "a", seed_url="https://a.example.go.id/") as w:
            _exchange(w, "https://a.example.go.id/")
    (tmp_path / "ab.warc.gz").write_bytes(b"")  # another site's id sharing a prefix
    assert [p.name for p in site_parts(tmp_path, "a")] == ["a.warc.gz", "a.1.warc.gz", "a.2.warc.gz"]


# --------------------------------------------------------------------------- grouping


def _portfolio() -> Portfolio:
    return Portfolio("t", [
        Organisation("portal", "Portal", "portal", sites=["https://example.go.id/"]),
        Organisation("profil", "Profil", "profil", sites=["https://www.example.go.id/profil/"]),
        Organisation("dinkes", "Dinkes", "dinkes", sites=["https://dinkes.example.go.id/"]),
        Organisation("camat", "Camat", "camat", sites=["https://camat.example.go.id/"]),
        Organisation("satpol", "Satpol", "satpol", sites=[]),
    ])


def test_group_sites_with_portfolio(tmp_path: Path) -> None:
    _foreign_warc(tmp_path / "heritrix.warc.gz", [
        ("https://www.example.go.id/", 200, [("Content-Type", "text/html")], PAGE),
        ("https://example.go.id/profil/visi", 200, [("Content-Type", "text/html")], PAGE),
        ("https://example.go.id/berita", 200, [("Content-Type", "text/html")], PAGE),
        ("https://unrelated.example.com/", 200, [("Content-Type", "text/html")], PAGE),
    ])
    with WarcSiteWriter(tmp_path, "dinkes", seed_url="https://dinkes.example.go.id/") as w:
        _exchange(w, "https://dinkes.example.go.id/")
        _exchange(w, "https://example.go.id/", method="HEAD", body=b"", purpose="linkcheck")
        _exchange(w, "https://dinkes.example.go.id/govlens-probe-ab", status=404, purpose="probe404")
        w.write_site_status(scan_status="ok", final_url="https://dinkes.example.go.id/", pages=1,
                            probe_url="https://dinkes.example.go.id/govlens-probe-ab")
    caps = {c.site_id: c for c in group_sites([tmp_path], _portfolio())}
    assert list(caps) == ["portal", "profil", "dinkes", "camat", "satpol"]
    assert {r.url for r in caps["portal"].records} == {"https://www.example.go.id/", "https://example.go.id/berita"}
    assert [r.url for r in caps["profil"].records] == ["https://example.go.id/profil/visi"]
    assert caps["portal"].scan_status == ScanStatus.OK and caps["portal"].final_url == "https://www.example.go.id/"
    # the link check of the portal made by dinkes stays with dinkes
    assert len(caps["dinkes"].records) == 3 and caps["dinkes"].probe_404.status == 404
    assert caps["camat"].scan_status == ScanStatus.NOT_IN_ARCHIVE and not caps["camat"].records
    assert caps["satpol"].scan_status == ScanStatus.NO_SITE and caps["satpol"].organisation.id == "satpol"


def test_group_sites_by_host_without_portfolio(tmp_path: Path) -> None:
    _foreign_warc(tmp_path / "x.warc.gz", [
        ("https://www.a.example.go.id/", 200, [("Content-Type", "text/html")], PAGE),
        ("https://a.example.go.id/p", 200, [("Content-Type", "text/html")], PAGE),
        ("https://b.example.go.id/q", 200, [("Content-Type", "text/html")], PAGE),
    ])
    caps = group_sites(tmp_path)
    assert [(c.site_id, len(c.records)) for c in caps] == [("a-example-go-id", 2), ("b-example-go-id", 1)]
    assert caps[0].seed_url == "https://www.a.example.go.id/" and caps[0].scan_status == ScanStatus.OK


CF = [("Content-Type", "text/html"), ("Server", "cloudflare"), ("CF-RAY", "8abc")]
JS_SHELL = b'<html><head><script src="/app.js"></script></head><body><div id="app"></div></body></html>'


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([("https://s.example.go.id/", 200, [("Content-Type", "text/html")], PAGE)], ScanStatus.OK),
        ([("https://s.example.go.id/", 503, CF, b"<title>Just a moment...</title>")], ScanStatus.BLOCKED),
        ([("https://s.example.go.id/", 403, CF, b"forbidden")], ScanStatus.BLOCKED),
        ([("https://s.example.go.id/", 404, [("Content-Type", "text/html")], b"nope")], ScanStatus.HTTP_ERROR),
        ([("https://s.example.go.id/", 200, [("Content-Type", "text/html")], JS_SHELL)], ScanStatus.JS_ONLY),
        ([("https://s.example.go.id/", 301, [("Location", "https://elsewhere.com/")], b"")], ScanStatus.REDIRECTS_AWAY),
        ([("http://s.example.go.id/", 301, [("Location", "https://www.s.example.go.id/")], b""),
          ("https://www.s.example.go.id/", 200, [("Content-Type", "text/html")], PAGE)], ScanStatus.OK),
        ([("https://s.example.go.id/", 302, [("Location", "/a")], b""),
          ("https://s.example.go.id/a", 302, [("Location", "https://s.example.go.id/")], b"")], ScanStatus.REDIRECT_LOOP),
    ],
)
def test_status_inference_for_foreign_warcs(tmp_path: Path, items, expected) -> None:
    _foreign_warc(tmp_path / "f.warc.gz", items)
    pf = Portfolio("t", [Organisation("s", "S", "s", sites=["https://s.example.go.id/"])])
    (cap,) = group_sites(tmp_path, pf)
    assert cap.scan_status == expected, cap.scan_detail


@pytest.mark.parametrize(("error", "expected"), [
    ("dns", ScanStatus.UNREACHABLE), ("connect", ScanStatus.UNREACHABLE), ("tls", ScanStatus.TLS_ERROR),
    ("timeout", ScanStatus.UNREACHABLE), ("robots", ScanStatus.ROBOTS_DISALLOWED),
])
def test_status_inference_from_fetch_errors(tmp_path: Path, error: str, expected: ScanStatus) -> None:
    with WarcSiteWriter(tmp_path, "other-name", seed_url="https://s.example.go.id/") as w:
        w.write_fetch_error(url="https://s.example.go.id/", error=error, detail="x")
    pf = Portfolio("t", [Organisation("s", "S", "s", sites=["https://s.example.go.id/"])])
    (cap,) = group_sites(tmp_path, pf)  # matched by warcinfo seed-url, status inferred (no status record)
    assert cap.scan_status == expected


def test_newest_capture_wins_but_all_are_kept(tmp_path: Path) -> None:
    for i, status in enumerate((500, 200)):
        with open(tmp_path / f"c{i}.warc.gz", "wb") as fh:
            w = WARCWriter(fh, gzip=True)
            http = StatusAndHeaders(f"{status} X", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            rec = w.create_warc_record("https://s.example.go.id/", "response", payload=BytesIO(PAGE),
                                       http_headers=http,
                                       warc_headers_dict={"WARC-Date": f"2024-0{i + 1}-01T00:00:00Z"})
            w.write_record(rec)
    pf = Portfolio("t", [Organisation("s", "S", "s", sites=["https://s.example.go.id/"])])
    (cap,) = group_sites(tmp_path, pf)
    assert len(cap.records) == 2 and cap.scan_status == ScanStatus.OK


def test_non_http_records_are_not_a_site(tmp_path: Path) -> None:
    """wget writes its log and arguments as resource records named metadata://gnu.org/...; they
    used to become a phantom site 'gnu-org' with status ok and 0 pages (Heritrix dns: likewise)."""
    path = tmp_path / "wget.warc.gz"
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)
        http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
        w.write_record(w.create_warc_record("http://dinas.example.go.id/", "response", payload=BytesIO(PAGE),
                                            http_headers=http))
        for uri in ("metadata://gnu.org/software/wget/warc/wget_arguments.txt", "dns:dinas.example.go.id"):
            w.write_record(w.create_warc_record(uri, "resource", payload=BytesIO(b"-r -l 2"),
                                                warc_content_type="text/plain"))
    caps = group_sites([path])
    assert [c.seed_url for c in caps] == ["http://dinas.example.go.id/"]
    assert caps[0].scan_status == ScanStatus.OK
