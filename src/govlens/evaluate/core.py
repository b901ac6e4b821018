"""Agreement between machine verdicts and human labels, per criterion and overall."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from govlens.types import SiteAssessment, VerdictValue

_LABEL_VALUES = {"met", "not_met", "cannot_tell"}


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
        for k in ("decided", "precision", "recall", "recall_all", "f1", "agreement", "agreement_all", "coverage"):
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
    site: str
    code: str
    label: str
    verdict: str
    reason: str = ""


@dataclass
class EvaluationResult:
    criteria: dict[str, CriterionStats]
    overall: CriterionStats
    sites_matched: list[str] = field(default_factory=list)
    labels_unmatched: list[str] = field(default_factory=list)  # label files with no assessment
    assessments_unlabelled: list[str] = field(default_factory=list)
    cannot_tell: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "criteria": {k: v.as_dict() for k, v in self.criteria.items()},
            "sites_matched": self.sites_matched,
            "labels_unmatched": self.labels_unmatched,
            "assessments_unlabelled": self.assessments_unlabelled,
            "cannot_tell_excluded": self.cannot_tell,
            "disagreements": [asdict(d) for d in self.disagreements],
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
        for code, cell in crit.items():
            v = cell.get("verdict") if isinstance(cell, dict) else cell
            if v not in _LABEL_VALUES:
                raise ValueError(f"{path}: criterion {code}: verdict {v!r} is not one of {sorted(_LABEL_VALUES)}")
            cells[str(code)] = v
        slug = str(data.get("site") or path.stem)
        out[slug] = {"site": slug, "url": str(data.get("url") or ""), "criteria": cells, "file": str(path)}
    return out


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
    res = EvaluationResult(criteria=stats, overall=overall)
    used: set[str] = set()
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
            if verdict in (VerdictValue.MET, VerdictValue.NOT_MET) and verdict != label:
                res.disagreements.append(Disagreement(slug, code, label, verdict, v.reason if v else ""))
    res.assessments_unlabelled = sorted(set(by_id) - used)
    return res


def to_json(result: EvaluationResult, indent: int = 2) -> str:
    return json.dumps(result.as_dict(), indent=indent, ensure_ascii=False)


def _fmt(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def render(result: EvaluationResult, console: Any = None) -> None:
    """A terminal table: one row per criterion, deferred cells apart from decided ones."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console()
    t = Table(title="Verdicts vs. human labels (needs_review = deferred, never counted as met)")
    for col in ("code", "support", "met", "TP", "FP", "FN", "TN", "deferred", "precision", "recall", "F1",
                "agree (decided)", "agree (all)"):
        t.add_column(col, justify="right" if col != "code" else "left")
    for s in [*result.criteria.values(), result.overall]:
        t.add_row(
            s.code, str(s.support), str(s.label_met), str(s.tp), str(s.fp), str(s.fn), str(s.tn),
            str(s.deferred), _fmt(s.precision), _fmt(s.recall), _fmt(s.f1), _fmt(s.agreement),
            _fmt(s.agreement_all),
            end_section=s is list(result.criteria.values())[-1] if result.criteria else False,
        )
    console.print(t)
    console.print(
        f"sites matched: {len(result.sites_matched)}; label files without an assessment: "
        f"{', '.join(result.labels_unmatched) or 'none'}; cannot_tell cells left out: {result.cannot_tell}"
    )
