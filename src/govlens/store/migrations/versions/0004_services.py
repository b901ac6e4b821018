"""Online service inventory per site of an audit (docs/services.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06

Created only when missing: a database made by ``metadata.create_all`` with these models already
has the table when ``Store.migrate`` stamps it at 0001 and upgrades.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "services" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("provider_kind", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=300), nullable=False),
        sa.Column("provider_org", sa.String(length=200), nullable=False),
        sa.Column("health", sa.String(length=20), nullable=False),
        sa.Column("health_detail", sa.Text(), nullable=False),
        sa.Column("found_on", sa.Text(), nullable=False),
        sa.Column("menu_path", sa.JSON(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("record_id", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audits.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_services_audit_site", "services", ["audit_id", "site_id"])
    op.create_index("ix_services_health", "services", ["health"])


def downgrade() -> None:
    op.drop_table("services")
