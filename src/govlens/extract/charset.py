"""Turn a response body into text the way a browser would, so that Indonesian names with accents,
curly quotes from Word and the odd Latin-1 page come out right.

Order follows the HTML Standard's encoding sniffing, simplified: byte-order mark, then the HTTP
``Content-Type`` charset, then a ``<meta charset>`` / ``http-equiv`` declaration anywhere in the
head (real pages put it after kilobytes of inline scripts, past the Standard's 1024-byte window),
then strict UTF-8, then windows-1252 with replacement characters.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
# <meta charset="x">, <meta http-equiv="Content-Type" content="text/html; charset=x">,
# in either attribute order.
_META_CHARSET = re.compile(
    rb"<meta\b[^>]*?\bcharset\s*=\s*[\"']?\s*([\w.:-]+)",
    re.I,
)
_HEAD_END = re.compile(rb"</head\s*>|<body\b", re.I)

# Labels that browsers map to another decoder (WHATWG Encoding Standard): a page that says
# iso-8859-1 really gets windows-1252, whose extra punctuation Word users produce all the time.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
    "utf8": "utf-8",
    "unicode": "utf-16-le",
    "utf-16": "utf-16-le",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
}

_TEXT_CODECS_ONLY = {"base64", "hex", "rot13", "uu", "zlib", "bz2", "quopri"}


def _codec(label: str | None) -> str | None:
    """Python codec name for a declared label, or None when the label cannot decode text."""
    if not label:
        return None
    name = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name in _TEXT_CODECS_ONLY or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def header_charset(content_type_header: str | None) -> str | None:
    if not content_type_header:
        return None
    m = _HEADER_CHARSET.search(content_type_header)
    return _codec(m.group(1)) if m else None


def meta_charset(body: bytes, limit: int = 65536) -> str | None:
    """Charset declared in a meta tag of the head, looking past the first kilobyte on purpose."""
    head = body[:limit]
    end = _HEAD_END.search(head)
    if end:
        head = head[: end.start()]
    for m in _META_CHARSET.finditer(head):
        name = _codec(m.group(1).decode("ascii", "ignore"))
        if name:
            # A UTF-16 declaration inside a byte-compatible document is a lie (the Standard says so).
            return "utf-8" if name.startswith("utf-16") else name
    return None


def decode_body(body: bytes, content_type_header: str | None = None) -> tuple[str, str]:
    """Decode an HTML (or text) body; returns (text, encoding used)."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name
    for name in (header_charset(content_type_header), meta_charset(body)):
        if name:
            return body.decode(name, errors="replace"), name
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        # A body cut at the size limit can end mid-character: that alone is no reason to drop UTF-8.
        if exc.start >= len(body) - 3 and exc.reason in ("unexpected end of data",):
            return body.decode("utf-8", errors="replace"), "utf-8"
        return body.decode("cp1252", errors="replace"), "cp1252"
