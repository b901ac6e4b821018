"""Recognise links to documents and read the years they are about.

A budget plan or performance report is usually posted as a file, so the criterion detectors look
at documents first. A file's type is known from its name, a ``type=`` attribute or a ``download``
attribute on the page, and, when the crawl fetched it, from its Content-Type or first bytes
(extract_site upgrades those: ``/unduh/dokumen-2`` may well be a PDF).
"""

from __future__ import annotations

import re
from urllib.parse import SplitResult, unquote, urlsplit

DOC_EXTENSIONS = {
    "pdf": "pdf",
    "doc": "doc",
    "docx": "docx",
    "docm": "docx",
    "xls": "xls",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "ppt": "ppt",
    "pptx": "pptx",
    "odt": "odt",
    "ods": "ods",
    "odp": "other",
    "rtf": "other",
    "csv": "other",
    "zip": "zip",
    "rar": "other",
    "7z": "other",
}
_EXT_RE = re.compile(r"\.(" + "|".join(DOC_EXTENSIONS) + r")(?=$|[?#&;/])", re.I)

CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/zip": "zip",
    "application/x-zip-compressed": "zip",
    "application/x-rar-compressed": "other",
    "application/vnd.rar": "other",
    "application/rtf": "other",
    "text/csv": "other",
    "application/vnd.oasis.opendocument.presentation": "other",
    "application/vnd.ms-word.document.macroenabled.12": "docx",
    "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
    "application/vnd.ms-powerpoint.presentation.macroenabled.12": "pptx",
}

# "(PDF)", "[PDF, 2 MB]", "Unduh PDF", "download .xlsx" in the anchor text.
_ANCHOR_TYPE = re.compile(r"(?:[(\[]|\b(?:unduh|download)\s+)\.?(pdf|docx?|xlsx?|pptx?|odt|ods|zip)\b", re.I)


def type_from_url(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return type_from_parts(parts)


def type_from_parts(parts: SplitResult) -> str | None:
    # The path first; a query like ?file=Renstra.pdf names the file too.
    for part in (unquote(parts.path), unquote(parts.query)):
        m = _EXT_RE.search(part)
        if m:
            return DOC_EXTENSIONS[m.group(1).lower()]
    return None


def type_from_content_type(ct: str) -> str | None:
    return CONTENT_TYPES.get(ct.split(";")[0].strip().lower())


def type_from_anchor(text: str) -> str | None:
    m = _ANCHOR_TYPE.search(text)
    if not m:
        return None
    return DOC_EXTENSIONS.get(m.group(1).lower(), "other")


def type_from_magic(body: bytes) -> str | None:
    """File type from the first bytes: what the server sends matters, not what it claims."""
    head = body[:2048]
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in head:
            return "docx"
        if b"xl/" in head:
            return "xlsx"
        if b"ppt/" in head:
            return "pptx"
        if b"opendocument.text" in head:
            return "odt"
        if b"opendocument.spreadsheet" in head:
            return "ods"
        if b"[Content_Types].xml" in head:
            return "other"  # an OOXML whose first part does not say which
        return "zip"
    # a zip (checked first) may start with a stored PDF member; a real PDF may have junk before %PDF
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "doc"  # OLE2: doc, xls or ppt; the extension or Content-Type says which when present
    if head.startswith(b"Rar!"):
        return "other"
    if head.startswith(b"{\\rtf"):
        return "other"
    return None


_YEAR = r"(?:199\d|20[0-3]\d)"
_PERIOD = re.compile(
    rf"(?<!\d)({_YEAR})\s*(?:[-–—/]|s\.?\s?d\.?|sampai(?:\s+dengan)?|hingga|to|until)\s*({_YEAR})(?!\d)",
    re.I,
)
_SINGLE = re.compile(rf"(?<!\d)({_YEAR})(?!\d)")
# "2021-26", "FY 2017/18": a period whose end is written with two digits
_PERIOD_SHORT = re.compile(rf"(?<!\d)({_YEAR})\s*[-–—/]\s*(\d{{2}})(?![\d./-])")


def find_years(*texts: str) -> tuple[list[int], list[str]]:
    """Years 1990–2035 mentioned in the texts, and the period expressions as written.

    A period such as "2021-2026" (a Renstra covers five years) is expanded to every year in it when
    it spans at most ten years, so "does the plan cover 2024?" is a membership test; longer spans
    keep only their ends. Numbers inside longer digit runs (NIP, phone numbers) are not years.
    """
    years: set[int] = set()
    periods: list[str] = []
    for text in texts:
        if not text:
            continue
        if "%" in text:  # "Renstra%202021.pdf": the %20 would glue onto the year
            text = unquote(text)
        for m in _PERIOD.finditer(text):
            a, b = int(m.group(1)), int(m.group(2))
            if a > b:
                a, b = b, a
            if b - a <= 10:
                years.update(range(a, b + 1))
            else:
                years.update((a, b))
            raw = m.group(0)
            if raw not in periods:
                periods.append(raw)
        for m in _PERIOD_SHORT.finditer(text):
            a = int(m.group(1))
            b = a // 100 * 100 + int(m.group(2))
            if a < b <= a + 10:
                years.update(range(a, b + 1))
                if m.group(0) not in periods:
                    periods.append(m.group(0))
        for m in _SINGLE.finditer(text):
            years.add(int(m.group(1)))
    return sorted(y for y in years if 1990 <= y <= 2035), periods
