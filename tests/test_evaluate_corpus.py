"""`govlens evaluate` on the real corpus: the report's structure (not its figures, which move as
detectors improve), in the terminal, JSON, the standalone page and the report section."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govlens.cli import app


@pytest.fixture(scope="module")
def run_dir(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ev")
    res = CliRunner().invoke(app, ["assess", *map(str, sorted((corpus_dir / "warc").glob("*.warc.gz"))),
                                   "--portfolio", str(corpus_dir / "portfolio.csv"), "--out", str(out),
                                   "--format", "json"])
    assert res.exit_code == 0, res.output
    return out


def test_evaluate_corpus_report_structure(run_dir: Path, corpus_dir: Path) -> None:
    res = CliRunner().invoke(app, ["evaluate", str(run_dir), "--labels", str(corpus_dir / "labels"),
                                   "--confusion", "3"], env={"COLUMNS": "220"})
    assert res.exit_code == 0, res.output
    assert "Krippendorff" in res.output and "Reliability" in res.output and "Disagreements" in res.output
    data = json.loads((run_dir / "evaluation.json").read_text(encoding="utf-8"))
    n_labels = len(list((corpus_dir / "labels").glob("*.yaml")))
    assert len(data["sites_matched"]) == n_labels and data["audit_id"] == 1
    assert len(data["criteria"]) == 28
    for s in data["criteria"].values():
        assert {"precision", "recall", "f1", "support", "kappa", "kappa_all", "alpha"} <= set(s)
    assert data["alpha"] is not None and -1 <= data["alpha"] <= 1
    rel = data["reliability"]
    assert rel["n"] == data["overall"]["decided"] == sum(b["n"] for b in rel["bins"])
    assert 0 <= rel["ece"] <= 1
    fp_fn = data["overall"]["fp"] + data["overall"]["fn"]
    assert len(data["disagreements"]) == fp_fn
    for d in data["disagreements"]:
        assert d["label"] != d["verdict"] and d["reason"]
        assert d["kind"] == ("false_positive" if d["verdict"] == "met" else "false_negative")
        if d["kind"] == "false_positive":
            assert d["evidence"] and all(e["url"] and e["detector"] for e in d["evidence"])
        else:
            assert d["label_evidence"]  # coders' quotes for every met label
    page = (run_dir / "evaluation.html").read_text(encoding="utf-8")
    assert page.count("<tr>") >= 28 + len(data["disagreements"]) and "<script" not in page

    res = CliRunner().invoke(app, ["report", str(run_dir), "--format", "html"])
    assert res.exit_code == 0, res.output
    report = (run_dir / "report.html").read_text(encoding="utf-8")
    assert report.count('id="evaluation"') == 1 and "Expected calibration error" in report


def test_evaluate_calibrate_writes_a_calibration_the_engine_loads(run_dir: Path, corpus_dir: Path,
                                                                   tmp_path: Path) -> None:
    import yaml

    from govlens.assess.engine import load_calibration

    out = tmp_path / "cal" / "nath.yaml"
    res = CliRunner().invoke(app, ["evaluate", str(run_dir), "--labels", str(corpus_dir / "labels"),
                                   "--no-save", "--confusion", "0", "--calibrate", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Calibration") and "--calibrate" in text
    data = yaml.safe_load(text)
    assert data["sites"] == len(list((corpus_dir / "labels").glob("*.yaml")))
    e1 = data["criteria"]["E1"]
    assert e1["met"]["support"] == e1["met"]["tp"] + e1["met"]["fp"] > 0
    cal = load_calibration(out)
    assert ("E1", None) in cal.met and 0 < cal.met[("E1", None)] < 1


def test_evaluate_refuses_a_folder_without_an_audit_and_labels_that_match_nothing(
    run_dir: Path, tmp_path: Path
) -> None:
    empty = tmp_path / "nothere"
    empty.mkdir()
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "elsewhere.yaml").write_text(
        "site: elsewhere\nurl: https://elsewhere.example.org/\ncriteria: {K1: met}\n", encoding="utf-8"
    )
    res = CliRunner().invoke(app, ["evaluate", str(empty), "--labels", str(labels)])
    assert res.exit_code == 2 and "no govlens.db here" in res.output
    assert not (empty / "govlens.db").exists()  # nothing created by a failed command
    res = CliRunner().invoke(app, ["evaluate", str(run_dir), "--labels", str(labels), "--no-save"])
    assert res.exit_code == 2 and "none of its 1 label file(s) matches" in res.output
