"""Optional headless rendering of script-only home pages (Playwright driving Debian's Chromium).

Rendering is an extra, never a requirement: when playwright or /usr/bin/chromium is missing the
crawl says so once and carries on, and the site keeps its js_only status for the extract stage.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from typing import Any

from govlens.archive.urls import apply_map
from govlens.crawl.config import CrawlConfig

log = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def render_unavailable_reason(config: CrawlConfig) -> str | None:
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install 'govlens[js]')"
    if not os.path.exists(config.chromium_path):
        return f"{config.chromium_path} not found (apt-get install chromium); `playwright install` is not used"
    return None


class Renderer:
    """One browser for the whole crawl; one short-lived page per rendered URL."""

    def __init__(self, config: CrawlConfig) -> None:
        self.config = config
        self._pw: Any = None
        self._browser: Any = None

    async def start(self) -> None:
        from playwright.async_api import async_playwright

        self._pw = await async_playwright().start()
        self._browser = await self._pw.chromium.launch(executable_path=self.config.chromium_path, args=CHROMIUM_ARGS)

    async def render(self, url: str) -> str | None:
        """The rendered DOM of ``url`` (fetched through --map like every other request)."""
        if self._browser is None:
            return None
        ctx = await self._browser.new_context(user_agent=self.config.user_agent, service_workers="block")
        try:
            page = await ctx.new_page()
            await page.route("**/*", self._route)
            await page.goto(url, wait_until="networkidle",
                            timeout=self.config.timeout * 1000)
            return str(await page.content())
        except Exception as exc:
            log.warning("render of %s failed: %s", url, exc)
            return None
        finally:
            await ctx.close()

    async def _route(self, route: Any) -> None:
        """The browser obeys the crawler's rules. The page is opened at its ORIGINAL address, so
        root-relative scripts and links resolve as on the real site; every request the page makes
        is sent through --map (fetched by Playwright and handed back to the page), nothing the map
        does not cover is contacted under map_only, and images, fonts and media are not loaded
        (the DOM is what we archive, and every extra fetch is load on the audited server)."""
        request = route.request
        if request.resource_type in ("image", "font", "media"):
            await route.abort()
            return
        url = request.url
        mapped = apply_map(url, self.config.url_map)
        if mapped != url:
            try:
                response = await route.fetch(url=mapped, max_redirects=0, timeout=self.config.timeout * 1000)
            except Exception as exc:
                log.info("render: %s (via %s) failed: %s", url, mapped, exc)
                await route.abort()
                return
            await route.fulfill(response=response)
        elif self.config.map_only:
            await route.abort()
        else:
            await route.continue_()

    async def close(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        if self._pw is not None:
            await self._pw.stop()
        self._browser = self._pw = None


async def make_renderer(config: CrawlConfig) -> Renderer | None:
    reason = render_unavailable_reason(config)
    if reason:
        log.warning("rendering requested but unavailable: %s; continuing without rendering", reason)
        return None
    r = Renderer(config)
    try:
        await r.start()
    except Exception as exc:
        log.warning("could not start Chromium for rendering (%s); continuing without rendering", exc)
        return None
    return r
