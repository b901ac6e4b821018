"""Cheap page-level signals the crawler needs at crawl time and the reader needs for foreign WARCs
(no site-status record): is this a bot challenge, is this a script-only shell?"""

from __future__ import annotations

import re

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


def visible_text_length(html: bytes) -> int:
    tree = LexborHTMLParser(html)
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
