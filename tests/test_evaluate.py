"""evaluate() against synthetic labels: counts, deferred cells, cannot_tell, matching by URL."""

from __future__ import annotations

import json

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
