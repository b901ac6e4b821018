"""A site's capture → SiteFacts: the pages, plus link health from every fetch the crawl made.

Link checks come from all records (pages, link-check HEAD/GETs, fetch errors) with redirects
followed to their end, so a menu item that 302s to a 404 is reported as the 404 it is. The same
records tell what a link's target really was: a link ``/unduh/dokumen-2`` that answered
``application/pdf`` (or whose body starts with ``%PDF``) is a posted document.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from govlens.archive.urls import normalize_url
from govlens.extract.documents import find_years, type_from_content_type, type_from_magic
from govlens.extract.page import extract_page, is_html_record
from govlens.types import ArchivedRecord, Document, LinkCheck, LinkKind, PageFacts, SiteCapture, SiteFacts

PAGE_PURPOSES = ("page", "document", "render")
_MAX_HOPS = 20


def _key(url: str) -> str:
    return normalize_url(url) or url.split("#", 1)[0]


def _is_fetch(rec: ArchivedRecord) -> bool:
    """A record that says what happened when a URL was requested (not warcinfo, not site-status).

    The 404 probe is left out: it is a random address no page links to, asked on purpose to learn
    what the site's "not found" looks like, so its 404 is no broken link.
    """
    if rec.purpose == "probe404":
        return False
    if rec.record_type in ("response", "revisit", "resource"):
        return rec.status is not None or rec.record_type == "resource"
    return rec.record_type == "metadata" and rec.error is not None


def _newest(records: list[ArchivedRecord]) -> dict[str, ArchivedRecord]:
    out: dict[str, ArchivedRecord] = {}
    for rec in records:
        k = _key(rec.url)
        old = out.get(k)
        if old is None or rec.date >= old.date:
            out[k] = rec
    return out


def build_link_checks(
    records: list[ArchivedRecord],
) -> tuple[dict[str, LinkCheck], dict[str, ArchivedRecord]]:
    """LinkCheck per fetched URL (redirects resolved) and the final record behind each URL."""
    latest = _newest([r for r in records if _is_fetch(r)])
    checks: dict[str, LinkCheck] = {}
    final_rec: dict[str, ArchivedRecord] = {}
    for k, rec in latest.items():
        cur = rec
        seen = {k}
        final_url: str | None = None
        error = rec.error
        for _ in range(_MAX_HOPS):
            if cur.status is None or not (300 <= cur.status < 400) or not cur.redirect_to:
                break
            nxt_key = _key(cur.redirect_to)
            final_url = cur.redirect_to
            if nxt_key in seen:
                error = "redirect_loop"
                break
            seen.add(nxt_key)
            nxt = latest.get(nxt_key)
            if nxt is None:
                break  # the crawl did not follow it (out of scope, budget): last known status stands
            cur = nxt
            final_url = nxt.url
        else:
            error = "too_many_redirects"
        checks[rec.url] = LinkCheck(
            url=rec.url,
            status=cur.status,
            error=error if error else cur.error,
            record_id=rec.record_id,
            final_url=final_url,
        )
        final_rec[k] = cur
    return checks, final_rec


def _target_type(rec: ArchivedRecord) -> tuple[str | None, str]:
    if rec.status is None or rec.status >= 400:
        return None, ""
    t = type_from_magic(rec.body) if rec.body else None
    if t:
        ct_t = type_from_content_type(rec.content_type)
        # OLE2 magic cannot tell doc from xls: the Content-Type can.
        if t == "doc" and ct_t in ("xls", "ppt"):
            t = ct_t
        return t, "magic"
    t = type_from_content_type(rec.content_type)
    return (t, "content_type") if t else (None, "")


def _upgrade_documents(
    page: PageFacts, final_rec: dict[str, ArchivedRecord], checks_by_key: dict[str, LinkCheck]
) -> None:
    have = {d.url for d in page.documents}
    for link in page.links:
        if link.kind not in (LinkKind.INTERNAL, LinkKind.EXTERNAL, LinkKind.SERVICE, LinkKind.DOCUMENT):
            continue
        if not link.url or (link.url in have and link.kind == LinkKind.DOCUMENT):
            continue
        rec = final_rec.get(_key(link.url))
        if rec is None or is_html_record(rec):
            continue
        ftype, how = _target_type(rec)
        if ftype is None:
            continue
        link.kind = LinkKind.DOCUMENT
        if link.url in have:
            continue
        name = unquote(urlsplit(link.url).path.rsplit("/", 1)[-1])
        cd = rec.headers.get("content-disposition", "")
        years, periods = find_years(link.text, name, cd, link.url)
        page.documents.append(
            Document(
                url=link.url, text=link.text, file_type=ftype, years=years, how_typed=how, periods=periods
            )
        )
        have.add(link.url)
    for doc in page.documents:
        lc = checks_by_key.get(_key(doc.url))
        if lc is not None:
            doc.status = lc.status


def _page_like(rec: ArchivedRecord) -> bool:
    """A page or a posted document; not robots/sitemap/probe, not a stylesheet or script.

    WARCs from other crawlers carry no purpose, so assets and robots.txt are recognised by type/path too.
    """
    if rec.purpose not in PAGE_PURPOSES or rec.record_type not in ("response", "resource"):
        return False
    if rec.status is None or not 200 <= rec.status < 300:
        return False
    path = urlsplit(rec.url).path.lower()
    if path == "/robots.txt" or (path.startswith("/sitemap") and path.endswith((".xml", ".xml.gz"))):
        return False
    if is_html_record(rec):
        return True
    return bool(type_from_content_type(rec.content_type) or (rec.body and type_from_magic(rec.body)))


def extract_site(capture: SiteCapture) -> SiteFacts:
    records = capture.records
    checks, final_rec = build_link_checks(records)
    checks_by_key = {_key(u): lc for u, lc in checks.items()}

    probe = capture.probe_404
    if probe is None:
        probes = [r for r in records if r.purpose == "probe404" and r.status is not None]
        probe = max(probes, key=lambda r: r.date) if probes else None

    candidates = [r for r in records if _page_like(r)]
    pages: list[PageFacts] = []
    for rec in _newest(candidates).values():
        facts = extract_page(rec, probe)
        _upgrade_documents(facts, final_rec, checks_by_key)
        pages.append(facts)

    return SiteFacts(
        site_id=capture.site_id,
        seed_url=capture.seed_url,
        organisation=capture.organisation,
        scan_status=capture.scan_status,
        scan_detail=capture.scan_detail,
        pages=pages,
        link_checks=checks,
        final_url=capture.final_url,
    )
