"""Agreement statistics: textbook examples computed by hand, a cross-check against the
``krippendorff`` package (test-only, skipped when it is not installed), and the audit report over
reviewers and the machine on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import random

import pytest

from govlens.evaluate.agreement import (
    MACHINE,
    agreement,
    agreement_report,
    cohen_kappa,
    krippendorff_alpha,
    render,
    to_json,
)
from govlens.store import ReviewIn, Store
from test_store import make_audit, make_framework

# --------------------------------------------------------------------------- Cohen's kappa


def test_kappa_textbook_example() -> None:
    """50 items: both yes 20, A yes / B no 5, A no / B yes 10, both no 15 (the usual worked
    example): p_o = 0.70, p_e = 0.5*0.6 + 0.5*0.4 = 0.50, kappa = 0.40."""
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_kappa_edge_cases() -> None:
    assert cohen_kappa(["met", "not_met"], ["met", "not_met"]) == pytest.approx(1.0)
    assert cohen_kappa(["met", "not_met"], ["not_met", "met"]) == pytest.approx(-1.0)
    # one category everywhere: chance agreement is 1, kappa is 0/0
    assert cohen_kappa(["not_met"] * 5, ["not_met"] * 5) is None
    assert cohen_kappa([], []) is None
    # missing values are left out pairwise: only items 1 and 3 count
    assert cohen_kappa(["met", None, "not_met", "met"], ["met", "met", "not_met", None]) == pytest.approx(1.0)
    assert cohen_kappa([None], ["met"]) is None
    with pytest.raises(ValueError):
        cohen_kappa(["met"], ["met", "met"])


# --------------------------------------------------------------------------- Krippendorff's alpha

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers,
# 12 units, nominal data with missing values; alpha = 0.743. Rows are observers here.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]


def _units(coders: list[list[object]]) -> list[list[str | None]]:
    return [[None if c[u] is None else str(c[u]) for c in coders] for u in range(len(coders[0]))]


def test_alpha_krippendorff_2011_nominal_with_missing() -> None:
    assert krippendorff_alpha(_units(K2011)) == pytest.approx(0.743, abs=5e-4)


def test_alpha_binary_two_observers() -> None:
    """Krippendorff (2011) example A: two observers, ten units, binary: alpha = 0.095."""
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(_units([a, b])) == pytest.approx(0.095, abs=5e-4)


def test_alpha_edge_cases() -> None:
    assert krippendorff_alpha([["met", "met"], ["not_met", "not_met"]]) == pytest.approx(1.0)
    assert krippendorff_alpha([["met", "met"], ["met", "met"]]) is None  # no variation
    assert krippendorff_alpha([["met", None], [None, "met"]]) is None  # nothing pairable
    assert krippendorff_alpha([]) is None
    # a unit with a single value does not count
    assert krippendorff_alpha([["met", "met"], ["not_met", "not_met"], ["met", None]]) == pytest.approx(1.0)


def test_alpha_matches_krippendorff_package() -> None:
    kd = pytest.importorskip("krippendorff", reason="pip install krippendorff for the cross-check")
    np = pytest.importorskip("numpy")
    assert kd.alpha(reliability_data=np.array(K2011, dtype=float), level_of_measurement="nominal") == pytest.approx(
        krippendorff_alpha(_units(K2011))
    )
    rng = random.Random(20221115)
    checked = 0
    for _ in range(200):
        n_coders, n_units, n_cats = rng.randint(2, 5), rng.randint(2, 25), rng.randint(2, 4)
        p_missing = rng.choice([0.0, 0.2, 0.5])
        data = [[None if rng.random() < p_missing else rng.randrange(n_cats) for _ in range(n_units)]
                for _ in range(n_coders)]
        ours = krippendorff_alpha(_units(data))
        if ours is None:
            continue  # the package raises or returns nan where the coefficient is undefined
        arr = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
        theirs = kd.alpha(reliability_data=arr, level_of_measurement="nominal")
        assert ours == pytest.approx(theirs, abs=1e-9), data
        checked += 1
    assert checked > 150


def test_two_coder_alpha_close_to_kappa_without_missing() -> None:
    """Two coders, no missing data: alpha = 1 - (2N - 1)/(2N) * (1 - p_o)/(1 - p_e,pooled), the
    small-sample form of Scott's pi. The kappa example: p_o 0.7, pooled p_e 0.55² + 0.45² = 0.505,
    so alpha = 1 - 0.99 * 0.3 / 0.495 = 0.4 (kappa happens to be 0.4 too)."""
    a = ["met"] * 20 + ["met"] * 5 + ["not_met"] * 10 + ["not_met"] * 15
    b = ["met"] * 20 + ["not_met"] * 5 + ["met"] * 10 + ["not_met"] * 15
    alpha = krippendorff_alpha([[x, y] for x, y in zip(a, b, strict=True)])
    assert alpha == pytest.approx(1 - 0.99 * 0.3 / 0.495, abs=1e-12)
    assert alpha == pytest.approx(0.4)


# --------------------------------------------------------------------------- generic report


def test_agreement_generic_pairs_and_shared_n() -> None:
    ratings = {
        "ana": {("s1", "K1"): "met", ("s2", "K1"): "not_met", ("s1", "K2"): "met"},
        "budi": {("s1", "K1"): "met", ("s2", "K1"): "met", ("s3", "K1"): "met"},
    }
    rep = agreement(ratings)
    assert [g.code for g in rep.criteria] == ["K1", "K2"]
    k1 = rep.criterion("K1")
    assert k1 is not None
    p = k1.pair("budi", "ana")
    assert p is not None and (p.n, p.agree, p.percent) == (2, 1, 0.5)
    assert k1.coded == {"ana": 2, "budi": 3}
    k2 = rep.criterion("K2")
    assert k2 is not None and k2.pairs[0].n == 0 and k2.pairs[0].kappa is None and k2.alpha is None
    assert rep.overall.pairs[0].n == 2


# --------------------------------------------------------------------------- from the store


def _reviews() -> list[ReviewIn]:
    """K1 coded by two reviewers on all four sites of the test audit; ana first wrote pemkot
    not_met, then corrected it (her latest counts)."""
    t0, t1 = "2022-11-20T00:00:00Z", "2022-11-21T00:00:00Z"
    ana = {"pemkot": "met", "diskominfo": "not_met", "dinkes": "met", "satpol": "not_met"}
    budi = {"pemkot": "met", "diskominfo": "not_met", "dinkes": "not_met", "satpol": "not_met"}
    rows = [ReviewIn("pemkot", "K1", "not_met", "ana", created=t0)]
    rows += [ReviewIn(s, "K1", v, "ana", created=t1) for s, v in ana.items()]
    rows += [ReviewIn(s, "K1", v, "budi", created=t1) for s, v in budi.items()]
    return rows


def test_agreement_report_reviewers_and_machine(db_url: str) -> None:
    """Machine K1: pemkot met, diskominfo met, dinkes needs_review (unreachable: no value),
    satpol not_met (no site). By hand:
    machine × ana on 3 shared sites: p_o 2/3, p_e 4/9, kappa 0.4; the same for machine × budi;
    ana × budi on 4: p_o 3/4, p_e 1/2, kappa 0.5; alpha over the three coders: coincidences
    o_mm 3, o_nn 4, o_mn = o_nm 2, n = 11: alpha = 1 - 10 * 4 / (2 * 5 * 6) = 1/3."""
    fw = make_framework()
    with Store(db_url) as store:
        audit_id = store.save_audit(make_audit(fw), fw)
        assert store.add_reviews(audit_id, _reviews()) == 9
        rep = agreement_report(store, audit_id)
    assert rep.coders == [MACHINE, "ana", "budi"]
    k1 = rep.criterion("K1")
    assert k1 is not None
    ma, mb, ab = k1.pair(MACHINE, "ana"), k1.pair(MACHINE, "budi"), k1.pair("ana", "budi")
    assert ma is not None and mb is not None and ab is not None
    assert (ma.n, ma.agree) == (3, 2) and ma.kappa == pytest.approx(0.4)
    assert (mb.n, mb.agree) == (3, 2) and mb.kappa == pytest.approx(0.4)
    assert (ab.n, ab.agree) == (4, 3) and ab.kappa == pytest.approx(0.5)
    assert k1.alpha == pytest.approx(1 / 3)
    assert k1.coded == {MACHINE: 3, "ana": 4, "budi": 4}
    # criteria nobody reviewed: the reviewer pairs share nothing
    k2 = rep.criterion("K2")
    assert k2 is not None and k2.pair("ana", "budi").n == 0  # type: ignore[union-attr]
    # pooled over all cells: the reviewers only coded K1, so their pairs equal K1's
    assert rep.overall.pair("ana", "budi").kappa == pytest.approx(0.5)  # type: ignore[union-attr]
    data = json.loads(to_json(rep))
    assert data["criteria"][0]["code"] == "K1" and data["criteria"][0]["alpha"] == pytest.approx(0.3333)
    assert {"a": "ana", "b": "budi", "n": 4, "agree": 3, "percent": 0.75, "kappa": 0.5} in data["criteria"][0]["pairs"]


def test_render_and_cli(tmp_path, db_url: str) -> None:
    from rich.console import Console
    from typer.testing import CliRunner

    from govlens.cli import app

    fw = make_framework()
    with Store(db_url) as store:
        audit_id = store.save_audit(make_audit(fw), fw)
        store.add_reviews(audit_id, _reviews())
        console = Console(record=True, width=200)
        render(agreement_report(store), console)
    text = console.export_text()
    assert "machine × ana" in text and "0.40 (3, 67%)" in text and "0.50 (4, 75%)" in text
    out = tmp_path / "agreement.json"
    res = CliRunner().invoke(app, ["agreement", str(tmp_path), "--db", db_url, "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["audit_id"] == audit_id
