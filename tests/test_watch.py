"""`govlens watch` against real loopback servers that go down and come back.

The portal server is stopped and restarted on the same port between rounds; a second server
receives the webhook. Times asserted are the checks' own times, read back from the database.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from typer.testing import CliRunner

from govlens.cli import app
from govlens.store import Store
from govlens.types import Organisation, Portfolio
from govlens.watch import Target, WatchConfig, Watcher, advance, classify
from govlens.watch.db import WatchDB
from govlens.watch.state import TargetState

PORTAL = "https://portal.kota.go.id/"
SERVICE = "https://layanan.kota.go.id/cek"


class Loopback:
    """An aiohttp app on 127.0.0.1 in its own thread, stoppable and restartable on the same port."""

    def __init__(self, app_factory) -> None:
        self.app_factory = app_factory
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.runner: web.AppRunner | None = None

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)

    async def _start(self) -> None:
        self.runner = web.AppRunner(self.app_factory(), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    async def _stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def start(self) -> Loopback:
        self._call(self._start())
        return self

    def stop(self) -> None:
        self._call(self._stop())

    def close(self) -> None:
        self.stop()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


def portal_app() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        return web.Response(text="<html><title>Portal</title><body>Layanan</body></html>", content_type="text/html")

    async def no_head(request: web.Request) -> web.Response:
        if request.method == "HEAD":
            return web.Response(status=405)
        return web.Response(text="cek status", content_type="text/plain")

    app = web.Application()
    app.router.add_route("*", "/site/", home)
    app.router.add_route("*", "/svc/cek", no_head)
    return app


class Hook:
    def __init__(self) -> None:
        self.received: list[dict] = []

    def app(self) -> web.Application:
        async def post(request: web.Request) -> web.Response:
            self.received.append(await request.json())
            return web.Response(text="ok")

        a = web.Application()
        a.router.add_post("/hook", post)
        return a


@pytest.fixture
def servers():
    portal = Loopback(portal_app).start()
    hook = Hook()
    hook_server = Loopback(hook.app).start()
    yield portal, hook, hook_server
    portal.close()
    hook_server.close()


def portfolio() -> Portfolio:
    return Portfolio(name="Kota (watch test)", organisations=[
        Organisation(id="pemkot", name="Pemkot", short="Pemkot", sites=[PORTAL], services=[SERVICE]),
    ])


def cfg(portal: Loopback, **kw) -> WatchConfig:
    return WatchConfig(
        interval=0.2, timeout=2.0, delay=0.0, confirm=2,
        url_map=[(PORTAL, portal.base + "site/"), ("https://layanan.kota.go.id/", portal.base + "svc/")],
        map_only=True, **kw,
    )


def test_classify_and_confirmation_rule() -> None:
    assert classify(200, None) == "up"
    assert classify(404, None) == "degraded"
    assert classify(503, None) == "down"
    assert classify(None, "connect") == "down"
    assert classify(302, "redirect_loop") == "degraded"
    assert classify(200, None, latency_ms=900, slow_ms=500) == "degraded"
    from datetime import UTC, datetime

    t0 = datetime(2022, 11, 17, 11, 14, tzinfo=UTC)
    st = TargetState(target="x")
    assert advance(st, "up", t0).new_state == "up"
    assert advance(st, "down", t0 + timedelta(minutes=5)) is None  # one failure is not an outage
    ch = advance(st, "down", t0 + timedelta(minutes=10))
    assert (ch.old_state, ch.new_state, ch.since) == ("up", "down", t0 + timedelta(minutes=5))
    back = advance(st, "up", t0 + timedelta(minutes=15))
    assert back.previous_since == t0 + timedelta(minutes=5) and back.seconds_in_previous == 600


async def test_outage_recorded_with_times_and_webhook(servers, tmp_path: Path) -> None:
    portal, hook, hook_server = servers
    store = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
    w = Watcher(portfolio(), tmp_path, store, cfg(portal, webhook=hook_server.base + "hook"))
    assert [t.kind for t in w.targets()] == ["site", "service"]
    rounds = []

    async def one() -> None:
        rounds.append(await w.run_round())
        await asyncio.sleep(0.2)

    await one(), await one()  # up, up
    await asyncio.to_thread(portal.stop)
    await one(), await one(), await one()  # down (unconfirmed), down (declared), down
    # a restarted watch (new Watcher, same database) resumes with the outage's "since"
    w.archive.close()
    w = Watcher(portfolio(), tmp_path, store, cfg(portal, webhook=hook_server.base + "hook"))
    await asyncio.to_thread(portal.start)
    await one(), await one()  # up (declared at once), up
    w.archive.close()

    db = WatchDB(store)
    ev = db.events(PORTAL)
    assert [(e["old_state"], e["new_state"]) for e in ev] == [("unknown", "up"), ("up", "down"), ("down", "up")]
    checks = db.checks(PORTAL)
    assert [c["state"] for c in checks] == ["up", "up", "down", "down", "down", "up", "up"]
    assert [c["error"] for c in checks][2:5] == ["connect"] * 3
    down, up = ev[1], ev[2]
    assert down["since"] == checks[2]["checked_at"]  # first failing check, not the confirming one
    assert down["changed_at"] == checks[3]["checked_at"]
    assert up["since"] == checks[5]["checked_at"] and up["previous_since"] == down["since"]
    outage = up["since"] - down["since"]
    assert timedelta(seconds=0.5) < outage < timedelta(seconds=10)
    # the service answers HEAD with 405: GET fallback makes it up, not degraded
    svc = db.checks(SERVICE)
    assert svc[0]["state"] == "up" and svc[0]["status"] == 200
    # the webhook got exactly the two changes of the portal and of the service (first "up" not sent)
    got = sorted((m["target"], m["old_state"], m["new_state"]) for m in hook.received)
    assert got == sorted([(PORTAL, "up", "down"), (PORTAL, "down", "up"),
                          (SERVICE, "up", "down"), (SERVICE, "down", "up")])
    msg = next(m for m in hook.received if m["target"] == PORTAL and m["new_state"] == "down")
    assert set(msg) >= {"target", "organisation", "old_state", "new_state", "since", "checked_at"}
    assert msg["organisation"] == "pemkot"
    # every check is in the WARC files, and each row names its record
    from govlens.archive import read_records

    warcs = sorted((tmp_path / "watch").glob("watch-*.warc.gz"))
    assert len(warcs) == 2  # one part per watch process
    ids = {r.record_id for r in read_records(warcs)}
    assert all(c["record_id"] in ids for c in checks)
    print("outage:", down["since"], "->", up["since"], "=", outage)  # for the report


async def test_failing_webhook_never_stops_the_watch(servers, tmp_path: Path) -> None:
    portal, _, _ = servers
    store = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
    c = cfg(portal, webhook="http://127.0.0.1:9/none", webhook_retries=1, webhook_backoff=0.01, webhook_timeout=0.5)
    c.confirm = 1
    w = Watcher(portfolio(), tmp_path, store, c)
    await w.run_round()
    await asyncio.to_thread(portal.stop)
    res = await w.run_round()
    assert res.notified == {"failed": 2}
    await asyncio.to_thread(portal.start)
    res = await w.run_round()
    assert res.states == {"up": 2}
    assert [e["notified"] for e in WatchDB(store).events(PORTAL)] == ["off", "failed", "failed"]


async def test_run_loop_interval_rounds_and_stop(servers, tmp_path: Path) -> None:
    portal, _, _ = servers
    store = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
    w = Watcher(portfolio(), tmp_path, store, cfg(portal))
    done = await w.run(rounds=3, handle_signals=False)
    assert done == 3 and len(WatchDB(store).checks(PORTAL)) == 3
    stop = asyncio.Event()
    w2 = Watcher(portfolio(), tmp_path, store, cfg(portal))
    w2.progress = lambda res: stop.set()  # as SIGTERM would: finish this round, then stop
    assert await w2.run(stop=stop, handle_signals=False) == 1


def test_cli_once_rounds_restart_and_report(servers, tmp_path: Path) -> None:
    """Each `govlens watch --once` is a separate watch (as from cron): state resumes from the db."""
    portal, hook, hook_server = servers
    pf = tmp_path / "pf.yaml"
    pf.write_text(
        "portfolio:\n  name: Kota CLI\norganisations:\n"
        f"  - id: pemkot\n    name: Pemkot\n    short: Pemkot\n    sites: [{PORTAL}]\n", encoding="utf-8")
    run = tmp_path / "run"
    args = ["watch", str(pf), "--out", str(run), "--once", "--map", f"{PORTAL}={portal.base}site/",
            "--map-only", "--timeout", "2", "--delay", "0", "--webhook", hook_server.base + "hook"]
    runner = CliRunner()
    for step in ("up", "up", "stop", "down", "down", "start", "up"):
        if step == "stop":
            portal.stop()
            continue
        if step == "start":
            portal.start()
            continue
        r = runner.invoke(app, args)
        assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["watch-report", str(run), "--json", str(tmp_path / "w.json")])
    assert r.exit_code == 0, r.output
    assert "back up at" in r.output and "100.0%" not in r.output
    rows = json.loads((tmp_path / "w.json").read_text())
    assert rows[0]["state"] == "up" and rows[0]["checks"] == 5 and rows[0]["uptime"] == pytest.approx(0.6)
    assert rows[0]["last_outage"]["ended"] and rows[0]["last_outage"]["seconds"] > 0
    assert [(m["old_state"], m["new_state"]) for m in hook.received] == [("up", "down"), ("down", "up")]
    print(r.output)


def _rss() -> int:
    """Resident set size of this process now (Linux /proc; no psutil needed)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def test_memory_bounded_over_many_rounds(tmp_path: Path) -> None:
    """200 rounds x 20 targets (20 original hosts on one loopback server): RSS stays flat."""
    async def ok(request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app_ = web.Application()
    app_.router.add_route("*", "/{tail:.*}", ok)
    runner = web.AppRunner(app_, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        hosts = [f"https://s{i}.kota.go.id/" for i in range(20)]
        targets = [Target(h, f"org{i}", "site") for i, h in enumerate(hosts)]
        pf = Portfolio(name="mem", organisations=[])
        c = WatchConfig(interval=0, delay=0, timeout=2, url_map=[(h, f"http://127.0.0.1:{port}/{i}/")
                                                                for i, h in enumerate(hosts)], map_only=True)
        store = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
        w = Watcher(pf, tmp_path, store, c, targets=targets)
        for _ in range(30):
            await w.run_round()
        base = _rss()
        for _ in range(170):
            await w.run_round()
        grown = _rss() - base
        w.archive.close()
        assert len(WatchDB(store).checks(limit=10_000)) == 200 * 20
        assert grown < 8 * 1024 * 1024, f"RSS grew {grown / 1e6:.1f} MB over 170 rounds"
    finally:
        await runner.cleanup()


async def test_targets_from_latest_audit_and_availability_in_html(servers, tmp_path: Path) -> None:
    """Broken links / service entries of a stored audit become targets; the HTML report of that
    audit gets an Availability section once checks exist."""
    from govlens.assess import load_framework
    from govlens.pipeline import build_audit
    from govlens.report import write_reports
    from govlens.types import LinkCheck, SiteAssessment

    portal, _, _ = servers
    pf = portfolio()
    fw = load_framework("nath-2019")
    site = SiteAssessment(site_id="pemkot", organisation="Pemkot", short="Pemkot", url=PORTAL, scan_status="ok",
                          scan_detail="", verdicts={}, scores={}, implemented=[],
                          broken_links=[LinkCheck(url="https://portal.kota.go.id/dead", status=404)])
    store = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
    audit_id = store.save_audit(build_audit([site], pf, fw), fw)
    w = Watcher(pf, tmp_path, store, cfg(portal))
    targets = w.targets()
    assert ("https://portal.kota.go.id/dead", "link") in [(t.url, t.kind) for t in targets]
    res = await w.run_round()
    w.archive.close()
    assert res.states == {"up": 2, "degraded": 1}  # the dead link answers 404
    html = write_reports(store.load_audit(audit_id), fw, tmp_path / "rep", ["html"])[0].read_text()
    assert 'id="availability"' in html and "https://portal.kota.go.id/dead" in html
    assert 'id="history"' not in html  # one audit only: no "scores over time"
