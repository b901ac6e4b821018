"""The per-site crawl: robots → home (redirects followed within the registered domain) → sitemaps
→ 404 probe → breadth-first pages and documents → link checks → site status.

Every fetch goes to the site's WARC as it happens. Resume works by *replay*: the records of an
unfinished archive are loaded into a map, and the same crawl logic runs again, answering each
request from that map when it can. So the frontier, budget and scope decisions of a resumed crawl
are exactly those of an uninterrupted one, and no URL already archived is requested again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp

from govlens.archive.decode import decode_body
from govlens.archive.grouping import SiteEntry, classify_response, portfolio_sites
from govlens.archive.heuristics import is_html, looks_js_only
from govlens.archive.reader import scan_file
from govlens.archive.urls import host_key, in_scope, normalize_url, path_prefix, registered_domain, unmap
from govlens.archive.writer import WarcSiteWriter, site_parts
from govlens.crawl.config import CrawlConfig, CrawlSummary, SiteSummary
from govlens.crawl.fetch import Fetcher, HostGate, RawResponse
from govlens.crawl.links import decode_html, extract_links, looks_like_document
from govlens.crawl.robots import RobotsRules, parse_robots
from govlens.crawl.sitemap import parse_sitemap
from govlens.types import ArchivedRecord, Organisation, Portfolio, ScanStatus

log = logging.getLogger(__name__)

Progress = Callable[..., Any]
# Errors the crawler derives itself rather than observes on the wire: never replayed as fetches.
_DERIVED_ERRORS = {"robots", "redirect_loop", "too_many_redirects"}
_HEAD_FALLBACK_STATUS = {400, 403, 405, 501}
_HEAD_FALLBACK_ERRORS = {"reset", "other"}


@dataclass
class CrawlContext:
    """What all sites of one crawl share: the HTTP session, the host gates, audit-wide dedupe."""

    config: CrawlConfig
    archive_dir: Path
    session: aiohttp.ClientSession
    gate: HostGate
    fetcher: Fetcher
    progress: Progress | None = None
    checked_external: set[str] = field(default_factory=set)
    renderer: Any = None  # govlens.crawl.render.Renderer when rendering is on and possible

    def emit(self, event: str, site_id: str, **info: Any) -> None:
        if self.progress is None:
            return
        try:
            self.progress(event, site_id, **info)
        except Exception:
            log.exception("progress callback failed")


def make_session(config: CrawlConfig) -> aiohttp.ClientSession:
    # One connection per host; under --map many sites may share one local server, so the limit
    # is left to the HostGate (keyed by original host) instead.
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0 if config.url_map else 1, ttl_dns_cache=300)
    return aiohttp.ClientSession(
        connector=connector,
        auto_decompress=False,
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        trust_env=False,
        skip_auto_headers=("Accept-Encoding", "User-Agent"),
        max_line_size=32760,
        max_field_size=32760,
    )


def _lower_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in pairs:
        k = k.lower()
        out[k] = f"{out[k]}, {v}" if k in out else v
    return out


class SiteCrawler:
    def __init__(self, ctx: CrawlContext, entry: SiteEntry) -> None:
        assert entry.url, "a site entry without URL has nothing to crawl"
        self.ctx = ctx
        self.cfg = ctx.config
        self.entry = entry
        self.seed: str = entry.url
        self.site_id = entry.site_id
        self.summary = SiteSummary(site_id=entry.site_id, seed_url=entry.url)
        self.rd = registered_domain(self.seed)
        self.site_host = host_key(self.seed)
        self.prefix = path_prefix(self.seed)
        self.replay: dict[tuple[str, str], ArchivedRecord] = {}
        self.previous_probe: str | None = None
        self.robots: dict[str, RobotsRules] = {}
        self.queued: set[str] = set()
        self.fetched: set[str] = set()
        self.frontier: deque[tuple[str, int, str | None, str]] = deque()
        self.external: dict[str, str] = {}  # url -> page it was found on
        self.writer: WarcSiteWriter | None = None
        self.probe_url: str | None = None
        self.rendered_before: set[str] = set()

    # ------------------------------------------------------------------ recording
    def _to_record(self, raw: RawResponse, purpose: str, depth: int | None, via: str | None) -> ArchivedRecord:
        assert self.writer is not None
        if raw.error:
            rid = self.writer.write_fetch_error(
                url=raw.url, error=raw.error, detail=raw.detail, purpose=purpose, via=via, depth=depth,
                method=raw.method, fetched_from=raw.sent_url if raw.sent_url != raw.url else None,
            )
            return ArchivedRecord(
                url=raw.url, record_id=rid, warc_file=self.writer.path.name if self.writer.path else "",
                offset=0, date="", record_type="metadata", method=raw.method, error=raw.error,
                headers={"x-govlens-detail": raw.detail}, purpose=purpose, depth=depth, via=via,
            )
        headers = _lower_headers(raw.headers)
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        body = decode_body(raw.body, None, headers.get("content-encoding"))
        if purpose == "page" and raw.status == 200 and not is_html(ctype, body):
            purpose = "document"
        rid = self.writer.write_exchange(
            url=raw.url, method=raw.method, request_headers=raw.request_headers, status=raw.status or 0,
            reason=raw.reason, response_headers=raw.headers, body=raw.body, purpose=purpose, depth=depth,
            via=via, truncated=raw.truncated, fetched_from=raw.sent_url if raw.sent_url != raw.url else None,
            ip=raw.ip, http_version=raw.http_version,
        )
        redirect_to = None
        loc = headers.get("location")
        if raw.status and 300 <= raw.status < 400 and loc:
            redirect_to = normalize_url(unmap(urljoin(raw.sent_url, loc.strip()), self.cfg.url_map), raw.url)
        return ArchivedRecord(
            url=raw.url, record_id=rid, warc_file=self.writer.path.name if self.writer.path else "", offset=0,
            date="", record_type="response", method=raw.method, status=raw.status, headers=headers,
            content_type=ctype, body=body, truncated=raw.truncated, redirect_to=redirect_to, purpose=purpose,
            depth=depth, via=via,
        )

    def _error(self, url: str, kind: str, detail: str, purpose: str, depth: int | None, via: str | None,
               method: str = "GET") -> ArchivedRecord:
        raw = RawResponse(url=url, sent_url=url, method=method, request_headers=[], error=kind, detail=detail)
        self.summary.errors += 1
        return self._to_record(raw, purpose, depth, via)

    async def _get(self, url: str, method: str, purpose: str, depth: int | None, via: str | None,
                   max_html: int | None = None, max_other: int | None = None) -> ArchivedRecord:
        old = self.replay.get((method, url))
        if old is not None:
            if old.redirect_to:
                old.redirect_to = normalize_url(unmap(old.redirect_to, self.cfg.url_map)) or old.redirect_to
            return old
        attempts = await self.ctx.fetcher.fetch(url, method, max_html=max_html, max_other=max_other)
        self.summary.requests += len(attempts)
        rec = None
        for raw in attempts:
            rec = self._to_record(raw, purpose, depth, via)
        assert rec is not None
        self.ctx.emit("fetch", self.site_id, url=url, purpose=rec.purpose, status=rec.status, error=rec.error)
        return rec

    # ------------------------------------------------------------------ robots
    async def _rules(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = self.robots.get(origin)
        if rules is not None:
            return rules
        self.robots[origin] = RobotsRules(note="pending")  # no recursion while fetching robots.txt itself
        records, _ = await self._chain(origin + "/robots.txt", "robots", None, None, lambda u: True,
                                       check_robots=False, max_hops=5)
        last = records[-1]
        if last.status == 200 and not last.error:
            rules = parse_robots(decode_html(last.body, last.headers.get("content-type", "")), self.cfg.user_agent)
        elif last.status is not None:
            rules = RobotsRules(note=f"robots.txt HTTP {last.status}: allow all")
        else:  # unreachable robots.txt: the home fetch will show why; Scrapy allows too
            rules = RobotsRules(note=f"robots.txt {last.error}: allow all")
        if rules.crawl_delay:
            self.ctx.gate.set_delay(parts.netloc.lower(), min(rules.crawl_delay, self.cfg.max_crawl_delay))
        self.robots[origin] = rules
        return rules

    async def _allowed(self, url: str) -> bool:
        return (await self._rules(url)).allowed(url, self.cfg.user_agent)

    # ------------------------------------------------------------------ redirects
    async def _chain(self, url: str, purpose: str, depth: int | None, via: str | None,
                     follow: Callable[[str], bool], *, check_robots: bool = True, method: str = "GET",
                     max_hops: int | None = None, max_html: int | None = None,
                     max_other: int | None = None) -> tuple[list[ArchivedRecord], str]:
        """Fetch a URL and the redirects after it, each hop its own record.

        Outcome: done | left (next hop not followed) | loop | too_many | robots.
        """
        max_hops = self.cfg.max_redirects if max_hops is None else max_hops
        records: list[ArchivedRecord] = []
        seen = {url}
        cur = url
        for _ in range(max_hops + 1):
            if check_robots and not await self._allowed(cur):
                records.append(self._error(cur, "robots", "disallowed by robots.txt", purpose, depth, via, method))
                return records, "robots"
            rec = await self._get(cur, method, purpose, depth, via, max_html, max_other)
            records.append(rec)
            self.fetched.add(cur)
            nxt = rec.redirect_to
            if not nxt:
                return records, "done"
            if not follow(nxt):
                return records, "left"
            if nxt in seen:
                records.append(self._error(nxt, "redirect_loop", f"{cur} redirects back to {nxt}", purpose,
                                           depth, via, method))
                return records, "loop"
            seen.add(nxt)
            cur = nxt
        records.append(self._error(cur, "too_many_redirects", f"more than {max_hops} redirects", purpose, depth,
                                   via, method))
        return records, "too_many"

    # ------------------------------------------------------------------ frontier
    def _scoped(self, url: str) -> bool:
        return in_scope(url, self.site_host, self.prefix)

    def _enqueue(self, urls: Iterable[str], depth: int, via: str | None) -> None:
        for url in urls:
            if url in self.queued:
                continue
            if not self._scoped(url):
                if self.cfg.check_external and url not in self.external:
                    self.external[url] = via or ""
                continue
            self.queued.add(url)
            if looks_like_document(url):
                if depth <= self.cfg.max_depth + 1:
                    self.frontier.append((url, depth, via, "document"))
            elif depth <= self.cfg.max_depth:
                self.frontier.append((url, depth, via, "page"))

    def _enqueue_interleaved(self, items: list[tuple[str, str]], depth: int) -> None:
        """Queue sitemap URLs alternating with the links already queued from the home page.

        A sitemap lists what the owner considers the site; the home page's links show what a
        visitor reaches. A page budget smaller than either must not be spent on one alone (a
        home page with 300 menu links would otherwise starve the sitemap, and vice versa).
        """
        before = list(self.frontier)
        self.frontier.clear()
        for url, via in items:
            self._enqueue([url], depth, via)
        added = list(self.frontier)
        self.frontier.clear()
        for a, b in itertools.zip_longest(before, added):
            self.frontier.extend(x for x in (a, b) if x is not None)

    def _parse_links(self, rec: ArchivedRecord, depth: int) -> None:
        if rec.status == 200 and not rec.error and is_html(rec.content_type, rec.body):
            links = extract_links(rec.body, rec.url, rec.headers.get("content-type", ""))
            self._enqueue(links, depth + 1, rec.url)

    # ------------------------------------------------------------------ stages
    def _load_previous(self, parts: list[Path]) -> dict[str, Any] | None:
        """Fill the replay map from unfinished parts; return the site status if already complete."""
        statuses: list[dict[str, Any]] = []
        for p in parts:
            scan = scan_file(p)
            statuses.extend(scan.statuses)
            for r in scan.records:
                if r.purpose == "render":
                    self.rendered_before.add(r.url)
                    continue
                if r.error in _DERIVED_ERRORS:
                    continue
                key = (r.method, normalize_url(r.url) or r.url)
                old = self.replay.get(key)
                if old is None or r.date >= old.date:
                    self.replay[key] = r
                if r.purpose == "probe404" and "govlens-probe-" in r.url and self.previous_probe is None:
                    self.previous_probe = r.url
        return max(statuses, key=lambda s: s.get("date", "")) if statuses else None

    async def _home(self) -> tuple[ScanStatus, str, str | None, ArchivedRecord | None]:
        records, outcome = await self._chain(self.seed, "page", 0, None, lambda u: registered_domain(u) == self.rd)
        self.queued.update(r.url for r in records)
        last = records[-1]
        if outcome == "robots":
            return ScanStatus.ROBOTS_DISALLOWED, f"robots.txt disallows {last.url}", last.url, None
        if outcome == "left":
            return ScanStatus.REDIRECTS_AWAY, f"home redirects to {last.redirect_to}", last.redirect_to, None
        if outcome in ("loop", "too_many"):
            return ScanStatus.REDIRECT_LOOP, last.headers.get("x-govlens-detail", outcome), last.url, None
        status, detail = classify_response(last)
        if last.status == 200 and not last.error:
            self.site_host = host_key(last.url)  # http→https, bare→www: the final host is the site
            if status in (ScanStatus.OK, ScanStatus.JS_ONLY):
                return status, detail, last.url, last
        return status, detail, last.url, None

    async def _sitemaps(self, home_url: str) -> list[tuple[str, str]]:
        parts = urlsplit(home_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = await self._rules(home_url)
        queue: deque[str] = deque()
        for u in [*rules.sitemaps, origin + "/sitemap.xml"]:
            n = normalize_url(u, origin)
            if n and n not in queue and registered_domain(n) == self.rd:
                queue.append(n)
        done: set[str] = set()
        found: list[tuple[str, str]] = []
        while queue and len(done) < self.cfg.max_sitemaps:
            sm = queue.popleft()
            if sm in done:
                continue
            done.add(sm)
            records, _ = await self._chain(sm, "sitemap", None, None, lambda u: registered_domain(u) == self.rd,
                                           max_html=self.cfg.max_document)
            last = records[-1]
            if last.status != 200 or last.error:
                continue
            pages, children = parse_sitemap(last.body)
            for c in children:
                n = normalize_url(c, sm)
                if n and registered_domain(n) == self.rd and n not in done:
                    queue.append(n)
            for p in pages[: self.cfg.max_pages * 10]:
                n = normalize_url(p, sm)
                if n:
                    found.append((n, sm))
        return found

    async def _probe(self, home_url: str) -> None:
        parts = urlsplit(home_url)
        url = self.previous_probe or f"{parts.scheme}://{parts.netloc}{self.prefix}govlens-probe-{secrets.token_hex(8)}"
        self.probe_url = url
        await self._chain(url, "probe404", None, None, self._scoped, max_hops=5)

    async def _crawl_frontier(self) -> None:
        cfg = self.cfg
        while self.frontier:
            url, depth, via, kind = self.frontier.popleft()
            if kind == "page" and self.summary.pages >= cfg.max_pages:
                continue
            if kind == "document" and self.summary.documents >= cfg.max_documents:
                continue
            if url in self.fetched:
                continue
            purpose = "document" if kind == "document" else "page"
            max_html = cfg.max_document if kind == "document" else cfg.max_body
            records, outcome = await self._chain(
                url, purpose, depth, via, lambda u: self._scoped(u) and u not in self.fetched, max_html=max_html
            )
            self.queued.update(r.url for r in records)
            last = records[-1]
            if outcome == "robots" and len(records) == 1:
                continue
            if outcome == "left" and last.redirect_to and not self._scoped(last.redirect_to):
                self._enqueue([last.redirect_to], depth, url)
            if last.error or (last.status or 0) >= 400:
                self.summary.errors += 0 if last.error in _DERIVED_ERRORS else 1
            if last.purpose == "document" or kind == "document":
                self.summary.documents += 1
            else:
                self.summary.pages += 1
                self._parse_links(last, depth)

    async def _link_check(self, url: str, via: str) -> None:
        limit = self.cfg.link_check_bytes
        records, _ = await self._chain(url, "linkcheck", None, via or None, lambda u: True, check_robots=False,
                                       method="HEAD", max_hops=5)
        last = records[-1]
        not_contacted = "map_only" in last.headers.get("x-govlens-detail", "")
        if last.status in _HEAD_FALLBACK_STATUS or (last.error in _HEAD_FALLBACK_ERRORS and not not_contacted):
            records, _ = await self._chain(url, "linkcheck", None, via or None, lambda u: True,
                                           check_robots=False, max_hops=5, max_html=limit, max_other=limit)
            last = records[-1]
        self.summary.link_checks += 1
        if last.error and last.error not in _DERIVED_ERRORS:
            self.summary.errors += 1

    async def _link_checks(self) -> None:
        targets = [u for u in self.external if u not in self.ctx.checked_external][: self.cfg.max_link_checks]
        self.ctx.checked_external.update(targets)
        sem = asyncio.Semaphore(max(1, self.cfg.link_check_parallel))

        async def one(u: str) -> None:
            async with sem:
                await self._link_check(u, self.external[u])

        await asyncio.gather(*(one(u) for u in targets))

    async def _render(self, home: ArchivedRecord) -> ArchivedRecord | None:
        """Render a script-only home page; the DOM is archived as a ``resource`` record and
        returned as a page so the crawl can follow the links the script drew."""
        renderer = self.ctx.renderer
        if renderer is None or self.writer is None or home.url in self.rendered_before:
            return None
        html = await renderer.render(home.url)
        if not html:
            return None
        body = html.encode("utf-8")
        rid = self.writer.write_resource(url=home.url, body=body, content_type="text/html; charset=utf-8",
                                         purpose="render", depth=0, refers_to=home.record_id)
        return dataclasses.replace(home, body=body, record_id=rid, record_type="resource", purpose="render",
                                   content_type="text/html", headers={"content-type": "text/html; charset=utf-8"})

    async def run(self) -> SiteSummary:
        t0 = time.monotonic()
        cfg = self.cfg
        parts = site_parts(self.ctx.archive_dir, self.site_id)
        if parts and cfg.resume:
            status = self._load_previous(parts)
            if status is not None:
                s = self.summary
                s.skipped = True
                s.scan_status = str(status.get("scan_status", ""))
                s.detail = str(status.get("detail", ""))
                s.final_url = status.get("final_url")
                s.pages = int(status.get("pages") or 0)
                s.documents = int(status.get("documents") or 0)
                s.link_checks = int(status.get("link_checks") or 0)
                s.warc_files = [p.name for p in parts]
                self.ctx.emit("site_skipped", self.site_id, scan_status=s.scan_status, pages=s.pages)
                return s
        org: Organisation = self.entry.organisation
        self.writer = WarcSiteWriter(
            self.ctx.archive_dir, self.site_id, seed_url=self.seed, organisation=org.name if org else "",
            audit=cfg.audit, user_agent=cfg.user_agent,
            extra_info={"resumed-from": ", ".join(p.name for p in parts)} if self.replay else None,
        )
        self.ctx.emit("site_start", self.site_id, url=self.seed, resumed=bool(self.replay))
        try:
            status, detail, final, home = await self._home()
            if home is not None:
                self.summary.pages = 1
                if status == ScanStatus.JS_ONLY and cfg.render:
                    rendered = await self._render(home)
                    if rendered is not None and not looks_js_only(rendered.body):
                        status = ScanStatus.OK
                        detail = "home page needs JavaScript: rendered with headless Chromium"
                        home = rendered
                    elif rendered is not None:
                        detail = "rendered with headless Chromium, but the page still shows no content"
                self._parse_links(home, 0)
                if cfg.sitemaps:
                    # other hosts in a sitemap are not links of this site
                    found = [(url, sm) for url, sm in await self._sitemaps(home.url) if self._scoped(url)]
                    self._enqueue_interleaved(found, 1)
                if cfg.probe_404:
                    await self._probe(home.url)
                await self._crawl_frontier()
                if cfg.check_external:
                    await self._link_checks()
            self.summary.scan_status = str(status)
            self.summary.detail = detail
            self.summary.final_url = final
            self.writer.write_site_status(
                scan_status=str(status), detail=detail, final_url=final, pages=self.summary.pages,
                probe_url=self.probe_url, documents=self.summary.documents,
                link_checks=self.summary.link_checks, errors=self.summary.errors,
            )
        finally:
            self.writer.close()
        self.summary.warc_files = [p.name for p in site_parts(self.ctx.archive_dir, self.site_id)]
        self.summary.seconds = time.monotonic() - t0
        self.ctx.emit("site_done", self.site_id, scan_status=self.summary.scan_status, pages=self.summary.pages,
                      seconds=self.summary.seconds)
        return self.summary


# --------------------------------------------------------------------------- entry points


async def _context(config: CrawlConfig, archive_dir: str | Path, session: aiohttp.ClientSession,
                   progress: Progress | None) -> CrawlContext:
    gate = HostGate(config.delay)
    ctx = CrawlContext(config=config, archive_dir=Path(archive_dir), session=session, gate=gate,
                       fetcher=Fetcher(config, session, gate), progress=progress)
    if config.render:
        from govlens.crawl.render import make_renderer

        ctx.renderer = await make_renderer(config)
    return ctx


async def crawl_site(url: str, archive_dir: str | Path, config: CrawlConfig | None = None, *,
                     site_id: str | None = None, organisation: Organisation | None = None,
                     progress: Progress | None = None, context: CrawlContext | None = None) -> SiteSummary:
    """Crawl one site into ``archive_dir/<site_id>.warc.gz`` (a new part if one exists)."""
    config = config or CrawlConfig()
    seed = normalize_url(url) or url
    from govlens.archive.urls import slugify

    sid = site_id or slugify(host_key(seed))
    org = organisation or Organisation(id=sid, name=sid, short=sid, sites=[seed])
    entry = SiteEntry(sid, org, seed)
    if context is not None:
        return await SiteCrawler(context, entry).run()
    async with make_session(config) as session:
        ctx = await _context(config, archive_dir, session, progress)
        try:
            return await SiteCrawler(ctx, entry).run()
        finally:
            if ctx.renderer is not None:
                await ctx.renderer.close()


async def acrawl_portfolio(portfolio: Portfolio, archive_dir: str | Path, config: CrawlConfig | None = None,
                           progress: Progress | None = None) -> CrawlSummary:
    """Crawl every site of a portfolio, ``config.concurrency`` sites at a time."""
    config = config or CrawlConfig()
    t0 = time.monotonic()
    entries = [e for e in portfolio_sites(portfolio) if e.url]
    Path(archive_dir).mkdir(parents=True, exist_ok=True)
    summary = CrawlSummary()
    async with make_session(config) as session:
        ctx = await _context(config, archive_dir, session, progress)
        ctx.emit("start", "", total=len(entries))
        sem = asyncio.Semaphore(max(1, config.concurrency))

        async def one(e: SiteEntry) -> SiteSummary:
            async with sem:
                try:
                    return await SiteCrawler(ctx, e).run()
                except Exception as exc:
                    log.exception("crawl of %s failed", e.url)
                    ctx.emit("site_done", e.site_id, scan_status="", pages=0, error=str(exc))
                    return SiteSummary(site_id=e.site_id, seed_url=e.url or "", detail=f"crawler error: {exc}")

        try:
            summary.sites = list(await asyncio.gather(*(one(e) for e in entries)))
        finally:
            if ctx.renderer is not None:
                await ctx.renderer.close()
    summary.seconds = time.monotonic() - t0
    ctx.emit("done", "", total=len(entries), pages=summary.pages, seconds=summary.seconds)
    return summary


def crawl_portfolio(portfolio: Portfolio, archive_dir: str | Path, config: CrawlConfig | None = None,
                    progress: Progress | None = None) -> CrawlSummary:
    """Synchronous wrapper of :func:`acrawl_portfolio` (for the CLI; use the async one inside a loop)."""
    return asyncio.run(acrawl_portfolio(portfolio, archive_dir, config, progress))
