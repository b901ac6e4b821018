"""A throwaway PostgreSQL server for the tests, and a ``db_url`` fixture over SQLite and PostgreSQL.

The store promises one code path for SQLite and PostgreSQL; that promise is only worth something if
the same tests run on both. Debian's server binaries (``/usr/lib/postgresql/<v>/bin``) are used to
``initdb`` a cluster in a temporary folder and start it listening on a Unix socket in that folder
only (no TCP port, so parallel runs and other services never clash). PostgreSQL refuses to run as
root, so under root the server runs as the ``postgres`` user via ``runuser``.

``GOVLENS_TEST_PG_URL`` (a SQLAlchemy URL) points the tests at an existing server instead. Where
neither is available the PostgreSQL half of each test is skipped with the reason.

Imported into ``tests/conftest.py`` so every test module can ask for ``db_url`` / ``db_factory``.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ENV = "GOVLENS_TEST_PG_URL"
BACKENDS = ["sqlite", "postgresql"]
_counter = itertools.count(1)


def pg_bin_dir() -> Path | None:
    """The newest Debian PostgreSQL server folder holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PgServer:
    """One cluster in ``root``; ``base_url`` is the SQLAlchemy URL of its ``postgres`` database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        # short path: a Unix socket path is limited to ~107 bytes, pytest's tmp paths can be longer
        self.root = Path(tempfile.mkdtemp(prefix="govlens-pg-", dir="/tmp"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def start(self) -> None:
        r = self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--no-sync", "--locale=C")
        if r.returncode:
            raise RuntimeError(f"initdb failed: {r.stderr.strip() or r.stdout.strip()}")
        opts = f"-c listen_addresses='' -k {self.root} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        r = self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.root / "server.log"), "-w",
                      "-t", "60", "start")
        if r.returncode:
            log = (self.root / "server.log").read_text(errors="replace") if (self.root / "server.log").exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log[-2000:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://postgres@/postgres?host={self.root}"


@pytest.fixture(scope="session")
def pg_base_url() -> Iterator[str]:
    """URL of a PostgreSQL server for tests: ``GOVLENS_TEST_PG_URL`` or a throwaway local one."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'govlens[test]')")
    if os.environ.get(ENV):
        yield os.environ[ENV]
        return
    bindir = pg_bin_dir()
    if bindir is None:
        pytest.skip(f"no PostgreSQL server binaries (/usr/lib/postgresql/*/bin) and {ENV} is not set; "
                    "apt-get install postgresql to run the PostgreSQL half of the tests")
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
    server = PgServer(bindir)
    try:
        server.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
        shutil.rmtree(server.root, ignore_errors=True)
        pytest.skip(f"could not start a throwaway PostgreSQL server: {e}")
    try:
        yield server.base_url
    finally:
        server.stop()


def _fresh_pg_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database on the server of ``base_url`` and a function that drops it.

    A database per test is cheaper than dropping tables and keeps tests independent. When the
    server is an external one where we may not create databases, the given database is emptied
    instead (that is what GOVLENS_TEST_PG_URL promised: a scratch database).
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"govlens_t{os.getpid()}_{next(_counter)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        admin.dispose()
        return _emptied(base_url), lambda: None
    new_url = url.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        # sessions the test left open (a Store not closed) would block DROP DATABASE
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return new_url, drop


def _emptied(url: str) -> str:
    from sqlalchemy import create_engine, text

    from govlens.store.models import metadata

    eng = create_engine(url)
    metadata.drop_all(eng)
    with eng.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    eng.dispose()
    return url


@pytest.fixture(params=BACKENDS)
def db_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Call it for the URL of a new empty database on the parametrized backend."""
    drops: list[Callable[[], None]] = []
    if request.param == "sqlite":
        n = itertools.count(1)

        def make() -> str:
            return f"sqlite:///{tmp_path / f'db{next(n)}' / 'govlens.db'}"
    else:
        base = request.getfixturevalue("pg_base_url")

        def make() -> str:
            url, drop = _fresh_pg_database(base)
            drops.append(drop)
            return url

    yield make
    for drop in drops:
        drop()


@pytest.fixture
def db_url(db_factory: Callable[[], str]) -> str:
    """The URL of an empty database, once on SQLite and once on PostgreSQL."""
    return db_factory()


@pytest.fixture
def pg_url(pg_base_url: str) -> Iterator[str]:
    """The URL of a new empty PostgreSQL database only (for PostgreSQL-specific checks)."""
    url, drop = _fresh_pg_database(pg_base_url)
    yield url
    drop()
