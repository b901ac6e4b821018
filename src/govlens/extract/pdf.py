"""Title and text of a PDF record, bounded: a 400-page budget annex must not stall a national audit."""

from __future__ import annotations

import io
import logging
import time

_LOG = logging.getLogger("pypdf")


def pdf_text(
    body: bytes, max_pages: int = 20, budget_s: float = 2.0, max_chars: int = 200_000
) -> tuple[str, str]:
    """(title, text) from the first pages; ("", "") when the PDF cannot be read (truncated, encrypted)."""
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a dependency
        return "", ""
    level = _LOG.level
    _LOG.setLevel(logging.ERROR)  # broken PDFs make pypdf log a warning per object
    try:
        start = time.monotonic()
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                return "", ""
        title = ""
        try:
            meta = reader.metadata
            if meta and meta.title:
                title = str(meta.title).strip()
        except Exception:
            title = ""
        parts: list[str] = []
        size = 0
        for i, page in enumerate(reader.pages):
            if i >= max_pages or time.monotonic() - start > budget_s or size > max_chars:
                break
            try:
                t = page.extract_text() or ""
            except Exception:
                continue
            parts.append(t)
            size += len(t)
        text = "\n".join(parts)[:max_chars]
        if not title:
            title = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 3), "")[:200]
        return title, text
    except Exception:
        return "", ""
    finally:
        _LOG.setLevel(level)
