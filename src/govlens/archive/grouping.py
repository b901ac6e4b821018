"""Group archived records into sites and say whether each site could be read at all.

Site ids come from :func:`portfolio_sites`, which the crawler uses too, so the archive file names,
the site-status records and the grouping always agree.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from govlens.archive.heuristics import is_html, looks_blocked, looks_js_only
from govlens.archive.reader import FileScan, expand_paths, scan_file
from govlens.archive.urls import host_key, normalize_url, path_prefix, registered_domain, slugify
from govlens.types import ArchivedRecord, Organisation, Portfolio, ScanStatus, SiteCapture

log = logging.getLogger(__name__)

ERROR_STATUS: dict[str, ScanStatus] = {
    "tls": ScanStatus.TLS_ERROR,
    "robots": ScanStatus.ROBOTS_DISALLOWED,
    "redirect_loop": ScanStatus.REDIRECT_LOOP,
    "too_many_redirects": ScanStatus.REDIRECT_LOOP,
}  # every other error kind (dns, connect, timeout, reset, ...) → unreachable

_HOME_PURPOSES = ("page", "render", "document")


@dataclass
class SiteEntry:
    """One site of the portfolio as the crawler and the grouping see it."""

    site_id: str
    organisation: Organisation
    url: str | None  # normalised seed URL; None for an organisation without a site

    @property
    def host(self) -> str:
        return host_key(self.url) if self.url else ""

    @property
    def prefix(self) -> str:
        return path_prefix(self.url) if self.url else "/"


def _unique(base: str, used: set[str]) -> str:
    sid, n = base, 2
    while sid in used:
        sid = f"{base}-{n}"
        n += 1
    used.add(sid)
    return sid


def portfolio_sites(portfolio: Portfolio) -> list[SiteEntry]:
    """Every (organisation, site) pair with a unique slug id: the organisation id for its first
    site, ``<id>-2``... for further ones; organisations without a site get one entry with url None."""
    used: set[str] = set()
    out: list[SiteEntry] = []
    for org in portfolio.organisations:
        base = slugify(org.id or org.short or org.name)
        if not org.sites:
            out.append(SiteEntry(_unique(base, used), org, None))
        for url in org.sites:
            out.append(SiteEntry(_unique(base, used), org, normalize_url(url) or url))
    return out


# --------------------------------------------------------------------------- status inference


def status_from_error(error: str) -> ScanStatus:
    return ERROR_STATUS.get(error, ScanStatus.UNREACHABLE)


def classify_response(rec: ArchivedRecord) -> tuple[ScanStatus, str]:
    """Scan status implied by the (final) home-page record alone."""
    if rec.error:
        detail = rec.headers.get("x-govlens-detail", "")
        return status_from_error(rec.error), f"{rec.error}: {detail}".strip(": ")
    why = looks_blocked(rec.status, rec.headers, rec.body)
    if why:
        return ScanStatus.BLOCKED, why
    if rec.status is not None and rec.status >= 400:
        return ScanStatus.HTTP_ERROR, f"home page answered HTTP {rec.status}"
    if rec.status is not None and 300 <= rec.status < 400:
        # a redirect that ends here: its Location is missing or not a web address (file:, javascript:)
        loc = rec.headers.get("location", "").strip()[:200]
        where = f"to {loc!r}, which is not a web address" if loc else "without a Location"
        return ScanStatus.HTTP_ERROR, f"home page answered HTTP {rec.status} {where}"
    if rec.status == 200 and is_html(rec.content_type, rec.body) and looks_js_only(rec.body):
        return ScanStatus.JS_ONLY, "home page has almost no text without JavaScript"
    return ScanStatus.OK, ""


def _variants(url: str) -> list[str]:
    """The seed as written, then with www toggled, scheme toggled, trailing slash toggled."""
    p = urlsplit(url)
    host = p.netloc
    hosts = [host, host[4:] if host.startswith("www.") else "www." + host]
    schemes = [p.scheme, "https" if p.scheme == "http" else "http"]
    paths = [p.path or "/"]
    if paths[0].endswith("/") and paths[0] != "/":
        paths.append(paths[0].rstrip("/"))
    elif not paths[0].endswith("/"):
        paths.append(paths[0] + "/")
    return [urlunsplit((s, h, pa, p.query, "")) for s in schemes for h in hosts for pa in paths]


def newest_by_url(records: Iterable[ArchivedRecord], purposes: tuple[str, ...] | None = None) -> dict[str, ArchivedRecord]:
    """One record per URL where a single capture is needed: the newest (ties: the later one)."""
    out: dict[str, ArchivedRecord] = {}
    for r in records:
        if purposes and r.purpose not in purposes:
            continue
        key = normalize_url(r.url) or r.url
        old = out.get(key)
        if old is None or r.date >= old.date:
            out[key] = r
    return out


def infer_status(records: list[ArchivedRecord], seed_url: str) -> tuple[ScanStatus, str, str | None]:
    """(scan_status, detail, final_url) for a WARC without a govlens site-status record."""
    latest = newest_by_url(records, _HOME_PURPOSES)
    seed = normalize_url(seed_url) or seed_url
    home = next((latest[v] for v in _variants(seed) if v in latest), None)
    html_pages = [r for r in latest.values() if r.status == 200 and is_html(r.content_type, r.body)]
    if home is None:
        if html_pages:
            return ScanStatus.OK, f"home page not in archive; {len(html_pages)} pages are", None
        if records:
            home = records[0]
        else:
            return ScanStatus.NOT_IN_ARCHIVE, "no records for this site", None
    seen = {normalize_url(home.url) or home.url}
    cur = home
    while cur.redirect_to:
        nxt = normalize_url(cur.redirect_to) or cur.redirect_to
        if registered_domain(nxt) != registered_domain(seed):
            return ScanStatus.REDIRECTS_AWAY, f"home redirects to {nxt}", nxt
        if nxt in seen or len(seen) > 20:
            return ScanStatus.REDIRECT_LOOP, f"redirect loop at {nxt}", nxt
        seen.add(nxt)
        target = latest.get(nxt)
        if target is None:
            if html_pages:
                return ScanStatus.OK, f"redirect target {nxt} not in archive", nxt
            return ScanStatus.HTTP_ERROR, f"home redirects to {nxt}, which is not in the archive", nxt
        cur = target
    status, detail = classify_response(cur)
    return status, detail, cur.url


# --------------------------------------------------------------------------- grouping


@dataclass
class _Group:
    site_id: str
    seed_url: str
    organisation: Organisation | None = None
    records: list[ArchivedRecord] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)


def _is_govlens(scan: FileScan) -> bool:
    return scan.warcinfo.get("software", "").startswith("govlens")


def _finish(g: _Group) -> SiteCapture:
    cap = SiteCapture(site_id=g.site_id, seed_url=g.seed_url, records=g.records, organisation=g.organisation)
    probes = [r for r in g.records if r.purpose == "probe404"]
    if g.statuses:
        st = max(g.statuses, key=lambda s: s.get("date", ""))
        cap.scan_status = str(st.get("scan_status") or ScanStatus.OK)
        cap.scan_detail = str(st.get("detail") or "")
        cap.final_url = st.get("final_url")
        probe_url = st.get("probe_url")
        if probe_url:
            probes = [r for r in probes if r.url == probe_url] or probes
    elif g.records:
        status, detail, final = infer_status(g.records, g.seed_url)
        cap.scan_status, cap.scan_detail, cap.final_url = status, detail, final
    else:
        cap.scan_status, cap.scan_detail = ScanStatus.NOT_IN_ARCHIVE, "no records for this site"
    if probes:
        # the first hop of the newest probe: a soft 404 often shows as a redirect to the home page
        newest = max(p.date for p in probes)
        cap.probe_404 = next(p for p in probes if p.date == newest)
    return cap


def _guess_seed(records: list[ArchivedRecord]) -> str:
    pages = [r for r in records if r.purpose == "page"] or records
    for r in pages:
        if (urlsplit(r.url).path or "/") == "/":
            return r.url
    return pages[0].url if pages else ""


def group_sites(paths: Iterable[str | Path] | str | Path, portfolio: Portfolio | None = None) -> list[SiteCapture]:
    """Records of the WARCs (files or directories) grouped per site, with scan status.

    With a portfolio, a govlens WARC belongs wholly to the site its warcinfo names (so link checks
    of other hosts stay with the site that made them); records from other tools go to the site
    whose URL matches (same host, www folded; longest path prefix, else the host's shortest
    prefix). Portfolio order is kept; organisations without a site come out as no_site, sites
    with nothing archived as not_in_archive. Without a portfolio, groups are the govlens sites
    named in warcinfo plus one group per host for foreign WARCs.
    """
    scans = [scan_file(p) for p in expand_paths(paths)]
    if portfolio is not None:
        return _group_with_portfolio(scans, portfolio)
    return _group_by_host(scans)


def _group_with_portfolio(scans: list[FileScan], portfolio: Portfolio) -> list[SiteCapture]:
    entries = portfolio_sites(portfolio)
    groups = {e.site_id: _Group(e.site_id, e.url or "", e.organisation) for e in entries}
    by_seed = {e.url: e.site_id for e in entries if e.url}
    sited = [e for e in entries if e.url]

    def match(url: str) -> str | None:
        hk = host_key(url)
        cands = [e for e in sited if e.host == hk]
        if not cands:
            return None
        path = urlsplit(url).path or "/"
        owning = [e for e in cands if path.startswith(e.prefix)]
        pool = owning or cands
        best = max(pool, key=lambda e: len(e.prefix)) if owning else min(pool, key=lambda e: len(e.prefix))
        return best.site_id

    dropped = 0
    for scan in scans:
        sid = None
        if _is_govlens(scan):
            sid = scan.warcinfo.get("site-id")
            if sid not in groups:
                seed = normalize_url(scan.warcinfo.get("seed-url", ""))
                sid = by_seed.get(seed) if seed else None
        if sid is not None:
            groups[sid].records.extend(scan.records)
            groups[sid].statuses.extend(scan.statuses)
            continue
        for r in scan.records:
            rsid = match(r.url)
            if rsid is None:
                dropped += 1
            else:
                groups[rsid].records.append(r)
        for st in scan.statuses:
            ssid = st.get("site_id") if st.get("site_id") in groups else match(st["seed_url"])
            if ssid:
                groups[ssid].statuses.append(st)
    if dropped:
        log.info("%d archived records match no site of the portfolio and were left out", dropped)
    out = []
    for e in entries:
        g = groups[e.site_id]
        if e.url is None:
            out.append(
                SiteCapture(
                    site_id=e.site_id,
                    seed_url="",
                    records=[],
                    organisation=e.organisation,
                    scan_status=ScanStatus.NO_SITE,
                    scan_detail="the portfolio names no website for this organisation",
                )
            )
        else:
            out.append(_finish(g))
    return out


def _group_by_host(scans: list[FileScan]) -> list[SiteCapture]:
    groups: dict[str, _Group] = {}
    used: set[str] = set()
    order: list[str] = []

    def get(key: str, sid_base: str, seed: str) -> _Group:
        if key not in groups:
            groups[key] = _Group(_unique(slugify(sid_base), used), seed)
            order.append(key)
        return groups[key]

    host_records: dict[str, list[ArchivedRecord]] = {}
    for scan in scans:
        if _is_govlens(scan) and scan.warcinfo.get("site-id"):
            sid = scan.warcinfo["site-id"]
            g = get("sid:" + sid, sid, scan.warcinfo.get("seed-url", ""))
            g.records.extend(scan.records)
            g.statuses.extend(scan.statuses)
            continue
        for r in scan.records:
            hk = host_key(r.url)
            if f"host:{hk}" not in groups:
                get(f"host:{hk}", hk, "")
            host_records.setdefault(hk, []).append(r)
        for st in scan.statuses:
            hk = host_key(st["seed_url"])
            get(f"host:{hk}", hk, st["seed_url"]).statuses.append(st)
    for hk, recs in host_records.items():
        g = groups[f"host:{hk}"]
        g.records.extend(recs)
        if not g.seed_url:
            g.seed_url = _guess_seed(recs)
    return [_finish(groups[k]) for k in order]
