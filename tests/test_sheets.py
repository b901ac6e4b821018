"""Coding sheets: export (XLSX + CSV), import with all-or-nothing validation, hand-coded audits
without a crawl, the study's channel table and its published figures; on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import filecmp
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from govlens.assess.framework import load_framework
from govlens.cli import app
from govlens.evaluate.agreement import MACHINE, agreement_report
from govlens.portfolio import load_portfolio
from govlens.report.published import compare_published, implied_denominators, load_published
from govlens.sheets import (
    SheetError,
    export_sheet,
    hand_coded_audit,
    import_sheet,
    parse_verdict,
    read_table,
    write_sheet,
)
from govlens.store import Store
from test_store import make_audit, make_framework

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
CHANNELS = EXAMPLES / "cilegon-2022-channels.csv"
PUBLISHED = EXAMPLES / "cilegon-2022-published.yaml"
CODES = ["K1", "K2", "K3", "E1", "E5", "C1", "C4", "I3", "I4", "I5"]  # make_framework's order


@pytest.fixture
def stored(db_url: str):
    fw = make_framework()
    store = Store(db_url)
    audit_id = store.save_audit(make_audit(fw), fw)
    yield store, audit_id, fw
    store.close()


def _col(head: list[str], name: str) -> int:
    return head.index(name) + 1  # openpyxl columns are 1-based


# --------------------------------------------------------------------------- export


def test_export_xlsx_layout(stored, tmp_path: Path) -> None:
    store, audit_id, fw = stored
    xlsx, csv_path = export_sheet(store, audit_id, tmp_path / "sheet.xlsx", fw=fw)
    assert xlsx.suffix == ".xlsx" and csv_path == tmp_path / "sheet.csv"
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["coding", "criteria", "about"]
    ws = wb["coding"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["site_id", "organisation", "url", "scan_status", "reviewer"]
    assert head[5:9] == ["K1", "K1 machine", "K1 final", "K1 evidence"] and head[-1] == "notes"
    assert len(head) == 5 + 4 * len(CODES) + 1
    assert ws.freeze_panes == "C2"
    rows = {r[0].value: r for r in ws.iter_rows(min_row=2)}
    assert list(rows) == ["pemkot", "diskominfo", "dinkes", "satpol"]
    pem = rows["pemkot"]
    assert pem[_col(head, "K1") - 1].value is None  # left for the coder
    assert pem[_col(head, "K1 machine") - 1].value == "met"
    assert pem[_col(head, "C1 machine") - 1].value == "needs_review"
    ev = pem[_col(head, "K1 evidence") - 1]
    assert ev.value == "https://www.contoh.go.id/berita" and ev.hyperlink.target == ev.value
    assert rows["dinkes"][3].value == "unreachable"
    dv = [d for d in ws.data_validations.dataValidation if d.type == "list"]
    assert len(dv) == len(CODES) and dv[0].formula1 == '"met,not_met,needs_review"'
    assert str(dv[0].sqref) == "F2:F5"
    crit = [[c.value for c in r] for r in wb["criteria"].iter_rows(min_row=2)]
    assert crit[0][:3] == ["K1", "Broadcasting", "Information is disseminated"]
    about = {r[0].value: r[1].value for r in wb["about"].iter_rows()}
    assert about["audit"] == audit_id
    # the CSV twin is the same table, cell for cell
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0] == head
    for r, row in enumerate(table[1:], start=2):
        assert row == ["" if c.value is None else str(c.value) for c in ws[r]]


# --------------------------------------------------------------------------- import


def _fill_xlsx(src: Path, dst: Path, cells: dict[str, object]) -> Path:
    wb = load_workbook(src)
    ws = wb["coding"]
    for ref, value in cells.items():
        ws[ref] = value
    wb.save(dst)
    return dst


def test_parse_verdict_spellings() -> None:
    for v in ("met", "MET", " ya ", "Yes", "1", 1, 1.0, True, "✓", "terpenuhi"):
        assert parse_verdict(v) == "met", v
    for v in ("not_met", "not met", "Tidak", "no", "0", 0, False, "✗", "tidak terpenuhi"):
        assert parse_verdict(v) == "not_met", v
    for v in ("needs_review", "Needs review", "?"):
        assert parse_verdict(v) == "needs_review", v
    for v in (None, "", "   "):
        assert parse_verdict(v) is None
    for v in ("maybe", "2", 2, "x", "-", "metx"):
        with pytest.raises(ValueError):
            parse_verdict(v)


def test_import_xlsx_round_trip(stored, tmp_path: Path) -> None:
    store, audit_id, fw = stored
    xlsx, _ = export_sheet(store, audit_id, tmp_path / "sheet.xlsx", fw=fw)
    # row 3 = diskominfo; F = K1, J = K2, N = K3, R = E1; row 4 = dinkes
    filled = _fill_xlsx(xlsx, tmp_path / "ana.xlsx", {
        "F3": "tidak", "N3": "ya", "R3": 1, "F4": "met", "J4": "✓", "AT3": "checked the footer",
    })
    res = import_sheet(store, filled, reviewer="ana")
    assert (res.audit_id, res.reviews, res.sites, res.reviewers) == (audit_id, 5, 2, ["ana"])
    assert res.per_code == {"K1": 2, "K3": 1, "E1": 1, "K2": 1}
    # the next export shows the change and who made it beside the machine's verdict
    again, _ = export_sheet(store, audit_id, tmp_path / "again.xlsx", fw=fw)
    ws = load_workbook(again)["coding"]
    assert ws["G3"].value == "met" and ws["H3"].value == "not_met (by ana)"  # diskominfo K1
    final = store.load_audit(audit_id, fw=fw)
    dk = next(s for s in final.sites if s.site_id == "diskominfo")
    assert (dk.verdicts["K1"].verdict, dk.verdicts["K1"].reviewer) == ("not_met", "ana")
    assert dk.verdicts["K3"].verdict == "met" and dk.verdicts["E1"].verdict == "met"
    assert dk.verdicts["E1"].reason == "checked the footer"
    assert dk.verdicts["K2"].source == "machine"  # blank = not coded
    assert {r.code for r in store.reviews(audit_id)} == {"K1", "K2", "K3", "E1"}


def test_import_csv_with_reviewer_column(stored, tmp_path: Path) -> None:
    store, audit_id, fw = stored
    _, csv_path = export_sheet(store, audit_id, tmp_path / "sheet.xlsx", fw=fw)
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    table[1][head.index("reviewer")] = "budi"
    table[1][head.index("K1")] = "no"
    table[2][head.index("reviewer")] = "citra"
    table[2][head.index("E5")] = "0"
    out = tmp_path / "coded.csv"
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(table)  # Excel in an Indonesian locale
    res = import_sheet(store, out, audit_id=audit_id)
    assert res.reviewers == ["budi", "citra"] and res.reviews == 2
    # --reviewer disagreeing with a filled reviewer cell is a problem, not a silent override
    with pytest.raises(SheetError) as e:
        import_sheet(store, out, reviewer="ana", audit_id=audit_id)
    assert "sheet 'coded', cell E2: reviewer 'budi' differs from --reviewer 'ana'" in str(e.value)


def test_import_errors_name_sheet_cell_value_and_store_nothing(stored, tmp_path: Path) -> None:
    store, audit_id, fw = stored
    xlsx, _ = export_sheet(store, audit_id, tmp_path / "sheet.xlsx", fw=fw)
    wb = load_workbook(xlsx)
    ws = wb["coding"]
    ws["F2"] = "met"  # a good cell: must not be stored either
    ws["F3"] = "maybe"
    ws["A4"] = "dinas-x"
    ws["I4"] = "ya"
    ws["AK1"] = "Z9"
    ws["AK2"] = "met"
    wb.save(tmp_path / "bad.xlsx")
    with pytest.raises(SheetError) as e:
        import_sheet(store, tmp_path / "bad.xlsx", reviewer="ana")
    msg = str(e.value)
    assert "3 problems, nothing was imported" in msg
    assert "sheet 'coding', cell F3: 'maybe' is not a verdict (met, not_met, needs_review)" in msg
    assert "sheet 'coding', cell A4: 'dinas-x' is not a site of audit" in msg
    assert "sheet 'coding', cell AK1: 'Z9' is not a criterion of test-fw" in msg
    assert store.reviews(audit_id) == []
    # no reviewer at all
    good = _fill_xlsx(xlsx, tmp_path / "anon.xlsx", {"F2": "met"})
    with pytest.raises(SheetError, match=r"cell E2: no reviewer for the coded cells of 'pemkot'"):
        import_sheet(store, good)
    assert store.reviews(audit_id) == []


def test_import_rejects_missing_site_column_and_unknown_files(stored, tmp_path: Path) -> None:
    store, _, _ = stored
    p = tmp_path / "x.csv"
    p.write_text("site,K1\npemkot,met\n", encoding="utf-8")
    with pytest.raises(SheetError) as e:
        import_sheet(store, p, reviewer="ana")
    assert "sheet 'x', row 1: no site_id column" in str(e.value)
    (tmp_path / "x.ods").write_text("", encoding="utf-8")
    with pytest.raises(SheetError, match="unknown file type"):
        read_table(tmp_path / "x.ods")


# --------------------------------------------------------------------------- hand-coded study


def _cilegon_yaml() -> Path:
    return EXAMPLES / "cilegon-2022.yaml"


def _code_blank(blank_csv: Path, out: Path, reviewer: str, verdicts: dict[str, dict[str, str]]) -> Path:
    with blank_csv.open(encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    for row in table[1:]:
        for code, v in verdicts.get(row[0], {}).items():
            row[head.index(code)] = v
        if row[0] in verdicts:
            row[head.index("reviewer")] = reviewer
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(table)
    return out


def test_hand_coded_study_without_crawl(db_url: str, tmp_path: Path) -> None:
    fw = load_framework("nath-2019")
    pf = load_portfolio(_cilegon_yaml())
    _, blank = write_sheet(hand_coded_audit(pf, fw), tmp_path / "blank.xlsx", fw=fw, hand_coded=True)
    broadcasting = ["K1", "K2", "K3", "E1", "E2", "E3", "E4", "E5"]
    ana = {
        "pemkot": dict.fromkeys(broadcasting, "ya") | {"E5": "tidak"},  # 7/8
        "dinkes": dict(zip(broadcasting, ["ya", "ya", "ya", "tidak", "ya", "tidak", "tidak", "tidak"], strict=True)),
        "dp3akb": dict(zip(broadcasting, ["ya", "tidak", "tidak", "tidak", "tidak", "tidak", "tidak", "tidak"],
                           strict=True)),
    }
    sheet = _code_blank(blank, tmp_path / "ana.csv", "ana", ana)
    with Store(db_url) as store:
        # a bad sheet creates no audit at all
        bad = _code_blank(blank, tmp_path / "bad.csv", "ana", {"pemkot": {"K1": "maybe"}})
        with pytest.raises(SheetError, match="cell F2: 'maybe' is not a verdict"):
            import_sheet(store, bad, portfolio=pf, fw=fw)
        assert store.list_audits() == []

        res = import_sheet(store, sheet, portfolio=pf, fw=fw)
        assert res.created_audit and res.reviews == 24 and res.sites == 3
        assert store.audit_meta(res.audit_id)["hand_coded"] is True
        audit = store.load_audit(res.audit_id)
        s = audit.summary
        assert s["counts"]["assessed"] == 3 and s["counts"]["not_coded"] == 23 and s["counts"]["no_site"] == 1
        assert s["counts"]["not_assessable"] == 0
        b = next(m for m in s["models"] if m["id"] == "broadcasting")
        assert b["sites"] == 3 and b["mean_pct"] == pytest.approx(100 * (7 + 4 + 1) / 24, abs=0.05)
        assert b["highest"]["pct"] == 87.5 and b["lowest"]["site_ids"] == ["dp3akb"]
        k2 = next(c for c in s["criteria"] if c["code"] == "K2")
        assert k2["fulfilment"] == {"count": 2, "of": 3, "pct": 66.7}
        pem = next(x for x in audit.sites if x.site_id == "pemkot")
        assert pem.scan_status == "hand_coded" and "broadcasting" in pem.implemented
        # a second coder, then agreement: two reviewers, no machine coder
        budi = {k: dict(v) for k, v in ana.items()}
        budi["dinkes"]["E1"] = "ya"
        budi["dp3akb"]["K2"] = "ya"
        res2 = import_sheet(store, _code_blank(blank, tmp_path / "budi.csv", "budi", budi), audit_id=res.audit_id)
        assert res2.audit_id == res.audit_id and not res2.created_audit
        rep = agreement_report(store, res.audit_id)
        assert rep.coders == ["ana", "budi"] and MACHINE not in rep.coders
        pair = rep.overall.pair("ana", "budi")
        assert pair is not None and (pair.n, pair.agree) == (24, 22)
        # pooled: ana met 7+4+1 = 12 of 24, budi 14 of 24 -> p_o 22/24, p_e (12*14 + 12*10)/576 = 0.5
        assert pair.kappa == pytest.approx((22 / 24 - 0.5) / 0.5)
        assert rep.criterion("E5").pair("ana", "budi").kappa is None  # type: ignore[union-attr]


def test_channel_table_reproduces_coverage_with_denominators(db_url: str, shared_dir: Path) -> None:
    # the example is the study's published table, copied verbatim from ../shared
    assert filecmp.cmp(CHANNELS, shared_dir / "cilegon-2022-opd.csv", shallow=False)
    with Store(db_url) as store:
        res = import_sheet(store, CHANNELS)
        assert res.kind == "channels" and res.created_audit and res.reviews == 0
        summary = store.load_audit(res.audit_id).summary
    plat = {p["platform"]: p["declared"] for p in summary["platforms"]}
    assert plat["facebook"] == {"count": 21, "of": 27, "pct": 77.8}
    assert plat["instagram"] == {"count": 20, "of": 27, "pct": 74.1}
    assert plat["youtube"] == {"count": 17, "of": 27, "pct": 63.0}
    assert plat["twitter"] == {"count": 5, "of": 27, "pct": 18.5}
    assert summary["websites"] == {"count": 26, "of": 27, "pct": 96.3}
    assert summary["social"]["declared"] == {"count": 25, "of": 27, "pct": 92.6}
    assert summary["counts"]["assessed"] == 0 and summary["counts"]["not_coded"] == 26
    assert summary["no_site"] == ["kesbangpol"]

    rows = {r.key: r for r in compare_published(summary, load_published(PUBLISHED))}
    fb = rows["platforms.facebook.declared"]
    assert (fb.published_count, fb.published_pct, fb.implied_of) == (21, 75, [28])
    assert (fb.count, fb.of, fb.pct, fb.agrees) == (21, 27, 77.8, False)
    assert "implies 28 as denominator; recomputed on 27" in fb.note
    ig = rows["platforms.instagram.declared"]
    assert "count differs: published 21, recomputed 20" in ig.note
    assert rows["platforms.twitter.declared"].implied_of == [28, 29]
    assert rows["social.declared"].agrees is True  # 25/27 = 92.6 % prints as the study's 93 %
    web = rows["websites"]
    assert (web.count, web.of, web.agrees) == (26, 27, False)
    assert rows["models.broadcasting.mean_pct"].note.startswith("not recomputed")


def test_implied_denominators() -> None:
    assert implied_denominators(21, 75, 0) == [28]
    assert implied_denominators(16, 57, 0) == [28]
    assert implied_denominators(19, 67.9, 1) == [28]
    assert implied_denominators(21, 77.8, 1) == [27]


def test_cli_channel_table_report_published(tmp_path: Path, shared_dir: Path) -> None:
    run = tmp_path / "cilegon"
    runner = CliRunner()
    res = runner.invoke(app, ["sheet", "import", str(run), str(CHANNELS)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["report", str(run), "--format", "json", "--published", str(PUBLISHED)])
    assert res.exit_code == 0, res.output
    assert "Published vs recomputed" in res.output and "21/27 (77.8%)" in res.output
    data = json.loads((run / "published_vs_recomputed.json").read_text())
    assert data["figures"][2]["implied_of"] == [28]
    # a blank sheet for the portfolio, a bad fill: the CLI names the cell and imports nothing
    res = runner.invoke(app, ["sheet", "blank", str(_cilegon_yaml()), "--out", str(tmp_path / "blank.xlsx")])
    assert res.exit_code == 0, res.output
    wb = load_workbook(tmp_path / "blank.xlsx")
    wb["coding"]["F2"] = "maybe"
    wb.save(tmp_path / "bad.xlsx")
    new = tmp_path / "hand"
    res = runner.invoke(app, ["sheet", "import", str(new), str(tmp_path / "bad.xlsx"), "--portfolio",
                              str(_cilegon_yaml()), "--reviewer", "ana"])
    assert res.exit_code == 2
    assert "sheet 'coding', cell F2: 'maybe' is not a verdict (met, not_met, needs_review)" in res.output
    wb["coding"]["F2"] = "ya"
    wb.save(tmp_path / "good.xlsx")
    res = runner.invoke(app, ["sheet", "import", str(new), str(tmp_path / "good.xlsx"), "--portfolio",
                              str(_cilegon_yaml()), "--reviewer", "ana"])
    assert res.exit_code == 0, res.output
    assert "created hand-coded audit #1: 1 coded cells of 1 sites" in res.output
    res = runner.invoke(app, ["sheet", "export", str(new), "--out", str(tmp_path / "again.xlsx")])
    assert res.exit_code == 0, res.output
    again = load_workbook(tmp_path / "again.xlsx")["coding"]
    assert again["G2"].value is None  # a hand-coded audit has no machine verdict to show


def test_hand_coded_results_json_matches_schema(tmp_path: Path) -> None:
    import jsonschema

    from govlens.report import write_reports

    fw = load_framework("nath-2019")
    with Store(f"sqlite:///{tmp_path / 'govlens.db'}") as store:
        audit = store.load_audit(import_sheet(store, CHANNELS).audit_id)
    (path,) = write_reports(audit, fw, tmp_path, ["json"])
    schema = json.loads((REPO / "src/govlens/schemas/results.schema.json").read_text())
    jsonschema.validate(json.loads(path.read_text()), schema)
