"""Classify every link of a page: where it points, what it is for, where on the page it sits.

A menu item that points to ``#`` is a broken service for a citizen, a link into ``lapor.go.id`` is
the national complaint channel, a ``facebook.com/<page>`` in the footer is media convergence; the
assess stage counts these kinds, so the kind is decided here once, by one precedence:
noop > mailto > tel > social > document > service > internal/external.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import SplitResult, urljoin, urlsplit

from selectolax.lexbor import LexborNode as Node

from govlens.archive.urls import host_key, normalize_url
from govlens.extract import documents
from govlens.extract._data import host_matches, load
from govlens.extract.social import SocialRef, classify_social, share_hosts
from govlens.types import Link, LinkKind

_NOOP_JS = re.compile(
    r"^javascript:\s*(?:void\s*\(?\s*0?\s*\)?|;|false|return\s+false|undefined)?\s*;?\s*$", re.I
)
_JS_URL = re.compile(
    r"""(?:window\.open|location(?:\.href)?\s*=|location\.assign)\s*\(?\s*['"]([^'"]+)['"]""", re.I
)
_WS = re.compile(r"\s+")


def collapse(text: str) -> str:
    return _WS.sub(" ", text).strip()


@dataclass
class ServiceRules:
    text: re.Pattern[str]
    e_prefix: re.Pattern[str]
    e_exclude: frozenset[str]
    url_words: re.Pattern[str]
    subdomains: frozenset[str]
    sub_prefixes: tuple[str, ...]
    hosts: frozenset[str]


@cache
def service_rules() -> ServiceRules:
    d = load("services.yaml")
    phrases = sorted(d.get("text_phrases", []), key=len, reverse=True)
    text_re = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(p) for p in phrases) + r")(?![\w-])", re.I)
    words = sorted(d.get("url_words", []), key=len, reverse=True)
    url_re = re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?![a-z0-9])", re.I)
    return ServiceRules(
        text=text_re,
        e_prefix=re.compile(r"(?<![\w-])(e-[a-z][\w-]{2,})", re.I),
        e_exclude=frozenset(x.lower() for x in d.get("e_prefix_exclude", [])),
        url_words=url_re,
        subdomains=frozenset(str(x).lower() for x in d.get("subdomains", [])),
        sub_prefixes=tuple(str(x).lower() for x in d.get("subdomain_prefixes", [])),
        hosts=frozenset(str(x).lower() for x in d.get("hosts", [])),
    )


def is_service(
    url: str, text: str, site_host: str, parts: SplitResult | None = None, host_k: str | None = None
) -> bool:
    """Does the anchor text or the target mark an online service?"""
    r = service_rules()
    if text and r.text.search(text):
        return True
    if text:
        for m in r.e_prefix.finditer(text):
            if m.group(1).lower() not in r.e_exclude:
                return True
    if parts is None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return False
    host = (parts.hostname or "").lower()
    if host_k is None:
        host_k = host_key(url)
    if host:
        if host_matches(host, r.hosts):
            return True
        label = host.split(".", 1)[0]
        if label == "www" and host.count(".") >= 2:
            label = host.split(".")[1]
        # A label only counts on a subdomain ("simpeg.kota.go.id", not "pay.com"), and never on the
        # audited site itself: on layanan.kota.go.id every internal link would be a "service".
        if (
            host.count(".") >= 2
            and host_k != site_host
            and (label in r.subdomains or (label.startswith(r.sub_prefixes) and len(label) > 3))
        ):
            return True
    return bool(r.url_words.search(parts.path))


# --------------------------------------------------------------------------- regions

_REGION_TAGS = {"nav": "nav", "header": "header", "footer": "footer", "aside": "aside"}
_PRIORITY = {"body": 0, "aside": 1, "header": 2, "nav": 3, "footer": 4}
_TOKEN_SPLIT = re.compile(r"[^a-z0-9]+")


def _region_from_tokens(attr: str) -> str | None:
    best: str | None = None
    for tok in _TOKEN_SPLIT.split(attr.lower()):
        if not tok:
            continue
        r: str | None = None
        if "footer" in tok or tok in ("foot", "copyright", "site-info", "colophon"):
            r = "footer"
        elif (
            "menu" in tok
            or "navbar" in tok
            or "navigation" in tok
            or tok == "nav"
            or tok.startswith("nav")
            or tok.endswith("nav")
            or tok == "breadcrumb"
        ):
            r = "nav"
        elif tok in ("header", "masthead", "topbar", "top-bar") or (
            tok.endswith("header") and tok != "entryheader"
        ):
            r = "header"
        elif "sidebar" in tok or tok in ("aside", "widget-area"):
            r = "aside"
        if r and (best is None or _PRIORITY[r] > _PRIORITY[best]):
            best = r
    return best


class RegionResolver:
    """Region of a node from its ancestors, memoised per ancestor so a page costs O(nodes).

    The strongest region among the ancestors wins (footer > nav > header > aside): a menu inside
    the footer is footer, a menu inside a sidebar is nav. A ``<header>`` inside ``<article>`` or
    ``<main>`` is a post header, not the site's.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[str, bool]] = {}

    def region(self, node: Node) -> str:
        return self._resolve(node.parent)[0] if node.parent is not None else "body"

    def _resolve(self, node: Node) -> tuple[str, bool]:
        chain = []
        cur = node
        while (
            cur is not None
            and cur.mem_id not in self._memo
            and cur.tag not in ("html", "-undef", "#document")
        ):
            chain.append(cur)
            cur = cur.parent
        region, in_content = (
            self._memo.get(cur.mem_id, ("body", False)) if cur is not None else ("body", False)
        )
        for n in reversed(chain):
            tag = n.tag or ""
            here: str | None = _REGION_TAGS.get(tag)
            if tag == "header" and in_content:
                here = None
            if here is None:
                attrs = n.attributes
                cls = (attrs.get("class") or "") + " " + (attrs.get("id") or "")
                role = (attrs.get("role") or "").lower()
                if role == "navigation":
                    here = "nav"
                elif role == "contentinfo":
                    here = "footer"
                elif role == "banner":
                    here = "header"
                elif cls.strip():
                    here = _region_from_tokens(cls)
                    if here == "header" and in_content:
                        here = None
            if tag in ("article", "main"):
                in_content = True
            if here and _PRIORITY[here] > _PRIORITY[region]:
                region = here
            self._memo[n.mem_id] = (region, in_content)
        return region, in_content


# --------------------------------------------------------------------------- links


@dataclass
class LinkExtra:
    """What the classifier learned beyond the Link itself, used by the other extractors."""

    social: SocialRef | None = None
    doc_type: str | None = None
    doc_how: str = ""


def anchor_text(node: Node) -> str:
    text = collapse(node.text(deep=True))
    if text:
        return text
    attrs = node.attributes
    for key in ("aria-label", "title"):
        if attrs.get(key):
            return collapse(attrs[key] or "")
    img = node.css_first("img[alt]")
    if img is not None:
        return collapse(img.attributes.get("alt") or "")
    return ""


def classify_link(
    raw_href: str | None,
    text: str,
    base: str,
    site_host: str,
    attrs: dict[str, str | None],
    region: str = "body",
) -> tuple[Link, LinkExtra]:
    """Link and extra facts for one anchor.

    Menus repeat on every page of a site, so the answer is memoised on what it depends on; for a
    root-relative or absolute href that is the base's origin only, not its path.
    """
    href = (raw_href or "").strip()
    if href.startswith(("http://", "https://")) or (href.startswith("/") and not href.startswith("//")):
        try:
            bp = urlsplit(base)
            base_key = f"{bp.scheme}://{bp.netloc}/"
        except ValueError:
            base_key = base
    else:
        base_key = base
    t_attr = attrs.get("type") or ""
    d_attr = attrs.get("download") if "download" in attrs else None
    link, extra = _classify_cached(
        href, text, base_key if base_key != base else base, site_host, t_attr, d_attr
    )
    return (
        Link(
            url=link.url,
            text=link.text,
            kind=link.kind,
            raw_href=link.raw_href,
            region=region,
            social_platform=link.social_platform,
            is_share=link.is_share,
        ),
        LinkExtra(extra.social, extra.doc_type, extra.doc_how),
    )


@lru_cache(maxsize=50_000)
def _classify_cached(
    href: str, text: str, base: str, site_host: str, type_attr: str, download: str | None
) -> tuple[Link, LinkExtra]:
    attrs: dict[str, str | None] = {"type": type_attr}
    if download is not None:
        attrs["download"] = download
    region = "body"
    # Browsers drop tabs and newlines inside URLs.
    href_clean = href.replace("\t", "").replace("\n", "").replace("\r", "")
    low = href_clean.lower()
    extra = LinkExtra()

    def mk(kind: str, url: str = "", **kw: object) -> tuple[Link, LinkExtra]:
        return Link(url=url, text=text, kind=kind, raw_href=href, region=region, **kw), extra  # type: ignore[arg-type]

    if not href_clean or low in ("#", "#/") or low.startswith("#!"):
        return mk(LinkKind.NOOP)
    if low.startswith("javascript:"):
        m = _JS_URL.search(href_clean)
        if not m or _NOOP_JS.match(href_clean):
            return mk(LinkKind.NOOP)
        href_clean = m.group(1)
        low = href_clean.lower()
    if low.startswith("mailto:"):
        return mk(LinkKind.MAILTO, href_clean)
    if low.startswith("tel:") or low.startswith("callto:"):
        return mk(LinkKind.TEL, href_clean)
    if low.startswith(("data:", "about:", "file:")):
        return mk(LinkKind.NOOP)
    try:
        absolute = href_clean if low.startswith(("http://", "https://")) else urljoin(base, href_clean)
    except ValueError:  # "//[::1": no browser can follow it, and no later stage may choke on it
        return mk(LinkKind.NOOP)
    url = normalize_url(absolute)
    if url is None:
        # whatsapp://, intent://, ftp:// ...: keep what was written, if it is a URL at all
        scheme = absolute.split(":", 1)[0].lower()
        try:
            urlsplit(absolute).port  # noqa: B018 - raises on "http://x:99999/" or a broken [IPv6]
        except ValueError:
            return mk(LinkKind.NOOP)
        if scheme in ("http", "https"):  # http(s) that normalize_url refused (no host): not a link
            return mk(LinkKind.NOOP)
        if scheme == "whatsapp":
            extra.social = SocialRef(
                "whatsapp", "share" if "text=" in low and "phone=" not in low else "other"
            )
            return mk(LinkKind.SOCIAL, absolute, social_platform="whatsapp", is_share=True)
        return mk(LinkKind.EXTERNAL, absolute)

    parts = urlsplit(url)
    hostname = parts.hostname or ""
    host = hostname[4:] if hostname.startswith("www.") else hostname
    if parts.port is not None:
        host = host_key(url)
    ref = classify_social(url, parts)
    if ref is not None:
        extra.social = ref
        return mk(LinkKind.SOCIAL, url, social_platform=ref.platform, is_share=ref.category != "channel")
    is_share_widget = bool(host_matches(hostname, share_hosts()))

    doc = documents.type_from_parts(parts)
    how = "extension"
    if doc is None:
        t = (attrs.get("type") or "").strip()
        if t:
            doc = documents.type_from_content_type(t)
            how = "content_type"
    if doc is None and "download" in attrs:
        doc, how = "other", "extension"
        guess = documents.type_from_url(attrs.get("download") or "")
        if guess:
            doc = guess
    if doc is None:
        doc = documents.type_from_anchor(text)
        how = "anchor"
    if doc is not None:
        extra.doc_type, extra.doc_how = doc, how
        return mk(LinkKind.DOCUMENT, url)

    if is_service(url, text, site_host, parts, host):
        return mk(LinkKind.SERVICE, url)
    kind = LinkKind.INTERNAL if host == site_host else LinkKind.EXTERNAL
    return mk(kind, url, is_share=is_share_widget)
