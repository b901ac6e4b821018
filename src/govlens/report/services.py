"""The service inventory and the integration with the main portal, laid out for the reports.

Tables (per-site services, broken ones first; the per-organisation integration table) are shared
by HTML, Markdown and XLSX so they agree. The integration picture is a hand-drawn inline SVG
(portal → sites → services, coloured by health): a layered graph is not a chart vl-convert draws
well, and the SVG needs no script and no external resource. Every label in it is escaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from govlens.report.data import ReportData
from govlens.report.i18n import t
from govlens.types import Service, ServiceHealth, SiteAssessment

GROUP_COLOURS = {"ok": "#2e7d32", "broken": "#c62828", "unknown": "#f9a825"}
_GROUP_ORDER = {"broken": 0, "unknown": 1, "ok": 2}
MAX_GRAPH_SERVICES = 150  # beyond this the picture is unreadable; the table still has every row


def group(health: str) -> str:
    try:
        return ServiceHealth(health).group
    except ValueError:
        return "unknown"


def health_label(health: str, lang: str) -> str:
    return t(f"health_{health}", lang)


def kind_label(kind: str, lang: str) -> str:
    return t(f"svc_kind_{kind}", lang)


def provider_kind_label(pk: str, lang: str) -> str:
    return t(f"provider_{pk}", lang)


def sorted_services(site: SiteAssessment) -> list[Service]:
    """Broken first, then those we could not judge, then working ones; menu order within each."""
    items = list(site.services or [])
    return sorted(items, key=lambda s: (_GROUP_ORDER.get(group(s.health), 1), items.index(s)))


def service_dict(s: Service) -> dict[str, Any]:
    """A service as results.json writes it (the dataclass plus its health group)."""
    return {
        "name": s.name,
        "url": s.url,
        "kind": s.kind,
        "provider_kind": s.provider_kind,
        "provider": s.provider,
        "provider_org": s.provider_org,
        "health": s.health,
        "health_group": group(s.health),
        "health_detail": s.health_detail,
        "found_on": s.found_on,
        "menu_path": list(s.menu_path),
        "region": s.region,
        "final_url": s.final_url,
        "status": s.status,
        "record_id": s.record_id,
        "source": s.source,
    }


def services_table(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """Every site's services as text cells: the XLSX "Services" sheet and the Markdown table."""
    lang = data.lang
    header = [
        t(k, lang)
        for k in ("site", "service", "svc_kind", "provider_kind", "provider", "health", "health_detail",
                  "menu_path", "url", "found_on")
    ]  # fmt: skip
    rows = []
    for view in data.sites:
        s = view.site
        for svc in sorted_services(s):
            rows.append(
                [
                    s.short or s.site_id,
                    svc.name,
                    kind_label(svc.kind, lang),
                    provider_kind_label(svc.provider_kind, lang),
                    svc.provider,
                    health_label(svc.health, lang),
                    svc.health_detail,
                    " › ".join(svc.menu_path),
                    svc.url,
                    svc.found_on,
                ]
            )
    return header, rows


def integration(data: ReportData) -> dict[str, Any] | None:
    value = data.summary.get("integration") if isinstance(data.summary, dict) else None
    return value if isinstance(value, dict) and value.get("portal") else None


def _clicks(lo: Any, hi: Any) -> str:
    if lo is None:
        return ""
    return str(lo) if lo == hi else f"{lo}–{hi}"


def integration_table(data: ReportData) -> tuple[list[str], list[list[str]]]:
    """Per organisation: services, on the portal (clicks), only on its own site, unreachable, broken."""
    lang = data.lang
    integ = integration(data) or {}
    header = [
        t(k, lang)
        for k in ("organisation", "scan_status", "site_clicks", "services_n", "on_portal", "portal_clicks",
                  "own_site_only", "unreachable_n", "broken_n")
    ]  # fmt: skip
    rows = []
    for o in integ.get("organisations") or []:
        rows.append(
            [
                o.get("short") or o.get("name", ""),
                str(o.get("scan_status", "")),
                "" if o.get("site_clicks") is None else str(o["site_clicks"]),
                str(o.get("services", 0)) if o.get("inventoried") or o.get("services") else "–",
                str(o.get("on_portal", 0)),
                _clicks(o.get("portal_clicks_min"), o.get("portal_clicks_max")),
                str(o.get("own_site_only", 0)),
                str(o.get("unreachable", 0) + o.get("other_site_only", 0)),
                str(o.get("broken", 0)),
            ]
        )
    return header, rows


def portal_figures(data: ReportData) -> list[tuple[str, str]]:
    """The study's figures: services on the portal, by the city's organisations vs outside."""
    lang = data.lang
    integ = integration(data)
    if not integ:
        return []
    p, tot = integ["portal"], integ.get("totals", {})
    out = [
        (t("portal_services", lang), str(p.get("services", 0))),
        (t("portal_by_portfolio", lang), f"{p.get('by_portfolio', 0)} ({p.get('by_portal_org', 0)} "
                                         f"{t('portal_own', lang)}, {p.get('by_other_orgs', 0)} "
                                         f"{t('portal_other_orgs', lang)})"),
        (t("portal_by_outside", lang), f"{p.get('by_outside', 0)}: {', '.join(p.get('outside_providers') or [])}"),
        (t("portal_broken", lang), str(p.get("broken", 0))),
        (t("portal_unknown", lang), str(p.get("could_not_judge", 0))),
        (t("services_total", lang), str(tot.get("services", 0))),
        (t("services_broken", lang), str(tot.get("broken", 0))),
        (t("services_not_on_portal", lang), str(tot.get("services", 0) - tot.get("on_portal", 0))),
    ]  # fmt: skip
    if p.get("by_unknown"):
        out.insert(3, (t("portal_by_unknown", lang), str(p["by_unknown"])))
    return out


def integration_svg(data: ReportData) -> str:
    """Portal → sites → services as a three-column SVG; "" without a main portal."""
    integ = integration(data)
    if not integ:
        return ""
    lang = data.lang
    services = list(integ.get("services") or [])[:MAX_GRAPH_SERVICES]
    orgs = [o for o in integ.get("organisations") or [] if o.get("site_id")]
    portal_org = integ["portal"].get("org_id")
    portal_sites = set(integ["portal"].get("site_ids") or [])
    org_by_site = {o["site_id"]: o for o in orgs}
    linked = set(integ["portal"].get("sites_linked") or [])
    # services in the order of their organisation's row, outside providers last
    order = {o["org_id"]: i for i, o in enumerate(orgs)}
    services.sort(
        key=lambda m: (order.get(m.get("provider_org") or "", len(order)), m.get("name", "").lower())
    )
    row_h, top = 18, 40
    n_rows = max(len(services), len(orgs), 1)
    height = top + row_h * n_rows + 40
    x_portal, x_site, x_svc, width = 20, 250, 520, 900
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(t('integration_picture', lang))}</title>",
        f'<text x="{x_portal}" y="20" font-weight="bold">{escape(t("portal", lang))}</text>',
        f'<text x="{x_site}" y="20" font-weight="bold">{escape(t("sites", lang))}</text>',
        f'<text x="{x_svc}" y="20" font-weight="bold">{escape(t("online_services", lang))}</text>',
    ]
    site_y: dict[str, float] = {}
    span = row_h * n_rows
    for i, o in enumerate(orgs):
        site_y[o["site_id"]] = top + (i + 0.5) * span / max(len(orgs), 1)
    portal_y = top + span / 2
    svc_y = {m["id"]: top + (i + 0.5) * row_h for i, m in enumerate(services)}
    edges: list[str] = []
    # portal → sites it links to
    for sid, y in site_y.items():
        o = org_by_site[sid]
        if o["org_id"] in linked:
            edges.append(_line(x_portal + 110, portal_y, x_site - 4, y, "#9e9e9e", 1.0))
    for m in services:
        y = svc_y[m["id"]]
        colour = GROUP_COLOURS[group(m.get("health", ""))]
        if m.get("reach") == "portal":
            edges.append(_line(x_portal + 110, portal_y, x_svc - 4, y, colour, 1.2))
        for sid in m.get("listed_on") or []:
            if sid in site_y and sid not in portal_sites:
                edges.append(_line(x_site + 150, site_y[sid], x_svc - 4, y, colour, 0.8, dash=True))
    out += edges
    portal_name = next(
        (o.get("short") or o.get("name") for o in orgs if o["org_id"] == portal_org), portal_org
    )
    out.append(
        f'<rect x="{x_portal}" y="{portal_y - 12:.1f}" width="110" height="24" rx="4" fill="#1f4e79"/>'
        f'<text x="{x_portal + 55}" y="{portal_y + 4:.1f}" fill="#fff" text-anchor="middle">'
        f"{escape(str(portal_name)[:18])}</text>"
    )
    for sid, y in site_y.items():
        o = org_by_site[sid]
        fill = "#e3f2fd" if o.get("scan_status") == "ok" else "#eeeeee"
        label = f"{o.get('short') or o.get('name')} ({o.get('services', 0)})"
        out.append(
            f'<rect x="{x_site}" y="{y - 9:.1f}" width="150" height="18" rx="3" fill="{fill}" stroke="#90a4ae"/>'
            f'<text x="{x_site + 5}" y="{y + 4:.1f}">{escape(label[:26])}</text>'
        )
    for m in services:
        y = svc_y[m["id"]]
        colour = GROUP_COLOURS[group(m.get("health", ""))]
        label = m.get("name", "")[:48]
        who = m.get("provider") if m.get("provider_kind") == "outside" else ""
        extra = f" · {who}" if who else ""
        clicks = m.get("portal_clicks")
        click_txt = f" [{clicks}]" if clicks is not None else ""
        out.append(
            f'<circle cx="{x_svc + 4}" cy="{y:.1f}" r="5" fill="{colour}"/>'
            f'<text x="{x_svc + 14}" y="{y + 4:.1f}">{escape(label + extra[:30] + click_txt)}'
            f"<title>{escape(health_label(m.get('health', ''), lang))}: {escape(m.get('health_detail', ''))}</title>"
            f"</text>"
        )
    ly = height - 16
    lx = x_portal
    for g in ("ok", "broken", "unknown"):
        out.append(
            f'<circle cx="{lx + 5}" cy="{ly - 4}" r="5" fill="{GROUP_COLOURS[g]}"/>'
            f'<text x="{lx + 14}" y="{ly}">{escape(t("health_group_" + g, lang))}</text>'
        )
        lx += 150
    out.append(f'<text x="{lx}" y="{ly}" fill="#555">{escape(t("graph_legend", lang))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, w: float, dash: bool = False) -> str:
    d = ' stroke-dasharray="3,2"' if dash else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
        f'stroke-width="{w}" stroke-opacity="0.6"{d}/>'
    )


def render_section(data: ReportData) -> str:
    """The HTML "Online services" section ("" when no site carries an inventory)."""
    if not any(v.site.services is not None for v in data.sites):
        return ""
    from markupsafe import Markup

    from govlens.report.i18n import scan_label

    lang = data.lang
    from govlens.report.html import _env

    env = _env()  # the report's own environment: the same autoescape and filters
    header, rows = integration_table(data)
    counts = {}
    for v in data.sites:
        svcs = v.site.services or []
        counts[v.site.site_id] = {
            "n": len(svcs),
            "broken": sum(1 for s in svcs if group(s.health) == "broken"),
            "unknown": sum(1 for s in svcs if group(s.health) == "unknown"),
        }
    html = env.get_template("sections/services.html.j2").render(
        T=lambda key, **kw: t(key, lang, **kw),
        integ=integration(data),
        figures=portal_figures(data),
        int_header=header,
        int_rows=rows,
        svg=Markup(integration_svg(data)),
        sites=data.sites,
        counts=counts,
        ordered=sorted_services,
        grp=group,
        kind_label=lambda k: kind_label(k, lang),
        provider_kind_label=lambda k: provider_kind_label(k, lang),
        health_label=lambda h: health_label(h, lang),
        scan_label=lambda s: scan_label(s, lang),
    )
    return html
