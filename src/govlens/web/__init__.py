"""The review dashboard: ``govlens serve`` (see docs/web.md).

``create_app(db_url, archive_dirs, secret)`` gives the FastAPI application; it needs the
dashboard's dependencies (fastapi, uvicorn, python-multipart, argon2-cffi, itsdangerous).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from govlens.web.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # imported on first use so that `govlens user add` does not pull FastAPI in
    if name == "create_app":
        from govlens.web.app import create_app

        return create_app
    raise AttributeError(name)
