"""The service inventory and portal integration on the demo city (docs/services.md, docs/demo.md).

One crawl of the bundled Kota Demokota sites on 127.0.0.1 (map_only), assessed by the pipeline;
the numbers asserted here are derived by hand from the demo's pages and written down in
docs/services.md: a change to the demo or to the inventory rule must change both.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from govlens.archive import read_records
from govlens.assess import load_framework
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.demo.server import DemoServer, demo_portfolio_path
from govlens.pipeline import assess_archives
from govlens.portfolio import load_portfolio
from govlens.report import write_reports
from govlens.store import Store
from govlens.types import AuditResult, ServiceHealth, to_dict

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "src" / "govlens" / "schemas" / "results.schema.json"

# site -> {service name: (health, provider_kind)} as docs/services.md lists them
EXPECTED: dict[str, dict[str, tuple[str, str]]] = {
    "www": {
        "Akta Kelahiran Online": ("works", "portfolio"),
        "Cek Status Permohonan Dokumen Kependudukan": ("works", "portfolio"),
        "Perizinan Online (SiCantik)": ("http_error", "portfolio"),
        "Harga Bahan Pokok (SIPANAN)": ("works", "own"),
        "e-Retribusi Pasar Digital": ("http_error", "own"),
        "Layanan Kepegawaian (SIMPEG, kenaikan gaji berkala, kenaikan pangkat online)": (
            "login_required",
            "own",
        ),
        "Layanan Darurat 112": ("noop", "own"),
        "Legalisir Dokumen via WhatsApp": ("works", "own"),
        "Pengaduan SP4N-LAPOR!": ("works", "outside"),
        "Prakiraan Cuaca": ("works", "outside"),
        "Informasi Tagihan Listrik": ("works", "outside"),
        "Pajak Online (e-Filing)": ("works", "outside"),
        "Jadwal Donor Darah": ("works", "outside"),
    },
    "disdukcapil": {
        "Daftar Akta Kelahiran": ("works", "own"),
        "Cek Status": ("works", "own"),
        "Pengaduan": ("works", "own"),
        "Survei Kepuasan": ("works", "own"),
        "WhatsApp 0812-3456-7891": ("works", "own"),
        "SP4N-LAPOR! – Layanan Aspirasi dan Pengaduan Online Rakyat": ("works", "outside"),
    },
    "bappeda": {"Musrenbang": ("works", "own")},
    "diskominfo": {"Jajak Pendapat": ("works", "own"), "Kontak": ("works", "own")},
    "dpmptsp": {
        "Perizinan Online": ("http_error", "own"),
        "Tracking Izin": ("noop", "own"),
        "Pengaduan": ("noop", "own"),
        "Login Pegawai": ("login_required", "portfolio"),
        "Izin Reklame": ("soft_404", "own"),
        "Persetujuan Bangunan Gedung (PBG)": ("noop", "own"),
        "Izin Praktik Tenaga Kesehatan": ("soft_404", "own"),
    },
    "inspektorat": {
        "Whistleblowing System": ("works", "own"),
        "Pengaduan (SP4N-LAPOR!)": ("redirect_away", "outside"),
        "Lihat pengumuman LHKPN di e-LHKPN KPK": ("works", "outside"),
    },
    "dinkes": {},
    "satpolpp": {},
    "disparbud": {},
    "bpbd": {},
    "kesbangpol": {},
}


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditResult, Path]:
    base = tmp_path_factory.mktemp("svc-demo")
    archive = base / "archive"
    portfolio = load_portfolio(demo_portfolio_path())
    with DemoServer() as demo:
        cfg = CrawlConfig(url_map=demo.url_map(), map_only=True, delay=0.05, retries=0, timeout=10)
        crawl_portfolio(portfolio, archive, cfg)
    audit, _ = assess_archives(
        sorted(archive.glob("*.warc.gz")), portfolio, load_framework("nath-2019"), archive_dir=archive
    )
    return audit, archive


def test_each_site_inventory(demo_audit: tuple[AuditResult, Path]) -> None:
    audit, _ = demo_audit
    for site in audit.sites:
        assert site.services is not None, site.site_id
        got = {s.name: (s.health, s.provider_kind) for s in site.services}
        assert got == EXPECTED[site.site_id], site.site_id


def test_menu_paths_and_providers(demo_audit: tuple[AuditResult, Path]) -> None:
    audit, _ = demo_audit
    by = {(a.site_id, s.name): s for a in audit.sites for s in a.services or []}
    assert by[("www", "Prakiraan Cuaca")].menu_path == ["Layanan Online", "Prakiraan Cuaca"]
    assert by[("www", "Prakiraan Cuaca")].provider == "BMKG"
    assert by[("www", "Pajak Online (e-Filing)")].provider == "Direktorat Jenderal Pajak"
    assert by[("www", "Jadwal Donor Darah")].provider == "Palang Merah Indonesia"
    assert by[("www", "Informasi Tagihan Listrik")].provider == "PLN"
    assert by[("www", "Akta Kelahiran Online")].menu_path == ["Akta Kelahiran Online"]  # home, 1 click
    assert by[("www", "Akta Kelahiran Online")].provider_org == "disdukcapil"
    assert by[("www", "Akta Kelahiran Online")].kind == "form"  # as disdukcapil's own page shows
    assert by[("www", "Perizinan Online (SiCantik)")].provider_org == "dpmptsp"
    assert by[("www", "Layanan Darurat 112")].url == ""
    assert by[("www", "Legalisir Dokumen via WhatsApp")].kind == "chat"
    assert by[("dpmptsp", "Izin Praktik Tenaga Kesehatan")].menu_path == [
        "Jenis Perizinan", "Izin Praktik Tenaga Kesehatan",
    ]  # fmt: skip
    assert by[("dpmptsp", "Login Pegawai")].provider_org == "www"
    assert by[("inspektorat", "Pengaduan (SP4N-LAPOR!)")].kind == "platform"
    assert by[("disdukcapil", "Pengaduan")].kind == "form"


def test_evidence_records_are_in_the_archive(demo_audit: tuple[AuditResult, Path]) -> None:
    audit, archive = demo_audit
    ids = {r.record_id for r in read_records(sorted(archive.glob("*.warc.gz")))}
    for site in audit.sites:
        for s in site.services or []:
            if s.url:
                assert s.record_id in ids, (site.site_id, s.name)


def test_integration_figures(demo_audit: tuple[AuditResult, Path]) -> None:
    audit, _ = demo_audit
    summary = audit.summary["services"]
    assert (summary["found"], summary["broken"], summary["unknown"], summary["ok"]) == (32, 9, 2, 21)
    integ = audit.summary["integration"]
    p = integ["portal"]
    assert p["services"] == 13
    assert (p["by_portfolio"], p["by_portal_org"], p["by_other_orgs"], p["by_outside"]) == (8, 5, 3, 5)
    assert p["outside_providers"] == [
        "BMKG", "Direktorat Jenderal Pajak", "PLN", "Palang Merah Indonesia", "SP4N-LAPOR! (KemenPAN-RB)",
    ]  # fmt: skip
    assert (p["broken"], p["could_not_judge"]) == (3, 1)
    assert p["by_health"] == {"http_error": 2, "login_required": 1, "noop": 1, "works": 9}
    t = integ["totals"]
    assert (t["services"], t["broken"], t["could_not_judge"], t["on_portal"]) == (27, 8, 1, 13)
    assert (t["own_site_only"], t["other_site_only"], t["unreachable"]) == (12, 2, 0)
    orgs = {o["org_id"]: o for o in integ["organisations"]}
    row = {k: orgs[k] for k in ("www", "disdukcapil", "bappeda", "diskominfo", "dpmptsp", "inspektorat")}
    assert {k: (o["services"], o["on_portal"], o["own_site_only"], o["broken"]) for k, o in row.items()} == {
        "www": (5, 5, 0, 2),
        "disdukcapil": (5, 2, 3, 0),
        "bappeda": (1, 0, 1, 0),
        "diskominfo": (2, 0, 2, 0),
        "dpmptsp": (6, 1, 5, 6),
        "inspektorat": (1, 0, 1, 0),
    }
    assert (orgs["www"]["portal_clicks_min"], orgs["www"]["portal_clicks_max"]) == (1, 2)
    assert orgs["disdukcapil"]["site_clicks"] == 2  # portal home → Perangkat Daerah → the site
    by = {m["name"]: m for m in integ["services"]}
    # not linked from the portal, reached through the OPD's own site: 2 clicks to it + 1 on it
    for name in ("Pengaduan", "Survei Kepuasan", "Musrenbang", "Whistleblowing System"):
        assert by[name]["reach"] == "own_site" and by[name]["clicks"] == 3, name
    assert (
        by["Akta Kelahiran Online"]["reach"] == "portal" and by["Akta Kelahiran Online"]["portal_clicks"] == 1
    )
    assert sorted(by["Akta Kelahiran Online"]["listed_on"]) == ["disdukcapil", "www"]
    assert orgs["disparbud"]["inventoried"] is False and orgs["bpbd"]["inventoried"] is False
    json.dumps(audit.summary)  # JSON-ready


def test_store_round_trip(demo_audit: tuple[AuditResult, Path], tmp_path: Path) -> None:
    audit, _ = demo_audit
    with Store(tmp_path / "a.db") as st:
        st.migrate()
        aid = st.save_audit(audit)
        back = st.load_audit(aid)
    for a, b in zip(audit.sites, back.sites, strict=True):
        assert to_dict(a.services) == to_dict(b.services), a.site_id
        assert (a.site_links or {}) == (b.site_links or {})
    assert back.summary["integration"] == json.loads(json.dumps(audit.summary["integration"]))


def test_reports(demo_audit: tuple[AuditResult, Path], tmp_path: Path) -> None:
    audit, _ = demo_audit
    fw = load_framework("nath-2019")
    write_reports(audit, fw, tmp_path / "en", lang="en")
    write_reports(audit, fw, tmp_path / "id", formats=["html", "md"], lang="id")
    results = json.loads((tmp_path / "en" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, json.loads(SCHEMA.read_text(encoding="utf-8")))
    www = next(s for s in results["sites"] if s["site_id"] == "www")
    assert [s["health_group"] for s in www["services"]][:3] == ["broken"] * 3  # broken ones first
    assert len(www["services"]) == 13
    page = (tmp_path / "en" / "report.html").read_text(encoding="utf-8")
    assert 'id="services"' in page and "Integration with the main portal" in page
    assert page.count("<svg") >= 1 and "Portal → sites → services" in page
    assert "Layanan Online › Layanan Darurat 112" in page
    assert "<script src" not in page and "http://cdn" not in page.lower()
    md = (tmp_path / "en" / "report.md").read_text(encoding="utf-8")
    assert "## Online services" in md and "| Services listed on the main portal | 13 |" in md
    idpage = (tmp_path / "id" / "report.id.html").read_text(encoding="utf-8")
    assert "Integrasi dengan portal utama" in idpage and "tidak berfungsi saat diklik" in idpage
    wb = load_workbook(tmp_path / "en" / "results.xlsx", read_only=True)
    assert "Services" in wb.sheetnames
    rows = list(wb["Services"].iter_rows(values_only=True))
    assert rows[0][:2] == ("Site", "Service") and len(rows) == 1 + 32


def test_health_groups_are_exhaustive() -> None:
    assert {h.group for h in ServiceHealth} == {"ok", "broken", "unknown"}
