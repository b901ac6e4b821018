"""What the dashboard pages show, read from the Store: machine verdicts, reviews, the queue,
agreement and audits over time.

Scores, the summary table and channel coverage are never computed here: the pages take them from
``Store.load_audit`` (which applies reviews as final values and rescores) and
``govlens.report.data.build``, so the dashboard, the files of ``govlens report`` and the exported
sheets always agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from sqlalchemy import select

from govlens.store import Review, Store
from govlens.store.models import SiteRow, VerdictRow
from govlens.types import AuditResult

S = SiteRow.__table__
V = VerdictRow.__table__

LOW_CONFIDENCE = 0.6


@dataclass
class MachineVerdict:
    id: int
    verdict: str
    confidence: float
    reason: str


def machine_verdicts(store: Store, audit_id: int) -> dict[tuple[str, str], MachineVerdict]:
    """The machine's own verdicts by (site, criterion), as saved: reviews never change these rows."""
    q = (
        select(V.c.id, V.c.code, V.c.verdict, V.c.confidence, V.c.reason, S.c.site_id)
        .join(S, S.c.id == V.c.site_pk)
        .where(V.c.audit_id == audit_id)
        .order_by(V.c.id)
    )
    with store.engine.connect() as conn:
        return {
            (r.site_id, r.code): MachineVerdict(r.id, r.verdict, float(r.confidence), r.reason)
            for r in conn.execute(q)
        }


def reviews_by_cell(reviews: list[Review]) -> dict[tuple[str, str], list[Review]]:
    out: dict[tuple[str, str], list[Review]] = defaultdict(list)
    for r in reviews:
        out[(r.site_id, r.code)].append(r)
    return out


@dataclass
class QueueItem:
    site_id: str
    site_name: str
    code: str
    final: str
    machine: str
    confidence: float
    why: str  # needs_review | low_confidence


def review_queue(audit: AuditResult, machine: dict[tuple[str, str], MachineVerdict]) -> list[QueueItem]:
    """Criteria that still want a person, oldest verdict first.

    In the queue: a final value of needs_review (the machine could not decide, or a reviewer sent
    it back), and a machine verdict with confidence below 0.6 that nobody has reviewed yet. A
    review of the latter takes it out of the queue; the former leave only once decided.
    """
    items: list[tuple[int, QueueItem]] = []
    for site in audit.sites:
        for code, v in site.verdicts.items():
            m = machine.get((site.site_id, code))
            if m is None:
                continue
            if v.verdict == "needs_review":
                why = "needs_review"
            elif v.source != "review" and m.confidence < LOW_CONFIDENCE:
                why = "low_confidence"
            else:
                continue
            items.append(
                (
                    m.id,
                    QueueItem(
                        site.site_id,
                        site.short or site.site_id,
                        code,
                        v.verdict,
                        m.verdict,
                        m.confidence,
                        why,
                    ),
                )
            )
    return [it for _, it in sorted(items, key=lambda x: x[0])]


@dataclass
class PairStat:
    a: str
    b: str
    n: int
    agree: int
    kappa: float | None = None

    @property
    def observed(self) -> float | None:
        return self.agree / self.n if self.n else None


@dataclass
class Agreement:
    reviewers: list[str]
    pairs: list[PairStat] = field(default_factory=list)  # reviewer vs reviewer
    vs_machine: list[PairStat] = field(default_factory=list)
    alpha: float | None = None  # Krippendorff's alpha over all reviewers, when computable
    units: int = 0  # cells coded by at least two reviewers


def _safe(fn: Any, *args: Any) -> float | None:
    try:
        value = fn(*args)
    except Exception:  # degenerate input (one category only, too few units): show no figure
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if value != value else value  # NaN -> None


def agreement(reviews: list[Review], machine: dict[tuple[str, str], MachineVerdict]) -> Agreement:
    """Agreement between reviewers (each reviewer's latest verdict per cell) and with the machine."""
    latest: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for r in reviews:  # oldest first: later reviews by the same person overwrite
        latest[r.reviewer][(r.site_id, r.code)] = r.verdict
    names = sorted(latest)
    from govlens.evaluate.agreement import cohen_kappa as kappa
    from govlens.evaluate.agreement import krippendorff_alpha as alpha

    out = Agreement(reviewers=names)
    for a, b in combinations(names, 2):
        cells = sorted(set(latest[a]) & set(latest[b]))
        va = [latest[a][c] for c in cells]
        vb = [latest[b][c] for c in cells]
        out.pairs.append(
            PairStat(
                a,
                b,
                len(cells),
                sum(x == y for x, y in zip(va, vb, strict=True)),
                _safe(kappa, va, vb) if cells else None,
            )
        )
    for a in names:
        cells = sorted(c for c in latest[a] if c in machine)
        va = [latest[a][c] for c in cells]
        vm = [machine[c].verdict for c in cells]
        out.vs_machine.append(
            PairStat(
                a,
                "machine",
                len(cells),
                sum(x == y for x, y in zip(va, vm, strict=True)),
                _safe(kappa, va, vm) if cells else None,
            )
        )
    all_cells = sorted({c for r in names for c in latest[r]})
    units = [[latest[r].get(c) for r in names] for c in all_cells]
    units = [[v for v in u if v is not None] for u in units]
    multi = [u for u in units if len(u) >= 2]
    out.units = len(multi)
    if len(names) >= 2 and multi:
        out.alpha = _safe(alpha, multi)
    return out


@dataclass
class AuditOverTime:
    id: int
    label: str
    portfolio: str
    started: str
    sites: int
    reviews: int
    means: dict[str, float | None]  # model id -> mean fulfilment 0..1 (final values)


def audits_over_time(store: Store) -> list[AuditOverTime]:
    """Every stored audit, oldest first, with the per-model means of its final values."""
    out = []
    for info in store.list_audits():
        audit = store.load_audit(info.id)
        means = {m.get("id", ""): m.get("mean") for m in (audit.summary or {}).get("models") or []}
        out.append(
            AuditOverTime(
                info.id,
                info.label,
                info.portfolio,
                info.started,
                info.sites,
                len(store.reviews(info.id)),
                means,
            )
        )
    return out
