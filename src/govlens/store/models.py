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


metadata = Base.metadata
