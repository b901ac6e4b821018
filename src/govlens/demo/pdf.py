"""A tiny, dependency-free PDF writer for the demo's documents.

The demo needs *real* PDF bodies (so type sniffing by magic bytes and text extraction can be tested),
but checking binary files into the repo would hide their content from review. Generating them from a
title and a few lines keeps every document readable in ``documents.py`` and guarantees a valid file
(correct xref offsets), which hand-edited PDFs rarely have.
"""

from __future__ import annotations


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(title: str, lines: list[str] | tuple[str, ...] = ()) -> bytes:
    """One A4 page, Helvetica, the title in bold-ish size and the lines below it.

    Text is encoded Latin-1 (WinAnsi), which covers Indonesian; anything else is replaced so the
    writer never fails on a stray character.
    """
    ops = ["BT", "/F1 16 Tf", "50 790 Td", f"({_escape(title)}) Tj", "/F1 11 Tf", "0 -28 Td"]
    for line in lines:
        ops += [f"({_escape(line)}) Tj", "0 -16 Td"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1", "replace")
    info = f"<< /Title ({_escape(title)}) /Producer (govlens demo) >>".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        info,
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
