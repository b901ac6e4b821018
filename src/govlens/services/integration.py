"""Integration with the main portal: which organisations' services a citizen reaches from the city
portal, in how many clicks, which only on the organisation's own site, which from nowhere.

Computed at portfolio level from the per-site inventories (``SiteAssessment.services``) and the
links between sites (``SiteAssessment.site_links``: clicks from a site's home page to another
organisation's home page). Clicks from the portal to a service are the fewest over all routes:
portal pages straight to the service, or portal → an OPD site (its home) → the OPD's menus.

The study's figures come out of ``portal``: the services the portal lists, split by who provides
them (the city's own organisations vs outside providers).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from typing import Any

from govlens.archive import portfolio_sites
from govlens.services.health import HealthContext, classify, key
from govlens.services.inventory import assign_provider
from govlens.services.providers import ProviderMap, load_providers, owner_index
from govlens.types import LinkCheck, Portfolio, Service, ServiceHealth, SiteAssessment

_HEALTH_RANK = {"broken": 0, "unknown": 1, "ok": 2}


def group(health: str) -> str:
    try:
        return ServiceHealth(health).group
    except ValueError:
        return "unknown"


def identity(svc: Service, site_id: str) -> str:
    """One service across sites: where its link ends; a dead menu item is its own site's."""
    if not svc.url:
        return f"noop:{site_id}:{svc.name.lower()}"
    return key(svc.final_url or svc.url) if svc.health != "redirect_loop" else key(svc.url)


def refresh_providers(
    portfolio: Portfolio, assessments: Sequence[SiteAssessment], providers: ProviderMap | None = None
) -> None:
    """Re-derive every service's provider with the whole portfolio at hand.

    Sites may be assessed in chunks (``govlens.scale``) that know only their own organisation; the
    owner of a link to another OPD is settled here. A service whose own site lists it as a form is
    a form everywhere, even where only a link to it was seen.
    """
    providers = providers or load_providers()
    share_health(assessments)
    owners = owner_index(portfolio)
    orgs = {e.site_id: e.organisation for e in portfolio_sites(portfolio)}
    roots = {key(u).replace("http://", "https://", 1): o.id for o in portfolio.organisations for u in o.sites}
    for a in assessments:
        org = orgs.get(a.site_id)
        host = _host(a.url)
        if a.services is None:
            continue
        # a link to another organisation's home page is the portal's list of sites, not a service
        # (a worker that knew only its own organisation could not tell)
        a.services = [
            svc
            for svc in a.services
            if svc.source == "declared"
            or not svc.url
            or roots.get(key(svc.url).replace("http://", "https://", 1), org.id if org else None)
            == (org.id if org else None)
        ]
        for svc in a.services:
            before = svc.kind
            assign_provider(svc, org, owners, providers, host)
            if svc.kind == "information" and before == "form":
                svc.kind = before  # what the site's own pages showed (a form) is not re-derivable here
    kinds: dict[str, str] = {}
    for a in assessments:
        for svc in a.services or []:
            if svc.provider_kind == "own" and svc.kind in ("form", "application") and svc.url:
                kinds.setdefault(identity(svc, a.site_id), svc.kind)
    for a in assessments:
        for svc in a.services or []:
            k = kinds.get(identity(svc, a.site_id))
            if k and svc.provider_kind == "portfolio" and svc.kind == "information":
                svc.kind = k


def share_health(assessments: Sequence[SiteAssessment]) -> None:
    """Give a service the crawl did not fetch from one site the health another site's crawl saw.

    The crawler checks an outside URL once per portfolio (the first site that links it), so the
    portal's link to SP4N-LAPOR! may have been checked from Disdukcapil's crawl: its health is in
    that site's records, not the portal's. Which site checked first depends on timing; sharing here
    makes the inventory the same whatever the order.
    """
    judged: dict[str, Service] = {}
    checks: dict[str, LinkCheck] = {}
    for a in assessments:
        for svc in a.services or []:
            if svc.url and svc.health != ServiceHealth.NOT_CHECKED:
                judged.setdefault(key(svc.url), svc)
        for lc in a.broken_links or []:
            checks.setdefault(key(lc.url), lc)
    for a in assessments:
        for svc in a.services or []:
            if not svc.url or svc.health != ServiceHealth.NOT_CHECKED:
                continue
            other = judged.get(key(svc.url))
            if other is not None:
                svc.health, svc.health_detail = other.health, other.health_detail
                svc.status, svc.final_url, svc.record_id = other.status, other.final_url, other.record_id
                continue
            lc = checks.get(key(svc.url))
            if lc is not None:
                h = classify(svc.url, HealthContext(checks={key(lc.url): lc}, pages={}, final_records={}))
                svc.health, svc.health_detail = h.health.value, h.detail
                svc.status, svc.final_url, svc.record_id = h.status, h.final_url, h.record_id


def _host(url: str) -> str:
    from govlens.archive.urls import host_key

    try:
        return host_key(url) if url else ""
    except ValueError:
        return ""


def services_summary(assessments: Sequence[SiteAssessment]) -> dict[str, Any]:
    """Counts for ``audit.summary["services"]``: per site and in total, by health group and state."""
    sites = []
    totals = {"found": 0, "ok": 0, "broken": 0, "unknown": 0}
    by_health: dict[str, int] = {}
    by_kind: dict[str, int] = {}
    by_provider: dict[str, int] = {}
    for a in assessments:
        if a.services is None:
            continue
        row = {"site_id": a.site_id, "found": len(a.services), "ok": 0, "broken": 0, "unknown": 0}
        for s in a.services:
            g = group(s.health)
            row[g] += 1
            by_health[s.health] = by_health.get(s.health, 0) + 1
            by_kind[s.kind] = by_kind.get(s.kind, 0) + 1
            by_provider[s.provider_kind] = by_provider.get(s.provider_kind, 0) + 1
        for k in totals:
            totals[k] += int(row[k])
        sites.append(row)
    return {
        **totals,
        "by_health": dict(sorted(by_health.items())),
        "by_kind": dict(sorted(by_kind.items())),
        "by_provider_kind": dict(sorted(by_provider.items())),
        "sites": sites,
        "note": "listings per site: a service listed on two sites counts on each "
        "(integration.totals counts distinct services)",
    }


def _site_distances(
    portal_sites: list[str], assessments: Sequence[SiteAssessment], host_site: dict[str, str]
) -> dict[str, int]:
    """Fewest clicks from the portal's home page to each site's home page (Dijkstra over site links)."""
    by_id = {a.site_id: a for a in assessments}
    dist: dict[str, int] = {}
    heap = [(0, s) for s in portal_sites]
    while heap:
        d, sid = heapq.heappop(heap)
        if sid in dist:
            continue
        dist[sid] = d
        a = by_id.get(sid)
        for host, clicks in (a.site_links or {}).items() if a else ():
            nxt = host_site.get(host)
            if nxt and nxt not in dist:
                heapq.heappush(heap, (d + int(clicks), nxt))
    return dist


def integration(portfolio: Portfolio, assessments: Sequence[SiteAssessment]) -> dict[str, Any] | None:
    """``audit.summary["integration"]`` (JSON-ready), or None without a main portal."""
    entries = portfolio_sites(portfolio)
    site_org = {e.site_id: e.organisation.id for e in entries}
    org_site: dict[str, str] = {}
    for e in entries:
        org_site.setdefault(e.organisation.id, e.site_id)
    portal_org = portfolio.main_portal
    if not portal_org or portal_org not in {o.id for o in portfolio.organisations}:
        return None
    portal_sites = [sid for sid, oid in site_org.items() if oid == portal_org]
    by_site = {a.site_id: a for a in assessments}
    host_site: dict[str, str] = {}
    for e in entries:
        if e.url:
            host_site.setdefault(_host(e.url), e.site_id)
    dist = _site_distances(portal_sites, assessments, host_site)

    merged: dict[str, dict[str, Any]] = {}
    for a in assessments:
        for svc in a.services or []:
            ident = identity(svc, a.site_id)
            m = merged.get(ident)
            clicks = dist[a.site_id] + len(svc.menu_path) if a.site_id in dist and svc.menu_path else None
            if a.site_id in dist and not svc.menu_path and svc.found_on:
                clicks = dist[a.site_id] + 1
            owner_org = svc.provider_org or (
                site_org.get(a.site_id, "") if svc.provider_kind == "own" else ""
            )
            if m is None:
                m = merged[ident] = {
                    "id": ident,
                    "name": svc.name,
                    "url": svc.url,
                    "kind": svc.kind,
                    "provider_kind": "own"
                    if svc.provider_kind in ("own", "portfolio")
                    else svc.provider_kind,
                    "provider": svc.provider,
                    "provider_org": owner_org,
                    "health": svc.health,
                    "health_detail": svc.health_detail,
                    "listed_on": [],
                    "portal_clicks": None,
                    "clicks": None,
                    "portal_path": [],
                }
            if a.site_id not in m["listed_on"]:
                m["listed_on"].append(a.site_id)
            # the owner's own view of the service (its crawl of the page) wins for health and name
            if owner_org and site_org.get(a.site_id) == owner_org:
                if (
                    _HEALTH_RANK[group(svc.health)] <= _HEALTH_RANK[group(m["health"])]
                    or svc.provider_kind == "own"
                ):
                    m["health"], m["health_detail"] = svc.health, svc.health_detail
                if svc.kind in ("form", "application"):
                    m["kind"] = svc.kind
            elif _HEALTH_RANK[group(svc.health)] < _HEALTH_RANK[group(m["health"])]:
                m["health"], m["health_detail"] = svc.health, svc.health_detail
            if clicks is not None and (m["clicks"] is None or clicks < m["clicks"]):
                m["clicks"] = clicks
            if a.site_id in portal_sites:
                pc = len(svc.menu_path) or 1
                if m["portal_clicks"] is None or pc < m["portal_clicks"]:
                    m["portal_clicks"] = pc
                    m["portal_path"] = list(svc.menu_path)
    for m in merged.values():
        owner = m["provider_org"]
        if m["portal_clicks"] is not None:
            m["reach"] = "portal"
        elif owner and org_site.get(owner) in m["listed_on"]:
            m["reach"] = "own_site"
        elif m["listed_on"]:
            m["reach"] = "other_site"
        else:
            m["reach"] = "unreachable"
        if m["clicks"] is None and m["reach"] != "portal":
            m["reach_note"] = "no route of links from the portal"
    services = sorted(merged.values(), key=lambda m: (m["provider_org"] or "~", m["name"].lower()))

    orgs = []
    for o in portfolio.organisations:
        own = [m for m in services if m["provider_org"] == o.id]
        sid = org_site.get(o.id)
        a = by_site.get(sid) if sid else None
        on_portal = [m for m in own if m["reach"] == "portal"]
        pclicks = [m["portal_clicks"] for m in on_portal]
        orgs.append(
            {
                "org_id": o.id,
                "name": o.name,
                "short": o.short,
                "site_id": sid,
                "scan_status": a.scan_status if a else ("no_site" if not o.sites else "not_in_archive"),
                "inventoried": bool(a and a.services is not None and a.scan_status == "ok"),
                "site_clicks": dist.get(sid) if sid else None,
                "services": len(own),
                "on_portal": len(on_portal),
                "portal_clicks_min": min(pclicks) if pclicks else None,
                "portal_clicks_max": max(pclicks) if pclicks else None,
                "own_site_only": sum(1 for m in own if m["reach"] == "own_site"),
                "other_site_only": sum(1 for m in own if m["reach"] == "other_site"),
                "unreachable": sum(1 for m in own if m["reach"] == "unreachable"),
                "not_reachable_from_portal": sum(1 for m in own if m["clicks"] is None),
                "broken": sum(1 for m in own if group(m["health"]) == "broken"),
            }
        )

    portal_services = [m for m in services if m["reach"] == "portal"]
    portal = {
        "org_id": portal_org,
        "site_ids": portal_sites,
        "services": len(portal_services),
        "by_portal_org": sum(1 for m in portal_services if m["provider_org"] == portal_org),
        "by_other_orgs": sum(
            1 for m in portal_services if m["provider_org"] and m["provider_org"] != portal_org
        ),
        "by_portfolio": sum(1 for m in portal_services if m["provider_kind"] == "own"),
        "by_outside": sum(1 for m in portal_services if m["provider_kind"] == "outside"),
        "by_unknown": sum(1 for m in portal_services if m["provider_kind"] == "unknown"),
        "outside_providers": sorted(
            {m["provider"] for m in portal_services if m["provider_kind"] == "outside"}
        ),
        "broken": sum(1 for m in portal_services if group(m["health"]) == "broken"),
        "could_not_judge": sum(1 for m in portal_services if group(m["health"]) == "unknown"),
        "by_health": _count(m["health"] for m in portal_services),
        "by_kind": _count(m["kind"] for m in portal_services),
        "sites_linked": sorted(
            {
                site_org[host_site[h]]
                for sid in portal_sites
                for h in _links(by_site.get(sid))
                if h in host_site
            }
        ),
    }
    totals = {
        "services": len(services),
        "broken": sum(1 for m in services if group(m["health"]) == "broken"),
        "could_not_judge": sum(1 for m in services if group(m["health"]) == "unknown"),
        "on_portal": len(portal_services),
        "own_site_only": sum(1 for m in services if m["reach"] == "own_site"),
        "other_site_only": sum(1 for m in services if m["reach"] == "other_site"),
        "unreachable": sum(1 for m in services if m["reach"] == "unreachable"),
        "not_reachable_from_portal": sum(1 for m in services if m["clicks"] is None),
    }
    return {
        "portal": portal,
        "totals": totals,
        "organisations": orgs,
        "services": services,
        "site_links": {a.site_id: dict(a.site_links) for a in assessments if a.site_links},
        "site_clicks": dist,
    }


def _links(a: SiteAssessment | None) -> dict[str, int]:
    return dict(a.site_links or {}) if a is not None else {}


def _count(values: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))
