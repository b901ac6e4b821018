"""Cost of one `govlens watch` round per target, on loopback.

A tiny aiohttp server runs in a child process (so its CPU is not counted); the watch checks T
targets (T original hosts mapped to it, so hosts run in parallel as they would for T agencies)
for R rounds, in three cases: HEAD answered 200; HEAD answered 405 so the check falls back to a
capped GET (2 requests); nothing listening (connection refused). Each round includes the WARC
records and the one-transaction SQLite write. Appends a dated section to benchmarks/RESULTS.md.

usage: python benchmarks/bench_watch.py --targets 30 --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import machine, publish

from govlens.store import Store
from govlens.types import Portfolio
from govlens.watch import Target, WatchConfig, Watcher

SERVER = r"""
import sys
from aiohttp import web
async def ok(request):
    if request.path.startswith("/nohead/") and request.method == "HEAD":
        return web.Response(status=405)
    return web.Response(text="<html><title>ok</title><body>" + "x" * 2000 + "</body></html>", content_type="text/html")
app = web.Application()
app.router.add_route("*", "/{tail:.*}", ok)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("server did not start")


async def run_case(port: int, n: int, rounds: int, path: str, folder: Path) -> dict[str, float]:
    hosts = [f"https://opd{i}.kota.go.id/" for i in range(n)]
    targets = [Target(h, f"opd{i}", "site") for i, h in enumerate(hosts)]
    cfg = WatchConfig(interval=0, delay=0, timeout=5, map_only=True,
                      url_map=[(h, f"http://127.0.0.1:{port}/{path}{i}/") for i, h in enumerate(hosts)])
    store = Store(f"sqlite:///{folder / 'govlens.db'}")
    w = Watcher(Portfolio(name="bench", organisations=[]), folder, store, cfg, targets=targets)
    await w.run_round()  # warm-up: imports, schema, first connections
    walls, cpus, reqs = [], [], 0
    for _ in range(rounds):
        res = await w.run_round()
        walls.append(res.seconds)
        cpus.append(res.cpu_seconds)
        reqs += res.requests
        states = res.states
    w.archive.close()
    warc = sum(p.stat().st_size for p in (folder / "watch").glob("*.warc.gz"))
    store.close()
    return {
        "round_wall_ms": statistics.median(walls) * 1000,
        "wall_ms_per_target": statistics.median(walls) * 1000 / n,
        "cpu_ms_per_target": statistics.median(cpus) * 1000 / n,
        "requests_per_target": reqs / rounds / n,
        "warc_bytes_per_check": warc / ((rounds + 1) * n),
        "states": ", ".join(f"{k} {v}" for k, v in sorted(states.items())),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--targets", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--no-write", action="store_true", help="print only, do not append to RESULTS.md")
    args = ap.parse_args()
    port, closed = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)])
    rows = []
    try:
        wait_port(port)
        for label, p, use_port in (("HEAD 200", "ok/", port), ("HEAD 405 -> GET 200", "nohead/", port),
                                   ("down (refused)", "", closed)):
            with tempfile.TemporaryDirectory() as tmp:
                r = asyncio.run(run_case(use_port, args.targets, args.rounds, p, Path(tmp)))
            rows.append((label, r))
            print(label, r, flush=True)
    finally:
        proc.terminate()
        proc.wait(10)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    lines = [
        "",
        f"### watch: one round, {args.targets} targets x {args.rounds} rounds, loopback ({when})",
        "",
        f"- machine: {machine()}; 2 cores shared with "
        "other benchmarks and tests (figures are upper bounds)",
        f"- command: `python benchmarks/bench_watch.py --targets {args.targets} --rounds {args.rounds}`",
        "- a round = one check per target (fresh TCP connection each, HEAD, GET fallback, redirects), its WARC "
        "records, and one SQLite transaction (checks rows + target_state upserts); server in a child process",
        "",
        "| case | round wall (median) | wall ms/target | CPU ms/target | requests/target | WARC bytes/check | states |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(f"| {label} | {r['round_wall_ms']:.1f} ms | {r['wall_ms_per_target']:.2f} | "
                     f"{r['cpu_ms_per_target']:.2f} | {r['requests_per_target']:.1f} | "
                     f"{r['warc_bytes_per_check']:.0f} | {r['states']} |")
    lines += ["", f"Peak RSS of the watch process: {rss:.0f} MB. Hosts are checked in parallel (concurrency 16), "
              "so round wall grows with targets/16 x latency; CPU per target is what a long watch costs."]
    publish("\n".join(lines) + "\n", write=not args.no_write)


if __name__ == "__main__":
    main()
