"""CSV reports: a wide site × criterion table and a long evidence table.

CSV files end up opened in spreadsheet programs by the people the audit is for, and a crawled
snippet that starts with ``=`` or ``+`` would run there as a formula (CSV injection). Such cells are
prefixed with an apostrophe, the usual neutraliser; results.json keeps the raw text for tools.
"""

from __future__ import annotations

import csv
from pathlib import Path

from govlens.report.data import ReportData
from govlens.report.i18n import scan_label

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """A value safe to open in a spreadsheet: text that could start a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(data: ReportData, out_dir: Path) -> list[Path]:
    return [write_wide(data, out_dir / "results.csv"), write_evidence(data, out_dir / "evidence.csv")]


def write_wide(data: ReportData, path: Path) -> Path:
    """One row per site: scan status, score per model (fraction, met, total), final verdict per criterion.

    A site that was not assessed has empty score and criterion cells, never zeros, and its
    scan status says why.
    """
    codes = [c.code for c in data.criteria]
    header = ["site_id", "organisation", "short", "url", "scan_status", "scan_label", "scan_detail", "pages"]
    for m in data.models:
        header += [f"score_{m.id}", f"met_{m.id}", f"total_{m.id}", f"needs_review_{m.id}"]
    header += ["implemented", *codes]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for view in data.sites:
            s = view.site
            row: list[object] = [
                s.site_id,
                s.organisation,
                s.short,
                s.url,
                s.scan_status,
                scan_label(s.scan_status, data.lang),
                s.scan_detail,
                s.pages,
            ]
            for m in data.models:
                sc = s.scores.get(m.id) if view.assessed else None
                row += [sc.fraction, sc.met, sc.total, sc.needs_review] if sc else ["", "", "", ""]
            row.append(" ".join(s.implemented))
            for code in codes:
                v = view.verdict(code)
                row.append(v.verdict if v else "")
            w.writerow([cell(x) for x in row])
    return path


def write_evidence(data: ReportData, path: Path) -> Path:
    """One row per piece of evidence (and one per verdict without any), for filtering and review."""
    header = [
        "site_id",
        "short",
        "code",
        "verdict",
        "confidence",
        "source",
        "reviewer",
        "url",
        "warc_record_id",
        "warc_file",
        "snippet",
        "detector",
        "detail",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for view in data.sites:
            if not view.assessed:
                continue
            s = view.site
            for code, v in s.verdicts.items():
                base = [s.site_id, s.short, code, v.verdict, v.confidence, v.source, v.reviewer or ""]
                if not v.evidence:
                    w.writerow([cell(x) for x in [*base, "", "", "", "", "", ""]])
                for e in v.evidence:
                    w.writerow(
                        [
                            cell(x)
                            for x in [
                                *base,
                                e.url,
                                e.warc_record_id,
                                e.warc_file,
                                e.snippet,
                                e.detector,
                                e.detail,
                            ]
                        ]
                    )
    return path
