"""Saving audits to a database and reading them back for reports and review.

Writes happen in one transaction per audit so a crash never leaves half an audit that a report
would then present as complete. Sites, verdicts and evidence are inserted with Core ``executemany``
in batches and the generated ids are read back with one SELECT per table (a site id and a criterion
code are unique within an audit), so the same portable SQL runs on SQLite and PostgreSQL.

Reviews never touch the machine rows. :meth:`Store.load_audit` applies the latest review per
criterion as the final value (``Verdict.source == "review"``) and rescores the affected sites from
the framework shape recorded with the audit.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, inspect, select
from sqlalchemy.engine import Connection

from govlens.store.extras import load_freshness, report_extras, save_freshness
from govlens.store.models import (
    AuditRow,
    EvidenceRow,
    OrganisationRow,
    PageRow,
    ReviewRow,
    SiteRow,
    VerdictRow,
    metadata,
)
from govlens.store.services import load_services, save_services
from govlens.types import (
    AuditResult,
    DeclaredChannel,
    Evidence,
    LinkCheck,
    ModelScore,
    Organisation,
    Portfolio,
    SiteAssessment,
    SocialChannel,
    Verdict,
    VerdictValue,
    to_dict,
)

log = logging.getLogger(__name__)

BATCH = 5000  # rows per executemany: large enough to amortise round trips, small enough for PG params

A = AuditRow.__table__
O = OrganisationRow.__table__  # noqa: E741
S = SiteRow.__table__
P = PageRow.__table__
V = VerdictRow.__table__
E = EvidenceRow.__table__
R = ReviewRow.__table__


def default_url(run_dir: str | Path) -> str:
    """The SQLite database of a run directory: ``sqlite:///<run_dir>/govlens.db``."""
    return f"sqlite:///{Path(run_dir) / 'govlens.db'}"


@dataclass
class AuditInfo:
    """One line of :meth:`Store.list_audits`: enough to pick two audits to compare."""

    id: int
    label: str
    portfolio: str
    framework_id: str
    framework_version: str
    started: str
    finished: str
    sites: int


@dataclass
class Review:
    id: int
    audit_id: int
    site_id: str
    code: str
    reviewer: str
    verdict: str
    reason: str
    created: str


@dataclass
class ReviewIn:
    """A review to store with :meth:`Store.add_reviews` (or with :meth:`Store.save_audit`)."""

    site_id: str
    code: str
    verdict: str
    reviewer: str
    reason: str = ""
    created: str | datetime | None = None


def _to_dt(value: str | datetime | None) -> datetime:
    if isinstance(value, datetime):
        dt = value
    elif value:
        dt = datetime.fromisoformat(value)
    else:
        dt = datetime.now(UTC)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _iso(dt: datetime | None) -> str:
    """ISO 8601 in UTC with a ``Z``; SQLite hands datetimes back naive, which we know to be UTC."""
    if dt is None:
        return ""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.isoformat().replace("+00:00", "Z")


def _batches(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Store:
    """An audit database addressed by SQLAlchemy URL (``sqlite:///run/govlens.db``, ``postgresql+psycopg://...``).

    A bare file path is accepted as a SQLite file for convenience on the command line.
    """

    def __init__(self, url: str | Path, echo: bool = False) -> None:
        url = str(url)
        if "://" not in url:
            url = f"sqlite:///{url}"
        self.url = url
        self.engine: Engine = create_engine(url, echo=echo)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            db = self.engine.url.database
            if db and db != ":memory:":
                Path(db).parent.mkdir(parents=True, exist_ok=True)
        self._ready = False

    # ------------------------------------------------------------------ lifecycle

    def _ensure(self) -> None:
        if not self._ready:
            metadata.create_all(self.engine)
            self._ready = True

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision.

        A database created by ``create_all`` (first use) has the current tables but no Alembic
        version: it is stamped at the initial revision first, then upgraded, so either way of
        creating a database ends at the same schema.
        """
        from alembic import command

        cfg = _alembic_config(self.url)
        names = set(inspect(self.engine).get_table_names())
        if "audits" in names and "alembic_version" not in names:
            command.stamp(cfg, "0001")
        command.upgrade(cfg, "head")
        self._ready = True

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ write

    def save_audit(
        self,
        audit: AuditResult,
        fw: Any = None,
        meta: Mapping[str, Any] | None = None,
        reviews: Iterable[ReviewIn] = (),
    ) -> int:
        """Store an audit in one transaction and return its id (also set on ``audit.audit_id``).

        ``fw`` (a Framework) is optional: it lets the store record which model each criterion
        belongs to, so reviews can be rescored later. Without it the shape is inferred from the
        sites' scores where possible (``govlens.assess.load_framework(framework_id)``).
        ``meta`` adds keys to the audit's metadata (``{"hand_coded": True}`` for a study coded by
        hand, see :meth:`audit_meta`); ``reviews`` are stored in the same transaction, so a
        hand-coded audit and its coding sheet are saved together or not at all.
        """
        self._ensure()
        extra = dict(meta or {})
        meta = {
            "portfolio": {
                "country": audit.portfolio.country,
                "region": audit.portfolio.region,
                "main_portal": audit.portfolio.main_portal,
                "source": audit.portfolio.source,
            },
            "framework_shape": _framework_shape(fw, audit.framework_id),
            **extra,
        }
        with self.engine.begin() as conn:
            audit_id = conn.execute(
                insert(A).returning(A.c.id),
                {
                    "label": audit.label,
                    "portfolio": audit.portfolio.name,
                    "framework_id": audit.framework_id,
                    "framework_version": audit.framework_version,
                    "started": _to_dt(audit.started),
                    "finished": _to_dt(audit.finished),
                    "archives": list(audit.archives),
                    "summary": to_dict(audit.summary),
                    "meta": meta,
                    "created": datetime.now(UTC),
                },
            ).scalar_one()
            orgs = [
                {
                    "audit_id": audit_id,
                    "org_id": o.id,
                    "name": o.name,
                    "short": o.short,
                    "kind": o.kind,
                    "sites": list(o.sites),
                    "channels": to_dict(o.channels),
                    "services": list(o.services),
                    "notes": o.notes,
                    "position": i,
                }
                for i, o in enumerate(audit.portfolio.organisations)
            ]
            for batch in _batches(orgs):
                conn.execute(insert(O), batch)
            site_pks = self._insert_sites(conn, audit_id, audit.sites)
            self._insert_verdicts(conn, audit_id, audit.sites, site_pks)
            self._insert_reviews(conn, audit_id, list(reviews))
            save_freshness(conn, audit_id, audit.sites)
            save_services(conn, audit_id, audit.sites)
        audit.audit_id = audit_id
        return audit_id

    def _insert_sites(self, conn: Connection, audit_id: int, sites: list[SiteAssessment]) -> list[int]:
        rows = [
            {
                "audit_id": audit_id,
                "site_id": s.site_id,
                "organisation": s.organisation,
                "short": s.short,
                "url": s.url,
                "scan_status": str(s.scan_status),
                "scan_detail": s.scan_detail,
                "pages": s.pages,
                "scores": {
                    m: {"met": sc.met, "total": sc.total, "needs_review": sc.needs_review}
                    for m, sc in s.scores.items()
                },
                "implemented": list(s.implemented),
                "socials_found": to_dict(s.socials_found),
                "broken_links": to_dict(s.broken_links),
                "recommendations": list(s.recommendations),
                "position": i,
            }
            for i, s in enumerate(sites)
        ]
        for batch in _batches(rows):
            conn.execute(insert(S), batch)
        by_id = dict(conn.execute(select(S.c.site_id, S.c.id).where(S.c.audit_id == audit_id)).all())
        return [by_id[s.site_id] for s in sites]

    def _insert_verdicts(
        self, conn: Connection, audit_id: int, sites: list[SiteAssessment], site_pks: list[int]
    ) -> None:
        """Verdicts first, then their ids in one SELECT keyed by (site, code), then the evidence.

        Cheaper than RETURNING on every batch: PostgreSQL drivers re-parse each huge multi-row
        statement, while a plain executemany is pipelined; and it is the same portable SQL on both.
        """
        rows = (
            {
                "audit_id": audit_id,
                "site_pk": pk,
                "code": v.code,
                "verdict": str(v.verdict),
                "confidence": float(v.confidence),
                "decision": v.decision,
                "reason": v.reason,
                "position": pos,
            }
            for site, pk in zip(sites, site_pks, strict=True)
            for pos, v in enumerate(site.verdicts.values())
        )
        for batch in _batches(rows):
            conn.execute(insert(V), batch)
        if not any(v.evidence for s in sites for v in s.verdicts.values()):
            return
        ids = {
            (r.site_pk, r.code): r.id
            for r in conn.execute(select(V.c.id, V.c.site_pk, V.c.code).where(V.c.audit_id == audit_id))
        }
        evidence = (
            {
                "verdict_id": ids[(pk, v.code)],
                **dataclasses.asdict(e),  # the evidence table's columns are Evidence's fields
            }
            for site, pk in zip(sites, site_pks, strict=True)
            for v in site.verdicts.values()
            for e in v.evidence
        )
        for batch in _batches(evidence):
            conn.execute(insert(E), batch)

    def save_pages(self, audit_id: int, site_id: str, rows: Iterable[Any]) -> int:
        """Record the pages seen for a site (objects with PageFacts/ArchivedRecord attributes, or dicts).

        Accepts ``record_id`` or ``warc_record_id`` for the WARC record so both the archive's and the
        extractor's objects can be passed as they are. Returns the number of rows written.
        """
        self._ensure()
        with self.engine.begin() as conn:
            pk = self._site_pk(conn, audit_id, site_id)

            def get(r: Any, *names: str, default: Any = "") -> Any:
                for n in names:
                    v = r.get(n) if isinstance(r, Mapping) else getattr(r, n, None)
                    if v is not None:
                        return v
                return default

            out = (
                {
                    "audit_id": audit_id,
                    "site_pk": pk,
                    "url": get(r, "url"),
                    "warc_record_id": get(r, "warc_record_id", "record_id"),
                    "warc_file": get(r, "warc_file"),
                    "status": get(r, "status", default=None),
                    "content_type": get(r, "content_type"),
                    "title": get(r, "title"),
                }
                for r in rows
            )
            n = 0
            for batch in _batches(out):
                conn.execute(insert(P), batch)
                n += len(batch)
        return n

    def add_review(
        self,
        audit_id: int,
        site_id: str,
        code: str,
        verdict: str,
        reviewer: str,
        reason: str = "",
        created: str | datetime | None = None,
    ) -> int:
        """Record a person's verdict beside the machine's; the latest review per criterion wins."""
        self._ensure()
        verdict = VerdictValue(verdict).value  # raises ValueError on anything else
        if not reviewer:
            raise ValueError("a review needs a reviewer")
        with self.engine.begin() as conn:
            pk = self._site_pk(conn, audit_id, site_id)
            known = conn.execute(select(V.c.id).where(V.c.site_pk == pk, V.c.code == code)).first()
            if known is None:
                raise KeyError(f"audit {audit_id}, site {site_id!r}: no criterion {code!r}")
            return conn.execute(
                insert(R).returning(R.c.id),
                {
                    "audit_id": audit_id,
                    "site_pk": pk,
                    "code": code,
                    "reviewer": reviewer,
                    "verdict": verdict,
                    "reason": reason,
                    "created": _to_dt(created),
                },
            ).scalar_one()

    def add_reviews(self, audit_id: int, reviews: Iterable[ReviewIn]) -> int:
        """Record many reviews in one transaction: all of them or, on any bad one, none.

        A coding sheet is one act of coding; half of it stored would look like a finished review
        of fewer cells. Raises ValueError (bad verdict, no reviewer) or KeyError (unknown site or
        criterion) naming the first bad review; returns how many were stored.
        """
        self._ensure()
        rows = list(reviews)
        with self.engine.begin() as conn:
            return self._insert_reviews(conn, audit_id, rows)

    def _insert_reviews(self, conn: Connection, audit_id: int, reviews: list[ReviewIn]) -> int:
        if not reviews:
            return 0
        pks = dict(conn.execute(select(S.c.site_id, S.c.id).where(S.c.audit_id == audit_id)).all())
        known = {
            (r.site_pk, r.code) for r in conn.execute(select(V.c.site_pk, V.c.code).where(V.c.audit_id == audit_id))
        }
        rows = []
        for rv in reviews:
            verdict = VerdictValue(rv.verdict).value  # raises ValueError on anything else
            if not rv.reviewer:
                raise ValueError(f"site {rv.site_id!r}, {rv.code}: a review needs a reviewer")
            pk = pks.get(rv.site_id)
            if pk is None:
                raise KeyError(f"audit {audit_id}: no site {rv.site_id!r}")
            if (pk, rv.code) not in known:
                raise KeyError(f"audit {audit_id}, site {rv.site_id!r}: no criterion {rv.code!r}")
            rows.append({
                "audit_id": audit_id,
                "site_pk": pk,
                "code": rv.code,
                "reviewer": rv.reviewer,
                "verdict": verdict,
                "reason": rv.reason,
                "created": _to_dt(rv.created),
            })
        for batch in _batches(rows):
            conn.execute(insert(R), batch)
        return len(rows)

    # ------------------------------------------------------------------ read

    def audit_meta(self, audit_id: int) -> dict[str, Any]:
        """The audit's metadata as saved (portfolio attributes, framework shape, extra keys such as
        ``hand_coded``); {} for an unknown audit."""
        self._ensure()
        with self.engine.connect() as conn:
            meta = conn.execute(select(A.c.meta).where(A.c.id == audit_id)).scalar()
        return dict(meta or {})

    def list_audits(self, portfolio: str | None = None) -> list[AuditInfo]:
        """Audits oldest first, optionally of one portfolio: the basis of a before/after comparison."""
        self._ensure()
        n_sites = select(S.c.audit_id, func.count().label("n")).group_by(S.c.audit_id).subquery()
        q = (
            select(A, func.coalesce(n_sites.c.n, 0))
            .outerjoin(n_sites, n_sites.c.audit_id == A.c.id)
            .order_by(A.c.started, A.c.id)
        )
        if portfolio is not None:
            q = q.where(A.c.portfolio == portfolio)
        with self.engine.connect() as conn:
            return [
                AuditInfo(
                    id=r.id,
                    label=r.label,
                    portfolio=r.portfolio,
                    framework_id=r.framework_id,
                    framework_version=r.framework_version,
                    started=_iso(r.started),
                    finished=_iso(r.finished),
                    sites=r[-1],
                )
                for r in conn.execute(q)
            ]

    def latest_audit_id(self, portfolio: str | None = None) -> int | None:
        audits = self.list_audits(portfolio)
        return audits[-1].id if audits else None

    def load_audit(
        self, audit_id: int | None = None, apply_reviews: bool = True, fw: Any = None
    ) -> AuditResult:
        """Read an audit back (the latest when ``audit_id`` is None).

        With ``apply_reviews`` (the default) each criterion carries its final value: the latest
        review if any (``source="review"``, ``reviewer`` set, machine evidence kept), and scores,
        implemented models and the summary are recomputed for it. ``apply_reviews=False`` gives the
        machine's verdicts as saved, for measuring agreement. ``fw`` is needed only to recompute
        the summary for a framework that is not bundled (a YAML path); bundled ones are loaded
        by id.
        """
        self._ensure()
        if audit_id is None:
            audit_id = self.latest_audit_id()
            if audit_id is None:
                raise LookupError(f"{self.url}: no audit stored yet")
        with self.engine.connect() as conn:
            arow = conn.execute(select(A).where(A.c.id == audit_id)).first()
            if arow is None:
                raise LookupError(f"{self.url}: no audit {audit_id}")
            meta = arow.meta or {}
            pmeta = meta.get("portfolio", {})
            orgs = [
                Organisation(
                    id=r.org_id,
                    name=r.name,
                    short=r.short,
                    kind=r.kind,
                    sites=list(r.sites or []),
                    channels=[DeclaredChannel(**c) for c in r.channels or []],
                    services=list(r.services or []),
                    notes=r.notes,
                )
                for r in conn.execute(select(O).where(O.c.audit_id == audit_id).order_by(O.c.position))
            ]
            portfolio = Portfolio(
                name=arow.portfolio,
                organisations=orgs,
                country=pmeta.get("country", "ID"),
                region=pmeta.get("region", ""),
                main_portal=pmeta.get("main_portal"),
                source=pmeta.get("source", ""),
            )
            sites: list[SiteAssessment] = []
            by_pk: dict[int, SiteAssessment] = {}
            for r in conn.execute(select(S).where(S.c.audit_id == audit_id).order_by(S.c.position)):
                site = SiteAssessment(
                    site_id=r.site_id,
                    organisation=r.organisation,
                    short=r.short,
                    url=r.url,
                    scan_status=r.scan_status,
                    scan_detail=r.scan_detail,
                    verdicts={},
                    scores={m: ModelScore(model=m, **sc) for m, sc in (r.scores or {}).items()},
                    implemented=list(r.implemented or []),
                    pages=r.pages,
                    socials_found=[SocialChannel(**c) for c in r.socials_found or []],
                    broken_links=[LinkCheck(**c) for c in r.broken_links or []],
                    recommendations=list(r.recommendations or []),
                )
                sites.append(site)
                by_pk[r.id] = site
            evidence: dict[int, list[Evidence]] = defaultdict(list)
            ev_q = (
                select(E)
                .join(V, V.c.id == E.c.verdict_id)
                .where(V.c.audit_id == audit_id)
                .order_by(E.c.verdict_id, E.c.id)
            )
            for e in conn.execute(ev_q):
                evidence[e.verdict_id].append(
                    Evidence(
                        url=e.url,
                        warc_record_id=e.warc_record_id,
                        snippet=e.snippet,
                        detector=e.detector,
                        warc_file=e.warc_file,
                        detail=e.detail,
                    )
                )
            v_q = select(V).where(V.c.audit_id == audit_id).order_by(V.c.site_pk, V.c.position)
            for v in conn.execute(v_q):
                by_pk[v.site_pk].verdicts[v.code] = Verdict(
                    code=v.code,
                    verdict=v.verdict,
                    confidence=v.confidence,
                    evidence=evidence.pop(v.id, []),
                    reason=v.reason,
                    decision=v.decision,
                )
            audit = AuditResult(
                portfolio=portfolio,
                framework_id=arow.framework_id,
                framework_version=arow.framework_version,
                sites=sites,
                started=_iso(arow.started),
                finished=_iso(arow.finished),
                archives=list(arow.archives or []),
                summary=dict(arow.summary or {}),
                audit_id=arow.id,
                label=arow.label,
            )
            if apply_reviews:
                latest = self._latest_reviews(conn, audit_id)
                changed: set[int] = set()
                for (pk, code), rv in latest.items():
                    site = by_pk.get(pk)
                    if site is None or code not in site.verdicts:
                        continue
                    _apply_review(site.verdicts[code], rv)
                    changed.add(pk)
                if changed:
                    shape = meta.get("framework_shape") or {}
                    for pk in changed:
                        _rescore(by_pk[pk], shape)
                    audit.summary = _resummarize(audit, fw) or audit.summary
            by_site_id = {site.site_id: site for site in sites}
            for site_id, fresh in load_freshness(conn, audit_id).items():
                if site_id in by_site_id:
                    by_site_id[site_id].freshness = fresh
            _restore_services(conn, audit, arow.summary or {}, by_site_id)
            try:  # report context only: never let it stop an audit from loading
                audit.extras = report_extras(conn, audit, arow.started)
            except Exception as e:  # pragma: no cover - e.g. a database mid-migration
                log.info("report extras not loaded: %s", e)
        return audit

    def final_verdicts(self, audit_id: int) -> dict[str, dict[str, Verdict]]:
        """Final value per site and criterion (latest review, else machine), without evidence.

        Lighter than :meth:`load_audit` for a dashboard listing what still needs a person.
        """
        self._ensure()
        out: dict[str, dict[str, Verdict]] = defaultdict(dict)
        with self.engine.connect() as conn:
            names = dict(conn.execute(select(S.c.id, S.c.site_id).where(S.c.audit_id == audit_id)).all())
            q = select(V).where(V.c.audit_id == audit_id).order_by(V.c.site_pk, V.c.position)
            for v in conn.execute(q):
                out[names[v.site_pk]][v.code] = Verdict(
                    code=v.code,
                    verdict=v.verdict,
                    confidence=v.confidence,
                    reason=v.reason,
                    decision=v.decision,
                )
            for (pk, code), rv in self._latest_reviews(conn, audit_id).items():
                verdict = out.get(names.get(pk, ""), {}).get(code)
                if verdict is not None:
                    _apply_review(verdict, rv)
        return dict(out)

    def reviews(self, audit_id: int) -> list[Review]:
        """Every review of an audit, oldest first, superseded ones included."""
        self._ensure()
        q = (
            select(R, S.c.site_id)
            .join(S, S.c.id == R.c.site_pk)
            .where(R.c.audit_id == audit_id)
            .order_by(R.c.created, R.c.id)
        )
        with self.engine.connect() as conn:
            return [
                Review(
                    id=r.id,
                    audit_id=r.audit_id,
                    site_id=r.site_id,
                    code=r.code,
                    reviewer=r.reviewer,
                    verdict=r.verdict,
                    reason=r.reason,
                    created=_iso(r.created),
                )
                for r in conn.execute(q)
            ]

    def pages(self, audit_id: int, site_id: str | None = None) -> list[dict[str, Any]]:
        self._ensure()
        q = (
            select(
                S.c.site_id,
                P.c.url,
                P.c.warc_record_id,
                P.c.warc_file,
                P.c.status,
                P.c.content_type,
                P.c.title,
            )
            .join(S, S.c.id == P.c.site_pk)
            .where(P.c.audit_id == audit_id)
            .order_by(P.c.id)
        )
        if site_id is not None:
            q = q.where(S.c.site_id == site_id)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # ------------------------------------------------------------------ helpers

    def _site_pk(self, conn: Connection, audit_id: int, site_id: str) -> int:
        pk = conn.execute(select(S.c.id).where(S.c.audit_id == audit_id, S.c.site_id == site_id)).scalar()
        if pk is None:
            raise KeyError(f"audit {audit_id}: no site {site_id!r}")
        return pk

    def _latest_reviews(self, conn: Connection, audit_id: int) -> dict[tuple[int, str], Any]:
        latest: dict[tuple[int, str], Any] = {}
        q = select(R).where(R.c.audit_id == audit_id).order_by(R.c.created, R.c.id)
        for r in conn.execute(q):
            latest[(r.site_pk, r.code)] = r  # later rows overwrite earlier: latest wins
        return latest


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """Foreign keys (for ON DELETE CASCADE) are off by default in SQLite; WAL lets a dashboard read
    while an audit is being written."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _apply_review(v: Verdict, rv: Any) -> None:
    v.verdict = rv.verdict
    v.source = "review"
    v.reviewer = rv.reviewer
    v.reason = rv.reason or v.reason
    v.confidence = 1.0  # a person decided; the machine's confidence no longer describes the value


def _framework_shape(fw: Any, framework_id: str) -> dict[str, Any]:
    """Which model each criterion belongs to and each model's threshold, as of this audit."""
    if fw is None:
        try:
            from govlens.assess.framework import load_framework

            fw = load_framework(framework_id)
        except Exception as e:  # a custom framework file that moved: scores cannot be redone
            log.info("framework %s not loadable (%s); reviews will not rescore", framework_id, e)
            return {}
    return {
        "criteria": {c.code: m.id for m, c in fw.criteria()},
        "thresholds": {m.id: m.implemented_threshold for m in fw.models if m.scored},
    }


def _rescore(site: SiteAssessment, shape: Mapping[str, Any]) -> None:
    criteria: dict[str, str] = shape.get("criteria", {})
    thresholds: dict[str, float] = shape.get("thresholds", {})
    if not criteria:
        return
    for model, score in site.scores.items():
        codes = [c for c, m in criteria.items() if m == model and c in site.verdicts]
        score.met = sum(site.verdicts[c].verdict == VerdictValue.MET for c in codes)
        score.needs_review = sum(site.verdicts[c].verdict == VerdictValue.NEEDS_REVIEW for c in codes)
    if site.scores and thresholds:
        site.implemented = [
            m
            for m, sc in site.scores.items()
            if m in thresholds and sc.total and sc.met > 0 and sc.fraction >= thresholds[m]
        ]


def _restore_services(
    conn: Connection, audit: AuditResult, saved: dict[str, Any], by_site_id: dict[str, SiteAssessment]
) -> None:
    """Services per site from their table, site links and the portfolio-level service figures
    from the saved summary (a summary recomputed after reviews does not hold them)."""
    if "services" in saved:
        for site in by_site_id.values():
            site.services = []
    for site_id, services in load_services(conn, audit.audit_id or 0).items():
        if site_id in by_site_id:
            by_site_id[site_id].services = services
    links = (saved.get("integration") or {}).get("site_links") or {}
    for site_id, site_links in links.items():
        if site_id in by_site_id:
            by_site_id[site_id].site_links = dict(site_links)
    for k in ("services", "integration"):
        if k in saved and k not in audit.summary:
            audit.summary[k] = saved[k]


def _resummarize(audit: AuditResult, fw: Any = None) -> dict[str, Any] | None:
    """Recompute the study's summary table after reviews, with the assess stage's own function."""
    try:
        from govlens.assess import load_framework, summarize

        return summarize(audit.portfolio, audit.sites, fw or load_framework(audit.framework_id))
    except Exception as e:  # summarize not available or framework moved: keep the saved summary
        log.info("summary not recomputed after reviews: %s", e)
        return None


def _alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).resolve().parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
