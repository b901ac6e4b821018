"""Write a coding sheet (XLSX, and the same table as CSV) for an audit.

Layout (the importer reads exactly this, and any sheet with the same header): row 1 is the
header; one row per site from row 2 with ``site_id, organisation, url, scan_status, reviewer``,
then for every criterion code four columns: ``<code>`` (empty, for the coder; a dropdown offers
met / not_met / needs_review), ``<code> machine`` (the machine's verdict as saved, before any review),
``<code> final`` (the value reports use, with the reviewer who set it) and ``<code> evidence`` (the first evidence URL, a link in the XLSX), and a last ``notes`` column
whose text is kept as the reason of that row's reviews. The header row and the first two columns
are frozen so the coder always sees which site and which criterion a cell is. A "criteria" sheet
lists the codes with their labels and what a coder is asked to decide; an "about" sheet records
the audit the sheet came from, so importing it back goes to the same audit.

CSV has the same header and rows, so a cell reference in an error message (``F7``) points at the
same cell whichever of the two files the coder filled in.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlens.types import AuditResult

if TYPE_CHECKING:
    from govlens.assess.framework import Framework
    from govlens.store import Store

SHEET = "coding"
FIXED = ["site_id", "organisation", "url", "scan_status", "reviewer"]
NOTES = "notes"
VALUES = ["met", "not_met", "needs_review"]
MAX_URL_LEN = 2079  # Excel refuses longer hyperlinks
MAX_LINKS = 65_530  # and more than this many per worksheet


def header(codes: list[str]) -> list[str]:
    cols = list(FIXED)
    for c in codes:
        cols += [c, f"{c} machine", f"{c} final", f"{c} evidence"]
    return [*cols, NOTES]


def _codes(audit: AuditResult, fw: Framework | None) -> list[str]:
    if fw is not None:
        return [c.code for _, c in fw.criteria()]
    codes: list[str] = []
    for s in audit.sites:
        codes += [c for c in s.verdicts if c not in codes]
    return codes


def sheet_rows(
    audit: AuditResult, codes: list[str], hand_coded: bool = False, final: AuditResult | None = None
) -> list[list[str]]:
    """The table as text: machine verdicts, the final value with who set it, and first evidence
    URLs beside the empty coder cells.

    A hand-coded audit has no machine verdicts (its placeholders are not verdicts), so those
    columns stay empty there. ``final`` is the same audit with reviews applied: a coder sees what
    earlier reviewers decided (``not_met (by ana)``) next to what the machine proposed.
    """
    finals = {s.site_id: s for s in final.sites} if final is not None else {}
    rows = []
    for s in audit.sites:
        row = [s.site_id, s.organisation, s.url, str(s.scan_status), ""]
        fs = finals.get(s.site_id)
        for code in codes:
            v = s.verdicts.get(code)
            machine = "" if v is None or hand_coded else str(v.verdict)
            fv = fs.verdicts.get(code) if fs is not None else None
            if fv is None or (hand_coded and fv.source != "review"):
                final_text = ""
            elif fv.source == "review":
                final_text = f"{fv.verdict} (by {fv.reviewer})"
            else:
                final_text = str(fv.verdict)
            evidence = next((e.url for e in v.evidence if e.url), "") if v is not None else ""
            row += ["", machine, final_text, evidence]
        rows.append([*row, ""])
    return rows


def export_sheet(
    store: Store,
    audit_id: int | None,
    out_path_xlsx: str | Path,
    csv: bool = True,
    fw: Framework | None = None,
) -> list[Path]:
    """Write the coding sheet of an audit (the latest when ``audit_id`` is None); returns the files.

    ``fw`` gives the criteria labels for the "criteria" sheet and the column order; by default the
    audit's own framework is loaded (a framework that is no longer loadable still exports, with
    the codes the audit holds and no labels).
    """
    audit = store.load_audit(audit_id, apply_reviews=False)
    assert audit.audit_id is not None
    if fw is None:
        try:
            from govlens.assess.framework import load_framework

            fw = load_framework(audit.framework_id)
        except Exception:  # a custom framework file that moved: codes from the audit itself
            fw = None
    hand_coded = bool(store.audit_meta(audit.audit_id).get("hand_coded"))
    final = store.load_audit(audit.audit_id, apply_reviews=True)
    return write_sheet(audit, out_path_xlsx, csv=csv, fw=fw, hand_coded=hand_coded, final=final)


def write_sheet(
    audit: AuditResult,
    out_path_xlsx: str | Path,
    csv: bool = True,
    fw: Framework | None = None,
    hand_coded: bool = False,
    final: AuditResult | None = None,
) -> list[Path]:
    """Write the coding sheet of an audit held in memory (a stored one, or a blank hand-coded one
    from :func:`govlens.sheets.hand_coded_audit` for a study that has no run folder yet)."""
    codes = _codes(audit, fw)
    head = header(codes)
    rows = sheet_rows(audit, codes, hand_coded, final)
    out = Path(out_path_xlsx)
    if out.suffix.lower() != ".xlsx":
        out = out.with_suffix(".xlsx")
    out.parent.mkdir(parents=True, exist_ok=True)
    _write_xlsx(out, head, rows, codes, audit, fw, hand_coded)
    written = [out]
    if csv:
        written.append(_write_csv(out.with_suffix(".csv"), head, rows))
    return written


def _write_csv(path: Path, head: list[str], rows: list[list[str]]) -> Path:
    # utf-8-sig: Excel opens a UTF-8 CSV as UTF-8 only with the byte-order mark
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        w.writerows(rows)
    return path


def _write_xlsx(
    path: Path,
    head: list[str],
    rows: list[list[str]],
    codes: list[str],
    audit: AuditResult,
    fw: Framework | None,
    hand_coded: bool,
) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_urls": False, "strings_to_formulas": False})
    try:
        bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        code_head = wb.add_format({"bold": True, "bg_color": "#FFF2CC", "border": 1})
        to_fill = wb.add_format({"bg_color": "#FFFBEA", "border": 1})
        machine = wb.add_format({"font_color": "#595959"})
        link = wb.add_format({"font_color": "#0563C1", "underline": 1})
        ws = wb.add_worksheet(SHEET)
        for col, name in enumerate(head):
            ws.write_string(0, col, name, code_head if name in codes or name == "reviewer" else bold)
        links = 0
        n = len(rows)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                name = head[col]
                if name.endswith(" evidence") and value:
                    # only web addresses become links: a crawled page may name `javascript:` or
                    # `file:` targets, which must stay inert text in a spreadsheet
                    web = value.lower().startswith(("http://", "https://"))
                    if web and links < MAX_LINKS and len(value) <= MAX_URL_LEN:
                        ws.write_url(r, col, value, link, string=value)
                        links += 1
                    else:
                        ws.write_string(r, col, value)
                elif name in codes or name == "reviewer":
                    ws.write_blank(r, col, None, to_fill)
                elif not value:
                    continue  # a truly empty cell, not an empty string the importer would have to read
                elif name.endswith((" machine", " final")):
                    ws.write_string(r, col, value, machine)
                else:
                    ws.write_string(r, col, value)
        if n:
            for code in codes:
                col = head.index(code)
                # a warning, not a stop: the importer also accepts ya/tidak, yes/no, 1/0 and ✓
                ws.data_validation(1, col, n, col, {
                    "validate": "list",
                    "source": VALUES,
                    "error_type": "warning",
                    "error_title": "Verdict",
                    "error_message": "Expected met, not_met or needs_review (ya/tidak, yes/no, 1/0 are also read).",
                })
        ws.freeze_panes(1, 2)
        ws.autofilter(0, 0, max(n, 1), len(head) - 1)
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 36)
        ws.set_column(2, 2, 30)
        ws.set_column(3, 4, 12)
        for code in codes:
            i = head.index(code)
            ws.set_column(i, i, 12)
            ws.set_column(i + 1, i + 1, 12)
            ws.set_column(i + 2, i + 2, 28)
        ws.set_column(len(head) - 1, len(head) - 1, 40)

        crit = wb.add_worksheet("criteria")
        for col, name in enumerate(["code", "model", "label", "label (id)", "decision", "what to decide"]):
            crit.write_string(0, col, name, bold)
        if fw is not None:
            for r, (m, c) in enumerate(fw.criteria(), start=1):
                for col, value in enumerate(
                    [c.code, m.label.en, c.label.en, c.label.get("id"), c.decision, c.description.en]
                ):
                    crit.write_string(r, col, value)
        else:
            for r, code in enumerate(codes, start=1):
                crit.write_string(r, 0, code)
        crit.freeze_panes(1, 1)
        crit.set_column(0, 0, 8)
        crit.set_column(1, 1, 28)
        crit.set_column(2, 3, 40)
        crit.set_column(5, 5, 80)

        about = wb.add_worksheet("about")
        facts: list[tuple[str, Any]] = [
            ("audit", audit.audit_id if audit.audit_id is not None else "not stored yet"),
            ("portfolio", audit.portfolio.name),
            ("framework", f"{audit.framework_id} {audit.framework_version}"),
            ("audit started", audit.started),
            ("hand-coded", "yes" if hand_coded else "no"),
            ("exported", datetime.now(UTC).replace(microsecond=0).isoformat()),
            ("values", "met, not_met, needs_review (also ya/tidak, yes/no, 1/0, ✓/✗); blank = not coded"),
            ("reviewer", "your name in the reviewer column, or `govlens sheet import ... --reviewer NAME`"),
            ("import", "govlens sheet import RUN_DIR THIS_FILE --reviewer NAME"),
        ]
        for r, (k, v) in enumerate(facts):
            about.write_string(r, 0, k, bold)
            if isinstance(v, int):
                about.write_number(r, 1, v)
            else:
                about.write_string(r, 1, str(v))
        about.set_column(0, 0, 14)
        about.set_column(1, 1, 80)
    finally:
        wb.close()
