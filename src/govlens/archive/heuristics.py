"""Cheap page-level signals the crawler needs at crawl time and the reader needs for foreign WARCs
(no site-status record): is this a bot challenge, is this a script-only shell?"""

from __future__ import annotations

import re
from typing import Any

from selectolax.lexbor import LexborHTMLParser

_CHALLENGE_TEXT = re.compile(
    rb"just a moment\.\.\.|attention required! \| cloudflare|checking your browser before accessing"
    rb"|cf-browser-verification|challenge-platform|cf_chl_|g-recaptcha|h-captcha|hcaptcha\.com"
    rb"|sucuri website firewall|access denied - sucuri|incapsula incident|_incapsula_resource"
    rb"|request unsuccessful\. incapsula|ddos-guard|please enable cookies and reload",
    re.I,
)


def looks_blocked(status: int | None, headers: dict[str, str], body: bytes) -> str | None:
    """Why the response looks like bot protection rather than the site, or None."""
    server = headers.get("server", "").lower()
    head = body[:65536]
    if _CHALLENGE_TEXT.search(head):
        m = _CHALLENGE_TEXT.search(head)
        return f"challenge page ({m.group(0).decode('latin-1')[:40]})" if m else "challenge page"
    if status in (403, 429, 503):
        if "cf-ray" in headers or "cloudflare" in server:
            return f"HTTP {status} from Cloudflare"
        if "x-sucuri-id" in headers or "sucuri" in server:
            return f"HTTP {status} from Sucuri"
        if "x-iinfo" in headers or "incap" in headers.get("set-cookie", "").lower():
            return f"HTTP {status} from Imperva/Incapsula"
        if "akamai" in server or "x-akamai" in " ".join(headers):
            return f"HTTP {status} from Akamai"
    return None


# Block elements whose start and end tags make lexbor scan the whole stack of open elements
# (the HTML standard's "has a p element in button scope"): 100k nested <div>s take 40 s to parse,
# and a page does it several times. Browsers cap the tree depth (Chromium at 512); beyond
# MAX_NESTING the extra tags are dropped and their text kept.
MAX_NESTING = 1000
_BLOCK_TAGS = (
    "address|article|aside|blockquote|center|details|dialog|dir|div|dl|dd|dt|fieldset|figcaption|figure"
    "|footer|form|h[1-6]|header|hgroup|li|main|menu|nav|ol|p|pre|section|summary|table|tbody|td|th|thead"
    "|tr|ul"
)
_NEST_RE = re.compile(rf"<(/?)(?:{_BLOCK_TAGS})(?=[\s/>])[^>]*>", re.I)
_NEST_RE_B = re.compile(_NEST_RE.pattern.encode(), re.I)


def limit_nesting(html: str | bytes, max_depth: int = MAX_NESTING) -> str | bytes:
    """``html`` with block tags nested deeper than ``max_depth`` removed (text kept); the input
    itself when it is not that deep (the usual case, decided by a cheap count first)."""
    is_bytes = isinstance(html, bytes)
    lt = b"<" if is_bytes else "<"
    if html.count(lt) <= max_depth:  # type: ignore[arg-type]
        return html
    rx = _NEST_RE_B if is_bytes else _NEST_RE
    depth = 0
    deepest = 0
    for m in rx.finditer(html):  # type: ignore[arg-type]
        depth = max(0, depth - 1) if m.group(1) else depth + 1
        deepest = max(deepest, depth)
        if deepest > max_depth:
            break
    else:
        return html
    depth = 0

    def keep(m: re.Match) -> Any:
        nonlocal depth
        if m.group(1):
            kept = depth <= max_depth
            depth = max(0, depth - 1)
        else:
            depth += 1
            kept = depth <= max_depth
        return m.group(0) if kept else (b" " if is_bytes else " ")

    return rx.sub(keep, html)  # type: ignore[arg-type]


def visible_text_length(html: bytes) -> int:
    tree = LexborHTMLParser(limit_nesting(html))
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    body = tree.body
    text = body.text(separator=" ") if body is not None else ""
    return len(" ".join(text.split()))


def looks_js_only(html: bytes) -> bool:
    """Almost no text and a script-driven shell (SPA root, noscript warning or external scripts)."""
    if visible_text_length(html) >= 200:
        return False
    lower = html[:200000].lower()
    return bool(
        re.search(rb'<div[^>]+id=["\'](app|root|__next|__nuxt|q-app|ember\w*)["\']', lower)
        or b"<noscript" in lower
        or len(re.findall(rb"<script[^>]+src=", lower)) >= 1
    )


def is_html(content_type: str, body: bytes = b"") -> bool:
    if content_type:
        return content_type in ("text/html", "application/xhtml+xml")
    return body[:1024].lstrip().lower().startswith((b"<!doctype html", b"<html"))
