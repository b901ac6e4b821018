"""Self-contained HTML report: one file, no network, safe with hostile page text.

Every string that came from a crawled site (snippets, titles, URLs, reasons quoting a page) is
hostile: the template is rendered with autoescape on, and links are only made for http(s) URLs so
a ``javascript:`` address found on a page cannot become a clickable script. Charts are inline SVG
or, in ``vega`` mode, drawn from one inline copy of the Vega bundle (see ``charts``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from govlens import __version__
from govlens.report import charts, sections
from govlens.report.data import ReportData, extreme_text, pct, score_text, share_text
from govlens.report.i18n import scan_label, t, verdict_label


def safe_href(url: str | None) -> str:
    """The URL if it is a plain web address, else "" (the template then shows it as text only)."""
    if not url:
        return ""
    u = url.strip()
    return u if u.lower().startswith(("http://", "https://")) else ""


def _script_json(obj: Any) -> Markup:
    """JSON for a <script type="application/json"> element: '<', '>' and '&' are escaped as
    \\u sequences so no string in a spec can close the element."""
    text = json.dumps(obj, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("govlens.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    env.filters["pct"] = pct
    return env


def render_html(data: ReportData, chart_mode: str = "svg") -> str:
    if chart_mode not in ("svg", "vega", "none"):
        raise ValueError(f"chart_mode must be svg, vega or none, not {chart_mode!r}")
    lang = data.lang
    figures: list[dict[str, Any]] = []
    if chart_mode != "none":
        for key, spec in charts.chart_specs(data):
            if spec is None:
                continue
            fig: dict[str, Any] = {"key": key}
            if chart_mode == "svg":
                fig["svg"] = Markup(charts.to_svg(spec))
            else:
                fig["spec"] = _script_json(spec)
            figures.append(fig)
    heatmap_note = (
        t("heatmap_skipped", lang, n=charts.MAX_HEATMAP_SITES)
        if len(data.sites) > charts.MAX_HEATMAP_SITES
        else ""
    )
    template = _env().get_template("report.html.j2")
    return template.render(
        d=data,
        a=data.audit,
        lang=lang,
        T=lambda key, **kw: t(key, lang, **kw),
        scan_label=lambda s: scan_label(s, lang),
        verdict_label=lambda v: verdict_label(v, lang),
        score_text=score_text,
        sv=data.summary_view,
        share_text=share_text,
        extreme_text=lambda e: extreme_text(e, lang),
        figures=figures,
        heatmap_note=heatmap_note,
        bundle=Markup(charts.vega_bundle()) if chart_mode == "vega" and figures else "",
        version=__version__,
        model_labels={m.id: m.label for m in data.models},
        extra_sections=[*_services_section(data), *sections.render_sections(data)],
    )


def write_html(data: ReportData, out_dir: Path, chart_mode: str = "svg") -> Path:
    path = out_dir / "report.html"
    path.write_text(render_html(data, chart_mode), encoding="utf-8")
    return path


def _services_section(data: ReportData) -> list[Markup]:
    """The online-service inventory and portal integration (govlens.report.services), if any."""
    from govlens.report.services import render_section

    html = render_section(data)
    return [Markup(html)] if html else []
