"""The bundled framework files: valid, complete, and the checked-in JSON Schema is current."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from govlens.assess import FrameworkError, assess_site, framework_json_schema, load_framework
from govlens.assess.framework import FRAMEWORK_DIR
from govlens.types import PageFacts, SiteFacts

NATH_CODES = ["K1", "K2", "K3", "E1", "E2", "E3", "E4", "E5", "C1", "C2", "C3", "C4", "C5",
              "A1", "A2", "A3", "A4", "A5", "M1", "M2", "M3", "M4", "M5", "I1", "I2", "I3", "I4", "I5"]


def test_schema_file_is_generated_from_models():
    checked_in = json.loads((FRAMEWORK_DIR / "framework.schema.json").read_text(encoding="utf-8"))
    assert checked_in == framework_json_schema(), "regenerate framework.schema.json from framework_json_schema()"


@pytest.mark.parametrize("path", sorted(FRAMEWORK_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_files_validate_against_schema(path: Path):
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), framework_json_schema())
    load_framework(path)


def test_nath_is_complete():
    fw = load_framework("nath-2019")
    assert [c.code for _, c in fw.criteria()] == NATH_CODES
    ids = [m.id for m in fw.models]
    assert ids == ["broadcasting", "critical-flow", "comparative-analysis", "mobilisation", "interactive-service"]
    assert [m.order for m in fw.models] == sorted(m.order for m in fw.models)
    assert len(fw.models[0].criteria) == 8
    for _m, c in fw.criteria():
        assert c.label.id and c.description.id and c.recommendation.id, c.code
        if c.decision != "auto":
            assert c.why_decision, c.code
        assert c.detectors, c.code
    assert fw.criterion("K2").decision == "auto" and fw.criterion("M2").decision == "manual"
    # the interactive model's criteria come first in the advice
    inter = min(c.priority for c in fw.models[-1].criteria)
    assert all(c.priority < inter for m in fw.models[:-1] for c in m.criteria if m.id != "mobilisation")


def test_second_framework_needs_no_code():
    fw = load_framework("un-losi-2024-lite")
    assert len(fw.models) == 5
    p = PageFacts(url="https://kota.go.id/", record_id="r", warc_file="w", status=200, content_type="text/html",
                  headings=["Berita"], text="kata " * 200)
    a = assess_site(SiteFacts("s", "https://kota.go.id/", None, "ok", "", [p]), fw)
    assert set(a.verdicts) == {c.code for _, c in fw.criteria()}
    assert a.verdicts["LIF3"].verdict == "met" and a.verdicts["LTE1"].verdict == "needs_review"


def _write(tmp_path: Path, data: dict) -> Path:
    p = tmp_path / "fw.yaml"
    p.write_text(yaml.safe_dump(data), encoding="utf-8")
    return p


def _minimal(**crit) -> dict:
    c = {"code": "X1", "label": {"en": "x"}, "description": {"en": "x"}, "decision": "auto",
         "recommendation": {"en": "x"}, "detectors": [{"detector": "text_patterns", "params": {"patterns": ["a"]}}]}
    c.update(crit)
    return {"id": "t", "version": "1", "title": {"en": "t"}, "models": [{"id": "m", "label": {"en": "m"}, "criteria": [c]}]}


def test_errors_name_file_and_field(tmp_path):
    with pytest.raises(FrameworkError, match="unknown parameter 'pattern'"):
        load_framework(_write(tmp_path, _minimal(detectors=[{"detector": "text_patterns", "params": {"pattern": ["a"]}}])))
    with pytest.raises(FrameworkError, match="unknown detector"):
        load_framework(_write(tmp_path, _minimal(detectors=[{"detector": "nope"}])))
    with pytest.raises(FrameworkError, match="requires unknown criterion"):
        load_framework(_write(tmp_path, _minimal(requires=["Z9"])))
    with pytest.raises(FrameworkError, match="bad pattern"):
        load_framework(_write(tmp_path, _minimal(detectors=[{"detector": "text_patterns", "params": {"patterns": ["("]}}])))
    load_framework(_write(tmp_path, _minimal()))
