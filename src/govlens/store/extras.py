"""Store queries beside the audit proper: site freshness, scores over time, availability.

Kept out of ``store.py`` so the audit's own save/load code stays as it is; :class:`Store` calls
these with its connection. Everything here is aggregated in SQL (one row per target or per audit),
so a database holding months of ``govlens watch`` checks is never read into memory whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, insert, select
from sqlalchemy.engine import Connection

from govlens.store.models import (
    AuditRow,
    CheckRow,
    SiteFreshnessRow,
    TargetStateRow,
    WatchEventRow,
)
from govlens.types import AuditResult, SiteAssessment

A = AuditRow.__table__
F = SiteFreshnessRow.__table__
C = CheckRow.__table__
TS = TargetStateRow.__table__
W = WatchEventRow.__table__

HISTORY_LIMIT = 50  # audits shown in "scores over time": a chart of more points is unreadable


def iso(dt: datetime | None) -> str:
    """UTC ISO 8601 with a ``Z``; SQLite returns naive datetimes, which are UTC here."""
    if dt is None:
        return ""
    from datetime import UTC

    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------------------------- freshness


def save_freshness(conn: Connection, audit_id: int, sites: Iterable[SiteAssessment]) -> None:
    rows = [
        {
            "audit_id": audit_id,
            "site_id": s.site_id,
            "date": str(s.freshness.get("date", ""))[:10],
            "precision": str(s.freshness.get("precision", "day")),
            "kind": str(s.freshness.get("kind", "")),
            "url": str(s.freshness.get("url", "")),
        }
        for s in sites
        if s.freshness and s.freshness.get("date")
    ]
    if rows:
        conn.execute(insert(F), rows)


def load_freshness(conn: Connection, audit_id: int) -> dict[str, dict[str, Any]]:
    q = select(F).where(F.c.audit_id == audit_id)
    return {
        r.site_id: {"date": r.date, "precision": r.precision, "kind": r.kind, "url": r.url}
        for r in conn.execute(q)
    }


# ---------------------------------------------------------------------------------- history


def score_history(conn: Connection, portfolio: str, until: datetime | None = None) -> list[dict[str, Any]]:
    """Mean score per model of each audit of a portfolio, oldest first (up to ``until``).

    Read from each audit's saved summary, i.e. the machine's table at audit time: a review made
    later on an old audit is not reflected until that audit is loaded (and re-reported).
    """
    q = select(A.c.id, A.c.label, A.c.started, A.c.summary).where(A.c.portfolio == portfolio)
    if until is not None:
        q = q.where(A.c.started <= until)
    q = q.order_by(A.c.started.desc(), A.c.id.desc()).limit(HISTORY_LIMIT)
    out = []
    for r in conn.execute(q):
        means = {
            str(m.get("id")): m.get("mean")
            for m in (r.summary or {}).get("models") or []
            if isinstance(m, dict) and m.get("id")
        }
        out.append({"audit_id": r.id, "label": r.label, "started": iso(r.started), "means": means})
    return out[::-1]


# ---------------------------------------------------------------------------------- availability


def availability(
    conn: Connection, portfolio: str | None = None, start: datetime | None = None
) -> list[dict[str, Any]]:
    """Per watched target: uptime over the window, confirmed state, since, last outage.

    Uptime is the share of checks in the window whose own state was ``up`` (checks come at a
    fixed interval, so this is also the share of time). ``degraded`` counts as not up.
    """
    agg = select(
        C.c.target,
        func.count().label("n"),
        func.sum(case((C.c.state == "up", 1), else_=0)).label("up"),
        func.min(C.c.checked_at).label("first"),
        func.max(C.c.checked_at).label("last"),
    ).group_by(C.c.target)
    if start is not None:
        agg = agg.where(C.c.checked_at >= start)
    sub = agg.subquery()
    q = select(TS, sub.c.n, sub.c.up, sub.c.first, sub.c.last).outerjoin(sub, sub.c.target == TS.c.target)
    if portfolio is not None:
        q = q.where(TS.c.portfolio == portfolio)
    q = q.order_by(TS.c.organisation, TS.c.kind.desc(), TS.c.target)
    rows = []
    for r in conn.execute(q):
        n = int(r.n or 0)
        rows.append(
            {
                "target": r.target,
                "organisation": r.organisation,
                "kind": r.kind,
                "state": r.state,
                "since": iso(r.since),
                "last_checked": iso(r.last_checked),
                "last_state": r.last_state,
                "checks": n,
                "up_checks": int(r.up or 0),
                "uptime": (int(r.up or 0) / n) if n else None,
                "window_start": iso(r.first),
                "window_end": iso(r.last),
                "last_outage": None,
            }
        )
    if not rows:
        return rows
    # the latest outage per target: the latest event that left 'up' and, if any, the return to up
    by_target = {row["target"]: row for row in rows}
    ev = select(W).order_by(W.c.target, W.c.changed_at, W.c.id)
    if portfolio is not None:
        ev = ev.where(W.c.target.in_(select(TS.c.target).where(TS.c.portfolio == portfolio)))
    for e in conn.execute(ev):
        row = by_target.get(e.target)
        if row is None:
            continue
        if e.new_state in ("down", "degraded") and e.old_state in ("up", "unknown"):
            row["last_outage"] = {"state": e.new_state, "since": iso(e.since), "ended": None, "seconds": None}
        elif e.new_state == "up" and row["last_outage"] is not None and row["last_outage"]["ended"] is None:
            row["last_outage"]["ended"] = iso(e.since)
            if e.previous_since is not None:
                row["last_outage"]["seconds"] = (_aware(e.since) - _aware(e.previous_since)).total_seconds()
    return rows


def _aware(dt: datetime) -> datetime:
    from datetime import UTC

    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def report_extras(conn: Connection, audit: AuditResult, started: datetime | None) -> dict[str, Any]:
    """What a report of ``audit`` can show from the rest of the database."""
    extras: dict[str, Any] = {}
    history = score_history(conn, audit.portfolio.name, until=started)
    if len(history) >= 2:
        extras["history"] = history
    avail = availability(conn, audit.portfolio.name)
    if any(r["checks"] for r in avail):
        extras["availability"] = avail
    return extras
