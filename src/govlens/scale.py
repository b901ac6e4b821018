"""Scale-out: the same per-site work, run in-process, on a process pool or on a dask cluster.

The unit shipped to a worker is a *chunk* of organisations (a sub-portfolio), not one site: a crawl
of a few dozen sites keeps one aiohttp session and ``config.concurrency`` hosts busy, while one task
per site would spend more on scheduling than on work. A chunk crawls into the shared archive folder
(``crawl_portfolio`` with resume, so re-running a failed chunk re-fetches nothing that is complete)
and assesses what it archived with :func:`govlens.pipeline.assess_capture`, the function
``govlens assess`` uses. Only small results travel back to the driver (assessments and page rows,
never bodies); summarising, storing and reporting stay in the driver, as for a local audit.

Nothing here changes what a stage does: ``run_chunks(workers=1)`` is what ``govlens audit`` runs, and
the process pool and dask paths call the very same :func:`audit_chunk`.

Politeness holds per process: the per-host delay lives in each crawl's ``HostGate``. So chunks are
cut along hosts: organisations that share a host (a portal with one folder per agency) always land
in the same chunk and are never fetched from two workers at once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from govlens.archive import portfolio_sites
from govlens.archive.urls import host_key
from govlens.assess.framework import Framework, load_framework
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.pipeline import assess_capture, iter_captures
from govlens.types import Organisation, Portfolio, ScanStatus, SiteAssessment

log = logging.getLogger(__name__)

Result = tuple[SiteAssessment, list[dict[str, Any]]]
ProgressFn = Callable[..., None]
Task = Callable[..., list[Result]]
FrameworkRef = str | Framework
DEFAULT_CHUNK = 50
EXTRA_HINT = "pip install 'govlens[distributed]'"


class ScaleError(RuntimeError):
    """The execution engine could not be used at all (dask missing, scheduler unreachable)."""


@dataclass
class ChunkFailure:
    """A chunk that failed on its first run and on its retry: which organisations, and why."""

    chunk: int
    organisations: list[str]  # organisation ids
    error: str  # "ExceptionType: message" of the last attempt
    attempts: int = 2


class ChunkResults(list[Result]):
    """The results of the chunks that succeeded, in portfolio order, plus the ones that did not.

    A plain list to callers that only want results; ``failures`` lists what is missing so a caller
    can say so (and re-run: the archive resumes) instead of silently reporting on fewer sites.
    """

    def __init__(self, results: Sequence[Result] = (), failures: Sequence[ChunkFailure] = ()) -> None:
        super().__init__(results)
        self.failures: list[ChunkFailure] = list(failures)

    @property
    def failed_organisations(self) -> list[str]:
        return [o for f in self.failures for o in f.organisations]


# --------------------------------------------------------------------------- the task


@functools.lru_cache(maxsize=8)
def _load_cached(ref: str) -> Framework:
    return load_framework(ref)


def resolve_framework(ref: FrameworkRef) -> Framework:
    """A framework from its name or path, loaded once per worker process (a Framework passes through).

    Workers get the reference, not the object, so a task is a few hundred bytes and a worker
    validates the YAML itself: a bundled name resolves inside each worker's own installation.
    """
    return ref if isinstance(ref, Framework) else _load_cached(str(ref))


def audit_chunk(
    portfolio_chunk: Portfolio,
    archive_dir: str,
    config: CrawlConfig,
    framework_ref: FrameworkRef,
    progress: ProgressFn | None = None,
) -> list[Result]:
    """Crawl one chunk's organisations into ``archive_dir``, then assess each captured site.

    Runs on a worker: everything it needs comes in as arguments (all picklable) and it returns
    only assessments and page rows. Re-running it is safe: ``config.resume`` skips complete sites
    and continues interrupted ones in a new WARC part.
    """
    fw = resolve_framework(framework_ref)
    archive = Path(archive_dir)
    archive.mkdir(parents=True, exist_ok=True)
    crawl_portfolio(portfolio_chunk, archive, config, progress=progress)
    out: list[Result] = []
    for capture in iter_captures([], portfolio_chunk, archive):
        done = assess_capture(capture, fw)
        out.append((done.assessment, done.pages))
        if progress:
            progress("assessed", capture.site_id, scan_status=capture.scan_status)
    return out


# --------------------------------------------------------------------------- chunking


def make_chunks(portfolio: Portfolio, chunk_size: int = DEFAULT_CHUNK) -> list[list[int]]:
    """Organisation indexes per chunk, about ``chunk_size`` each, never splitting a shared host.

    Organisations whose sites share a host go to the same chunk (union of hosts), so one crawl's
    per-host delay covers all requests to that host; a chunk may exceed ``chunk_size`` for that.
    """
    orgs = portfolio.organisations
    parent = list(range(len(orgs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_of_host: dict[str, int] = {}
    for i, org in enumerate(orgs):
        for url in org.sites:
            try:
                hk = host_key(url)
            except ValueError:
                continue
            if not hk:
                continue
            j = first_of_host.setdefault(hk, i)
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(len(orgs)):
        groups.setdefault(find(i), []).append(i)
    size = max(1, chunk_size)
    chunks: list[list[int]] = []
    current: list[int] = []
    for root in sorted(groups):  # components in order of their first organisation
        current.extend(groups[root])
        if len(current) >= size:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def _sub(portfolio: Portfolio, idx: list[int]) -> Portfolio:
    return dataclasses.replace(portfolio, organisations=[portfolio.organisations[i] for i in idx])


def _expected_rows(org: Organisation) -> int:
    """group_sites gives one capture per (organisation, site) and one for an organisation without one."""
    return max(1, len(org.sites))


# --------------------------------------------------------------------------- executors


Outcome = tuple[int, list[Result] | BaseException]


class Executor(Protocol):
    """Runs the task over chunks; yields (chunk number, results or the exception) as they finish."""

    def run(self, jobs: list[tuple[int, Portfolio]], attempt: int) -> Iterator[Outcome]: ...

    def close(self) -> None: ...


@dataclass
class _Args:
    archive_dir: str
    config: CrawlConfig
    framework_ref: FrameworkRef
    task: Task


@dataclass
class InProcessExecutor:
    """One chunk after another in this process: ``govlens audit`` without options. The crawl's own
    progress events reach the caller, so a progress bar advances per site."""

    args: _Args
    progress: ProgressFn | None = None

    def run(self, jobs: list[tuple[int, Portfolio]], attempt: int) -> Iterator[Outcome]:
        a = self.args
        for n, chunk in jobs:
            try:
                yield n, a.task(chunk, a.archive_dir, a.config, a.framework_ref, progress=self.progress)
            except Exception as e:
                log.debug("chunk %d failed:\n%s", n, traceback.format_exc())
                yield n, e

    def close(self) -> None:
        pass


@dataclass
class ProcessPoolChunkExecutor:
    """A local process pool (spawn: no inherited event loops, locks or open WARC writers).

    A worker that dies (killed for memory) breaks the whole pool, so each attempt gets a fresh pool
    when the previous one broke; the chunks it took down are retried with the others."""

    args: _Args
    workers: int
    _pool: ProcessPoolExecutor | None = None

    def _ensure(self) -> ProcessPoolExecutor:
        import multiprocessing

        if self._pool is None:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def run(self, jobs: list[tuple[int, Portfolio]], attempt: int) -> Iterator[Outcome]:
        a = self.args
        pool = self._ensure()
        futures: dict[Future[list[Result]], int] = {
            pool.submit(a.task, chunk, a.archive_dir, a.config, a.framework_ref): n for n, chunk in jobs
        }
        broken = False
        for fut in as_completed(futures):
            n = futures[fut]
            try:
                yield n, fut.result()
            except BrokenProcessPool as e:
                broken = True
                yield n, e
            except Exception as e:
                yield n, e
        if broken:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


@dataclass
class DaskExecutor:
    """dask.distributed: ``tcp://host:8786`` for a running ``dask scheduler``, or "local" for an
    in-process LocalCluster (threads; tests and trying things out). Workers must have govlens
    installed and see ``archive_dir`` at the same path."""

    args: _Args
    scheduler: str
    workers: int = 1
    _client: Any = None
    _cluster: Any = None

    def __post_init__(self) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError as e:
            raise ScaleError(
                f"--scheduler needs dask.distributed, which is not installed: {EXTRA_HINT}"
            ) from e
        try:
            if self.scheduler == "local":
                self._cluster = LocalCluster(
                    processes=False, n_workers=1, threads_per_worker=max(1, self.workers),
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(self.scheduler, timeout="20s")
        except (OSError, TimeoutError) as e:
            self.close()
            raise ScaleError(f"cannot reach the dask scheduler at {self.scheduler}: {e}") from e

    def run(self, jobs: list[tuple[int, Portfolio]], attempt: int) -> Iterator[Outcome]:
        from dask.distributed import as_completed as dask_completed

        a = self.args
        futures = {
            self._client.submit(
                a.task, chunk, a.archive_dir, a.config, a.framework_ref,
                key=f"govlens-chunk-{n}-try{attempt}-{time.time_ns()}", pure=False,
            ): n
            for n, chunk in jobs
        }
        for fut in dask_completed(list(futures)):
            n = futures[fut]
            try:
                yield n, fut.result()
            except Exception as e:
                yield n, e
            finally:
                fut.release()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def make_executor(
    args: _Args, *, workers: int = 1, scheduler: str | None = None, progress: ProgressFn | None = None
) -> Executor:
    if scheduler:
        return DaskExecutor(args, scheduler, workers)
    if workers > 1:
        return ProcessPoolChunkExecutor(args, workers)
    return InProcessExecutor(args, progress)


# --------------------------------------------------------------------------- driver


class _ChunkProgress:
    """Passes a chunk's crawl events through, minus its start/done: the driver announces those once
    for the whole portfolio, so a bar's total is not reset by every chunk."""

    def __init__(self, progress: ProgressFn) -> None:
        self.progress = progress

    def __call__(self, event: str, site_id: str, **info: Any) -> None:
        if event not in ("start", "done"):
            self.progress(event, site_id, **info)


def run_chunks(
    portfolio: Portfolio,
    archive_dir: str | Path,
    config: CrawlConfig,
    framework_ref: FrameworkRef,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    progress: ProgressFn | None = None,
    task: Task | None = None,
) -> ChunkResults:
    """Crawl and assess a portfolio in chunks; results come back in portfolio order.

    ``workers=1`` and no scheduler: in this process, one chunk after the other (what ``govlens
    audit`` does). ``workers>1``: a local process pool. ``scheduler``: a dask cluster
    ("tcp://host:8786") or "local" for an in-process one. A chunk that raises is run once more
    (the archive resumes, so nothing complete is fetched again); if it fails again its
    organisations are listed in ``.failures`` and the other chunks' results are kept.
    ``task`` replaces :func:`audit_chunk` (it must be importable by workers); tests use it.
    """
    t0 = time.monotonic()
    if not isinstance(framework_ref, Framework):
        fp = Path(framework_ref)
        # a file path is made absolute so a worker with another working directory finds it; a
        # bundled name stays a name, resolved in each worker's own installation
        framework_ref = str(fp.resolve()) if fp.suffix in (".yaml", ".yml") or fp.exists() else str(framework_ref)
    resolve_framework(framework_ref)  # a bad name fails here, once, not in every chunk twice
    args = _Args(str(Path(archive_dir).resolve()), config, framework_ref, task or audit_chunk)
    parallel = bool(scheduler) or workers > 1
    if chunk_size is None:
        # In one process a chunk boundary is only a barrier (the next chunk's hosts wait for the
        # slowest site of this one), so by default the sequential path crawls everything as one chunk.
        chunk_size = DEFAULT_CHUNK if parallel else max(1, len(portfolio.organisations))
    chunks = make_chunks(portfolio, chunk_size)
    subs = {n: _sub(portfolio, idx) for n, idx in enumerate(chunks)}
    total = sum(1 for e in portfolio_sites(portfolio) if e.url)
    if progress:
        progress("start", "", total=total, chunks=len(chunks))
    inner = _ChunkProgress(progress) if progress else None

    done: dict[int, list[Result]] = {}
    errors: dict[int, BaseException] = {}
    executor = make_executor(args, workers=workers, scheduler=scheduler, progress=inner)
    try:
        pending = list(subs)
        for attempt in (1, 2):
            if not pending:
                break
            errors = {}
            for n, outcome in executor.run([(n, subs[n]) for n in pending], attempt):
                if isinstance(outcome, BaseException):
                    errors[n] = outcome
                    who = ", ".join(o.id for o in subs[n].organisations)
                    log.warning("chunk %d (%s) failed on attempt %d: %s", n, who, attempt, _describe(outcome))
                    continue
                done[n] = outcome
                if progress and parallel:
                    for a, _ in outcome:
                        if a.scan_status != ScanStatus.NO_SITE:
                            progress("site_done", a.site_id, scan_status=a.scan_status, pages=a.pages)
            pending = sorted(errors)
    finally:
        executor.close()

    failures = [
        ChunkFailure(n, [o.id for o in subs[n].organisations], _describe(errors[n])) for n in sorted(errors)
    ]
    ordered = _in_portfolio_order(portfolio, chunks, done)
    if progress:
        progress("done", "", total=total, seconds=time.monotonic() - t0, failed_chunks=len(failures))
    return ChunkResults(ordered, failures)


def _in_portfolio_order(portfolio: Portfolio, chunks: list[list[int]], done: dict[int, list[Result]]) -> list[Result]:
    """Chunk results are in chunk order; split them per organisation and lay them out in portfolio order."""
    per_org: dict[int, list[Result]] = {}
    for n, results in done.items():
        pos = 0
        for i in chunks[n]:
            k = _expected_rows(portfolio.organisations[i])
            per_org[i] = results[pos : pos + k]
            pos += k
        if pos != len(results):
            log.warning("chunk %d returned %d rows, expected %d; keeping them in chunk order", n, len(results), pos)
            per_org[chunks[n][-1]] = per_org.get(chunks[n][-1], []) + results[pos:]
    return [r for i in sorted(per_org) for r in per_org[i]]


def _describe(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"
