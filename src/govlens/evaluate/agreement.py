"""Agreement between coders: Cohen's kappa per pair, Krippendorff's alpha across all of them.

A criterion whose coders disagree is a criterion whose figures cannot be trusted, whoever coded it;
so the same statistics are computed between reviewers and between each reviewer and the machine
(the machine is just another coder, ``"machine"``). Everything here is generic: a coder is a name,
an item is any hashable key, a value is a category string or ``None`` for "no value" (not coded, or
deferred: a machine ``needs_review`` is the machine declining to decide, so it is missing, never a
category of its own). ``govlens evaluate`` reuses :func:`cohen_kappa`, :func:`krippendorff_alpha`
and :func:`agreement` for human labels versus the machine.

Both coefficients are nominal and implemented from their textbook definitions (Cohen 1960;
Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", coincidence-matrix form), so the
package needs neither numpy nor the ``krippendorff`` package; the tests cross-check against it.
Undefined values are ``None``, not 0 or NaN: when every value is the same category (all sites fail
E5) chance agreement is perfect and kappa/alpha are 0/0. The report then shows the raw agreement
beside it, which is what such a criterion can honestly offer.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

from govlens.types import VerdictValue

if TYPE_CHECKING:
    from govlens.store import Store

MACHINE = "machine"
ALL = "all"  # code of the pooled row


def cohen_kappa(a: Sequence[str | None], b: Sequence[str | None]) -> float | None:
    """Cohen's kappa of two coders over the same items (position i of ``a`` and ``b`` is one item).

    Items where either coder gave no value (``None`` or "") are left out. Returns None when no item
    is left or when chance agreement is 1 (both coders used one and the same category throughout),
    where kappa is 0/0.
    """
    if len(a) != len(b):
        raise ValueError(f"cohen_kappa: {len(a)} values against {len(b)}; give one value per item for each coder")
    pairs = [(x, y) for x, y in zip(a, b, strict=True) if x not in (None, "") and y not in (None, "")]
    n = len(pairs)
    if not n:
        return None
    observed = sum(x == y for x, y in pairs) / n
    ca = Counter(x for x, _ in pairs)
    cb = Counter(y for _, y in pairs)
    expected = sum(ca[c] * cb[c] for c in ca) / (n * n)
    if expected >= 1.0:
        return None
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Sequence[Sequence[str | None]]) -> float | None:
    """Krippendorff's alpha for nominal data; ``units[u][c]`` is coder c's value for unit u.

    Missing values (``None`` or "") are allowed; units with fewer than two values cannot be paired
    and are left out, as the coefficient prescribes. Computed with the coincidence matrix:
    o_ck = sum over units of (number of c-k value pairs in the unit) / (m_u - 1), n_c its margins,
    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k. Returns None when fewer than two
    pairable values exist or only one category occurs (no variation: expected disagreement is 0).
    """
    o: dict[tuple[str, str], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v not in (None, "")]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, nc in counts.items():
            for k, nk in counts.items():
                # ordered pairs of distinct coders: c with c is nc*(nc-1), c with k is nc*nk
                pairs = nc * (nc - 1) if c == k else nc * nk
                if pairs:
                    o[(str(c), str(k))] += pairs / (m - 1)
    margins: dict[str, float] = defaultdict(float)
    for (c, _), v in o.items():
        margins[c] += v
    n = sum(margins.values())
    if n <= 1:
        return None
    observed = sum(v for (c, k), v in o.items() if c != k)
    cats = list(margins)
    expected = sum(margins[c] * margins[k] for c in cats for k in cats if c != k)
    if expected == 0:
        return None
    return 1.0 - (n - 1) * observed / expected


# --------------------------------------------------------------------------- reports


@dataclass
class PairAgreement:
    """Two coders on the items both gave a value to: ``n`` shared items, ``agree`` identical ones."""

    a: str
    b: str
    n: int
    agree: int
    kappa: float | None

    @property
    def percent(self) -> float | None:
        return self.agree / self.n if self.n else None

    def as_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "n": self.n, "agree": self.agree,
                "percent": _r(self.percent), "kappa": _r(self.kappa)}


@dataclass
class GroupAgreement:
    """One criterion (or all criteria pooled, ``code == "all"``): every pair, and alpha over all coders.

    ``units`` counts items with at least two values (the ones alpha can use), ``values`` the values
    in them; ``coded`` how many items each coder gave a value to.
    """

    code: str
    pairs: list[PairAgreement]
    alpha: float | None
    units: int
    values: int
    coded: dict[str, int] = field(default_factory=dict)

    def pair(self, a: str, b: str) -> PairAgreement | None:
        return next((p for p in self.pairs if {p.a, p.b} == {a, b}), None)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "alpha": _r(self.alpha), "units": self.units, "values": self.values,
                "coded": self.coded, "pairs": [p.as_dict() for p in self.pairs]}


@dataclass
class AgreementReport:
    coders: list[str]
    criteria: list[GroupAgreement]
    overall: GroupAgreement
    audit_id: int | None = None
    notes: list[str] = field(default_factory=list)

    def criterion(self, code: str) -> GroupAgreement | None:
        return next((g for g in self.criteria if g.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "audit_id": self.audit_id,
            "coders": self.coders,
            "missing": "no value, not coded, or needs_review (deferred) is missing, never a category",
            "overall": self.overall.as_dict(),
            "criteria": [g.as_dict() for g in self.criteria],
            "notes": self.notes,
        }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 4)


def _group(code: str, coders: list[str], cells: Mapping[str, Mapping[Hashable, str | None]],
           items: list[Hashable]) -> GroupAgreement:
    pairs = []
    for a, b in combinations(coders, 2):
        va = [cells[a].get(i) for i in items]
        vb = [cells[b].get(i) for i in items]
        shared = [(x, y) for x, y in zip(va, vb, strict=True) if x and y]
        pairs.append(PairAgreement(a, b, n=len(shared), agree=sum(x == y for x, y in shared),
                                   kappa=cohen_kappa(va, vb)))
    units = [[cells[c].get(i) for c in coders] for i in items]
    pairable = [u for u in units if sum(1 for v in u if v) >= 2]
    return GroupAgreement(
        code=code,
        pairs=pairs,
        alpha=krippendorff_alpha(units),
        units=len(pairable),
        values=sum(1 for u in pairable for v in u if v),
        coded={c: sum(1 for i in items if cells[c].get(i)) for c in coders},
    )


def agreement(
    ratings: Mapping[str, Mapping[tuple[str, str], str | None]],
    codes: Sequence[str] | None = None,
) -> AgreementReport:
    """Agreement per criterion and pooled, from ``ratings[coder][(unit, code)] = value``.

    ``unit`` is whatever is coded (a site); ``code`` groups items into criteria (kept in the order
    of ``codes``, else first seen). The pooled row treats every (unit, code) cell as one item.
    """
    coders = list(ratings)
    cells = {c: {k: (v or None) for k, v in ratings[c].items()} for c in coders}
    order: list[str] = list(codes or [])
    seen = set(order)
    by_code: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for c in coders:
        for item in cells[c]:
            if item[1] not in seen:
                if codes:
                    continue
                order.append(item[1])
                seen.add(item[1])
    all_items = sorted({i for c in coders for i in cells[c] if i[1] in seen}, key=lambda i: (order.index(i[1]), i[0]))
    for item in all_items:
        by_code[item[1]].append(item)
    groups = [_group(code, coders, cells, by_code.get(code, [])) for code in order]
    return AgreementReport(coders=coders, criteria=groups, overall=_group(ALL, coders, cells, list(all_items)))


def _machine_value(verdict: str) -> str | None:
    return None if verdict == VerdictValue.NEEDS_REVIEW else verdict


def agreement_report(store: Store, audit_id: int | None = None) -> AgreementReport:
    """Agreement of an audit's reviewers with each other and with the machine.

    Each reviewer counts with their own latest verdict per cell (a reviewer who changed their mind
    is not two coders); the machine with the verdicts as saved (``load_audit(apply_reviews=False)``)
    where ``needs_review`` counts as no value. An audit coded entirely by hand has no machine coder.
    """
    machine = store.load_audit(audit_id, apply_reviews=False)
    audit_id = machine.audit_id
    assert audit_id is not None
    codes: list[str] = []
    for s in machine.sites:
        for c in s.verdicts:
            if c not in codes:
                codes.append(c)
    ratings: dict[str, dict[tuple[str, str], str | None]] = {}
    notes: list[str] = []
    hand_coded = bool(store.audit_meta(audit_id).get("hand_coded"))
    if hand_coded:
        notes.append("hand-coded audit (no crawl): there are no machine verdicts, only reviewers are compared")
    else:
        ratings[MACHINE] = {
            (s.site_id, code): _machine_value(v.verdict) for s in machine.sites for code, v in s.verdicts.items()
        }
    for r in store.reviews(audit_id):  # oldest first: a reviewer's later verdict replaces the earlier
        name = f"{r.reviewer} (reviewer)" if r.reviewer == MACHINE else r.reviewer  # never merged with the machine
        ratings.setdefault(name, {})[(r.site_id, r.code)] = _machine_value(r.verdict)
    if len(ratings) < 2:
        notes.append(f"{len(ratings)} coder(s) ({', '.join(ratings) or 'none'}): agreement needs at least two")
    report = agreement(ratings, codes)
    report.audit_id = audit_id
    report.notes = notes
    return report


# --------------------------------------------------------------------------- output


def to_json(report: AgreementReport, indent: int = 2) -> str:
    return json.dumps(report.as_dict(), indent=indent, ensure_ascii=False)


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:.{digits}f}"


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f}%"


def render(report: AgreementReport, console: Any = None) -> None:
    """Terminal tables: pooled figures, then one row per criterion with each pair's kappa (n)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console()
    pair_names = [f"{a} × {b}" for a, b in combinations(report.coders, 2)]
    head = f"audit #{report.audit_id}: " if report.audit_id is not None else ""
    t = Table(title=f"{head}agreement between coders (Cohen's kappa per pair, Krippendorff's alpha over all; "
                    "needs_review = no value)")
    t.add_column("criterion")
    t.add_column("alpha", justify="right")
    t.add_column("units", justify="right")
    for name in pair_names:
        t.add_column(Text(f"κ {name} (n, agree)"), justify="right")
    rows = [*report.criteria, report.overall]
    for g in rows:
        cells = [Text(f"{_fmt(p.kappa)} ({p.n}, {_pct(p.percent)})") for p in g.pairs]
        t.add_row(Text(g.code), Text(_fmt(g.alpha)), Text(str(g.units)), *cells,
                  end_section=g is report.criteria[-1] if report.criteria else False)
    console.print(t)
    coded = ", ".join(f"{c}: {n}" for c, n in report.overall.coded.items())
    console.print(Text(f"cells with a value per coder: {coded or 'none'}; '–' = undefined (no shared items, "
                       "or a single category everywhere)"))
    for note in report.notes:
        console.print(Text(f"! {note}", style="yellow"))
