"""One cheap availability check of one URL: HEAD, GET fallback, redirects followed, every hop
recorded in the WARC.

Why HEAD first and GET only as fallback: a HEAD costs the server nothing but headers, which is
what a check every five minutes owes a small agency's server. Many CMS answer HEAD with 405, 404 or
403 while GET works, so any HEAD answer >= 400 (or a HEAD that breaks off) is retried once as a GET
with a small body cap before the target is judged. Requests go through the crawler's Fetcher, so
``--map``/``--map-only``, the user agent and the one-request-per-host gate are the crawl's own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin

from govlens.archive.urls import normalize_url, unmap
from govlens.archive.writer import WarcSiteWriter
from govlens.crawl.fetch import Fetcher, RawResponse
from govlens.watch.targets import Target

NETWORK_ERRORS = {"dns", "connect", "tls", "timeout", "reset", "other", "invalid_url"}


@dataclass
class CheckResult:
    target: str
    checked_at: datetime  # when the first request of the check started (UTC)
    state: str  # up | degraded | down
    status: int | None = None
    error: str | None = None
    latency_ms: float = 0.0  # whole check, redirects included
    final_url: str = ""
    detail: str = ""
    record_id: str = ""  # WARC-Record-ID of the final answer (response or fetch-error metadata)
    warc_file: str = ""
    requests: int = 0


def classify(status: int | None, error: str | None, latency_ms: float = 0.0, slow_ms: float = 0.0) -> str:
    """up | degraded | down for one check (docs/watch.md, "States")."""
    if error:
        return "down" if error in NETWORK_ERRORS else "degraded"  # loops, too large: it answers
    if status is None or status >= 500:
        return "down"
    if status >= 400:
        return "degraded"
    if slow_ms and latency_ms > slow_ms:
        return "degraded"
    return "up"


def _record(writer: WarcSiteWriter | None, raw: RawResponse) -> str:
    if writer is None:
        return ""
    fetched_from = raw.sent_url if raw.sent_url != raw.url else None
    if raw.error:
        return writer.write_fetch_error(url=raw.url, error=raw.error, detail=raw.detail, purpose="watch",
                                        method=raw.method, fetched_from=fetched_from)
    return writer.write_exchange(
        url=raw.url, method=raw.method, request_headers=raw.request_headers, status=raw.status or 0,
        reason=raw.reason, response_headers=raw.headers, body=raw.body, purpose="watch",
        truncated=raw.truncated, fetched_from=fetched_from, ip=raw.ip, http_version=raw.http_version,
    )


async def check_target(
    fetcher: Fetcher, target: Target, writer: WarcSiteWriter | None, *, body_cap: int = 4096,
    max_redirects: int = 5, slow_ms: float = 0.0,
) -> CheckResult:
    url_map = fetcher.config.url_map
    checked_at = datetime.now(UTC)
    t0 = time.perf_counter()
    res = CheckResult(target=target.url, checked_at=checked_at, state="down")
    seen = {target.url}
    cur, method = target.url, "HEAD"
    last: RawResponse | None = None
    for _ in range(max_redirects + 1):
        raw = await fetcher.fetch_once(cur, method, body_cap, body_cap)
        res.requests += 1
        rid = _record(writer, raw)
        if method == "HEAD" and (raw.error in ("reset", "other") or (raw.status or 0) >= 400):
            method = "GET"  # HEAD not supported (or mishandled) here: ask the way a browser does
            raw = await fetcher.fetch_once(cur, method, body_cap, body_cap)
            res.requests += 1
            rid = _record(writer, raw)
        last, res.record_id = raw, rid
        loc = raw.header("Location") if raw.status and 300 <= raw.status < 400 else None
        if raw.error or not loc:
            break
        nxt = normalize_url(unmap(urljoin(raw.sent_url, loc.strip()), url_map), raw.url)
        if not nxt:
            res.error, res.detail = "invalid_url", f"Location {loc!r} is not a web address"
            break
        if nxt in seen:
            res.error, res.detail = "redirect_loop", f"{cur} redirects back to {nxt}"
            break
        seen.add(nxt)
        cur = nxt
    else:
        res.error, res.detail = "too_many_redirects", f"more than {max_redirects} redirects"
    res.latency_ms = (time.perf_counter() - t0) * 1000.0
    assert last is not None
    res.status = last.status
    res.final_url = cur
    if res.error is None:
        res.error = last.error
        res.detail = last.detail or (f"HTTP {last.status} {last.reason}".strip() if last.status else "")
    elif writer is not None:  # a derived error (loop, too many hops) gets its own record too
        res.record_id = writer.write_fetch_error(url=cur, error=res.error, detail=res.detail, purpose="watch",
                                                 method=method)
    res.state = classify(res.status, res.error, res.latency_ms, slow_ms)
    if writer is not None and writer.path is not None:
        res.warc_file = writer.path.name
    return res
