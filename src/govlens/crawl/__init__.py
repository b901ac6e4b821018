"""Polite crawling of a portfolio's sites into WARC files (one per site).

Public API: :class:`CrawlConfig`, :func:`crawl_portfolio` (sync), :func:`acrawl_portfolio`,
:func:`crawl_site` (async), :class:`CrawlSummary`, :class:`SiteSummary`,
``govlens.crawl.progress.RichProgress``.
"""

from govlens.crawl.config import USER_AGENT, CrawlConfig, CrawlSummary, SiteSummary
from govlens.crawl.crawler import CrawlContext, acrawl_portfolio, crawl_portfolio, crawl_site

__all__ = [
    "USER_AGENT",
    "CrawlConfig",
    "CrawlContext",
    "CrawlSummary",
    "SiteSummary",
    "acrawl_portfolio",
    "crawl_portfolio",
    "crawl_site",
]
