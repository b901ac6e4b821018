"""Optional report sections fed from the rest of the database: scores over time and availability.

The store puts them on ``AuditResult.extras`` when it loads an audit (``history`` when the
portfolio has two or more audits, ``availability`` when ``govlens watch`` checks exist); a report
of an audit built in memory has neither and shows neither. ``evaluation`` (the verdicts measured
against human labels) is put there by ``govlens report`` from the run folder's ``evaluation.json``,
which ``govlens evaluate`` saves; it is shown as saved, so the labels need not be at hand. Each section is its own template
partial under ``templates/sections/`` and is rendered here, so adding one touches no existing
template beyond the single loop that places them.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from govlens.report.data import ReportData, pct

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b")
TITLES = {
    "history": {"en": "Scores over time", "id": "Skor dari waktu ke waktu"},
    "availability": {"en": "Availability", "id": "Ketersediaan"},
}


def _env() -> Environment:
    env = Environment(loader=PackageLoader("govlens.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = pct
    return env


def history_svg(history: list[dict[str, Any]], models: list[tuple[str, str]]) -> Markup:
    """A hand-made line chart (one line per model mean, 0–100 %): a few KB, no script, no renderer."""
    w, h, left, right, top, bottom = 600, 200, 40, 190, 10, 30
    n = len(history)
    pw, ph = w - left - right, h - top - bottom

    def x(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph * (1 - v)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" role="img" '
             f'aria-label="mean score per model over audits" font-family="sans-serif" font-size="11">']
    for v in (0, 0.25, 0.5, 0.75, 1):
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{int(v * 100)}%</text>')
    for i, row in enumerate(history):
        parts.append(f'<text x="{x(i):.1f}" y="{h - 12}" text-anchor="middle">#{int(row["audit_id"])}</text>')
    for k, (mid, label) in enumerate(models):
        colour = COLOURS[k % len(COLOURS)]
        pts = [(x(i), y(float(r["means"][mid]))) for i, r in enumerate(history)
               if isinstance(r["means"].get(mid), int | float)]
        if not pts:
            continue
        if len(pts) > 1:
            d = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{d}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>' for px, py in pts]
        ly = top + 14 * k + 8
        parts.append(f'<rect x="{left + pw + 10}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + pw + 24}" y="{ly + 1}">{Markup.escape(label[:28])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def render_sections(data: ReportData) -> list[Markup]:
    extras = getattr(data.audit, "extras", None) or {}
    lang = data.lang if data.lang in ("en", "id") else "en"
    out: list[Markup] = []
    env = None
    history = extras.get("history") or []
    if len(history) >= 2:
        env = env or _env()
        models = [(m.id, m.label) for m in data.models if m.scored]
        models = [(mid, label) for mid, label in models if any(r["means"].get(mid) is not None for r in history)]
        out.append(Markup(env.get_template("sections/history.html.j2").render(
            title=TITLES["history"][lang], history=history, models=models, current=data.audit.audit_id,
            svg=history_svg(history, models))))
    avail = [r for r in extras.get("availability") or [] if r.get("checks")]
    if avail:
        from govlens.watch.report import state_text

        env = env or _env()
        out.append(Markup(env.get_template("sections/availability.html.j2").render(
            title=TITLES["availability"][lang], rows=avail, text=state_text)))
    evaluation = extras.get("evaluation")
    if isinstance(evaluation, dict) and evaluation.get("criteria"):
        from govlens.evaluate.html import render_section

        out.append(render_section(evaluation, lang))
    return out
