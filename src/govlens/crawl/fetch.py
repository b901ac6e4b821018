"""One HTTP request at a time per host, with bounded retries, size limits and error kinds.

Redirects are not followed here (the crawler records every hop); bodies are kept as they came off
the wire (``auto_decompress=False``) so the WARC payload is byte-exact apart from de-chunking.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import ssl
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import aiohttp

from govlens.archive.decode import brotli
from govlens.archive.urls import apply_map
from govlens.crawl.config import CrawlConfig

log = logging.getLogger(__name__)

ACCEPT_ENCODING = "gzip, deflate, br" if brotli is not None else "gzip, deflate"
RETRY_STATUS = {429, 500, 502, 503, 504}
RETRY_ERRORS = {"connect", "timeout", "reset"}


@dataclass
class RawResponse:
    """What came back for one attempt: an HTTP response or an error kind."""

    url: str  # original URL (what the WARC names)
    sent_url: str  # URL actually requested (differs under --map)
    method: str
    request_headers: list[tuple[str, str]]
    status: int | None = None
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""  # as received, content-encoding not removed
    truncated: bool = False
    error: str | None = None
    detail: str = ""
    ip: str | None = None
    http_version: str = "HTTP/1.1"

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None


def _public_detail(detail: str, url: str, sent: str) -> str:
    """An error message about the local copy (``--map``) told in terms of the real address, so a
    report never names ``127.0.0.1:39041`` where the evidence names ``dinkes.example.go.id``."""
    if url == sent:
        return detail
    real, local = urlsplit(url), urlsplit(sent)
    for a, b in ((sent, url), (local.netloc, real.netloc), (local.hostname or "", real.hostname or "")):
        if a:
            detail = detail.replace(a, b)
    return detail


def classify_exception(exc: BaseException) -> tuple[str, str]:
    """Map aiohttp/asyncio exceptions to the error kinds of docs/architecture.md."""
    detail = f"{type(exc).__name__}: {exc}".strip()[:500]
    dns_cls = getattr(aiohttp, "ClientConnectorDNSError", ())
    if dns_cls and isinstance(exc, dns_cls):
        return "dns", detail
    if isinstance(
        exc,
        aiohttp.ClientConnectorCertificateError | aiohttp.ClientConnectorSSLError | aiohttp.ClientSSLError | ssl.SSLError,
    ):
        return "tls", detail
    if isinstance(exc, aiohttp.InvalidURL | ValueError):
        return "invalid_url", detail
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError | TimeoutError):
        return "timeout", detail
    if isinstance(exc, aiohttp.ClientConnectorError):
        os_err = exc.os_error
        if isinstance(os_err, socket.gaierror):
            return "dns", detail
        if isinstance(os_err, ssl.SSLError):
            return "tls", detail
        if isinstance(os_err, TimeoutError):
            return "timeout", detail
        return "connect", detail
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError | ConnectionResetError):
        return "reset", detail
    if isinstance(exc, aiohttp.ClientOSError):
        if exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
            return "reset", detail
        return "connect", detail
    return "other", detail


class HostGate:
    """One request in flight per host and a minimum gap between request starts to it.

    Keyed by the ORIGINAL host (politeness is owed to the real site, even when a local mirror
    serves it); the gap is measured start to start, as Scrapy's DOWNLOAD_DELAY is.
    """

    def __init__(self, default_delay: float) -> None:
        self.default_delay = default_delay
        self._locks: dict[str, asyncio.Lock] = {}
        self._last: dict[str, float] = {}
        self._delay: dict[str, float] = {}

    def set_delay(self, host: str, delay: float) -> None:
        self._delay[host] = max(self.default_delay, delay)

    def lock(self, host: str) -> asyncio.Lock:
        lk = self._locks.get(host)
        if lk is None:
            lk = self._locks[host] = asyncio.Lock()
        return lk

    async def wait_turn(self, host: str) -> None:
        """Call with the host's lock held."""
        delay = self._delay.get(host, self.default_delay)
        last = self._last.get(host)
        if last is not None:
            wait = last + delay - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last[host] = time.monotonic()


def _retry_after(value: str | None, cap: float) -> float | None:
    if not value:
        return None
    value = value.strip()
    try:
        secs = float(value)
    except ValueError:
        try:
            secs = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(secs, cap))


class Fetcher:
    def __init__(self, config: CrawlConfig, session: aiohttp.ClientSession, gate: HostGate) -> None:
        self.config = config
        self.session = session
        self.gate = gate
        self.requests_sent = 0

    def request_headers(self, url: str) -> list[tuple[str, str]]:
        return [
            ("Host", urlsplit(url).netloc),
            ("User-Agent", self.config.user_agent),
            ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            ("Accept-Language", "id,en;q=0.8"),
            ("Accept-Encoding", ACCEPT_ENCODING),
        ]

    async def fetch_once(self, url: str, method: str, max_html: int, max_other: int) -> RawResponse:
        """A single attempt. ``max_html``/``max_other`` cut the body depending on its Content-Type."""
        sent = apply_map(url, self.config.url_map)
        req_headers = self.request_headers(url)
        send_headers = {k: v for k, v in req_headers if k != "Host"}  # the local mirror gets its own Host
        raw = RawResponse(url=url, sent_url=sent, method=method, request_headers=req_headers)
        if self.config.map_only and sent == url:
            raw.error, raw.detail = "other", "not covered by --map (map_only): not contacted"
            return raw
        host = urlsplit(url).netloc.lower()
        async with self.gate.lock(host):
            await self.gate.wait_turn(host)
            self.requests_sent += 1
            try:
                timeout = aiohttp.ClientTimeout(total=self.config.timeout, sock_connect=min(self.config.timeout, 10.0))
                async with self.session.request(
                    method, sent, headers=send_headers, allow_redirects=False, timeout=timeout
                ) as resp:
                    raw.status = resp.status
                    raw.reason = resp.reason or ""
                    raw.http_version = f"HTTP/{resp.version.major}.{resp.version.minor}" if resp.version else "HTTP/1.1"
                    raw.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in resp.raw_headers]
                    peer = resp.connection.transport.get_extra_info("peername") if resp.connection else None
                    if peer:
                        raw.ip = str(peer[0])
                    if method != "HEAD":
                        ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
                        limit = max_html if ctype in ("text/html", "application/xhtml+xml", "") else max_other
                        buf = bytearray()
                        async for chunk in resp.content.iter_chunked(65536):
                            if len(buf) + len(chunk) > limit:
                                buf += chunk[: limit - len(buf)]
                                raw.truncated = True
                                break
                            buf += chunk
                        raw.body = bytes(buf)
                        if raw.truncated:
                            resp.close()  # drop the connection rather than drain a huge body
            except Exception as exc:
                if raw.status is not None and isinstance(exc, aiohttp.ClientPayloadError | asyncio.TimeoutError):
                    # headers arrived, body broke off: keep what we have as a truncated response
                    raw.truncated = True
                    raw.detail = f"body incomplete: {type(exc).__name__}"
                else:
                    raw.status = None
                    raw.error, detail = classify_exception(exc)
                    raw.detail = _public_detail(detail, url, sent)
        return raw

    async def fetch(
        self, url: str, method: str = "GET", *, max_html: int | None = None, max_other: int | None = None
    ) -> list[RawResponse]:
        """All attempts for one URL (retries included), last one last."""
        max_html = self.config.max_body if max_html is None else max_html
        max_other = self.config.max_document if max_other is None else max_other
        attempts: list[RawResponse] = []
        for attempt in range(self.config.retries + 1):
            raw = await self.fetch_once(url, method, max_html, max_other)
            attempts.append(raw)
            retryable = raw.error in RETRY_ERRORS or raw.status in RETRY_STATUS
            if not retryable or attempt == self.config.retries:
                break
            wait = self.config.backoff * (2**attempt)
            if raw.status in (429, 503):
                ra = _retry_after(raw.header("Retry-After"), self.config.retry_after_cap)
                if ra is not None:
                    wait = max(wait, ra)
            log.debug("retry %s in %.1fs (%s)", url, wait, raw.error or raw.status)
            await asyncio.sleep(wait)
        return attempts
