"""Write one WARC file per site, record by record, so a killed crawl keeps what it already saw.

Records are built by hand with warcio (its ``capture_http`` only hooks http.client/requests, not
aiohttp). Each record is its own gzip member and the file is flushed after every record: a crash
loses at most the record being written, and the reader stops cleanly at a damaged tail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from govlens import __version__

_PART_RE = re.compile(r"^(?P<site>.+?)(?:\.(?P<n>\d+))?\.warc(?:\.gz)?$")

# aiohttp hands us the de-chunked body, so a recorded "Transfer-Encoding: chunked" header would
# make replay tools try to de-chunk a body that is not chunked. The original value is kept under
# this name (the convention pywb/warcprox readers ignore harmlessly).
ORIG_TE_HEADER = "X-Govlens-Orig-Transfer-Encoding"


def site_parts(archive_dir: str | Path, site_id: str) -> list[Path]:
    """Existing WARC files of a site: ``<site_id>.warc.gz`` then ``<site_id>.<n>.warc.gz`` by n."""
    d = Path(archive_dir)
    found: list[tuple[int, Path]] = []
    if not d.is_dir():
        return []
    for p in d.iterdir():
        m = _PART_RE.match(p.name)
        if m and m.group("site") == site_id and p.name.endswith(".warc.gz"):
            found.append((int(m.group("n") or 0), p))
    return [p for _, p in sorted(found)]


def next_part_path(archive_dir: str | Path, site_id: str) -> Path:
    """First unused file name for a site; existing archives are never rewritten."""
    parts = site_parts(archive_dir, site_id)
    if not parts:
        return Path(archive_dir) / f"{site_id}.warc.gz"
    last = _PART_RE.match(parts[-1].name)
    n = int(last.group("n") or 0) + 1 if last else len(parts)
    return Path(archive_dir) / f"{site_id}.{n}.warc.gz"


def new_record_id() -> str:
    return f"<urn:uuid:{uuid4()}>"


def _hdr_list(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    out = []
    for k, v in headers:
        if k.lower() == "transfer-encoding":
            out.append((ORIG_TE_HEADER, v))
        else:
            out.append((k, v.replace("\r", " ").replace("\n", " ")))
    return out


class WarcSiteWriter:
    """Appends the records of one site's crawl to ``archive_dir/<site_id>[.<n>].warc.gz``.

    The file is created lazily on the first record, so a site that is skipped (already complete)
    leaves no empty part behind.
    """

    def __init__(
        self,
        archive_dir: str | Path,
        site_id: str,
        *,
        seed_url: str,
        organisation: str = "",
        audit: str = "",
        user_agent: str = "",
        extra_info: dict[str, str] | None = None,
    ) -> None:
        self.archive_dir = Path(archive_dir)
        self.site_id = site_id
        self.seed_url = seed_url
        self.organisation = organisation
        self.audit = audit
        self.user_agent = user_agent
        self.extra_info = extra_info or {}
        self.path: Path | None = None
        self._fh: Any = None
        self._writer: WARCWriter | None = None
        self.records_written = 0

    # ------------------------------------------------------------------ plumbing
    def _open(self) -> WARCWriter:
        if self._writer is not None:
            return self._writer
        self.archive_dir.mkdir(parents=True, exist_ok=True)
        self.path = next_part_path(self.archive_dir, self.site_id)
        # "xb": refuse to clobber a file that appeared since we chose the name.
        self._fh = open(self.path, "xb")  # noqa: SIM115 - kept open for the site's lifetime
        self._writer = WARCWriter(self._fh, gzip=True, warc_version="WARC/1.1")
        info: dict[str, str] = {
            "software": f"govlens/{__version__}",
            "format": "WARC File Format 1.1",
            "audit": self.audit,
            "site-id": self.site_id,
            "seed-url": self.seed_url,
            "organisation": self.organisation,
            "robots": "obey",
            "user-agent": self.user_agent,
        }
        info.update(self.extra_info)
        rec = self._writer.create_warcinfo_record(self.path.name, info)
        self._write(rec)
        return self._writer

    def _write(self, record: Any) -> None:
        assert self._writer is not None
        self._writer.write_record(record)
        self._fh.flush()
        self.records_written += 1

    @staticmethod
    def _govlens_headers(
        purpose: str, depth: int | None, via: str | None, fetched_from: str | None
    ) -> dict[str, str]:
        h = {"WARC-Govlens-Purpose": purpose}
        if depth is not None:
            h["WARC-Govlens-Depth"] = str(depth)
        if via:
            h["WARC-Govlens-Via"] = via
        if fetched_from:
            h["WARC-Govlens-Fetched-From"] = fetched_from
        return h

    # ------------------------------------------------------------------ records
    def write_exchange(
        self,
        *,
        url: str,
        method: str,
        request_headers: Iterable[tuple[str, str]],
        status: int,
        reason: str,
        response_headers: Iterable[tuple[str, str]],
        body: bytes,
        purpose: str = "page",
        depth: int | None = None,
        via: str | None = None,
        truncated: bool = False,
        fetched_from: str | None = None,
        ip: str | None = None,
        http_version: str = "HTTP/1.1",
    ) -> str:
        """Write a request + response pair; returns the response's WARC-Record-ID."""
        writer = self._open()
        resp_id = new_record_id()
        split = urlsplit(url)
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        req_http = StatusAndHeaders(
            f"{method} {target} {http_version}", list(request_headers), is_http_request=True
        )
        req = writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=req_http,
            warc_headers_dict={"WARC-Concurrent-To": resp_id},
        )
        warc_h = self._govlens_headers(purpose, depth, via, fetched_from)
        warc_h["WARC-Record-ID"] = resp_id
        warc_h["WARC-Govlens-Method"] = method
        if ip:
            warc_h["WARC-IP-Address"] = ip
        if truncated:
            warc_h["WARC-Truncated"] = "length"
            warc_h["WARC-Govlens-Truncated"] = "length"
        resp_http = StatusAndHeaders(f"{status} {reason or ''}".strip(), _hdr_list(response_headers), protocol=http_version)
        resp = writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(body),
            length=len(body),
            http_headers=resp_http,
            warc_headers_dict=warc_h,
        )
        self._write(req)
        self._write(resp)
        return resp_id

    def write_fetch_error(
        self,
        *,
        url: str,
        error: str,
        detail: str = "",
        purpose: str = "page",
        via: str | None = None,
        depth: int | None = None,
        method: str = "GET",
        fetched_from: str | None = None,
    ) -> str:
        """A failed fetch as a ``metadata`` record (architecture.md: fetch-error)."""
        body = {
            "govlens": "fetch-error",
            "error": error,
            "detail": detail,
            "purpose": purpose,
            "via": via,
            "method": method,
        }
        return self._write_metadata(url, body, self._govlens_headers(purpose, depth, via, fetched_from))

    def write_site_status(
        self,
        *,
        scan_status: str,
        detail: str = "",
        final_url: str | None = None,
        pages: int = 0,
        probe_url: str | None = None,
        **extra: Any,
    ) -> str:
        """The closing record of a site: its presence marks the site's crawl as complete."""
        body = {
            "govlens": "site-status",
            "site_id": self.site_id,
            "scan_status": str(scan_status),
            "detail": detail,
            "final_url": final_url,
            "pages": pages,
            "probe_url": probe_url,
            **extra,
        }
        return self._write_metadata(self.seed_url, body, {"WARC-Govlens-Purpose": "site-status"})

    def write_resource(
        self,
        *,
        url: str,
        body: bytes,
        content_type: str,
        purpose: str = "render",
        depth: int | None = None,
        via: str | None = None,
        refers_to: str | None = None,
    ) -> str:
        """A ``resource`` record, e.g. the DOM a headless browser rendered for a page."""
        writer = self._open()
        rid = new_record_id()
        h = self._govlens_headers(purpose, depth, via, None)
        h["WARC-Record-ID"] = rid
        if refers_to:
            h["WARC-Refers-To"] = refers_to
        rec = writer.create_warc_record(
            url,
            "resource",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict=h,
        )
        self._write(rec)
        return rid

    def _write_metadata(self, url: str, body: dict[str, Any], headers: dict[str, str]) -> str:
        writer = self._open()
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        rid = new_record_id()
        headers = {**headers, "WARC-Record-ID": rid}
        rec = writer.create_warc_record(
            url,
            "metadata",
            payload=BytesIO(data),
            length=len(data),
            warc_content_type="application/json",
            warc_headers_dict=headers,
        )
        self._write(rec)
        return rid

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
            self._writer = None

    def __enter__(self) -> WarcSiteWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
