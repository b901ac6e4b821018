"""Title and text of a PDF record, bounded: a 400-page budget annex must not stall a national audit."""

from __future__ import annotations

import io
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

_LOG = logging.getLogger("pypdf")
# after the deadline the timer keeps firing at this interval: Python drops an exception raised
# while it runs a gc callback or a __del__ (hypothesis installs one), so one alarm is not enough
_REFIRE_S = 0.2


class _Deadline(BaseException):
    """Not an Exception: pypdf's and our own ``except Exception`` must not swallow it."""


@contextmanager
def _hard_deadline(seconds: float) -> Iterator[None]:
    """Stop the block after ``seconds`` of wall time (the block just ends early; no error).

    One page of 300,000 text operators in a 30 KB file takes pypdf a minute, and the per-page
    budget check only runs between pages. A timer signal can only interrupt the main thread;
    elsewhere (dask worker threads) the per-page budget is what bounds it. A timer someone else
    had running is given back what is left of it.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: object) -> None:
        raise _Deadline

    start = time.monotonic()
    previous = signal.signal(signal.SIGALRM, on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds, _REFIRE_S)
    try:
        yield
    except _Deadline:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:
            left = old_delay - (time.monotonic() - start)
            signal.setitimer(signal.ITIMER_REAL, max(0.001, left), old_interval)


def pdf_text(
    body: bytes, max_pages: int = 20, budget_s: float = 2.0, max_chars: int = 200_000
) -> tuple[str, str]:
    """(title, text) from the first pages; ("", "") when the PDF cannot be read (truncated,
    encrypted). Pages are read until ``budget_s`` has passed (checked between pages) or, inside a
    page, until twice that (a hard deadline); what was read by then is kept."""
    from pypdf import PdfReader  # late: commands that read no PDF do not pay for importing it

    level = _LOG.level
    _LOG.setLevel(logging.ERROR)  # broken PDFs make pypdf log a warning per object
    title = ""
    parts: list[str] = []
    try:
        with _hard_deadline(2 * budget_s):
            start = time.monotonic()
            reader = PdfReader(io.BytesIO(body), strict=False)
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                except Exception:
                    return "", ""
            try:
                meta = reader.metadata
                title = str(meta.title).strip() if meta and meta.title else ""
            except Exception:
                title = ""
            size = 0
            for i, page in enumerate(reader.pages):
                if i >= max_pages or time.monotonic() - start > budget_s or size > max_chars:
                    break
                try:
                    t = page.extract_text() or ""
                except Exception:
                    continue
                parts.append(t)
                size += len(t)
    except Exception:
        return "", ""
    finally:
        _LOG.setLevel(level)
    text = "\n".join(parts)[:max_chars]
    if not title:
        title = next((ln.strip() for ln in text.splitlines() if len(ln.strip()) > 3), "")[:200]
    return title, text
