"""XLSX report: a Summary sheet (the study's table), one sheet per model, and an Evidence sheet.

Every string is written with ``write_string`` so that text from a crawled page that starts with
``=`` stays text: xlsxwriter's generic ``write`` would turn it into a formula.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import xlsxwriter

from govlens.report.data import ReportData, model_table
from govlens.report.i18n import scan_label, t, verdict_label

FILL = {"met": "#C6EFCE", "not_met": "#FFC7CE", "needs_review": "#FFEB9C"}
FONT = {"met": "#006100", "not_met": "#9C0006", "needs_review": "#9C5700"}
MAX_CELL = 32767  # Excel's limit on characters in a cell


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip()[:31] or "Sheet"
    out, i = base, 2
    while out.lower() in used:
        suffix = f" ({i})"
        out, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(out.lower())
    return out


def _s(ws: Any, row: int, col: int, value: object, fmt: Any = None) -> None:
    text = "" if value is None else str(value)
    ws.write_string(row, col, text[:MAX_CELL], fmt)


def write_xlsx(data: ReportData, out_dir: Path) -> Path:
    path = out_dir / "results.xlsx"
    lang = data.lang
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False})
    bold = wb.add_format({"bold": True})
    head = wb.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    pct = wb.add_format({"num_format": "0.0%"})
    grey = wb.add_format({"font_color": "#666666", "italic": True})
    vfmt = {v: wb.add_format({"bg_color": FILL[v], "font_color": FONT[v], "border": 1}) for v in FILL}
    used: set[str] = set()

    # ---------------------------------------------------------------- Summary
    ws = wb.add_worksheet(_sheet_name(t("summary", lang), used))
    ws.set_column(0, 0, 48)
    ws.set_column(1, 5, 16)
    a = data.audit
    _s(ws, 0, 0, f"{t('report_title', lang)}: {a.portfolio.name}", bold)
    _s(ws, 1, 0, f"{t('framework', lang)}: {data.fw.title.get(lang)} ({data.fw.id} {data.fw.version})")
    _s(ws, 2, 0, f"{t('started', lang)}: {a.started}  {t('finished', lang)}: {a.finished}")
    row = 4
    _s(ws, row, 0, t("summary_table", lang), bold)
    row += 1
    sv = data.summary_view
    if not sv.indicators and not sv.models:
        _s(ws, row, 0, t("no_summary", lang), grey)
        row += 1
    for item, value in sv.indicators + sv.extra:
        _s(ws, row, 0, item)
        _s(ws, row, 1, value)
        row += 1
    for note in sv.notes:
        _s(ws, row, 0, f"! {note}", grey)
        row += 1
    if sv.models:
        row += 1
        _s(ws, row, 0, t("models_table", lang), bold)
        row += 1
        header, rows = model_table(data)
        for col, h in enumerate(header):
            _s(ws, row, col, h, head)
        for m, cells in zip(sv.models, rows, strict=True):
            row += 1
            for col, c in enumerate(cells):
                _s(ws, row, col, c)
            if m.mean is not None:
                ws.write_number(row, 3, m.mean, pct)  # a number, so the sheet can compute with it
    row += 1

    _s(ws, row, 0, t("fulfilment", lang), bold)
    row += 1
    for col, key in enumerate(
        ["criterion", "code", "met", "needs_review", "not_met", "assessed_sites", "share"]
    ):
        _s(ws, row, col, t(key, lang), head)
    first = row + 1
    for st in data.criterion_stats:
        row += 1
        _s(ws, row, 0, st.label)
        _s(ws, row, 1, st.code)
        ws.write_number(row, 2, st.met)
        ws.write_number(row, 3, st.needs_review)
        ws.write_number(row, 4, st.not_met)
        ws.write_number(row, 5, st.assessed)
        if st.assessed:
            ws.write_number(row, 6, st.share, pct)
        else:
            _s(ws, row, 6, "")
    last = row
    if data.criterion_stats:
        chart = wb.add_chart({"type": "column"})
        name = ws.get_name()
        chart.add_series(
            {
                "name": t("fulfilment_share", lang),
                "categories": [name, first, 1, last, 1],
                "values": [name, first, 6, last, 6],
                "fill": {"color": "#4472C4"},
            }
        )
        chart.set_title({"name": t("fulfilment", lang)})
        chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
        chart.set_legend({"none": True})
        chart.set_size({"width": 720, "height": 320})
        ws.insert_chart(4, 8, chart)

    row += 2
    _s(ws, row, 0, t("channels", lang), bold)
    row += 1
    for col, key in enumerate(["platform", "declared", "of", "share", "found", "of", "share"]):
        _s(ws, row, col, t(key, lang), head)
    for ch in data.channel_stats:
        row += 1
        _s(ws, row, 0, ch.platform)
        for col, n, of in ((1, ch.declared, ch.declared_of), (4, ch.found, ch.found_of)):
            if n is None:
                continue
            ws.write_number(row, col, n)
            ws.write_number(row, col + 1, of)
            if of:
                ws.write_number(row, col + 2, n / of, pct)

    # ---------------------------------------------------------------- one sheet per model
    for m in data.models:
        ws = wb.add_worksheet(_sheet_name(m.label, used))
        cols = [
            t("organisation", lang),
            t("short", lang),
            t("url", lang),
            t("scan_status", lang),
            t("score", lang),
        ]
        for col, label in enumerate(cols + m.codes):
            _s(ws, 0, col, label, head)
        for col, code in enumerate(m.codes, start=len(cols)):
            c = data.criterion(code)
            if c is not None:
                ws.write_comment(0, col, c.label[:MAX_CELL])
        ws.set_column(0, 0, 40)
        ws.set_column(1, 1, 14)
        ws.set_column(2, 2, 32)
        ws.set_column(3, 4, 14)
        ws.set_column(len(cols), len(cols) + len(m.codes), 12)
        ws.freeze_panes(1, 2)
        for r, view in enumerate(data.sites, start=1):
            s = view.site
            _s(ws, r, 0, s.organisation)
            _s(ws, r, 1, s.short)
            _s(ws, r, 2, s.url)
            _s(ws, r, 3, scan_label(s.scan_status, lang), None if view.assessed else grey)
            sc = s.scores.get(m.id)
            if view.assessed and sc is not None and sc.total:
                ws.write_number(r, 4, sc.fraction, pct)
            else:
                _s(ws, r, 4, "")
            for col, code in enumerate(m.codes, start=len(cols)):
                v = view.verdict(code)
                if v is None:
                    _s(ws, r, col, "")
                else:
                    _s(ws, r, col, verdict_label(v.verdict, lang), vfmt.get(v.verdict))
        ws.autofilter(0, 0, max(len(data.sites), 1), len(cols) + len(m.codes) - 1)

    # ---------------------------------------------------------------- Evidence
    ws = wb.add_worksheet(_sheet_name(t("evidence", lang), used))
    cols = [
        "short",
        "code",
        "verdict",
        "confidence",
        "source",
        "reviewer",
        "url",
        "warc_record",
        "warc_file",
        "passage",
        "detector",
        "detail",
    ]
    for col, key in enumerate(cols):
        _s(ws, 0, col, t(key, lang), head)
    ws.set_column(6, 6, 40)
    ws.set_column(9, 9, 60)
    r = 0
    for view in data.sites:
        if not view.assessed:
            continue
        for code, v in view.site.verdicts.items():
            for e in v.evidence:
                r += 1
                _s(ws, r, 0, view.site.short)
                _s(ws, r, 1, code)
                _s(ws, r, 2, verdict_label(v.verdict, lang), vfmt.get(v.verdict))
                ws.write_number(r, 3, v.confidence)
                _s(ws, r, 4, t(v.source, lang))
                _s(ws, r, 5, v.reviewer or "")
                for col, val in enumerate(
                    [e.url, e.warc_record_id, e.warc_file, e.snippet, e.detector, e.detail], 6
                ):
                    _s(ws, r, col, val)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(cols) - 1)

    # ---------------------------------------------------------------- Services (docs/services.md)
    if any(v.site.services is not None for v in data.sites):
        from govlens.report.services import integration_table, services_table

        ws = wb.add_worksheet(_sheet_name(t("services_n", lang), used))
        header, rows = services_table(data)
        for col, h in enumerate(header):
            _s(ws, 0, col, h, head)
        for i, row in enumerate(rows, 1):
            for col, val in enumerate(row):
                _s(ws, i, col, val)
        ws.set_column(1, 1, 40)
        ws.set_column(6, 9, 40)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
        i_header, i_rows = integration_table(data)
        if i_rows:
            ws = wb.add_worksheet(_sheet_name(t("integration_title", lang), used))
            for col, h in enumerate(i_header):
                _s(ws, 0, col, h, head)
            for i, row in enumerate(i_rows, 1):
                for col, val in enumerate(row):
                    _s(ws, i, col, val)
            ws.set_column(0, 0, 30)
    wb.close()
    return path
