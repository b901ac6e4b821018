"""Calibration as data: how often the tool's verdicts were right on a labelled corpus.

``govlens evaluate RUN_DIR --labels DIR --calibrate OUT.yaml`` writes, per criterion, the observed
precision of ``met`` verdicts (overall and per detector that produced the first evidence item,
:func:`govlens.assess.engine.calibration_key`) and the negative predictive value of ``not_met``
verdicts, each with its counts and support, smoothed by a Beta(1,1) prior (Laplace's rule:
(k + 1) / (n + 2)), plus pooled global figures. A framework names such a file
(``calibration: calibration/<id>.yaml``) and the engine then uses these figures as confidences
wherever the support is at least ``MIN_CALIBRATION_SUPPORT`` (3). Only machine verdicts count: a
cell a reviewer overrode says nothing about the detectors. ``needs_review`` cells are not verdicts
and are left out; so are ``cannot_tell`` labels.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

import yaml

from govlens.assess.engine import MIN_CALIBRATION_SUPPORT, calibration_key
from govlens.evaluate.core import EvaluationResult
from govlens.types import VerdictValue


def smoothed(k: int, n: int) -> float:
    """Beta(1,1) posterior mean of a proportion: (k + 1) / (n + 2); 0.5 with no data."""
    return round((k + 1) / (n + 2), 4)


def _met(tp: int, fp: int) -> dict[str, Any]:
    return {"precision": smoothed(tp, tp + fp), "tp": tp, "fp": fp, "support": tp + fp}


def _not_met(tn: int, fn: int) -> dict[str, Any]:
    return {"npv": smoothed(tn, tn + fn), "tn": tn, "fn": fn, "support": tn + fn}


def calibration_table(result: EvaluationResult, framework: str | None = None) -> dict[str, Any]:
    """The calibration data of an evaluation, as a plain dict (see the module docstring)."""
    crit: dict[str, dict[str, Any]] = {}
    g = {"tp": 0, "fp": 0, "tn": 0, "fn": 0}
    for _slug, code, label, v in result.cells:
        if v.source != "machine" or v.verdict not in (VerdictValue.MET, VerdictValue.NOT_MET):
            continue
        c = crit.setdefault(code, {"tp": 0, "fp": 0, "tn": 0, "fn": 0, "detectors": {}})
        if v.verdict == VerdictValue.MET:
            k = "tp" if label == "met" else "fp"
            det = calibration_key(v.evidence)
            if det is not None:
                d = c["detectors"].setdefault(det, {"tp": 0, "fp": 0})
                d[k] += 1
        else:
            k = "tn" if label == "not_met" else "fn"
        c[k] += 1
        g[k] += 1
    order = list(result.criteria) + sorted(set(crit) - set(result.criteria))
    criteria: dict[str, Any] = {}
    for code in order:
        if code not in crit:
            continue
        c = crit[code]
        entry: dict[str, Any] = {}
        if c["tp"] + c["fp"]:
            entry["met"] = _met(c["tp"], c["fp"])
        if c["tn"] + c["fn"]:
            entry["not_met"] = _not_met(c["tn"], c["fn"])
        if c["detectors"]:
            entry["detectors"] = {d: _met(x["tp"], x["fp"]) for d, x in sorted(c["detectors"].items())}
        criteria[code] = entry
    return {
        "framework": framework,
        "generated": _dt.date.today().isoformat(),
        "labels": result.labels_dir,
        "audit_id": result.audit_id,
        "sites": len(result.sites_matched),
        "smoothing": "Beta(1,1) posterior mean: (k + 1) / (n + 2)",
        "min_support": MIN_CALIBRATION_SUPPORT,
        "global": {"met": _met(g["tp"], g["fp"]), "not_met": _not_met(g["tn"], g["fn"])},
        "criteria": criteria,
    }


def write_calibration(result: EvaluationResult, path: str | Path, command: str = "",
                      framework: str | None = None) -> Path:
    """Write the calibration YAML with a header comment saying how and when it was made."""
    data = calibration_table(result, framework)
    head = [
        "# Calibration of verdict confidence, written by `govlens evaluate --calibrate`.",
        f"# generated {data['generated']}" + (f" by: {command}" if command else ""),
        "# met: observed precision of met verdicts (per criterion, and per detector of the first evidence item);",
        "# not_met: observed negative predictive value; both smoothed (k+1)/(n+2); support = labelled verdicts.",
        f"# The engine uses an entry only when its support is >= {MIN_CALIBRATION_SUPPORT}; else the YAML constants.",
        "# In-sample figures: a second, unseen labelled corpus is the real check.",
    ]
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    p.write_text("\n".join(head) + "\n" + body, encoding="utf-8")
    return p
