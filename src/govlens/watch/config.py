"""Settings of a watch. Defaults suit checking a city's ~30 sites and ~20 services every 5 minutes."""

from __future__ import annotations

from dataclasses import dataclass, field

from govlens.crawl.config import USER_AGENT, CrawlConfig, parse_url_map


@dataclass
class WatchConfig:
    interval: float = 300.0  # seconds from the start of one round to the start of the next
    timeout: float = 10.0  # per request (connect + headers + capped body)
    body_cap: int = 4096  # a GET check keeps this much of the body: enough to archive, cheap
    max_redirects: int = 5
    delay: float = 0.5  # seconds between request starts to one host (politeness)
    concurrency: int = 16  # hosts checked in parallel
    confirm: int = 2  # consecutive failing checks before a target is declared down/degraded
    slow_ms: float = 0.0  # an answer slower than this is "degraded" (0: never)
    audit_links: bool = True  # also watch service entries / broken links of the latest audit
    max_links_per_site: int = 20  # cap on audit-derived targets per site
    webhook: str | None = None
    webhook_timeout: float = 5.0
    webhook_retries: int = 2  # extra attempts after the first
    webhook_backoff: float = 0.5
    url_map: list[tuple[str, str]] = field(default_factory=list)
    map_only: bool = False
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        self.url_map = parse_url_map(self.url_map)
        if self.confirm < 1:
            raise ValueError("confirm must be at least 1")

    def crawl_config(self) -> CrawlConfig:
        """The crawler's settings for its Fetcher: same map, agent and politeness; no retries
        (the confirmation rule across rounds is what absorbs a transient failure)."""
        return CrawlConfig(
            timeout=self.timeout,
            retries=0,
            delay=self.delay,
            concurrency=self.concurrency,
            max_body=self.body_cap,
            max_document=self.body_cap,
            max_redirects=self.max_redirects,
            url_map=list(self.url_map),
            map_only=self.map_only,
            user_agent=self.user_agent,
            audit="watch",
        )
