"""Charts for the HTML report, specified with altair and rendered offline.

Two renderings of the same Vega-Lite specs:

* ``svg`` (default): vl-convert renders each chart to an SVG string that is placed in the page.
  No JavaScript, a few tens of KB per chart, and the file prints and archives well.
* ``vega``: the specs are embedded as JSON and drawn in the browser (tooltips, zoom) by one inline
  copy of the Vega/Vega-Lite/vega-embed bundle from vl-convert (~0.9 MB once, instead of ~0.9 MB
  per chart with ``to_html(inline=True)``). Nothing is ever loaded from a CDN.
"""

from __future__ import annotations

import re
from typing import Any

import altair as alt

from govlens.report.data import ReportData
from govlens.report.i18n import t, verdict_label

MAX_HEATMAP_SITES = 300  # above this the heat map is unreadable and its SVG grows past a few MB
VERDICT_COLOURS = {"met": "#2e7d32", "needs_review": "#f9a825", "not_met": "#c62828", "": "#bdbdbd"}


def fulfilment_chart(data: ReportData) -> alt.Chart:
    lang = data.lang
    rows = [
        {
            "code": st.code,
            "label": st.label,
            "model": next((m.label for m in data.models if m.id == st.model), st.model),
            "share": st.share,
            "met": st.met,
            "assessed": st.assessed,
        }
        for st in data.criterion_stats
    ]
    order = [st.code for st in data.criterion_stats]
    return (
        alt.Chart(alt.Data(values=rows), title=t("fulfilment", lang))
        .mark_bar()
        .encode(
            x=alt.X("code:N", sort=order, title=t("criterion", lang)),
            y=alt.Y(
                "share:Q",
                title=t("fulfilment_share", lang),
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("model:N", title=t("model", lang), sort=[m.label for m in data.models]),
            tooltip=["code:N", "label:N", "met:Q", "assessed:Q", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=max(300, 22 * len(rows)), height=240)
    )


def heatmap_chart(data: ReportData) -> alt.Chart | None:
    lang = data.lang
    if not data.sites or len(data.sites) > MAX_HEATMAP_SITES:
        return None
    rows = []
    for view in data.sites:
        name = view.site.short or view.site.site_id
        for c in data.criteria:
            v = view.verdict(c.code)
            key = v.verdict if v else ""
            rows.append(
                {"site": name, "code": c.code, "verdict": verdict_label(key or None, lang), "key": key}
            )
    keys = ["met", "needs_review", "not_met", ""]
    return (
        alt.Chart(alt.Data(values=rows), title=t("heatmap", lang))
        .mark_rect(stroke="white", strokeWidth=1)
        .encode(
            x=alt.X("code:N", sort=[c.code for c in data.criteria], title=t("criterion", lang)),
            y=alt.Y("site:N", sort=None, title=t("site", lang)),
            color=alt.Color(
                "verdict:N",
                title=t("verdict", lang),
                scale=alt.Scale(
                    domain=[verdict_label(k or None, lang) for k in keys],
                    range=[VERDICT_COLOURS[k] for k in keys],
                ),
            ),
            tooltip=["site:N", "code:N", "verdict:N"],
        )
        .properties(width=max(300, 18 * len(data.criteria)), height=max(120, 16 * len(data.sites)))
    )


def channels_chart(data: ReportData) -> alt.LayerChart | None:
    lang = data.lang
    if not data.channel_stats:
        return None
    kinds = [t("declared_of_orgs", lang), t("found_of_assessed", lang)]
    rows = []
    for ch in data.channel_stats:
        for kind, n, of in ((kinds[0], ch.declared, ch.declared_of), (kinds[1], ch.found, ch.found_of)):
            if n is not None:
                rows.append({"platform": ch.platform, "kind": kind, "count": n, "label": f"{n}/{of}"})
    base = alt.Chart(alt.Data(values=rows), title=t("channels", lang)).encode(
        y=alt.Y("platform:N", sort=[c.platform for c in data.channel_stats], title=t("platform", lang)),
        yOffset=alt.YOffset("kind:N", sort=kinds),
        x=alt.X("count:Q", axis=alt.Axis(format="d", tickMinStep=1), title=t("count", lang)),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "kind:N", title="", sort=kinds, scale=alt.Scale(domain=kinds, range=["#4472c4", "#ed7d31"])
        ),
        tooltip=["platform:N", "kind:N", "label:N"],
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="label:N")
    return (bars + text).properties(width=420, height=max(80, 36 * len(data.channel_stats)))


def chart_specs(data: ReportData) -> list[tuple[str, dict[str, Any] | None]]:
    """(key, Vega-Lite spec or None) for each chart of the report, in page order."""
    out: list[tuple[str, dict[str, Any] | None]] = []
    for key, chart in (
        ("fulfilment", fulfilment_chart(data)),
        ("heatmap", heatmap_chart(data)),
        ("channels", channels_chart(data)),
    ):
        out.append((key, chart.to_dict() if chart is not None else None))
    return out


_SCRIPT = re.compile(r"<script\b.*?</script\s*>", re.I | re.S)
_ON_ATTR = re.compile(r"\son[a-z]+\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)


def to_svg(spec: dict[str, Any]) -> str:
    """Render a spec to SVG for inlining. Vega escapes text it draws; scripts and event-handler
    attributes are stripped anyway, since the SVG goes into the page without further escaping."""
    import vl_convert as vlc

    svg = vlc.vegalite_to_svg(spec)
    svg = _SCRIPT.sub("", svg)
    return _ON_ATTR.sub("", svg)


def vega_bundle() -> str:
    """The Vega + Vega-Lite + vega-embed JavaScript, once, to inline in a <script> element."""
    import vl_convert as vlc

    return vlc.javascript_bundle().replace("</script", "<\\/script")
