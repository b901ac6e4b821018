"""Change between two audits: ``govlens diff AUDIT_A AUDIT_B`` (docs/diff.md).

Imports stay lazy here: the pipeline imports :mod:`govlens.diff.freshness` and must not pull the
store in with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govlens.diff.core import AuditDiff, SiteDiff

__all__ = ["AuditDiff", "SiteDiff", "diff_audits"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from govlens.diff import core

        return getattr(core, name)
    raise AttributeError(name)
