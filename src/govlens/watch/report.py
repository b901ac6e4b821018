"""``govlens watch-report``: per target, uptime over the window, current state, down since /
came back. Aggregated in SQL (``govlens.store.extras.availability``), so months of checks cost
one query, not a list in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from govlens.store.extras import availability


def watch_report(store: Any, portfolio: str | None = None, hours: float | None = None) -> list[dict[str, Any]]:
    store._ensure()
    start = datetime.now(UTC) - timedelta(hours=hours) if hours else None
    with store.engine.connect() as conn:
        rows = availability(conn, portfolio, start)
    for r in rows:
        r["text"] = state_text(r)
    return rows


def when(iso_text: str) -> str:
    """ "2022-11-17 11:14:05 UTC" from an ISO time: minutes are what people quote, seconds
    matter for short outages."""
    if not iso_text:
        return ""
    dt = datetime.fromisoformat(iso_text.replace("Z", "+00:00")).astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    s = round(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    parts = [f"{d}d"] * bool(d) + [f"{h}h"] * bool(h) + [f"{m}m"] * bool(m)
    if not d and not h and not m and seconds < 10:
        return f"{seconds:.1f}s"  # loopback tests and flapping links: tenths matter
    if not d and not h:
        parts.append(f"{s}s")
    return " ".join(parts)


def state_text(row: dict[str, Any]) -> str:
    """ "down since 2022-11-17 11:14:05 UTC" or "up; back up at ... after 3m 12s"."""
    state, since = row.get("state", "unknown"), row.get("since", "")
    if state in ("down", "degraded"):
        return f"{state} since {when(since)}"
    out = row.get("last_outage")
    if state == "up" and out and out.get("ended"):
        return (f"up; {out.get('state', 'down')} since {when(out['since'])}, back up at "
                f"{when(out['ended'])} after {duration(out.get('seconds'))}")
    if state == "up":
        return f"up since {when(since)}"
    return "unknown (not confirmed yet)"


def render_watch_report(rows: list[dict[str, Any]], console: Console) -> None:
    t = Table("organisation", "kind", "target", "uptime", "checks", "state", title="Availability")
    for r in rows:
        up = "" if r["uptime"] is None else f"{r['uptime'] * 100:.1f}%"
        style = {"down": "bold red", "degraded": "yellow", "up": "green"}.get(r["state"], "")
        t.add_row(escape(r["organisation"]), r["kind"], escape(r["target"]), up, str(r["checks"]),
                  f"[{style}]{escape(r['text'])}[/]" if style else escape(r["text"]))
    console.print(t)
    if rows:
        first = min((r["window_start"] for r in rows if r["window_start"]), default="")
        last = max((r["window_end"] for r in rows if r["window_end"]), default="")
        console.print(f"window: {when(first)} – {when(last)}; uptime = share of checks answered "
                      "below HTTP 400 (degraded counts as not up)")
