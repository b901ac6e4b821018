"""A terminal summary with rich: what an operator wants to see right after an audit.

Names and scan details may come from crawled pages or hand-edited portfolios, so everything is
passed to rich as ``Text`` (never as markup): a ``[bold]`` in an organisation's name stays literal.
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from govlens.report.data import ReportData, model_table, pct, score_text, share_text
from govlens.report.i18n import scan_label, t

SITE_ROWS = 60  # past this, the site table shows the first rows and says how many were left out


def render_terminal(data: ReportData, console: Console) -> None:
    lang, a = data.lang, data.audit
    console.print(Text(f"{t('report_title', lang)}: {a.portfolio.name}", style="bold"))
    console.print(
        Text(
            f"{t('framework', lang)}: {data.fw.title.get(lang)} ({data.fw.id} {data.fw.version}) · "
            f"{a.started} → {a.finished}",
            style="dim",
        )
    )

    sites = Table(title=t("scores", lang), show_lines=False)
    sites.add_column(t("site", lang))
    sites.add_column(t("scan_status", lang))
    for m in data.models:
        sites.add_column(m.label, justify="right")
    for view in data.sites[:SITE_ROWS]:
        s = view.site
        status = Text(scan_label(s.scan_status, lang), style="green" if view.assessed else "red")
        if view.assessed:
            cells = [Text(score_text(s, m.id)) for m in data.models]
        else:
            cells = [Text("—", style="dim") for _ in data.models]
        sites.add_row(Text(s.short or s.site_id), status, *cells)
    console.print(sites)
    if len(data.sites) > SITE_ROWS:
        console.print(Text(f"… {len(data.sites) - SITE_ROWS} {t('n_sites', lang)}", style="dim"))

    sv = data.summary_view
    if sv.indicators:
        figures = Table(title=t("key_figures", lang))
        figures.add_column(t("item", lang))
        figures.add_column(t("value", lang), justify="right")
        for item, value in sv.indicators + sv.extra:
            figures.add_row(Text(item), Text(value))
        console.print(figures)
    for note in sv.notes:
        console.print(Text(f"! {note}", style="yellow"))
    if sv.models:
        header, rows = model_table(data)
        models = Table(title=t("models_table", lang))
        for i, h in enumerate(header):
            models.add_column(h, justify="left" if i == 0 else "right")
        for r in rows:
            models.add_row(*(Text(c) for c in r))
        console.print(models)
    if not sv.indicators and not sv.models:
        console.print(Text(t("no_summary", lang), style="dim"))

    crit = Table(title=t("fulfilment", lang))
    for col in ("code", "criterion", "met", "share"):
        crit.add_column(t(col, lang), justify="right" if col in ("met", "share") else "left")
    for st in data.criterion_stats:
        crit.add_row(
            Text(st.code),
            Text(st.label),
            Text(f"{st.met}/{st.assessed}"),
            Text(pct(st.share) if st.assessed else ""),
        )
    console.print(crit)

    if data.channel_stats:
        ch = Table(title=t("channels", lang))
        for col in ("platform", "declared_of_orgs", "found_of_assessed"):
            ch.add_column(t(col, lang), justify="left" if col == "platform" else "right")
        for c in data.channel_stats:
            ch.add_row(
                Text(c.platform),
                Text(share_text(c.declared, c.declared_of)),
                Text(share_text(c.found, c.found_of)),
            )
        console.print(ch)
