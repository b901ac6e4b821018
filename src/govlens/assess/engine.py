"""From a site's facts and a framework to one verdict per criterion, model scores and advice.

The rules that matter (docs/frameworks.md explains them for readers of a report):

* a site we could not read is not a site that lacks a budget report: when the scan status is not
  assessable every criterion is ``needs_review`` naming the status, except criteria whose
  detectors need no page (K2 is settled by the address alone);
* an organisation with no website at all is a fact, not a failure: every criterion is
  ``not_met`` ("no website") and every score is 0;
* ``auto`` criteria are decided by the detectors: evidence → met, nothing → not_met with a reason
  saying what was searched; ``assisted`` criteria are only called met on strong evidence
  (a detector use with confidence ≥ ``ASSISTED_MET_CONFIDENCE``), weaker hints go to a person, and
  silence is never turned into not_met; ``manual`` criteria always go to a person, with hints.

Confidence: when the framework names a calibration file (``calibration:``, written by
``govlens evaluate --calibrate``), a ``met`` verdict's confidence is the observed (smoothed)
precision of ``met`` verdicts of that criterion and detector on the labelled corpus, and a
``not_met`` verdict's the observed negative predictive value of the criterion, each only when the
entry rests on at least ``MIN_CALIBRATION_SUPPORT`` labelled verdicts; otherwise the framework's
``DetectorUse.confidence`` constants (and the page-count rule for not_met) apply. Calibration
changes confidences only, never which verdict is given.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from govlens.assess.detectors import REGISTRY, content_pages, indexed, is_broken, site_channels
from govlens.assess.framework import Criterion, DetectorUse, Framework
from govlens.types import (
    Evidence,
    LinkCheck,
    ModelScore,
    ScanStatus,
    SiteAssessment,
    SiteFacts,
    SocialChannel,
    Verdict,
    VerdictValue,
)

log = logging.getLogger(__name__)

# An assisted criterion is called met without a person only on evidence from a detector use
# the framework rates at least this strongly; weaker evidence is shown to a reviewer.
ASSISTED_MET_CONFIDENCE = 0.6
# Confidence in an assisted "met" is discounted: the rule needs judgement a pattern lacks.
ASSISTED_DISCOUNT = 0.85
MAX_EVIDENCE_PER_VERDICT = 8
# a calibration entry is used only when it rests on at least this many labelled verdicts
MIN_CALIBRATION_SUPPORT = 3


@dataclass
class Calibration:
    """Observed accuracy of verdicts on a labelled corpus (``govlens evaluate --calibrate``).

    ``met[(code, detector)]`` / ``met[(code, None)]``: smoothed precision of met verdicts whose
    first evidence came from ``detector`` / of all met verdicts of the criterion; ``not_met[code]``:
    smoothed negative predictive value. Entries below ``MIN_CALIBRATION_SUPPORT`` are dropped.
    """

    met: dict[tuple[str, str | None], float] = field(default_factory=dict)
    not_met: dict[str, float] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], min_support: int = MIN_CALIBRATION_SUPPORT) -> Calibration:
        cal = cls()

        def ok(e: Any, key: str) -> bool:
            return isinstance(e, dict) and e.get(key) is not None and int(e.get("support", 0)) >= min_support

        for code, entry in (data.get("criteria") or {}).items():
            entry = entry or {}
            if ok(entry.get("met"), "precision"):
                cal.met[(code, None)] = float(entry["met"]["precision"])
            for det, e in (entry.get("detectors") or {}).items():
                if ok(e, "precision"):
                    cal.met[(code, det)] = float(e["precision"])
            if ok(entry.get("not_met"), "npv"):
                cal.not_met[code] = float(entry["not_met"]["npv"])
        return cal

    def met_confidence(self, code: str, evidence: list[Evidence], default: float) -> float:
        key = calibration_key(evidence)
        for k in ((code, key), (code, None)):
            if k in self.met:
                return round(self.met[k], 3)
        return default

    def not_met_confidence(self, code: str, default: float) -> float:
        return round(self.not_met[code], 3) if code in self.not_met else default


def calibration_key(evidence: list[Evidence]) -> str | None:
    """The detector a met verdict is credited to: the one that produced its first evidence item
    (the first detector use, in framework order, that fired). The evaluation's calibration writer
    uses the same function, so the file and the engine agree."""
    return evidence[0].detector if evidence else None


_CAL_CACHE: dict[tuple[Path, float], Calibration] = {}


def load_calibration(path: str | Path) -> Calibration:
    p = Path(path).resolve()
    key = (p, p.stat().st_mtime)
    if key not in _CAL_CACHE:
        _CAL_CACHE[key] = Calibration.from_dict(yaml.safe_load(p.read_text(encoding="utf-8")) or {})
    return _CAL_CACHE[key]


def calibration_of(fw: Framework) -> Calibration | None:
    """The framework's calibration, or None when it names none (constants are then used)."""
    path = fw.calibration_path()
    return load_calibration(path) if path is not None else None


@dataclass
class _Run:
    evidence: list[Evidence]
    fired: list[DetectorUse]
    errors: list[str]
    hints: list[Evidence] = field(default_factory=list)  # from role: hint uses, never deciding


def page_independent(c: Criterion) -> bool:
    """A criterion every detector of which can decide without pages (K2 from the address)."""
    return bool(c.detectors) and all(not REGISTRY[d.detector].needs_pages for d in c.detectors)


def _run(site: SiteFacts, c: Criterion) -> _Run:
    evs: list[Evidence] = []
    hints: list[Evidence] = []
    fired: list[DetectorUse] = []
    errors: list[str] = []
    for use in c.detectors:
        try:
            found = REGISTRY[use.detector](site, use.params)
        except Exception as e:  # a detector bug must not sink the whole audit
            log.exception("detector %s failed on %s (%s)", use.detector, site.site_id, c.code)
            errors.append(f"{use.detector}: {type(e).__name__}: {e}")
            continue
        if found and use.role == "hint":
            hints.extend(found)
        elif found:
            fired.append(use)
            evs.extend(found)
    # two uses finding the same passage on the same page (a document matched by its name and by
    # its content) are one piece of evidence; the first use keeps the credit
    seen: set[tuple[str, str]] = set()
    uniq = []
    for e in evs:
        if (e.url, e.snippet) not in seen:
            seen.add((e.url, e.snippet))
            uniq.append(e)
    return _Run(uniq[:MAX_EVIDENCE_PER_VERDICT], fired, errors, hints[:MAX_EVIDENCE_PER_VERDICT])


def _searched(c: Criterion) -> str:
    names = sorted({d.detector for d in c.detectors})
    return ", ".join(names) if names else "no detector"


def _decide(site: SiteFacts, c: Criterion, n_pages: int, cal: Calibration | None = None) -> Verdict:
    run = _run(site, c)
    deciding = [u for u in c.detectors if u.role == "decide"]
    if c.combine == "all" and len({id(u) for u in run.fired}) < len(deciding):
        satisfied = bool(run.fired) and len(run.fired) == len(deciding)
    else:
        satisfied = bool(run.fired)
    err = f" (detector errors: {'; '.join(run.errors)})" if run.errors else ""
    strength = max((u.confidence for u in run.fired), default=0.0)
    base = Verdict(code=c.code, verdict=VerdictValue.NEEDS_REVIEW, confidence=0.0,
                   evidence=(run.evidence + run.hints)[:MAX_EVIDENCE_PER_VERDICT], decision=c.decision)
    if run.errors and not satisfied:
        base.reason = f"a detector failed, so the result is not trusted{err}"
        return base
    if c.decision == "manual":
        base.reason = (
            f"decided by a person; {len(run.evidence) + len(run.hints)} hint(s) found by {_detectors(run)}"
            if run.evidence or run.hints
            else f"decided by a person; {_searched(c)} found no hint on {n_pages} page(s)"
        )
        base.confidence = strength * 0.5
        return base
    if c.decision == "assisted":
        if satisfied and strength >= ASSISTED_MET_CONFIDENCE:
            base.verdict = VerdictValue.MET
            base.confidence = round(strength * ASSISTED_DISCOUNT, 3)
            if cal is not None:
                base.confidence = cal.met_confidence(c.code, run.evidence, base.confidence)
            base.reason = f"strong evidence from {_detectors(run)}; a reviewer may confirm"
        elif run.evidence or run.hints:
            base.confidence = round(strength * 0.5, 3)
            base.reason = f"only weak or partial evidence from {_detectors(run)}: needs a person{err}"
        else:
            base.reason = (
                f"{_searched(c)} found nothing on {n_pages} page(s); this criterion needs judgement, "
                f"so absence is not taken as not met{err}"
            )
        return base
    # auto
    if satisfied:
        base.verdict = VerdictValue.MET
        base.confidence = round(strength, 3)
        if cal is not None:
            base.confidence = cal.met_confidence(c.code, run.evidence, base.confidence)
        base.reason = f"evidence from {_detectors(run)}"
        return base
    if run.hints:
        base.confidence = 0.0
        base.reason = (
            f"{_searched(c)} found no firm evidence, but the semantic matcher found "
            f"{len(run.hints)} passage(s) close to the criterion: needs a person{err}"
        )
        return base
    base.verdict = VerdictValue.NOT_MET
    base.evidence = []
    # the more pages searched, the more an absence means
    base.confidence = 0.6 if n_pages < 3 else 0.75 if n_pages < 10 else 0.85
    if cal is not None:
        base.confidence = cal.not_met_confidence(c.code, base.confidence)
    partial = f" ({len(run.fired)} of {len(c.detectors)} detectors fired; all are required)" if run.fired else ""
    base.reason = f"no passage, link or element matched ({_searched(c)}) on {n_pages} page(s){partial}"
    return base


def _detectors(run: _Run) -> str:
    names = {u.detector for u in run.fired} | {e.detector for e in run.hints}
    return ", ".join(sorted(names))


def _order(fw: Framework) -> list[Criterion]:
    """Framework order, but a criterion after those it requires."""
    crits = [c for _, c in fw.criteria()]
    by_code = {c.code: c for c in crits}
    done: list[Criterion] = []
    seen: set[str] = set()

    def visit(c: Criterion, stack: tuple[str, ...]) -> None:
        if c.code in seen:
            return
        if c.code in stack:
            raise ValueError(f"criteria require each other in a cycle: {' → '.join((*stack, c.code))}")
        for r in c.requires:
            visit(by_code[r], (*stack, c.code))
        seen.add(c.code)
        done.append(c)

    for c in crits:
        visit(c, ())
    return done


def _prereq(c: Criterion, verdicts: dict[str, Verdict], cal: Calibration | None = None) -> Verdict | None:
    missing = [r for r in c.requires if verdicts[r].verdict == VerdictValue.NOT_MET]
    if missing:
        conf = cal.not_met_confidence(c.code, 0.8) if cal is not None else 0.8
        return Verdict(c.code, VerdictValue.NOT_MET, conf, [], f"requires {', '.join(missing)}, which is not met",
                       decision=c.decision)
    pending = [r for r in c.requires if verdicts[r].verdict == VerdictValue.NEEDS_REVIEW]
    if pending:
        return Verdict(c.code, VerdictValue.NEEDS_REVIEW, 0.0, [],
                       f"requires {', '.join(pending)}, which needs review first", decision=c.decision)
    return None


def broken_links(site: SiteFacts) -> list[LinkCheck]:
    """Links and pages that do not work: 4xx/5xx, DNS/connection/timeout failures, soft 404s."""
    out = [lc for lc in site.link_checks.values() if is_broken(lc)]
    seen = {lc.url for lc in out}
    for p in site.pages:
        if p.url in seen:
            continue
        if p.soft_404:
            out.append(LinkCheck(url=p.url, status=p.status, error="soft_404", record_id=p.record_id))
        elif p.status is not None and p.status >= 400:
            out.append(LinkCheck(url=p.url, status=p.status, record_id=p.record_id))
        else:
            continue
        seen.add(p.url)
    return out


def _socials(site: SiteFacts) -> list[SocialChannel]:
    return [c for _, c in site_channels(site)]


def assess_site(site: SiteFacts, fw: Framework) -> SiteAssessment:
    """One verdict per criterion of ``fw`` (in framework order), scores, implemented models and
    the criteria to work on next."""
    status = str(site.scan_status)
    org = site.organisation
    verdicts: dict[str, Verdict] = {}
    pages = content_pages(site)
    n_pages = len(pages)
    no_site = status == ScanStatus.NO_SITE
    try:
        assessable = ScanStatus(status).assessable
    except ValueError:
        assessable = False

    cal = calibration_of(fw)
    # one SiteIndex (content pages, decoded links, regex answers) shared by every detector use
    with indexed(site, pages):
        for c in _order(fw):
            if no_site:
                verdicts[c.code] = Verdict(c.code, VerdictValue.NOT_MET, 1.0, [], "no website", decision=c.decision)
                continue
            pre = _prereq(c, verdicts, cal)
            if pre is not None:
                verdicts[c.code] = pre
                continue
            if not assessable and not page_independent(c):
                detail = f" ({site.scan_detail})" if site.scan_detail else ""
                verdicts[c.code] = Verdict(
                    c.code, VerdictValue.NEEDS_REVIEW, 0.0, [],
                    f"scan status {status}{detail}: the pages could not be read, so this cannot be decided",
                    decision=c.decision,
                )
                continue
            verdicts[c.code] = _decide(site, c, n_pages, cal)
        socials = [] if no_site else _socials(site)

    ordered = {c.code: verdicts[c.code] for _, c in fw.criteria()}
    scores: dict[str, ModelScore] = {}
    implemented: list[str] = []
    for m in fw.models:
        vs = [ordered[c.code] for c in m.criteria]
        sc = ModelScore(
            model=m.id,
            met=sum(v.verdict == VerdictValue.MET for v in vs),
            total=len(vs),
            needs_review=sum(v.verdict == VerdictValue.NEEDS_REVIEW for v in vs),
        )
        scores[m.id] = sc
        if m.scored and sc.total and sc.met > 0 and sc.fraction >= m.implemented_threshold:
            implemented.append(m.id)

    return SiteAssessment(
        site_id=site.site_id,
        organisation=org.name if org else "",
        short=org.short if org else "",
        url="" if no_site else site.seed_url,
        scan_status=status,
        scan_detail=site.scan_detail,
        verdicts=ordered,
        scores=scores,
        implemented=implemented,
        pages=n_pages,
        socials_found=socials,
        broken_links=[] if no_site else broken_links(site),
        recommendations=recommend(fw, ordered),
    )


def recommend(fw: Framework, verdicts: dict[str, Verdict]) -> list[str]:
    """Codes of criteria not met, most urgent first: by priority, then toward the interactive end
    (higher model order), then framework order. Criteria awaiting review are left out: we do not
    know yet that they are missing."""
    rank = []
    for i, (m, c) in enumerate(fw.criteria()):
        v = verdicts.get(c.code)
        if v is not None and v.verdict == VerdictValue.NOT_MET:
            rank.append((-c.priority, -m.order, i, c.code))
    return [code for *_, code in sorted(rank)]
