"""One archived record → PageFacts.

The page is parsed once with selectolax (lexbor) and every extractor runs on that tree; only the
main text goes through trafilatura, which parses again with lxml and is the single most expensive
step (~90 ms for a 200 KB page).
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser
from selectolax.lexbor import LexborNode as Node

from govlens.archive.heuristics import limit_nesting
from govlens.archive.urls import host_key
from govlens.extract import contacts as C
from govlens.extract.charset import decode_body
from govlens.extract.doctext import document_text, file_type_of
from govlens.extract.documents import find_years
from govlens.extract.embeds import collect_embeds
from govlens.extract.forms import classify_form
from govlens.extract.lang import page_language
from govlens.extract.links import RegionResolver, anchor_text, classify_link, collapse
from govlens.extract.social import classify_social
from govlens.types import ArchivedRecord, Document, LinkKind, PageFacts, SocialChannel

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)

HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml+html")

# Block boundaries become line breaks (table cells a tab) before parsing, so visible text keeps the
# page's lines: "Faks" stays beside its number, an address stays one line. Cheaper than walking
# the tree in Python.
_BLOCK = re.compile(
    r"<(/?)(p|div|br|li|ul|ol|tr|td|th|table|tbody|thead|h[1-6]|section|article|header|footer|nav|aside|"
    r"address|blockquote|dd|dt|dl|form|hr|pre|main|figure|figcaption|option|label|center|button)\b",
    re.I,
)


def _mark_blocks(m: re.Match[str]) -> str:
    return ("\t<" if m.group(2).lower() in ("td", "th") else "\n<") + m.group(1) + m.group(2)


_SPACES = re.compile(r"[ \t\u00a0\u200b\u3000]+")
_NOT_FOUND = re.compile(
    r"\b404\b|not\s+found|tidak\s+ditemukan|tidak\s+dapat\s+ditemukan|halaman\s+tidak\s+(?:ada|tersedia)|"
    r"page\s+(?:does\s+not|doesn['’]t)\s+exist|no\s+longer\s+(?:exists|available)|halaman\s+yang\s+anda\s+cari",
    re.I,
)
_JS_WALL = re.compile(
    r"enable\s+javascript|javascript\s+(?:is\s+)?(?:required|disabled)|aktifkan\s+javascript|"
    r"you\s+need\s+to\s+enable\s+javascript|requires\s+javascript",
    re.I,
)
_SHELL_ROOTS = "#root, #app, #__next, #__nuxt, [ng-app], app-root, [data-reactroot], #q-app, #svelte"

# ccTLD → phonenumbers region; generic government TLDs → their country.
_TLD_REGION = {"gov": "US", "mil": "US", "edu": "US", "uk": "GB", "id": "ID"}


def region_for(url: str, default: str = "ID") -> str:
    host = (urlsplit(url).hostname or "").lower()
    tld = host.rsplit(".", 1)[-1] if "." in host else ""
    if tld in _TLD_REGION:
        return _TLD_REGION[tld]
    if len(tld) == 2 and tld.isalpha():
        return tld.upper()
    return default


def is_html_record(record: ArchivedRecord) -> bool:
    ct = record.content_type.lower()
    if ct in HTML_TYPES:
        return True
    if ct and ct not in ("text/plain", "application/octet-stream"):
        return False
    head = record.body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"\xef\xbb\xbf<!doctype html"))


def _visible_lines(node: Node) -> str:
    if node is None:
        return ""
    lines = []
    for line in node.text(deep=True).split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


def _same_as(obj: object, out: list[str]) -> None:
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "sameAs":
                for u in v if isinstance(v, list) else [v]:
                    if isinstance(u, str) and u.strip() and u.strip() not in out:
                        out.append(u.strip())
            else:
                _same_as(v, out)
    elif isinstance(obj, list):
        for v in obj:
            _same_as(v, out)


_SAMEAS_RX = re.compile(r'"sameAs"\s*:\s*(\[[^\]]*\]|"[^"]*")')
_URL_RX = re.compile(r'"(https?://[^"\s]+)"')
_TRAILING_COMMA = re.compile(r",\s*([\]}])")


def parse_jsonld(texts: list[str]) -> tuple[list[object], list[str]]:
    """Parsed JSON-LD blocks and every sameAs URL; broken JSON is repaired or mined by regex."""
    objs: list[object] = []
    same: list[str] = []
    for raw in texts:
        raw = raw.strip().removeprefix("<!--").removesuffix("-->").strip()
        if not raw:
            continue
        obj: object = None
        for attempt in (raw, _TRAILING_COMMA.sub(r"\1", raw)):
            try:
                obj = json.loads(attempt, strict=False)
                break
            except ValueError:
                continue
        if obj is not None:
            objs.append(obj)
            _same_as(obj, same)
        else:
            for m in _SAMEAS_RX.finditer(raw):
                for u in _URL_RX.findall(m.group(1)):
                    if u not in same:
                        same.append(u)
    return objs, same


def _jsonld_contacts(obj: object, out: C.ContactCollector, region: str, depth: int = 0) -> None:
    if depth > 6:
        return
    if isinstance(obj, list):
        for v in obj:
            _jsonld_contacts(v, out, region, depth + 1)
        return
    if not isinstance(obj, dict):
        return
    for key, kind in (("telephone", "phone"), ("faxNumber", "fax")):
        v = obj.get(key)
        if isinstance(v, str):
            e164 = C.parse_phone(v, region)
            if e164:
                out.add(kind, e164, f"JSON-LD {key}: {v}"[: C.SNIPPET], v)
    v = obj.get("email")
    if isinstance(v, str):
        e = C.normalise_email(v.removeprefix("mailto:"))
        if e:
            out.add("email", e, f"JSON-LD email: {v}"[: C.SNIPPET], v)
    for v in obj.values():
        if isinstance(v, dict | list):
            _jsonld_contacts(v, out, region, depth + 1)


# trafilatura's cost grows faster than the page: ~90 ms at 200 KB but minutes and >1 GB of memory
# for a 5 MB page of 650k paragraphs (a hostile or broken site). Bigger pages use the plain
# <main>/<article>/<body> text instead.
MAX_TRAFILATURA_CHARS = 1_000_000
MAX_TEXT_CHARS = 1_000_000


def _main_text(html: str, url: str) -> str | None:
    if len(html) > MAX_TRAFILATURA_CHARS:
        return None
    try:
        import trafilatura
    except ImportError:  # trafilatura needs lxml_html_clean; without it, fall back to body text
        return None
    try:
        return trafilatura.extract(
            html, url=url, fast=True, include_comments=False, include_tables=True, deduplicate=False
        )
    except Exception:
        return None


def _norm_for_compare(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def _similar(a: str, b: str) -> bool:
    """Near-identical texts: same words, lengths within 10 % (dates and counters may differ)."""
    if not a or not b:
        return a == b
    la, lb = len(a), len(b)
    if min(la, lb) / max(la, lb) < 0.9:
        return False
    if a == b:
        return True
    wa, wb = a.split(), b.split()
    sa = {tuple(wa[i : i + 3]) for i in range(max(1, len(wa) - 2))}
    sb = {tuple(wb[i : i + 3]) for i in range(max(1, len(wb) - 2))}
    return len(sa & sb) / max(1, len(sa | sb)) >= 0.9


def _base_url(tree: LexborHTMLParser, url: str) -> str:
    base = tree.css_first("base[href]")
    if base is not None:
        href = (base.attributes.get("href") or "").strip()
        if href:
            try:
                return urljoin(url, href)
            except ValueError:
                return url
    return url


_probe_cache: dict[tuple[str, int, str], tuple[str, str]] = {}


def _probe_signature(probe: ArchivedRecord) -> tuple[str, str]:
    key = (probe.warc_file, probe.offset, probe.record_id)
    if key not in _probe_cache:
        if len(_probe_cache) > 256:
            _probe_cache.clear()
        facts = extract_page(probe) if is_html_record(probe) else None
        _probe_cache[key] = (
            (_norm_for_compare(facts.title), _norm_for_compare(facts.text)) if facts else ("", "")
        )
    return _probe_cache[key]


# files whose text the document reader knows how to get (extract/doctext.py)
_READABLE = frozenset({"pdf", "docx", "xlsx", "pptx", "odt", "ods", "other", "zip"})


def _non_html(record: ArchivedRecord, facts: PageFacts) -> PageFacts:
    """A posted file: its title and text, so the document can be typed by what it says."""
    facts.is_html = False
    kind, _ = file_type_of(record.body, record.content_type)
    if kind in _READABLE or record.body[:5] == b"%PDF-":
        facts.title, facts.text = document_text(record.body, kind or "pdf")
        facts.full_text = facts.text
    elif record.content_type.startswith("text/") and record.content_type != "text/css":
        facts.text = facts.full_text = decode_body(record.body, record.headers.get("content-type"))[0][
            :200_000
        ]
    return facts


def extract_page(record: ArchivedRecord, probe: ArchivedRecord | None = None) -> PageFacts:
    """Facts of one page; ``probe`` is the site's answer to a URL that cannot exist (soft 404 test)."""
    facts = PageFacts(
        url=record.url,
        record_id=record.record_id,
        warc_file=record.warc_file,
        status=record.status,
        content_type=record.content_type,
    )
    if not record.body:
        facts.is_html = is_html_record(record)
        return facts
    if not is_html_record(record):
        return _non_html(record, facts)

    html, _enc = decode_body(record.body, record.headers.get("content-type"))
    marked = _BLOCK.sub(_mark_blocks, html)
    tree = LexborHTMLParser(limit_nesting(marked))
    url = record.url
    base = _base_url(tree, url)
    site_host = host_key(url)
    region = region_for(url)

    # --- things that live in scripts, read before scripts are dropped from the tree
    ld_texts = [
        s.text(deep=True) for s in tree.css("script") if "ld+json" in (s.attributes.get("type") or "").lower()
    ]
    ld_objs, facts.jsonld_same_as = parse_jsonld(ld_texts)
    embeds, embed_socials = collect_embeds(tree, base)
    facts.embeds = embeds
    n_scripts = len(tree.css("script"))
    noscript = " ".join(n.text() for n in tree.css("noscript"))
    has_shell_root = tree.css_first(_SHELL_ROOTS) is not None

    # --- title, language
    title_node = tree.css_first("head title") or tree.css_first("title")
    title = collapse(title_node.text()) if title_node is not None else ""
    if not title:
        og = tree.css_first('meta[property="og:title"]')
        title = collapse(og.attributes.get("content") or "") if og is not None else ""
    html_node = tree.css_first("html")
    html_lang = (
        (html_node.attributes.get("lang") or html_node.attributes.get("xml:lang") or "") if html_node else ""
    )

    # --- forms (before stripping: buttons and labels are text we still want)
    facts.forms = [classify_form(f) for f in tree.css("form")]

    tree.strip_tags(["script", "style", "noscript", "template", "svg", "iframe", "object"])

    facts.headings = [t for t in (collapse(h.text()) for h in tree.css("h1, h2, h3, h4")) if t][:300]
    if not title:
        title = next((h for h in facts.headings), "")
    facts.title = title[:500]

    # --- links, and what they say about documents, socials and contacts
    resolver = RegionResolver()
    collector = C.ContactCollector()
    socials: dict[str, SocialChannel] = {}
    docs: dict[str, Document] = {}

    def add_social(ch: SocialChannel) -> None:
        key = ch.url.lower().rstrip("/")
        if key not in socials:
            socials[key] = ch

    for node in tree.css("a[href], area[href]"):
        attrs = node.attributes
        raw = attrs.get("href") or ""
        text = anchor_text(node)
        if "/cdn-cgi/l/email-protection" in raw:
            email = C.decode_cfemail(raw.split("#", 1)[1]) if "#" in raw else None
            email = C.normalise_email(email) if email else None
            if email:
                raw = "mailto:" + email
                text = text.replace("[email protected]", email) if text else email
                collector.add("email", email, text, email)
        link, extra = classify_link(raw, text, base, site_host, attrs, resolver.region(node))
        facts.links.append(link)
        if link.kind == LinkKind.SOCIAL and extra.social is not None:
            ref = extra.social
            if ref.category == "channel":
                add_social(SocialChannel(ref.platform, ref.url, ref.handle, "link"))
                if ref.platform == "whatsapp":
                    num = C.whatsapp_from_url(link.url)
                    if num:
                        collector.add("whatsapp", num, text or link.url, link.url)
        elif link.kind == LinkKind.DOCUMENT and extra.doc_type:
            name = urlsplit(link.url).path.rsplit("/", 1)[-1]
            years, periods = find_years(text, name, link.url)
            if link.url not in docs:
                docs[link.url] = Document(
                    url=link.url,
                    text=text,
                    file_type=extra.doc_type,
                    years=years,
                    how_typed=extra.doc_how,
                    periods=periods,
                )
            elif text and not docs[link.url].text:
                docs[link.url].text = text
        elif link.kind == LinkKind.MAILTO:
            email = C.email_from_mailto(link.url)
            if email:
                collector.add("email", email, text or email, link.raw_href)
        elif link.kind == LinkKind.TEL:
            number = C.parse_phone(link.url.split(":", 1)[1], region)
            if number:
                kinds = C._kind_from_window(text) if text else ["phone"]
                for kind in kinds:
                    collector.add(kind, number, text or link.url, link.raw_href)

    for node in tree.css("[data-cfemail]"):
        email = C.decode_cfemail(node.attributes.get("data-cfemail") or "")
        email = C.normalise_email(email) if email else None
        if email:
            parent = node.parent
            ctx = collapse(parent.text()) if parent is not None else ""
            collector.add("email", email, ctx.replace("[email protected]", email)[: C.SNIPPET], email)

    for ch in embed_socials:
        add_social(ch)
    for u in facts.jsonld_same_as:
        ref = classify_social(u)
        if ref is not None and ref.category == "channel":
            add_social(SocialChannel(ref.platform, ref.url, ref.handle, "jsonld"))
    facts.socials = list(socials.values())
    facts.documents = list(docs.values())

    # --- text
    body = tree.body
    # a page's text is cut at MAX_TEXT_CHARS: the detectors' patterns run over all of it, and no
    # real page says more (a decoded 20 MB gzip bomb of one "word" stalled them for minutes)
    facts.full_text = _visible_lines(body)[:MAX_TEXT_CHARS]
    main = _main_text(html, url)
    if not main:
        container = tree.css_first("main") or tree.css_first("article") or body
        main = _visible_lines(container)
    facts.text = main[:MAX_TEXT_CHARS]
    facts.lang = page_language(html_lang, record.headers.get("content-language", ""), main or facts.full_text)

    C.contacts_from_text(facts.full_text, region, collector)
    for obj in ld_objs:
        _jsonld_contacts(obj, collector, region)
    facts.contacts = collector.items

    # --- page health
    visible_len = len(facts.full_text)
    facts.needs_js = (visible_len < 200 and (has_shell_root or n_scripts >= 3)) or (
        visible_len < 600 and bool(_JS_WALL.search(noscript + " " + facts.full_text[:600]))
    )
    facts.soft_404 = _is_soft_404(facts, record, probe)
    return facts


def _is_soft_404(facts: PageFacts, record: ArchivedRecord, probe: ArchivedRecord | None) -> bool:
    if record.status != 200:
        return False
    h1 = facts.headings[0] if facts.headings else ""
    for t in (facts.title, h1):
        # Short titles only: a news headline "Korban tidak ditemukan" is not an error page.
        if t and len(t) <= 80 and _NOT_FOUND.search(t):
            return True
    if probe is None or probe.record_id == record.record_id or probe.status is None:
        return False
    if urlsplit(record.url).path in ("", "/"):
        return False  # sites that answer every unknown URL with their home page: home is still home
    p_title, p_text = _probe_signature(probe)
    if not p_title and not p_text:
        return False
    title = _norm_for_compare(facts.title)
    text = _norm_for_compare(facts.text)
    if p_text and text:
        return _similar(text, p_text) and (not p_title or title == p_title or _similar(title, p_title))
    return not p_text and not text and bool(title) and title == p_title
