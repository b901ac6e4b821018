"""The confirmation rule: when does a target's state change? (pure; no I/O)

- a check is ``up`` (final answer < 400), ``degraded`` (4xx, 429, a redirect loop, or slower than
  ``slow_ms``) or ``down`` (no HTTP answer: DNS, connect, TLS, timeout, reset; or 5xx);
- ``up`` is declared on the first up check: one good answer proves the target answers;
- ``down``/``degraded`` is declared after ``confirm`` consecutive checks in that same state
  (default 2), so one lost packet does not page anyone;
- ``since`` is the time of the FIRST check of the streak that was confirmed: "down since
  <first failing check>", even though it was declared one interval later;
- the first confirmed state of a new target is a change from ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

STATES = ("up", "degraded", "down")


@dataclass
class TargetState:
    target: str
    portfolio: str = ""
    organisation: str = ""
    kind: str = "site"
    state: str = "unknown"  # confirmed state
    since: datetime | None = None
    last_change: datetime | None = None
    last_checked: datetime | None = None
    last_state: str = ""  # raw state of the latest check
    streak: int = 0  # consecutive checks in last_state
    streak_since: datetime | None = None


@dataclass
class Change:
    target: str
    organisation: str
    old_state: str
    new_state: str
    since: datetime  # first check in the new state
    changed_at: datetime  # the check that confirmed it
    previous_since: datetime | None  # since of the state left (outage start when coming back up)

    @property
    def seconds_in_previous(self) -> float | None:
        if self.previous_since is None:
            return None
        return (self.since - self.previous_since).total_seconds()


def advance(st: TargetState, check_state: str, checked_at: datetime, confirm: int = 2) -> Change | None:
    """Apply one check to a target's state; return the change it confirms, if any."""
    if check_state == st.last_state:
        st.streak += 1
    else:
        st.last_state, st.streak, st.streak_since = check_state, 1, checked_at
    st.last_checked = checked_at
    need = 1 if check_state == "up" else confirm
    if check_state == st.state or st.streak < need:
        return None
    assert st.streak_since is not None
    change = Change(
        target=st.target, organisation=st.organisation, old_state=st.state, new_state=check_state,
        since=st.streak_since, changed_at=checked_at, previous_since=st.since,
    )
    st.state, st.since, st.last_change = check_state, st.streak_since, checked_at
    return change
