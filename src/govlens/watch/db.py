"""The watch's tables through the audit Store's engine: one transaction per round.

Rows are written as each round ends and nothing is kept after that except one TargetState per
target, so memory does not grow with the number of rounds. The ``target_state`` rows are the
resume point: a restarted watch loads them and keeps its "since" times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update

from govlens.store.models import CheckRow, TargetStateRow, WatchEventRow
from govlens.watch.check import CheckResult
from govlens.watch.state import Change, TargetState
from govlens.watch.targets import Target

C = CheckRow.__table__
TS = TargetStateRow.__table__
W = WatchEventRow.__table__

STATE_FIELDS = ("state", "since", "last_change", "last_checked", "last_state", "streak", "streak_since")


def _aware(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


class WatchDB:
    def __init__(self, store: Any) -> None:
        self.store = store
        store._ensure()  # create_all: new tables appear in an existing audit database too
        self.engine = store.engine

    def load_states(self, targets: Sequence[Target], portfolio: str) -> dict[str, TargetState]:
        urls = [t.url for t in targets]
        found: dict[str, TargetState] = {}
        with self.engine.connect() as conn:
            for i in range(0, len(urls), 500):
                for r in conn.execute(select(TS).where(TS.c.target.in_(urls[i : i + 500]))):
                    found[r.target] = TargetState(
                        target=r.target, portfolio=r.portfolio, organisation=r.organisation, kind=r.kind,
                        state=r.state, since=_aware(r.since), last_change=_aware(r.last_change),
                        last_checked=_aware(r.last_checked), last_state=r.last_state, streak=r.streak,
                        streak_since=_aware(r.streak_since),
                    )
        out = {}
        for t in targets:
            st = found.get(t.url) or TargetState(target=t.url)
            st.portfolio, st.organisation, st.kind = portfolio, t.organisation, t.kind
            out[t.url] = st
        return out

    def save_round(
        self, checks: Iterable[CheckResult], states: Iterable[TargetState], changes: Sequence[Change]
    ) -> list[int]:
        """Checks, new target states and events in one transaction; returns the event ids."""
        rows = [
            {
                "target": c.target, "checked_at": c.checked_at, "state": c.state, "status": c.status,
                "error": c.error, "latency_ms": round(c.latency_ms, 2), "final_url": c.final_url,
                "detail": c.detail[:1000], "record_id": c.record_id, "warc_file": c.warc_file,
            }
            for c in checks
        ]
        ids: list[int] = []
        with self.engine.begin() as conn:
            if rows:
                conn.execute(insert(C), rows)
            for st in states:
                values = {f: getattr(st, f) for f in STATE_FIELDS}
                values.update(portfolio=st.portfolio, organisation=st.organisation, kind=st.kind)
                done = conn.execute(update(TS).where(TS.c.target == st.target).values(**values))
                if not done.rowcount:
                    conn.execute(insert(TS).values(target=st.target, **values))
            for ch in changes:
                ids.append(
                    conn.execute(
                        insert(W).returning(W.c.id),
                        {
                            "target": ch.target, "old_state": ch.old_state, "new_state": ch.new_state,
                            "since": ch.since, "changed_at": ch.changed_at, "previous_since": ch.previous_since,
                            "notified": "",
                        },
                    ).scalar_one()
                )
        return ids

    def mark_notified(self, event_id: int, outcome: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(W).where(W.c.id == event_id).values(notified=outcome))

    def events(self, target: str | None = None) -> list[dict[str, Any]]:
        q = select(W).order_by(W.c.changed_at, W.c.id)
        if target is not None:
            q = q.where(W.c.target == target)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def checks(self, target: str | None = None, limit: int = 10_000) -> list[dict[str, Any]]:
        q = select(C).order_by(C.c.checked_at, C.c.id).limit(limit)
        if target is not None:
            q = q.where(C.c.target == target)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]
