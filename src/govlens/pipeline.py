"""The stages wired in order: portfolio → crawl → archive → extract → assess → store → report.

This module is the only place that knows the order; each function takes the previous stage's
output so any part can be re-run alone (``assess_archives`` on an old archive needs no network).
Work is done one site at a time, so memory is bounded by the largest site, not by the portfolio.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from govlens.archive import group_sites, portfolio_sites, site_parts
from govlens.assess import assess_site, summarize
from govlens.assess.framework import Framework
from govlens.diff.freshness import site_freshness
from govlens.extract import extract_site
from govlens.services import integration, refresh_providers, services_summary, site_links, site_services
from govlens.types import (
    AuditResult,
    Organisation,
    Portfolio,
    ScanStatus,
    SiteAssessment,
    SiteCapture,
    SiteFacts,
)

log = logging.getLogger(__name__)

ProgressFn = Callable[..., None]


def utcnow() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class AssessedSite:
    assessment: SiteAssessment
    pages: list[dict[str, object]]  # rows for the store's pages table


def assess_capture(capture: SiteCapture, fw: Framework) -> AssessedSite:
    """extract → assess for one site: the unit of work a cluster worker runs.

    A site whose extraction or assessment raises is kept, with scan status ``assess_error``
    naming the error and every criterion ``needs_review``, instead of taking its whole chunk
    (and the other sites in it) down with it.
    """
    try:
        return _assess_capture(capture, fw)
    except Exception as exc:  # one hostile page must not cost the audit its other sites
        log.exception("assessing %s failed", capture.site_id)
        facts = SiteFacts(
            site_id=capture.site_id, seed_url=capture.seed_url, organisation=capture.organisation,
            scan_status=ScanStatus.ASSESS_ERROR, scan_detail=f"{type(exc).__name__}: {exc}"[:500], pages=[],
        )
        return AssessedSite(assessment=assess_site(facts, fw), pages=[])


def _assess_capture(capture: SiteCapture, fw: Framework) -> AssessedSite:
    facts = extract_site(capture)
    assessment = assess_site(facts, fw)
    assessment.freshness = site_freshness(facts)  # newest dated item, for `govlens diff`
    # online service inventory (docs/services.md); providers of links to other organisations are
    # settled again in build_audit, where the whole portfolio is known
    assessment.services = site_services(facts, records=capture.records, probe=capture.probe_404)
    assessment.site_links = site_links(facts)
    pages = [
        {
            "url": p.url,
            "warc_record_id": p.record_id,
            "warc_file": p.warc_file,
            "status": p.status,
            "content_type": p.content_type,
            "title": p.title[:500],
        }
        for p in facts.pages
    ]
    return AssessedSite(assessment=assessment, pages=pages)


def org_archives(archive_dir: Path, portfolio: Portfolio, org: Organisation) -> list[Path]:
    """The WARC files the crawler wrote for one organisation's sites (resumed parts included)."""
    return [
        p
        for entry in portfolio_sites(portfolio)
        if entry.organisation is org
        for p in site_parts(archive_dir, entry.site_id)
    ]


def iter_captures(
    paths: Sequence[Path], portfolio: Portfolio | None, archive_dir: Path | None = None
) -> Iterable[SiteCapture]:
    """Site captures, one organisation's files at a time when the archive is govlens's own.

    A govlens archive has one file (or several resumed parts) per site, so each organisation can
    be read alone and memory stays bounded by the largest site; a foreign WARC (Heritrix, wget...)
    may mix sites and is read whole.
    """
    if portfolio is not None and archive_dir is not None:
        for org in portfolio.organisations:
            sub = dataclasses.replace(portfolio, organisations=[org])
            yield from group_sites(org_archives(archive_dir, portfolio, org), sub)
        return
    yield from group_sites(list(paths), portfolio)


def assess_archives(
    paths: Sequence[Path],
    portfolio: Portfolio | None,
    fw: Framework,
    *,
    archive_dir: Path | None = None,
    started: str | None = None,
    label: str = "",
    progress: ProgressFn | None = None,
) -> tuple[AuditResult, dict[str, list[dict[str, object]]]]:
    """Archive → AuditResult (plus page rows per site for the store). No network."""
    started = started or utcnow()
    assessments: list[SiteAssessment] = []
    pages: dict[str, list[dict[str, object]]] = {}
    for capture in iter_captures(paths, portfolio, archive_dir):
        done = assess_capture(capture, fw)
        assessments.append(done.assessment)
        pages[capture.site_id] = done.pages
        if progress:
            progress("assessed", capture.site_id, scan_status=capture.scan_status)
    audit = build_audit(assessments, portfolio, fw, paths=paths, started=started, label=label)
    return audit, pages


def build_audit(
    assessments: list[SiteAssessment],
    portfolio: Portfolio | None,
    fw: Framework,
    *,
    paths: Sequence[Path | str] = (),
    started: str | None = None,
    label: str = "",
) -> AuditResult:
    """Assessments → AuditResult with the study's summary table.

    Kept apart from :func:`assess_archives` so that assessments computed elsewhere (in chunks on a
    process pool or a dask cluster, see ``govlens.scale``) are summarised by exactly the same code.
    """
    if portfolio is None:
        portfolio = portfolio_from_assessments(assessments, paths)
    summary = summarize(portfolio, assessments, fw)
    if any(a.services is not None for a in assessments):
        refresh_providers(portfolio, assessments)
        summary["services"] = services_summary(assessments)
        integrated = integration(portfolio, assessments)
        if integrated is not None:
            summary["integration"] = integrated
    return AuditResult(
        portfolio=portfolio,
        framework_id=fw.id,
        framework_version=fw.version,
        sites=assessments,
        started=started or utcnow(),
        finished=utcnow(),
        archives=[str(p) for p in paths],
        summary=summary,
        label=label,
    )


def portfolio_from_assessments(assessments: list[SiteAssessment], paths: Sequence[Path | str]) -> Portfolio:
    """Without a portfolio file, each host found in the archive is its own organisation."""
    orgs = [
        Organisation(id=a.site_id, name=a.organisation or a.site_id, short=a.short or a.site_id, sites=[a.url])
        for a in assessments
    ]
    name = Path(paths[0]).name if len(paths) == 1 else f"{len(paths)} WARC files"
    return Portfolio(name=f"archive: {name}", organisations=orgs)
