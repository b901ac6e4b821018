"""Scale-out runs the same per-chunk function everywhere, so the engine must not change a verdict.

The demo city is crawled on 127.0.0.1 (``map_only``: nothing leaves loopback) three times, each
into its own archive: in-process, on a spawn process pool and on an in-process dask LocalCluster.
The verdicts per site must be identical. A chunk that raises is retried once and, if it fails
again, reported by organisation while the other chunks' results are kept.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govlens.crawl import CrawlConfig
from govlens.demo.server import DemoServer, demo_portfolio_path
from govlens.portfolio import load_portfolio
from govlens.scale import ChunkResults, ScaleError, audit_chunk, make_chunks, run_chunks
from govlens.types import Organisation, Portfolio

CHUNK = 3  # the demo's 11 organisations make 4 chunks, so chunking and reordering are exercised


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return load_portfolio(demo_portfolio_path())


@pytest.fixture(scope="module")
def config(demo: DemoServer) -> CrawlConfig:
    # a generous timeout: on a loaded shared machine a 5 s loopback timeout can turn a link "broken"
    return CrawlConfig(url_map=demo.url_map(), map_only=True, delay=0.05, timeout=15.0, retries=2)


@pytest.fixture(autouse=True)
def _dask_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DASK_TEMPORARY_DIRECTORY", str(tmp_path / "dask"))
    try:
        import dask
    except ImportError:
        yield
        return
    with dask.config.set({"temporary-directory": str(tmp_path / "dask")}):
        yield


def verdicts(results: ChunkResults) -> dict[str, tuple[str, dict[str, str]]]:
    return {a.site_id: (str(a.scan_status), {c: str(v.verdict) for c, v in a.verdicts.items()}) for a, _ in results}


def differences(a: ChunkResults, b: ChunkResults) -> list[str]:
    """Only the cells that differ, with the reasons, so a failure says which criterion moved and why."""
    rb = {x.site_id: x for x, _ in b}
    out = []
    for x, _ in a:
        y = rb.get(x.site_id)
        if y is None:
            out.append(f"{x.site_id}: missing")
            continue
        if x.scan_status != y.scan_status:
            out.append(f"{x.site_id}: scan_status {x.scan_status} != {y.scan_status}")
        for code, v in x.verdicts.items():
            w = y.verdicts.get(code)
            if w is None or v.verdict != w.verdict:
                out.append(f"{x.site_id} {code}: {v.verdict} ({v.reason}) != {w and w.verdict} ({w and w.reason})")
    return out


@pytest.fixture(scope="module")
def sequential(portfolio: Portfolio, config: CrawlConfig, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ChunkResults]:
    archive = tmp_path_factory.mktemp("seq") / "archive"
    events: list[str] = []
    results = run_chunks(portfolio, archive, config, "nath-2019", chunk_size=CHUNK,
                         progress=lambda ev, sid, **kw: events.append(ev))
    assert not results.failures
    # the crawl's own events reach the caller: the bar advances per site, and is started once
    assert events.count("start") == 1 and events.count("done") == 1
    assert events.count("site_done") == sum(1 for o in portfolio.organisations for _ in o.sites)
    return archive, results


def test_sequential_matches_the_demo_answer_key(sequential: tuple[Path, ChunkResults], portfolio: Portfolio) -> None:
    _, results = sequential
    ids = [a.site_id for a, _ in results]
    assert ids == [o.id for o in portfolio.organisations]  # portfolio order, one row per site
    got = verdicts(results)
    assert got["bpbd"][0] == "unreachable" and got["kesbangpol"][0] == "no_site"
    assert got["disparbud"][0] == "js_only" and got["dinkes"][0] == "ok"
    for a, pages in results:
        if a.scan_status == "ok":
            assert pages and all("body" not in row for row in pages)  # small rows only, never bodies


def test_process_pool_gives_identical_verdicts(
    sequential: tuple[Path, ChunkResults], portfolio: Portfolio, config: CrawlConfig, tmp_path: Path
) -> None:
    events: list[str] = []
    results = run_chunks(portfolio, tmp_path / "archive", config, "nath-2019", workers=2, chunk_size=CHUNK,
                         progress=lambda ev, sid, **kw: events.append(ev))
    assert not results.failures
    assert not differences(sequential[1], results)
    assert verdicts(results) == verdicts(sequential[1])
    assert [a.site_id for a, _ in results] == [a.site_id for a, _ in sequential[1]]
    assert events.count("site_done") == sum(1 for o in portfolio.organisations for _ in o.sites)
    assert sorted(p.name for p in (tmp_path / "archive").iterdir()) == sorted(p.name for p in sequential[0].iterdir())


def test_dask_local_cluster_gives_identical_verdicts(
    sequential: tuple[Path, ChunkResults], portfolio: Portfolio, config: CrawlConfig, tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed (pip install 'govlens[distributed]')")
    results = run_chunks(portfolio, tmp_path / "archive", config, "nath-2019", scheduler="local", workers=2,
                         chunk_size=CHUNK)
    assert not results.failures
    assert not differences(sequential[1], results)
    assert verdicts(results) == verdicts(sequential[1])


# --------------------------------------------------------------------------- failures

CALLS: Counter[tuple[str, ...]] = Counter()


def flaky_chunk(chunk: Portfolio, archive_dir: str, config: CrawlConfig, fw: Any, progress: Any = None) -> list:
    """Fails once for the chunk holding 'dinkes' (a transient error) and always for 'bappeda'."""
    ids = tuple(o.id for o in chunk.organisations)
    CALLS[ids] += 1
    if "bappeda" in ids:
        raise RuntimeError("disk full")
    if "dinkes" in ids and CALLS[ids] == 1:
        raise ConnectionResetError("worker lost")
    return audit_chunk(chunk, archive_dir, config, fw, progress)


@pytest.mark.parametrize("engine", ["in-process", "dask-local"])
def test_failed_chunk_is_retried_then_reported(
    engine: str, sequential: tuple[Path, ChunkResults], portfolio: Portfolio, config: CrawlConfig, tmp_path: Path
) -> None:
    if engine == "dask-local":
        pytest.importorskip("dask.distributed", reason="dask[distributed] is not installed")
    archive = tmp_path / "archive"
    shutil.copytree(sequential[0], archive)  # resume: the retry re-reads, it does not re-crawl
    CALLS.clear()
    results = run_chunks(portfolio, archive, config, "nath-2019", chunk_size=1, task=flaky_chunk,
                         scheduler="local" if engine == "dask-local" else None)
    assert CALLS[("dinkes",)] == 2 and CALLS[("bappeda",)] == 2  # each retried exactly once
    assert CALLS[("www",)] == 1
    assert [f.organisations for f in results.failures] == [["bappeda"]]
    assert results.failures[0].error == "RuntimeError: disk full"
    assert results.failed_organisations == ["bappeda"]
    expected = {k: v for k, v in verdicts(sequential[1]).items() if k != "bappeda"}
    assert verdicts(results) == expected  # the others, dinkes included after its retry, are all there
    assert [a.site_id for a, _ in results] == [o.id for o in portfolio.organisations if o.id != "bappeda"]


def test_missing_dask_names_the_extra(
    portfolio: Portfolio, config: CrawlConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # makes the import fail
    with pytest.raises(ScaleError, match=r"govlens\[distributed\]"):
        run_chunks(portfolio, tmp_path / "archive", config, "nath-2019", scheduler="tcp://127.0.0.1:1")


# --------------------------------------------------------------------------- chunking


def test_chunks_keep_shared_hosts_together() -> None:
    def org(i: int, url: str | None) -> Organisation:
        return Organisation(id=f"o{i}", name=f"O{i}", short=f"O{i}", sites=[url] if url else [])

    pf = Portfolio("p", [
        org(0, "https://portal.example.go.id/dinkes/"),
        org(1, "https://a.example.go.id/"),
        org(2, None),
        org(3, "https://portal.example.go.id/bappeda/"),
        org(4, "https://b.example.go.id/"),
        org(5, "https://www.portal.example.go.id/dprd/"),
    ])
    chunks = make_chunks(pf, 2)
    assert sorted(i for c in chunks for i in c) == list(range(6))
    portal = next(c for c in chunks if 0 in c)
    assert {0, 3} <= set(portal)  # same host: one crawl, one per-host delay
    assert make_chunks(dataclasses.replace(pf, organisations=[]), 2) == []


# --------------------------------------------------------------------------- CLI


def test_cli_audit_with_workers(
    sequential: tuple[Path, ChunkResults], demo: DemoServer, tmp_path: Path
) -> None:
    """`govlens audit --workers 2` goes through run_chunks and stores what the in-process run found."""
    from typer.testing import CliRunner

    from govlens.cli import app
    from govlens.store import Store

    out = tmp_path / "run"
    args = ["audit", str(demo_portfolio_path()), "--out", str(out), "--format", "json", "--workers", "2",
            "--delay", "0.05", "--timeout", "15"]
    for m in demo.map_args():
        args += ["--map", m]
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0, res.output
    stored = Store(f"sqlite:///{out / 'govlens.db'}").load_audit(None)
    got = {s.site_id: (str(s.scan_status), {c: str(v.verdict) for c, v in s.verdicts.items()}) for s in stored.sites}
    assert got == verdicts(sequential[1])
