"""The evaluation as HTML: one partial, rendered alone as ``evaluation.html`` or inside the report.

Both render the saved JSON form (:meth:`EvaluationResult.as_dict`), so ``govlens report`` can show
an evaluation made earlier without the label files at hand, and the page and the report section
can never drift apart. Reasons, snippets and URLs in the confusion list come from crawled pages and
are hostile: autoescape is on and only http(s) URLs become links (as in the report).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, DictLoader, Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from govlens.evaluate.core import EvaluationResult
from govlens.report.data import pct
from govlens.report.html import safe_href

SAVED_NAME = "evaluation.json"  # written into the run folder by `govlens evaluate`, read by `govlens report`
PAGE_NAME = "evaluation.html"
TITLES = {"en": "Evaluation against human labels", "id": "Evaluasi terhadap label manusia"}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1200px;padding:0 1.2rem 3rem;color:#222}
h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:1.5rem}h3{margin:1.6rem 0 .4rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:13px}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#f3f6fa}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.v-met{background:#c6efce;color:#006100}.v-not_met{background:#ffc7ce;color:#9c0006}.v-needs_review{background:#ffeb9c;color:#9c5700}
.na{color:#777;font-style:italic}.meta{color:#555}
blockquote{margin:.3rem 0;padding:.3rem .6rem;background:#fafafa;border-left:3px solid #bbb;white-space:pre-wrap;word-break:break-word;font-size:12px}
.ev{margin:.3rem 0 .6rem 0;font-size:12px}.ev code{font-size:11px;word-break:break-all}
</style></head><body>
{{ section }}
<p class="meta">govlens evaluate{% if ev.labels_dir %} · labels: {{ ev.labels_dir }}{% endif %}</p>
</body></html>
"""


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _env() -> Environment:
    env = Environment(
        loader=ChoiceLoader([DictLoader({"evaluation_page.html.j2": _PAGE}),
                             PackageLoader("govlens.report", "templates")]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["pct"] = pct
    env.filters["href"] = safe_href
    return env


def _as_dict(ev: EvaluationResult | dict[str, Any]) -> dict[str, Any]:
    return ev.as_dict() if isinstance(ev, EvaluationResult) else ev


def render_section(ev: EvaluationResult | dict[str, Any], lang: str = "en") -> Markup:
    """The ``<section id="evaluation">`` fragment (per-criterion table, alpha, reliability, confusion list)."""
    tpl = _env().get_template("sections/evaluation.html.j2")
    return Markup(tpl.render(ev=_as_dict(ev), title=TITLES.get(lang, TITLES["en"]), num=_num))


def render_page(ev: EvaluationResult | dict[str, Any]) -> str:
    """A self-contained page: inline CSS, no script, no external resource."""
    d = _as_dict(ev)
    return _env().get_template("evaluation_page.html.j2").render(
        ev=d, title=TITLES["en"], section=render_section(d))


def write_page(ev: EvaluationResult | dict[str, Any], path: Path) -> Path:
    path.write_text(render_page(ev), encoding="utf-8")
    return path


def load_saved(run_dir: Path | str, audit_id: int | None = None) -> dict[str, Any] | None:
    """The evaluation saved in a run folder, or None when there is none, it is unreadable, or it
    belongs to another audit (a stale evaluation shown beside a newer audit would mislead)."""
    path = Path(run_dir) / SAVED_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "criteria" not in data:
        return None
    if audit_id is not None and data.get("audit_id") not in (None, audit_id):
        return None
    return data
