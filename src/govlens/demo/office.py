"""Tiny DOCX and XLSX writers for the demo's office documents.

Like ``pdf.py``: the demo serves real files (so govlens's readers are exercised on what they meet
on real sites) generated from the readable text in ``documents.py``. DOCX is written with the
standard library (the three parts Word needs); XLSX with xlsxwriter, already a dependency.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    "</Relationships>"
)


def make_docx(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """A one-section DOCX: the title as the first paragraph and in docProps, then one paragraph a line."""
    paras = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{escape(t)}</w:t></w:r></w:p>" for t in (title, *lines))
    doc = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paras}</w:body></w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title></cp:coreProperties>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        # [Content_Types].xml first, then word/: what sniffers read in the first bytes
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("word/document.xml", doc)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("docProps/core.xml", core)
    return buf.getvalue()


def make_xlsx(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """One sheet: the title in A1, then each line split on " | " into cells (numbers as numbers)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"title": title})
    ws = wb.add_worksheet("Data")
    ws.write(0, 0, title)
    for r, line in enumerate(lines, start=2):
        for c, cell in enumerate(line.split(" | ")):
            try:
                ws.write_number(r, c, float(cell.replace(",", ".")))
            except ValueError:
                ws.write_string(r, c, cell)
    wb.close()
    return buf.getvalue()
