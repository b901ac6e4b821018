"""The study's summary table, recomputed from the rows, with every denominator shown.

The Cilegon study reports percentages whose denominators disagree with its own table (75 % of
organisations using Facebook implies 28 organisations; the table has 27 rows, 26 with a URL).
A percentage without its denominator hides that, so every share here is ``{count, of, pct}``
and the counts of organisations, rows and sites are reported side by side. All values are plain
dicts, lists, numbers and strings (JSON-ready); docs/frameworks.md documents the keys.
"""

from __future__ import annotations

from typing import Any

from govlens.assess.framework import Framework
from govlens.types import Portfolio, ScanStatus, SiteAssessment, VerdictValue


def share(count: int, of: int) -> dict[str, Any]:
    """A share with its denominator; pct is None when there is nothing to divide by."""
    return {"count": count, "of": of, "pct": round(100.0 * count / of, 1) if of else None}


HAND_CODED = "hand_coded"  # scan status of a site coded by a person from a sheet, with no crawl (govlens.sheets)


def hand_coded_assessed(a: SiteAssessment) -> bool:
    """A hand-coded site counts as assessed once a person decided at least one of its criteria.

    Its cells start as ``needs_review`` placeholders (there is no machine verdict to start from);
    a site nobody has coded yet must not enter means and denominators as a site that meets nothing.
    """
    return any(v.verdict != VerdictValue.NEEDS_REVIEW for v in a.verdicts.values())


def _assessable(a: SiteAssessment) -> bool:
    if a.scan_status == HAND_CODED:
        return hand_coded_assessed(a)
    try:
        return ScanStatus(a.scan_status).assessable
    except ValueError:
        return False


def _org_of(a: SiteAssessment, portfolio: Portfolio | None) -> str:
    """Which organisation an assessment belongs to: by id, then by site URL, then by name."""
    if portfolio is None:
        return a.site_id
    norm = a.url.rstrip("/").lower()
    for o in portfolio.organisations:
        if o.id == a.site_id or any(s.rstrip("/").lower() == norm for s in o.sites if norm):
            return o.id
    for o in portfolio.organisations:
        if a.organisation and o.name == a.organisation:
            return o.id
    return a.site_id


def _extreme(values: list[tuple[str, float]], pick: Any) -> dict[str, Any] | None:
    if not values:
        return None
    v = pick(x for _, x in values)
    ids = [sid for sid, x in values if abs(x - v) < 1e-9]
    return {"value": round(v, 4), "pct": round(100 * v, 1), "sites": len(ids), "site_ids": ids}


def summarize(portfolio: Portfolio | None, assessments: list[SiteAssessment], fw: Framework) -> dict[str, Any]:
    orgs = portfolio.organisations if portfolio else []
    n_orgs = len(orgs) if portfolio else len({_org_of(a, None) for a in assessments})
    assessed = [a for a in assessments if _assessable(a)]
    n_assessed = len(assessed)
    no_site = [a.site_id for a in assessments if a.scan_status == ScanStatus.NO_SITE]
    unreadable = [
        {"site_id": a.site_id, "scan_status": a.scan_status, "detail": a.scan_detail}
        for a in assessments
        if not _assessable(a) and a.scan_status not in (ScanStatus.NO_SITE, HAND_CODED)
    ]
    # hand-coded sites nobody has coded yet: not "unreadable", just not looked at so far
    not_coded = [a.site_id for a in assessments if a.scan_status == HAND_CODED and not _assessable(a)]

    # --- organisations, rows, sites: shown side by side so inconsistencies surface
    with_site_orgs = {o.id for o in orgs if o.sites} if portfolio else {
        _org_of(a, None) for a in assessments if a.scan_status != ScanStatus.NO_SITE
    }
    site_urls = {a.url.rstrip("/").lower() for a in assessments if a.url}
    counts = {
        "organisations": n_orgs,
        "rows": len(assessments),
        "sites": len(site_urls),
        "organisations_with_website": len(with_site_orgs),
        "assessed": n_assessed,
        "no_site": len(no_site),
        "not_assessable": len(unreadable),
    }
    if not_coded:
        counts["not_coded"] = len(not_coded)
    notes: list[str] = []
    if portfolio and len(assessments) != n_orgs:
        notes.append(f"{len(assessments)} assessed rows for {n_orgs} organisations in the portfolio")
    if len(site_urls) != len(with_site_orgs):
        notes.append(f"{len(site_urls)} distinct site addresses for {len(with_site_orgs)} organisations with a website")

    # --- per model: mean, highest, lowest over assessed sites
    models = []
    for m in fw.models:
        vals = [(a.site_id, a.scores[m.id].fraction) for a in assessed if m.id in a.scores]
        upper = [
            (a.site_id, (a.scores[m.id].met + a.scores[m.id].needs_review) / a.scores[m.id].total)
            for a in assessed
            if m.id in a.scores and a.scores[m.id].total
        ]
        mean = sum(v for _, v in vals) / len(vals) if vals else None
        models.append({
            "id": m.id,
            "label": m.label.en,
            "label_id": m.label.get("id"),
            "order": m.order,
            "criteria": len(m.criteria),
            "threshold": m.implemented_threshold,
            "sites": len(vals),
            "mean": round(mean, 4) if mean is not None else None,
            "mean_pct": round(100 * mean, 1) if mean is not None else None,
            # if every pending review turned out met: the most the mean could be
            "mean_pct_if_reviews_met": round(100 * sum(v for _, v in upper) / len(upper), 1) if upper else None,
            "highest": _extreme(vals, max),
            "lowest": _extreme(vals, min),
            "implemented": share(sum(m.id in a.implemented for a in assessed), n_assessed),
            "needs_review_cells": sum(a.scores[m.id].needs_review for a in assessed if m.id in a.scores),
        })

    # --- per criterion
    criteria = []
    for m, c in fw.criteria():
        vs = [a.verdicts[c.code].verdict for a in assessed if c.code in a.verdicts]
        met = sum(v == VerdictValue.MET for v in vs)
        criteria.append({
            "code": c.code,
            "model": m.id,
            "label": c.label.en,
            "label_id": c.label.get("id"),
            "decision": c.decision,
            "met": met,
            "not_met": sum(v == VerdictValue.NOT_MET for v in vs),
            "needs_review": sum(v == VerdictValue.NEEDS_REVIEW for v in vs),
            "assessed": len(vs),
            "fulfilment": share(met, len(vs)),
        })

    # --- only broadcasting: implements the lowest-order model and nothing else
    first = min(fw.models, key=lambda m: m.order).id
    only_first = [a.site_id for a in assessed if a.implemented == [first]]

    # --- social channels: declared (portfolio) and found (on the sites), per platform
    platforms: list[str] = []
    declared: dict[str, set[str]] = {}
    for o in orgs:
        for ch in o.channels:
            if ch.present:
                declared.setdefault(ch.platform, set()).add(o.id)
            if ch.platform not in platforms:
                platforms.append(ch.platform)
    found: dict[str, set[str]] = {}
    for a in assessed:
        for sc in a.socials_found:
            found.setdefault(sc.platform, set()).add(_org_of(a, portfolio))
            if sc.platform not in platforms:
                platforms.append(sc.platform)
    declared_any = set().union(*declared.values()) if declared else set()
    found_any = set().union(*found.values()) if found else set()
    has_declared_data = any(o.channels for o in orgs)
    per_platform = [
        {
            "platform": p,
            "declared": share(len(declared.get(p, set())), n_orgs) if has_declared_data else None,
            "found": share(len(found.get(p, set())), n_assessed),
        }
        for p in platforms
    ]

    return {
        "framework": {"id": fw.id, "version": fw.version},
        "counts": counts,
        "notes": notes,
        "websites": share(len(with_site_orgs), n_orgs),
        "models": models,
        "criteria": criteria,
        "implemented": {m["id"]: m["implemented"] for m in models},
        "only_broadcasting": {**share(len(only_first), n_assessed), "model": first, "site_ids": only_first},
        "social": {
            "declared": share(len(declared_any), n_orgs) if has_declared_data else None,
            "found": share(len(found_any), n_assessed),
        },
        "platforms": per_platform,
        "no_site": no_site,
        "not_assessable": unreadable,
    }
