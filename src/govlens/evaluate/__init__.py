"""Measure the tool's verdicts against human labels (labels/<slug>.yaml, see corpus CODING.md).

A deferred verdict (needs_review) is the tool saying "a person must decide": it is never counted
as met, and it is reported apart from the decided cells so deferring cannot be mistaken for being
right or wrong. Cells the coders marked ``cannot_tell`` are left out entirely.
"""

from govlens.evaluate.core import (
    CriterionStats,
    EvaluationResult,
    evaluate,
    load_labels,
    render,
    to_json,
)

__all__ = ["CriterionStats", "EvaluationResult", "evaluate", "load_labels", "render", "to_json"]
