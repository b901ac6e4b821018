"""Load the shipped keyword and host lists once per process."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> dict[str, Any]:
    text = resources.files("govlens").joinpath("data", name).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def host_matches(host: str, suffixes: list[str] | tuple[str, ...] | frozenset[str]) -> str | None:
    """The entry of ``suffixes`` that ``host`` equals or is a subdomain of."""
    parts = host.split(".")
    for i in range(len(parts) - 1):
        cand = ".".join(parts[i:])
        if cand in suffixes:
            return cand
    return None
