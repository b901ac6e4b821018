"""The online services a site offers, found in its menus and pages, with provider and health.

What counts as a service (docs/services.md has the full rule and the demo's answer):

* a link the extractor classified as ``service`` (Layanan Online, Perizinan, Pengaduan, e-..., an
  application subdomain, a national platform) that is not itself a *menu* (a page listing services);
* every link in the body of a service menu page (a page titled or reached as "Layanan",
  "Layanan Online", "Jenis Perizinan"...): that is where portals list BMKG's forecast or the PMI
  blood-donation schedule, whose links say nothing by themselves;
* a link to an outside provider of the provider map (providers.yaml);
* a page of the site that holds a service form (complaint, survey, registration, status lookup);
* a WhatsApp/Telegram number offered as a service channel (not a share button);
* a menu item that does nothing (``#``, ``javascript:void(0)``) whose text names a service: the
  broken service menus of the study;
* the service URLs the portfolio declares for the organisation.

A service is identified by where its link ends (after redirects), so the portal's "Pengaduan
SP4N-LAPOR!" on the home page and in the Layanan Online list is one service; its menu path is the
shortest chain of anchor texts from the home page to a link to it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from govlens.archive.urls import host_key, registered_domain
from govlens.extract.links import is_service
from govlens.extract.site import build_link_checks
from govlens.services.health import HealthContext, classify, key
from govlens.services.providers import OwnerIndex, ProviderMap, load_providers, owner_index
from govlens.types import (
    ArchivedRecord,
    Link,
    LinkKind,
    Organisation,
    PageFacts,
    Portfolio,
    Service,
    SiteFacts,
)

SERVICE_FORMS = frozenset({"complaint", "poll", "other"})  # not search, login, contact, subscribe
_TITLE_SEP = re.compile(r"\s+(?:\||::|-|–|—|»|·)\s+")
_NO_TEXT = re.compile(r"^[\W\d_]*$")
_SOURCE_RANK = {"menu_page": 0, "link": 1, "form_page": 1}


@dataclass
class _Occurrence:
    order: int
    path: list[str]
    page: PageFacts
    link: Link | None  # None for a form page found without a link to it
    source: str


def title_head(title: str) -> str:
    """ "Layanan Online | Portal Resmi ..." → "Layanan Online" (the page's own name)."""
    return _TITLE_SEP.split(title, maxsplit=1)[0].strip() if title else ""


def _home_key(facts: SiteFacts) -> str | None:
    for u in (facts.final_url, facts.seed_url):
        if u:
            k = key(u)
            return k
    return None


def _resolve(url: str, ctx: HealthContext) -> str:
    """Where a link ends: its last redirect target when the crawl followed one."""
    lc = ctx.check(url)
    if lc is not None and lc.final_url and not lc.error:
        return key(lc.final_url)
    return key(url)


def page_paths(facts: SiteFacts, ctx: HealthContext) -> dict[str, list[str]]:
    """Shortest anchor-text path from the home page to every page reached through links.

    Breadth-first over the archived pages, so the path is the fewest clicks a visitor needs;
    pages the crawl found only through the sitemap get no entry (the caller falls back to the
    page's title).
    """
    pages = {key(p.url): p for p in facts.pages if p.is_html}
    home = _home_key(facts)
    if home not in pages:
        # the seed redirected (http → https) or the archive names it differently: shortest URL
        cands = sorted(pages, key=len)
        if not cands:
            return {}
        home = next((k for k in cands if urlsplit(k).path in ("", "/")), cands[0])
    paths: dict[str, list[str]] = {home: []}
    queue = deque([home])
    while queue:
        cur = queue.popleft()
        for link in pages[cur].links:
            if not link.url or link.kind in (LinkKind.MAILTO, LinkKind.TEL, LinkKind.SOCIAL):
                continue
            nxt = _resolve(link.url, ctx)
            if nxt in pages and nxt not in paths:
                paths[nxt] = [*paths[cur], link.text or title_head(pages[nxt].title)]
                queue.append(nxt)
    return paths


def _is_menu_page(page: PageFacts, path: list[str] | None, providers: ProviderMap) -> bool:
    if providers.is_menu_text(title_head(page.title)):
        return True
    if page.headings and providers.is_menu_text(page.headings[0]):
        return True
    return bool(path) and providers.is_menu_text(path[-1])


def _has_number(url: str) -> bool:
    """A chat link that opens a conversation with a number (wa.me/62..., send?phone=...)."""
    return bool(re.search(r"(?:wa\.me/|phone=|t\.me/|line\.me/)\+?\w{4,}", url, re.I))


def _site_roots(portfolio: Portfolio | None) -> set[str]:
    """Home pages of the portfolio's sites: a link to one is a link to a site, not a service."""
    roots: set[str] = set()
    for org in portfolio.organisations if portfolio else []:
        for s in org.sites:
            k = key(s)
            roots.add(k)
            roots.add(k.replace("http://", "https://", 1))
    return roots


def _is_root(url: str, roots: set[str]) -> bool:
    k = key(url)
    return k in roots or k.replace("http://", "https://", 1) in roots


def site_services(
    facts: SiteFacts,
    portfolio: Portfolio | None = None,
    providers: ProviderMap | None = None,
    *,
    records: Sequence[ArchivedRecord] | None = None,
    probe: ArchivedRecord | None = None,
) -> list[Service]:
    """The service inventory of one site, each service with its provider and health.

    ``records`` (the capture's records) let health look at bodies the pages do not hold: a link
    check's answer that is a login form or a bot challenge. Without them health is judged from
    status codes, errors and the crawled pages alone.
    """
    providers = providers or load_providers()
    org = facts.organisation
    if portfolio is None and org is not None:
        portfolio = Portfolio(name="", organisations=[org])
    owners = owner_index(portfolio)
    final_records = build_link_checks(list(records))[1] if records else {}
    ctx = HealthContext(
        checks={key(u): lc for u, lc in facts.link_checks.items()},
        pages={key(p.url): p for p in facts.pages},
        final_records=final_records,
        probe=probe,
    )
    site_host = host_key(facts.final_url or facts.seed_url) if (facts.final_url or facts.seed_url) else ""
    paths = page_paths(facts, ctx)
    html_pages = [p for p in facts.pages if p.is_html]
    ordered = sorted(html_pages, key=lambda p: (len(paths[key(p.url)]) if key(p.url) in paths else 99, p.url))
    menu_pages = {key(p.url) for p in ordered if _is_menu_page(p, paths.get(key(p.url)), providers)}
    roots = _site_roots(portfolio)
    home = _home_key(facts)

    members: dict[str, str] = {}  # identity -> source of the first qualifying occurrence
    occurrences: dict[str, list[_Occurrence]] = {}
    n = 0
    for page in ordered:
        pk = key(page.url)
        path = paths.get(pk)
        if path is None:
            path = [title_head(page.title)] if page.title else []
        on_menu = pk in menu_pages
        for link in page.links:
            n += 1
            ident, source = _candidate(
                link, page, on_menu, ctx, providers, site_host, roots, menu_pages, home
            )
            if ident is None:
                continue
            occurrences.setdefault(ident, []).append(_Occurrence(n, [*path, link.text], page, link, source))
            if source and ident not in members:
                members[ident] = source
        if pk != home and any(f.kind in SERVICE_FORMS for f in page.forms) and not on_menu:
            ident = pk
            occurrences.setdefault(ident, []).append(
                _Occurrence(n, list(path) or [title_head(page.title)], page, None, "form_page")
            )
            members.setdefault(ident, "form_page")

    services: list[Service] = []
    named_urls: set[str] = set()
    for ident, source in members.items():
        # fewest clicks; on a tie the occurrence that made it a service (a service menu) names it
        best = min(occurrences[ident], key=lambda o: (len(o.path), _SOURCE_RANK.get(o.source, 2), o.order))
        link = best.link
        name = (link.text if link else "") or next(
            (o.link.text for o in occurrences[ident] if o.link and o.link.text), ""
        )
        if not name:
            name = title_head(ctx.pages[ident].title) if ident in ctx.pages else ident
        if ident.startswith("chat:") and not re.search(r"[^\W\d_]", name):
            name = f"WhatsApp {name}".strip()  # a bare number: say what it is
        url = link.url if link else best.page.url
        if link is None and ident in ctx.pages:
            url = ctx.pages[ident].url
        svc = _service(
            name=name,
            url=url,
            raw_href=link.raw_href if link else "",
            found_on=best.page.url if link else "",
            path=best.path,
            region=link.region if link else "body",
            source=source,
            ctx=ctx,
            org=org,
            owners=owners,
            providers=providers,
            site_host=site_host,
        )
        if link is None:
            svc.found_on = best.page.url
        services.append(svc)
        if svc.url:
            named_urls.add(svc.name.lower())

    # a no-op item named like a real link elsewhere on the site is the same service, already listed
    services = [s for s in services if s.url or s.name.lower() not in named_urls]

    have = {key(s.final_url or s.url) for s in services if s.url} | {key(s.url) for s in services if s.url}
    for url in org.services if org else []:
        if key(url) in have or _resolve(url, ctx) in have:
            continue
        services.append(
            _service(
                name=url, url=url, raw_href="", found_on="", path=[], region="", source="declared",
                ctx=ctx, org=org, owners=owners, providers=providers, site_host=site_host,
            )
        )  # fmt: skip
    return services


def _candidate(
    link: Link,
    page: PageFacts,
    on_menu: bool,
    ctx: HealthContext,
    providers: ProviderMap,
    site_host: str,
    roots: set[str],
    menu_pages: set[str],
    home: str | None,
) -> tuple[str | None, str]:
    """(identity, source) when the link is (or may point to) a service; source "" means the link
    leads to a service found elsewhere but does not make one by itself."""
    in_menu_body = on_menu and link.region in ("body", "aside")
    text = link.text or ""
    if link.kind in (LinkKind.MAILTO, LinkKind.TEL, LinkKind.DOCUMENT):
        return None, ""
    if link.kind == LinkKind.NOOP:
        if not text or _NO_TEXT.match(text) or providers.is_menu_text(text):
            return None, ""
        if in_menu_body or providers.has_service_word(text) or is_service("", text, site_host):
            return "noop:" + text.lower(), "link"
        return None, ""
    if not link.url:
        return None, ""
    if link.kind == LinkKind.SOCIAL:
        if providers.is_chat(link.url) and _has_number(link.url):
            ident = "chat:" + key(link.url)
            if in_menu_body or providers.has_service_word(text) or is_service("", text, site_host):
                return ident, "link"
            return ident, ""
        return None, ""
    target = _resolve(link.url, ctx)
    if _is_root(link.url, roots) or target == home or _is_root(target, roots):
        return None, ""  # a link to a site's home page (the portal's list of OPD sites)
    if target in menu_pages or providers.is_menu_text(text):
        return None, ""  # a menu: a step of the path, not a service
    try:
        internal = host_key(link.url) == site_host
    except ValueError:
        return None, ""
    page_t = ctx.pages.get(target)
    if internal and page_t is not None and page_t.is_html and not page_t.soft_404:
        if any(f.kind in SERVICE_FORMS for f in page_t.forms):
            return target, "link"
        if in_menu_body:
            return target, "menu_page"
        if link.kind == LinkKind.SERVICE and link.region in ("nav", "header", "aside"):
            return target, "link"
        return target, ""
    if in_menu_body:
        return target, "menu_page"
    if link.kind == LinkKind.SERVICE:
        return target, "link"
    outside = providers.outside(link.url)
    if outside is not None and outside.service and not internal:
        return target, "link"
    return target, ""


def _service(
    *,
    name: str,
    url: str,
    raw_href: str,
    found_on: str,
    path: list[str],
    region: str,
    source: str,
    ctx: HealthContext,
    org: Organisation | None,
    owners: OwnerIndex,
    providers: ProviderMap,
    site_host: str,
) -> Service:
    h = classify(url, ctx, raw_href)
    svc = Service(
        name=name[:300],
        url=url,
        kind="unknown",
        provider_kind="unknown",
        provider="",
        health=h.health.value,
        health_detail=h.detail,
        found_on=found_on,
        menu_path=[p[:200] for p in path],
        region=region,
        final_url=h.final_url,
        status=h.status,
        record_id=h.record_id,
        source=source,
    )
    assign_provider(svc, org, owners, providers, site_host, ctx.pages)
    return svc


def assign_provider(
    svc: Service,
    org: Organisation | None,
    owners: OwnerIndex,
    providers: ProviderMap,
    site_host: str,
    pages: dict[str, PageFacts] | None = None,
) -> None:
    """Set provider_kind, provider, provider_org and kind from where the service's link ends.

    A link that redirects to another registered domain is provided by whoever runs that domain
    (Inspektorat's /pengaduan/ → SP4N-LAPOR!); a chat number or a dead menu item is the site's own.
    """
    own_name = org.name if org else site_host
    own_id = org.id if org else ""
    url = svc.url
    if not url or providers.is_chat(url):
        svc.provider_kind, svc.provider, svc.provider_org = "own", own_name, own_id
        svc.kind = "chat" if url else "unknown"
        return
    eff = url
    if svc.final_url and registered_domain(svc.final_url) != registered_domain(url):
        eff = svc.final_url
    owner = owners.owner(eff)
    outside = None if owner is not None else providers.outside(eff)
    try:
        eff_host = host_key(eff)
    except ValueError:
        eff_host = ""
    if owner is not None:
        is_own = org is not None and owner.id == org.id
        svc.provider_kind = "own" if is_own else "portfolio"
        svc.provider, svc.provider_org = owner.name, owner.id
    elif outside is not None:
        svc.provider_kind, svc.provider, svc.provider_org = "outside", outside.name, ""
    elif eff_host == site_host:
        svc.provider_kind, svc.provider, svc.provider_org = "own", own_name, own_id
    else:
        svc.provider_kind, svc.provider, svc.provider_org = "unknown", eff_host, ""
    page = (pages or {}).get(key(svc.final_url or url))
    forms = {f.kind for f in page.forms} if page is not None else set()
    if outside is not None:
        svc.kind = outside.service_kind
    elif forms & SERVICE_FORMS:
        svc.kind = "form"
    elif "login" in forms or svc.health == "login_required":
        svc.kind = "application"
    elif eff_host and eff_host != site_host and svc.provider_kind in ("own", "portfolio"):
        # another host of the organisation or the portfolio: an application subdomain, unless it
        # is a page on another organisation's main site
        svc.kind = "information" if owners.hosts.get(eff_host) is not None else "application"
    else:
        svc.kind = "information"


def site_links(facts: SiteFacts, portfolio: Portfolio | None = None) -> dict[str, int]:
    """Host → fewest clicks from this site's home page to another site's home page.

    What lets integration count "portal → OPD site → its service" routes. Keyed by host (www.
    folded, port kept) rather than organisation so a worker that knows only its own organisation
    (``govlens.scale``) computes the same thing; links to the portfolio's seeds that are sections
    (``https://kab.go.id/dinkes/``) count too when the portfolio is given.
    """
    ctx = HealthContext(
        checks={key(u): lc for u, lc in facts.link_checks.items()}, pages={}, final_records={}
    )
    paths = page_paths(facts, ctx)
    roots = _site_roots(portfolio)
    try:
        own = host_key(facts.final_url or facts.seed_url)
    except ValueError:
        own = ""
    out: dict[str, int] = {}
    for page in facts.pages:
        path = paths.get(key(page.url))
        if path is None:
            continue
        for link in page.links:
            if not link.url or link.kind in (LinkKind.MAILTO, LinkKind.TEL, LinkKind.SOCIAL):
                continue
            for target in (link.url, _resolve(link.url, ctx)):
                try:
                    parts = urlsplit(target)
                    host = host_key(target)
                except ValueError:
                    continue
                if not host or host == own:
                    continue
                if parts.path in ("", "/") or _is_root(target, roots):
                    clicks = len(path) + 1
                    if clicks < out.get(host, 1 << 30):
                        out[host] = clicks
                    break
    return out
