"""Rendering a script-only site with Debian's Chromium (Playwright, executable_path=/usr/bin/chromium)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from govlens.archive import group_sites, read_records
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.demo.server import DemoServer, demo_portfolio_path
from govlens.extract import extract_site
from govlens.portfolio import load_portfolio

pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None,
                       reason="playwright is not installed (pip install 'govlens[js]')"),
    pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"),
                       reason="Debian's Chromium is not installed (apt-get install chromium)"),
]


def _disparbud_portfolio():
    pf = load_portfolio(demo_portfolio_path())
    pf.organisations = [o for o in pf.organisations if o.id == "disparbud"]
    return pf


def test_js_only_site_is_rendered_and_its_links_followed(tmp_path: Path) -> None:
    pf = _disparbud_portfolio()
    with DemoServer() as server:
        config = CrawlConfig(url_map=server.url_map(), map_only=True, delay=0.0, timeout=10, render=True)
        summary = crawl_portfolio(pf, tmp_path, config)
        served = list(server.requests)
    site = summary.sites[0]
    assert site.scan_status == "ok" and "rendered" in site.detail
    records = list(read_records(sorted(tmp_path.glob("*.warc.gz"))))
    rendered = [r for r in records if r.purpose == "render"]
    assert len(rendered) == 1 and rendered[0].record_type == "resource"
    assert rendered[0].url == "https://disparbud.demokota.go.id/"  # the real address, not 127.0.0.1
    assert b"Jl. Pariwisata" in rendered[0].body  # text that exists only after the script ran
    assert any("/assets/js/" in p for p in served)  # the browser's script request went through the map

    facts = extract_site(group_sites(sorted(tmp_path.glob("*.warc.gz")), pf)[0])
    home = next(p for p in facts.pages if p.url == "https://disparbud.demokota.go.id/")
    assert home.record_id == rendered[0].record_id  # the rendered DOM is the page that gets assessed
    assert {s.platform for s in home.socials} >= {"instagram", "facebook"}


def test_without_render_the_site_stays_js_only(tmp_path: Path) -> None:
    pf = _disparbud_portfolio()
    with DemoServer() as server:
        summary = crawl_portfolio(pf, tmp_path, CrawlConfig(url_map=server.url_map(), map_only=True, delay=0.0))
    assert summary.sites[0].scan_status == "js_only"
