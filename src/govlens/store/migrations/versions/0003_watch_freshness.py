"""Availability watch (checks, target_state, watch_events) and per-site freshness of an audit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05

Each table is created only when missing: a database made by ``metadata.create_all`` with these
models already has them when ``Store.migrate`` stamps it at 0001 and upgrades.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    have = set(sa.inspect(op.get_bind()).get_table_names())
    if "site_freshness" not in have:
        op.create_table(
            "site_freshness",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("audit_id", sa.Integer(), nullable=False),
            sa.Column("site_id", sa.String(length=200), nullable=False),
            sa.Column("date", sa.String(length=10), nullable=False),
            sa.Column("precision", sa.String(length=8), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("url", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("audit_id", "site_id"),
        )
        op.create_index("ix_site_freshness_audit_id", "site_freshness", ["audit_id"])
    if "checks" not in have:
        op.create_table(
            "checks",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("target", sa.Text(), nullable=False),
            sa.Column("checked_at", TZ, nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("status", sa.Integer(), nullable=True),
            sa.Column("error", sa.String(length=40), nullable=True),
            sa.Column("latency_ms", sa.Float(), nullable=False),
            sa.Column("final_url", sa.Text(), nullable=False),
            sa.Column("detail", sa.Text(), nullable=False),
            sa.Column("record_id", sa.String(length=100), nullable=False),
            sa.Column("warc_file", sa.String(length=300), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_checks_target_time", "checks", ["target", "checked_at"])
        op.create_index("ix_checks_checked_at", "checks", ["checked_at"])
    if "target_state" not in have:
        op.create_table(
            "target_state",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("target", sa.Text(), nullable=False),
            sa.Column("portfolio", sa.String(length=200), nullable=False),
            sa.Column("organisation", sa.String(length=200), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("state", sa.String(length=10), nullable=False),
            sa.Column("since", TZ, nullable=True),
            sa.Column("last_change", TZ, nullable=True),
            sa.Column("last_checked", TZ, nullable=True),
            sa.Column("last_state", sa.String(length=10), nullable=False),
            sa.Column("streak", sa.Integer(), nullable=False),
            sa.Column("streak_since", TZ, nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("target"),
        )
        op.create_index("ix_target_state_portfolio", "target_state", ["portfolio"])
    if "watch_events" not in have:
        op.create_table(
            "watch_events",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("target", sa.Text(), nullable=False),
            sa.Column("old_state", sa.String(length=10), nullable=False),
            sa.Column("new_state", sa.String(length=10), nullable=False),
            sa.Column("since", TZ, nullable=False),
            sa.Column("changed_at", TZ, nullable=False),
            sa.Column("previous_since", TZ, nullable=True),
            sa.Column("notified", sa.String(length=20), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_watch_events_target", "watch_events", ["target", "changed_at"])


def downgrade() -> None:
    for name in ("watch_events", "target_state", "checks", "site_freshness"):
        op.drop_table(name)
