"""Assess stage: a site's facts + a framework (YAML) → one verdict per criterion, scores, advice."""

from govlens.assess import semantic as _semantic  # noqa: F401  (registers semantic_match)
from govlens.assess.detectors import REGISTRY, detector
from govlens.assess.engine import assess_site, broken_links, page_independent, recommend
from govlens.assess.framework import (
    Criterion,
    DetectorUse,
    Framework,
    FrameworkError,
    Model,
    Text,
    framework_json_schema,
    load_framework,
)
from govlens.assess.summary import share, summarize

__all__ = [
    "REGISTRY",
    "Criterion",
    "DetectorUse",
    "Framework",
    "FrameworkError",
    "Model",
    "Text",
    "assess_site",
    "broken_links",
    "detector",
    "framework_json_schema",
    "load_framework",
    "page_independent",
    "recommend",
    "share",
    "summarize",
]
