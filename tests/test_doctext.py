"""Text of linked office documents, built here as real files, and the hostile bodies a crawl meets.

Every document is generated in the test (zipfile for DOCX, PPTX and ODF, openpyxl and xlsxwriter
for XLSX, the demo PDF writer) so what is read is visible in review, and the hostile cases are
generated streaming so a 200 MB bomb costs a few hundred KB here.
"""

from __future__ import annotations

import gc
import io
import random
import struct
import time
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from typing import Any, TypeVar

import openpyxl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from govlens.demo.pdf import make_pdf
from govlens.extract.doctext import MAX_MEMBER_BYTES, MAX_MEMBERS, document_text, sniff_office_type

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
P = "http://schemas.openxmlformats.org/presentationml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
S = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE_DOC = R + "/officeDocument"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
    'xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
LAKIP = "Laporan Kinerja Instansi Pemerintah Tahun 2023"
ROW = "2021 | 85,2 | 2022 | 88,1"
MB = 1024 * 1024
T = TypeVar("T")
Member = tuple[str, bytes, int, int, int]


# ------------------------------------------------------------------------------------------ builders


def _zip(members: list[tuple[str, str | bytes]], stored: tuple[str, ...] = ("mimetype",)) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=kind)
    return buf.getvalue()


def _rels(*rels: tuple[str, str, str]) -> str:
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in rels)
    return f'{DECL}<Relationships xmlns="{PKG_RELS}">{items}</Relationships>'


def _core(title: str) -> str:
    return (
        f"{DECL}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>'
    )


def _content_types(main: str, content_type: str) -> str:
    return (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>'
    )


DOCX_MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _p(*runs: str) -> str:
    return "<w:p>" + "".join(f"<w:r><w:t xml:space='preserve'>{r}</w:t></w:r>" for r in runs) + "</w:p>"


def _tc(text: str) -> str:
    return f"<w:tc><w:tcPr/>{_p(text)}</w:tc>"


def _document(body: str) -> str:
    return f'{DECL}<w:document xmlns:w="{W}" xmlns:mc="{MC}"><w:body>{body}</w:body></w:document>'


def _docx(
    body: str,
    title: str | None = None,
    main: str = "word/document.xml",
    before: list[tuple[str, str | bytes]] | None = None,
    after: list[tuple[str, str | bytes]] | None = None,
    stored: tuple[str, ...] = (),
) -> bytes:
    rels = [("rId1", OFFICE_DOC, main)]
    members: list[tuple[str, str | bytes]] = list(before or [])
    members += [("[Content_Types].xml", _content_types(main, DOCX_MAIN_TYPE))]
    if title is not None:
        rels.append(("rId2", CORE_REL, "docProps/core.xml"))
    members += [("_rels/.rels", _rels(*rels)), (main, _document(body))]
    members += list(after or [])
    if title is not None:
        members.append(("docProps/core.xml", _core(title)))
    return _zip(members, stored=stored)


LAKIP_BODY = (
    # a tab stop in the paragraph properties is not a tab; Word splits the words across runs
    "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
    "<w:r><w:t xml:space='preserve'>Laporan Kinerja </w:t></w:r>"
    "<w:r><w:rPr><w:b/></w:rPr><w:t>Instansi Pemerintah Tahun 2023</w:t></w:r></w:p>"
    "<w:p><w:r><w:t>Capaian indikator</w:t><w:tab/><w:t>kinerja utama</w:t></w:r></w:p>"
    "<w:p/>"
    f"<w:tbl><w:tblPr/><w:tr>{_tc('Tahun')}{_tc('Capaian (%)')}</w:tr>"
    f"<w:tr>{_tc('2021')}{_tc('85,2')}{_tc('2022')}{_tc('88,1')}</w:tr></w:tbl>"
    # a text box written twice, modern and VML fallback: read once
    "<w:p><w:r><mc:AlternateContent><mc:Choice Requires='wps'><w:t>Kotak teks</w:t></mc:Choice>"
    "<mc:Fallback><w:t>Kotak teks</w:t></mc:Fallback></mc:AlternateContent></w:r></w:p>"
    # a tracked deletion is not part of the text
    "<w:p><w:del w:id='1'><w:r><w:delText>teks dihapus</w:delText></w:r></w:del>"
    "<w:r><w:t>Penutup</w:t></w:r></w:p>"
)


def _deflate_repeated(prefix: bytes, unit: bytes, times: int, suffix: bytes = b"") -> bytes:
    """Raw deflate of prefix + unit*times + suffix without ever holding the expansion: after a full
    flush the compressor starts afresh, so each unit compresses to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(unit) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * times + c.compress(suffix) + c.flush()


def _raw_zip(members: list[Member], central: bool = True, descriptor: bool = False) -> bytes:
    """A zip written by hand from (name, compressed data, method, crc, declared size), so a test can
    hold a bomb's compressed bytes only, declare any size, or leave the central directory out."""
    out = bytearray()
    directory = bytearray()
    flags = 0x8 if descriptor else 0
    for name, data, method, crc, size in members:
        raw = name.encode()
        offset = len(out)
        local_sizes = (0, 0, 0) if descriptor else (crc, len(data), size)
        out += struct.pack(
            "<4s2B4HL2L2H", b"PK\x03\x04", 20, 0, flags, method, 0, 0x21, *local_sizes, len(raw), 0
        )
        out += raw + data
        if descriptor:
            out += struct.pack("<4sLLL", b"PK\x07\x08", crc, len(data), size)
        directory += struct.pack(
            "<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 0, 20, 0, flags, method, 0, 0x21, crc, len(data), size,
            len(raw), 0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        directory += raw
    if central:
        start = len(out)
        out += directory
        out += struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(directory), start, 0
        )
    return bytes(out)


def _stored(name: str, data: bytes) -> Member:
    return name, data, 0, zlib.crc32(data), len(data)


# Wall-time bounds here catch hangs (a bomb that is parsed instead of refused takes minutes), not
# speed: under tracemalloc on a busy 2-core CI machine a 0.1 s refusal can take 1.5 s, so no bound
# is tighter than this. Speed is measured in benchmarks/bench_documents.py.
HANG_GUARD_S = 15.0


def _bounded(fn: Callable[..., T], *args: Any, seconds: float = 3.0, peak_mb: float = 80, **kwargs: Any) -> T:
    """Run fn, asserting it returns (within ``max(seconds, HANG_GUARD_S)``) and allocates at most
    `peak_mb` at its peak: memory is the behaviour that tells a refused bomb from a parsed one."""
    tracemalloc.start()
    start = time.monotonic()
    try:
        result = fn(*args, **kwargs)
        elapsed = time.monotonic() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < max(seconds, HANG_GUARD_S), elapsed
    assert peak < peak_mb * MB, peak / MB
    return result


# ------------------------------------------------------------------------------------------ formats


def test_docx_title_paragraphs_and_table_rows() -> None:
    title, text = document_text(_docx(LAKIP_BODY, title="LKjIP Dinas Kesehatan 2023"), "docx")
    assert title == "LKjIP Dinas Kesehatan 2023"
    assert text.splitlines() == [
        LAKIP,
        "Capaian indikator\tkinerja utama",
        "Tahun | Capaian (%)",
        ROW,
        "Kotak teks",
        "Penutup",
    ]


def test_docx_title_falls_back_to_first_paragraph_within_200_chars() -> None:
    title, _ = document_text(_docx(_p("", "  ") + _p(LAKIP) + _p("isi")), "docx")
    assert title == LAKIP
    long_title, _ = document_text(_docx(_p("Rencana Strategis " * 30)), "docx")
    assert long_title.startswith("Rencana Strategis") and len(long_title) <= 200


def test_docx_whose_first_members_are_not_word_is_sniffed_and_read() -> None:
    """Some tools write docProps and pictures first: the first 2 KB then never mention word/."""
    picture = random.Random(1).randbytes(8192)
    body = _docx(_p(LAKIP), before=[("docProps/app.xml", "<Properties/>"), ("media/logo.png", picture)])
    assert b"word/" not in body[:2048]
    assert sniff_office_type(body) == "docx"
    assert document_text(body, "other")[1] == LAKIP


def test_main_part_comes_from_package_relationships() -> None:
    """The officeDocument part need not be word/document.xml, nor even under word/."""
    body = _docx(_p("Peraturan Bupati Nomor 12 Tahun 2021"), main="word/document2.xml")
    assert document_text(body, "docx")[1] == "Peraturan Bupati Nomor 12 Tahun 2021"
    odd = _docx(_p("Rencana Kerja 2024"), main="content/main.xml")
    assert sniff_office_type(odd) == "docx"  # from [Content_Types].xml
    assert document_text(odd, "docx")[1] == "Rencana Kerja 2024"


def _slide(*paragraphs: str, table: list[list[str]] | None = None) -> str:
    paras = "".join(f"<a:p><a:r><a:t>{t}</a:t></a:r></a:p>" for t in paragraphs)
    shapes = f"<p:sp><p:txBody>{paras}</p:txBody></p:sp>"
    if table:
        rows = "".join(
            "<a:tr>" + "".join(f"<a:tc><a:txBody><a:p><a:r><a:t>{c}</a:t></a:r></a:p></a:txBody></a:tc>" for c in row) + "</a:tr>"
            for row in table
        )  # fmt: skip
        shapes += f"<p:graphicFrame><a:graphic><a:graphicData><a:tbl>{rows}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
    return f'{DECL}<p:sld xmlns:p="{P}" xmlns:a="{A}"><p:cSld><p:spTree>{shapes}</p:spTree></p:cSld></p:sld>'


def _pptx(slides: list[str], order: list[int] | None = None, title: str | None = None) -> bytes:
    """Slides written as slide1.xml, slide2.xml...; `order` lists them as presentation.xml does."""
    order = order or list(range(1, len(slides) + 1))
    ids = "".join(f'<p:sldId id="{255 + n}" r:id="rId{n + 10}"/>' for n in order)
    pres = (
        f'{DECL}<p:presentation xmlns:p="{P}" xmlns:r="{R}"><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>'
    )
    pres_rels = _rels(
        *((f"rId{n + 10}", R + "/slide", f"slides/slide{n}.xml") for n in range(1, len(slides) + 1))
    )
    root = [("rId1", OFFICE_DOC, "ppt/presentation.xml")]
    members: list[tuple[str, str | bytes]] = []
    if title:
        root.append(("rId2", CORE_REL, "docProps/core.xml"))
        members.append(("docProps/core.xml", _core(title)))
    members += [("_rels/.rels", _rels(*root)), ("ppt/presentation.xml", pres)]
    members += [("ppt/_rels/presentation.xml.rels", pres_rels)]
    members += [(f"ppt/slides/slide{n}.xml", s) for n, s in enumerate(slides, 1)]
    return _zip(members)


def test_pptx_slides_in_presentation_order_with_tables() -> None:
    slides = [_slide("Penutup"), _slide("Rencana Strategis", "2020-2024", table=[ROW.split(" | ")])]
    body = _pptx(slides, order=[2, 1])
    assert sniff_office_type(body) == "pptx"
    title, text = document_text(body, "pptx")
    assert title == "Rencana Strategis"
    assert text.splitlines() == ["Rencana Strategis", "2020-2024", ROW, "Penutup"]
    assert document_text(_pptx(slides, title=LAKIP), "pptx")[0] == LAKIP


def test_pptx_without_presentation_list_reads_slides_numerically() -> None:
    members = [(f"ppt/slides/slide{n}.xml", _slide(f"Slide {n}")) for n in (10, 2, 1)]
    body = _zip([("[Content_Types].xml", "<Types/>"), *members])
    assert document_text(body, "pptx")[1].splitlines() == ["Slide 1", "Slide 2", "Slide 10"]


def test_xlsx_openpyxl_shared_strings_numbers_two_sheets() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Capaian"
    ws.append(["Tahun", "Capaian", "Tahun", "Capaian"])
    ws.append([2021, "85,2", 2022, "88,1"])
    ws.append(["Realisasi", 88.1, None, 1_500_000_000])
    ws.append([])
    ws.append(["Laporan Kinerja", True])
    second = wb.create_sheet("Anggaran")
    second.append(["Belanja Pegawai", 1234.5])
    wb.properties.title = LAKIP
    buf = io.BytesIO()
    wb.save(buf)
    body = buf.getvalue()
    assert sniff_office_type(body) == "xlsx"
    title, text = document_text(body, "xlsx")
    assert title == LAKIP
    assert text.splitlines() == [
        "## Capaian",
        "Tahun | Capaian | Tahun | Capaian",
        ROW,
        "Realisasi | 88.1 | 1500000000",
        "Laporan Kinerja | TRUE",
        "## Anggaran",
        "Belanja Pegawai | 1234.5",
    ]


def test_xlsx_xlsxwriter_title_falls_back_to_first_cell() -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    ws.write_row(2, 1, ["Perjanjian Kinerja 2024", 0.1 + 0.2])
    wb.close()
    title, text = document_text(buf.getvalue(), "xlsx")
    assert title == "Perjanjian Kinerja 2024"
    assert text.splitlines() == ["## Data", "Perjanjian Kinerja 2024 | 0.3"]


def test_xlsx_inline_strings_and_workbook_order() -> None:
    """Sheets come in workbook order (sheet2.xml first here), not file order; inline strings read."""

    def sheet(*cells: str) -> str:
        return f'{DECL}<worksheet xmlns="{S}"><sheetData><row r="1">{"".join(cells)}</row></sheetData></worksheet>'

    inline = (
        '<c r="A1" t="inlineStr"><is><r><t>Anggaran </t></r><r><t>2024</t></r><rPh><t>x</t></rPh></is></c>'
    )
    book = (
        f'{DECL}<workbook xmlns="{S}" xmlns:r="{R}"><sheets>'
        '<sheet name="Ringkasan" sheetId="2" r:id="rId2"/><sheet name="Rinci" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )
    rels = _rels(
        ("rId1", R + "/worksheet", "worksheets/sheet1.xml"),
        ("rId2", R + "/worksheet", "/xl/worksheets/sheet2.xml"),
    )
    body = _zip(
        [
            ("_rels/.rels", _rels(("rId1", OFFICE_DOC, "xl/workbook.xml"))),
            ("xl/workbook.xml", book),
            ("xl/_rels/workbook.xml.rels", rels),
            ("xl/worksheets/sheet1.xml", sheet('<c r="A1" t="s"><v>7</v></c><c r="B1"><v>2021</v></c>')),
            ("xl/worksheets/sheet2.xml", sheet(inline, '<c r="B1" t="e"><v>#DIV/0!</v></c>')),
        ]
    )
    title, text = document_text(body, "xlsx")
    assert title == "Anggaran 2024"
    # a shared string index with no shared strings part is dropped, not an error
    assert text.splitlines() == ["## Ringkasan", "Anggaran 2024 | #DIV/0!", "## Rinci", "2021"]


def _odf(mimetype: str, office_body: str, title: str | None = None, with_mimetype: bool = True) -> bytes:
    content = f"{DECL}<office:document-content {ODF_NS} office:version='1.2'><office:body>{office_body}</office:body></office:document-content>"
    members: list[tuple[str, str | bytes]] = [("mimetype", mimetype)] if with_mimetype else []
    manifest = (
        f"{DECL}<manifest:manifest xmlns:manifest='urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'>"
        f"<manifest:file-entry manifest:full-path='/' manifest:media-type='{mimetype}'/>"
        "<manifest:file-entry manifest:full-path='content.xml' manifest:media-type='text/xml'/>"
        "</manifest:manifest>"
    )
    members += [("META-INF/manifest.xml", manifest), ("content.xml", content)]
    if title is not None:
        meta = f"{DECL}<office:document-meta {ODF_NS}><office:meta><dc:title>{title}</dc:title></office:meta></office:document-meta>"
        members.append(("meta.xml", meta))
    return _zip(members)


def _odf_row(*cells: str) -> str:
    tds = "".join(f"<table:table-cell><text:p>{c}</text:p></table:table-cell>" for c in cells)
    return f"<table:table-row>{tds}<table:table-cell table:number-columns-repeated='1000'/></table:table-row>"


ODT_TEXT = (
    "<office:text><text:tracked-changes><text:changed-region><text:deletion><text:p>dihapus</text:p>"
    "</text:deletion></text:changed-region></text:tracked-changes>"
    "<text:h text:outline-level='1'>Peraturan Daerah Nomor 5 Tahun 2022</text:h>"
    "<text:p>Tentang <text:span>Anggaran</text:span><text:s/>Pendapatan<text:tab/>Belanja"
    "<office:annotation><text:p>komentar</text:p></office:annotation> Daerah</text:p>"
    f"<table:table table:name='Tabel1'>{_odf_row('2021', '85,2', '2022', '88,1')}</table:table>"
    "</office:text>"
)


def test_odt_title_paragraphs_and_table() -> None:
    body = _odf("application/vnd.oasis.opendocument.text", ODT_TEXT, title=LAKIP)
    assert sniff_office_type(body) == "odt"
    title, text = document_text(body, "odt")
    assert title == LAKIP
    assert text.splitlines() == [
        "Peraturan Daerah Nomor 5 Tahun 2022",
        "Tentang Anggaran Pendapatan\tBelanja Daerah",
        ROW,
    ]
    untitled = _odf("application/vnd.oasis.opendocument.text", ODT_TEXT, with_mimetype=False)
    assert sniff_office_type(untitled) == "odt"  # from the manifest
    assert document_text(untitled, "odt")[0] == "Peraturan Daerah Nomor 5 Tahun 2022"


def test_ods_sheets_as_headings_and_odp() -> None:
    sheets = (
        "<office:spreadsheet>"
        f"<table:table table:name='Capaian'>{_odf_row('Tahun', 'Capaian')}"
        f"<table:table-row table:number-rows-repeated='1048000'><table:table-cell/></table:table-row>"
        f"{_odf_row('2021', '85,2', '2022', '88,1')}</table:table>"
        f"<table:table table:name='Anggaran'>{_odf_row('Belanja', '1.500.000')}</table:table>"
        "</office:spreadsheet>"
    )
    body = _odf("application/vnd.oasis.opendocument.spreadsheet", sheets)
    assert sniff_office_type(body) == "ods"
    title, text = document_text(body, "ods")
    assert title == "Tahun"
    assert text.splitlines() == ["## Capaian", "Tahun | Capaian", ROW, "## Anggaran", "Belanja | 1.500.000"]
    slides = (
        "<office:presentation><draw:page draw:name='1'><draw:frame><draw:text-box>"
        f"<text:p>{LAKIP}</text:p></draw:text-box></draw:frame>"
        "<presentation:notes><text:p>catatan pembicara</text:p></presentation:notes></draw:page>"
        "</office:presentation>"
    )
    odp = _odf("application/vnd.oasis.opendocument.presentation", slides)
    assert sniff_office_type(odp) == "odp"
    assert document_text(odp, "other") == (LAKIP, LAKIP)


def test_pdf_is_delegated_whatever_the_label() -> None:
    pdf = make_pdf(LAKIP, [ROW, "Capaian kinerja meningkat."])
    title, text = document_text(pdf, "pdf")
    assert title == LAKIP
    assert ROW in text
    assert document_text(pdf, "docx") == (title, text)  # the body says PDF
    assert document_text(_docx(_p(LAKIP)), "pdf")[1] == LAKIP  # and a DOCX served as .pdf
    # a local header's four bytes inside a PDF labelled docx do not make it a zip
    header = b"PK\x03\x04" + struct.pack("<2B4HL2L2H", 20, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0) + b"a"
    tricky = make_pdf(LAKIP, [header.decode("latin-1")])
    assert document_text(tricky, "docx")[0] == LAKIP


def test_plain_text_utf8_cp1252_utf16() -> None:
    csv = f"Judul;{LAKIP}\r\nTahun;Capaian\r\n2021;85,2\r\n"
    assert document_text(csv.encode("utf-8-sig"), "csv") == (f"Judul;{LAKIP}", csv.replace("\r\n", "\n"))
    legacy = "Anggaran – Rp 1.500.000\n".encode("cp1252")
    assert document_text(legacy, "txt")[1] == "Anggaran – Rp 1.500.000\n"
    assert document_text(csv.encode("utf-16"), "csv")[0] == f"Judul;{LAKIP}"
    assert document_text(csv.encode(), "other")[0] == f"Judul;{LAKIP}"  # text/csv is typed "other"
    # the byte slice taken for max_chars can split a character: it is dropped, not a reason for cp1252
    assert document_text(("€" * 100).encode(), "txt", max_chars=10)[1] == "€" * 10


def test_unread_types_and_html_are_empty() -> None:
    assert document_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4000, "doc") == ("", "")
    assert document_text(b"{\\rtf1\\ansi Laporan}", "other") == ("", "")
    assert document_text(b"<!DOCTYPE html><html><body>Halaman tidak ditemukan</body></html>", "csv") == (
        "",
        "",
    )
    assert document_text(b"<html><body>404</body></html>", "docx") == ("", "")
    assert document_text(b"", "docx") == ("", "")
    assert document_text(b"Laporan", "xls") == ("", "")
    plain = _zip([("laporan.txt", LAKIP)])
    assert sniff_office_type(plain) is None
    assert document_text(plain, "zip") == ("", "")


def test_sniff_office_type_non_zip_and_broken() -> None:
    assert sniff_office_type(b"") is None
    assert sniff_office_type(b"%PDF-1.4 ...") is None
    assert sniff_office_type(b"PK\x03\x04" + b"\0" * 100) is None
    assert (
        sniff_office_type(_zip([("[Content_Types].xml", "<Types/>"), ("visio/document.xml", "<x/>")]))
        == "other"
    )


def test_max_chars_bounds_text() -> None:
    body = _docx("".join(_p(f"Paragraf {i} tentang kinerja instansi pemerintah") for i in range(2000)))
    title, text = document_text(body, "docx", max_chars=500)
    assert title == "Paragraf 0 tentang kinerja instansi pemerintah"
    assert len(text) == 500 and text.startswith(title)


# ------------------------------------------------------------------------------------------ hostile


def _bomb_member(name: str, total: int = 200 * MB) -> Member:
    """A member inflating to more than `total` bytes: an open w:t, then `total` bytes of "a"."""
    prefix = f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>'.encode()
    unit = b"a" * MB
    times = total // MB
    crc = zlib.crc32(prefix)
    for _ in range(times):
        crc = zlib.crc32(unit, crc)
    return name, _deflate_repeated(prefix, unit, times), 8, crc, len(prefix) + times * MB


@pytest.fixture(scope="module")
def bomb() -> Member:
    return _bomb_member("word/document.xml")


def test_zip_bomb_declared_honestly_is_not_opened(bomb: Member) -> None:
    assert len(bomb[1]) < 300_000 and bomb[4] >= 200 * MB
    body = _raw_zip([_stored("_rels/.rels", _rels(("rId1", OFFICE_DOC, "word/document.xml")).encode()), bomb])
    assert _bounded(document_text, body, "docx", seconds=1.0, peak_mb=20) == ("", "")
    assert sniff_office_type(body) == "docx"


def test_zip_bomb_in_a_picture_leaves_the_text_readable(bomb: Member) -> None:
    doc = _document(_p(LAKIP)).encode()
    body = _raw_zip([_stored("word/document.xml", doc), ("word/media/image1.png", *bomb[1:])])
    assert _bounded(document_text, body, "docx", seconds=1.0, peak_mb=20) == (LAKIP, LAKIP)


def test_zip_bomb_with_lying_sizes_is_cut_at_the_cap(bomb: Member) -> None:
    """Sizes in a data descriptor and no central directory (as when the crawl truncated the body):
    the stream itself is the only limit, and the per-member cap stops it."""
    _, data, method, crc, size = bomb
    body = _raw_zip([("word/document.xml", data, method, crc, size)], central=False, descriptor=True)
    title, text = _bounded(
        document_text, body, "docx", max_chars=1000, seconds=4.0, peak_mb=3 * MAX_MEMBER_BYTES / MB
    )
    assert (title, text) == ("", "")  # the bomb's one w:t never ends within the cap
    lying = _raw_zip([("word/document.xml", data, method, crc, 1000)])  # declared 1000 bytes
    assert _bounded(document_text, lying, "docx", seconds=1.0, peak_mb=20) == ("", "")


def _billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">']
    entities += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{"".join(entities)}]>\n'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>'
    )


def test_bzip2_and_lzma_members_are_not_inflated() -> None:
    """zipfile would decompress a whole compressed read of these at once; no office tool writes them."""
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", method) as zf:
            zf.writestr("word/document.xml", _document(_p(LAKIP)))
        assert sniff_office_type(buf.getvalue()) == "docx"
        assert document_text(buf.getvalue(), "docx") == ("", "")


BILLION_LAUGHS = _billion_laughs()


def _with_document(document: bytes, title: str = "Judul aman") -> bytes:
    rels = _rels(("rId1", OFFICE_DOC, "word/document.xml"), ("rId2", CORE_REL, "docProps/core.xml"))
    return _zip([("_rels/.rels", rels), ("word/document.xml", document), ("docProps/core.xml", _core(title))])


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS.encode(),
        # a DTD pushed past the first chunks by a long comment
        BILLION_LAUGHS.replace("<!DOCTYPE", "<!--" + "x" * 200_000 + "-->\n<!DOCTYPE", 1).encode(),
        # a harmless DTD is refused too: no office part has one
        f'<?xml version="1.0"?><!DOCTYPE w:document><w:document xmlns:w="{W}">{_p(LAKIP)}</w:document>'.encode(),
        # encodings that would hide the markup from a byte scan
        BILLION_LAUGHS.encode("utf-16"),
        BILLION_LAUGHS.replace('version="1.0"', 'version="1.0" encoding="cp500"')
        .encode("cp500")
        .replace(
            '<?xml version="1.0" encoding="cp500"?>'.encode("cp500"),
            b'<?xml version="1.0" encoding="cp500"?>',
        ),
    ],
    ids=["billion-laughs", "after-comment", "plain-doctype", "utf-16", "ebcdic"],
)
def test_dtds_are_refused(document: bytes) -> None:
    title, text = _bounded(document_text, _with_document(document), "docx", seconds=1.0, peak_mb=20)
    assert text == ""
    assert title == "Judul aman"  # the other parts are still read


def test_dtd_in_core_properties_only_loses_the_title() -> None:
    rels = _rels(("rId1", OFFICE_DOC, "word/document.xml"), ("rId2", CORE_REL, "docProps/core.xml"))
    core = BILLION_LAUGHS.replace("<w:document", "<x").replace("</w:document>", "</x>")
    body = _zip(
        [("_rels/.rels", rels), ("word/document.xml", _document(_p(LAKIP))), ("docProps/core.xml", core)]
    )
    assert document_text(body, "docx") == (LAKIP, LAKIP)


def _big_docx() -> bytes:
    paras = "".join(
        _p(f"Pasal {i}. Ketentuan tentang perencanaan pembangunan daerah.") for i in range(1, 400)
    )
    picture = random.Random(2).randbytes(300_000)
    return _docx(
        paras, title=LAKIP, after=[("word/media/image1.jpeg", picture)], stored=("word/media/image1.jpeg",)
    )


def test_truncated_docx_is_read_from_its_local_headers() -> None:
    """A DOCX cut at the crawl's size limit has lost its central directory and docProps."""
    full = _big_docx()
    assert document_text(full, "docx")[0] == LAKIP
    title, text = document_text(full[: len(full) // 2], "docx")
    assert title == "Pasal 1. Ketentuan tentang perencanaan pembangunan daerah."
    assert text.splitlines()[-1] == "Pasal 399. Ketentuan tentang perencanaan pembangunan daerah."
    info = zipfile.ZipFile(io.BytesIO(full)).getinfo("word/document.xml")
    data_start = info.header_offset + 30 + len(info.filename)
    cut_in_document = full[: data_start + info.compress_size // 3]  # inside document.xml's deflate stream
    _, partial = document_text(cut_in_document, "docx")
    assert partial.startswith("Pasal 1.") and "Pasal 399." not in partial


def test_every_truncation_of_a_docx_is_safe() -> None:
    full = _docx(LAKIP_BODY, title=LAKIP)
    start = time.monotonic()
    for cut in range(0, len(full), 7):
        title, text = document_text(full[:cut], "docx")
        assert isinstance(title, str) and isinstance(text, str)
        assert sniff_office_type(full[:cut]) in (None, "docx", "other")
    assert time.monotonic() - start < HANG_GUARD_S


def test_random_bytes_labelled_docx() -> None:
    rng = random.Random(3)
    for head in (b"", b"PK\x03\x04", b"PK\x05\x06"):
        body = head + rng.randbytes(200_000)
        assert _bounded(document_text, body, "docx", seconds=1.0, peak_mb=20) == ("", "")
        assert sniff_office_type(body) is None


def _many_members(n: int, first: list[tuple[str, bytes]]) -> bytes:
    return _raw_zip(
        [_stored(name, data) for name, data in first] + [_stored(f"m/{i}.xml", b"x") for i in range(n)]
    )


def test_too_many_members_are_refused_quickly() -> None:
    doc = _document(_p(LAKIP)).encode()
    body = _many_members(10_000, [("word/document.xml", doc)])
    assert _bounded(document_text, body, "docx", seconds=1.0) == ("", "")
    assert _bounded(sniff_office_type, body, seconds=1.0) is None
    # the end record may understate the count: zipfile's own listing is checked too
    lying = bytearray(body)
    lying[-14:-10] = struct.pack("<2H", 3, 3)
    assert _bounded(document_text, bytes(lying), "docx", seconds=1.0) == ("", "")
    # without a central directory, only the first MAX_MEMBERS local headers are looked at
    headers_only = body[: struct.unpack_from("<L", body, len(body) - 6)[0]]
    assert _bounded(document_text, headers_only, "docx", seconds=2.0)[1] == LAKIP
    assert MAX_MEMBERS < 10_000


def test_a_huge_slide_deck_stops_at_the_time_budget() -> None:
    slides = [_slide(f"Slide {i} " + "kinerja " * 50) for i in range(1, 3001)]
    body = _pptx(slides)  # read whole, some 0.5 s
    gc.collect()  # a collection of the previous tests' garbage must not eat the budget
    start = time.monotonic()
    _, text = document_text(body, "pptx", budget_s=0.1, max_chars=10_000_000)
    assert time.monotonic() - start < HANG_GUARD_S
    assert text.startswith("Slide 1 ") and "Slide 3000 " not in text  # the budget, not the end, stopped it


def test_deep_nesting_and_garbage_cells() -> None:
    deep = _document("<w:p>" * 50_000 + "<w:r><w:t>dalam</w:t></w:r>" + "</w:p>" * 50_000)
    assert _bounded(document_text, _with_document(deep.encode()), "docx", seconds=2.0) == ("Judul aman", "")
    sheet = f'<worksheet xmlns="{S}"><sheetData><row><c t="s"><v>x</v></c><c t="s"><v>99</v></c><c><v>nan</v></c><c><v>1e400</v></c></row></sheetData></worksheet>'
    body = _zip(
        [
            ("xl/worksheets/sheet1.xml", sheet),
            ("xl/sharedStrings.xml", f'<sst xmlns="{S}"><si><t>a</t></si></sst>'),
        ]
    )
    assert document_text(body, "xlsx")[1] == "## Sheet1\nnan | 1e400"


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_never_raise(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(_FUZZ_BASES))
    body = bytearray(base)
    for _ in range(data.draw(st.integers(1, 20))):
        body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    kind = data.draw(st.sampled_from(["docx", "xlsx", "pptx", "odt", "other", "pdf"]))
    title, text = document_text(bytes(body), kind, budget_s=0.5)
    assert isinstance(title, str) and isinstance(text, str)
    assert sniff_office_type(bytes(body)) in (None, "docx", "xlsx", "pptx", "odt", "ods", "odp", "other")


def _stored_docx() -> bytes:
    body = _docx(LAKIP_BODY, title=LAKIP)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info))
    return buf.getvalue()  # stored: mutations hit the XML itself, not only the deflate streams


_FUZZ_BASES = [
    _docx(LAKIP_BODY, title=LAKIP),
    _stored_docx(),
    _pptx([_slide("Rencana Strategis", table=[["a", "b"]])]),
    _odf("application/vnd.oasis.opendocument.text", ODT_TEXT, title=LAKIP),
]
