"""Crawl benchmark: govlens vs the politeness-bound ideal (and Scrapy, when /work/benchvenv has it).

Starts /work/shared/bench/simsites.py (S sites x P pages on 127.0.0.x), crawls its portfolio with the
same delay, page budget and concurrency, and appends a dated section to benchmarks/RESULTS.md.
Every request stays on loopback: simsites links are internal plus one instagram link, and external
link checks are switched off here.

usage: python benchmarks/bench_crawl.py --sites 50 --pages 30 --delay 0.5 --concurrency 64 [--peer]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from govlens.archive import read_records
from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.types import Organisation, Portfolio

BENCH = Path(os.environ.get("GOVLENS_BENCH_DIR", "/work/shared/bench"))
PEER_PY = Path("/work/benchvenv/bin/python")
from _results import machine, publish  # noqa: E402  (sibling module; benchmarks/ is on sys.path as a script)


def start_simsites(sites: int, pages: int, port: int) -> tuple[subprocess.Popen, list[dict[str, str]]]:
    proc = subprocess.Popen(
        [sys.executable, str(BENCH / "simsites.py"), "--sites", str(sites), "--pages", str(pages), "--port", str(port)],
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline()]
    while len(lines) < sites + 1:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("simsites.py exited before printing its portfolio")
        lines.append(line)
    rows = list(csv.DictReader(lines))
    for r in rows:
        assert r["website"].startswith("http://127."), r  # loopback only
    return proc, rows


def run_govlens(rows: list[dict[str, str]], pages: int, delay: float, concurrency: int) -> dict[str, float]:
    pf = Portfolio("bench", [Organisation(r["short"], r["name"], r["short"], sites=[r["website"]]) for r in rows])
    config = CrawlConfig(max_pages=pages, max_depth=100, delay=delay, concurrency=concurrency,
                         check_external=False, resume=False, audit="bench")
    archive = Path(tempfile.mkdtemp(prefix="govlens-bench-"))
    try:
        cpu0 = time.process_time()
        t0 = time.perf_counter()
        summary = crawl_portfolio(pf, archive, config)
        wall = time.perf_counter() - t0
        cpu = time.process_time() - cpu0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        warc_mb = sum(p.stat().st_size for p in archive.iterdir()) / 1e6
        t1 = time.perf_counter()
        n_records = sum(1 for _ in read_records([archive]))
        read_s = time.perf_counter() - t1
    finally:
        shutil.rmtree(archive, ignore_errors=True)
    ok = sum(1 for s in summary.sites if s.scan_status == "ok")
    return {"wall": wall, "cpu": cpu, "rss": rss, "pages": summary.pages, "requests": summary.requests,
            "ok": ok, "warc_mb": warc_mb, "records": n_records, "read_s": read_s}


def run_peer(rows: list[dict[str, str]], pages: int, delay: float, concurrency: int) -> dict[str, float] | None:
    if not PEER_PY.exists():
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as fh:
        w = csv.DictWriter(fh, fieldnames=["name", "short", "website"])
        w.writeheader()
        w.writerows(rows)
        path = fh.name
    home = tempfile.mkdtemp(prefix="scrapy-home-")  # scrapy writes ~/.local/state/scrapy
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        out = subprocess.run(
            [str(PEER_PY), str(BENCH / "scrapy_peer.py"), path, "--delay", str(delay), "--pages-per-site", str(pages),
             "--concurrency", str(concurrency)],
            capture_output=True, text=True, env={**os.environ, "HOME": home}, check=False,
        )
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(path)
        shutil.rmtree(home, ignore_errors=True)
    m = re.search(r"(\d+) pages in ([\d.]+) s", out.stdout)
    if not m:
        print("scrapy peer failed:", out.stdout[-500:], out.stderr[-2000:], file=sys.stderr)
        return None
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": float(m.group(2)), "process_wall": wall, "cpu": cpu, "rss": after.ru_maxrss / 1024,
            "pages": int(m.group(1)), "line": out.stdout.strip()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--delay", type=float, default=0.5)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--peer", action="store_true", help="also run scrapy_peer.py from /work/benchvenv")
    ap.add_argument("--no-write", action="store_true")
    a = ap.parse_args()
    S, P, D, C = a.sites, a.pages, a.delay, a.concurrency
    rounds = math.ceil(S / C)
    ideal_peer = rounds * (P + 1) * D
    ideal_gl = rounds * (P + 3) * D  # + sitemap.xml + 404 probe per site
    proc, rows = start_simsites(S, P, a.port)
    try:
        g = run_govlens(rows, P, D, C)
        peer = run_peer(rows, P, D, C) if a.peer else None
    finally:
        proc.terminate()
        proc.wait(10)
    lines = [
        f"\n### crawl: {S} sites x {P} pages, delay {D} s, concurrency {C} ({dt.datetime.now().isoformat(timespec='minutes')})\n",
        f"- machine: {machine()}; "
        "simsites.py server on the same cores",
        f"- command: `python benchmarks/bench_crawl.py --sites {S} --pages {P} --delay {D} --concurrency {C}"
        f"{' --peer' if a.peer else ''}`",
        "",
        "| crawler | wall | ideal (own) | ratio | ideal (peer formula) | ratio | CPU | CPU/page | peak RSS | pages |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| govlens | {g['wall']:.1f} s | {ideal_gl:.1f} s | {g['wall'] / ideal_gl:.2f} | {ideal_peer:.1f} s | "
        f"{g['wall'] / ideal_peer:.2f} | {g['cpu']:.1f} s | {1000 * g['cpu'] / max(1, g['pages']):.1f} ms | "
        f"{g['rss']:.0f} MB | {g['pages']:.0f} |",
    ]
    if peer:
        lines.append(
            f"| scrapy (peer) | {peer['wall']:.1f} s | {ideal_peer:.1f} s | {peer['wall'] / ideal_peer:.2f} | "
            f"{ideal_peer:.1f} s | {peer['wall'] / ideal_peer:.2f} | {peer['cpu']:.1f} s | "
            f"{1000 * peer['cpu'] / max(1, peer['pages']):.1f} ms | {peer['rss']:.0f} MB | {peer['pages']:.0f} |"
        )
    elif a.peer:
        lines.append("| scrapy (peer) | not run: /work/benchvenv/bin/python missing or the peer failed | | | | | | | | |")
    lines += [
        "",
        f"govlens: {g['requests']:.0f} requests ({g['ok']:.0f}/{S} sites ok), WARC {g['warc_mb']:.1f} MB with "
        f"{g['records']:.0f} records, read back in {g['read_s']:.1f} s. govlens CPU/RSS are the crawling process "
        "(WARC writing included); the peer's are its subprocess. govlens sends P+3 requests per site "
        "(robots, sitemap.xml, 404 probe) against the peer's P+1.",
    ]
    publish("\n".join(lines) + "\n", write=not a.no_write)


if __name__ == "__main__":
    main()
