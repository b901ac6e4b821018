"""Alembic environment: runs migrations on the URL that ``Store.migrate()`` puts in the config.

Batch mode is on for SQLite because SQLite cannot ALTER most column properties in place; Alembic
then rebuilds the table, and the same revision file works on PostgreSQL unchanged.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from govlens.store.models import metadata

config = context.config


def run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite"
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
