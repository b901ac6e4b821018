"""Who provides a service: the site's own organisation, another one of the portfolio, or an outside
provider recognised by its domain (``govlens/data/providers.yaml``, extendable with ``--providers``).

The provider map is data, not code, because the outside providers of an Indonesian city (BMKG, PLN,
the tax office, SP4N-LAPOR!) are not those of another country's audit, and a researcher must be
able to add one without touching the program.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from govlens.archive.urls import host_key
from govlens.types import Organisation, Portfolio


@dataclass(frozen=True)
class Provider:
    """One outside provider and the domains that identify it."""

    id: str
    name: str
    category: str = ""
    domains: tuple[str, ...] = ()
    service_kind: str = "platform"  # platform | information | application
    service: bool = True  # a bare link to it is a service (False: only inside a service menu)


@dataclass
class ProviderMap:
    """The editable provider map plus the service-menu vocabulary shipped beside it."""

    providers: list[Provider] = field(default_factory=list)
    chat_hosts: frozenset[str] = frozenset()
    service_menus: frozenset[str] = frozenset()
    service_words: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._by_domain: dict[str, Provider] = {}
        for p in self.providers:
            for d in p.domains:
                self._by_domain[d.lower().strip(".")] = p
        words = sorted(self.service_words, key=len, reverse=True)
        self._words = (
            re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)
            if words
            else None
        )

    def outside(self, url: str) -> Provider | None:
        """The outside provider whose domain the URL's host is (or is a subdomain of)."""
        host = _host(url)
        parts = host.split(".")
        for i in range(len(parts) - 1):
            p = self._by_domain.get(".".join(parts[i:]))
            if p is not None:
                return p
        return None

    def is_chat(self, url: str) -> bool:
        host = _host(url)
        return host in self.chat_hosts or any(host.endswith("." + h) for h in self.chat_hosts)

    def is_menu_text(self, text: str) -> bool:
        """Does this anchor text or page title name a list of services (not one service)?"""
        return _norm(text) in self.service_menus

    def has_service_word(self, text: str) -> bool:
        return bool(self._words and self._words.search(text))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("»", " ").replace("›", " ")).strip(" :-–|").lower()


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _parse(data: dict[str, Any]) -> tuple[list[Provider], dict[str, Any]]:
    out = []
    for e in data.get("providers") or []:
        if not isinstance(e, dict) or not e.get("id") or not e.get("domains"):
            raise ValueError(f"provider entries need an id and domains, got {e!r}")
        domains = e["domains"] if isinstance(e["domains"], list) else [e["domains"]]
        out.append(
            Provider(
                id=str(e["id"]),
                name=str(e.get("name") or e["id"]),
                category=str(e.get("category") or ""),
                domains=tuple(str(d).lower() for d in domains),
                service_kind=str(e.get("service_kind") or "platform"),
                service=bool(e.get("service", True)),
            )
        )
    return out, data


@cache
def _shipped() -> dict[str, Any]:
    text = resources.files("govlens").joinpath("data", "providers.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def load_providers(extra: str | Path | None = None) -> ProviderMap:
    """The shipped provider map, extended (and overridden by ``id``) with ``extra`` if given.

    Without ``extra``, the file named by the ``GOVLENS_PROVIDERS`` environment variable is used:
    process-pool and dask workers inherit it, so every chunk of a scaled-out audit sees one map.
    """
    if extra is None and os.environ.get("GOVLENS_PROVIDERS"):
        extra = os.environ["GOVLENS_PROVIDERS"]
    base_list, base = _parse(_shipped())
    by_id = {p.id: p for p in base_list}
    chat = set(base.get("chat_hosts") or [])
    menus = set(base.get("service_menus") or [])
    words = list(base.get("service_words") or [])
    if extra is not None:
        data = yaml.safe_load(Path(extra).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{extra}: a providers file is a mapping with a `providers:` list")
        more, _ = _parse(data)
        for p in more:
            by_id[p.id] = p
        chat |= set(data.get("chat_hosts") or [])
        menus |= set(data.get("service_menus") or [])
        words += [w for w in data.get("service_words") or [] if w not in words]
    return ProviderMap(
        providers=list(by_id.values()),
        chat_hosts=frozenset(str(h).lower() for h in chat),
        service_menus=frozenset(_norm(str(m)) for m in menus),
        service_words=tuple(str(w) for w in words),
    )


# --------------------------------------------------------------------------- portfolio owners


@dataclass
class OwnerIndex:
    """Which organisation of the portfolio a host belongs to, by the longest matching site host.

    ``sicantik.dpmptsp.kota.go.id`` belongs to DPMPTSP (site ``dpmptsp.kota.go.id``), not to the
    city portal (``kota.go.id``), although both are suffixes of it.
    """

    hosts: dict[str, Organisation]
    private: set[str] = field(default_factory=set)  # hosts of sites on shared private platforms

    def owner(self, url: str) -> Organisation | None:
        try:
            hk = host_key(url)
        except ValueError:
            return None
        if not hk:
            return None
        if hk in self.hosts:
            return self.hosts[hk]
        parts = hk.split(".")
        for i in range(1, len(parts) - 1):
            cand = ".".join(parts[i:])
            if cand in self.hosts and cand not in self.private:
                return self.hosts[cand]
        return None


_SHARED_PLATFORMS = ("blogspot.com", "wordpress.com", "github.io", "wixsite.com", "google.com")


def owner_index(portfolio: Portfolio | None) -> OwnerIndex:
    hosts: dict[str, Organisation] = {}
    private: set[str] = set()
    for org in portfolio.organisations if portfolio else []:
        for site in org.sites:
            try:
                hk = host_key(site)
            except ValueError:
                continue
            if hk and hk not in hosts:
                hosts[hk] = org
                if hk.endswith(_SHARED_PLATFORMS):
                    private.add(hk)
    return OwnerIndex(hosts, private)
