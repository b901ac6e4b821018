"""URL helpers shared by the crawler (scope, dedupe) and the reader (grouping), so both stages agree
on what "the same page" and "the same site" mean."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import tldextract

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"

# Offline: never fetch the Public Suffix List; the bundled snapshot is good enough for scoping.
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def normalize_url(url: str, base: str | None = None) -> str | None:
    """Absolute URL with the fragment removed, scheme/host lower-cased and default ports dropped.

    Nothing else is touched (no query sorting, no trailing-slash games) because servers are free
    to treat those as different resources and the evidence must name what was really requested.
    Returns None for anything that is not http(s).
    """
    url = url.strip()
    if base is not None:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        cred = parts.username or ""
        if parts.password:
            cred += ":" + parts.password
        netloc = f"{cred}@{netloc}"
    # Percent-encode what a browser would (spaces, non-ASCII, control characters) and keep existing
    # escapes, so the URL we request and record in WARC-Target-URI is valid.
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    query = quote(parts.query, safe=_QUERY_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_key(url: str) -> str:
    """Host with a leading ``www.`` folded and a non-default port kept.

    www and bare host are one site in practice; a port is kept because loopback test servers (and
    the odd real site) serve different sites on different ports.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return ""
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    return host


@lru_cache(maxsize=4096)
def _registered(host: str) -> str:
    ext = _EXTRACT(host)
    if hasattr(ext, "top_domain_under_public_suffix"):
        rd = ext.top_domain_under_public_suffix
    else:  # tldextract < 5.3
        rd = ext.registered_domain
    return rd or host  # IP addresses, localhost and bare suffixes are their own domain


def registered_domain(url: str) -> str:
    """Registered domain (public suffix + one label) of a URL's host, e.g. cilegon.go.id."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return _registered(host)


def path_prefix(url: str) -> str:
    """The part of a host a site owns, from its seed URL.

    A seed ending in '/' names a section (``https://bantulkab.go.id/profil/`` is the profile
    section of a larger portal) and scopes the crawl to it. A seed naming a page
    (``.../MeetingsMinutes.aspx``) is only where to start: the site is the whole host.
    """
    path = urlsplit(url).path or "/"
    return path if path.endswith("/") else "/"


def in_scope(url: str, site_host: str, prefix: str = "/") -> bool:
    """Same site: same host (www folded, port kept) and under the seed's path prefix."""
    if host_key(url) != site_host:
        return False
    return prefix == "/" or (urlsplit(url).path or "/").startswith(prefix)


def slugify(text: str) -> str:
    """Filesystem- and URL-safe id (used for site ids and WARC file names)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "site"


def apply_map(url: str, url_map: list[tuple[str, str]]) -> str:
    """Rewrite ORIGINAL prefix to LOCAL prefix (first match wins), like curl's --connect-to."""
    for original, local in url_map:
        if url.startswith(original):
            return local + url[len(original) :]
    return url


def unmap(url: str, url_map: list[tuple[str, str]]) -> str:
    """Inverse of :func:`apply_map`, for Location headers a local mirror sends back."""
    for original, local in url_map:
        if url.startswith(local):
            return original + url[len(local) :]
    return url
