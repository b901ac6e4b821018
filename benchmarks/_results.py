"""What every benchmark script shares: the machine line and appending a section to RESULTS.md."""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    """`uname`, core count and Python version: the figures mean little without them."""
    return f"`{' '.join(platform.uname())}`, nproc {os.cpu_count()}, Python {platform.python_version()}"


def publish(text: str, write: bool = True) -> None:
    """Print the section and, unless ``write`` is False (``--no-write``), append it to RESULTS.md."""
    print(text)
    if not write:
        return
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n", encoding="utf-8")
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(text if text.startswith("\n") else "\n" + text)
