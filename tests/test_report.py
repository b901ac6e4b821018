"""Report tests: every format from one audit, read back; hostile page text stays inert."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import openpyxl
import pytest
from rich.console import Console

from govlens.report import FORMATS, print_summary, write_reports
from govlens.report.i18n import STRINGS
from govlens.report.jsonout import SCHEMA_PATH
from govlens.store import Store, default_url
from govlens.types import Evidence
from test_store import HOSTILE, make_audit, make_framework

FORMULA = '=HYPERLINK("http://evil.example/","click")'


@pytest.fixture(scope="module")
def fw():
    return make_framework()


@pytest.fixture
def audit(fw):
    a = make_audit(fw)
    site = a.sites[1]  # diskominfo
    site.verdicts["K1"].evidence.append(
        Evidence(
            url="javascript:alert(1)", warc_record_id="<urn:uuid:js>", snippet=FORMULA, detector="keywords"
        )
    )
    return a


@pytest.fixture
def reports(tmp_path: Path, audit, fw) -> dict[str, Path]:
    audit.sites[1].short = "Disk<script>x()</script>"  # names reach the SVG charts too
    paths = write_reports(audit, fw, tmp_path / "out", lang="en")
    return {p.name: p for p in paths}


def test_all_formats_written(reports: dict[str, Path]) -> None:
    assert set(reports) == {
        "report.html",
        "results.xlsx",
        "results.csv",
        "evidence.csv",
        "results.json",
        "report.md",
    }
    assert all(p.stat().st_size > 0 for p in reports.values())


def test_bad_arguments(tmp_path: Path, audit, fw) -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_reports(audit, fw, tmp_path, formats=["pdf"])
    with pytest.raises(ValueError, match="fr"):
        write_reports(audit, fw, tmp_path, lang="fr")


def test_json_matches_schema(reports: dict[str, Path]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    doc = json.loads(reports["results.json"].read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(doc)
    assert doc["framework"] | {"models": None, "criteria": None} == {
        "id": "test-fw",
        "version": "1.0",
        "title": "Test governance models",
        "models": None,
        "criteria": None,
    }
    assert doc["audit"]["portfolio"] == "Kota Contoh" and doc["audit"]["started"] == "2022-11-15T01:00:00Z"
    sites = {s["site_id"]: s for s in doc["sites"]}
    pemkot = sites["pemkot"]
    assert pemkot["scores"]["broadcasting"] == pytest.approx(0.8)
    assert pemkot["scores_detail"]["broadcasting"] == {"met": 4, "total": 5, "needs_review": 0}
    k1 = pemkot["criteria"]["K1"]
    assert k1["verdict"] == "met" and k1["source"] == "machine"
    assert k1["evidence"][-1]["snippet"] == HOSTILE  # JSON keeps the raw text for tools
    assert k1["evidence"][0]["warc_record_id"].startswith("<urn:uuid:")
    # next steps: not met, by priority (I4 95 > I3 85 > ... ), in the framework's words
    assert [r["code"] for r in sites["diskominfo"]["recommendations"]][:2] == ["I4", "I3"]
    assert sites["diskominfo"]["recommendations"][0]["text"] == "Publish: complaints answered (g2c2g)"
    # unreadable and missing sites are not zeros
    for sid in ("dinkes", "satpol"):
        assert (
            sites[sid]["assessed"] is False
            and sites[sid]["scores"] == {}
            and sites[sid]["recommendations"] == []
        )
    assert sites["dinkes"]["criteria"]["K1"]["verdict"] == "needs_review"  # reasons kept for tools
    assert (
        sites["dinkes"]["scan_status"] == "unreachable"
        and sites["dinkes"]["scan_detail"] == "DNS lookup failed"
    )
    fulfil = {c["code"]: c for c in doc["criteria_fulfilment"]}
    assert fulfil["K1"]["met"] == 2 and fulfil["K1"]["assessed"] == 2 and fulfil["E5"]["share"] == 0
    channels = {c["platform"]: c for c in doc["channels"]}
    assert channels["facebook"] == {
        "platform": "facebook",
        "declared": 2,
        "declared_of": 4,
        "found": 0,
        "found_of": 2,
    }
    assert doc["summary"]["counts"]["organisations"] == 4  # computed by assess.summarize, passed through


def test_html_escapes_hostile_text(reports: dict[str, Path]) -> None:
    html = reports["report.html"].read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html  # shown as text, never as a link
    assert "javascript:alert(1)" in html
    assert "<script" not in html  # svg mode ships no JavaScript at all, charts included
    assert "Disk&lt;script&gt;x()&lt;/script&gt;" in html
    assert "Content-Security-Policy" in html


def _external_resources(html: str) -> list[str]:
    """src/href attributes that would make a browser fetch something (links to audited sites are fine)."""
    found = re.findall(
        r"<(?:script|link|img|iframe|source|embed|object|image|use)\b[^>]*?(?:src|href)\s*=\s*[\"']?(https?:)?//",
        html,
        re.I,
    )
    found += re.findall(r"@import|url\(\s*[\"']?https?:", html, re.I)
    found += re.findall(r"cdn\.jsdelivr|unpkg\.com|cdnjs", html, re.I)
    return found


def test_html_is_offline_and_complete(reports: dict[str, Path], fw) -> None:
    html = reports["report.html"].read_text(encoding="utf-8")
    assert _external_resources(html) == []
    assert html.count("<svg") >= 3  # fulfilment, heat map, channels
    for m in fw.models:
        assert m.label.en in html
    assert "Publish: complaints answered (g2c2g)" in html
    assert "This site could not be read" in html and "DNS lookup failed" in html
    assert "&lt;urn:uuid:0000-0000&gt;" in html  # WARC record ids shown
    assert "https://www.contoh.go.id/berita" in html
    assert reports["report.html"].stat().st_size < 300_000


def test_html_vega_mode_embeds_bundle_once(tmp_path: Path, audit, fw) -> None:
    (path,) = write_reports(audit, fw, tmp_path, formats=["html"], chart_mode="vega")
    html = path.read_text(encoding="utf-8")
    assert _external_resources(html) == []
    assert html.count('type="application/json"') == 3
    assert html.count("<script>") == 2  # the bundle, then the few lines that draw the specs
    assert "<script>alert" not in html
    assert 850_000 < path.stat().st_size < 1_200_000  # one bundle (~0.9 MB), not one per chart


def test_indonesian(tmp_path: Path, audit, fw) -> None:
    paths = write_reports(audit, fw, tmp_path, formats=["html", "md", "json"], lang="id")
    html = paths[0].read_text(encoding="utf-8")
    md = paths[1].read_text(encoding="utf-8")
    assert (
        '<html lang="id">' in html
        and "Langkah berikutnya" in html
        and "Terbitkan: pengaduan ditindaklanjuti" in html
    )
    assert "tidak dapat dijangkau" in html and "Penyiaran" in html
    assert "## Langkah berikutnya" in md and "Terbitkan: pengaduan ditindaklanjuti" in md
    assert json.loads(paths[2].read_text(encoding="utf-8"))["lang"] == "id"


def test_i18n_table_complete() -> None:
    assert all(set(v) == {"en", "id"} and all(v.values()) for v in STRINGS.values())


def test_xlsx(reports: dict[str, Path], fw) -> None:
    wb = openpyxl.load_workbook(reports["results.xlsx"])
    assert wb.sheetnames == ["Summary", "Broadcasting", "Critical flow", "Interactive service", "Evidence"]
    ws = wb["Broadcasting"]
    header = [c.value for c in ws[1]]
    assert header[:5] == ["Organisation", "Short name", "URL", "Scan status", "Score"]
    assert header[5:] == ["K1", "K2", "K3", "E1", "E5"]
    rows = {r[1].value: r for r in ws.iter_rows(min_row=2)}
    pemkot = rows["Pemkot"]
    assert pemkot[4].value == pytest.approx(0.8) and pemkot[4].number_format == "0.0%"
    assert pemkot[5].value == "met" and pemkot[5].fill.fgColor.rgb.endswith("C6EFCE")
    assert pemkot[9].value == "not met" and pemkot[9].fill.fgColor.rgb.endswith("FFC7CE")
    assert rows["Dinkes"][3].value == "unreachable" and rows["Dinkes"][4].value in (None, "")
    assert all(c.value in (None, "") for c in rows["Dinkes"][5:])
    summary = wb["Summary"]
    values = [[c.value for c in r] for r in summary.iter_rows()]
    k1 = next(r for r in values if r[1] == "K1")
    assert k1[2:7] == [2, 0, 0, 2, 1]
    fb = next(r for r in values if r[0] == "facebook")
    assert fb[1:7] == [2, 4, 0.5, 0, 2, 0]
    assert any(r[0] == "Organisations with a website" and r[1] == "3/4 (75.0%)" for r in values)
    model_row = next(r for r in values if r[0] == "Broadcasting")
    assert model_row[3] == pytest.approx(0.6) and model_row[4] == "80.0% (1 site)"
    ev = wb["Evidence"]
    snippets = [r[9] for r in ev.iter_rows(min_row=2)]
    formula_cell = next(c for c in snippets if c.value == FORMULA)
    assert formula_cell.data_type == "s"  # text, not a formula
    with zipfile.ZipFile(reports["results.xlsx"]) as z:
        assert any(n.startswith("xl/charts/chart") for n in z.namelist())


def test_csv(reports: dict[str, Path]) -> None:
    with reports["results.csv"].open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by = {r["site_id"]: r for r in rows}
    assert (
        by["pemkot"]["K1"] == "met"
        and by["pemkot"]["E5"] == "not_met"
        and by["pemkot"]["C1"] == "needs_review"
    )
    assert (
        float(by["pemkot"]["score_broadcasting"]) == pytest.approx(0.8)
        and by["pemkot"]["met_broadcasting"] == "4"
    )
    assert (
        by["dinkes"]["scan_status"] == "unreachable"
        and by["dinkes"]["K1"] == ""
        and by["dinkes"]["score_broadcasting"] == ""
    )
    with reports["evidence.csv"].open(encoding="utf-8") as fh:
        ev = list(csv.DictReader(fh))
    assert {
        "site_id",
        "code",
        "verdict",
        "confidence",
        "url",
        "warc_record_id",
        "snippet",
        "detector",
    } <= set(ev[0])
    assert any(r["snippet"] == HOSTILE for r in ev)
    assert any(r["snippet"] == "'" + FORMULA for r in ev)  # neutralised for spreadsheets
    assert not any(r["site_id"] == "dinkes" for r in ev)


def test_markdown(reports: dict[str, Path]) -> None:
    md = reports["report.md"].read_text(encoding="utf-8")
    assert "| Pemkot | read | 80.0% (4/5) |" in md
    assert "1. **I4 Complaints answered (G2C2G)** (Interactive service)" in md
    assert "*unreachable* (DNS lookup failed)" in md
    assert "<script" not in md


def test_print_summary(audit, fw) -> None:
    audit.sites[0].short = "[bold]Pemkot[/bold]"
    console = Console(record=True, width=140)
    print_summary(audit, fw, console, "en")
    out = console.export_text()
    assert "[bold]Pemkot[/bold]" in out  # markup in data stays literal
    assert "unreachable" in out and "80.0% (4/5)" in out and "Social channel coverage" in out


def test_reviews_reach_the_report(tmp_path: Path, fw) -> None:
    store = Store(default_url(tmp_path))
    audit_id = store.save_audit(make_audit(fw), fw)
    store.add_review(audit_id, "diskominfo", "I4", "met", "siti", "LAPOR! answers seen")
    loaded = store.load_audit(audit_id)
    store.close()
    paths = write_reports(loaded, fw, tmp_path / "r", formats=["json", "html"])
    doc = json.loads(paths[0].read_text(encoding="utf-8"))
    disk = next(s for s in doc["sites"] if s["site_id"] == "diskominfo")
    assert disk["criteria"]["I4"] | {"evidence": None} == {
        "verdict": "met",
        "confidence": 1.0,
        "decision": "auto",
        "source": "review",
        "reviewer": "siti",
        "reason": "LAPOR! answers seen",
        "evidence": None,
    }
    assert disk["scores_detail"]["interactive"]["met"] == 1
    assert "I4" not in [r["code"] for r in disk["recommendations"]]
    assert "review: siti" in paths[1].read_text(encoding="utf-8")


def test_formats_constant() -> None:
    assert FORMATS == ("html", "xlsx", "csv", "json", "md")


def test_summary_table(tmp_path: Path, audit, fw) -> None:
    """The study's table comes from assess.summarize: key figures with denominators, per-model
    mean/highest/lowest, notes; keys the report has no layout for are still shown."""
    from govlens.assess import summarize

    audit.summary = summarize(audit.portfolio, audit.sites, fw)
    audit.summary["notes"].append("27 rows for 28 organisations <b>")
    audit.summary["future_key"] = {"answer": 42}
    html_path, md_path = write_reports(audit, fw, tmp_path, formats=["html", "md"])
    html, md = html_path.read_text(encoding="utf-8"), md_path.read_text(encoding="utf-8")
    assert "Organisations with a website" in html and "3/4 (75.0%)" in html
    assert (
        "<td>Broadcasting</td>" in html
        and "60.0%" in html
        and "80.0% (1 site)" in html
        and "40.0% (1 site)" in html
    )
    assert "27 rows for 28 organisations &lt;b&gt;" in html
    assert "future_key › answer" in html and "42" in html
    assert "| Broadcasting | 5 | 2 | 60.0% | 80.0% (1 site) | 40.0% (1 site) |" in md
    assert "DNS lookup failed" in html  # the list of sites not read


def test_reports_are_replaced_whole(tmp_path: Path, audit, fw) -> None:
    """Files go through a scratch folder and are renamed into place: a run killed while writing
    leaves the previous complete results.json, never a truncated one; old scratch folders of
    killed runs are cleaned up, fresh ones (a run writing now) are left alone."""
    import os
    import time

    out = tmp_path / "out"
    write_reports(audit, fw, out, formats=["json"])
    stale = out / ".govlens-report-killed"
    stale.mkdir()
    (stale / "results.json").write_text('{"trunc', encoding="utf-8")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = out / ".govlens-report-running"
    fresh.mkdir()
    paths = write_reports(audit, fw, out, formats=["json", "html"])
    assert sorted(p.name for p in paths) == ["report.html", "results.json"]
    assert all(p.parent == out for p in paths)
    json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert not stale.exists() and fresh.exists()
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".govlens-report-running"]
