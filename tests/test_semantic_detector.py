"""The semantic matcher inside the assessment: added by the framework's `semantic:` block, a hint
that can send a silent criterion to a reviewer but never makes it met, and off on request."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from govlens.assess import assess_site, load_framework
from govlens.types import PageFacts, SiteFacts

FW = {
    "id": "tiny",
    "version": "1",
    "title": {"en": "Tiny"},
    "semantic": {"threshold": 0.5, "decisions": ["auto", "assisted"], "skip": ["X2"]},
    "models": [{
        "id": "m", "label": {"en": "M"},
        "criteria": [
            {"code": "X1", "label": {"en": "Complaints handling", "id": "Pengaduan masyarakat"},
             "description": {"en": "Citizens can file a complaint and follow it up.",
                             "id": "Warga dapat menyampaikan pengaduan dan memantau tindak lanjutnya."},
             "decision": "auto", "recommendation": {"en": "r"},
             "detectors": [{"detector": "text_patterns", "params": {"patterns": ["zzzz-never"]}}]},
            {"code": "X2", "label": {"en": "Skipped"}, "description": {"en": "Skipped criterion."},
             "decision": "auto", "recommendation": {"en": "r"}},
            {"code": "X3", "label": {"en": "Manual one"}, "description": {"en": "Decided by a person."},
             "decision": "manual", "recommendation": {"en": "r"}},
        ],
    }],
}


@pytest.fixture
def fw_path(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.yaml"
    p.write_text(yaml.safe_dump(FW, allow_unicode=True), encoding="utf-8")
    return p


def test_semantic_block_adds_one_hint_use_per_chosen_criterion(fw_path: Path) -> None:
    fw = load_framework(fw_path)
    uses = {c.code: [d for d in c.detectors if d.detector == "semantic_match"] for _, c in fw.criteria()}
    assert len(uses["X1"]) == 1 and not uses["X2"] and not uses["X3"]  # X2 skipped, X3 manual not chosen
    use = uses["X1"][0]
    assert use.role == "hint" and use.params["threshold"] == 0.5
    assert use.params["queries"][:2] == ["Complaints handling", "Pengaduan masyarakat"]
    # the bundled framework hints on assisted and manual criteria only
    nath = load_framework("nath-2019")
    hinted = {c.code for _, c in nath.criteria() if any(d.detector == "semantic_match" for d in c.detectors)}
    assert hinted == {c.code for _, c in nath.criteria() if c.decision in ("assisted", "manual")}


def _site() -> SiteFacts:
    page = PageFacts(url="https://dinas.kota.go.id/", record_id="<urn:uuid:1>", warc_file="s.warc.gz", status=200,
                     content_type="text/html", title="Dinas", headings=["Layanan Pengaduan Masyarakat Online"])
    return SiteFacts(site_id="s", seed_url=page.url, organisation=None, scan_status="ok", scan_detail="", pages=[page])


def test_a_hint_sends_a_silent_auto_criterion_to_review_never_to_met(fw_path: Path, monkeypatch) -> None:
    pytest.importorskip("numpy", reason="the [semantic] extra is not installed")
    from govlens.semantic import available_backends

    if not available_backends():
        pytest.skip("the [semantic] extra is not installed (pip install 'govlens[semantic]')")
    monkeypatch.setenv("GOVLENS_SEMANTIC", "1")
    fw = load_framework(fw_path)
    v = assess_site(_site(), fw).verdicts["X1"]
    assert v.verdict == "needs_review"
    assert v.evidence and v.evidence[0].detector == "semantic_match"
    assert "similarity" in v.evidence[0].detail and "Pengaduan" in v.evidence[0].snippet
    assert "semantic matcher" in v.reason
    monkeypatch.setenv("GOVLENS_SEMANTIC", "0")
    assert assess_site(_site(), fw).verdicts["X1"].verdict == "not_met"


def test_semantic_off_or_missing_changes_nothing(fw_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GOVLENS_SEMANTIC", "off")
    v = assess_site(_site(), load_framework(fw_path)).verdicts["X1"]
    assert v.verdict == "not_met" and not v.evidence


def test_a_misspelt_backend_is_a_load_error(tmp_path: Path) -> None:
    from govlens.assess import FrameworkError

    bad = {**FW, "semantic": {"backend": "usem4"}}
    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(FrameworkError, match="semantic"):
        load_framework(p)


def test_passages_are_sentences_of_the_main_text() -> None:
    from govlens.assess.semantic import passages

    text = "Dinas membuka layanan pengaduan daring. Warga dapat memantau tindak lanjutnya.\nJam layanan 08.00"
    assert passages(text) == ["Dinas membuka layanan pengaduan daring.", "Warga dapat memantau tindak lanjutnya."]
    assert len(passages(". ".join([f"Kalimat nomor {i} cukup panjang" for i in range(100)]), limit=40)) == 40


def test_a_misspelt_field_is_a_load_error(tmp_path: Path) -> None:
    from govlens.assess import FrameworkError

    p = tmp_path / "bad.yaml"
    p.write_text(yaml.safe_dump({**FW, "semantic": {"fields": ["headings", "linktext"]}}), encoding="utf-8")
    with pytest.raises(FrameworkError, match="linktext"):
        load_framework(p)
