"""Documents read for what they are: typing by content, targets that are gone, and the detectors
that use both (E1, E3, E4, A3) on real records built here."""

from __future__ import annotations

import pytest

from govlens.assess.detectors import REGISTRY
from govlens.demo.office import make_docx, make_xlsx
from govlens.demo.pdf import make_pdf
from govlens.extract import extract_site
from govlens.extract.doctype import classify_document, regulation_number
from govlens.types import ArchivedRecord, SiteCapture

SITE = "https://dinas.kota.go.id/"
_n = 0


@pytest.mark.parametrize(
    ("title", "text", "anchor", "filename", "kind"),
    [
        # a report whose preamble cites regulations is still a report
        (
            "Laporan Kinerja Instansi Pemerintah Tahun 2022",
            "Berdasarkan Peraturan Menteri PAN RB Nomor 53 Tahun 2014 disusun capaian kinerja IKU 2022",
            "Dokumen 2",
            "dokumen-2.pdf",
            "performance_report",
        ),
        ("Peraturan Wali Kota Demokota Nomor 12 Tahun 2021", "Menimbang : a. bahwa", "", "", "law"),
        ("Laporan Realisasi Anggaran Tahun Anggaran 2022", "Realisasi belanja APBD", "", "lra-2022.pdf", "budget_realisation"),
        ("APBD Kota Demokota Tahun Anggaran 2023", "Pendapatan daerah Rp 2.104 miliar", "", "", "budget"),
        ("Rencana Strategis Dinas Kesehatan 2021-2026", "visi dan misi", "", "", "strategic_plan"),
        ("Rencana Kerja (Renja) Tahun 2024", "program dan kegiatan", "", "", "work_plan"),
        ("Laporan Hasil Survei Kepuasan Masyarakat Semester II 2023", "IKM 86,4; 400 responden", "", "", "survey_result"),
        ("Putusan Nomor 12/Pdt.G/2022/PN Srg", "DEMI KEADILAN BERDASARKAN KETUHANAN YANG MAHA ESA", "", "", "court_decision"),
        ("Annual Report 2022-23", "Council performance against targets", "", "", "performance_report"),
        # the link says Renstra, the file is an invitation: content decides
        ("Undangan Rapat Koordinasi", "Dengan hormat, kami mengundang Bapak/Ibu", "Renstra", "renstra.pdf", "other"),
        # nothing read: the link alone types it, as a coder reading the link would
        ("", "", "Renstra Dinas 2021-2026", "renstra.pdf", "strategic_plan"),
        ("", "", "Dokumen 2", "dokumen-2.pdf", "other"),
    ],
)
def test_classify_document(title: str, text: str, anchor: str, filename: str, kind: str) -> None:
    assert classify_document(title, text, anchor, filename).kind == kind


def test_classify_document_numbers_and_periods() -> None:
    law = classify_document("Keputusan Kepala Dinas Nomor 470/125/Disdukcapil/2023", "tentang Standar Pelayanan")
    assert (law.kind, law.number, law.year) == ("law", "470/125/Disdukcapil/2023", 2023)
    plan = classify_document("Renstra Dinas Kesehatan 2021–2026", "")
    assert plan.years == [2021, 2022, 2023, 2024, 2025, 2026] and plan.periods == ["2021–2026"]
    assert plan.signals and plan.signals[0].startswith("title:")
    # a report's year comes from its title, not from the plan period its preamble cites
    rep = classify_document("LKjIP Tahun 2022", "Sesuai Renstra 2021-2026 ...")
    assert rep.years == [2022]
    assert regulation_number("Act No. 5 of 2020") == ("5", 2020)
    assert regulation_number("tanpa nomor") == ("", None)


def rec(url: str, body: bytes = b"", status: int | None = 200, ct: str = "text/html", purpose: str = "page",
        **kw: object) -> ArchivedRecord:
    global _n
    _n += 1
    return ArchivedRecord(
        url=url, record_id=f"<urn:uuid:d{_n}>", warc_file="s.warc.gz", offset=_n * 100,
        date="2026-01-01T00:00:00Z", record_type="response", status=status,
        headers={"content-type": ct} if ct else {}, content_type=ct, body=body, purpose=purpose,
        **kw,  # type: ignore[arg-type]
    )


HOME = b"""<html><head><title>Dinas</title></head><body><main>
<h1>Dokumen Publik</h1>
<ul>
<li><a href="/unduh/dokumen-2.pdf">Dokumen 2</a></li>
<li><a href="/unduh/renstra.pdf">Renstra Dinas 2021-2026</a></li>
<li><a href="/unduh/lkjip-2023.pdf">LKjIP Dinas Tahun 2023</a></li>
<li><a href="/unduh/lampiran.docx">Lampiran</a></li>
<li><a href="/unduh/rekap.xlsx">Rekap</a></li>
<li><a href="/unduh/perwal-5-2022.pdf">Perwal Nomor 5 Tahun 2022</a></li>
<li><a href="/unduh/lkjip-2020.pdf">LKjIP 2020</a></li>
</ul></main></body></html>"""

SOFT404 = b"<html><head><title>Halaman tidak ditemukan</title></head><body>Maaf, halaman tidak ditemukan.</body></html>"


def capture() -> SiteCapture:
    d = "document"
    records = [
        rec(SITE, HOME),
        rec(SITE + "govlens-probe-404-x", SOFT404, purpose="probe404"),
        rec(SITE + "unduh/dokumen-2.pdf", make_pdf("Laporan Kinerja Dinas Tahun 2022", ["Capaian IKU 2022"]),
            ct="application/pdf", purpose=d),
        rec(SITE + "unduh/renstra.pdf", make_pdf("Undangan Rapat Koordinasi", [
            "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada rapat koordinasi hari Senin pukul 09.00 WIB",
            "di aula kantor dinas. Atas perhatiannya kami ucapkan terima kasih."]), ct="application/pdf", purpose=d),
        # a file path answered with the site's "not found" page, status 200
        rec(SITE + "unduh/lkjip-2023.pdf", SOFT404, purpose=d),
        rec(SITE + "unduh/lampiran.docx", make_docx("Laporan Kinerja Dinas Tahun 2021", ["Capaian IKU 2021"]),
            ct="application/vnd.openxmlformats-officedocument.wordprocessingml.document", purpose=d),
        rec(SITE + "unduh/rekap.xlsx", make_xlsx("Laporan Realisasi Anggaran 2023", ["Belanja | 100 | 95"]),
            ct="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", purpose=d),
        rec(SITE + "unduh/perwal-5-2022.pdf", b"<html><title>404 Not Found</title></html>", status=404, purpose=d),
        # lkjip-2020.pdf: never fetched (not in the archive)
    ]
    return SiteCapture(site_id="s", seed_url=SITE, records=records, scan_status="ok")


@pytest.fixture(scope="module")
def facts():
    return extract_site(capture())


def _docs(facts):
    return {d.url.rsplit("/", 1)[-1]: d for p in facts.pages for d in p.documents}


def test_targets_say_what_they_turned_out_to_be(facts) -> None:
    docs = _docs(facts)
    assert docs["dokumen-2.pdf"].target == "document" and docs["dokumen-2.pdf"].target_record_id
    assert docs["lkjip-2023.pdf"].target == "error_page"
    assert docs["perwal-5-2022.pdf"].target == "missing"
    assert docs["lkjip-2020.pdf"].target == "not_captured"


def test_documents_typed_by_content(facts) -> None:
    docs = _docs(facts)
    d2 = docs["dokumen-2.pdf"]
    assert (d2.kind, d2.kind_source, d2.years) == ("performance_report", "content", [2022])
    assert d2.content_title.startswith("Laporan Kinerja")
    assert docs["renstra.pdf"].kind == "other" and docs["renstra.pdf"].kind_source == "content"
    assert (docs["lampiran.docx"].kind, docs["lampiran.docx"].kind_source) == ("performance_report", "content")
    assert docs["rekap.xlsx"].kind == "budget_realisation"
    # not read: typed by its link, and said so
    assert (docs["lkjip-2020.pdf"].kind, docs["lkjip-2020.pdf"].kind_source) == ("performance_report", "link")


def run(name: str, facts, **params):
    return REGISTRY[name](facts, params)


def _file(e) -> str:
    """The document an evidence item is about: its own URL when it was read, else the link's target."""
    url = e.snippet.rsplit("→ ", 1)[-1] if "→ " in e.snippet else e.url
    return url.rsplit("/", 1)[-1]


def test_content_counts_and_dead_targets_do_not(facts) -> None:
    perf = {"text": ["lkjip|laporan\\s+kinerja"], "doc_kinds": ["performance_report"]}
    found = {_file(e): e for e in run("document_patterns", facts, **perf)}
    # dokumen-2.pdf counts by its content; lkjip-2023.pdf (error page) does not; lkjip-2020.pdf
    # (never fetched) still names a document
    assert set(found) == {"dokumen-2.pdf", "lampiran.docx", "lkjip-2020.pdf"}
    assert "document read (pdf): performance_report" in found["dokumen-2.pdf"].detail
    assert found["dokumen-2.pdf"].warc_record_id.startswith("<urn:uuid:d")
    assert "not in the archive" in found["lkjip-2020.pdf"].detail
    links = run("link_patterns", facts, text=["lkjip"])
    assert [e.snippet for e in links] == ["LKjIP 2020 → https://dinas.kota.go.id/unduh/lkjip-2020.pdf"]
    assert run("link_patterns", facts, text=["lkjip"], require_live=False)


def test_a_link_that_contradicts_its_file_is_no_evidence(facts) -> None:
    plan = {"text": ["renstra"], "doc_kinds": ["strategic_plan", "work_plan"]}
    assert not run("document_patterns", facts, **plan)
    assert not run("link_patterns", facts, **plan)
    # without doc_kinds the anchor alone still matches (a framework that does not read files)
    assert run("link_patterns", facts, text=["renstra"])


def test_law_by_content_and_missing_law_link(facts) -> None:
    # the only law link is dead (404): no E1 evidence from it
    assert not run("document_patterns", facts, text=["perwal"], doc_kinds=["law"])


def test_series_of_reports_read_from_inside_files(facts) -> None:
    evs = run("document_patterns", facts, doc_kinds=["performance_report"], min_count=2, min_distinct_years=2,
              same_kind=True)
    assert {_file(e) for e in evs} == {"dokumen-2.pdf", "lampiran.docx"}
    assert all("years 2021,2022" in e.detail for e in evs)
    assert not run("document_patterns", facts, doc_kinds=["performance_report"], min_count=3)


def test_a_series_is_of_one_kind(facts) -> None:
    # a 2021 performance report and a 2023 budget realisation are two years, but no series
    mixed = {"doc_kinds": ["performance_report", "budget_realisation"], "min_count": 2, "min_distinct_years": 3}
    assert run("document_patterns", facts, **mixed)
    assert not run("document_patterns", facts, **mixed, same_kind=True)


# --- regressions found by trying to break it -----------------------------------------------------


def test_a_cover_page_title_does_not_cancel_its_link() -> None:
    # the title is the issuing government; the lead says what the document is, and so does the link
    cls = classify_document("PEMERINTAH KOTA CILEGON", "RENCANA STRATEGIS DINAS KESEHATAN TAHUN 2021-2026 visi misi",
                            "Renstra 2021-2026", "renstra.pdf")
    assert cls.kind == "strategic_plan"


def test_a_title_hit_beats_regulations_cited_in_the_lead() -> None:
    cls = classify_document("LAPORAN KINERJA 2022", "Berdasarkan Peraturan Presiden Nomor 29 Tahun 2014 disusun")
    assert cls.kind == "performance_report"


def test_dotted_capitals_and_short_periods() -> None:
    assert classify_document("İSTANBUL LAPORAN KİNERJA 2022", "").kind == "performance_report"
    from govlens.extract.documents import find_years

    assert find_years("Strategic Plan 2021-26") == ([2021, 2022, 2023, 2024, 2025, 2026], ["2021-26"])
    assert find_years("27/11/2023")[0] == [2023]


def _pdf_with_stream(raw: bytes) -> bytes:
    """A one-page PDF whose content stream is ``raw`` (flate-compressed), offsets computed."""
    import io
    import zlib

    data = zlib.compress(raw, 9)
    objs = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 1 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Type /Catalog /Pages 2 0 R >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(out.tell())
        out.write(b"%d 0 obj\n" % i + o + b"\nendobj\n")
    x = out.tell()
    out.write(b"xref\n0 6\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs))
    out.write(b"trailer\n<< /Size 6 /Root 5 0 R >>\nstartxref\n%d\n%%%%EOF\n" % x)
    return out.getvalue()


def test_one_slow_pdf_page_is_cut_at_the_deadline() -> None:
    import time

    from govlens.extract.pdf import pdf_text

    # ~30 KB on the wire, a minute of pypdf text extraction without a hard deadline
    body = _pdf_with_stream(b"BT /F1 12 Tf 50 750 Td " + b"(Laporan Kinerja 2022) Tj 0 -1 Td " * 300_000 + b"ET")
    start = time.monotonic()
    pdf_text(body, budget_s=0.5)
    assert time.monotonic() - start < 15.0  # a hang guard: without the deadline this takes a minute or more


SERIES = b"""<html><head><title>Dinas</title></head><body><main><h1>Laporan</h1><ul>
<li><a href="/f/lkjip-2021.pdf">LKjIP 2021</a></li><li><a href="/f/lkjip-2022.pdf">LKjIP 2022</a></li>
<li><a href="/f/kosong.pdf">LKjIP 2018</a></li>
<li><a href="/polling">Jajak Pendapat</a></li><li><a href="/survei">Polling Warga</a></li>
</ul></main></body></html>"""


def test_reports_sharing_a_metadata_title_are_still_a_series() -> None:
    same = "LAPORAN KINERJA INSTANSI PEMERINTAH"
    records = [
        rec(SITE, SERIES),
        rec(SITE + "f/lkjip-2021.pdf", make_pdf(same, ["Tahun 2021"]), ct="application/pdf", purpose="document"),
        rec(SITE + "f/lkjip-2022.pdf", make_pdf(same, ["Tahun 2022"]), ct="application/pdf", purpose="document"),
        # a file link answered by a page that is no document at all
        rec(SITE + "f/kosong.pdf", b"<html><head><title>Dinas</title></head><body>Beranda</body></html>",
            purpose="document"),
        rec(SITE + "polling", b"<html><head><title>Jajak Pendapat</title></head><body><main><h1>Jajak Pendapat</h1>"
            b"<p>Segera hadir.</p></main></body></html>"),
        rec(SITE + "survei", b"<html><head><title>Polling</title></head><body><main><h1>Polling Warga</h1>"
            b"<form action='/vote' method='post'><input type='radio' name='p' value='a'>"
            b"<input type='radio' name='p' value='b'><button>Kirim</button></form></main></body></html>"),
    ]
    facts = extract_site(SiteCapture(site_id="s", seed_url=SITE, records=records, scan_status="ok"))
    docs = _docs(facts)
    assert docs["kosong.pdf"].target == "error_page"
    evs = run("document_patterns", facts, doc_kinds=["performance_report"], min_count=2, min_distinct_years=2,
              same_kind=True)
    assert {_file(e) for e in evs} == {"lkjip-2021.pdf", "lkjip-2022.pdf"}
    assert "2018" not in " ".join(e.detail for e in evs)
    # I5: a link to a "coming soon" page is talk about a poll; a link to a page with a poll form is input
    polls = run("poll", facts, text=["jajak\\s+pendapat|polling"])
    parts = {e.snippet.split(" →")[0]: e.detail.split(":")[0] for e in polls}
    assert parts.get("Polling Warga") == "input" and parts.get("Jajak Pendapat") == "space"
    # when no linked page takes input or shows results, talk about polls is no evidence at all
    soon = b"<html><head><title>Polling</title></head><body><main><p>Segera hadir.</p></main></body></html>"
    rest = [rec(SITE + "survei", soon) if r.url.endswith("/survei") else r for r in records]
    facts2 = extract_site(SiteCapture(site_id="s", seed_url=SITE, records=rest, scan_status="ok"))
    assert not run("poll", facts2, text=["jajak\\s+pendapat|polling"])
