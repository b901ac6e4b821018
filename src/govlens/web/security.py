"""The dashboard's defences: response headers, the login wall, CSRF tokens, login backoff, secret.

Everything the dashboard shows came, at some point, from a crawled government site, and some of
those sites are compromised. The rules here make that harmless: the dashboard's own pages run no
inline script at all (``script-src 'self'`` and the pages carry no script), captured pages are
served under a CSP ``sandbox`` so they get an opaque origin and no script, and every state change
needs a session and a per-session CSRF token.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

DASHBOARD_CSP = (
    "default-src 'self'; frame-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
# A captured page: opaque origin, no script, no network except inline images and styles.
ARCHIVE_CSP = (
    "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
PUBLIC_PATHS = ("/login",)
PUBLIC_PREFIXES = ("/static/",)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class SecurityHeadersMiddleware:
    """Adds the dashboard CSP and companions to every response that did not set its own CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                if "content-security-policy" not in h:
                    h["Content-Security-Policy"] = DASHBOARD_CSP
                h.setdefault("X-Frame-Options", "SAMEORIGIN")
                h["X-Content-Type-Options"] = "nosniff"
                h.setdefault("Referrer-Policy", "same-origin")
                h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                h.setdefault("Cross-Origin-Resource-Policy", "same-origin")
                h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                if not scope["path"].startswith(PUBLIC_PREFIXES):
                    h.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class LoginWallMiddleware:
    """Nothing but the login page and its static files without a session.

    A pure ASGI middleware in front of every route (unknown paths too, so a 404 does not tell an
    anonymous visitor which pages exist): GET/HEAD get a redirect to /login, anything else 401.
    The user is looked up on every request, so a removed account or a changed role takes effect at
    once rather than when a cookie expires. Must sit inside Starlette's SessionMiddleware.
    """

    def __init__(self, app: ASGIApp, users: Any) -> None:
        self.app = app
        self.users = users

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        session = scope.get("session") or {}
        user = self.users.get(session.get("user"))
        scope.setdefault("state", {})["user"] = user
        if user is None and not (path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)):
            if scope["method"] in ("GET", "HEAD"):
                target = path + (
                    "?" + scope["query_string"].decode("latin-1") if scope.get("query_string") else ""
                )
                headers = [(b"location", b"/login?next=" + quote(target, safe="/").encode())]
                await _plain(send, 303, b"login required", headers)
            else:
                await _plain(send, 401, b"login required")
            return
        await self.app(scope, receive, send)


async def _plain(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


def csrf_token(session: dict[str, Any]) -> str:
    """The session's CSRF token, made on first use (also for the anonymous session of /login)."""
    tok = session.get("csrf")
    if not tok:
        tok = secrets.token_urlsafe(32)
        session["csrf"] = tok
    return tok


def csrf_ok(session: dict[str, Any], supplied: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and supplied) and hmac.compare_digest(str(expected), str(supplied))


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go to after a form, never another site (``//evil`` or ``https://evil``)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


class LoginLimiter:
    """Per-username backoff: after ``free`` failed logins each further attempt waits twice as long
    (1, 2, 4 ... up to ``cap`` seconds). A success clears the count. In memory: a restart forgets,
    which is acceptable for a small team's dashboard and keeps the database free of noise."""

    def __init__(self, free: int = 5, cap: float = 900.0) -> None:
        self.free = free
        self.cap = cap
        self._state: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def wait(self, username: str, now: float | None = None) -> float:
        """Seconds until this username may try again (0 when it may now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            _, until = self._state.get(username.lower(), (0, 0.0))
        return max(0.0, until - now)

    def failed(self, username: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        key = username.lower()
        with self._lock:
            n, _ = self._state.get(key, (0, 0.0))
            n += 1
            until = now + min(self.cap, 2.0 ** (n - self.free)) if n >= self.free else 0.0
            self._state[key] = (n, until)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._state.pop(username.lower(), None)


def resolve_secret(secret: str | None, db_url: str) -> str:
    """The session-signing key: ``secret``, else $GOVLENS_SECRET, else a key kept beside the SQLite
    database (created with mode 0600), else (PostgreSQL without a secret) a key for this process only."""
    if secret:
        return secret
    env = os.environ.get("GOVLENS_SECRET")
    if env:
        return env
    if db_url.startswith("sqlite:///") and db_url not in ("sqlite:///", "sqlite:///:memory:"):
        path = Path(db_url[len("sqlite:///") :]).resolve().parent / ".govlens-secret"
        if path.is_file():
            return path.read_text(encoding="ascii").strip()
        key = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
        return key
    log.warning("no --secret or GOVLENS_SECRET: sessions will not survive a restart of the dashboard")
    return secrets.token_urlsafe(48)
