"""Sitemap parsing with lxml hardened against hostile XML (no entities, no network, no huge trees)."""

from __future__ import annotations

import gzip
import io
import zlib

from lxml import etree

_MAX_UNZIPPED = 50 * 1024 * 1024  # the sitemap protocol's own limit


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True, load_dtd=False)


def _gunzip(data: bytes) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            return fh.read(_MAX_UNZIPPED)
    except (OSError, EOFError, zlib.error):
        return b""


def parse_sitemap(data: bytes) -> tuple[list[str], list[str]]:
    """(page URLs, child sitemap URLs) of a sitemap or sitemap index; gzip accepted.

    Plain-text sitemaps (one URL a line) are accepted too, as the protocol allows.
    """
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data)
    stripped = data.lstrip()
    if not stripped:
        return [], []
    if not stripped.startswith(b"<"):
        lines = [ln.strip() for ln in stripped.decode("utf-8", "replace").splitlines()]
        return [ln for ln in lines if ln.startswith(("http://", "https://"))], []
    try:
        root = etree.fromstring(stripped, parser=_parser())
    except etree.XMLSyntaxError:
        return [], []
    if root is None:
        return [], []
    pages: list[str] = []
    children: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or etree.QName(el).localname != "loc":
            continue
        parent = el.getparent()
        text = (el.text or "").strip()
        if not text or parent is None:
            continue
        if etree.QName(parent).localname == "sitemap":
            children.append(text)
        else:
            pages.append(text)
    return pages, children
