"""Undo transfer- and content-encoding of an archived payload.

Done here rather than through warcio's ``content_stream()`` because archived bodies are often cut
at a size limit: a truncated gzip stream must still yield the bytes that did arrive, and a server
that lies about its encoding must not make a page unreadable.
"""

from __future__ import annotations

import contextlib
import zlib

try:  # optional, as in warcio
    import brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    try:
        import brotlicffi as brotli  # type: ignore[import-not-found,no-redef]
    except ImportError:
        brotli = None


def dechunk(data: bytes) -> bytes:
    """Decode HTTP/1.1 chunked framing; returns the input unchanged if it is not valid chunking."""
    out = bytearray()
    pos = 0
    n = len(data)
    while pos < n:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            eol = data.find(b"\n", pos)
            if eol < 0:
                return data if not out else bytes(out)
            sep = 1
        else:
            sep = 2
        line = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(line, 16)
        except ValueError:
            return data if not out else bytes(out)
        pos = eol + sep
        if size == 0:
            break
        out += data[pos : pos + size]
        pos += size
        if data[pos : pos + 2] == b"\r\n":
            pos += 2
        elif data[pos : pos + 1] == b"\n":
            pos += 1
    return bytes(out)


def _inflate(data: bytes, wbits: int) -> bytes:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data)
    with contextlib.suppress(zlib.error):
        out += d.flush()
    return out


def decode_content(data: bytes, encoding: str | None) -> bytes:
    """Apply Content-Encoding decoders in reverse order; tolerant of truncation and mislabelling."""
    if not encoding or not data:
        return data
    for enc in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        try:
            if enc in ("gzip", "x-gzip"):
                if data[:2] != b"\x1f\x8b":
                    continue  # labelled gzip but sent plain: keep as is
                data = _inflate(data, 16 + zlib.MAX_WBITS)
            elif enc == "deflate":
                try:
                    data = _inflate(data, zlib.MAX_WBITS)
                except zlib.error:
                    data = _inflate(data, -zlib.MAX_WBITS)
            elif enc == "br" and brotli is not None:
                data = brotli.decompress(data)
            # identity / unknown (zstd without a decoder): leave the bytes alone
        except (zlib.error, Exception):
            continue
    return data


def decode_body(raw: bytes, transfer_encoding: str | None, content_encoding: str | None) -> bytes:
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        raw = dechunk(raw)
    return decode_content(raw, content_encoding)
