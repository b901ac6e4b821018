"""The terminal view of an :class:`AuditDiff` (rich): one block per changed site, nothing for a
site that did not change, so "nothing else changed" is visible as silence."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from govlens.diff.core import AuditDiff, SiteDiff


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def _fresh(f: dict[str, Any] | None) -> str:
    if not f:
        return "none found"
    return f"{f.get('date', '')} ({f.get('kind', '')}: {f.get('url', '')})"


def site_lines(d: SiteDiff, model_labels: dict[str, str] | None = None) -> list[str]:
    labels = model_labels or {}
    out: list[str] = []
    if d.only_in:
        out.append(f"only in audit {'A' if d.only_in == 'a' else 'B'}")
    if d.status_changed and not d.only_in:
        out.append(f"scan status: {d.status_before} -> {d.status_after}")
    if d.gained:
        out.append(f"criteria gained: {', '.join(d.gained)}")
    if d.lost:
        out.append(f"criteria lost: {', '.join(d.lost)}")
    for s in d.scores:
        delta = "" if s.delta is None else f" ({s.delta * 100:+.1f} pts)"
        out.append(f"score {labels.get(s.model, s.model)}: {_pct(s.before)} -> {_pct(s.after)}{delta}")
    for name, items in (("page added", d.pages_added), ("page removed", d.pages_removed),
                        ("document added", d.documents_added), ("document removed", d.documents_removed),
                        ("service added", d.services_added), ("service removed", d.services_removed)):
        out += [f"{name}: {u}" for u in items]
    broken, repaired = ("service broken", "service repaired") if d.services_source == "services" else (
        "link broken", "link no longer broken")
    out += [f"{broken}: {u}" for u in d.services_broken]
    out += [f"{repaired}: {u}" for u in d.services_repaired]
    if d.freshness_changed:
        out.append(f"freshness: {_fresh(d.freshness_before)} -> {_fresh(d.freshness_after)}")
    return out


def render_diff(diff: AuditDiff, console: Console, model_labels: dict[str, str] | None = None) -> None:
    console.print(f"[bold]audit #{diff.a}[/] ({escape(diff.a_started)} {escape(diff.a_label)}) -> "
                  f"[bold]audit #{diff.b}[/] ({escape(diff.b_started)} {escape(diff.b_label)})")
    changed = diff.changed_sites
    console.print(f"{len(changed)} of {len(diff.sites)} sites changed")
    for d in changed:
        console.print(f"\n[bold]{escape(d.site_id)}[/] {escape(d.organisation)}")
        for line in site_lines(d, model_labels):
            console.print(f"  {escape(line)}", highlight=False, soft_wrap=True)
