"""Link discovery with selectolax (lexbor): the fastest parser measured, and links are all the
crawler needs; the extract stage does the thorough parse later."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from govlens.archive.heuristics import limit_nesting
from govlens.archive.urls import normalize_url

_SKIP = ("mailto:", "tel:", "javascript:", "data:", "sms:", "whatsapp:", "#")
_SELECTORS = (("a[href]", "href"), ("area[href]", "href"), ("iframe[src]", "src"), ("frame[src]", "src"))
DOC_EXTENSIONS = frozenset(
    ["pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "csv", "zip", "rar", "7z", "txt", "xml", "json", "jpg", "jpeg", "png", "gif", "svg", "webp", "mp4", "mp3"]
)
_CHARSET = re.compile(r"charset=[\"']?([\w-]+)", re.I)


def decode_html(body: bytes, content_type_header: str = "") -> str:
    m = _CHARSET.search(content_type_header or "")
    enc = m.group(1) if m else "utf-8"
    try:
        return body.decode(enc, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def extract_links(body: bytes, base_url: str, content_type_header: str = "") -> list[str]:
    """Absolute, normalised http(s) links in document order, duplicates removed.

    Resolved against ``base_url`` (the ORIGINAL address, never a local mirror's) or the page's
    ``<base href>`` when it has one.
    """
    tree = LexborHTMLParser(limit_nesting(decode_html(body, content_type_header)))
    base = base_url
    node = tree.css_first("base[href]")
    if node is not None:
        href = (node.attributes.get("href") or "").strip()
        resolved = normalize_url(href, base_url) if href else None
        if resolved:
            base = resolved
    seen: set[str] = set()
    out: list[str] = []
    for selector, attr in _SELECTORS:
        for el in tree.css(selector):
            raw = (el.attributes.get(attr) or "").strip()
            if not raw or raw.lower().startswith(_SKIP):
                continue
            url = normalize_url(raw, base)
            if url and url not in seen:
                seen.add(url)
                out.append(url)
    return out


def looks_like_document(url: str) -> bool:
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return dot > path.rfind("/") and path[dot + 1 :] in DOC_EXTENSIONS
