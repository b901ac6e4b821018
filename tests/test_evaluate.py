"""evaluate() against synthetic labels: counts, deferred cells, cannot_tell, matching by URL."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from govlens.evaluate import evaluate, render, to_json
from govlens.types import ModelScore, SiteAssessment, Verdict


def assessment(sid: str, url: str, verdicts: dict[str, str]) -> SiteAssessment:
    return SiteAssessment(site_id=sid, organisation=sid, short=sid, url=url, scan_status="ok", scan_detail="",
                          verdicts={c: Verdict(c, v, 0.8) for c, v in verdicts.items()},
                          scores={"m": ModelScore("m", 0, 1)}, implemented=[])


@pytest.fixture
def labels(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "site: a\nurl: https://a.go.id/\ncriteria:\n"
        "  K1: {verdict: met}\n  K2: {verdict: met}\n  E5: {verdict: not_met}\n  M2: {verdict: cannot_tell, why: x}\n",
        encoding="utf-8")
    (tmp_path / "b.yaml").write_text(
        "site: b-label-slug\nurl: https://www.b.gov/home/\ncriteria:\n"
        "  K1: {verdict: met}\n  K2: {verdict: not_met}\n  E5: {verdict: met}\n  M2: {verdict: not_met}\n",
        encoding="utf-8")
    return tmp_path


def test_counts_and_deferred(labels):
    ass = [
        assessment("a", "https://a.go.id/", {"K1": "met", "K2": "needs_review", "E5": "met", "M2": "needs_review"}),
        assessment("other-id", "http://b.gov/home", {"K1": "not_met", "K2": "not_met", "E5": "met", "M2": "needs_review"}),
    ]
    r = evaluate(ass, labels)
    assert sorted(r.sites_matched) == ["a", "b-label-slug"] and r.cannot_tell == 1
    k1, k2, e5, m2 = (r.criteria[c] for c in ("K1", "K2", "E5", "M2"))
    assert (k1.tp, k1.fn, k1.support) == (1, 1, 2) and k1.recall == 0.5 and k1.precision == 1.0
    assert (k2.deferred, k2.deferred_met, k2.tn, k2.decided) == (1, 1, 1, 1) and k2.agreement == 1.0
    assert k2.agreement_all == 0.5 and k2.recall_all == 0.0
    assert (e5.fp, e5.tp) == (1, 1)
    assert m2.support == 1 and m2.deferred == 1 and m2.agreement is None  # nothing decided
    o = r.overall
    assert o.support == 7 and o.deferred == 2 and o.decided == 5
    assert {(d.site, d.code) for d in r.disagreements} == {("a", "E5"), ("b-label-slug", "K1")}
    data = json.loads(to_json(r))
    assert data["criteria"]["K2"]["deferred"] == 1 and data["cannot_tell_excluded"] == 1


def test_unmatched_and_render(labels, capsys):
    r = evaluate([assessment("zzz", "https://z.go.id/", {"K1": "met"})], labels)
    assert sorted(r.labels_unmatched) == ["a", "b-label-slug"] and r.assessments_unlabelled == ["zzz"]
    from rich.console import Console

    render(r, Console(width=160))
    assert "deferred" in capsys.readouterr().out


def test_bad_label_file_is_an_error(tmp_path):
    (tmp_path / "x.yaml").write_text("site: x\ncriteria:\n  K1: {verdict: maybe}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.yaml"):
        evaluate([], tmp_path)


# --------------------------------------------------------------------------- agreement, reliability, confusion


def _site(sid: str, cells: dict[str, tuple[str, float]], evidence: bool = True) -> SiteAssessment:
    from govlens.types import Evidence

    verdicts = {
        c: Verdict(c, v, conf, reason=f"{c} because",
                   evidence=[Evidence(f"https://{sid}.go.id/p{i}", f"rec{i}", f"snippet {i}", f"det{i}")
                             for i in range(5)] if evidence and v == "met" else [])
        for c, (v, conf) in cells.items()
    }
    return SiteAssessment(site_id=sid, organisation=sid, short=sid, url=f"https://{sid}.go.id/", scan_status="ok",
                          scan_detail="", verdicts=verdicts, scores={}, implemented=[])


@pytest.fixture
def kappa_case(tmp_path):
    """Four sites, one criterion X: labels met, met, not_met, not_met; tool met, not_met, not_met, not_met
    (decided), plus a criterion Y the tool defers on one site.

    X: p_o = 3/4, p_e = (2*1 + 2*3)/16 = 1/2, kappa = 0.5. Krippendorff (nominal, 2 coders, 4 units):
    o(met,met)=2, o(nm,nm)=4, o(met,nm)=o(nm,met)=1; n_met=3, n_nm=5, n=8;
    alpha = 1 - 7 * 2 / (2 * 3 * 5) = 1 - 14/30 = 0.5333.
    """
    labels = {"s1": ("met", "met"), "s2": ("met", "not_met"), "s3": ("not_met", "met"), "s4": ("not_met", "not_met")}
    for sid, (x, y) in labels.items():
        (tmp_path / f"{sid}.yaml").write_text(
            f"site: {sid}\nurl: https://{sid}.go.id/\ncriteria:\n"
            f"  X:\n    verdict: {x}\n" + ("    evidence:\n    - {file: index.html, quote: the budget 2024}\n" if x == "met" else "")
            + f"  Y: {{verdict: {y}, why: coders note {sid}}}\n",
            encoding="utf-8")
    sites = [
        _site("s1", {"X": ("met", 0.95), "Y": ("met", 0.85)}),
        _site("s2", {"X": ("not_met", 0.6), "Y": ("needs_review", 0.0)}),
        _site("s3", {"X": ("not_met", 0.65), "Y": ("met", 0.85)}),
        _site("s4", {"X": ("not_met", 0.95), "Y": ("met", 0.55)}),
    ]
    return evaluate(sites, tmp_path)


def test_kappa_and_alpha_known_values(kappa_case):
    x, y = kappa_case.criteria["X"], kappa_case.criteria["Y"]
    assert x.kappa == pytest.approx(0.5) and x.kappa_all == pytest.approx(0.5)
    assert x.alpha == pytest.approx(1 - 14 / 30)
    # Y decided: s1 met/met, s3 met/met, s4 not_met/met -> labels {met 2, nm 1}, tool {met 3}: kappa 0
    assert y.kappa == pytest.approx(0.0)
    # Y with needs_review as a category: 4 cells, p_o = 2/4, p_e = (met: 2*3)/16 = 6/16 -> 0.2
    assert y.kappa_all == pytest.approx((0.5 - 6 / 16) / (1 - 6 / 16))
    # pooled alpha equals the one computed directly with the reviewers' code
    from govlens.evaluate.agreement import krippendorff_alpha

    units = [["met", "met"], ["met", "not_met"], ["not_met", "not_met"], ["not_met", "not_met"],
             ["met", "met"], ["not_met", None], ["met", "met"], ["not_met", "met"]]
    assert kappa_case.alpha == pytest.approx(krippendorff_alpha(units))
    assert kappa_case.overall.kappa is not None


def test_reliability_bins_and_ece(kappa_case):
    rel = kappa_case.reliability
    by = {(b.lo, b.hi): b for b in rel.bins}
    # decided cells: X 0.95 ok, 0.6 wrong, 0.65 ok, 0.95 ok; Y 0.85 ok, 0.85 ok, 0.55 wrong
    assert rel.n == 7
    assert (by[(0.9, 1.0)].n, by[(0.9, 1.0)].correct) == (2, 2)
    assert (by[(0.6, 0.7)].n, by[(0.6, 0.7)].correct) == (2, 1)  # 0.6 lands in 0.6-0.7, not below
    assert (by[(0.8, 0.9)].n, by[(0.8, 0.9)].correct) == (2, 2)
    assert (by[(0.5, 0.6)].n, by[(0.5, 0.6)].accuracy) == (1, 0.0)
    assert by[(0.0, 0.5)].n == 0 and by[(0.0, 0.5)].accuracy is None
    expected = (2 * abs(1 - 0.95) + 2 * abs(0.5 - 0.625) + 2 * abs(1 - 0.85) + 1 * abs(0 - 0.55)) / 7
    assert rel.ece == pytest.approx(expected)
    data = json.loads(to_json(kappa_case))["reliability"]
    assert data["n"] == 7 and len(data["bins"]) == 6 and data["ece"] == pytest.approx(expected, abs=1e-4)


def test_confusion_entries_carry_evidence(kappa_case):
    dis = {(d.site, d.code): d for d in kappa_case.disagreements}
    assert set(dis) == {("s2", "X"), ("s4", "Y")}  # deferred s2/Y is not a disagreement
    fn, fp = dis[("s2", "X")], dis[("s4", "Y")]
    assert fn.kind == "false_negative" and fn.label_evidence == [{"file": "index.html", "quote": "the budget 2024"}]
    assert fn.evidence == [] and fn.reason == "X because" and fn.confidence == 0.6
    assert fp.kind == "false_positive" and fp.label_why == "coders note s4" and fp.evidence_total == 5
    assert [e["detector"] for e in fp.evidence] == ["det0", "det1", "det2"]
    assert fp.evidence[0] == {"url": "https://s4.go.id/p0", "snippet": "snippet 0", "detector": "det0", "detail": ""}
    full = json.loads(to_json(kappa_case))["disagreements"]
    assert {d["site"] for d in full} == {"s2", "s4"} and all("label_evidence" in d for d in full)


def test_render_and_html_are_escaped(kappa_case, capsys):
    from rich.console import Console

    from govlens.evaluate.html import render_page

    kappa_case.disagreements[0].reason = "<script>alert(1)</script>"
    kappa_case.disagreements[1].evidence[0]["url"] = "javascript:alert(1)"
    render(kappa_case, Console(width=200), confusion=1)
    out = capsys.readouterr().out
    assert "Krippendorff" in out and "calibration error" in out and "first 1" in out
    page = render_page(kappa_case)
    assert "<script" not in page and "&lt;script&gt;" in page and 'href="javascript' not in page
    assert 'id="evaluation"' in page and "Reliability" in page and "<link" not in page
    assert 'src="' not in page and "@import" not in page


def test_saved_evaluation_feeds_the_report_section(kappa_case, tmp_path):
    from govlens.evaluate.html import SAVED_NAME, load_saved
    from govlens.report.sections import render_sections

    kappa_case.audit_id = 3
    (tmp_path / SAVED_NAME).write_text(to_json(kappa_case), encoding="utf-8")
    assert load_saved(tmp_path, 4) is None  # another audit's evaluation is not shown
    saved = load_saved(tmp_path, 3)
    assert saved is not None and saved["alpha"] == round(kappa_case.alpha, 4) and saved["audit_id"] == 3

    data = SimpleNamespace(lang="en", models=[], audit=SimpleNamespace(extras={"evaluation": saved}, audit_id=3))
    html = "".join(render_sections(data))  # type: ignore[arg-type]
    assert 'id="evaluation"' in html and "Disagreements (2)" in html
