"""Reading linked documents: time and memory per file type, and what hostile files cost.

Every document a crawl keeps is opened once during extraction (extract/doctext.py) and typed by
its content (extract/doctype.py). This measures both on files generated here (the corpus copy has
no PDFs): one-page PDFs like the demo's, a 40-page PDF, a DOCX of 400 paragraphs, an XLSX of
3,000 rows, and a 200 MB zip bomb labelled DOCX. Appends a dated section to benchmarks/RESULTS.md.

    python benchmarks/bench_documents.py [--repeat 5] [--no-write]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
import tracemalloc
import zipfile
from datetime import datetime

from _results import machine, publish

from govlens.demo.office import make_docx, make_xlsx
from govlens.demo.pdf import make_pdf
from govlens.extract.doctext import document_text
from govlens.extract.doctype import classify_document


def _multipage_pdf(pages: int) -> bytes:
    """A PDF of several pages by concatenating one-page PDFs' text into one long page list is not
    possible without a writer; pypdf can merge them."""
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for i in range(pages):
        one = make_pdf(f"Laporan Kinerja Tahun 2023 - halaman {i + 1}",
                       [f"Capaian indikator {j}: {80 + j % 20},{j % 10} persen" for j in range(40)])
        w.add_page(PdfReader(io.BytesIO(one)).pages[0])
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
    return buf.getvalue()


def cases() -> list[tuple[str, str, bytes]]:
    return [
        ("pdf, 1 page (demo)", "pdf", make_pdf("LKjIP Dinas Kesehatan Tahun 2022", ["Capaian IKU 2022."])),
        ("pdf, 40 pages", "pdf", _multipage_pdf(40)),
        ("docx, 400 paragraphs", "docx", make_docx("Rencana Strategis 2021-2026",
                                                   [f"Sasaran strategis {i}: meningkatkan layanan." for i in range(400)])),
        ("xlsx, 3000 rows", "xlsx", make_xlsx("Laporan Realisasi Anggaran 2023",
                                              [f"Belanja {i} | {1000 + i} | {900 + i}" for i in range(3000)])),
        ("zip bomb labelled docx (200 MB inflated)", "docx", _bomb()),
    ]


def measure(body: bytes, ftype: str, repeat: int) -> dict[str, float]:
    times, ctimes = [], []
    title = text = ""
    for _ in range(repeat):
        t = time.perf_counter()
        title, text = document_text(body, ftype)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        cls = classify_document(title, text)
        ctimes.append(time.perf_counter() - t)
    tracemalloc.start()
    document_text(body, ftype)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"size": len(body), "read": statistics.median(times), "classify": statistics.median(ctimes),
            "peak": peak, "chars": len(text), "kind": cls.kind}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-write", action="store_true", help="print only, do not append to RESULTS.md")
    args = ap.parse_args()
    rows = []
    for name, ftype, body in cases():
        m = measure(body, ftype, args.repeat)
        rows.append(f"| {name} | {m['size'] / 1024:,.0f} KB | {m['read'] * 1000:,.1f} ms | "
                    f"{m['classify'] * 1000:,.2f} ms | {m['peak'] / 2**20:,.1f} MB | {m['chars']:,} | {m['kind']} |")
    section = "\n".join([
        f"### documents: read and typed by content ({datetime.now().isoformat(timespec='minutes')})",
        "",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/bench_documents.py --repeat {args.repeat}`",
        "",
        "| file | size | read (median) | classify | peak Python heap (tracemalloc) | characters read | kind |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Read = `extract.doctext.document_text` (pypdf for PDF, standard library for OOXML), capped at "
        "200,000 characters and 2 s; classify = `extract.doctype.classify_document` over the title, "
        "first 600 and next 8,000 characters. The bomb is refused member by member (declared size "
        "and ratio, then a streamed 16 MB cap), so it costs milliseconds and no memory.",
        "",
    ])
    publish(section, write=not args.no_write)


if __name__ == "__main__":
    main()
