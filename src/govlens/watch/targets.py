"""What a watch checks: each organisation's site URLs, its declared ``services`` URLs, and (when
the database holds an audit of the portfolio) URLs that audit found worth watching.

From the latest audit: the service inventory's entry URLs when a ``services`` table exists (it is
being built beside this; read by reflection, and skipped when its shape is not recognised), else
(or when that audit has no service rows) the links the audit found broken
(``sites.broken_links``, the crawler's 404 probe left out), capped per site, so a watch shows when
a broken service link is repaired. Duplicates keep the first kind: site > service > link.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, Table, inspect, select

from govlens.types import Portfolio

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    url: str  # original address (what the WARC and the checks table name)
    organisation: str  # organisation id
    kind: str  # site | service | link
    source: str = "portfolio"  # portfolio | audit:<id>


def _http(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def build_targets(
    portfolio: Portfolio, store: Any = None, *, audit_links: bool = True, max_links_per_site: int = 20
) -> list[Target]:
    out: dict[str, Target] = {}

    def add(t: Target) -> None:
        if _http(t.url) and t.url not in out:
            out[t.url] = t

    for org in portfolio.organisations:
        for url in org.sites:
            add(Target(url, org.id, "site"))
    for org in portfolio.organisations:
        for url in org.services:
            add(Target(url, org.id, "service"))
    if store is not None and audit_links:
        try:
            for t in audit_targets(store, portfolio, max_links_per_site):
                add(t)
        except Exception as e:  # the watch must run even on a database it cannot read this way
            log.warning("targets from the latest audit skipped: %s", e)
    return list(out.values())


def audit_targets(store: Any, portfolio: Portfolio, max_per_site: int = 20) -> list[Target]:
    """Service entries (or broken links) of the latest audit of this portfolio."""
    audit_id = store.latest_audit_id(portfolio.name)
    if audit_id is None:
        return []
    engine = store.engine
    names = set(inspect(engine).get_table_names())
    source = f"audit:{audit_id}"
    site_org = _site_orgs(portfolio)
    if "services" in names:
        found = _services_table(engine, audit_id, source, site_org, max_per_site)
        if found:  # an audit saved before the inventory has no rows: use its broken links
            return found
    from govlens.store.models import SiteRow

    S = SiteRow.__table__
    out: list[Target] = []
    with engine.connect() as conn:
        for r in conn.execute(select(S.c.site_id, S.c.broken_links).where(S.c.audit_id == audit_id)):
            links = [b.get("url", "") for b in r.broken_links or [] if isinstance(b, dict)]
            links = [u for u in links if "/govlens-probe-" not in u]  # the deliberate 404 probe
            for url in [u for u in links if _http(u)][:max_per_site]:
                out.append(Target(url, site_org.get(r.site_id, r.site_id), "link", source))
    return out


def _site_orgs(portfolio: Portfolio) -> dict[str, str]:
    """site_id -> organisation id, as the crawler names sites (``<org>``, ``<org>-2``...)."""
    from govlens.archive import portfolio_sites

    out = {e.site_id: e.organisation.id for e in portfolio_sites(portfolio)}
    out.update({o.id: o.id for o in portfolio.organisations})
    return out


def _services_table(
    engine: Any, audit_id: int, source: str, site_org: dict[str, str], max_per_site: int
) -> list[Target] | None:
    """Read service entry URLs from another package's ``services`` table without depending on it."""
    table = Table("services", MetaData(), autoload_with=engine)
    cols = set(table.c.keys())
    url_col = next((c for c in ("url", "entry_url", "href") if c in cols), None)
    if url_col is None or "audit_id" not in cols:
        log.info("services table without url/audit_id columns (%s): not used", sorted(cols))
        return None
    org_col = next((c for c in ("organisation", "org_id", "site_id", "provider") if c in cols), None)
    q = select(table).where(table.c.audit_id == audit_id)
    per: dict[str, int] = {}
    out: list[Target] = []
    with engine.connect() as conn:
        for r in conn.execute(q):
            m = r._mapping
            url = str(m.get(url_col) or "")
            owner = str(m.get(org_col) or "") if org_col else ""
            org = site_org.get(owner, owner)
            if not _http(url) or per.get(org, 0) >= max_per_site:
                continue
            per[org] = per.get(org, 0) + 1
            out.append(Target(url, org, "service", source))
    return out
