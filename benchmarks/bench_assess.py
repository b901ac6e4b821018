"""Offline assessment benchmark: what the WARC → verdicts → store path costs per page, with no network.

Two inputs: the real corpus (/work/shared/corpus/warc, 16 sites) and a synthetic archive made by
crawling /work/shared/bench/simsites.py (S sites x P pages on 127.0.0.x, external link checks off,
small delay) once into a temp folder. Each input is assessed in a fresh subprocess (this script with
``--child``), so its peak RSS and CPU are the assessment's own and not the crawl's or a previous run's.

The child walks the archive the way ``govlens assess``/``audit`` does (``pipeline.iter_captures``:
one organisation's files at a time) and times each stage with ``time.process_time`` (CPU) and
``time.perf_counter`` (wall): read+group (scan the WARC, group records into sites), extract
(``extract_site``), assess (``assess_site``), summarize (``pipeline.build_audit``), store
(``Store.save_audit`` + ``save_pages`` into a new SQLite file). A dated section goes to RESULTS.md.

usage: python benchmarks/bench_assess.py --sites 50 --pages 30 [--delay 0.02] [--no-write]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import machine, publish  # sibling module: the machine line and RESULTS.md
from bench_crawl import start_simsites  # sibling script: the same simsites start-up

from govlens.crawl import CrawlConfig, crawl_portfolio
from govlens.types import Organisation, Portfolio

CORPUS = Path(os.environ.get("GOVLENS_CORPUS_DIR", "/work/shared/corpus"))

STAGES = ("read+group", "extract", "assess", "summarize", "store")


# --------------------------------------------------------------------------- child: the measured part


def _child(archive: str, portfolio_path: str | None, portfolio_json: str | None, layout: str) -> dict[str, Any]:
    """Assess one archive and return the per-stage figures. Runs in its own process."""
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    cpu_all, wall_all = time.process_time(), time.perf_counter()
    from govlens.assess import assess_site, load_framework
    from govlens.extract import extract_site
    from govlens.pipeline import build_audit, iter_captures, org_archives
    from govlens.store import Store

    cpu: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    wall: dict[str, float] = dict.fromkeys(STAGES, 0.0)
    t_import = time.perf_counter() - wall_all
    c0, w0 = time.process_time(), time.perf_counter()
    fw = load_framework("nath-2019")
    fw_s = time.perf_counter() - w0
    if portfolio_json:
        raw = json.loads(Path(portfolio_json).read_text())
        pf = Portfolio(raw["name"], [Organisation(**o) for o in raw["organisations"]])
    elif portfolio_path:
        from govlens.portfolio import load_portfolio

        pf = load_portfolio(Path(portfolio_path))
    else:
        pf = None
    root = Path(archive)
    if layout == "govlens":  # one file per site: read one organisation at a time, as `audit` does
        assert pf is not None
        paths = [p for o in pf.organisations for p in org_archives(root, pf, o)]
        captures = iter_captures(paths, pf, root)
    else:  # foreign WARCs (the corpus): read whole, as `assess` does
        paths = sorted(root.glob("*.warc.gz"))
        captures = iter_captures(paths, pf)
    warc_mb = sum(p.stat().st_size for p in paths) / 1e6

    def lap(stage: str, c: float, w: float) -> tuple[float, float]:
        c1, w1 = time.process_time(), time.perf_counter()
        cpu[stage] += c1 - c
        wall[stage] += w1 - w
        return c1, w1

    assessments, pages, records, n_pages = [], {}, 0, 0
    it = iter(captures)
    c0, w0 = time.process_time(), time.perf_counter()
    while True:
        try:
            cap = next(it)
        except StopIteration:
            lap("read+group", c0, w0)
            break
        records += len(cap.records)
        c0, w0 = lap("read+group", c0, w0)
        facts = extract_site(cap)
        c0, w0 = lap("extract", c0, w0)
        a = assess_site(facts, fw)
        pages[cap.site_id] = [
            {"url": p.url, "warc_record_id": p.record_id, "warc_file": p.warc_file, "status": p.status,
             "content_type": p.content_type, "title": p.title[:500]}
            for p in facts.pages
        ]
        n_pages += len(facts.pages)
        assessments.append(a)
        del cap, facts
        c0, w0 = lap("assess", c0, w0)
    audit = build_audit(assessments, pf, fw, paths=paths, label="bench")
    c0, w0 = lap("summarize", c0, w0)
    db_dir = Path(tempfile.mkdtemp(prefix="govlens-bench-db-"))
    try:
        store = Store(f"sqlite:///{db_dir / 'bench.db'}")
        store.list_audits()  # creates the schema, a one-off per database: not part of the store figure
        c0, w0 = time.process_time(), time.perf_counter()
        audit_id = store.save_audit(audit, fw)
        for sid, rows in pages.items():
            if rows:
                store.save_pages(audit_id, sid, rows)
        lap("store", c0, w0)
        store.close()
        db_mb = (db_dir / "bench.db").stat().st_size / 1e6
    finally:
        shutil.rmtree(db_dir, ignore_errors=True)
    ok = sum(1 for a in assessments if a.scan_status == "ok")
    return {
        "sites": len(assessments), "ok": ok, "pages": n_pages, "records": records, "warc_mb": warc_mb,
        "cpu": cpu, "wall": wall, "cpu_total": time.process_time() - cpu_all,
        "wall_total": time.perf_counter() - wall_all, "import_s": t_import, "framework_s": fw_s,
        "rss_start": rss_start, "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "db_mb": db_mb, "verdicts": sum(len(a.verdicts) for a in assessments),
    }


def measure(archive: Path, *, portfolio_path: Path | None = None, portfolio: Portfolio | None = None,
            layout: str) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(archive), "--layout", layout]
    tmp = None
    if portfolio is not None:
        fd, tmp = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump({"name": portfolio.name, "organisations": [
                {"id": o.id, "name": o.name, "short": o.short, "sites": o.sites} for o in portfolio.organisations
            ]}, fh)
        cmd += ["--portfolio-json", tmp]
    elif portfolio_path is not None:
        cmd += ["--portfolio", str(portfolio_path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    finally:
        if tmp:
            os.unlink(tmp)
    if out.returncode != 0:
        raise RuntimeError(f"child failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def crawl_sim(sites: int, pages: int, delay: float, port: int, archive: Path) -> tuple[Portfolio, dict[str, float]]:
    proc, rows = start_simsites(sites, pages, port)
    try:
        pf = Portfolio("bench", [Organisation(r["short"], r["name"], r["short"], sites=[r["website"]]) for r in rows])
        config = CrawlConfig(max_pages=pages, max_depth=100, delay=delay, concurrency=max(16, sites),
                             check_external=False, resume=False, audit="bench")
        t0 = time.perf_counter()
        summary = crawl_portfolio(pf, archive, config)
        wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        proc.wait(10)
    return pf, {"wall": wall, "pages": summary.pages, "requests": summary.requests}


# --------------------------------------------------------------------------- report


def _rows(name: str, r: dict[str, Any]) -> list[str]:
    n = max(1, r["pages"])
    stage_cells = " | ".join(f"{1000 * r['cpu'][s] / n:.2f}" for s in STAGES)
    offline_cpu = sum(r["cpu"][s] for s in STAGES[:3])
    offline_wall = sum(r["wall"][s] for s in STAGES[:3])
    return [
        f"| {name} | {r['sites']} ({r['ok']} ok) | {r['pages']} | {r['warc_mb']:.1f} MB | {offline_wall:.2f} s | "
        f"{r['pages'] / max(1e-9, offline_wall):.0f} | {1000 * offline_cpu / n:.1f} | {stage_cells} | "
        f"{r['wall']['store']:.2f} s | {r['wall_total']:.1f} s | {r['rss_peak']:.0f} MB |"
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sites", type=int, default=50)
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--delay", type=float, default=0.02)
    ap.add_argument("--port", type=int, default=18090)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--layout", default="foreign", help=argparse.SUPPRESS)
    ap.add_argument("--portfolio", help=argparse.SUPPRESS)
    ap.add_argument("--portfolio-json", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_child(a.child, a.portfolio, a.portfolio_json, a.layout)))
        return

    results: list[tuple[str, dict[str, Any]]] = []
    if (CORPUS / "warc").is_dir():
        results.append(("real corpus", measure(CORPUS / "warc", portfolio_path=CORPUS / "portfolio.csv",
                                               layout="foreign")))
    else:
        print(f"{CORPUS}/warc is absent: real-corpus row skipped", file=sys.stderr)
    archive = Path(tempfile.mkdtemp(prefix="govlens-bench-assess-"))
    try:
        pf, crawl = crawl_sim(a.sites, a.pages, a.delay, a.port, archive)
        results.append((f"simsites {a.sites}x{a.pages}", measure(archive, portfolio=pf, layout="govlens")))
    finally:
        shutil.rmtree(archive, ignore_errors=True)

    lines = [
        f"\n### assess (offline): real corpus + simsites {a.sites} x {a.pages} "
        f"({dt.datetime.now().isoformat(timespec='minutes')})\n",
        f"- machine: {machine()}",
        f"- command: `python benchmarks/bench_assess.py --sites {a.sites} --pages {a.pages} --delay {a.delay}`",
        f"- synthetic archive: crawled once on loopback (delay {a.delay} s, external checks off): "
        f"{crawl['pages']:.0f} pages, {crawl['requests']:.0f} requests in {crawl['wall']:.1f} s (not in the figures below)",
        "",
        "| input | sites | pages | WARC | offline wall (read+extract+assess) | pages/s | CPU ms/page | "
        + " | ".join(f"{s} ms/page" for s in STAGES)
        + " | store wall | child wall | peak RSS |",
        "|---|---|---|---|---|---|---|" + "---|" * len(STAGES) + "---|---|---|",
    ]
    for name, r in results:
        lines += _rows(name, r)
    notes = []
    for name, r in results:
        notes.append(
            f"{name}: {r['records']} records, {r['verdicts']} verdicts; SQLite {r['db_mb']:.1f} MB; "
            f"child start-up {r['import_s']:.2f} s imports + {r['framework_s']:.2f} s framework load, "
            f"RSS {r['rss_start']:.0f} MB at start; child CPU total {r['cpu_total']:.1f} s."
        )
    lines += [
        "",
        *notes,
        "",
        "Each input runs in a fresh subprocess (its peak RSS is its own). CPU is `time.process_time` per stage; "
        "pages = PageFacts extracted (HTML and documents). `pages/s` and `CPU ms/page` cover read+group, extract "
        "and assess, the work a worker does per chunk; summarize and store run once in the driver. The store "
        "figure is `save_audit` + `save_pages` into a new SQLite file (schema created beforehand).",
    ]
    publish("\n".join(lines) + "\n", write=not a.no_write)


if __name__ == "__main__":
    main()
