"""``results.json``: the machine-readable report, validated by ``schemas/results.schema.json``.

This is the format other tools should read (the CSV and XLSX are for people): it carries every
final verdict with its evidence and WARC record id, the scores per model, and the summary dict as
the assess stage computed it. Strings are written as found; consumers must treat them as untrusted.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from govlens import __version__
from govlens.report.data import ReportData
from govlens.report.services import service_dict, sorted_services
from govlens.types import to_dict

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schemas" / "results.schema.json"
FORMAT_VERSION = 1  # bump on any incompatible change to the schema


def results_dict(data: ReportData) -> dict[str, Any]:
    audit, fw, lang = data.audit, data.fw, data.lang
    sites = []
    for view in data.sites:
        s = view.site
        criteria = {}
        for code, v in s.verdicts.items():  # kept for unread sites too: their reasons say why
            criteria[code] = {
                "verdict": str(v.verdict),
                "confidence": v.confidence,
                "decision": v.decision,
                "source": v.source,
                "reviewer": v.reviewer,
                "reason": v.reason,
                "evidence": [
                    dataclasses.asdict(e)  # Evidence's fields are the documented JSON keys
                    for e in v.evidence
                ],
            }
        sites.append(
            {
                "site_id": s.site_id,
                "organisation": s.organisation,
                "short": s.short,
                "url": s.url,
                "scan_status": str(s.scan_status),
                "scan_detail": s.scan_detail,
                "assessed": view.assessed,
                "pages": s.pages,
                "scores": {m: sc.fraction for m, sc in s.scores.items()} if view.assessed else {},
                "scores_detail": {
                    m: {"met": sc.met, "total": sc.total, "needs_review": sc.needs_review}
                    for m, sc in s.scores.items()
                }
                if view.assessed
                else {},
                "implemented": list(s.implemented),
                "criteria": criteria,
                "recommendations": [{"code": c.code, "text": c.recommendation} for c in view.next_steps],
                "socials_found": [to_dict(c) for c in s.socials_found],
                "broken_links": [
                    {"url": b.url, "status": b.status, "error": b.error, "record_id": b.record_id}
                    for b in s.broken_links
                ],
                "services": None if s.services is None else [service_dict(x) for x in sorted_services(s)],
            }
        )
    return {
        "format": "govlens-results",
        "format_version": FORMAT_VERSION,
        "generator": f"govlens {__version__}",
        "lang": lang,
        "framework": {
            "id": fw.id,
            "version": fw.version,
            "title": fw.title.get(lang),
            "models": [
                {"id": m.id, "label": m.label, "scored": m.scored, "criteria": m.codes} for m in data.models
            ],
            "criteria": {
                c.code: {"model": c.model, "label": c.label, "decision": c.decision, "priority": c.priority}
                for c in data.criteria
            },
        },
        "audit": {
            "id": audit.audit_id,
            "label": audit.label,
            "portfolio": audit.portfolio.name,
            "framework_id": audit.framework_id,
            "framework_version": audit.framework_version,
            "started": audit.started,
            "finished": audit.finished,
            "archives": list(audit.archives),
        },
        "sites": sites,
        "criteria_fulfilment": [
            {
                "code": st.code,
                "model": st.model,
                "met": st.met,
                "needs_review": st.needs_review,
                "not_met": st.not_met,
                "assessed": st.assessed,
                "share": st.share,
            }
            for st in data.criterion_stats
        ],
        "channels": [
            {
                "platform": c.platform,
                "declared": c.declared,
                "declared_of": c.declared_of,
                "found": c.found,
                "found_of": c.found_of,
            }
            for c in data.channel_stats
        ],
        "summary": to_dict(data.summary),
    }


def write_json(data: ReportData, out_dir: Path) -> Path:
    path = out_dir / "results.json"
    path.write_text(json.dumps(results_dict(data), ensure_ascii=False, indent=2), encoding="utf-8")
    return path
