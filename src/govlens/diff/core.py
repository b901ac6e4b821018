"""What changed on each site between two stored audits.

Per site (matched by site id): scan status, criteria gained and lost (final verdicts, reviews
applied: "gained" = met in B and not in A), score change per model, pages and documents added or
removed (the store's ``pages`` rows: HTML pages vs anything else the crawler fetched as a
document), services added/removed/broken/repaired, and freshness (newest dated item, see
:mod:`govlens.diff.freshness`).

Services come from the service inventory (``SiteAssessment.services``, read by the store) when
both audits have one: added/removed by entry, "broken" = its health group went from ok/unknown to
broken, "repaired" = from broken to ok. For audits saved before the inventory existed, from the
links each audit reported broken (``broken_links``, the crawler's 404 probe left out): "broken" =
reported broken in B only, "repaired" = in A only (repaired, or the link was removed; the page
diff tells which).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from govlens.types import AuditResult, SiteAssessment, VerdictValue

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml", "")


@dataclass
class ScoreChange:
    model: str
    before: float | None  # 0..1, None when the site was not assessed
    after: float | None

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass
class SiteDiff:
    site_id: str
    organisation: str = ""
    only_in: str = ""  # "" | "a" | "b": the site is in one audit only
    status_before: str = ""
    status_after: str = ""
    gained: list[str] = field(default_factory=list)  # criterion codes now met
    lost: list[str] = field(default_factory=list)  # criterion codes no longer met
    scores: list[ScoreChange] = field(default_factory=list)  # only models whose score changed
    pages_added: list[str] = field(default_factory=list)
    pages_removed: list[str] = field(default_factory=list)
    documents_added: list[str] = field(default_factory=list)
    documents_removed: list[str] = field(default_factory=list)
    services_added: list[str] = field(default_factory=list)
    services_removed: list[str] = field(default_factory=list)
    services_broken: list[str] = field(default_factory=list)
    services_repaired: list[str] = field(default_factory=list)
    services_source: str = ""  # services | broken_links
    freshness_before: dict[str, Any] | None = None
    freshness_after: dict[str, Any] | None = None

    @property
    def status_changed(self) -> bool:
        return self.status_before != self.status_after

    @property
    def freshness_changed(self) -> bool:
        return _fdate(self.freshness_before) != _fdate(self.freshness_after)

    @property
    def changed(self) -> bool:
        lists = (self.gained, self.lost, self.scores, self.pages_added, self.pages_removed,
                 self.documents_added, self.documents_removed, self.services_added, self.services_removed,
                 self.services_broken, self.services_repaired)
        return bool(self.only_in or self.status_changed or self.freshness_changed or any(lists))

    def to_dict(self) -> dict[str, Any]:
        return {
            "site_id": self.site_id, "organisation": self.organisation, "only_in": self.only_in,
            "changed": self.changed,
            "scan_status": {"before": self.status_before, "after": self.status_after},
            "criteria": {"gained": self.gained, "lost": self.lost},
            "scores": [{"model": s.model, "before": s.before, "after": s.after, "delta": s.delta}
                       for s in self.scores],
            "pages": {"added": self.pages_added, "removed": self.pages_removed},
            "documents": {"added": self.documents_added, "removed": self.documents_removed},
            "services": {"source": self.services_source, "added": self.services_added,
                         "removed": self.services_removed, "broken": self.services_broken,
                         "repaired": self.services_repaired},
            "freshness": {"before": self.freshness_before, "after": self.freshness_after},
        }


@dataclass
class AuditDiff:
    a: int
    b: int
    a_started: str
    b_started: str
    a_label: str
    b_label: str
    sites: list[SiteDiff]

    @property
    def changed_sites(self) -> list[SiteDiff]:
        return [s for s in self.sites if s.changed]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": {"audit_id": self.a, "started": self.a_started, "label": self.a_label},
            "b": {"audit_id": self.b, "started": self.b_started, "label": self.b_label},
            "sites_changed": len(self.changed_sites),
            "sites": [s.to_dict() for s in self.sites],
        }


def _fdate(f: dict[str, Any] | None) -> str:
    return str(f.get("date", "")) if f else ""


def _met(site: SiteAssessment | None) -> set[str]:
    if site is None:
        return set()
    return {c for c, v in site.verdicts.items() if v.verdict == VerdictValue.MET}


def _fraction(site: SiteAssessment | None, model: str) -> float | None:
    if site is None or not site.verdicts:
        return None
    from govlens.report.data import is_assessed

    if not is_assessed(site):
        return None
    sc = site.scores.get(model)
    return sc.fraction if sc and sc.total else None


def _page_sets(store: Any, audit_id: int) -> dict[str, tuple[set[str], set[str]]]:
    """site_id -> (HTML page URLs, document URLs) of an audit."""
    out: dict[str, tuple[set[str], set[str]]] = {}
    for r in store.pages(audit_id):
        html, docs = out.setdefault(r["site_id"], (set(), set()))
        ctype = (r.get("content_type") or "").split(";")[0].strip().lower()
        (html if ctype in HTML_TYPES else docs).add(r["url"])
    return out


def _inventory(audit: AuditResult) -> dict[str, dict[str, tuple[str, str]]] | None:
    """site_id -> {service key: (label, health group)} from the service inventory, or None when
    this audit has none (``SiteAssessment.services`` is None: saved before the inventory existed).

    A service is keyed by its name (the menu entry) when it has one, so an entry whose link was
    changed to a dead address shows as *broken*, not as one removed and one added.
    """
    if all(getattr(s, "services", None) is None for s in audit.sites):
        return None
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for site in audit.sites:
        entries: dict[str, tuple[str, str]] = {}
        for sv in getattr(site, "services", None) or []:
            name = (sv.name or "").strip()
            key = name or sv.url
            if not key:
                continue
            label = f"{name} <{sv.url}>" if name and sv.url else (name or sv.url)
            entries.setdefault(key, (label, _group(sv.health)))
        out[site.site_id] = entries
    return out


def _group(health: str) -> str:
    """ok | broken | unknown, the inventory's own grouping when available."""
    try:
        from govlens.types import ServiceHealth

        return ServiceHealth(health).group
    except (ImportError, ValueError):
        return "ok" if health in ("works", "redirect_away") else "unknown"


def _broken_links(audit: AuditResult) -> dict[str, dict[str, tuple[str, str]]]:
    probe = "/govlens-probe-"  # the crawler's deliberate 404 probe is not a link of the site
    return {
        s.site_id: {b.url: (b.url, "broken") for b in s.broken_links if b.url and probe not in b.url}
        for s in audit.sites
    }


def diff_audits(store: Any, a_id: int, b_id: int) -> AuditDiff:
    """Per-site changes from audit ``a_id`` to audit ``b_id`` (both in ``store``)."""
    a, b = store.load_audit(a_id), store.load_audit(b_id)
    sa, sb = {s.site_id: s for s in a.sites}, {s.site_id: s for s in b.sites}
    pa, pb = _page_sets(store, a_id), _page_sets(store, b_id)
    inv_a, inv_b = _inventory(a), _inventory(b)
    if inv_a is not None and inv_b is not None:
        source, serv_a, serv_b = "services", inv_a, inv_b
    else:  # one audit predates the inventory: compare like with like
        source, serv_a, serv_b = "broken_links", _broken_links(a), _broken_links(b)
    models = list(dict.fromkeys([m for s in (*a.sites, *b.sites) for m in s.scores]))
    order = list(dict.fromkeys([*sa, *sb]))
    sites: list[SiteDiff] = []
    for sid in order:
        x, y = sa.get(sid), sb.get(sid)
        d = SiteDiff(site_id=sid, organisation=(y or x).organisation if (y or x) else "")
        d.only_in = "a" if y is None else "b" if x is None else ""
        d.status_before = str(x.scan_status) if x else ""
        d.status_after = str(y.scan_status) if y else ""
        ma, mb = _met(x), _met(y)
        codes = list(dict.fromkeys([*(x.verdicts if x else {}), *(y.verdicts if y else {})]))
        d.gained = [c for c in codes if c in mb and c not in ma]
        d.lost = [c for c in codes if c in ma and c not in mb]
        for m in models:
            before, after = _fraction(x, m), _fraction(y, m)
            if before != after:
                d.scores.append(ScoreChange(m, before, after))
        html_a, docs_a = pa.get(sid, (set(), set()))
        html_b, docs_b = pb.get(sid, (set(), set()))
        d.pages_added, d.pages_removed = sorted(html_b - html_a), sorted(html_a - html_b)
        d.documents_added, d.documents_removed = sorted(docs_b - docs_a), sorted(docs_a - docs_b)
        va, vb = serv_a.get(sid, {}), serv_b.get(sid, {})
        d.services_source = source
        if source == "broken_links":
            d.services_broken = sorted(vb[k][0] for k in set(vb) - set(va))
            d.services_repaired = sorted(va[k][0] for k in set(va) - set(vb))
        else:
            both = set(va) & set(vb)
            d.services_added = sorted(vb[k][0] for k in set(vb) - set(va))
            d.services_removed = sorted(va[k][0] for k in set(va) - set(vb))
            d.services_broken = sorted(vb[k][0] for k in both if va[k][1] != "broken" and vb[k][1] == "broken")
            d.services_repaired = sorted(vb[k][0] for k in both if va[k][1] == "broken" and vb[k][1] == "ok")
        d.freshness_before = x.freshness if x else None
        d.freshness_after = y.freshness if y else None
        sites.append(d)
    return AuditDiff(a=a_id, b=b_id, a_started=a.started, b_started=b.started, a_label=a.label,
                     b_label=b.label, sites=sites)
