"""Markdown report: the summary table, scores per site and each site's next steps.

Meant for pasting into an issue, a wiki or a memo. Cell text is escaped (pipes, newlines, and
``<``/``>`` and an entity-like ``&`` as entities) because names in a portfolio and summary values may carry markup that
a Markdown renderer would otherwise pass through as HTML.
"""

from __future__ import annotations

import re
from pathlib import Path

from govlens.report.data import ReportData, model_table, pct, score_text, share_text
from govlens.report.i18n import scan_label, t

_ENTITY_START = re.compile(r"&(?=#?\w+;)")


def esc(value: object) -> str:
    text = "" if value is None else str(value)
    # '&' is escaped only where it would start an entity ('Kritik & Saran' stays readable as text)
    text = _ENTITY_START.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    return text.replace("[", "\\[").replace("]", "\\]").replace("`", "\\`")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(esc(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(esc(c) for c in r) + " |" for r in rows]
    return out


def render_markdown(data: ReportData) -> str:
    lang, a = data.lang, data.audit
    lines = [
        f"# {esc(t('report_title', lang))}: {esc(a.portfolio.name)}",
        "",
        f"- {t('framework', lang)}: {esc(data.fw.title.get(lang))} ({esc(data.fw.id)} {esc(data.fw.version)})",
        f"- {t('started', lang)}: {esc(a.started)}; {t('finished', lang)}: {esc(a.finished)}",
        "",
        f"## {t('summary_table', lang)}",
        "",
    ]
    sv = data.summary_view
    if sv.indicators:
        lines += _table([t("item", lang), t("value", lang)], [list(r) for r in sv.indicators])
    if sv.notes:
        lines += ["", f"**{t('notes', lang)}**", ""] + [f"- {esc(n)}" for n in sv.notes]
    if sv.models:
        header, rows = model_table(data)
        lines += ["", f"### {t('models_table', lang)}", "", *_table(header, rows)]
    if not sv.indicators and not sv.models:
        lines.append(t("no_summary", lang))
    if sv.extra:
        lines += [
            "",
            f"### {t('other_figures', lang)}",
            "",
            *_table([t("item", lang), t("value", lang)], [list(r) for r in sv.extra]),
        ]

    lines += ["", f"## {t('fulfilment', lang)}", ""]
    lines += _table(
        [t("code", lang), t("criterion", lang), t("met", lang), t("needs_review", lang), t("share", lang)],
        [
            [
                st.code,
                st.label,
                f"{st.met}/{st.assessed}",
                str(st.needs_review),
                pct(st.share) if st.assessed else "",
            ]
            for st in data.criterion_stats
        ],
    )

    if data.channel_stats:
        lines += ["", f"## {t('channels', lang)}", ""]
        lines += _table(
            [t("platform", lang), t("declared_of_orgs", lang), t("found_of_assessed", lang)],
            [
                [ch.platform, share_text(ch.declared, ch.declared_of), share_text(ch.found, ch.found_of)]
                for ch in data.channel_stats
            ],
        )

    lines += ["", f"## {t('scores', lang)}", ""]
    header = (
        [t("site", lang), t("scan_status", lang)] + [m.label for m in data.models] + [t("implemented", lang)]
    )
    labels = {m.id: m.label for m in data.models}
    body = []
    for view in data.sites:
        s = view.site
        scores = [score_text(s, m.id) if view.assessed else "" for m in data.models]
        impl = ", ".join(labels.get(x, x) for x in s.implemented) or t("none", lang)
        body.append(
            [
                s.short or s.organisation,
                scan_label(s.scan_status, lang),
                *scores,
                impl if view.assessed else "",
            ]
        )
    lines += _table(header, body)

    lines += ["", f"## {t('next_steps', lang)}", ""]
    for view in data.sites:
        s = view.site
        lines += [f"### {esc(s.short or s.site_id)}: {esc(s.organisation)}", ""]
        if s.url:
            lines += [esc(s.url), ""]
        if not view.assessed:
            detail = f" ({esc(s.scan_detail)})" if s.scan_detail else ""
            lines += [f"*{esc(scan_label(s.scan_status, lang))}*{detail}. {t('unreadable', lang)}", ""]
            continue
        if not view.next_steps:
            lines += [t("nothing_to_do", lang), ""]
            continue
        for i, c in enumerate(view.next_steps, 1):
            lines.append(
                f"{i}. **{esc(c.code)} {esc(c.label)}** ({esc(c.model_label)}): {esc(c.recommendation)}"
            )
        lines.append("")
    lines += _services_markdown(data)
    return "\n".join(lines).rstrip() + "\n"


def _services_markdown(data: ReportData) -> list[str]:
    """Integration with the main portal and every site's services (docs/services.md)."""
    if not any(v.site.services is not None for v in data.sites):
        return []
    from govlens.report.services import integration_table, portal_figures, services_table

    lang = data.lang
    lines = ["", f"## {t('online_services', lang)}", ""]
    figures = portal_figures(data)
    if figures:
        lines += [f"### {t('integration_title', lang)}", ""]
        lines += _table([t("item", lang), t("value", lang)], [[esc(a), esc(b)] for a, b in figures])
        header, rows = integration_table(data)
        lines += ["", *_table(header, [[esc(c) for c in r] for r in rows]), ""]
    header, rows = services_table(data)
    if rows:
        lines += _table(header, [[esc(c) for c in r] for r in rows])
    else:
        lines.append(t("no_services", lang))
    return lines


def write_markdown(data: ReportData, out_dir: Path) -> Path:
    path = out_dir / "report.md"
    path.write_text(render_markdown(data), encoding="utf-8")
    return path
