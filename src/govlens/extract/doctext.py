"""Title and text of a linked document (PDF, OOXML, ODF, plain text), bounded and never raising.

A performance report or a regional regulation is often posted as DOCX or XLSX rather than PDF, and
the criterion detectors can only type it by content when its words are readable. The bodies come
from the open web, archived by the crawler and possibly cut at its size limit, so every reader here
assumes hostile or broken input:

* a zip's central directory is sized up before :mod:`zipfile` parses it (a million tiny members
  would cost hundreds of MB of ``ZipInfo`` objects), and too many members means the file is refused;
* members are decompressed in chunks under a per-member and a per-document cap, because the sizes
  in a zip header can lie, and one whose declared expansion is both large and implausible (a zip
  bomb) is not opened at all;
* XML is parsed incrementally and refused at the first ``<!DOCTYPE`` or ``<!ENTITY``: no part of a
  real office file has a DTD, and a DTD is how entity-expansion bombs get in;
* the time budget is checked between chunks, members and rows, so a crafted file cannot hold an
  audit of a whole country hostage;
* a body cut at the crawl's size limit has no central directory: its members are then found from
  their local headers, so the first pages of a large DOCX are still read.

Only the standard library is used for the office formats: the XML parts are simple enough, and a
new dependency would be one more parser of hostile input to keep patched.
"""

from __future__ import annotations

import codecs
import io
import posixpath
import re
import struct
import time
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from urllib.parse import unquote

from govlens.extract.documents import type_from_content_type, type_from_magic
from govlens.extract.pdf import pdf_text

MB = 1024 * 1024

# Real packages: a DOCX has 10-30 members, an XLSX with many sheets or a PPTX with many slides and
# pictures a few hundred to a couple of thousand. Five thousand leaves room; beyond it the listing
# alone is the attack.
MAX_MEMBERS = 5_000
# Central directory entries are 46 bytes plus the name; 1 MB lists MAX_MEMBERS members with long
# names and bounds what zipfile parses when the member count in the end record lies.
MAX_DIRECTORY_BYTES = 1 * MB
# Decompressed bytes per document and per member. A 10 MB (crawl limit) DOCX holds far less XML
# than this; a large spreadsheet gives more text than max_chars long before its 16th MB.
MAX_TOTAL_BYTES = 20 * MB
MAX_MEMBER_BYTES = 16 * MB
# Shared strings come before the sheets: a cap leaves room for the sheets themselves.
MAX_SHARED_STRINGS_BYTES = 8 * MB
# Relationships, properties, workbook and presentation lists, manifests, mimetype.
MAX_SMALL_PART_BYTES = 2 * MB
# XML deflates 5-50x, repetitive sheet markup rarely beyond 100x; deflate's ceiling is ~1030x.
# A member declaring more than MAX_MEMBER_BYTES at a ratio above this is a bomb, not a document.
MAX_RATIO = 250
# Element nesting deeper than this is not an office document; it also bounds recursion.
MAX_DEPTH = 256
TITLE_CHARS = 200
_CHUNK = 64 * 1024

_PK_LOCAL = b"PK\x03\x04"
_PK_END = b"PK\x05\x06"
_END_RECORD = struct.Struct("<4s4H2LH")  # end of central directory, 22 bytes
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # local file header, 30 bytes
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)
_ENCODING_DECL = re.compile(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']{0,40})[\"']")
_SAFE_ENCODINGS = frozenset(
    {
        b"utf-8",
        b"utf8",
        b"us-ascii",
        b"ascii",
        b"iso-8859-1",
        b"latin-1",
        b"latin1",
        b"windows-1252",
        b"cp1252",
    }
)
_SPACES = re.compile(r"[^\S\t]+")
_PACKAGE_TYPES = frozenset({"docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "other"})
_TEXT_TYPES = frozenset({"csv", "txt", "text", "tsv"})
_BINARY_MAGIC = (
    b"{\\rtf",  # RTF: markup, not text; not read
    b"Rar!",
    b"7z\xbc\xaf",
    b"\xd0\xcf\x11\xe0",  # OLE2 (doc, xls, ppt)
    b"%PDF",
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x1f\x8b",  # gzip
    b"\x89PNG",
    b"\xff\xd8\xff",  # JPEG
    b"GIF8",
)

_NS = {
    "http://schemas.openxmlformats.org/wordprocessingml/2006/main": "w",
    "http://purl.oclc.org/ooxml/wordprocessingml/main": "w",
    "http://schemas.openxmlformats.org/spreadsheetml/2006/main": "s",
    "http://purl.oclc.org/ooxml/spreadsheetml/main": "s",
    "http://schemas.openxmlformats.org/drawingml/2006/main": "a",
    "http://purl.oclc.org/ooxml/drawingml/main": "a",
    "http://schemas.openxmlformats.org/presentationml/2006/main": "p",
    "http://purl.oclc.org/ooxml/presentationml/main": "p",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships": "r",
    "http://purl.oclc.org/ooxml/officeDocument/relationships": "r",
    "http://schemas.openxmlformats.org/package/2006/relationships": "rel",
    "http://schemas.openxmlformats.org/markup-compatibility/2006": "mc",
    "http://purl.org/dc/elements/1.1/": "dc",
    "urn:oasis:names:tc:opendocument:xmlns:office:1.0": "office",
    "urn:oasis:names:tc:opendocument:xmlns:text:1.0": "text",
    "urn:oasis:names:tc:opendocument:xmlns:table:1.0": "table",
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0": "draw",
    "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0": "presentation",
    "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0": "manifest",
}

_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.text-master": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
}
# A main part's content type in [Content_Types].xml (docm, xlsm, dotx, ppsx... included).
_OOXML_MAIN = re.compile(
    rb"(wordprocessingml|ms-word|spreadsheetml|ms-excel|presentationml|ms-powerpoint)\.[a-z0-9.]*main\+xml"
)
_OOXML_KINDS = {
    b"wordprocessingml": "docx",
    b"ms-word": "docx",
    b"spreadsheetml": "xlsx",
    b"ms-excel": "xlsx",
    b"presentationml": "pptx",
    b"ms-powerpoint": "pptx",
}


# --------------------------------------------------------------------------------------------- API


def document_text(
    body: bytes, file_type: str, *, max_chars: int = 200_000, budget_s: float = 2.0
) -> tuple[str, str]:
    """(title, text) of a document; ("", "") when it cannot be read, partial text when cut short.

    What the body is wins over what ``file_type`` claims (a site serving a DOCX at ``.pdf`` or an
    HTML error page at ``.docx`` is common): zip bodies are typed by their members, PDF bodies go to
    :func:`govlens.extract.pdf.pdf_text`, and plain text is only decoded for ``csv``/``txt`` (or
    ``other`` when the bytes look like text, e.g. a CSV served as ``text/csv``), never when it is
    HTML, which would pass off a site's menus as a document's content.

    Not read, and returned as ("", ""): the OLE2 binaries ``doc``, ``xls`` and ``ppt`` (no pure
    Python reader for them ships with our dependencies, and a C or Java converter would be a heavy
    and risky thing to run on hostile files), RTF, and archives (``zip``, ``rar``, ``7z``) that are
    not an office package.

    Titles come from the document's own properties, else its first line, cell or paragraph, cut to
    200 characters. ``max_chars`` bounds the text and ``budget_s`` the wall time (checked between
    chunks, members and rows, so it can be overshot by one chunk's work).
    """
    try:
        if not isinstance(body, bytes):
            body = bytes(body)
        return _document_text(body, (file_type or "").strip().lower(), max_chars, budget_s)
    except Exception:  # a reader bug must not stop an audit: the document just stays unread
        return "", ""


def file_type_of(body: bytes, content_type: str) -> tuple[str | None, str]:
    """(file type as in ``Document.file_type``, how it was known: "magic" or "content_type").

    What the bytes are wins over what the server claims; a zip is typed by its members
    (:func:`sniff_office_type`, "odp" becoming "other"); OLE2 magic cannot tell doc from xls or ppt,
    so the Content-Type settles that. The one place the page reader, the link resolver and the
    archive viewer ask "what file is this?".
    """
    t = type_from_magic(body) if body else None
    if t in ("zip", "other"):
        sniffed = sniff_office_type(body)
        if sniffed:
            t = "other" if sniffed == "odp" else sniffed
    ct = type_from_content_type(content_type)
    if t:
        return (ct if t == "doc" and ct in ("xls", "ppt") else t), "magic"
    return (ct, "content_type") if ct else (None, "")


def sniff_office_type(body: bytes) -> str | None:
    """Office type of a zip body from its members: docx, xlsx, pptx, odt, ods, odp or "other".

    ``type_from_magic`` only sees the first 2 KB, so an OOXML file whose first members are
    ``docProps/`` or a picture is merely "other" there; here the whole member list is read (within
    the same limits as :func:`document_text`), then ``_rels/.rels``, ``[Content_Types].xml`` and
    the ODF ``mimetype`` member when names alone do not say. "other" is a package recognised as
    OOXML or ODF whose kind we do not read (Visio, drawing); None is anything else, including a
    plain zip archive, a refused or unreadable zip and non-zip bytes. "odp" has no value of its own
    in ``DocumentLink.file_type`` (it is "other" there).
    """
    try:
        if not isinstance(body, bytes):
            body = bytes(body)
        budget = _Budget(time.monotonic() + 0.5, MAX_SMALL_PART_BYTES)
        pkg = _open_package(body, budget)
        if pkg is None:
            return None
        try:
            return _sniff(pkg)
        finally:
            pkg.close()
    except Exception:
        return None


def _document_text(body: bytes, ftype: str, max_chars: int, budget_s: float) -> tuple[str, str]:
    if not body or max_chars <= 0:
        return "", ""
    budget = _Budget(time.monotonic() + budget_s, MAX_TOTAL_BYTES)
    is_zip = body[:4] in (_PK_LOCAL, _PK_END)
    is_pdf = b"%PDF-" in body[:1024]
    # A zip cut before its central directory is still a zip; a PDF labelled docx is not one, even
    # when its streams happen to contain a local header's four bytes.
    if is_zip or (ftype in _PACKAGE_TYPES and not is_pdf):
        pkg = _open_package(body, budget)
        if pkg is not None:
            try:
                reader = _READERS.get(_sniff(pkg) or "")
                if reader:
                    return reader(pkg, _Sink(max_chars), budget)
            finally:
                pkg.close()
        if is_zip:
            return "", ""
    if ftype == "pdf" or is_pdf:
        return pdf_text(body, budget_s=budget_s, max_chars=max_chars)
    if (ftype in _TEXT_TYPES or ftype == "other") and _looks_like_text(body):
        return _plain_text(body, max_chars)
    return "", ""


# ------------------------------------------------------------------------------------ limits, text


class _Budget:
    """Deadline and decompressed bytes left, shared by every member read for one document."""

    def __init__(self, deadline: float, bytes_left: int) -> None:
        self.deadline = deadline
        self.bytes_left = bytes_left

    def expired(self) -> bool:
        return self.bytes_left <= 0 or time.monotonic() > self.deadline


class _Sink:
    """Lines of text up to max_chars; readers stop when it is full rather than read on for nothing."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.lines: list[str] = []
        self.size = 0
        self.first = ""  # first content line (not a sheet heading): the fallback title

    @property
    def full(self) -> bool:
        return self.size >= self.max_chars

    def add(self, line: str, heading: bool = False) -> None:
        if not line or self.full:
            return
        line = line[: self.max_chars - self.size]
        if not heading and not self.first:
            self.first = line
        self.lines.append(line)
        self.size += len(line) + 1

    def text(self) -> str:
        return "\n".join(self.lines)[: self.max_chars]


def _clean(text: str) -> str:
    """One line: runs of spaces and line breaks collapsed, tabs kept (they separate columns)."""
    return _SPACES.sub(" ", text).strip()


def _title(text: str) -> str:
    return _clean(text)[:TITLE_CHARS].strip()


def _looks_like_text(body: bytes) -> bool:
    """Plain text rather than a binary or an HTML page (a soft 404 behind a .csv link)."""
    head = body[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    if not head or b"\x00" in head or head.startswith(_BINARY_MAGIC):
        return False
    start = head.lstrip()[:1024].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")) or b"<html" in start:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32 or b == 127)
    return controls <= len(head) // 100


def _plain_text(body: bytes, max_chars: int) -> tuple[str, str]:
    """UTF-8 (BOM or not), UTF-16 with a BOM (Excel's "Unicode text"), else cp1252, the usual
    encoding of a CSV exported on an Indonesian Windows desktop."""
    raw = body[: max_chars * 4 + 4]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = raw.decode("utf-16", errors="replace")
    else:
        if raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            # final=False: a character cut by the slice above is dropped, not an error
            text = codecs.getincrementaldecoder("utf-8")().decode(raw, final=False)
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")[:max_chars]
    title = next((ln for ln in text.splitlines() if ln.strip()), "")
    return _title(title), text


# -------------------------------------------------------------------------------------------- zips


class _Package:
    """The members of a zip by normalised name, read in bounded chunks.

    OPC part names are case-insensitive and some Windows tools write backslashes, so lookups go
    through a lower-cased, slash-normalised name; the first member of a name wins.
    """

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget
        self.names: list[str] = []  # normalised, in archive order
        self._keys: dict[str, str] = {}  # lower-cased normalised name -> backend key

    def _add(self, raw_name: str) -> None:
        name = raw_name.replace("\\", "/").lstrip("/")
        low = name.lower()
        if name and low not in self._keys:
            self._keys[low] = raw_name
            self.names.append(name)

    def find(self, name: str | None) -> str | None:
        """The backend key of a member, or None when the package has no such member."""
        return self._keys.get(name.lower()) if name else None

    def chunks(self, key: str, cap: int = MAX_MEMBER_BYTES) -> Iterator[bytes]:
        """Decompressed bytes of a member, cut at the caps and at the deadline, never raising."""
        limit = min(cap, MAX_MEMBER_BYTES, self.budget.bytes_left)
        if limit <= 0:
            return
        try:
            for chunk in self._raw_chunks(key):
                if len(chunk) > limit:
                    chunk = chunk[:limit]
                limit -= len(chunk)
                self.budget.bytes_left -= len(chunk)
                if chunk:
                    yield chunk
                if limit <= 0 or self.budget.expired():
                    return
        except Exception:  # CRC errors, truncated streams, encrypted or unsupported members
            return

    def read(self, key: str, cap: int) -> bytes:
        return b"".join(self.chunks(key, cap))

    def _raw_chunks(self, key: str) -> Iterator[bytes]:  # pragma: no cover - abstract
        raise NotImplementedError

    def close(self) -> None:
        pass


class _ZipPackage(_Package):
    """A zip with an intact central directory, read through zipfile."""

    def __init__(self, zf: zipfile.ZipFile, budget: _Budget) -> None:
        super().__init__(budget)
        self._zf = zf
        self._infos: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            if not info.is_dir():
                self._infos.setdefault(info.filename, info)
                self._add(info.filename)

    def _raw_chunks(self, key: str) -> Iterator[bytes]:
        info = self._infos[key]
        # zipfile bounds each inflate call, but hands a whole compressed read to bz2 and lzma,
        # whose ratios reach millions: one call could return gigabytes. Office files never use them.
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            return
        if _is_bomb(info.file_size, info.compress_size):
            return
        with self._zf.open(info) as f:
            while chunk := f.read(_CHUNK):  # ZipExtFile inflates at most _CHUNK per call
                yield chunk

    def close(self) -> None:
        self._zf.close()


class _Local:
    __slots__ = ("csize", "method", "start", "usize")

    def __init__(self, method: int, start: int, csize: int | None, usize: int | None) -> None:
        self.method = method
        self.start = start
        self.csize = csize
        self.usize = usize


class _ScannedPackage(_Package):
    """A zip without a usable central directory (cut at the crawl's size limit, or damaged):
    members are found by their local headers, and each deflate stream read until it ends or the
    body does, so a DOCX truncated after its document.xml still gives its text."""

    def __init__(self, body: bytes, budget: _Budget) -> None:
        super().__init__(budget)
        self._body = body
        self._members: dict[str, _Local] = {}
        pos = 0
        while len(self._members) < MAX_MEMBERS:
            i = body.find(_PK_LOCAL, pos)
            if i < 0 or i + _LOCAL_HEADER.size > len(body):
                break
            pos = i + 4
            _, _, _, flags, method, _, _, _, csize, usize, nlen, elen = _LOCAL_HEADER.unpack_from(body, i)
            start = i + _LOCAL_HEADER.size + nlen + elen
            if not 0 < nlen <= 1024 or start > len(body) or method not in (0, 8) or flags & 0x1:
                continue  # a false match inside compressed data, or an encrypted member
            raw = body[i + _LOCAL_HEADER.size : i + _LOCAL_HEADER.size + nlen]
            name = raw.decode("utf-8" if flags & 0x800 else "cp437", errors="replace")
            known = not flags & 0x8 and csize != 0xFFFFFFFF  # sizes are in a data descriptor
            if name not in self._members:
                self._members[name] = _Local(
                    method, start, csize if known else None, usize if known else None
                )
                self._add(name)
            if known and start + csize <= len(body):
                pos = start + csize

    def _raw_chunks(self, key: str) -> Iterator[bytes]:
        m = self._members[key]
        body = self._body
        if m.usize is not None and m.csize is not None and _is_bomb(m.usize, m.csize):
            return
        if m.csize is not None:
            end = min(len(body), m.start + m.csize)
        elif m.method == 0:  # stored, size unknown: up to the next member
            nxt = body.find(_PK_LOCAL, m.start)
            end = nxt if nxt >= 0 else len(body)
        else:
            end = len(body)  # a deflate stream knows where it ends
        if m.method == 0:
            for pos in range(m.start, end, _CHUNK):
                yield body[pos : min(end, pos + _CHUNK)]
            return
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        pos = m.start
        while not inflate.eof:
            data = inflate.unconsumed_tail
            if not data:
                if pos >= end:
                    break
                data = body[pos : min(end, pos + _CHUNK)]
                pos += len(data)
            out = inflate.decompress(data, _CHUNK)  # max_length: a bomb inflates _CHUNK at a time
            if out:
                yield out
            elif not inflate.unconsumed_tail and pos >= end:
                break


def _is_bomb(file_size: int, compress_size: int) -> bool:
    return file_size > MAX_MEMBER_BYTES and file_size > MAX_RATIO * max(compress_size, 1)


def _directory_state(body: bytes) -> str:
    """The end record says "ok", "refuse" (too many members, too large a directory) or "missing"."""
    i = body.rfind(_PK_END, max(0, len(body) - _END_RECORD.size - 0xFFFF))
    if i < 0 or i + _END_RECORD.size > len(body):
        return "missing"
    count, dir_size = _END_RECORD.unpack_from(body, i)[4:6]
    if count == 0xFFFF or dir_size == 0xFFFFFFFF:  # zip64: the real figures are in its end record
        loc = i - 20
        rec = loc - 56
        if rec < 0 or body[loc : loc + 4] != b"PK\x06\x07" or body[rec : rec + 4] != b"PK\x06\x06":
            return "refuse"
        count, dir_size = struct.unpack_from("<QQ", body, rec + 32)
    if count > MAX_MEMBERS or dir_size > MAX_DIRECTORY_BYTES:
        return "refuse"
    return "ok"


def _open_package(body: bytes, budget: _Budget) -> _Package | None:
    state = _directory_state(body)
    if state == "refuse":
        return None
    if state == "ok":
        zf = None
        try:
            zf = zipfile.ZipFile(io.BytesIO(body))
            if len(zf.infolist()) > MAX_MEMBERS:  # the end record's count lied
                zf.close()
                return None
            return _ZipPackage(zf, budget)
        except Exception:  # damaged directory: fall back to the local headers
            if zf is not None:
                zf.close()
    pkg = _ScannedPackage(body, budget)
    return pkg if pkg.names else None


# --------------------------------------------------------------------------------------------- XML


@lru_cache(maxsize=1024)
def _short(tag: str) -> str:
    """'{uri}local' as 'prefix:local' for the namespaces we read (Transitional and Strict alike)."""
    if tag[:1] != "{":
        return tag
    uri, _, local = tag[1:].partition("}")
    prefix = _NS.get(uri)
    return f"{prefix}:{local}" if prefix else tag


def _attr(el: ET.Element, name: str) -> str | None:
    for key, value in el.attrib.items():
        if _short(key) == name:
            return value
    return None


def _xml_chunks(pkg: _Package, key: str, cap: int) -> Iterator[bytes]:
    """A member's bytes that are safe to give expat, up to the first sign of a DTD.

    A DTD can only come before the root element, so stopping there loses nothing of a real part.
    The byte scan only sees a DTD written in an ASCII-compatible encoding: NUL bytes (UTF-16/32,
    never valid in UTF-8 XML) and any declared encoding outside a short list (expat would decode
    an 8-bit EBCDIC page, where ``<!ENTITY`` has other bytes) stop the member too. Office parts
    are UTF-8 in practice.
    """
    head = b""  # the declaration is checked on at least 256 bytes, however the stream is chunked
    tail = b""
    checked = False
    for chunk in pkg.chunks(key, cap):
        if not checked:
            head += chunk
            if len(head) < 256:
                continue
            chunk, head, checked = head, b"", True
            if not _safe_prolog(chunk):
                return
        if b"\x00" in chunk or _DTD.search(tail + chunk):
            return
        tail = chunk[-16:]
        yield chunk
    if head and _safe_prolog(head) and b"\x00" not in head and not _DTD.search(head):
        yield head


def _safe_prolog(head: bytes) -> bool:
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    m = _ENCODING_DECL.match(head)
    return not m or m.group(1).lower() in _SAFE_ENCODINGS


def _xml_events(
    pkg: _Package, key: str | None, cap: int = MAX_MEMBER_BYTES, hold: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str, ET.Element]]:
    """(event, short tag, element) of one XML member, streamed; stops quietly where the XML breaks.

    Ended elements are cleared once the caller has seen them (so memory follows the nesting, not
    the member's size), except inside a ``hold`` element, whose subtree its own end event needs
    (ODF paragraphs interleave text and child elements).
    """
    if key is None:
        return
    parser = ET.XMLPullParser(events=("start", "end"))
    stack: list[ET.Element] = []
    held = 0
    for chunk in _xml_chunks(pkg, key, cap):
        parser.feed(chunk)
        try:
            for event, el in parser.read_events():
                tag = _short(el.tag)
                if event == "start":
                    stack.append(el)
                    if len(stack) > MAX_DEPTH:
                        return
                    if tag in hold:
                        held += 1
                    yield event, tag, el
                    continue
                yield event, tag, el
                if stack:
                    stack.pop()
                if tag in hold:
                    held -= 1
                if not held:
                    el.clear()
                    if stack and len(stack[-1]) and stack[-1][-1] is el:
                        del stack[-1][-1]
        except ET.ParseError:
            return
        if pkg.budget.expired():
            return


def _first_text(pkg: _Package, key: str | None, tag: str) -> str:
    for event, t, el in _xml_events(pkg, key, MAX_SMALL_PART_BYTES):
        if event == "end" and t == tag:
            return _title(el.text or "")
    return ""


def _resolve(base_dir: str, target: str) -> str | None:
    """A relationship target as a member name: relative to the source part, or absolute."""
    t = unquote(target.replace("\\", "/"))
    path = posixpath.normpath(t.lstrip("/") if t.startswith("/") else posixpath.join(base_dir, t))
    return None if path == "." or path.startswith("..") else path


def _rels(pkg: _Package, part: str | None) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, member key) of a part ("" for the package itself)."""
    if part is None:
        return {}
    base = posixpath.dirname(part)
    rels_name = posixpath.join(base, "_rels", posixpath.basename(part) + ".rels")
    out: dict[str, tuple[str, str]] = {}
    for event, tag, el in _xml_events(pkg, pkg.find(rels_name), MAX_SMALL_PART_BYTES):
        if event != "end" or tag != "rel:Relationship" or el.get("TargetMode") == "External":
            continue
        rid, target = el.get("Id"), el.get("Target")
        if rid and target:
            key = pkg.find(_resolve(base, target))
            if key and rid not in out:
                out[rid] = (el.get("Type") or "", key)
    return out


def _rel_target(rels: dict[str, tuple[str, str]], type_suffix: str) -> str | None:
    return next((key for typ, key in rels.values() if typ.endswith(type_suffix)), None)


def _main_part(pkg: _Package, fallback: str) -> str | None:
    """The officeDocument part _rels/.rels points to: not always word/document.xml."""
    return _rel_target(_rels(pkg, ""), "/officeDocument") or pkg.find(fallback)


def _numbered(pkg: _Package, prefix: str) -> list[str]:
    """Members prefixN.xml in numeric order (slide10 after slide2), when no list says the order."""
    pattern = re.compile(re.escape(prefix) + r"(\d{1,6})\.xml", re.I)
    found = [(int(m.group(1)), name) for name in pkg.names if (m := pattern.fullmatch(name))]
    return [k for k in (pkg.find(name) for _, name in sorted(found)) if k]


def _core_title(pkg: _Package) -> str:
    key = _rel_target(_rels(pkg, ""), "/core-properties") or pkg.find("docProps/core.xml")
    return _first_text(pkg, key, "dc:title")


# ----------------------------------------------------------------------------------------- sniffing


def _sniff(pkg: _Package) -> str | None:
    lower = {name.lower() for name in pkg.names}
    mimetype = pkg.find("mimetype")
    if mimetype:
        mt = pkg.read(mimetype, 256).strip().decode("ascii", errors="replace").lower()
        if mt in _ODF_MIMETYPES:
            return _ODF_MIMETYPES[mt]
        if mt.startswith("application/vnd.oasis.opendocument."):
            return "other"
    main = _main_part(pkg, "")
    main_name = main.replace("\\", "/").lstrip("/").lower() if main else ""
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if main_name.startswith(prefix):
            return kind
    for prefix, kind in (("word/", "docx"), ("xl/", "xlsx"), ("ppt/", "pptx")):
        if any(name.startswith(prefix) for name in lower):
            return kind
    types = pkg.find("[Content_Types].xml")
    if types:
        m = _OOXML_MAIN.search(pkg.read(types, MAX_SMALL_PART_BYTES).lower())
        return _OOXML_KINDS[m.group(1)] if m else "other"
    manifest = pkg.find("META-INF/manifest.xml")
    if manifest and "content.xml" in lower:
        for event, tag, el in _xml_events(pkg, manifest, MAX_SMALL_PART_BYTES):
            if event == "end" and tag == "manifest:file-entry" and _attr(el, "manifest:full-path") == "/":
                mt = (_attr(el, "manifest:media-type") or "").lower()
                return _ODF_MIMETYPES.get(mt, "other")
    return None


# ----------------------------------------------------------------------------------------- readers


class _Table:
    """Cells of the row being read; a row becomes one line, its non-empty cells joined by " | "."""

    def __init__(self) -> None:
        self.cells: list[str] = []
        self.parts: list[str] = []

    def part(self, text: str) -> None:
        if text:
            self.parts.append(text)

    def end_cell(self) -> str:
        cell = " ".join(self.parts)
        self.parts.clear()
        if cell:
            self.cells.append(cell)
        return cell

    def end_row(self) -> str:
        row = " | ".join(self.cells)
        self.cells.clear()
        return row


def _paragraphs(pkg: _Package, key: str, ns: str, sink: _Sink) -> None:
    """WordprocessingML (ns "w") or DrawingML (ns "a") text: a line per paragraph or table row.

    Runs are joined without spaces (Word splits words across runs); properties are skipped (their
    w:tab elements are tab stops, not tabs), and so are mc:Fallback copies of text boxes and
    tracked deletions, which would repeat or resurrect text.
    """
    skip_tags = {"mc:Fallback", f"{ns}:pPr", f"{ns}:rPr", "w:del", "w:moveFrom"}
    p, t, tbl, tr, tc = (f"{ns}:{x}" for x in ("p", "t", "tbl", "tr", "tc"))
    para: list[str] = []
    tables: list[_Table] = []
    skip = 0
    for event, tag, el in _xml_events(pkg, key):
        if tag in skip_tags:
            skip += 1 if event == "start" else -1
            continue
        if skip:
            continue
        if event == "start":
            if tag == tbl:
                tables.append(_Table())
            continue
        if tag == t:
            para.append(el.text or "")
        elif tag in ("w:tab", "w:ptab"):
            para.append("\t")
        elif tag in ("w:br", "w:cr", "a:br"):
            para.append(" ")
        elif tag == "w:noBreakHyphen":
            para.append("-")
        elif tag == p:
            text = _clean("".join(para))
            para.clear()
            if tables:
                tables[-1].part(text)
            else:
                sink.add(text)
        elif tag == tc and tables:
            tables[-1].end_cell()
        elif tag == tr and tables:
            row = tables[-1].end_row()
            if len(tables) > 1:
                tables[-2].part(row)  # a nested table's row stays inside the outer cell
            else:
                sink.add(row)
        elif tag == tbl and tables:
            tables.pop()
        if sink.full:
            return


def _docx(pkg: _Package, sink: _Sink, budget: _Budget) -> tuple[str, str]:
    title = _core_title(pkg)
    main = _main_part(pkg, "word/document.xml")
    if main:
        _paragraphs(pkg, main, "w", sink)
    return title or _title(sink.first), sink.text()


def _pptx(pkg: _Package, sink: _Sink, budget: _Budget) -> tuple[str, str]:
    """Slides in presentation order (presentation.xml), which after reordering is not file order."""
    title = _core_title(pkg)
    pres = _main_part(pkg, "ppt/presentation.xml")
    rels = _rels(pkg, pres)
    slides: list[str] = []
    for event, tag, el in _xml_events(pkg, pres, MAX_SMALL_PART_BYTES):
        if event == "end" and tag == "p:sldId":
            typ, key = rels.get(_attr(el, "r:id") or "", ("", ""))
            if key and typ.endswith("/slide"):
                slides.append(key)
    for key in slides or _numbered(pkg, "ppt/slides/slide"):
        if sink.full or budget.expired():
            break
        _paragraphs(pkg, key, "a", sink)
    return title or _title(sink.first), sink.text()


def _shared_strings(pkg: _Package, key: str | None) -> list[str]:
    strings: list[str] = []
    runs: list[str] = []
    phonetic = 0  # rPh: reading aids for East Asian text, not part of the value
    for event, tag, el in _xml_events(pkg, key, MAX_SHARED_STRINGS_BYTES):
        if tag == "s:rPh":
            phonetic += 1 if event == "start" else -1
        elif event == "end" and tag == "s:t" and not phonetic:
            runs.append(el.text or "")
        elif event == "end" and tag == "s:si":
            strings.append("".join(runs))
            runs.clear()
    return strings


def _number(value: str) -> str:
    """Excel's stored doubles as written: 2021 not 2021.0, 88.1 not 88.09999999999999."""
    try:
        x = float(value)
    except ValueError:
        return value.strip()
    if x != x or x in (float("inf"), float("-inf")):
        return value.strip()
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.15g}"


def _cell(kind: str, value: str | None, inline: list[str], strings: list[str]) -> str:
    if kind == "inlineStr":
        return _clean("".join(inline))
    if value is None:
        return ""
    if kind == "s":
        try:
            i = int(value)
        except ValueError:
            return ""
        return _clean(strings[i]) if 0 <= i < len(strings) else ""
    if kind == "b":
        return {"1": "TRUE", "0": "FALSE"}.get(value.strip(), value.strip())
    if kind in ("str", "e", "d"):
        return _clean(value)
    return _number(value)


def _sheet(pkg: _Package, key: str, strings: list[str], sink: _Sink, budget: _Budget) -> str:
    """Rows of one worksheet as lines; returns its first non-empty cell (a fallback title)."""
    first = ""
    row: list[str] = []
    kind, value, inline, phonetic = "n", None, [], 0
    for event, tag, el in _xml_events(pkg, key):
        if event == "start":
            if tag == "s:c":
                kind, value, inline = el.get("t") or "n", None, []
            elif tag == "s:rPh":
                phonetic += 1
            continue
        if tag == "s:rPh":
            phonetic -= 1
        elif tag == "s:v":
            value = el.text
        elif tag == "s:t" and not phonetic:
            inline.append(el.text or "")
        elif tag == "s:c":
            cell = _cell(kind, value, inline, strings)
            if cell:
                row.append(cell)
                first = first or cell
        elif tag == "s:row":
            sink.add(" | ".join(row))
            row.clear()
            if sink.full or budget.expired():
                break
    return first


def _xlsx(pkg: _Package, sink: _Sink, budget: _Budget) -> tuple[str, str]:
    """Sheets in workbook order, each under a "## name" heading line, a line per row."""
    title = _core_title(pkg)
    workbook = _main_part(pkg, "xl/workbook.xml")
    rels = _rels(pkg, workbook)
    sheets: list[tuple[str, str]] = []
    for event, tag, el in _xml_events(pkg, workbook, MAX_SMALL_PART_BYTES):
        if event == "end" and tag == "s:sheet":
            typ, key = rels.get(_attr(el, "r:id") or "", ("", ""))
            if key and typ.endswith("/worksheet"):
                sheets.append((_clean(el.get("name") or ""), key))
    if not sheets:
        sheets = [(f"Sheet{i}", key) for i, key in enumerate(_numbered(pkg, "xl/worksheets/sheet"), 1)]
    base = posixpath.dirname(workbook) if workbook else "xl"
    strings_key = _rel_target(rels, "/sharedStrings") or pkg.find(posixpath.join(base, "sharedStrings.xml"))
    strings = _shared_strings(pkg, strings_key)
    first_cell = ""
    for name, key in sheets:
        if sink.full or budget.expired():
            break
        sink.add(f"## {name}", heading=True)
        cell = _sheet(pkg, key, strings, sink, budget)
        first_cell = first_cell or cell
    return title or _title(first_cell), sink.text()


_ODF_PARAGRAPHS = frozenset({"text:p", "text:h"})
_ODF_SKIP = frozenset({"office:annotation", "text:tracked-changes", "text:note", "presentation:notes"})


def _odf_inline(el: ET.Element, out: list[str]) -> None:
    """Mixed content of an ODF paragraph: text, spans, links, and text:s / text:tab elements."""
    if el.text:
        out.append(el.text)
    for child in el:
        tag = _short(child.tag)
        if tag == "text:s" or tag == "text:line-break":
            out.append(" ")
        elif tag == "text:tab":
            out.append("\t")
        elif tag not in _ODF_SKIP:
            if tag in _ODF_PARAGRAPHS:
                out.append(" ")
            _odf_inline(child, out)  # depth is bounded by MAX_DEPTH in _xml_events
        if child.tail:
            out.append(child.tail)


def _odf(pkg: _Package, sink: _Sink, budget: _Budget, spreadsheet: bool = False) -> tuple[str, str]:
    """content.xml paragraphs and table rows; in a spreadsheet each table is a sheet with a heading.

    Repeated rows and columns (``number-rows-repeated``) are read once: expanding them is how a
    few bytes of ODS claim a million cells.
    """
    title = _first_text(pkg, pkg.find("meta.xml"), "dc:title")
    tables: list[_Table] = []
    depth = skip = 0
    first_cell = ""
    for event, tag, el in _xml_events(pkg, pkg.find("content.xml"), hold=_ODF_PARAGRAPHS):
        if tag in _ODF_SKIP and not depth:
            skip += 1 if event == "start" else -1
            continue
        if skip:
            continue
        if tag in _ODF_PARAGRAPHS:
            depth += 1 if event == "start" else -1
            if event == "end" and not depth:
                out: list[str] = []
                _odf_inline(el, out)
                text = _clean("".join(out))
                if tables:
                    tables[-1].part(text)
                else:
                    sink.add(text)
            continue
        if depth:
            continue
        if event == "start":
            if tag == "table:table":
                if spreadsheet and not tables:
                    sink.add(f"## {_clean(_attr(el, 'table:name') or '')}", heading=True)
                tables.append(_Table())
            continue
        if tag in ("table:table-cell", "table:covered-table-cell") and tables:
            cell = tables[-1].end_cell()
            first_cell = first_cell or cell
        elif tag == "table:table-row" and tables:
            row = tables[-1].end_row()
            if len(tables) > 1:
                tables[-2].part(row)
            else:
                sink.add(row)
            if budget.expired():
                break
        elif tag == "table:table" and tables:
            tables.pop()
        if sink.full:
            break
    fallback = first_cell if spreadsheet else sink.first
    return title or _title(fallback), sink.text()


_READERS: dict[str, Callable[[_Package, _Sink, _Budget], tuple[str, str]]] = {
    "docx": _docx,
    "xlsx": _xlsx,
    "pptx": _pptx,
    "odt": _odf,
    "ods": partial(_odf, spreadsheet=True),
    "odp": _odf,
}
