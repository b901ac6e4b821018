"""Alembic environment for the govlens store (run through ``Store.migrate()``)."""
