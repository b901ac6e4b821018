"""State-change notifications: POST JSON to a configured URL, with a timeout and bounded retries.

A failing webhook is logged and recorded on the event (``watch_events.notified = failed``) and
never stops or delays the watch beyond its retries: availability records matter more than alerts.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from govlens.crawl.config import USER_AGENT

log = logging.getLogger(__name__)


async def post_json(
    session: aiohttp.ClientSession, url: str, payload: dict[str, Any], *, timeout: float = 5.0,
    retries: int = 2, backoff: float = 0.5,
) -> str:
    """``sent`` on a 2xx answer, else ``failed`` after 1 + ``retries`` attempts (5xx, 429, errors)."""
    last = ""
    for attempt in range(retries + 1):
        try:
            async with session.post(
                url, json=payload, timeout=aiohttp.ClientTimeout(total=timeout),
                headers={"User-Agent": USER_AGENT},
            ) as resp:
                await resp.read()
                if 200 <= resp.status < 300:
                    return "sent"
                last = f"HTTP {resp.status}"
                if resp.status < 500 and resp.status != 429:
                    break  # a 4xx will not get better by asking again
        except Exception as e:
            last = f"{type(e).__name__}: {e}"
        if attempt < retries:
            await asyncio.sleep(backoff * (2**attempt))
    log.warning("webhook %s failed: %s", url, last)
    return "failed"
