"""`govlens diff` of two demo audits between which one site was changed on purpose.

The demo sites are copied, the copy is served by ``DemoServer(root=copy)``, audited, changed
(a news page removed with its links, a service link broken, a dated document added, all on the
city portal ``www``), audited again into a second run folder sharing one database; the diff must
show those changes, what follows from them, and nothing on any other site.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govlens.cli import _crawl_config, _load_framework, _load_portfolio, _run_audit, app
from govlens.demo.pdf import make_pdf
from govlens.demo.server import DemoServer, demo_portfolio_path, sites_dir
from govlens.diff import diff_audits
from govlens.diff.freshness import find_dates
from govlens.store import Store

WWW = "https://www.demokota.go.id"
REMOVED = f"{WWW}/berita/2023/11/indeks-spbe-2023.html"
DOC = f"{WWW}/berita/jadwal-car-free-day-2025.pdf"
BROKEN = "https://sipanan.demokota.go.id/tutup"


def _audit(root: Path, out: Path, db: str, label: str) -> None:
    pf = _load_portfolio(demo_portfolio_path())
    fw = _load_framework("nath-2019")
    with DemoServer(root=root) as server:
        config = _crawl_config(url_map=server.url_map(), map_only=True, delay=0.02, timeout=5.0, retries=0)
        _run_audit(pf, out, fw, config, db, ["json", "html"], "en", label)


def _change_www(root: Path) -> None:
    www = root / "www"
    (www / "berita/2023/11/indeks-spbe-2023.html").unlink()
    for name in ("index.html", "berita/index.html", "sitemap.xml"):
        p = www / name
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        p.write_text("".join(x for x in lines if "indeks-spbe-2023" not in x), encoding="utf-8")
    for name in ("index.html", "layanan-online/index.html"):
        p = www / name
        p.write_text(p.read_text(encoding="utf-8").replace('"https://sipanan.demokota.go.id/"', f'"{BROKEN}"'),
                     encoding="utf-8")
    (www / "berita/jadwal-car-free-day-2025.pdf").write_bytes(
        make_pdf("Jadwal Car Free Day 2025", ["Car Free Day setiap Minggu pagi di Jalan Protokol."]))
    p = www / "berita/index.html"
    text = p.read_text(encoding="utf-8")
    assert "</ul>" in text
    p.write_text(text.replace("</ul>", '<li><a href="/berita/jadwal-car-free-day-2025.pdf">Jadwal Car Free Day '
                              "2025 (PDF)</a></li>\n</ul>", 1), encoding="utf-8")


def test_find_dates() -> None:
    from datetime import date

    got = find_dates("Senin, 29 Januari 2024 · 2023-12-18 · 27/11/2023 · 31 Desember 2099 · 32 Mei 2020",
                     today=date(2025, 1, 1))
    assert sorted(got) == [date(2023, 11, 27), date(2023, 12, 18), date(2024, 1, 29)]


@pytest.fixture(scope="module")
def two_audits(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("diff")
    root = tmp / "sites"
    shutil.copytree(sites_dir(), root)
    db = f"sqlite:///{tmp / 'shared.db'}"
    _audit(root, tmp / "run1", db, "before")
    _change_www(root)
    _audit(root, tmp / "run2", db, "after")
    return tmp, db


def test_diff_shows_exactly_the_changes(two_audits) -> None:
    _, db = two_audits
    store = Store(db)
    a, b = (x.id for x in store.list_audits())
    d = diff_audits(store, a, b)
    changed = {s.site_id: s for s in d.changed_sites}
    assert list(changed) == ["www"], {k: v.to_dict() for k, v in changed.items()}
    www = changed["www"]
    assert www.pages_removed == [REMOVED]
    assert www.pages_added == []
    assert www.documents_added == [DOC] and www.documents_removed == []
    # the portal's SIPANAN menu entry now points to a dead address: one service broken, none
    # added or removed (the entry is the same service, by name)
    assert www.services_source == "services"
    assert www.services_broken == [f"Harga Bahan Pokok (SIPANAN) <{BROKEN}>"]
    assert www.services_added == www.services_removed == www.services_repaired == []
    assert www.status_before == www.status_after == "ok"
    assert www.freshness_after == {"date": "2025", "precision": "year", "kind": "document", "url": DOC}
    assert www.freshness_before and www.freshness_before["precision"] == "day"
    # what follows from the removed page: the criteria whose only evidence it was are lost
    assert www.gained == [] and www.lost == ["A2", "A3"]
    before = store.load_audit(a).sites
    site_a = next(s for s in before if s.site_id == "www")
    for code in www.lost:
        assert {e.url for e in site_a.verdicts[code].evidence} == {REMOVED}
    assert [(x.model, x.before, x.after) for x in www.scores] == [("comparative-analysis", 0.4, 0.0)]


def test_cli_diff_json_and_history_in_report(two_audits) -> None:
    tmp, db = two_audits
    r = CliRunner().invoke(app, ["diff", str(tmp / "run2"), "1", "2", "--db", db, "--json", str(tmp / "d.json")])
    assert r.exit_code == 0, r.output
    assert "1 of 11 sites changed" in r.output
    assert f"page removed: {REMOVED}" in r.output and f"service broken: Harga Bahan Pokok (SIPANAN) <{BROKEN}>" in r.output
    data = json.loads((tmp / "d.json").read_text())
    assert data["sites_changed"] == 1
    assert [s["site_id"] for s in data["sites"] if s["changed"]] == ["www"]
    html = (tmp / "run2" / "report.html").read_text(encoding="utf-8")
    assert 'id="history"' in html and "<polyline" in html  # scores over time: two audits of the portfolio
    assert 'id="history"' not in (tmp / "run1" / "report.html").read_text(encoding="utf-8")
    print(r.output)
