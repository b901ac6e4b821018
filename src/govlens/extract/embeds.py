"""Embedded media and widgets, and the social channels they reveal.

A Facebook page plugin or a Twitter timeline on the home page is media convergence (K3) even when
the site has no plain link to the account, so channel-identifying embeds become SocialChannels
with ``source="embed"``. A single embedded YouTube video does not name a channel: it stays an Embed.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import parse_qs, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser

from govlens.extract._data import host_matches, load
from govlens.extract.social import classify_social
from govlens.types import Embed, SocialChannel


@cache
def _embed_table() -> tuple[dict[str, str], dict[str, str], frozenset[str], frozenset[str]]:
    d = load("platforms.yaml")
    hosts: dict[str, str] = {}
    paths: dict[str, str] = {}
    for key, platform in d.get("embed_hosts", {}).items():
        if "/" in key:
            paths[key] = platform
        else:
            hosts[key] = platform
    return hosts, paths, frozenset(d.get("map_platforms", [])), frozenset(d.get("video_platforms", []))


def platform_of(src: str) -> str | None:
    hosts, paths, _, _ = _embed_table()
    try:
        parts = urlsplit(src)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    bare = host[4:] if host.startswith("www.") else host
    for key, platform in paths.items():
        h, p = key.split("/", 1)
        if bare == h and parts.path.lstrip("/").startswith(p):
            return platform
    hit = host_matches(host, hosts)  # type: ignore[arg-type]
    return hosts[hit] if hit else None


def _channel_from_embed(src: str, platform: str | None) -> SocialChannel | None:
    """The account an embed shows, when its URL names one."""
    try:
        parts = urlsplit(src)
    except ValueError:
        return None
    q = parse_qs(parts.query)
    if platform == "facebook" and "/plugins/" in parts.path:
        target = (q.get("href") or [""])[0]
        ref = classify_social(target) if target else None
        if ref and ref.category == "channel":
            return SocialChannel("facebook", ref.url, ref.handle, "embed")
        return None
    if platform == "youtube":
        if q.get("listType") == ["user_uploads"] and q.get("list"):
            user = q["list"][0]
            return SocialChannel("youtube", f"https://www.youtube.com/user/{user}", user, "embed")
        if q.get("channel"):  # /embed/live_stream?channel=UC...
            cid = q["channel"][0]
            return SocialChannel("youtube", f"https://www.youtube.com/channel/{cid}", cid, "embed")
        lst = (q.get("list") or [""])[0]
        if lst.startswith("UU") and len(lst) > 10:  # a channel's uploads playlist
            cid = "UC" + lst[2:]
            return SocialChannel("youtube", f"https://www.youtube.com/channel/{cid}", cid, "embed")
        return None
    if platform in ("instagram", "twitter", "tiktok", "telegram", "linkedin"):
        path = re.sub(r"/embed/?$", "", parts.path)
        ref = classify_social(f"https://{parts.hostname}{path}")
        if ref and ref.category == "channel":
            return SocialChannel(ref.platform, ref.url, ref.handle, "embed")
    return None


def collect_embeds(tree: LexborHTMLParser, base: str) -> tuple[list[Embed], list[SocialChannel]]:
    _, _, maps, videos = _embed_table()
    embeds: list[Embed] = []
    socials: list[SocialChannel] = []
    seen: set[tuple[str, str]] = set()

    def add(kind: str, src: str, platform: str | None) -> None:
        if (kind, src) in seen:
            return
        seen.add((kind, src))
        embeds.append(Embed(kind=kind, src=src, platform=platform))
        ch = _channel_from_embed(src, platform)
        if ch is not None:
            socials.append(ch)

    def absolute(src: str) -> str:
        try:
            return urljoin(base, src.strip())
        except ValueError:
            return src.strip()

    for node in tree.css("iframe, embed, object"):
        a = node.attributes
        src = a.get("src") or a.get("data-src") or a.get("data-lazy-src") or a.get("data") or ""
        if not src.strip() or src.strip().startswith(("about:", "javascript:")):
            continue
        src = absolute(src)
        platform = platform_of(src)
        kind = "map" if platform in maps else "video" if platform in videos else "iframe"
        add(kind, src, platform)
    for node in tree.css("video, audio"):
        a = node.attributes
        src = a.get("src") or ""
        if not src:
            s = node.css_first("source[src]")
            src = s.attributes.get("src") or "" if s is not None else ""
        if src:
            src = absolute(src)
            add("video", src, platform_of(src))
    # Widgets that a script turns into an embed: the markup carries the account.
    for node in tree.css(".fb-page[data-href], .fb-like-box[data-href], .fb-group[data-href]"):
        href = node.attributes.get("data-href") or ""
        ref = classify_social(href)
        embeds.append(Embed(kind="script-widget", src=href, platform="facebook"))
        if ref and ref.category == "channel":
            socials.append(SocialChannel("facebook", ref.url, ref.handle, "embed"))
    for node in tree.css("a.twitter-timeline[href], a.twitter-follow-button[href]"):
        href = node.attributes.get("href") or ""
        ref = classify_social(absolute(href))
        embeds.append(Embed(kind="script-widget", src=href, platform="twitter"))
        if ref and ref.category == "channel":
            socials.append(SocialChannel("twitter", ref.url, ref.handle, "embed"))
    for node in tree.css("blockquote.instagram-media, blockquote.tiktok-embed, blockquote.twitter-tweet"):
        a = node.attributes
        href = a.get("data-instgrm-permalink") or a.get("cite") or ""
        if not href:
            link = node.css_first("a[href]")
            href = link.attributes.get("href") or "" if link is not None else ""
        platform = (
            "instagram"
            if "instagram" in (a.get("class") or "")
            else ("tiktok" if "tiktok" in (a.get("class") or "") else "twitter")
        )
        embeds.append(Embed(kind="script-widget", src=href, platform=platform))
        ref = classify_social(href) if href else None
        if ref and ref.category == "channel":
            socials.append(SocialChannel(platform, ref.url, ref.handle, "embed"))
    for node in tree.css("script[src]"):
        src = absolute(node.attributes.get("src") or "")
        platform = platform_of(src)
        if platform:
            add("map" if platform in maps else "script-widget", src, platform)
    return embeds, socials
