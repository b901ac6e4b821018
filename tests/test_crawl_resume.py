"""Resume: kill a crawl process mid-site, crawl again, and nothing archived is fetched twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiohttp import web

from govlens.archive import group_sites, read_site_statuses, scan_file, site_parts
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.types import Organisation, Portfolio
from test_crawl_server import LoopbackServer, html

CHILD = r"""
import json, sys
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.types import Organisation, Portfolio
url, archive = sys.argv[1], sys.argv[2]
pf = Portfolio("t", [Organisation("s0", "S", "s0", sites=[url])])
crawl_portfolio(pf, archive, CrawlConfig(**json.loads(sys.argv[3])))
"""

CONFIG = {"delay": 0.0, "timeout": 30.0, "retries": 0, "check_external": False}


@pytest.mark.parametrize("damaged_tail", [False, True])
def test_kill_and_resume_fetches_nothing_twice(tmp_path: Path, damaged_tail: bool) -> None:
    gate = {"block": True}

    async def p6(_: web.Request) -> web.Response:
        import asyncio

        while gate["block"]:
            await asyncio.sleep(0.05)
        body = '<html><body><a href="/p6/sub">sub</a> halaman 6 ' + "isi " * 60 + "</body></html>"
        return web.Response(text=body, content_type="text/html")

    routes: dict[str, object] = {"/": html("".join(f'<a href="/p{i}">{i}</a>' for i in range(10)))}
    for i in range(10):
        routes[f"/p{i}"] = html(f'<a href="/p{i}/sub">sub</a>')
        routes[f"/p{i}/sub"] = html("leaf")
    routes["/p6"] = p6
    with LoopbackServer(routes) as srv:
        url = srv.url + "/"
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(tmp_path), json.dumps(CONFIG)], env=env)
        try:
            deadline = time.monotonic() + 30
            while "/p6" not in srv.paths():
                assert time.monotonic() < deadline, "child never reached /p6"
                assert child.poll() is None, "child exited early"
                time.sleep(0.02)
            time.sleep(0.2)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        first = Counter(srv.paths())
        part0 = tmp_path / "s0.warc.gz"
        assert not read_site_statuses([part0])  # killed before the end
        lost = None
        if damaged_tail:  # as if killed while writing: the last record is cut
            recs = scan_file(part0).records
            lost = recs[-1].url.removeprefix(srv.url)
            part0.write_bytes(part0.read_bytes()[:-40])
            assert scan_file(part0).damaged
        gate["block"] = False
        summary = crawl_portfolio(Portfolio("t", [Organisation("s0", "S", "s0", sites=[url])]), tmp_path,
                                  CrawlConfig(**CONFIG))
    counts = Counter(srv.paths())
    assert first["/p6"] == 1 and counts["/p6"] == 2  # in flight when killed: never archived
    twice = {p for p, n in counts.items() if n > 1}
    assert twice == ({"/p6", lost} if lost else {"/p6"})
    assert [p.name for p in site_parts(tmp_path, "s0")] == ["s0.warc.gz", "s0.1.warc.gz"]
    site = summary.sites[0]
    assert site.scan_status == "ok" and site.pages == 21 and not site.skipped
    (cap,) = group_sites(tmp_path, Portfolio("t", [Organisation("s0", "S", "s0", sites=[url])]))
    pages = {r.url for r in cap.records if r.purpose == "page" and r.status == 200}
    assert len(pages) == 21 and cap.scan_status == "ok" and cap.probe_404 is not None
    # a third run finds the site complete and sends nothing
    n = len(srv.hits)
    again = crawl_portfolio(Portfolio("t", [Organisation("s0", "S", "s0", sites=[url])]), tmp_path,
                            CrawlConfig(**CONFIG))
    assert again.sites[0].skipped and len(srv.hits) == n
