"""An audit without a crawl: the sites of a portfolio, to be coded by a person.

There is no machine verdict to start from, so every criterion of a site with a website starts as a
``needs_review`` placeholder (decision ``manual``) and the coding sheet's cells become reviews on
top of it, exactly as reviews of a crawled audit do; ``load_audit`` then gives the coded values,
rescored, and ``summarize`` the same tables as for a crawled audit. Sites carry the scan status
``hand_coded``: summary and reports count such a site as assessed once a person decided at least
one of its criteria. An organisation without a website is ``no_site`` with every criterion
``not_met``, as the assess stage does, because that much is known without looking.
"""

from __future__ import annotations

from datetime import UTC, datetime

from govlens.archive.grouping import portfolio_sites
from govlens.assess.engine import recommend
from govlens.assess.framework import Framework
from govlens.assess.summary import HAND_CODED, summarize
from govlens.types import (
    AuditResult,
    ModelScore,
    Portfolio,
    ScanStatus,
    SiteAssessment,
    Verdict,
    VerdictValue,
)

PLACEHOLDER_REASON = "not coded yet: hand-coded audit, there is no machine verdict"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hand_coded_audit(portfolio: Portfolio, fw: Framework, label: str = "", source: str = "") -> AuditResult:
    """One site per portfolio site (ids as a crawl would give them), every cell awaiting a coder."""
    sites: list[SiteAssessment] = []
    detail = f"coded by hand{f' from {source}' if source else ''}; no crawl"
    for entry in portfolio_sites(portfolio):
        org = entry.organisation
        no_site = entry.url is None
        verdicts: dict[str, Verdict] = {}
        for _, c in fw.criteria():
            if no_site:
                verdicts[c.code] = Verdict(c.code, VerdictValue.NOT_MET, 1.0, [], "no website", decision=c.decision)
            else:
                verdicts[c.code] = Verdict(c.code, VerdictValue.NEEDS_REVIEW, 0.0, [], PLACEHOLDER_REASON,
                                           decision="manual")
        scores = {
            m.id: ModelScore(
                model=m.id,
                met=0,
                total=len(m.criteria),
                needs_review=sum(verdicts[c.code].verdict == VerdictValue.NEEDS_REVIEW for c in m.criteria),
            )
            for m in fw.models
        }
        sites.append(
            SiteAssessment(
                site_id=entry.site_id,
                organisation=org.name,
                short=org.short,
                url=entry.url or "",
                scan_status=ScanStatus.NO_SITE.value if no_site else HAND_CODED,
                scan_detail="the portfolio declares no website" if no_site else detail,
                verdicts=verdicts,
                scores=scores,
                implemented=[],
                recommendations=recommend(fw, verdicts),
            )
        )
    now = _now()
    return AuditResult(
        portfolio=portfolio,
        framework_id=fw.id,
        framework_version=fw.version,
        sites=sites,
        started=now,
        finished=now,
        summary=summarize(portfolio, sites, fw),
        label=label or "hand-coded",
    )
