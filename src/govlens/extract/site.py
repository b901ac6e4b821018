"""A site's capture → SiteFacts: the pages, plus link health from every fetch the crawl made.

Link checks come from all records (pages, link-check HEAD/GETs, fetch errors) with redirects
followed to their end, so a menu item that 302s to a 404 is reported as the 404 it is. The same
records tell what a link's target really was: a link ``/unduh/dokumen-2`` that answered
``application/pdf`` (or whose body starts with ``%PDF``) is a posted document.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from govlens.archive.urls import normalize_url
from govlens.extract.doctext import file_type_of
from govlens.extract.doctype import DocumentClass, classify_document
from govlens.extract.documents import find_years, type_from_content_type, type_from_magic
from govlens.extract.page import extract_page, is_html_record
from govlens.types import ArchivedRecord, Document, LinkCheck, LinkKind, PageFacts, SiteCapture, SiteFacts

PAGE_PURPOSES = ("page", "document", "render")
_MAX_HOPS = 20

# network failures and loops: the target is gone for whoever follows the link
DEAD_ERRORS = frozenset(
    {"dns", "connect", "tls", "timeout", "reset", "redirect_loop", "too_many_redirects", "soft_404"}
)
# what an HTML answer to a document link says when it is an error page, in its title or first line
_ERROR_TITLE = re.compile(
    r"\b(?:404|not\s+found|page\s+not\s+found|tidak\s+ditemukan|halaman\s+tidak\s+(?:ditemukan|tersedia)|"
    r"file\s+not\s+found|no\s+such\s+file|error|galat|forbidden|access\s+denied|akses\s+ditolak)\b",
    re.I,
)


def is_broken(lc: LinkCheck) -> bool:
    """4xx/5xx, a network failure, or a soft 404; robots-disallowed or unchecked links are not.

    401/403/429 count as broken too: a visitor following the link gets nothing.
    """
    if lc.status is not None:
        return lc.status >= 400
    return (lc.error or "") in DEAD_ERRORS


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
    return file_type_of(rec.body, rec.content_type)


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


def _is_error_page(page: PageFacts | None, doc_url: str, lc: LinkCheck | None) -> bool:
    """An HTML answer to a document link that is no document: the site's not-found page, an error
    title, or a redirect from a file path to the home page (a common CMS answer to a deleted file)."""
    if page is not None and (page.soft_404 or _ERROR_TITLE.search(page.title or "")):
        return True
    if lc is not None and lc.final_url:
        final_path = urlsplit(lc.final_url).path.strip("/")
        return (
            final_path in ("", "index.php", "index.html", "home")
            and urlsplit(doc_url).path.strip("/") != final_path
        )
    return False


def _target_state(
    doc: Document, lc: LinkCheck | None, rec: ArchivedRecord | None, target_page: PageFacts | None
) -> str:
    """document, html, missing, error_page or not_captured: what following the link gave."""
    if lc is None and rec is None:
        return "not_captured"
    if lc is not None and is_broken(lc):
        return "missing"
    if rec is None or not is_html_record(rec):
        return "document"
    if _is_error_page(target_page, doc.url, lc):
        return "error_page"
    # a link to "x.pdf" answered by a page: the file itself is not there. It is the document only
    # when the page is one (a regulation's own page), not a shell or a menu
    shell = (
        doc.how_typed == "extension"
        and target_page is not None
        and classify_document(target_page.title, target_page.text).kind == "other"
    )
    return "error_page" if shell else "html"


def _resolve_documents(
    pages: list[PageFacts], final_rec: dict[str, ArchivedRecord], checks_by_key: dict[str, LinkCheck]
) -> None:
    """Say what each linked document's target turned out to be, and type it by its content.

    The anchor text of a link is the document's "name" zone, so typing is per (target, anchor):
    a file linked from every page's menu with the same text is typed once.
    """
    by_key = {_key(p.url): p for p in pages}
    typed: dict[tuple[str, str, str], tuple[str, bool, DocumentClass]] = {}
    for page in pages:
        for doc in page.documents:
            k = _key(doc.url)
            lc, rec = checks_by_key.get(k), final_rec.get(k)
            target_page = by_key.get(_key(rec.url)) if rec is not None else None
            memo = (k, doc.text, doc.how_typed)
            if memo not in typed:
                state = _target_state(doc, lc, rec, target_page)
                readable = (
                    target_page is not None
                    and state in ("document", "html")
                    and bool(target_page.title or target_page.text)
                )
                name = unquote(urlsplit(doc.url).path.rsplit("/", 1)[-1])
                # an HTML target is read by its main text (menus on every page name every kind);
                # a file's text is all of what was read from it
                cls = (
                    classify_document(target_page.title, target_page.text, doc.text, name)
                    if readable and target_page is not None
                    else classify_document("", "", doc.text, name)
                )
                typed[memo] = (state, readable, cls)
            state, readable, cls = typed[memo]
            doc.target = state
            if state not in ("not_captured", "missing") and rec is not None:
                doc.target_record_id, doc.target_warc_file = rec.record_id, rec.warc_file
            doc.kind, doc.kind_signals, doc.kind_passage = cls.kind, cls.signals, cls.passage
            doc.number, doc.number_year = cls.number, cls.year
            if readable and target_page is not None:
                doc.kind_source = "content"
                doc.content_title = target_page.title[:300]
                doc.content_chars = len(target_page.text or "")
                doc.years = sorted(set(doc.years) | set(cls.years))
                doc.periods = list(dict.fromkeys([*doc.periods, *cls.periods]))
            else:
                doc.kind_source = "link"


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
    _resolve_documents(pages, final_rec, checks_by_key)

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
