"""The whole pipeline on real government pages (../shared/corpus), twice:

1. `govlens assess` straight on the corpus WARC files (an archive handed over by someone else);
2. a live crawl of the captured pages served from 127.0.0.1, with `--map` sending each real
   address to its local copy, so the evidence keeps the sites' real URLs.

Both are compared with the human coders' labels through `govlens evaluate`.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from corpus_server import CorpusServer
from govlens.archive import read_records
from govlens.assess import load_framework
from govlens.cli import app
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.evaluate import evaluate
from govlens.pipeline import assess_archives, org_archives
from govlens.types import Organisation, Portfolio

pytestmark = pytest.mark.corpus


def corpus_portfolio(corpus: Path) -> Portfolio:
    """One organisation per captured site, seeded at its home page.

    Where the copy did not capture the home page (an artefact of the copy, not of the site), the
    crawl starts at the first captured HTML page instead, so the seed does not 404 locally.
    """
    orgs = []
    for manifest in sorted((corpus / "sites").glob("*/manifest.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        urls = [f["url"] for f in data["files"] if "html" in (f.get("content_type") or "html")]
        seed = data["home_url"] if data["home_url"] in urls else sorted(urls)[0]
        orgs.append(Organisation(id=data["site"], name=data["site"], short=data["site"], sites=[seed]))
    return Portfolio(name="corpus", organisations=orgs, country="")


def test_assess_corpus_warcs_via_cli(corpus_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    warcs = sorted(str(p) for p in (corpus_dir / "warc").glob("*.warc.gz"))
    r = runner.invoke(
        app,
        ["assess", *warcs, "--portfolio", str(corpus_dir / "portfolio.csv"), "--out", str(tmp_path), "--format", "json"],
    )
    assert r.exit_code == 0, r.output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert len(results["sites"]) == 16
    assert all(s["scan_status"] == "ok" for s in results["sites"])
    r = runner.invoke(app, ["evaluate", str(tmp_path), "--labels", str(corpus_dir / "labels"),
                            "--json", str(tmp_path / "eval.json")])
    assert r.exit_code == 0, r.output
    figures = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert len(figures["sites_matched"]) == 16 and not figures["labels_unmatched"]
    overall = figures["overall"]
    # decided cells agree with careful coders; deferring is allowed, guessing is not
    assert overall["agreement"] >= 0.9
    assert overall["precision"] >= 0.9 and overall["recall"] >= 0.85


@pytest.mark.slow
def test_crawl_corpus_from_loopback_keeps_real_urls(corpus_dir: Path, tmp_path: Path) -> None:
    portfolio = corpus_portfolio(corpus_dir)
    archive = tmp_path / "archive"
    with CorpusServer(corpus_dir / "sites") as server:
        # the copy lacks most linked pages, so many links 404: a larger budget still reaches them all
        config = CrawlConfig(url_map=server.url_map(), map_only=True, delay=0.0, check_external=False, max_pages=200,
                             timeout=10, retries=0)
        summary = crawl_portfolio(portfolio, archive, config)
    statuses = {s.site_id: s.scan_status for s in summary.sites}
    assert set(statuses.values()) == {"ok"}, statuses

    records = list(read_records(sorted(archive.glob("*.warc.gz"))))
    real_hosts = {urlsplit(o.sites[0]).hostname for o in portfolio.organisations}
    assert records and all(urlsplit(r.url).hostname != "127.0.0.1" for r in records)
    assert server.hits >= 100  # the pages really came from the local copy

    fw = load_framework("nath-2019")
    paths = [p for o in portfolio.organisations for p in org_archives(archive, portfolio, o)]
    audit, pages = assess_archives(paths, portfolio, fw, archive_dir=archive)
    assert sum(len(v) for v in pages.values()) >= 100  # the sitemap led the crawl to uncaptioned pages
    record_ids = {r.record_id for r in records}
    for site in audit.sites:
        for v in site.verdicts.values():
            for ev in v.evidence:
                if ev.url:
                    assert urlsplit(ev.url).hostname in real_hosts or urlsplit(ev.url).hostname != "127.0.0.1"
                if ev.warc_record_id:
                    assert ev.warc_record_id in record_ids
    result = evaluate(audit.sites, corpus_dir / "labels")
    assert len(result.sites_matched) == 16
    assert result.overall.agreement is not None and result.overall.agreement >= 0.85
