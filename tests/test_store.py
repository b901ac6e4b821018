"""Store tests, each run on a SQLite file and on PostgreSQL (tests/conftest_pg.py); also home of the small framework/audit builders the report
tests share (a framework with three models and an audit with ok, unreachable and no-site rows)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select

from govlens.assess.framework import Framework
from govlens.store import Store, default_url
from govlens.store.models import EvidenceRow, VerdictRow
from govlens.types import (
    AuditResult,
    DeclaredChannel,
    Evidence,
    LinkCheck,
    ModelScore,
    Organisation,
    Portfolio,
    SiteAssessment,
    SocialChannel,
    Verdict,
)

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _crit(code: str, en: str, idn: str, prio: int, decision: str = "auto") -> dict:
    return {
        "code": code,
        "label": {"en": en, "id": idn},
        "description": {"en": f"{en} (description)", "id": f"{idn} (deskripsi)"},
        "decision": decision,
        "recommendation": {"en": f"Publish: {en.lower()}", "id": f"Terbitkan: {idn.lower()}"},
        "priority": prio,
    }


def make_framework() -> Framework:
    return Framework.model_validate(
        {
            "id": "test-fw",
            "version": "1.0",
            "title": {"en": "Test governance models", "id": "Model tata kelola uji"},
            "models": [
                {
                    "id": "broadcasting",
                    "label": {"en": "Broadcasting", "id": "Penyiaran"},
                    "order": 1,
                    "implemented_threshold": 0.5,
                    "criteria": [
                        _crit("K1", "Information is disseminated", "Informasi disebarluaskan", 90),
                        _crit("K2", "Official government domain", "Domain resmi pemerintah", 80),
                        _crit("K3", "Media convergence", "Konvergensi media", 70),
                        _crit("E1", "Laws and regulations", "Peraturan perundang-undangan", 60),
                        _crit("E5", "Court decisions", "Putusan pengadilan", 10),
                    ],
                },
                {
                    "id": "critical-flow",
                    "label": {"en": "Critical flow", "id": "Aliran kritis"},
                    "order": 2,
                    "criteria": [
                        _crit("C1", "Critical information", "Informasi kritis", 40, "assisted"),
                        _crit("C4", "Track records of officials", "Rekam jejak pejabat", 30),
                    ],
                },
                {
                    "id": "interactive",
                    "label": {"en": "Interactive service", "id": "Layanan interaktif"},
                    "order": 5,
                    "criteria": [
                        _crit("I3", "Services online", "Layanan daring", 85),
                        _crit("I4", "Complaints answered (G2C2G)", "Pengaduan ditindaklanjuti", 95),
                        _crit("I5", "Public polls", "Jajak pendapat", 50, "manual"),
                    ],
                },
            ],
        }
    )


def _ev(url: str, snippet: str, detector: str, n: int) -> Evidence:
    return Evidence(
        url=url,
        warc_record_id=f"<urn:uuid:0000-{n:04d}>",
        snippet=snippet,
        detector=detector,
        warc_file="site.warc.gz",
        detail="pattern: berita",
    )


def _site(
    site_id: str, org: str, short: str, url: str, met: set[str], review: set[str], fw: Framework
) -> SiteAssessment:
    verdicts: dict[str, Verdict] = {}
    for i, (_, c) in enumerate(fw.criteria()):
        value = "met" if c.code in met else "needs_review" if c.code in review else "not_met"
        evidence = (
            [_ev(url + "berita", f"Berita terbaru {c.code}", "keywords", i)] if value != "not_met" else []
        )
        verdicts[c.code] = Verdict(
            code=c.code,
            verdict=value,
            confidence=0.9 if value == "met" else 0.5,
            evidence=evidence,
            reason=f"{c.code}: {value}",
            decision=c.decision,
        )
    scores = {}
    for m in fw.models:
        codes = [c.code for c in m.criteria]
        scores[m.id] = ModelScore(
            model=m.id,
            met=sum(verdicts[c].verdict == "met" for c in codes),
            total=len(codes),
            needs_review=sum(verdicts[c].verdict == "needs_review" for c in codes),
        )
    implemented = [m.id for m in fw.models if scores[m.id].fraction >= m.implemented_threshold]
    recs = [
        c.code
        for _, c in sorted(fw.criteria(), key=lambda mc: -mc[1].priority)
        if verdicts[c.code].verdict == "not_met"
    ]
    return SiteAssessment(
        site_id=site_id,
        organisation=org,
        short=short,
        url=url,
        scan_status="ok",
        scan_detail="",
        verdicts=verdicts,
        scores=scores,
        implemented=implemented,
        pages=12,
        socials_found=[SocialChannel(platform="instagram", url="https://instagram.com/x", handle="x")],
        broken_links=[LinkCheck(url=url + "layanan", status=404, record_id="<urn:uuid:404>")],
        recommendations=recs,
    )


def make_audit(fw: Framework | None = None) -> AuditResult:
    fw = fw or make_framework()
    orgs = [
        Organisation(
            id="pemkot",
            name="Pemerintah Kota Contoh",
            short="Pemkot",
            kind="main",
            sites=["https://www.contoh.go.id/"],
            channels=[
                DeclaredChannel("facebook"),
                DeclaredChannel("instagram", url="https://instagram.com/x"),
            ],
        ),
        Organisation(
            id="diskominfo",
            name="Dinas Komunikasi dan Informatika",
            short="Diskominfo",
            sites=["https://diskominfo.contoh.go.id/"],
            channels=[DeclaredChannel("facebook"), DeclaredChannel("youtube", present=False)],
        ),
        Organisation(
            id="dinkes", name="Dinas Kesehatan", short="Dinkes", sites=["https://dinkes.contoh.go.id/"]
        ),
        Organisation(id="satpol", name="Satuan Polisi Pamong Praja", short="Satpol PP", sites=[]),
    ]
    pemkot = _site(
        "pemkot",
        orgs[0].name,
        "Pemkot",
        "https://www.contoh.go.id/",
        {"K1", "K2", "K3", "E1", "I3"},
        {"C1"},
        fw,
    )
    pemkot.verdicts["K1"].evidence.append(_ev("https://www.contoh.go.id/x", HOSTILE, "keywords", 99))
    diskominfo = _site(
        "diskominfo", orgs[1].name, "Diskominfo", "https://diskominfo.contoh.go.id/", {"K1", "K2"}, {"I5"}, fw
    )
    # as govlens.assess.engine does: an unreadable site gets needs_review everywhere except the
    # criteria settled by the address alone; a missing site gets not_met ("no website") everywhere
    dinkes = _site(
        "dinkes",
        orgs[2].name,
        "Dinkes",
        "https://dinkes.contoh.go.id/",
        {"K2"},
        {c.code for _, c in fw.criteria()} - {"K2"},
        fw,
    )
    dinkes.scan_status, dinkes.scan_detail = "unreachable", "DNS lookup failed"
    dinkes.socials_found, dinkes.broken_links, dinkes.pages = [], [], 0
    satpol = _site("satpol", orgs[3].name, "Satpol PP", "", set(), set(), fw)
    satpol.scan_status, satpol.scan_detail = "no_site", "the portfolio declares no website"
    satpol.socials_found, satpol.broken_links, satpol.pages = [], [], 0
    return AuditResult(
        portfolio=Portfolio(name="Kota Contoh", organisations=orgs, region="Banten", main_portal="pemkot"),
        framework_id=fw.id,
        framework_version=fw.version,
        sites=[pemkot, diskominfo, dinkes, satpol],
        started="2022-11-15T01:00:00Z",
        finished="2022-11-15T02:30:00Z",
        archives=["archive/pemkot.warc.gz", "archive/diskominfo.warc.gz"],
        summary={"sites": 4, "assessed": 2},
        label="test audit",
    )


@pytest.fixture
def store(db_url: str) -> Store:
    s = Store(db_url)
    yield s
    s.close()


def test_default_url_is_a_file_in_the_run_folder(tmp_path: Path) -> None:
    with Store(default_url(tmp_path)) as s:
        s.list_audits()
    assert (tmp_path / "govlens.db").exists()


def test_round_trip(store: Store) -> None:
    fw = make_framework()
    audit = make_audit(fw)
    audit_id = store.save_audit(audit, fw)
    assert audit.audit_id == audit_id
    back = store.load_audit(audit_id)
    assert back.audit_id == audit_id
    assert back.portfolio.name == "Kota Contoh" and back.portfolio.main_portal == "pemkot"
    assert [o.id for o in back.portfolio.organisations] == ["pemkot", "diskominfo", "dinkes", "satpol"]
    assert back.portfolio.organisations[1].channels[1].present is False
    assert [s.site_id for s in back.sites] == [s.site_id for s in audit.sites]
    for a, b in zip(audit.sites, back.sites, strict=True):
        assert list(a.verdicts) == list(b.verdicts)  # framework order kept
        assert a.scores == b.scores
        assert a.implemented == b.implemented
        assert a.scan_status == b.scan_status and a.scan_detail == b.scan_detail
        assert a.socials_found == b.socials_found and a.broken_links == b.broken_links
        assert a.recommendations == b.recommendations
        for code, v in a.verdicts.items():
            w = b.verdicts[code]
            assert (w.verdict, w.confidence, w.decision, w.reason, w.source) == (
                v.verdict,
                v.confidence,
                v.decision,
                v.reason,
                "machine",
            )
            assert w.evidence == v.evidence
    assert back.started == "2022-11-15T01:00:00Z" and back.finished == "2022-11-15T02:30:00Z"
    assert back.summary == {"sites": 4, "assessed": 2}
    assert back.archives == audit.archives


def test_latest_and_list(store: Store) -> None:
    fw = make_framework()
    first = make_audit(fw)
    second = make_audit(fw)
    second.started, second.finished = "2023-01-10T00:00:00Z", "2023-01-10T01:00:00Z"
    other = make_audit(fw)
    other.portfolio.name = "Kota Lain"
    other.started = "2022-12-01T00:00:00Z"
    ids = [store.save_audit(a, fw) for a in (second, first, other)]
    assert store.load_audit().audit_id == ids[0]  # latest by time, not by insertion
    listed = store.list_audits("Kota Contoh")
    assert [a.id for a in listed] == [ids[1], ids[0]]
    assert listed[0].sites == 4 and listed[0].started == "2022-11-15T01:00:00Z"
    assert len(store.list_audits()) == 3
    with pytest.raises(LookupError):
        store.load_audit(999)


def test_reviews_beside_machine(store: Store) -> None:
    fw = make_framework()
    audit_id = store.save_audit(make_audit(fw), fw)
    store.add_review(
        audit_id, "diskominfo", "K3", "met", "ana", "Instagram embed on home", created="2022-11-20T00:00:00Z"
    )
    store.add_review(
        audit_id,
        "diskominfo",
        "K3",
        "not_met",
        "budi",
        "embed is of another agency",
        created="2022-11-21T00:00:00Z",
    )
    store.add_review(
        audit_id, "diskominfo", "E1", "met", "ana", "JDIH link in footer", created="2022-11-19T00:00:00Z"
    )
    with pytest.raises(ValueError):
        store.add_review(audit_id, "diskominfo", "K1", "maybe", "ana")
    with pytest.raises(KeyError):
        store.add_review(audit_id, "nowhere", "K1", "met", "ana")
    with pytest.raises(KeyError):
        store.add_review(audit_id, "diskominfo", "Z9", "met", "ana")

    final = store.load_audit(audit_id, fw=fw)
    assert final.summary["criteria"][3]["code"] == "E1" and final.summary["criteria"][3]["met"] == 2
    site = next(s for s in final.sites if s.site_id == "diskominfo")
    k3, e1 = site.verdicts["K3"], site.verdicts["E1"]
    assert (k3.verdict, k3.source, k3.reviewer) == ("not_met", "review", "budi")  # latest wins
    assert (e1.verdict, e1.source, e1.reviewer, e1.reason) == ("met", "review", "ana", "JDIH link in footer")
    assert site.verdicts["K1"].source == "machine"
    assert site.scores["broadcasting"].met == 3  # K1, K2 + reviewed E1
    assert "broadcasting" in site.implemented  # 3/5 ≥ 0.5

    machine = store.load_audit(audit_id, apply_reviews=False)
    msite = next(s for s in machine.sites if s.site_id == "diskominfo")
    assert msite.verdicts["E1"].verdict == "not_met" and msite.verdicts["E1"].source == "machine"
    assert msite.scores["broadcasting"].met == 2

    fv = store.final_verdicts(audit_id)
    assert fv["diskominfo"]["K3"].reviewer == "budi" and fv["pemkot"]["K1"].source == "machine"
    assert [r.reviewer for r in store.reviews(audit_id)] == ["ana", "ana", "budi"]


def test_pages(store: Store) -> None:
    fw = make_framework()
    audit_id = store.save_audit(make_audit(fw), fw)
    rows = [
        {
            "url": "https://www.contoh.go.id/",
            "record_id": "<urn:uuid:1>",
            "warc_file": "p.warc.gz",
            "status": 200,
            "content_type": "text/html",
            "title": "Beranda",
        },
        {"url": "https://www.contoh.go.id/gone", "warc_record_id": "<urn:uuid:2>", "status": 404},
    ]
    assert store.save_pages(audit_id, "pemkot", rows) == 2
    pages = store.pages(audit_id, "pemkot")
    assert [p["warc_record_id"] for p in pages] == ["<urn:uuid:1>", "<urn:uuid:2>"]
    assert pages[1]["status"] == 404 and pages[1]["title"] == ""
    assert store.pages(audit_id, "diskominfo") == []


def test_migrate_after_create_all(db_factory: Callable[[], str]) -> None:
    """Alembic on both backends: a create_all database is stamped then upgraded; an empty one is
    built by the migrations alone."""
    pytest.importorskip("alembic")
    with Store(db_factory()) as s:
        s.list_audits()  # create_all on first use
        s.migrate()  # stamps, then upgrades: must not try to create the tables again
        assert "alembic_version" in inspect(s.engine).get_table_names()
    with Store(db_factory()) as s:
        s.migrate()  # empty database: the initial revision builds everything
        names = set(inspect(s.engine).get_table_names())
        assert {"audits", "organisations", "sites", "pages", "verdicts", "evidence", "reviews"} <= names
        fw = make_framework()
        assert s.save_audit(make_audit(fw), fw) == 1


def test_bulk_save_speed(store: Store) -> None:
    """A national audit is ~16,000 sites x ~30 criteria; 2,000 sites keeps the test quick while
    still going through many batches."""
    fw = make_framework()
    audit = make_audit(fw)
    template = audit.sites[0]
    audit.sites = [
        SiteAssessment(**{**template.__dict__, "site_id": f"s{i}", "url": f"https://s{i}.contoh.go.id/"})
        for i in range(2000)
    ]
    t = time.perf_counter()
    audit_id = store.save_audit(audit, fw)
    elapsed = time.perf_counter() - t
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(VerdictRow)).scalar() == 2000 * 10
        assert conn.execute(select(func.count()).select_from(EvidenceRow)).scalar() == 2000 * 7
    assert elapsed < 20, elapsed
    back = store.load_audit(audit_id)
    assert len(back.sites) == 2000 and back.sites[-1].verdicts["K1"].evidence[-1].snippet == HOSTILE


def test_postgresql_same_models(pg_url: str) -> None:
    """Same models and API on PostgreSQL, schema built by Alembic (the throwaway server of
    tests/conftest_pg.py, or GOVLENS_TEST_PG_URL)."""
    s = Store(pg_url)
    try:
        s.migrate()
        assert s.engine.dialect.name == "postgresql"
        fw = make_framework()
        audit_id = s.save_audit(make_audit(fw), fw)
        s.add_review(audit_id, "diskominfo", "E1", "met", "ana")
        back = s.load_audit()
        assert back.audit_id == audit_id
        site = next(x for x in back.sites if x.site_id == "diskominfo")
        assert site.verdicts["E1"].source == "review" and site.scores["broadcasting"].met == 3
        assert back.sites[0].verdicts["K1"].evidence[-1].snippet == HOSTILE
        assert back.started == "2022-11-15T01:00:00Z"
    finally:
        s.close()
