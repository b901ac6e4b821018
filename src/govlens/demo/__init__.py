"""Offline sample sites of the fictional city "Kota Demokota" and the local server that plays them.

The demo exists so govlens can be tried, tested and taught without touching a real government
website: ``DemoServer`` serves every site on 127.0.0.1 and ``url_map()`` tells the crawler where each
original address lives. ``expected.yaml`` is the answer key the pipeline's verdicts are compared with
(see docs/demo.md).

The server is imported lazily so ``python -m govlens.demo.server`` does not import itself twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

EXPECTED_PATH = Path(__file__).resolve().parent / "expected.yaml"


def expected_verdicts_path() -> Path:
    """The machine-readable form of the expected-verdict table in docs/demo.md."""
    return EXPECTED_PATH


def __getattr__(name: str) -> Any:
    if name in ("DemoServer", "demo_portfolio_path", "sites_dir"):
        from govlens.demo import server

        return getattr(server, name)
    raise AttributeError(name)


__all__ = ["DemoServer", "demo_portfolio_path", "expected_verdicts_path", "sites_dir"]
