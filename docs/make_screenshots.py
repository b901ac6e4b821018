"""Make the dashboard screenshots in docs/screenshots/ from the demo audit.

    python docs/make_screenshots.py [--run RUN_DIR] [--out docs/screenshots]

Runs ``govlens demo`` into a temporary folder (or uses RUN_DIR if it already holds a demo audit),
adds a reviewer, records two reviews so the pages show overrides and who made them, starts the
dashboard on an ephemeral port of 127.0.0.1 and photographs the main pages at 1280 px wide with
Playwright on Debian's Chromium (the same setup as tests/test_web_browser.py; nothing is fetched
from the network).
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from govlens.store import Store
from govlens.web import create_app
from govlens.web.users import UserStore

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip
USER, PASSWORD = "ana", "demo-password-ana"


def prepare(run: Path) -> tuple[str, int, str]:
    """A demo audit with a reviewer and two overrides; returns (db url, audit id, a site id)."""
    db = run / "govlens.db"
    if not db.is_file():
        from govlens.cli import app

        app(["demo", "--out", str(run), "--format", "json"], standalone_mode=False)
    url = f"sqlite:///{db.resolve()}"
    store = Store(url)
    users = UserStore(store.engine)
    if users.get(USER) is None:
        users.add(USER, PASSWORD, "reviewer")
    audit = store.load_audit()
    assert audit.audit_id is not None
    site = next(s for s in audit.sites if s.scan_status == "ok")
    if not store.reviews(audit.audit_id):
        flips = [c for c, v in site.verdicts.items() if v.verdict == "not_met"][:1]
        flips += [c for c, v in site.verdicts.items() if v.verdict == "needs_review"][:1]
        for code in flips:
            store.add_review(
                audit.audit_id, site.site_id, code, "met", USER, "Seen on the site's own pages (demo review)"
            )
    store.close()
    return url, audit.audit_id, site.site_id


def serve(url: str, archive: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    app = create_app(url, [archive], secret="screenshots-only")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def shoot(base: str, out: Path, site_id: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    shots = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(base + "/login")
        shots.append(out / "login.png")
        page.screenshot(path=shots[-1])
        page.fill("input[name=username]", USER)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("#scores")
        page.wait_for_load_state("networkidle")  # the charts are images rendered on first request
        shots.append(out / "overview.png")
        page.screenshot(path=shots[-1], full_page=True)
        page.goto(f"{base}/sites/{site_id}")
        first = page.locator("a.as-captured").first
        if first.count():
            first.click()
            page.wait_for_selector("#capture iframe")
            page.wait_for_timeout(500)
        shots.append(out / "site.png")
        page.screenshot(path=shots[-1], clip={"x": 0, "y": 0, "width": 1280, "height": 1800}, full_page=True)
        page.goto(base + "/queue/1")
        shots.append(out / "queue.png")
        page.screenshot(path=shots[-1], full_page=True)
        browser.close()
    return shots


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--run", type=Path, help="run folder with a demo audit (default: a fresh temporary one)")
    ap.add_argument("--out", type=Path, default=HERE / "screenshots")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="govlens-shots-") as tmp:
        run = args.run or Path(tmp) / "demo"
        url, _, site_id = prepare(run)
        server, thread, base = serve(url, run / "archive")
        try:
            for p in shoot(base, args.out, site_id):
                print(f"wrote {p}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)


if __name__ == "__main__":
    main()
