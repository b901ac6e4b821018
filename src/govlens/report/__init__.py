"""Reports of an audit: HTML, XLSX, CSV, JSON and Markdown files, and a terminal summary.

All formats render one view of the audit (``govlens.report.data``), so they agree with each other:
final verdicts after review, sites that could not be read shown as such, next steps ordered by the
assess stage's rule, in English or Indonesian.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from rich.console import Console

from govlens.assess.framework import Framework
from govlens.report.data import ReportData, build
from govlens.report.i18n import LANGS
from govlens.types import AuditResult

FORMATS = ("html", "xlsx", "csv", "json", "md")

__all__ = ["FORMATS", "ReportData", "build", "print_summary", "write_reports"]


def write_reports(
    audit: AuditResult,
    fw: Framework,
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    lang: str = "en",
    chart_mode: str = "svg",
) -> list[Path]:
    """Write the requested formats into ``out_dir`` and return the files written.

    Reports in another language than English carry it in their name (``report.id.html``,
    ``report.id.md``, ``results.id.xlsx``) so an Indonesian report never replaces the English one
    beside it; JSON and CSV hold codes and figures, not prose, and keep their names.

    ``chart_mode`` is ``svg`` (static inline SVG, small), ``vega`` (interactive, one inline copy
    of the Vega bundle, ~0.9 MB more) or ``none``.
    """
    formats = list(formats)
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s) {', '.join(unknown)}; choose from {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; choose from {', '.join(LANGS)}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = build(audit, fw, lang)
    # Files are written into a scratch folder and renamed into place, so a run killed while
    # writing never leaves a half-written results.json or report.html behind (the old complete
    # one stays until the new one is whole).
    for stale in out_dir.glob(f"{_TMP_PREFIX}*"):  # left by a killed run (not one writing now)
        with contextlib.suppress(OSError):
            if time.time() - stale.stat().st_mtime > 600:
                shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(prefix=_TMP_PREFIX, dir=out_dir))
    try:
        made = _write_all(data, tmp, formats, chart_mode)
        written = []
        for p in made:
            name = p.name if lang == "en" or p.suffix not in _PROSE else f"{p.stem}.{lang}{p.suffix}"
            final = out_dir / name
            os.replace(p, final)
            written.append(final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return written


_TMP_PREFIX = ".govlens-report-"
_PROSE = (".html", ".md", ".xlsx")  # formats whose text is in the report's language


def _write_all(data: ReportData, out_dir: Path, formats: list[str], chart_mode: str) -> list[Path]:
    written: list[Path] = []
    for fmt in formats:
        if fmt == "json":
            from govlens.report.jsonout import write_json

            written.append(write_json(data, out_dir))
        elif fmt == "csv":
            from govlens.report.csvout import write_csv

            written += write_csv(data, out_dir)
        elif fmt == "xlsx":
            from govlens.report.xlsxout import write_xlsx

            written.append(write_xlsx(data, out_dir))
        elif fmt == "md":
            from govlens.report.markdown import write_markdown

            written.append(write_markdown(data, out_dir))
        elif fmt == "html":
            from govlens.report.html import write_html

            written.append(write_html(data, out_dir, chart_mode))
    return written


def print_summary(
    audit: AuditResult, fw: Framework, console: Console | None = None, lang: str = "en"
) -> None:
    """Per-site scan status and scores, the portfolio summary and channel coverage, on the terminal."""
    from govlens.report.terminal import render_terminal

    render_terminal(build(audit, fw, lang), console or Console())
