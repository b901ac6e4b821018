"""Agreement between machine verdicts and human labels, per criterion and overall.

Besides the confusion counts (precision, recall, F1) every criterion gets chance-corrected
agreement, because a criterion almost every site fails scores 90 % accuracy for a tool that always
says ``not_met``: Cohen's kappa and Krippendorff's alpha (labels and tool as two nominal coders,
computed by :mod:`govlens.evaluate.agreement`, the same code that compares reviewers). Every
decided disagreement is listed with the tool's reason and evidence beside the coders' quotes, so a
person can see *why* rather than only *how often*; and a reliability table says whether the tool's
confidence means what it says.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from govlens.evaluate.agreement import MACHINE, agreement, cohen_kappa
from govlens.types import SiteAssessment, Verdict, VerdictValue

_LABEL_VALUES = {"met", "not_met", "cannot_tell"}
LABELS = "labels"  # coder name of the human labels in the agreement computation
NO_VERDICT = "no_verdict"  # category of a labelled cell the tool has no verdict for (kappa_all only)
EVIDENCE_ITEMS = 3  # evidence items of the tool kept per disagreement: the first ones are the strongest
# confidence bins of the reliability table; decided verdicts sit in 0.55-0.95 today, and the
# bottom bin catches anything a future detector reports below 0.5
BIN_EDGES: tuple[float, ...] = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass
class CriterionStats:
    """Counts for one criterion (or overall). ``support`` is the number of labelled cells
    (met + not_met); ``deferred`` how many of them the tool left to a person."""

    code: str
    support: int = 0
    label_met: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    deferred: int = 0
    deferred_met: int = 0  # deferred cells the coders called met
    missing: int = 0  # labelled cells with no machine verdict at all
    # chance-corrected agreement, set by evaluate(); None when undefined (one category throughout)
    kappa: float | None = None  # Cohen's kappa on decided cells (needs_review = no value)
    kappa_all: float | None = None  # every labelled cell; needs_review (and no verdict) a category of its own
    alpha: float | None = None  # Krippendorff's alpha, nominal, tool + labels, decided cells

    @property
    def decided(self) -> int:
        return self.tp + self.fp + self.fn + self.tn

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        """Recall on decided cells."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def recall_all(self) -> float | None:
        """Recall over every labelled 'met' cell: a deferred one counts as not found."""
        return self.tp / self.label_met if self.label_met else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None or p + r == 0:
            return None if p is None or r is None else 0.0
        return 2 * p * r / (p + r)

    @property
    def agreement(self) -> float | None:
        """Accuracy on the cells the tool decided."""
        return (self.tp + self.tn) / self.decided if self.decided else None

    @property
    def agreement_all(self) -> float | None:
        """Accuracy over all labelled cells; deferred and missing cells count as disagreement."""
        return (self.tp + self.tn) / self.support if self.support else None

    @property
    def coverage(self) -> float | None:
        return self.decided / self.support if self.support else None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("decided", "precision", "recall", "recall_all", "f1", "agreement", "agreement_all", "coverage",
                  "kappa", "kappa_all", "alpha"):
            v = getattr(self, k)
            d[k] = round(v, 4) if isinstance(v, float) else v
        return d

    def add(self, label: str, verdict: str | None) -> None:
        self.support += 1
        positive = label == "met"
        self.label_met += positive
        if verdict is None:
            self.missing += 1
        elif verdict == VerdictValue.NEEDS_REVIEW:
            self.deferred += 1
            self.deferred_met += positive
        elif verdict == VerdictValue.MET:
            if positive:
                self.tp += 1
            else:
                self.fp += 1
        elif positive:
            self.fn += 1
        else:
            self.tn += 1


@dataclass
class Disagreement:
    """One decided cell where the tool and the coders differ, with what each side saw.

    ``kind`` is ``false_positive`` (tool met, coders not_met) or ``false_negative``. ``evidence``
    holds the tool's first :data:`EVIDENCE_ITEMS` items (url, snippet, detector, detail) out of
    ``evidence_total``; ``label_evidence`` the coders' quotes (file, quote) and ``label_why`` their
    note, from the label file. A false negative usually has no tool evidence and a false positive
    no coder quote: the empty side is the finding.
    """

    site: str
    code: str
    label: str
    verdict: str
    reason: str = ""
    site_id: str = ""  # the assessment's site id (may differ from the label file's slug)
    kind: str = ""
    confidence: float | None = None
    evidence: list[dict[str, str]] = field(default_factory=list)
    evidence_total: int = 0
    label_evidence: list[dict[str, str]] = field(default_factory=list)
    label_why: str = ""


@dataclass
class ReliabilityBin:
    """Decided cells whose confidence lies in [lo, hi) (the top bin includes 1.0)."""

    lo: float
    hi: float
    n: int = 0
    correct: int = 0
    confidence_sum: float = 0.0

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.n if self.n else None

    @property
    def mean_confidence(self) -> float | None:
        return self.confidence_sum / self.n if self.n else None

    def as_dict(self) -> dict[str, Any]:
        acc, conf = self.accuracy, self.mean_confidence
        return {"lo": self.lo, "hi": self.hi, "n": self.n, "correct": self.correct,
                "accuracy": None if acc is None else round(acc, 4),
                "mean_confidence": None if conf is None else round(conf, 4),
                "gap": None if acc is None or conf is None else round(acc - conf, 4)}


@dataclass
class Reliability:
    """Does confidence 0.9 mean right 9 times in 10? Decided cells binned by the tool's confidence.

    Deferred cells are left out: their confidence is the tool's doubt about deciding at all, not
    the chance of a verdict being right. ``ece`` (expected calibration error) is the
    count-weighted mean of |accuracy - mean confidence| over the bins: 0 is perfectly calibrated.
    """

    bins: list[ReliabilityBin]

    @classmethod
    def empty(cls, edges: tuple[float, ...] = BIN_EDGES) -> Reliability:
        return cls([ReliabilityBin(lo, hi) for lo, hi in pairwise(edges)])

    def add(self, confidence: float, correct: bool) -> None:
        c = min(max(float(confidence), 0.0), 1.0)
        # the epsilon puts 0.6 in 0.6-0.7 although 0.6 may be stored as 0.59999...
        i = bisect_right([b.lo for b in self.bins], c + 1e-9) - 1
        b = self.bins[min(max(i, 0), len(self.bins) - 1)]
        b.n += 1
        b.correct += correct
        b.confidence_sum += c

    @property
    def n(self) -> int:
        return sum(b.n for b in self.bins)

    @property
    def accuracy(self) -> float | None:
        return sum(b.correct for b in self.bins) / self.n if self.n else None

    @property
    def mean_confidence(self) -> float | None:
        return sum(b.confidence_sum for b in self.bins) / self.n if self.n else None

    @property
    def ece(self) -> float | None:
        if not self.n:
            return None
        return sum(b.n * abs(b.correct / b.n - b.confidence_sum / b.n) for b in self.bins if b.n) / self.n

    def as_dict(self) -> dict[str, Any]:
        r = {k: getattr(self, k) for k in ("n", "accuracy", "mean_confidence", "ece")}
        return {**{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()},
                "bins": [b.as_dict() for b in self.bins]}


@dataclass
class EvaluationResult:
    criteria: dict[str, CriterionStats]
    overall: CriterionStats
    sites_matched: list[str] = field(default_factory=list)
    labels_unmatched: list[str] = field(default_factory=list)  # label files with no assessment
    assessments_unlabelled: list[str] = field(default_factory=list)
    cannot_tell: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    reliability: Reliability = field(default_factory=Reliability.empty)
    audit_id: int | None = None  # set by the caller: a saved evaluation belongs to one audit
    labels_dir: str = ""
    # every labelled cell with a verdict: (site slug, code, label, verdict); not in the JSON, used
    # by govlens.evaluate.calibration to write a calibration file
    cells: list[tuple[str, str, str, Verdict]] = field(default_factory=list, repr=False)
    hints: dict[str, HintStats] = field(default_factory=dict)  # what hint-only detectors add

    @property
    def alpha(self) -> float | None:
        """Krippendorff's alpha over every decided cell (tool + labels, nominal)."""
        return self.overall.alpha

    def as_dict(self) -> dict[str, Any]:
        return {
            "audit_id": self.audit_id,
            "labels_dir": self.labels_dir,
            "overall": self.overall.as_dict(),
            "alpha": self.overall.as_dict()["alpha"],
            "criteria": {k: v.as_dict() for k, v in self.criteria.items()},
            "sites_matched": self.sites_matched,
            "labels_unmatched": self.labels_unmatched,
            "assessments_unlabelled": self.assessments_unlabelled,
            "cannot_tell_excluded": self.cannot_tell,
            "reliability": self.reliability.as_dict(),
            "disagreements": [asdict(d) for d in self.disagreements],
            "hints": {k: h.as_dict() for k, h in self.hints.items()},
            "notes": {
                "kappa": "Cohen's kappa, tool vs labels, on decided cells (needs_review = no value)",
                "kappa_all": "Cohen's kappa on every labelled cell, needs_review a category of its own "
                             "(so deferring lowers it)",
                "alpha": "Krippendorff's alpha, nominal, tool and labels as two coders, decided cells",
                "reliability": "decided cells by the tool's confidence; ece = expected calibration error",
                "undefined": "null = undefined (no shared cells, or one category throughout)",
                "hints": "needs_review cells with / without a hint from a hint-only detector (the "
                         "semantic matcher): how often coders said met in each group",
            },
        }


def _norm_url(u: str) -> str:
    if not u:
        return ""
    p = urlsplit(u if "//" in u else f"//{u}")
    host = (p.hostname or "").lower().removeprefix("www.")
    return f"{host}{p.path.rstrip('/')}"


def load_labels(labels_dir: str | Path) -> dict[str, dict[str, Any]]:
    """label files by site slug: {"site", "url", "criteria": {code: verdict}}; bad files raise
    ValueError naming the file, because a silently skipped label file skews every figure."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(Path(labels_dir).glob("*.y*ml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        crit = data.get("criteria")
        if not isinstance(crit, dict):
            raise ValueError(f"{path}: no 'criteria' mapping")
        cells: dict[str, str] = {}
        evidence: dict[str, list[dict[str, str]]] = {}
        why: dict[str, str] = {}
        for code, cell in crit.items():
            v = cell.get("verdict") if isinstance(cell, dict) else cell
            if v not in _LABEL_VALUES:
                raise ValueError(f"{path}: criterion {code}: verdict {v!r} is not one of {sorted(_LABEL_VALUES)}")
            cells[str(code)] = v
            if isinstance(cell, dict):
                evidence[str(code)] = [
                    {"file": str(e.get("file") or ""), "quote": str(e.get("quote") or "")}
                    for e in cell.get("evidence") or [] if isinstance(e, dict)
                ]
                if cell.get("why"):
                    why[str(code)] = " ".join(str(cell["why"]).split())
        slug = str(data.get("site") or path.stem)
        out[slug] = {"site": slug, "url": str(data.get("url") or ""), "criteria": cells, "file": str(path),
                     "evidence": evidence, "why": why}
    return out


def _disagreement(slug: str, site_id: str, code: str, label: str, v: Verdict, lab: dict[str, Any]) -> Disagreement:
    return Disagreement(
        site=slug, code=code, label=label, verdict=str(v.verdict), reason=v.reason, site_id=site_id,
        kind="false_positive" if v.verdict == VerdictValue.MET else "false_negative",
        confidence=v.confidence,
        evidence=[{"url": e.url, "snippet": e.snippet, "detector": e.detector, "detail": e.detail}
                  for e in v.evidence[:EVIDENCE_ITEMS]],
        evidence_total=len(v.evidence),
        label_evidence=list(lab.get("evidence", {}).get(code, [])),
        label_why=lab.get("why", {}).get(code, ""),
    )


def _set_agreement(res: EvaluationResult, ratings: dict[str, dict[tuple[str, str], str | None]],
                   with_review: dict[tuple[str, str], str]) -> None:
    """Kappa and alpha per criterion and pooled, by the reviewers' agreement code (one method for both)."""
    rep = agreement(ratings, list(res.criteria))
    for g in [*rep.criteria, rep.overall]:
        stats = res.overall if g is rep.overall else res.criteria[g.code]
        pair = g.pair(LABELS, MACHINE)
        stats.kappa = pair.kappa if pair else None
        stats.alpha = g.alpha
        items = [i for i in ratings[LABELS] if g is rep.overall or i[1] == g.code]
        stats.kappa_all = cohen_kappa([ratings[LABELS][i] for i in items], [with_review[i] for i in items])


HINT_DETECTORS = ("semantic_match",)


@dataclass
class HintStats:
    """What a hint-only detector adds to the review queue: among the cells the tool left to a
    person, how often the coders said met where the detector offered a hint, against how often
    they did where it did not. A lift above 1 means reviewers should start with hinted cells."""

    detector: str
    hinted: int = 0
    hinted_met: int = 0
    unhinted: int = 0
    unhinted_met: int = 0
    decided_hinted: int = 0  # met verdicts that also carry a hint (the hint agreed with patterns)

    @property
    def hinted_rate(self) -> float | None:
        return self.hinted_met / self.hinted if self.hinted else None

    @property
    def base_rate(self) -> float | None:
        n = self.hinted + self.unhinted
        return (self.hinted_met + self.unhinted_met) / n if n else None

    @property
    def recall(self) -> float | None:
        """Share of the queue's labelled-met cells that carry a hint."""
        met = self.hinted_met + self.unhinted_met
        return self.hinted_met / met if met else None

    @property
    def lift(self) -> float | None:
        hr, br = self.hinted_rate, self.base_rate
        return hr / br if hr is not None and br else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "hinted_rate": self.hinted_rate, "base_rate": self.base_rate,
                "recall": self.recall, "lift": self.lift}


def hint_stats(cells: list[tuple[str, str, str, Verdict]], detector: str) -> HintStats:
    st = HintStats(detector)
    for _slug, _code, label, v in cells:
        hinted = any(e.detector == detector for e in v.evidence)
        if str(v.verdict) == VerdictValue.NEEDS_REVIEW:
            if hinted:
                st.hinted += 1
                st.hinted_met += label == "met"
            else:
                st.unhinted += 1
                st.unhinted_met += label == "met"
        elif hinted:
            st.decided_hinted += 1
    return st


def evaluate(
    assessments: list[SiteAssessment], labels_dir: str | Path, codes: list[str] | None = None
) -> EvaluationResult:
    """Compare verdicts with labels, matching sites by slug (site_id) first, then by URL."""
    labels = load_labels(labels_dir)
    by_id = {a.site_id: a for a in assessments}
    by_url = {_norm_url(a.url): a for a in assessments if a.url}
    hosts: dict[str, list[SiteAssessment]] = {}
    for a in assessments:
        if a.url:
            hosts.setdefault(_norm_url(a.url).split("/")[0], []).append(a)
    order: list[str] = list(codes or [])
    if not order:
        for a in assessments:
            for c in a.verdicts:
                if c not in order:
                    order.append(c)
    stats = {c: CriterionStats(c) for c in order}
    overall = CriterionStats("overall")
    res = EvaluationResult(criteria=stats, overall=overall, labels_dir=str(labels_dir))
    used: set[str] = set()
    ratings: dict[str, dict[tuple[str, str], str | None]] = {LABELS: {}, MACHINE: {}}
    with_review: dict[tuple[str, str], str] = {}
    for slug, lab in labels.items():
        a = by_id.get(slug) or by_url.get(_norm_url(lab["url"]))
        if a is None:  # same host, when only one assessed site is on it
            same = hosts.get(_norm_url(lab["url"]).split("/")[0], [])
            a = same[0] if len(same) == 1 else None
        if a is None:
            res.labels_unmatched.append(slug)
            continue
        used.add(a.site_id)
        res.sites_matched.append(slug)
        for code, label in lab["criteria"].items():
            if label == "cannot_tell":
                res.cannot_tell += 1
                continue
            if code not in stats:
                if codes:
                    continue  # outside the requested set
                stats[code] = CriterionStats(code)
            v = a.verdicts.get(code)
            verdict = str(v.verdict) if v is not None else None
            stats[code].add(label, verdict)
            overall.add(label, verdict)
            decided = verdict in (VerdictValue.MET, VerdictValue.NOT_MET)
            ratings[LABELS][(slug, code)] = label
            ratings[MACHINE][(slug, code)] = verdict if decided else None
            with_review[(slug, code)] = verdict or NO_VERDICT
            if v is not None:
                res.cells.append((slug, code, label, v))
            if v is not None and decided:
                res.reliability.add(v.confidence, verdict == label)
                if verdict != label:
                    res.disagreements.append(_disagreement(slug, a.site_id, code, label, v, lab))
    res.assessments_unlabelled = sorted(set(by_id) - used)
    _set_agreement(res, ratings, with_review)
    res.hints = {d: hint_stats(res.cells, d) for d in HINT_DETECTORS}
    return res


def to_json(result: EvaluationResult, indent: int = 2) -> str:
    return json.dumps(result.as_dict(), indent=indent, ensure_ascii=False)


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _short(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def render(result: EvaluationResult, console: Any = None, confusion: int | None = None) -> None:
    """Terminal tables: one row per criterion (deferred cells apart from decided ones), the
    chance-corrected agreement, the reliability table and a compact confusion list.

    ``confusion`` caps the disagreements printed (None: all of them); the JSON always has all, in full.
    """
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    t = Table(title="Verdicts vs. human labels (needs_review = deferred, never counted as met)")
    for col in ("code", "support", "met", "TP", "FP", "FN", "TN", "deferred", "precision", "recall", "F1",
                "agree (decided)", "agree (all)", "κ", "κ (all)", "α"):
        t.add_column(col, justify="right" if col != "code" else "left")
    for s in [*result.criteria.values(), result.overall]:
        t.add_row(
            s.code, str(s.support), str(s.label_met), str(s.tp), str(s.fp), str(s.fn), str(s.tn),
            str(s.deferred), _fmt(s.precision), _fmt(s.recall), _fmt(s.f1), _fmt(s.agreement),
            _fmt(s.agreement_all), _num(s.kappa), _num(s.kappa_all), _num(s.alpha),
            end_section=s is list(result.criteria.values())[-1] if result.criteria else False,
        )
    console.print(t)
    console.print(
        f"sites matched: {len(result.sites_matched)}; label files without an assessment: "
        f"{', '.join(result.labels_unmatched) or 'none'}; cannot_tell cells left out: {result.cannot_tell}"
    )
    o = result.overall
    console.print(Text(
        f"Krippendorff's alpha (tool + labels, nominal, {o.decided} decided cells): {_num(result.alpha)}; "
        f"Cohen's kappa pooled: {_num(o.kappa)}, counting needs_review as a category: {_num(o.kappa_all)}. "
        "κ = decided cells only; κ (all) = needs_review a category of its own; '–' = undefined "
        "(one category throughout)."))

    rel = result.reliability
    rt = Table(title="Reliability: does confidence mean what it says? (decided cells)")
    for col in ("confidence", "cells", "correct", "accuracy", "mean confidence", "gap"):
        rt.add_column(col, justify="left" if col == "confidence" else "right")
    for b in rel.bins:
        acc, conf = b.accuracy, b.mean_confidence
        gap = None if acc is None or conf is None else acc - conf
        rt.add_row(f"{b.lo:.1f}–{b.hi:.1f}", str(b.n), str(b.correct), _fmt(acc), _num(conf),
                   "–" if gap is None else f"{gap * 100:+.0f} pt")
    rt.add_row("all", str(rel.n), str(sum(b.correct for b in rel.bins)), _fmt(rel.accuracy),
               _num(rel.mean_confidence), "", end_section=False)
    console.print(rt)
    console.print(Text(f"expected calibration error: {_num(rel.ece)} (0 = confidence matches accuracy)"))

    for h in result.hints.values():
        if h.hinted == 0 and h.decided_hinted == 0:
            console.print(Text(f"{h.detector}: no hints on the labelled cells (the [semantic] extra not "
                               "installed or switched off, or nothing close enough)"))
            continue
        console.print(Text(
            f"{h.detector} on the review queue: {h.hinted} of {h.hinted + h.unhinted} needs_review cells hinted; "
            f"coders said met in {_fmt(h.hinted_rate)} of hinted cells vs {_fmt(h.base_rate)} of all "
            f"(lift {_num(h.lift)}); hints reach {_fmt(h.recall)} of the queue's met cells; "
            f"{h.decided_hinted} decided verdicts also carry a hint. Hints never decide a verdict."))

    dis = result.disagreements
    shown = dis if confusion is None else dis[:confusion]
    ct = Table(title=f"Disagreements: {len(dis)} decided cells where tool and coders differ"
                     + ("" if len(shown) == len(dis) else f" (first {len(shown)}; all in the JSON)"))
    for col in ("site", "code", "label → tool", "conf", "tool's reason / first evidence", "coders' evidence"):
        ct.add_column(col, overflow="fold")
    for d in shown:
        ev = d.evidence[0] if d.evidence else None
        tool = _short(d.reason, 70)
        if ev:
            tool += f"\n[{ev['detector']}] {_short(ev['url'], 60)}: “{_short(ev['snippet'], 70)}”"
        coders = (f"{_short(d.label_evidence[0]['quote'], 70)} ({d.label_evidence[0]['file']})"
                  if d.label_evidence else _short(d.label_why, 70) or "–")
        ct.add_row(Text(d.site), Text(d.code), Text(f"{d.label} → {d.verdict}"), _num(d.confidence),
                   Text(tool or "–"), Text(coders))
    if dis and shown:
        console.print(ct)
    elif dis:
        console.print(Text(f"Disagreements: {len(dis)} decided cells where tool and coders differ "
                           "(--confusion 0: none printed; all in the JSON)"))
    else:
        console.print("no decided cell disagrees with the labels")
