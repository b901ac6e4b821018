"""How fresh a site is: the newest dated item it shows (a dated news item or page, or a document's year).

Why this simple rule: "is anyone still publishing here?" is what a reader of two audits asks, and
the two signals the extract stage already has are the dates written in page text (news items are
dated "29 Januari 2024", "2024-01-29", "29/01/2024") and the years documents are about
(``Document.years``: "LKjIP 2023"). A full date beats a bare year of the same year; dates after
today are ignored (a typo, or a plan period like "2021-2026", is not publication).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from govlens.types import SiteFacts

MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "pebruari": 2,
    "maret": 3, "march": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7, "agustus": 8, "august": 8,
    "agu": 8, "aug": 8, "agt": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "october": 10,
    "okt": 10, "oct": 10, "november": 11, "nov": 11, "nopember": 11, "desember": 12, "december": 12,
    "des": 12, "dec": 12,
}  # fmt: skip

_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))
DMY_WORDS = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH_RE})\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
MDY_WORDS = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}}),?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
ISO = re.compile(r"(?<!\d)((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")
DMY_NUM = re.compile(r"(?<![\d/.-])(\d{1,2})[/.-](\d{1,2})[/.-]((?:19|20)\d\d)(?![\d/.-])")

NEWS_HINT = re.compile(r"berita|news|pengumuman|agenda|artikel|kabar|siaran-pers|press", re.IGNORECASE)
MAX_TEXT = 200_000  # characters of one page searched: a huge page is not scanned past this


def find_dates(text: str, today: date | None = None) -> list[date]:
    """Calendar dates written in ``text``, not after ``today``."""
    today = today or datetime.now(UTC).date()
    text = text[:MAX_TEXT]
    found: list[date] = []

    def add(y: str, m: int, d: str) -> None:
        try:
            dt = date(int(y), m, int(d))
        except ValueError:
            return
        if dt <= today:
            found.append(dt)

    for d, mon, y in DMY_WORDS.findall(text):
        add(y, MONTHS[mon.lower()], d)
    for mon, d, y in MDY_WORDS.findall(text):
        add(y, MONTHS[mon.lower()], d)
    for y, m, d in ISO.findall(text):
        add(y, int(m), d)
    for d, m, y in DMY_NUM.findall(text):  # Indonesian order: day first
        add(y, int(m), d)
    return found


def site_freshness(facts: SiteFacts, today: date | None = None) -> dict[str, Any] | None:
    """``{"date", "precision", "kind", "url"}`` of the newest dated item, or None."""
    today = today or datetime.now(UTC).date()
    best: tuple[tuple[int, int, int], dict[str, Any]] | None = None

    def offer(key: tuple[int, int, int], value: dict[str, Any]) -> None:
        nonlocal best
        if best is None or key > best[0]:
            best = (key, value)

    for page in facts.pages:
        if page.is_html:
            kind = "news" if NEWS_HINT.search(f"{page.url} {page.title}") else "page"
            for dt in find_dates(f"{page.title}\n{page.text}", today):
                offer((dt.year, dt.month, dt.day),
                      {"date": dt.isoformat(), "precision": "day", "kind": kind, "url": page.url})
        for doc in page.documents:
            years = [y for y in doc.years if y <= today.year]
            if years:
                y = max(years)
                offer((y, 0, 0), {"date": str(y), "precision": "year", "kind": "document", "url": doc.url})
    return best[1] if best else None
