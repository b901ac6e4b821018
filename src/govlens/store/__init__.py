"""Audit storage: SQLAlchemy 2 on SQLite by default, PostgreSQL by URL.

``Store(url).save_audit(audit)`` keeps an audit with its time, so audits of one portfolio can be
compared; ``load_audit`` reads it back with human reviews applied as final values.
"""

from govlens.store.store import AuditInfo, Review, ReviewIn, Store, default_url

__all__ = ["AuditInfo", "Review", "ReviewIn", "Store", "default_url"]
