"""Read any standard WARC (govlens's own, Heritrix, wget, Browsertrix...) back as ArchivedRecord.

Every govlens-specific header is optional here: a WARC from another tool yields the same records
with default purpose "page", and its site status is inferred later by :mod:`.grouping`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from govlens.archive.decode import decode_body
from govlens.archive.writer import ORIG_TE_HEADER
from govlens.types import ArchivedRecord

log = logging.getLogger(__name__)

_KEPT = ("response", "resource", "revisit")


def expand_paths(paths: Iterable[str | Path] | str | Path) -> list[Path]:
    """Files as given; directories expanded to their *.warc / *.warc.gz (sorted, so parts of a
    resumed site come in the order they were written)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(q for q in p.iterdir() if q.name.endswith((".warc", ".warc.gz"))))
        else:
            out.append(p)
    return out


@dataclass
class FileScan:
    """What one pass over a WARC file found: records plus the govlens bookkeeping records."""

    path: Path
    warcinfo: dict[str, str] = field(default_factory=dict)
    records: list[ArchivedRecord] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    damaged: str | None = None  # why reading stopped early, if it did


def _parse_warcinfo(data: bytes) -> dict[str, str]:
    info = {}
    for line in data.decode("utf-8", "replace").splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip().lower()] = v.strip()
    return info


def _headers(http_headers: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    if http_headers is None:
        return out
    for k, v in http_headers.headers:
        k = k.lower()
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _incomplete(archive: ArchiveIterator, fh: Any, rec: Any, size: int) -> bool:
    """True when the record just read was cut off: its gzip member never ended, or (uncompressed)
    its block is shorter than its Content-Length. Only happens at the tail of a killed write."""
    limit = getattr(rec.raw_stream, "limit", 0)
    if isinstance(limit, int) and limit > 0:
        return True
    reader = archive.reader
    dec = getattr(reader, "decompressor", None) if reader is not None else None
    return dec is not None and not getattr(dec, "eof", True) and fh.tell() >= size


def scan_file(path: str | Path) -> FileScan:
    """One pass over a WARC. Stops cleanly (logging a warning) at a damaged or truncated tail."""
    path = Path(path)
    scan = FileScan(path=path)
    methods: dict[str, str] = {}  # response record id -> method, from request records
    by_digest: dict[str, ArchivedRecord] = {}
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed in finally
    except OSError as exc:
        scan.damaged = f"cannot open: {exc}"
        log.warning("WARC %s: %s", path, scan.damaged)
        return scan
    size = path.stat().st_size
    try:
        archive = ArchiveIterator(fh, no_record_parse=False, check_digests=False)
        it = iter(archive)
        while True:
            try:
                rec = next(it)
            except StopIteration:
                break
            # start of the current record (warcio updates it when the previous one is consumed)
            offset = archive.offset
            raw = rec.raw_stream.read()
            if _incomplete(archive, fh, rec, size):
                raise EOFError("last record is incomplete")
            kind = rec.rec_type
            h = rec.rec_headers
            if kind == "warcinfo":
                scan.warcinfo = _parse_warcinfo(raw)
                continue
            if kind == "request":
                conc = h.get_header("WARC-Concurrent-To")
                method = rec.http_headers.protocol if rec.http_headers else "GET"
                if conc:
                    methods[conc] = method
                continue
            url = h.get_header("WARC-Target-URI") or ""
            if url.startswith("<") and url.endswith(">"):
                url = url[1:-1]
            rid = h.get_header("WARC-Record-ID") or ""
            date = h.get_header("WARC-Date") or ""
            purpose = h.get_header("WARC-Govlens-Purpose") or "page"
            depth = _int(h.get_header("WARC-Govlens-Depth"))
            via = h.get_header("WARC-Govlens-Via")
            if kind == "metadata":
                if (h.get_header("Content-Type") or "").lower().startswith("application/json"):
                    try:
                        meta = json.loads(raw)
                    except ValueError:
                        continue
                    if not isinstance(meta, dict):
                        continue
                    if meta.get("govlens") == "site-status":
                        meta = {**meta, "seed_url": url, "date": date, "warc_file": path.name}
                        scan.statuses.append(meta)
                    elif meta.get("govlens") == "fetch-error":
                        scan.records.append(
                            ArchivedRecord(
                                url=url,
                                record_id=rid,
                                warc_file=path.name,
                                offset=offset,
                                date=date,
                                record_type="metadata",
                                method=str(meta.get("method") or "GET"),
                                error=str(meta.get("error") or "other"),
                                headers={"x-govlens-detail": str(meta.get("detail") or "")},
                                purpose=str(meta.get("purpose") or purpose),
                                depth=depth,
                                via=meta.get("via") or via,
                            )
                        )
                continue
            if kind not in _KEPT:
                continue
            if not url.lower().startswith(("http://", "https://")):
                # wget's metadata://gnu.org/... resources (its log, arguments, manifest), Heritrix's
                # dns: records, urn: resources: not pages of any site
                continue
            truncated = bool(h.get_header("WARC-Govlens-Truncated") or h.get_header("WARC-Truncated"))
            if kind == "resource":
                headers: dict[str, str] = {"content-type": h.get_header("Content-Type") or ""}
                status: int | None = 200
                body = raw
            else:
                headers = _headers(rec.http_headers)
                status = _int(rec.http_headers.get_statuscode()) if rec.http_headers else None
                te = headers.get("transfer-encoding") or headers.get(ORIG_TE_HEADER.lower())
                # govlens stores the de-chunked body under a renamed header; others store wire bytes.
                if ORIG_TE_HEADER.lower() in headers and "transfer-encoding" not in headers:
                    te = None
                body = decode_body(raw, te, headers.get("content-encoding"))
            location = headers.get("location")
            redirect_to = None
            if status is not None and 300 <= status < 400 and location:
                try:
                    redirect_to = urljoin(url, location.strip())
                except ValueError:
                    redirect_to = None
            method = h.get_header("WARC-Govlens-Method") or methods.get(rid, "GET")
            ar = ArchivedRecord(
                url=url,
                record_id=rid,
                warc_file=path.name,
                offset=offset,
                date=date,
                record_type=kind,
                method=method,
                status=status,
                headers=headers,
                content_type=_media_type(headers.get("content-type", "")),
                body=body,
                truncated=truncated,
                redirect_to=redirect_to,
                purpose=purpose,
                depth=depth,
                via=via,
            )
            digest = h.get_header("WARC-Payload-Digest")
            if kind == "revisit" and not body and digest and digest in by_digest:
                ar.body = by_digest[digest].body
                if not ar.content_type:
                    ar.content_type = by_digest[digest].content_type
            elif digest and kind == "response":
                by_digest[digest] = ar
            scan.records.append(ar)
        if scan.damaged is None and path.name.endswith(".gz") and 0 < archive.offset < size:
            # warcio ends quietly when the last gzip member is cut before its first header line
            raise EOFError(f"{size - archive.offset} trailing bytes are not a complete record")
    except Exception as exc:
        scan.damaged = f"{type(exc).__name__}: {exc}"
        log.warning("WARC %s is damaged after %d records; stopped reading (%s)", path, len(scan.records), scan.damaged)
    finally:
        fh.close()
    return scan


def read_records(paths: Iterable[str | Path] | str | Path) -> Iterator[ArchivedRecord]:
    """One ArchivedRecord per response/resource/revisit record and per govlens fetch-error.

    Request and warcinfo records are skipped; site-status records are not records of a page and
    are exposed by :func:`read_site_statuses` instead. ``body`` is decoded (chunked, gzip, deflate,
    br when a brotli module is installed).
    """
    for p in expand_paths(paths):
        yield from scan_file(p).records


def read_site_statuses(paths: Iterable[str | Path] | str | Path) -> dict[str, dict[str, Any]]:
    """Site-status records by seed URL (newest wins), each with ``seed_url``, ``date`` and
    ``warc_file`` added to the JSON body written by the crawler."""
    out: dict[str, dict[str, Any]] = {}
    for p in expand_paths(paths):
        for st in scan_file(p).statuses:
            old = out.get(st["seed_url"])
            if old is None or st["date"] >= old["date"]:
                out[st["seed_url"]] = st
    return out
