"""Local accounts of the review dashboard: argon2 password hashes and three roles.

Accounts live in the audit database (``users`` table, see ``govlens.store.models.UserRow``) so
that the people whose names appear in ``reviews.reviewer`` are known accounts and one backup keeps
both. Roles are ordered: a reviewer can do what a viewer can, an admin what a reviewer can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, insert, select, update

from govlens.store.models import UserRow, metadata

ROLES = ("viewer", "reviewer", "admin")
RANK = {r: i for i, r in enumerate(ROLES)}
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 8

U = UserRow.__table__
_hasher = PasswordHasher()
# verified against when the username is unknown, so a wrong name costs as long as a wrong password
_DUMMY_HASH = _hasher.hash("govlens-no-such-user")


class UserError(ValueError):
    """A username, role or password that cannot be accepted (message is safe to show)."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    created: str

    def can(self, role: str) -> bool:
        """True when this user's role is at least ``role``."""
        return RANK.get(self.role, -1) >= RANK[role]


def _iso(dt: datetime | None) -> str:
    if dt is None:
        return ""
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.isoformat(timespec="seconds").replace("+00:00", "Z")


class UserStore:
    """The ``users`` table on a Store's engine (SQLite or PostgreSQL alike)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        metadata.create_all(engine, tables=[U])

    def add(self, username: str, password: str, role: str = "viewer") -> User:
        check_username(username)
        check_role(role)
        check_password(password)
        if self.get(username) is not None:
            raise UserError(f"user {username!r} exists already")
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            conn.execute(
                insert(U),
                {"username": username, "password_hash": _hasher.hash(password), "role": role, "created": now},
            )
        return User(username, role, _iso(now))

    def get(self, username: str | None) -> User | None:
        if not username:
            return None
        with self.engine.connect() as conn:
            r = conn.execute(select(U).where(U.c.username == username)).first()
        return User(r.username, r.role, _iso(r.created)) if r else None

    def list(self) -> list[User]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(U).order_by(U.c.username)).all()
        return [User(r.username, r.role, _iso(r.created)) for r in rows]

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        with self.engine.begin() as conn:
            n = conn.execute(update(U).where(U.c.username == username).values(role=role)).rowcount
        if not n:
            raise UserError(f"no user {username!r}")

    def set_password(self, username: str, password: str) -> None:
        check_password(password)
        with self.engine.begin() as conn:
            n = conn.execute(
                update(U).where(U.c.username == username).values(password_hash=_hasher.hash(password))
            ).rowcount
        if not n:
            raise UserError(f"no user {username!r}")

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password matches, else None; rehashes when argon2 parameters changed."""
        with self.engine.connect() as conn:
            r = conn.execute(select(U).where(U.c.username == username)).first()
        stored = r.password_hash if r else _DUMMY_HASH
        try:
            _hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if r is None:
            return None
        if _hasher.check_needs_rehash(stored):
            self.set_password(username, password)
        return User(r.username, r.role, _iso(r.created))


def check_username(username: str) -> None:
    if not USERNAME.match(username or ""):
        raise UserError("a username is 1-64 letters, digits or . _ @ -, starting with a letter or digit")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
