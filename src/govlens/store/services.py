"""Save and load the per-site service inventory (table ``services``) beside an audit.

Kept out of ``store.py`` like the other extras: :class:`~govlens.store.Store` calls these with its
open connection inside the audit's own transaction, so an audit and its services are saved whole
or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from govlens.store.models import ServiceRow
from govlens.types import Service, SiteAssessment

SV = ServiceRow.__table__
_FIELDS = (
    "name", "url", "kind", "provider_kind", "provider", "provider_org", "health", "health_detail",
    "found_on", "menu_path", "region", "final_url", "status", "record_id", "source",
)  # fmt: skip


def save_services(conn: Connection, audit_id: int, sites: Iterable[SiteAssessment]) -> int:
    rows: list[dict[str, Any]] = []
    for s in sites:
        for i, svc in enumerate(s.services or []):
            row = {f: getattr(svc, f) for f in _FIELDS}
            row.update(audit_id=audit_id, site_id=s.site_id, position=i, menu_path=list(svc.menu_path))
            rows.append(row)
    if rows:
        conn.execute(insert(SV), rows)
    return len(rows)


def load_services(conn: Connection, audit_id: int) -> dict[str, list[Service]]:
    """Services per site id, in inventory order; sites saved without an inventory are absent."""
    out: dict[str, list[Service]] = {}
    q = select(SV).where(SV.c.audit_id == audit_id).order_by(SV.c.site_id, SV.c.position)
    for r in conn.execute(q):
        kw = {f: getattr(r, f) for f in _FIELDS}
        kw["menu_path"] = list(kw["menu_path"] or [])
        out.setdefault(r.site_id, []).append(Service(**kw))
    return out
