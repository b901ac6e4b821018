"""A rich progress bar for the crawl's progress callback (sites done/total, pages fetched)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichProgress:
    """Use as ``with RichProgress() as p: crawl_portfolio(..., progress=p)``."""

    def __init__(self, console: Console | None = None, total: int | None = None, *,
                 total_sites: int | None = None) -> None:
        self.console = console
        total = total if total is not None else total_sites  # the crawl's "start" event sets it anyway
        self._bar = Progress(
            TextColumn("[bold]crawl"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("sites · {task.fields[pages]} pages · {task.fields[fetches]} fetches · {task.fields[current]}"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        )
        self._task = self._bar.add_task("crawl", total=total, pages=0, fetches=0, current="")
        self.pages = 0
        self.fetches = 0
        self.statuses: dict[str, int] = {}

    def __enter__(self) -> RichProgress:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def __call__(self, event: str, site_id: str, **info: Any) -> None:
        if event == "start":
            self._bar.update(self._task, total=info.get("total"))
        elif event == "fetch":
            self.fetches += 1
            if info.get("purpose") == "page":
                self.pages += 1
            self._bar.update(self._task, pages=self.pages, fetches=self.fetches, current=site_id)
        elif event in ("site_done", "site_skipped"):
            st = str(info.get("scan_status") or "error")
            self.statuses[st] = self.statuses.get(st, 0) + 1
            if event == "site_skipped":
                self.pages += int(info.get("pages") or 0)
            self._bar.update(self._task, advance=1, pages=self.pages)
