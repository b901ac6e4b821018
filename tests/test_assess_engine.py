"""The engine's rules: scan status, no site, auto/assisted/manual, requires, scores, advice; and
the summary table with its denominators."""

from __future__ import annotations

import pytest

from govlens.assess import assess_site, load_framework, summarize
from govlens.assess.framework import Framework
from govlens.types import (
    DeclaredChannel,
    Link,
    LinkCheck,
    Organisation,
    PageFacts,
    Portfolio,
    SiteFacts,
    VerdictValue,
)


@pytest.fixture(scope="module")
def nath() -> Framework:
    return load_framework("nath-2019")


def page(url: str = "https://dinas.kota.go.id/", **kw) -> PageFacts:
    return PageFacts(url=url, record_id="<urn:uuid:1>", warc_file="a.warc.gz", status=200,
                     content_type="text/html", **kw)


def site(pages: list[PageFacts], seed: str = "https://dinas.kota.go.id/", status: str = "ok", sid: str = "s",
         **kw) -> SiteFacts:
    org = Organisation(id=sid, name=f"Dinas {sid}", short=sid.upper(), sites=[seed] if seed else [])
    return SiteFacts(site_id=sid, seed_url=seed, organisation=org, scan_status=status, scan_detail="",
                     pages=pages, **kw)


RICH = page(
    title="Dinas Kominfo",
    headings=["Berita Terkini", "Kritik dan Saran"],
    text="kata " * 100,
    full_text="Kepala Dinas: Budi Santoso. Alamat: Jl. Merdeka No. 1. Telp. (0254) 391234",
    links=[
        Link(url="https://www.instagram.com/kominfo/", text="Instagram", kind="social"),
        Link(url="https://dinas.kota.go.id/lkjip-2022.pdf", text="LKjIP 2022", kind="document"),
        Link(url="https://www.lapor.go.id/", text="SP4N LAPOR!", kind="external"),
        Link(url="https://dinas.kota.go.id/x", text="Perwal Nomor 5 Tahun 2020", kind="document"),
    ],
)


def test_auto_met_and_not_met_with_reasons(nath):
    a = assess_site(site([RICH]), nath)
    assert list(a.verdicts) == [c.code for _, c in nath.criteria()]
    for code in ("K1", "K2", "K3", "E1", "E2", "E4", "I1", "I4"):
        assert a.verdicts[code].verdict == VerdictValue.MET, (code, a.verdicts[code].reason)
        assert a.verdicts[code].evidence
    e5 = a.verdicts["E5"]
    assert e5.verdict == VerdictValue.NOT_MET and "1 page" in e5.reason and not e5.evidence


def test_assisted_never_guesses_and_manual_defers(nath):
    a = assess_site(site([page(text="nothing relevant here")]), nath)
    for _, c in nath.criteria():
        v = a.verdicts[c.code]
        if c.decision in ("assisted", "manual") and not c.requires:
            assert v.verdict == VerdictValue.NEEDS_REVIEW, c.code
        assert v.decision == c.decision


def test_requires_settles_dependants(nath):
    a = assess_site(site([page(text="nothing")]), nath)
    assert a.verdicts["K3"].verdict == VerdictValue.NOT_MET
    assert a.verdicts["C3"].verdict == VerdictValue.NOT_MET and "K3" in a.verdicts["C3"].reason
    assert a.verdicts["A4"].verdict == VerdictValue.NOT_MET  # no court decision at all


def test_unreadable_site_needs_review_except_page_independent(nath):
    a = assess_site(site([], status="unreachable"), nath)
    assert a.verdicts["K2"].verdict == VerdictValue.MET  # decided from the address
    for code, v in a.verdicts.items():
        if code != "K2":
            assert v.verdict == VerdictValue.NEEDS_REVIEW, code
            assert "unreachable" in v.reason or "needs review" in v.reason
    assert a.scores["broadcasting"].met == 1 and a.scores["broadcasting"].needs_review == 7


def test_no_site_is_not_met_everywhere(nath):
    a = assess_site(site([], seed="", status="no_site"), nath)
    assert all(v.verdict == VerdictValue.NOT_MET and v.reason == "no website" for v in a.verdicts.values())
    assert all(s.met == 0 for s in a.scores.values()) and a.implemented == [] and a.url == ""


def test_scores_threshold_and_recommendation_order(nath):
    a = assess_site(site([RICH]), nath)
    b = a.scores["broadcasting"]
    assert b.total == 8 and b.fraction == b.met / 8
    assert ("broadcasting" in a.implemented) == (b.fraction >= 0.5)
    prio = {c.code: c.priority for _, c in nath.criteria()}
    recs = a.recommendations
    assert recs and all(a.verdicts[c].verdict == VerdictValue.NOT_MET for c in recs)
    assert [prio[c] for c in recs] == sorted((prio[c] for c in recs), reverse=True)


def test_interactive_recommendations_come_first(nath):
    a = assess_site(site([page(text="x")]), nath)
    first = nath.model_of(a.recommendations[0]).id
    assert first == "interactive-service"


def test_broken_links_and_socials(nath):
    s = site([RICH, page(url="https://dinas.kota.go.id/soft", soft_404=True)],
             link_checks={"https://a/x": LinkCheck("https://a/x", 404), "https://a/y": LinkCheck("https://a/y", None, "dns"),
                          "https://a/z": LinkCheck("https://a/z", 200)})
    a = assess_site(s, nath)
    assert {lc.url for lc in a.broken_links} == {"https://a/x", "https://a/y", "https://dinas.kota.go.id/soft"}
    assert [c.platform for c in a.socials_found] == ["instagram"]


def test_detector_failure_is_not_a_verdict(nath, monkeypatch):
    from govlens.assess import detectors

    def boom(site, params):
        raise RuntimeError("bug")

    spec = detectors.REGISTRY["official_domain"]
    monkeypatch.setitem(detectors.REGISTRY, "official_domain",
                        detectors.DetectorSpec(spec.name, boom, spec.needs_pages, spec.params, spec.doc))
    a = assess_site(site([RICH]), nath)
    assert a.verdicts["K2"].verdict == VerdictValue.NEEDS_REVIEW and "failed" in a.verdicts["K2"].reason


def test_summary_shows_denominators(nath):
    orgs = [
        Organisation(id=f"o{i}", name=f"Org {i}", short=f"O{i}", sites=[f"https://o{i}.kota.go.id/"] if i < 3 else [],
                     channels=[DeclaredChannel("facebook", present=i < 2), DeclaredChannel("youtube", present=i == 0)])
        for i in range(4)
    ]
    pf = Portfolio(name="Kota", organisations=orgs)
    ass = [
        assess_site(site([RICH], seed="https://o0.kota.go.id/", sid="o0"), nath),
        assess_site(site([page(text="x")], seed="https://o1.kota.go.id/", sid="o1"), nath),
        assess_site(site([], seed="https://o2.kota.go.id/", status="unreachable", sid="o2"), nath),
        assess_site(site([], seed="", status="no_site", sid="o3"), nath),
    ]
    s = summarize(pf, ass, nath)
    assert s["counts"]["organisations"] == 4 and s["counts"]["rows"] == 4 and s["counts"]["assessed"] == 2
    assert s["websites"] == {"count": 3, "of": 4, "pct": 75.0}
    bc = next(m for m in s["models"] if m["id"] == "broadcasting")
    assert bc["sites"] == 2 and bc["highest"]["sites"] == 1 and bc["lowest"]["site_ids"] == ["o1"]
    k2 = next(c for c in s["criteria"] if c["code"] == "K2")
    assert k2["fulfilment"] == {"count": 2, "of": 2, "pct": 100.0}
    fb = next(p for p in s["platforms"] if p["platform"] == "facebook")
    assert fb["declared"] == {"count": 2, "of": 4, "pct": 50.0}
    ig = next(p for p in s["platforms"] if p["platform"] == "instagram")
    assert ig["found"] == {"count": 1, "of": 2, "pct": 50.0} and ig["declared"] == {"count": 0, "of": 4, "pct": 0.0}
    assert s["social"]["declared"]["count"] == 2 and s["social"]["found"]["count"] == 1
    assert s["only_broadcasting"]["of"] == 2
    import json

    json.dumps(s)  # JSON-ready
