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


# A decoded body is never allowed to grow past this: a 5 MB gzip "bomb" of zeros expands to 5 GB,
# and no page or document worth assessing is larger than this once decoded.
MAX_DECODED = 20 * 1024 * 1024


def _inflate(data: bytes, wbits: int, limit: int = MAX_DECODED) -> bytes:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, limit)
    if len(out) < limit and not d.unconsumed_tail:
        with contextlib.suppress(zlib.error):
            out += d.flush()
    return out[:limit]


def _unbrotli(data: bytes, limit: int) -> bytes:
    dec = brotli.Decompressor()
    out = bytearray()
    for i in range(0, len(data), 65536):  # feed slowly so a bomb is stopped at the limit
        out += dec.process(data[i : i + 65536])
        if len(out) >= limit:
            break
    return bytes(out[:limit])


def decode_content(data: bytes, encoding: str | None, limit: int = MAX_DECODED) -> bytes:
    """Apply Content-Encoding decoders in reverse order; tolerant of truncation and mislabelling.

    The result is cut at ``limit`` bytes (decompression bombs)."""
    if not encoding or not data:
        return data
    for enc in reversed([e.strip().lower() for e in encoding.split(",") if e.strip()]):
        try:
            if enc in ("gzip", "x-gzip"):
                if data[:2] != b"\x1f\x8b":
                    continue  # labelled gzip but sent plain: keep as is
                data = _inflate(data, 16 + zlib.MAX_WBITS, limit)
            elif enc == "deflate":
                try:
                    data = _inflate(data, zlib.MAX_WBITS, limit)
                except zlib.error:
                    data = _inflate(data, -zlib.MAX_WBITS, limit)
            elif enc == "br" and brotli is not None:
                data = _unbrotli(data, limit)
            # identity / unknown (zstd without a decoder): leave the bytes alone
        except (zlib.error, Exception):
            continue
    return data


def decode_body(raw: bytes, transfer_encoding: str | None, content_encoding: str | None,
                limit: int = MAX_DECODED) -> bytes:
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        raw = dechunk(raw)
    return decode_content(raw, content_encoding, limit)
