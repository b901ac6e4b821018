"""Read a filled coding sheet (XLSX or CSV), check every cell, and store it as reviews.

Nothing is stored unless the whole sheet is valid: a sheet with one typo is more likely to have
others, and half a sheet stored would look like a finished review of fewer cells. Every problem is
listed with the sheet, the cell and the value, as a spreadsheet user finds them
(``sheet 'coding', cell F7: 'maybe' is not a verdict (met, not_met, needs_review)``).

Values are read case-insensitively through an explicit table (:data:`SPELLINGS`): the verdict
names, and the spellings coders actually use (ya/tidak, yes/no, 1/0, ✓/✗, terpenuhi). Anything
else is an error rather than a guess; a blank cell is "not coded" and stores nothing.

A file whose header has ``name`` and ``website`` but no ``site_id`` is a *channel table* (the
study's published OPD table): it is a portfolio, loaded by ``govlens.portfolio.load_portfolio``,
and importing it creates a hand-coded audit with its declared channels and no coded criteria.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from govlens.sheets.export import FIXED, NOTES, SHEET, VALUES
from govlens.types import VerdictValue

if TYPE_CHECKING:
    from govlens.assess.framework import Framework
    from govlens.store import ReviewIn, Store
    from govlens.types import Portfolio

SPELLINGS: dict[str, str] = {
    **dict.fromkeys(["met", "yes", "y", "ya", "1", "true", "✓", "✔", "terpenuhi", "memenuhi", "ada"], "met"),
    **dict.fromkeys(
        ["not_met", "not met", "not-met", "no", "n", "tidak", "0", "false", "✗", "✘", "tidak terpenuhi",
         "tidak memenuhi", "tidak ada"],
        "not_met",
    ),
    **dict.fromkeys(["needs_review", "needs review", "needs-review", "review", "?", "perlu ditinjau"], "needs_review"),
}
MAX_PROBLEMS = 200  # past this many, the message says how many more there were


class SheetError(ValueError):
    """The sheet cannot be imported; ``problems`` lists every problem, and nothing was stored."""

    def __init__(self, path: str | Path, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        shown = problems[:MAX_PROBLEMS]
        more = f"\n  … and {len(problems) - MAX_PROBLEMS} more" if len(problems) > MAX_PROBLEMS else ""
        n = len(problems)
        super().__init__(f"{path}: {n} problem{'s' * (n != 1)}, nothing was imported:\n  " + "\n  ".join(shown) + more)


@dataclass
class ImportResult:
    """What an import stored: into which audit, by whom, how many cells, and whether it made the audit."""

    audit_id: int
    path: str
    reviews: int
    reviewers: list[str] = field(default_factory=list)
    sites: int = 0  # sites with at least one coded cell
    per_code: dict[str, int] = field(default_factory=dict)
    created_audit: bool = False
    kind: str = "coding"  # coding | channels


def parse_verdict(value: Any) -> str | None:
    """A cell's verdict: None for blank, the verdict name for a known spelling; raises ValueError."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "met" if value else "not_met"
    if isinstance(value, int | float):
        if value in (0, 1):
            return "met" if value == 1 else "not_met"
        raise ValueError(value)
    text = re.sub(r"\s+", " ", str(value)).strip().lower()
    if not text:
        return None
    if text in SPELLINGS:
        return SPELLINGS[text]
    raise ValueError(value)


def col_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the column as the spreadsheet names it."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass
class Table:
    """A sheet as read: its name, the header row's number, and rows with their spreadsheet numbers."""

    sheet: str
    header_row: int
    header: list[str]
    rows: list[tuple[int, list[Any]]]
    audit_hint: int | None = None  # audit id from the XLSX "about" sheet


def read_table(path: str | Path) -> Table:
    """The coding table of an XLSX ("coding" sheet, else the first) or CSV file (its name as sheet)."""
    p = Path(path)
    if not p.is_file():
        raise SheetError(p, ["no such file"])
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(p)
    if suffix == ".csv":
        return _read_csv(p)
    raise SheetError(p, [f"unknown file type {suffix!r}: expected .xlsx or .csv"])


def _read_xlsx(p: Path) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as e:  # zipfile.BadZipFile, KeyError from a damaged package, ...
        raise SheetError(p, [f"not a readable XLSX workbook ({type(e).__name__}: {e})"]) from e
    try:
        ws = wb[SHEET] if SHEET in wb.sheetnames else wb[wb.sheetnames[0]]
        raw = [list(r) for r in ws.iter_rows(values_only=True)]
        hint = None
        if "about" in wb.sheetnames:
            for r in wb["about"].iter_rows(values_only=True, max_row=20):
                if r and r[0] == "audit" and len(r) > 1 and isinstance(r[1], int | float):
                    hint = int(r[1])
        name = ws.title
    finally:
        wb.close()
    return _table(p, name, raw, hint)


def _read_csv(p: Path) -> Table:
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise SheetError(p, [f"not UTF-8 text (byte {e.start}); save the sheet as CSV UTF-8"]) from e
    first = next((ln for ln in text.splitlines() if ln.strip(" ,;\t")), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delim = max(counts, key=lambda d: counts[d])
    delim = delim if counts[delim] > counts[","] else ","  # Excel in an Indonesian locale writes ';'
    raw: list[list[Any]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delim)]
    return _table(p, p.stem, raw, None)


def _table(p: Path, sheet: str, raw: list[list[Any]], hint: int | None) -> Table:
    start = 0
    while start < len(raw) and not any(_text(v) for v in raw[start]):
        start += 1
    if start == len(raw):
        raise SheetError(p, [f"sheet '{sheet}': empty, expected a header row with site_id and criterion codes"])
    header = [_text(v) for v in raw[start]]
    rows = [(i + 1, r) for i, r in enumerate(raw) if i > start and any(_text(v) for v in r)]
    return Table(sheet=sheet, header_row=start + 1, header=header, rows=rows, audit_hint=hint)


def sheet_kind(path: str | Path) -> str:
    """``coding`` (a site_id column) or ``channels`` (a name + website table: a portfolio)."""
    head = {h.lower() for h in read_table(path).header}
    if "site_id" not in head and {"name", "website"} <= head:
        return "channels"
    return "coding"


# --------------------------------------------------------------------------- validation


@dataclass
class _Columns:
    site: int
    reviewer: int | None
    notes: int | None
    codes: dict[str, int]  # criterion code -> column index


def _columns(t: Table, codes: list[str], problems: list[str], framework: str) -> _Columns | None:
    where = f"sheet '{t.sheet}'"
    by_lower = {c.lower(): c for c in codes}
    fixed = {*FIXED, NOTES}
    found: dict[str, int] = {}
    crit: dict[str, int] = {}
    for i, h in enumerate(t.header):
        cell = f"{where}, cell {col_letter(i)}{t.header_row}"
        key = re.sub(r"\s+", " ", h).strip()
        low = key.lower()
        if not key:
            if any(_text(r[i]) for _, r in t.rows if i < len(r)):
                problems.append(f"{cell}: a column without a header holds values; name it or delete it")
            continue
        if low in fixed:
            if low in found:
                problems.append(f"{cell}: column {key!r} appears twice (first in {col_letter(found[low])})")
            found.setdefault(low, i)
            continue
        m = re.fullmatch(r"(.+?) (machine|final|evidence)", low)
        if m and m.group(1) in by_lower:
            continue  # what the machine said, for the coder's eyes only
        if low in by_lower:
            code = by_lower[low]
            if code in crit:
                problems.append(f"{cell}: criterion {code} appears twice (first in {col_letter(crit[code])})")
            crit.setdefault(code, i)
            continue
        shown = ", ".join(codes[:40]) + (" …" if len(codes) > 40 else "")
        problems.append(f"{cell}: {h!r} is not a criterion of {framework} ({shown}) nor a sheet column "
                        f"({', '.join([*FIXED, NOTES])})")
    if "site_id" not in found:
        problems.append(f"{where}, row {t.header_row}: no site_id column; the header is "
                        f"{', '.join(repr(h) for h in t.header if h) or 'empty'}")
        return None
    if not crit:
        problems.append(f"{where}, row {t.header_row}: no criterion column (expected codes such as "
                        f"{', '.join(codes[:3])})")
    return _Columns(found["site_id"], found.get("reviewer"), found.get(NOTES), crit)


def validate(
    t: Table,
    sites: dict[str, set[str]],
    codes: list[str],
    reviewer: str | None,
    audit_label: str,
    framework: str,
    path: str | Path = "",
) -> list[ReviewIn]:
    """Every coded cell as a review, or SheetError listing every problem in the sheet.

    ``sites`` maps each site id of the audit to the criteria it has verdicts for.
    """
    from govlens.store import ReviewIn

    problems: list[str] = []
    cols = _columns(t, codes, problems, framework)
    if cols is None:
        raise SheetError(path, problems)
    where = f"sheet '{t.sheet}'"
    out: list[ReviewIn] = []
    seen: dict[str, int] = {}
    known = ", ".join(list(sites)[:8]) + (" …" if len(sites) > 8 else "")

    def cell(row: list[Any], i: int | None) -> Any:
        return row[i] if i is not None and i < len(row) else None

    for n, row in t.rows:
        site = _text(cell(row, cols.site))
        ref = f"{where}, cell {col_letter(cols.site)}{n}"
        coded: list[tuple[str, str]] = []
        for code, i in cols.codes.items():
            value = cell(row, i)
            try:
                verdict = parse_verdict(value)
            except ValueError:
                problems.append(f"{where}, cell {col_letter(i)}{n}: {_text(value)!r} is not a verdict "
                                f"({', '.join(VALUES)})")
                continue
            if verdict is not None:
                coded.append((code, verdict))
        if not site:
            if coded:
                problems.append(f"{ref}: no site id, but the row codes {', '.join(c for c, _ in coded)}")
            continue
        if site not in sites:
            problems.append(f"{ref}: {site!r} is not a site of {audit_label} ({known})")
            continue
        if site in seen:
            problems.append(f"{ref}: site {site!r} has a second row (first at row {seen[site]})")
            continue
        seen[site] = n
        if not coded:
            continue
        who = _text(cell(row, cols.reviewer))
        rref = f"{where}, cell {col_letter(cols.reviewer)}{n}" if cols.reviewer is not None else ref
        if reviewer and who and who != reviewer:
            problems.append(f"{rref}: reviewer {who!r} differs from --reviewer {reviewer!r}; "
                            "clear the cell or import as that reviewer")
            continue
        who = reviewer or who
        if not who:
            problems.append(f"{rref}: no reviewer for the coded cells of {site!r}; fill the reviewer column "
                            "or give --reviewer NAME")
            continue
        reason = _text(cell(row, cols.notes))
        for code, verdict in coded:
            if code not in sites[site]:
                problems.append(f"{where}, cell {col_letter(cols.codes[code])}{n}: site {site!r} has no criterion "
                                f"{code} in {audit_label}")
                continue
            out.append(ReviewIn(site_id=site, code=code, verdict=VerdictValue(verdict).value, reviewer=who,
                                reason=reason or f"coding sheet {Path(path).name}"))
    if problems:
        raise SheetError(path, problems)
    return out


# --------------------------------------------------------------------------- import


def _result(audit_id: int, path: Path, reviews: list[ReviewIn], created: bool, kind: str = "coding") -> ImportResult:
    return ImportResult(
        audit_id=audit_id,
        path=str(path),
        reviews=len(reviews),
        reviewers=sorted({r.reviewer for r in reviews}),
        sites=len({r.site_id for r in reviews}),
        per_code=dict(Counter(r.code for r in reviews)),
        created_audit=created,
        kind=kind,
    )


def import_sheet(
    store: Store,
    path: str | Path,
    reviewer: str | None = None,
    audit_id: int | None = None,
    *,
    portfolio: Portfolio | None = None,
    fw: Framework | None = None,
    label: str = "",
) -> ImportResult:
    """Validate a filled sheet and store its coded cells as reviews, in one transaction.

    Into an existing audit: ``audit_id``, else the audit named in the XLSX's "about" sheet, else
    the latest. With ``portfolio`` (and ``fw``, default nath-2019) a new *hand-coded* audit of that
    portfolio is created together with the reviews: a study coded without a crawl. A channel table
    (name, website, facebook, ...) creates a hand-coded audit of itself with no coded criteria.
    Raises :class:`SheetError` (nothing stored) on any problem.
    """
    p = Path(path)
    table = read_table(p)
    head = {h.lower() for h in table.header}
    if "site_id" not in head and {"name", "website"} <= head:
        return _import_channels(store, p, fw, label, portfolio)
    if portfolio is not None:
        from govlens.sheets.handcoded import hand_coded_audit

        if fw is None:
            from govlens.assess.framework import load_framework

            fw = load_framework("nath-2019")
        audit = hand_coded_audit(portfolio, fw, label=label, source=p.name)
        sites = {s.site_id: set(s.verdicts) for s in audit.sites}
        codes = [c.code for _, c in fw.criteria()]
        reviews = validate(table, sites, codes, reviewer, f"portfolio {portfolio.name!r}", fw.id, p)
        new_id = store.save_audit(audit, fw, meta={"hand_coded": True, "coding_sheet": p.name}, reviews=reviews)
        return _result(new_id, p, reviews, created=True)
    if audit_id is None:
        known = {a.id for a in store.list_audits()}
        audit_id = table.audit_hint if table.audit_hint in known else None
    try:
        audit = store.load_audit(audit_id, apply_reviews=False)
    except LookupError as e:
        raise SheetError(p, [f"{e}; to import a study coded without a crawl, give its portfolio "
                             "(--portfolio PORTFOLIO.yaml) and a new run folder"]) from e
    assert audit.audit_id is not None
    sites = {s.site_id: set(s.verdicts) for s in audit.sites}
    codes: list[str] = []
    for s in audit.sites:
        codes += [c for c in s.verdicts if c not in codes]
    reviews = validate(table, sites, codes, reviewer, f"audit {audit.audit_id}", audit.framework_id, p)
    store.add_reviews(audit.audit_id, reviews)
    return _result(audit.audit_id, p, reviews, created=False)


def _import_channels(
    store: Store, p: Path, fw: Framework | None, label: str, portfolio: Portfolio | None
) -> ImportResult:
    """A channel table is a portfolio: a hand-coded audit of it, declared channels, nothing coded."""
    from govlens.portfolio import PortfolioError, load_portfolio
    from govlens.sheets.handcoded import hand_coded_audit

    if portfolio is not None:
        raise SheetError(p, [f"{p.name} is a channel table (name, website, platform columns): it is the "
                             "portfolio itself, so --portfolio is not needed"])
    try:
        pf = load_portfolio(p)
    except PortfolioError as e:
        raise SheetError(p, e.problems) from e
    if fw is None:
        from govlens.assess.framework import load_framework

        fw = load_framework("nath-2019")
    audit = hand_coded_audit(pf, fw, label=label or "channel table", source=p.name)
    new_id = store.save_audit(audit, fw, meta={"hand_coded": True, "channel_table": p.name})
    return _result(new_id, p, [], created=True, kind="channels")
