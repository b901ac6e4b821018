"""Title and text of a PDF record, bounded: a 400-page budget annex must not stall a national audit."""

from __future__ import annotations

import io
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

_LOG = logging.getLogger("pypdf")
T = TypeVar("T")


class _Deadline(BaseException):
    """Not an Exception: pypdf's and our own ``except Exception`` must not swallow it."""


@contextmanager
def _hard_deadline(seconds: float) -> Iterator[None]:
    """Interrupt pypdf after ``seconds`` of wall time: one page of 300,000 text operators in a
    30 KB file takes pypdf a minute, and the per-page budget check only runs between pages.
    A timer signal can only interrupt the main thread; elsewhere (dask worker threads) the
    per-page budget is what bounds it."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _Deadline

    previous = signal.signal(signal.SIGALRM, on_alarm)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_timer[0]:  # someone else's timer was running: give it back what is left
            signal.setitimer(signal.ITIMER_REAL, max(0.001, old_timer[0] - seconds), old_timer[1])


def _bounded(fn: Callable[[], T], seconds: float, default: T) -> T:
    try:
        with _hard_deadline(seconds):
            return fn()
    except _Deadline:
        return default


def pdf_text(
    body: bytes, max_pages: int = 20, budget_s: float = 2.0, max_chars: int = 200_000
) -> tuple[str, str]:
    """(title, text) from the first pages; ("", "") when the PDF cannot be read (truncated,
    encrypted) or does not finish within twice ``budget_s`` (a hard deadline, see _hard_deadline)."""
    return _bounded(lambda: _pdf_text(body, max_pages, budget_s, max_chars), 2 * budget_s, ("", ""))


def _pdf_text(body: bytes, max_pages: int, budget_s: float, max_chars: int) -> tuple[str, str]:
    from pypdf import PdfReader  # late: commands that read no PDF do not pay for importing it

    level = _LOG.level
    _LOG.setLevel(logging.ERROR)  # broken PDFs make pypdf log a warning per object
    try:
        start = time.monotonic()
        reader = PdfReader(io.BytesIO(body), strict=False)
        if reader.is_encrypted:
            try:
                reader.decrypt("")
            except Exception:
                return "", ""
        title = ""
        try:
            meta = reader.metadata
            if meta and meta.title:
                title = str(meta.title).strip()
        except Exception:
            title = ""
        parts: list[str] = []
        size = 0
        try:
            for i, page in enumerate(reader.pages):
                if i >= max_pages or time.monotonic() - start > budget_s or size > max_chars:
                    break
                try:
                    t = page.extract_text() or ""
                except Exception:
                    continue
                parts.append(t)
                size += len(t)
        except _Deadline:
            pass  # keep the pages read before the deadline
        text = "\n".join(parts)[:max_chars]
        if not title:
            title = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 3), "")[:200]
        return title, text
    except Exception:
        return "", ""
    finally:
        _LOG.setLevel(level)
