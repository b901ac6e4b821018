"""Calibration as data: `govlens evaluate --calibrate` writes observed precision / NPV per
criterion and detector; the engine uses them as confidences when the support is large enough."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from govlens.assess import FrameworkError, assess_site, load_framework
from govlens.assess.engine import MIN_CALIBRATION_SUPPORT, Calibration, calibration_of
from govlens.assess.framework import FRAMEWORK_DIR
from govlens.evaluate import evaluate
from govlens.evaluate.calibration import calibration_table, smoothed, write_calibration
from govlens.types import (
    Evidence,
    Link,
    Organisation,
    PageFacts,
    SiteAssessment,
    SiteFacts,
    Verdict,
    VerdictValue,
)

NATH = FRAMEWORK_DIR / "nath-2019.yaml"


def _site(links: list[Link]) -> SiteFacts:
    seed = "https://dinas.kota.go.id/"
    pg = PageFacts(url=seed, record_id="<urn:uuid:1>", warc_file="a.warc.gz", status=200,
                   content_type="text/html", title="Dinas", text="kata " * 50, links=links)
    org = Organisation(id="s", name="Dinas", short="S", sites=[seed])
    return SiteFacts(site_id="s", seed_url=seed, organisation=org, scan_status="ok", scan_detail="", pages=[pg])


def _framework_with(tmp_path: Path, cal: dict | None) -> Path:
    data = yaml.safe_load(NATH.read_text(encoding="utf-8"))
    data.pop("calibration", None)
    if cal is not None:
        (tmp_path / "cal.yaml").write_text(yaml.safe_dump(cal), encoding="utf-8")
        data["calibration"] = "cal.yaml"
    p = tmp_path / "fw.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def test_smoothing_is_laplace():
    assert smoothed(0, 0) == 0.5
    assert smoothed(9, 10) == round(10 / 12, 4)
    assert smoothed(3, 3) == 0.8


def test_bundled_framework_names_a_calibration_that_loads():
    fw = load_framework("nath-2019")
    assert fw.calibration == "calibration/nath-2019.yaml"
    assert fw.calibration_path() == FRAMEWORK_DIR / "calibration" / "nath-2019.yaml"
    cal = calibration_of(fw)
    assert cal is not None and ("K1", "news_items") in cal.met
    data = yaml.safe_load(fw.calibration_path().read_text(encoding="utf-8"))
    assert data["min_support"] == MIN_CALIBRATION_SUPPORT and "global" in data
    assert fw.calibration_path().read_text(encoding="utf-8").startswith("# Calibration")


def test_missing_calibration_file_is_a_framework_error(tmp_path):
    p = _framework_with(tmp_path, None)
    data = yaml.safe_load(p.read_text(encoding="utf-8"))
    data["calibration"] = "nowhere.yaml"
    p.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(FrameworkError, match="calibration"):
        load_framework(p)


def test_engine_uses_calibrated_confidence_only_with_enough_support(tmp_path):
    links = [Link(url="https://www.instagram.com/kominfo/", text="Instagram", kind="social")]
    (tmp_path / "a").mkdir()
    plain = assess_site(_site(links), load_framework(_framework_with(tmp_path / "a", None)))
    assert plain.verdicts["K3"].verdict == VerdictValue.MET
    assert plain.verdicts["K3"].confidence == 0.9  # the YAML constant
    cal = {"criteria": {
        "K3": {"met": {"precision": 0.7, "support": 10}, "detectors": {"social_channels": {"precision": 0.61, "support": 5}}},
        "E5": {"not_met": {"npv": 0.97, "support": 12}},
        "K1": {"met": {"precision": 0.2, "support": MIN_CALIBRATION_SUPPORT - 1}},  # too few: ignored
    }}
    (tmp_path / "b").mkdir()
    fw = load_framework(_framework_with(tmp_path / "b", cal))
    a = assess_site(_site(links), fw)
    assert a.verdicts["K3"].verdict == VerdictValue.MET and a.verdicts["K3"].confidence == 0.61
    assert a.verdicts["E5"].verdict == VerdictValue.NOT_MET and a.verdicts["E5"].confidence == 0.97
    assert a.verdicts["K1"].confidence == plain.verdicts["K1"].confidence
    # verdicts never change, only confidences
    assert {c: v.verdict for c, v in a.verdicts.items()} == {c: v.verdict for c, v in plain.verdicts.items()}


def test_criterion_entry_is_the_fallback_for_an_uncalibrated_detector():
    cal = Calibration.from_dict({"criteria": {"E1": {"met": {"precision": 0.9, "support": 8},
                                                     "detectors": {"link_patterns": {"precision": 0.5, "support": 2}}}}})
    ev = [Evidence(url="u", warc_record_id="r", snippet="s", detector="link_patterns")]
    assert cal.met_confidence("E1", ev, 0.85) == 0.9
    assert cal.met_confidence("E2", ev, 0.85) == 0.85
    assert cal.not_met_confidence("E1", 0.6) == 0.6


def _assessment(sid: str, verdicts: dict[str, tuple[str, str | None, str]]) -> SiteAssessment:
    vs = {}
    for code, (value, det, source) in verdicts.items():
        ev = [Evidence(url="u", warc_record_id="r", snippet="s", detector=det)] if det else []
        vs[code] = Verdict(code=code, verdict=value, confidence=0.8, evidence=ev, source=source)
    return SiteAssessment(site_id=sid, organisation=sid, short=sid, url=f"https://{sid}.go.id/", scan_status="ok",
                          scan_detail="", verdicts=vs, scores={}, implemented=[], pages=1, socials_found=[],
                          broken_links=[], recommendations=[])


def test_calibration_table_counts_machine_verdicts_per_detector(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    rows = {"a": ("met", "met"), "b": ("met", "not_met"), "c": ("not_met", "not_met"), "d": ("not_met", "met")}
    assessments = []
    for sid, (verdict, label) in rows.items():
        (labels / f"{sid}.yaml").write_text(yaml.safe_dump(
            {"site": sid, "url": f"https://{sid}.go.id/", "criteria": {"K3": {"verdict": label}, "E5": {"verdict": label}}}
        ), encoding="utf-8")
        det = "social_channels" if verdict == "met" else None
        # E5 of site d was overridden by a reviewer: it says nothing about the detectors
        assessments.append(_assessment(sid, {"K3": (verdict, det, "machine"),
                                             "E5": (verdict, det, "review" if sid == "d" else "machine")}))
    res = evaluate(assessments, labels)
    table = calibration_table(res, "nath-2019")
    k3 = table["criteria"]["K3"]
    assert k3["met"] == {"precision": smoothed(1, 2), "tp": 1, "fp": 1, "support": 2}
    assert k3["not_met"] == {"npv": smoothed(1, 2), "tn": 1, "fn": 1, "support": 2}
    assert k3["detectors"]["social_channels"]["support"] == 2
    assert table["criteria"]["E5"]["not_met"]["support"] == 1
    assert table["global"]["met"]["support"] == 4 and table["global"]["not_met"]["support"] == 3
    out = write_calibration(res, tmp_path / "cal" / "x.yaml", command="govlens evaluate run --calibrate x.yaml")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# Calibration") and "govlens evaluate run --calibrate x.yaml" in text
    assert yaml.safe_load(text)["criteria"]["K3"]["met"]["tp"] == 1
