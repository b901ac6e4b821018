"""Health of a service link, from what the crawl recorded: link checks, pages, the 404 probe.

The question is the citizen's: "if I click this, do I get the service?". The answer has three
groups (see :class:`govlens.types.ServiceHealth`): it works; it is broken (an HTTP error, a page
that says not found, a click that does nothing, a loop, a name that is gone, a TLS failure, nothing
listening); or we could not judge (a login wall, bot protection, a timeout, never fetched). The
last group is kept apart so that our own failure to look is never reported as a dead service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser

from govlens.archive.heuristics import looks_blocked
from govlens.archive.urls import normalize_url, registered_domain
from govlens.extract.page import extract_page, is_html_record
from govlens.types import ArchivedRecord, LinkCheck, PageFacts, ServiceHealth

# Paths of login pages: /login, /signin, /masuk (Indonesian), /auth, /sso, wp-login.php, /user/login...
_LOGIN_PATH = re.compile(
    r"(?:^|/)(?:log-?in|sign-?in|masuk|auth(?:enticate)?|sso|cas/login|wp-login\.php|account/login"
    r"|user/login|admin/login|session/new)(?:[/.?]|$)",
    re.I,
)

_ERROR_STATES = {
    "dns": ServiceHealth.DNS,
    "connect": ServiceHealth.UNREACHABLE,
    "reset": ServiceHealth.UNREACHABLE,
    "tls": ServiceHealth.TLS_ERROR,
    "timeout": ServiceHealth.TIMEOUT,
    "redirect_loop": ServiceHealth.REDIRECT_LOOP,
    "too_many_redirects": ServiceHealth.REDIRECT_LOOP,
    "invalid_url": ServiceHealth.NOOP,
}

_ERROR_TEXT = {
    "dns": "the host name does not resolve",
    "connect": "connection refused: nothing answers",
    "reset": "connection reset",
    "tls": "TLS/certificate failure",
    "timeout": "no answer in time",
    "redirect_loop": "redirect loop",
    "too_many_redirects": "too many redirects",
    "invalid_url": "not a valid address",
    "robots": "robots.txt disallows fetching it",
    "too_large": "answered (body larger than the crawl's limit)",
}


def key(url: str) -> str:
    """The lookup key extract uses for link checks and records."""
    return normalize_url(url) or url.split("#", 1)[0]


@dataclass
class HealthResult:
    health: ServiceHealth
    detail: str = ""
    status: int | None = None
    final_url: str | None = None
    record_id: str = ""


@dataclass
class HealthContext:
    """What the crawl recorded for one site, indexed for health lookups."""

    checks: dict[str, LinkCheck]  # by key(url)
    pages: dict[str, PageFacts]  # by key(url)
    final_records: dict[str, ArchivedRecord]  # key(url) -> the record the chain ended on
    probe: ArchivedRecord | None = None

    def check(self, url: str) -> LinkCheck | None:
        return self.checks.get(key(url))


def is_login_url(url: str | None) -> bool:
    if not url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return bool(_LOGIN_PATH.search(parts.path + ("?" + parts.query if parts.query else "")))


def has_password_field(body: bytes) -> bool:
    """A login form: an ``<input type=password>`` (the one thing every login form shares)."""
    if not body or b"password" not in body.lower():
        return False
    try:
        tree = LexborHTMLParser(body.decode("utf-8", "replace"))
    except Exception:
        return False
    return any((n.attributes.get("type") or "").lower() == "password" for n in tree.css("input"))


def _page_facts(ctx: HealthContext, url: str, rec: ArchivedRecord | None) -> PageFacts | None:
    """Facts of the page a link ended on: the crawled page, or the link check's (partial) body."""
    facts = ctx.pages.get(key(url))
    if facts is not None:
        return facts
    if rec is None or not rec.body or rec.status is None or not is_html_record(rec):
        return None
    probe = ctx.probe
    if probe is not None and urlsplit(probe.url).netloc != urlsplit(rec.url).netloc:
        probe = None  # another host's 404 page says nothing about this one
    try:
        return extract_page(rec, probe)
    except Exception:
        return None


def classify(url: str, ctx: HealthContext, raw_href: str = "") -> HealthResult:
    """Health of one service link; ``url`` is "" for a no-op menu item (then ``raw_href`` says why)."""
    if not url:
        shown = raw_href.strip() or "(empty href)"
        return HealthResult(ServiceHealth.NOOP, f"the link does nothing: href={shown[:60]}")
    lc = ctx.check(url)
    if lc is None:
        return HealthResult(ServiceHealth.NOT_CHECKED, "the crawl did not fetch it")
    final_url = lc.final_url or url
    rec = ctx.final_records.get(key(url))
    base = HealthResult(ServiceHealth.WORKS, "", lc.status, lc.final_url, lc.record_id)
    if lc.error:
        state = _ERROR_STATES.get(lc.error)
        detail = _ERROR_TEXT.get(lc.error, lc.error)
        if lc.error == "too_large":
            state = ServiceHealth.WORKS
        if state is None:  # robots, other, a refusal to leave the map: not a verdict on the service
            if rec is not None and rec.headers.get("x-govlens-detail"):
                detail = f"{detail}: {rec.headers['x-govlens-detail'][:120]}"
            return _with(base, ServiceHealth.NOT_CHECKED, detail)
        if state is ServiceHealth.REDIRECT_LOOP and lc.final_url:
            detail = f"{detail} at {lc.final_url}"
        return _with(base, state, detail)
    status = lc.status
    body = rec.body if rec is not None else b""
    headers = rec.headers if rec is not None else {}
    if status is None:
        return _with(base, ServiceHealth.NOT_CHECKED, "no answer recorded")
    blocked = looks_blocked(status, headers, body)
    if status == 401 or (status == 403 and has_password_field(body)):
        return _with(base, ServiceHealth.LOGIN_REQUIRED, f"HTTP {status}: login required")
    if blocked:
        return _with(base, ServiceHealth.BLOCKED, blocked)
    if status in (403, 429):
        return _with(base, ServiceHealth.BLOCKED, f"HTTP {status} to our crawler")
    if 300 <= status < 400:
        return _with(base, ServiceHealth.NOT_CHECKED, f"redirects to {final_url} (not followed)")
    if status >= 400:
        return _with(base, ServiceHealth.HTTP_ERROR, f"HTTP {status}")
    if lc.final_url and is_login_url(lc.final_url) and not is_login_url(url):
        return _with(base, ServiceHealth.LOGIN_REQUIRED, f"redirects to a login page ({lc.final_url})")
    facts = _page_facts(ctx, final_url, rec)
    if facts is not None and facts.soft_404:
        why = "the site's 404 page" if ctx.probe is not None else "a page that says not found"
        return _with(base, ServiceHealth.SOFT_404, f"HTTP 200 but {why}: {facts.title[:80]!r}")
    login_page = (
        facts is not None
        and any(f.kind == "login" for f in facts.forms)
        and not any(f.kind not in ("login", "search") for f in facts.forms)
    )
    if login_page or (facts is None and has_password_field(body)) or (facts is None and is_login_url(url)):
        return _with(base, ServiceHealth.LOGIN_REQUIRED, "a login form: only staff/registered users")
    if lc.final_url and registered_domain(lc.final_url) != registered_domain(url):
        return _with(base, ServiceHealth.REDIRECT_AWAY, f"redirects to {lc.final_url}")
    return _with(base, ServiceHealth.WORKS, f"HTTP {status}")


def _with(base: HealthResult, health: ServiceHealth, detail: str) -> HealthResult:
    return HealthResult(health, detail, base.status, base.final_url, base.record_id)
