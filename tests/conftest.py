"""Shared fixtures: where the real corpus lives, and a private HOME so libraries that write caches
(chromium, trafilatura, hypothesis) never touch the user's."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest_pg import db_factory, db_url, pg_base_url, pg_url  # noqa: F401  (SQLite + PostgreSQL fixtures)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpus"


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not (CORPUS / "warc").is_dir():
        pytest.skip(f"the real-site corpus is not here ({CORPUS} is absent: it sits beside the repo in CI)")
    return CORPUS


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (the shared study files sit beside the repo in CI)")
    return SHARED


@pytest.fixture(autouse=True)
def _private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.getbasetemp() / "home"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
