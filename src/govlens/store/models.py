"""Database tables for audits, as SQLAlchemy 2 declarative models.

The models are the single description of the schema: ``metadata.create_all`` builds it on first use
and the Alembic migrations in ``govlens/store/migrations`` are written against the same classes.
Only portable column types are used (``JSON`` rather than ``JSONB``, ``DateTime(timezone=True)``),
so one code path serves SQLite (the default, one file per run) and PostgreSQL (shared deployments).

Bulk paths (verdicts, evidence, pages) go through ``Model.__table__`` with SQLAlchemy Core: the ORM
unit of work is ~15-30x slower per row, which matters at ~500k verdicts for a national audit.
Human reviews live in their own table so that a machine verdict is never overwritten: the agreement
between machine and reviewers stays measurable.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}  # noqa: RUF012


class AuditRow(Base):
    """One run of the pipeline over a portfolio; kept forever so runs can be compared over time."""

    __tablename__ = "audits"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    portfolio: Mapped[str] = mapped_column(String(200), index=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    framework_version: Mapped[str] = mapped_column(String(50))
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    finished: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    archives: Mapped[list[Any]] = mapped_column(JSON, default=list)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # portfolio attributes beyond its name (country, region, main portal, source file) and the
    # framework's shape at audit time (criterion -> model, model thresholds), so that scores can be
    # recomputed after a review even when the framework file has since changed.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OrganisationRow(Base):
    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("audit_id", "org_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    short: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(50), default="agency")
    sites: Mapped[list[Any]] = mapped_column(JSON, default=list)
    channels: Mapped[list[Any]] = mapped_column(JSON, default=list)  # declared channels
    services: Mapped[list[Any]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the portfolio


class SiteRow(Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("audit_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(500), default="")  # name, as the assessment saw it
    short: Mapped[str] = mapped_column(String(200), default="")
    url: Mapped[str] = mapped_column(Text, default="")
    scan_status: Mapped[str] = mapped_column(String(40))
    scan_detail: Mapped[str] = mapped_column(Text, default="")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # model -> {met,total,needs_review}
    implemented: Mapped[list[Any]] = mapped_column(JSON, default=list)
    socials_found: Mapped[list[Any]] = mapped_column(JSON, default=list)
    broken_links: Mapped[list[Any]] = mapped_column(JSON, default=list)
    recommendations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class PageRow(Base):
    __tablename__ = "pages"
    __table_args__ = (Index("ix_pages_audit_site", "audit_id", "site_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    warc_record_id: Mapped[str] = mapped_column(String(100), default="")
    warc_file: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    content_type: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(Text, default="")


class VerdictRow(Base):
    """The machine's verdict, as the assess stage produced it. Never updated after insert."""

    __tablename__ = "verdicts"
    __table_args__ = (Index("ix_verdicts_audit_site", "audit_id", "site_pk"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    verdict: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    decision: Mapped[str] = mapped_column(String(16), default="auto")
    reason: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # framework order within the site


class EvidenceRow(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    verdict_id: Mapped[int] = mapped_column(ForeignKey("verdicts.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text, default="")
    warc_record_id: Mapped[str] = mapped_column(String(100), default="")
    warc_file: Mapped[str] = mapped_column(String(300), default="")
    snippet: Mapped[str] = mapped_column(Text, default="")
    detector: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[str] = mapped_column(Text, default="")


class ReviewRow(Base):
    """A person's verdict on one criterion of one site, stored beside the machine's.

    The final value of a criterion is the latest review, else the machine verdict; earlier reviews
    are kept so the history of a decision can be audited too.
    """

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_audit_site_code", "audit_id", "site_pk", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    site_pk: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    reviewer: Mapped[str] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserRow(Base):
    """A local account of the review dashboard (``govlens serve``).

    Kept in the audit database so that a reviewer's name in ``reviews.reviewer`` is a known
    account, and so one backup of the database holds the decisions and who could make them. Only
    the argon2 hash of the password is stored.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(20), default="viewer")  # viewer | reviewer | admin
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SiteFreshnessRow(Base):
    """The newest dated item (news date or document year) an audit saw on a site (docs/diff.md).

    A table of its own rather than a column on ``sites`` so that databases created before it
    get it from ``create_all`` without an ALTER (new tables are created, new columns are not).
    """

    __tablename__ = "site_freshness"
    __table_args__ = (UniqueConstraint("audit_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(200))
    date: Mapped[str] = mapped_column(String(10))  # "2024-01-29" or "2025" (precision says which)
    precision: Mapped[str] = mapped_column(String(8), default="day")  # day | year
    kind: Mapped[str] = mapped_column(String(20), default="news")  # news | document
    url: Mapped[str] = mapped_column(Text, default="")


class CheckRow(Base):
    """One availability check of one target by ``govlens watch`` (docs/watch.md). Append-only."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_target_time", "target", "checked_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(Text)  # the target's original URL (its key)
    checked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    state: Mapped[str] = mapped_column(String(10))  # up | degraded | down (this check alone)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)  # final HTTP status
    error: Mapped[str | None] = mapped_column(String(40), nullable=True)  # fetch error kind
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    final_url: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    record_id: Mapped[str] = mapped_column(String(100), default="")  # WARC-Record-ID of the answer
    warc_file: Mapped[str] = mapped_column(String(300), default="")


class TargetStateRow(Base):
    """The confirmed state of a watched target; what a restarted watch resumes from."""

    __tablename__ = "target_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(Text, unique=True)
    portfolio: Mapped[str] = mapped_column(String(200), default="", index=True)
    organisation: Mapped[str] = mapped_column(String(200), default="")  # organisation id
    kind: Mapped[str] = mapped_column(String(20), default="site")  # site | service | link
    state: Mapped[str] = mapped_column(String(10), default="unknown")  # confirmed: up | degraded | down | unknown
    since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # first check of it
    last_change: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)  # confirmed at
    last_checked: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_state: Mapped[str] = mapped_column(String(10), default="")  # raw state of the latest check
    streak: Mapped[int] = mapped_column(Integer, default=0)  # consecutive checks in last_state
    streak_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class WatchEventRow(Base):
    """A confirmed state change of a target ("down since ...", "back up at ... after ...")."""

    __tablename__ = "watch_events"
    __table_args__ = (Index("ix_watch_events_target", "target", "changed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target: Mapped[str] = mapped_column(Text)
    old_state: Mapped[str] = mapped_column(String(10))
    new_state: Mapped[str] = mapped_column(String(10))
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # first check in the new state
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # check that confirmed it
    previous_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    notified: Mapped[str] = mapped_column(String(20), default="")  # "" | sent | failed | off


class ServiceRow(Base):
    """One online service a site lists, with provider and health (docs/services.md).

    A table of its own (not a JSON column on ``sites``) so services can be queried across audits:
    "which services went broken since the last audit" is one SQL query for ``govlens diff``.
    """

    __tablename__ = "services"
    __table_args__ = (Index("ix_services_audit_site", "audit_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    site_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the site's inventory
    name: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default="unknown")
    provider_kind: Mapped[str] = mapped_column(String(20), default="unknown")
    provider: Mapped[str] = mapped_column(String(300), default="")
    provider_org: Mapped[str] = mapped_column(String(200), default="")
    health: Mapped[str] = mapped_column(String(20), index=True)
    health_detail: Mapped[str] = mapped_column(Text, default="")
    found_on: Mapped[str] = mapped_column(Text, default="")
    menu_path: Mapped[list[Any]] = mapped_column(JSON, default=list)
    region: Mapped[str] = mapped_column(String(20), default="")
    final_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    record_id: Mapped[str] = mapped_column(String(100), default="")  # WARC-Record-ID (evidence)
    source: Mapped[str] = mapped_column(String(20), default="link")


metadata = Base.metadata
