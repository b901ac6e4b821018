"""The one view of an audit that every report format renders.

Building it once keeps the formats consistent: the HTML, XLSX, CSV, JSON and Markdown reports all
show the same final verdicts, the same "not assessed" for sites that could not be read, and the
same ordered next steps. Nothing here invents data: the summary, per-criterion fulfilment and
channel coverage are what ``govlens.assess.summarize`` computed (``audit.summary``, or computed
with that function when the audit carries none); this module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govlens.assess.engine import recommend
from govlens.assess.framework import Framework
from govlens.assess.summary import HAND_CODED, hand_coded_assessed, summarize
from govlens.report.i18n import t
from govlens.types import AuditResult, ScanStatus, SiteAssessment, Verdict


@dataclass
class CriterionInfo:
    code: str
    model: str
    model_label: str
    model_order: int
    label: str
    description: str
    decision: str
    recommendation: str
    priority: int


@dataclass
class ModelInfo:
    id: str
    label: str
    order: int
    scored: bool
    codes: list[str]


@dataclass
class SiteView:
    site: SiteAssessment
    assessed: bool
    next_steps: list[CriterionInfo] = field(default_factory=list)

    def verdict(self, code: str) -> Verdict | None:
        return self.site.verdicts.get(code) if self.assessed else None


@dataclass
class CriterionStat:
    code: str
    label: str
    model: str
    met: int
    needs_review: int
    not_met: int
    assessed: int  # denominator: sites whose criteria were assessed

    @property
    def share(self) -> float:
        return self.met / self.assessed if self.assessed else 0.0


@dataclass
class ChannelStat:
    """One platform: declared in the portfolio (of all organisations) and found on the sites (of
    the assessed sites). ``declared`` is None when the portfolio records no channels at all."""

    platform: str
    declared: int | None
    declared_of: int
    found: int
    found_of: int


@dataclass
class ModelRow:
    """One line of the study's table for a model, as the summary computed it."""

    id: str
    label: str
    criteria: int
    sites: int
    mean: float | None  # 0..1
    highest: dict[str, Any] | None  # {"value", "pct", "sites", "site_ids"}
    lowest: dict[str, Any] | None
    implemented: dict[str, Any] | None  # share
    mean_pct_if_reviews_met: float | None
    needs_review_cells: int


@dataclass
class SummaryView:
    """The summary dict laid out for display: key figures, per-model rows, notes, the rest."""

    indicators: list[tuple[str, str]]
    models: list[ModelRow]
    notes: list[str]
    not_assessable: list[dict[str, Any]]
    extra: list[tuple[str, str]]


@dataclass
class ReportData:
    audit: AuditResult
    fw: Framework
    lang: str
    models: list[ModelInfo]
    criteria: list[CriterionInfo]
    sites: list[SiteView]
    criterion_stats: list[CriterionStat]
    channel_stats: list[ChannelStat]
    summary: dict[str, Any]
    summary_view: SummaryView

    def criterion(self, code: str) -> CriterionInfo | None:
        return next((c for c in self.criteria if c.code == code), None)


def is_assessed(site: SiteAssessment) -> bool:
    """A site's verdicts count only when its pages could be read; otherwise its row says why."""
    if site.scan_status == HAND_CODED:  # no crawl: assessed once a person coded something (as summarize)
        return hand_coded_assessed(site)
    try:
        return ScanStatus(site.scan_status).assessable and bool(site.verdicts)
    except ValueError:  # a status this version does not know: trust the presence of verdicts
        return bool(site.verdicts)


def build(audit: AuditResult, fw: Framework, lang: str = "en") -> ReportData:
    models = [
        ModelInfo(m.id, m.label.get(lang), m.order, m.scored, [c.code for c in m.criteria]) for m in fw.models
    ]
    criteria = [
        CriterionInfo(
            code=c.code,
            model=m.id,
            model_label=m.label.get(lang),
            model_order=m.order,
            label=c.label.get(lang),
            description=c.description.get(lang),
            decision=c.decision,
            recommendation=c.recommendation.get(lang),
            priority=c.priority,
        )
        for m, c in fw.criteria()
    ]
    by_code = {c.code: c for c in criteria}
    views = []
    for s in audit.sites:
        view = SiteView(site=s, assessed=is_assessed(s))
        if view.assessed:
            view.next_steps = next_steps(s, fw, by_code)
        views.append(view)
    summary = audit.summary
    if not (isinstance(summary, dict) and "criteria" in summary and "models" in summary):
        # no summary saved (or one from before summarize() had these keys): compute it with the
        # assess stage's own function rather than a second implementation here
        summary = summarize(audit.portfolio, audit.sites, fw)
    return ReportData(
        audit=audit,
        fw=fw,
        lang=lang,
        models=models,
        criteria=criteria,
        sites=views,
        criterion_stats=criterion_stats(summary, by_code),
        channel_stats=channel_stats(summary),
        summary=summary,
        summary_view=summary_view(summary, models, lang),
    )


def next_steps(site: SiteAssessment, fw: Framework, by_code: dict[str, CriterionInfo]) -> list[CriterionInfo]:
    """Criteria not met in their final value, ordered by the assess stage's own rule.

    Recomputed rather than taken from ``site.recommendations`` because a review may have changed a
    verdict since the machine ranked them.
    """
    return [by_code[c] for c in recommend(fw, site.verdicts) if c in by_code]


def criterion_stats(summary: dict[str, Any], by_code: dict[str, CriterionInfo]) -> list[CriterionStat]:
    out = []
    for row in summary.get("criteria") or []:
        code = row.get("code", "")
        info = by_code.get(code)
        out.append(
            CriterionStat(
                code=code,
                label=info.label if info else str(row.get("label", code)),
                model=str(row.get("model", info.model if info else "")),
                met=int(row.get("met", 0)),
                needs_review=int(row.get("needs_review", 0)),
                not_met=int(row.get("not_met", 0)),
                assessed=int(row.get("assessed", 0)),
            )
        )
    return out


def channel_stats(summary: dict[str, Any]) -> list[ChannelStat]:
    out = []
    for row in summary.get("platforms") or []:
        declared = row.get("declared") or None
        found = row.get("found") or {}
        out.append(
            ChannelStat(
                platform=str(row.get("platform", "")),
                declared=declared.get("count") if declared else None,
                declared_of=declared.get("of", 0) if declared else 0,
                found=int(found.get("count", 0)),
                found_of=int(found.get("of", 0)),
            )
        )
    return out


def share_text(count: int | None, of: int | None) -> str:
    """ "21/28 (75.0%)": a share is never shown without its denominator."""
    if count is None:
        return ""
    return f"{count}/{of} ({pct(count / of)})" if of else f"{count}/{of or 0}"


def _share(d: Any) -> str:
    return share_text(d.get("count"), d.get("of")) if isinstance(d, dict) else ""


HANDLED_KEYS = {
    "framework", "counts", "notes", "websites", "models", "criteria", "implemented",
    "only_broadcasting", "social", "platforms", "no_site", "not_assessable",
    "services", "integration",  # laid out by govlens.report.services
}  # fmt: skip


def summary_view(summary: dict[str, Any], models: list[ModelInfo], lang: str) -> SummaryView:
    labels = {m.id: m.label for m in models}
    ind: list[tuple[str, str]] = []
    counts = summary.get("counts") or {}
    for key in (
        "organisations",
        "rows",
        "sites",
        "assessed",
        "no_site",
        "not_assessable",
        "not_coded",
    ):
        if key in counts:
            ind.append((t(f"count_{key}", lang), str(counts[key])))
    if summary.get("websites"):
        ind.append((t("ind_websites", lang), _share(summary["websites"])))
    social = summary.get("social") or {}
    if social.get("declared"):
        ind.append((t("ind_social_declared", lang), _share(social["declared"])))
    if social.get("found"):
        ind.append((t("ind_social_found", lang), _share(social["found"])))
    only = summary.get("only_broadcasting")
    if isinstance(only, dict) and "count" in only:
        ind.append(
            (
                t("ind_only_first", lang, model=labels.get(only.get("model", ""), only.get("model", ""))),
                _share(only),
            )
        )
    rows = []
    for m in summary.get("models") or []:
        mid = m.get("id", "")
        rows.append(
            ModelRow(
                id=mid,
                label=labels.get(mid, m.get("label", mid)),
                criteria=int(m.get("criteria", 0)),
                sites=int(m.get("sites", 0)),
                mean=m.get("mean"),
                highest=m.get("highest"),
                lowest=m.get("lowest"),
                implemented=m.get("implemented"),
                mean_pct_if_reviews_met=m.get("mean_pct_if_reviews_met"),
                needs_review_cells=int(m.get("needs_review_cells", 0)),
            )
        )
    extra = summary_rows({k: v for k, v in summary.items() if k not in HANDLED_KEYS})
    return SummaryView(
        indicators=ind,
        models=rows,
        notes=[str(n) for n in summary.get("notes") or []],
        not_assessable=list(summary.get("not_assessable") or []),
        extra=extra,
    )


def extreme_text(e: dict[str, Any] | None, lang: str) -> str:
    """ "75.0% (7 sites)"."""
    if not e:
        return ""
    n = e.get("sites", 0)
    return f"{e.get('pct', 0):.1f}% ({n} {t('n_site' if n == 1 else 'n_sites', lang)})"


def pct(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x * 100:.{digits}f}%"


def score_text(site: SiteAssessment, model: str) -> str:
    sc = site.scores.get(model)
    if sc is None or not sc.total:
        return ""
    return f"{pct(sc.fraction)} ({sc.met}/{sc.total})"


def summary_rows(summary: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Flatten whatever the summary holds into (item, value) rows, nested keys joined with " › ".

    Used for keys the report has no dedicated layout for, so nothing computed is hidden.
    """
    rows: list[tuple[str, str]] = []
    for key, value in summary.items():
        name = f"{prefix} › {key}" if prefix else str(key)
        if isinstance(value, dict):
            rows += summary_rows(value, name)
        elif isinstance(value, list):
            if all(not isinstance(x, dict | list) for x in value):
                rows.append((name, ", ".join(str(x) for x in value)))
            else:
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        rows += summary_rows(item, f"{name}[{i}]")
                    else:
                        rows.append((f"{name}[{i}]", str(item)))
        elif isinstance(value, float):
            rows.append((name, f"{value:.4g}"))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def model_table(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """The study's per-model table as text cells (Markdown, terminal, XLSX share it)."""
    lang = data.lang
    header = [
        t(k, lang)
        for k in ("model", "n_criteria", "sites", "mean", "highest", "lowest", "implemented_share",
                  "mean_if_reviews_met", "needs_review_cells")
    ]  # fmt: skip
    rows = []
    for m in data.summary_view.models:
        rows.append(
            [
                m.label,
                str(m.criteria),
                str(m.sites),
                pct(m.mean) if m.mean is not None else "",
                extreme_text(m.highest, lang),
                extreme_text(m.lowest, lang),
                _share(m.implemented),
                f"{m.mean_pct_if_reviews_met:.1f}%" if m.mean_pct_if_reviews_met is not None else "",
                str(m.needs_review_cells),
            ]
        )
    return header, rows
