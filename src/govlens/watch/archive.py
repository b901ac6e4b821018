"""The watch's WARC files: ``RUN_DIR/watch/watch-<YYYYMMDD>[.<n>].warc.gz``, one part per process
and UTC day.

A watch process appends every check of the day to its own part (each record its own gzip member,
flushed at once, as the crawler's writer does); a restarted process, or the next ``--once`` run,
starts the next part rather than reopening a file another process may have left with a damaged
tail. Existing files are never rewritten. The folder is not ``archive/``, so ``govlens assess``
on an audit's archive never mistakes watch checks for crawled pages.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from govlens.archive.writer import WarcSiteWriter


class WatchArchive:
    def __init__(self, folder: Path, portfolio: str, user_agent: str) -> None:
        self.folder = Path(folder)
        self.portfolio = portfolio
        self.user_agent = user_agent
        self._day = ""
        self._writer: WarcSiteWriter | None = None

    def writer(self, now: datetime | None = None) -> WarcSiteWriter:
        day = (now or datetime.now(UTC)).strftime("%Y%m%d")
        if self._writer is None or day != self._day:
            self.close()
            self._day = day
            self._writer = WarcSiteWriter(
                self.folder, f"watch-{day}", seed_url="", organisation="", audit="watch",
                user_agent=self.user_agent,
                extra_info={"purpose": "availability watch (govlens watch)", "portfolio": self.portfolio},
            )
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
