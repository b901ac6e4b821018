"""Crawl settings and the summary a crawl hands back. Defaults suit a 30-page agency site
(docs/architecture.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from govlens import __version__

USER_AGENT = f"govlens/{__version__} (+https://github.com/govlens/govlens; audit of public websites)"
MB = 1024 * 1024


@dataclass
class CrawlConfig:
    max_pages: int = 40  # HTML pages per site, home included
    max_depth: int = 3  # link hops from the home page
    delay: float = 1.0  # seconds between request starts to one host (robots Crawl-delay wins if larger)
    concurrency: int = 16  # sites crawled in parallel
    timeout: float = 20.0  # per request, connect + headers + body
    retries: int = 2  # extra attempts on connection errors, timeouts, 5xx and 429
    backoff: float = 1.0  # first retry waits this long, then doubles
    retry_after_cap: float = 30.0  # longest Retry-After we honour
    max_crawl_delay: float = 30.0  # a robots Crawl-delay beyond this is capped, not obeyed
    max_body: int = 5 * MB  # HTML and other page bodies are cut here (record marked truncated)
    max_document: int = 10 * MB  # PDFs, office files and other non-HTML bodies
    max_documents: int = 60  # non-HTML same-site fetches per site
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    url_map: list[tuple[str, str]] = field(default_factory=list)  # (ORIGINAL prefix, LOCAL prefix)
    map_only: bool = False  # with url_map: never contact a URL the map does not cover (tests, demos)
    check_external: bool = True  # HEAD/GET links that leave the site
    max_link_checks: int = 100  # per site
    link_check_bytes: int = 4096  # a GET link check keeps this much of the body
    link_check_parallel: int = 4  # link checks in flight per site (each host still one at a time)
    sitemaps: bool = True
    max_sitemaps: int = 5  # sitemap files per site (index children included)
    probe_404: bool = True
    resume: bool = True
    render: bool = False  # render js_only home pages with Playwright + /usr/bin/chromium
    chromium_path: str = "/usr/bin/chromium"
    audit: str = ""  # label written to warcinfo

    def __post_init__(self) -> None:
        self.url_map = parse_url_map(self.url_map)


def parse_url_map(items: list[tuple[str, str]] | list[str] | tuple = ()) -> list[tuple[str, str]]:
    """Accept ("ORIGINAL", "LOCAL") pairs or the CLI's "ORIGINAL=LOCAL" strings."""
    out: list[tuple[str, str]] = []
    for item in items or ():
        if isinstance(item, str):
            original, sep, local = item.partition("=")
            if not sep or not original or not local:
                raise ValueError(f"--map wants ORIGINAL_PREFIX=LOCAL_PREFIX, got {item!r}")
            out.append((original, local))
        else:
            original, local = item
            out.append((str(original), str(local)))
    return out


@dataclass
class SiteSummary:
    site_id: str
    seed_url: str
    pages: int = 0
    documents: int = 0
    link_checks: int = 0
    errors: int = 0
    requests: int = 0  # live requests sent (replayed ones on resume are not counted)
    scan_status: str = ""
    detail: str = ""
    final_url: str | None = None
    seconds: float = 0.0
    skipped: bool = False  # already complete in the archive (resume)
    warc_files: list[str] = field(default_factory=list)


@dataclass
class CrawlSummary:
    sites: list[SiteSummary] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pages(self) -> int:
        return sum(s.pages for s in self.sites)

    @property
    def documents(self) -> int:
        return sum(s.documents for s in self.sites)

    @property
    def link_checks(self) -> int:
        return sum(s.link_checks for s in self.sites)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.sites)

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sites)

    def by_status(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.sites:
            out[s.scan_status] = out.get(s.scan_status, 0) + 1
        return out
