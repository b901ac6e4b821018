"""The watch loop: rounds of cheap checks, state changes, webhook calls, bounded memory.

A round checks every target once: targets are grouped by original host, each host's targets are
checked one after another (the crawler's HostGate keeps one request in flight per host and a gap
between request starts), and up to ``concurrency`` hosts are checked at once. At the end of the
round its checks, the new target states and the confirmed changes are written in one
transaction; then the webhook is called for each change. Nothing but one TargetState per target
survives a round, so a watch that runs for days holds the same memory on day three as in hour one.

Rounds start every ``interval`` seconds (start to start, like a timer unit); a round that takes
longer than the interval is followed at once by the next. SIGINT/SIGTERM end the loop after the
current round.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from govlens.crawl.fetch import Fetcher, HostGate
from govlens.types import Portfolio
from govlens.watch.archive import WatchArchive
from govlens.watch.check import CheckResult, check_target
from govlens.watch.config import WatchConfig
from govlens.watch.db import WatchDB
from govlens.watch.state import Change, TargetState, advance
from govlens.watch.targets import Target, build_targets
from govlens.watch.webhook import post_json

log = logging.getLogger(__name__)


@dataclass
class RoundResult:
    number: int
    started: datetime
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    targets: int = 0
    requests: int = 0
    states: dict[str, int] = field(default_factory=dict)  # raw state of this round's checks
    changes: list[Change] = field(default_factory=list)
    notified: dict[str, int] = field(default_factory=dict)


def iso(dt: datetime | None) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else ""


def change_payload(ch: Change, kind: str = "") -> dict[str, Any]:
    """The webhook body (docs/watch.md)."""
    return {
        "target": ch.target,
        "organisation": ch.organisation,
        "kind": kind,
        "old_state": ch.old_state,
        "new_state": ch.new_state,
        "since": iso(ch.since),
        "checked_at": iso(ch.changed_at),
        "previous_since": iso(ch.previous_since),
        "seconds_in_previous": ch.seconds_in_previous,
    }


def notifiable(ch: Change) -> bool:
    """Every change is recorded; the first "up" of a new target is not worth a message."""
    return not (ch.old_state == "unknown" and ch.new_state == "up")


class Watcher:
    def __init__(
        self, portfolio: Portfolio, run_dir: str | Path, store: Any, config: WatchConfig | None = None,
        *, progress: Callable[[RoundResult], None] | None = None, targets: list[Target] | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.config = config or WatchConfig()
        self.store = store
        self.db = WatchDB(store)
        self.archive = WatchArchive(Path(run_dir) / "watch", portfolio.name, self.config.user_agent)
        self.progress = progress
        self._fixed_targets = targets
        self._targets: list[Target] | None = None
        self._targets_key: int | None = None
        self.states: dict[str, TargetState] = {}
        self.rounds = 0

    # ------------------------------------------------------------------ one round

    def targets(self) -> list[Target]:
        """The portfolio's targets plus the latest audit's; rebuilt only when a new audit of the
        portfolio is stored (one cheap query per round), so a long watch picks up new services."""
        if self._fixed_targets is not None:
            return self._fixed_targets
        cfg = self.config
        key = None
        if cfg.audit_links:
            try:
                key = self.store.latest_audit_id(self.portfolio.name)
            except Exception as e:
                log.warning("latest audit not read: %s", e)
                key = self._targets_key
        if self._targets is None or key != self._targets_key:
            self._targets = build_targets(self.portfolio, self.store, audit_links=cfg.audit_links,
                                          max_links_per_site=cfg.max_links_per_site)
            self._targets_key = key
        return self._targets

    def _sync_states(self, targets: list[Target]) -> None:
        """Load the db state of new targets (the resume point); forget targets no longer watched."""
        missing = [t for t in targets if t.url not in self.states]
        if missing:
            self.states.update(self.db.load_states(missing, self.portfolio.name))
        wanted = {t.url for t in targets}
        for url in [u for u in self.states if u not in wanted]:
            del self.states[url]

    async def run_round(self) -> RoundResult:
        cfg = self.config
        self.rounds += 1
        started = datetime.now(UTC)
        res = RoundResult(number=self.rounds, started=started)
        t0, c0 = time.perf_counter(), time.process_time()
        targets = self.targets()
        self._sync_states(targets)
        res.targets = len(targets)
        by_host: dict[str, list[Target]] = {}
        for t in targets:
            by_host.setdefault(urlsplit(t.url).netloc.lower(), []).append(t)
        checks: list[CheckResult] = []
        writer = self.archive.writer(started)
        ccfg = cfg.crawl_config()
        sem = asyncio.Semaphore(max(1, cfg.concurrency))
        gate = HostGate(cfg.delay)
        async with _session() as session:
            fetcher = Fetcher(ccfg, session, gate)

            async def host_run(items: list[Target]) -> None:
                async with sem:
                    for t in items:
                        checks.append(await check_target(fetcher, t, writer, body_cap=cfg.body_cap,
                                                         max_redirects=cfg.max_redirects, slow_ms=cfg.slow_ms))

            await asyncio.gather(*(host_run(items) for items in by_host.values()))
        checks.sort(key=lambda c: c.checked_at)
        changes: list[Change] = []
        for c in checks:
            st = self.states[c.target]
            ch = advance(st, c.state, c.checked_at, cfg.confirm)
            if ch is not None:
                changes.append(ch)
        ids = self.db.save_round(checks, [self.states[c.target] for c in checks], changes)
        res.requests = sum(c.requests for c in checks)
        res.states = dict(Counter(c.state for c in checks))
        res.changes = changes
        if changes:
            res.notified = await self._notify(changes, ids)
        res.seconds = time.perf_counter() - t0
        res.cpu_seconds = time.process_time() - c0
        for ch in changes:
            log.info("%s: %s -> %s since %s", ch.target, ch.old_state, ch.new_state, iso(ch.since))
        return res

    async def _notify(self, changes: list[Change], ids: list[int]) -> dict[str, int]:
        cfg = self.config
        outcomes: Counter[str] = Counter()
        session: aiohttp.ClientSession | None = None
        try:
            for ch, event_id in zip(changes, ids, strict=True):
                if not cfg.webhook or not notifiable(ch):
                    outcome = "off"
                else:
                    if session is None:
                        session = aiohttp.ClientSession(trust_env=False)
                    kind = self.states[ch.target].kind if ch.target in self.states else ""
                    outcome = await post_json(session, cfg.webhook, change_payload(ch, kind),
                                              timeout=cfg.webhook_timeout, retries=cfg.webhook_retries,
                                              backoff=cfg.webhook_backoff)
                outcomes[outcome] += 1
                try:
                    self.db.mark_notified(event_id, outcome)
                except Exception as e:
                    log.warning("could not record webhook outcome: %s", e)
        finally:
            if session is not None:
                await session.close()
        return dict(outcomes)

    # ------------------------------------------------------------------ the loop

    async def run(self, *, rounds: int | None = None, once: bool = False,
                  stop: asyncio.Event | None = None, handle_signals: bool = True) -> int:
        """Run rounds until ``rounds`` are done, ``once`` is done, or ``stop`` is set (signals set it)."""
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        if handle_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                with suppress(NotImplementedError, RuntimeError, ValueError):
                    loop.add_signal_handler(sig, stop.set)
                    installed.append(sig)
        limit = 1 if once else rounds
        done = 0
        try:
            while not stop.is_set():
                t0 = time.monotonic()
                res = await self.run_round()
                done += 1
                if self.progress is not None:
                    try:
                        self.progress(res)
                    except Exception:
                        log.exception("progress callback failed")
                if limit is not None and done >= limit:
                    break
                wait = self.config.interval - (time.monotonic() - t0)
                if wait > 0:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=wait)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            self.archive.close()
        return done


def _session() -> aiohttp.ClientSession:
    """A fresh session per round: ``force_close`` so each check opens its own connection (a
    kept-alive socket would hide a server that stopped accepting new ones), no cookie jar (a
    jar would grow for days), raw bodies for the WARC as the crawler keeps them."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, force_close=True, ttl_dns_cache=300),
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        trust_env=False,
        skip_auto_headers=("Accept-Encoding", "User-Agent"),
        max_line_size=32760,
        max_field_size=32760,
    )
