"""Tell an organisation's own channel (a profile page) from share buttons and single posts.

K3 counts channels only (CODING.md): ``facebook.com/sharer.php``, ``twitter.com/intent/tweet``,
``wa.me/?text=`` and a link to one Instagram post all mention a platform without naming the
organisation's account, so each URL is sorted into channel / share / post / other by its path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from govlens.extract._data import host_matches, load


@dataclass(frozen=True)
class SocialRef:
    platform: str
    category: str  # channel | share | post | other
    handle: str = ""
    url: str = ""  # canonical channel URL when category is channel


@cache
def _host_to_platform() -> dict[str, str]:
    out: dict[str, str] = {}
    for platform, hosts in load("platforms.yaml")["social_hosts"].items():
        for h in hosts:
            out[h] = platform
    return out


@cache
def share_hosts() -> frozenset[str]:
    return frozenset(load("platforms.yaml").get("share_hosts", []))


@lru_cache(maxsize=8192)
def platform_of_host(host: str) -> str | None:
    table = _host_to_platform()
    hit = host_matches(host, table.keys())  # type: ignore[arg-type]
    return table[hit] if hit else None


_FB_RESERVED = {
    "sharer",
    "sharer.php",
    "share",
    "share.php",
    "dialog",
    "plugins",
    "login",
    "login.php",
    "l.php",
    "tr",
    "hashtag",
    "help",
    "policies",
    "privacy",
    "legal",
    "watch",
    "photo.php",
    "photo",
    "photos",
    "story.php",
    "permalink.php",
    "events",
    "media",
    "home.php",
    "search",
    "reel",
    "reels",
    "video.php",
    "gaming",
    "marketplace",
    "settings",
    "notes",
    "ads",
    "business",
    "recover",
    "r.php",
    "v",
    "",
}
_FB_POST_SEGMENTS = {"posts", "videos", "photos", "photo", "events", "reel", "reels", "permalink", "story"}
_IG_RESERVED = {"p", "reel", "reels", "tv", "stories", "explore", "accounts", "direct", "about", "legal", ""}
_YT_RESERVED = {
    "watch",
    "embed",
    "shorts",
    "playlist",
    "results",
    "feed",
    "live",
    "v",
    "redirect",
    "t",
    "about",
    "account",
    "premium",
    "kids",
    "music",
    "gaming",
    "hashtag",
    "howyoutubeworks",
    "",
}
_TW_RESERVED = {
    "intent",
    "share",
    "home",
    "search",
    "hashtag",
    "i",
    "explore",
    "settings",
    "login",
    "signup",
    "notifications",
    "messages",
    "tos",
    "privacy",
    "widgets",
    "compose",
    "",
}
_HANDLE = re.compile(r"^[\w.\-]{1,100}$", re.U)


_PLAIN_SUBS = {"www", "m", "mobile", "web", "touch", "free", "mbasic"}
_LANG_SUB = re.compile(r"^[a-z]{2}(?:-[a-z]{2})?$")
_PLATFORM_SUBS = {"whatsapp": ("chat", "api", "web"), "tiktok": ("vm", "vt")}


def _subdomain(host: str) -> str:
    for suffix in _host_to_platform():
        if host == suffix:
            return ""
        if host.endswith("." + suffix):
            return host[: -len(suffix) - 1]
    return ""


def _segments(path: str) -> list[str]:
    return [unquote(s) for s in path.split("/") if s]


def classify_social(url: str, parts: SplitResult | None = None) -> SocialRef | None:
    """Platform and category of a URL on a known social host; None for any other host."""
    if parts is None:
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
    host = (parts.hostname or "").lower()
    if not host:
        return None
    platform = platform_of_host(host)
    if platform is None:
        return None
    sub = _subdomain(host)
    if (
        sub
        and sub not in _PLAIN_SUBS
        and not _LANG_SUB.match(sub)
        and sub not in _PLATFORM_SUBS.get(platform, ())
    ):
        # developers.facebook.com, platform.twitter.com/widgets.js, business.instagram.com ...
        return SocialRef(platform, "other")
    segs = _segments(parts.path)
    first = segs[0].lower() if segs else ""
    query = parse_qs(parts.query)
    handler = _HANDLERS.get(platform)
    return handler(host, segs, first, query) if handler else SocialRef(platform, "other")


def _fb(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host.endswith("fb.watch"):
        return SocialRef("facebook", "post")
    if host == "m.me" or host.endswith(".m.me"):
        return SocialRef("facebook", "other")
    if first in ("sharer", "sharer.php", "share", "share.php", "dialog"):
        return SocialRef("facebook", "share")
    if first == "profile.php" and "id" in query:
        pid = query["id"][0]
        return SocialRef("facebook", "channel", pid, f"https://www.facebook.com/profile.php?id={pid}")
    if first in ("pages", "people", "pg") and len(segs) >= 2:
        name = segs[1]
        if len(segs) >= 3 and segs[2].lower() in _FB_POST_SEGMENTS:
            return SocialRef("facebook", "post", name)
        tail = "/".join(segs[:3]) if len(segs) >= 3 and segs[2].isdigit() else "/".join(segs[:2])
        return SocialRef("facebook", "channel", name, f"https://www.facebook.com/{tail}")
    if first == "groups" and len(segs) >= 2:
        if len(segs) >= 3:
            return SocialRef("facebook", "post", segs[1])
        return SocialRef("facebook", "channel", segs[1], f"https://www.facebook.com/groups/{segs[1]}")
    if first in _FB_RESERVED or not _HANDLE.match(segs[0]):
        return SocialRef(
            "facebook",
            "post"
            if first
            in _FB_POST_SEGMENTS | {"watch", "photo.php", "story.php", "permalink.php", "reel", "video.php"}
            else "other",
        )
    if len(segs) >= 2 and segs[1].lower() in _FB_POST_SEGMENTS:
        return SocialRef("facebook", "post", segs[0])
    return SocialRef("facebook", "channel", segs[0], f"https://www.facebook.com/{segs[0]}")


def _ig(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if first in ("p", "reel", "reels", "tv", "stories"):
        return SocialRef("instagram", "post")
    if first in _IG_RESERVED or not _HANDLE.match(segs[0]):
        return SocialRef("instagram", "other")
    if len(segs) >= 2 and segs[1].lower() in ("p", "reel", "tv"):
        return SocialRef("instagram", "post", segs[0])
    handle = segs[0]
    return SocialRef("instagram", "channel", handle, f"https://www.instagram.com/{handle}")


def _yt(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host.endswith("youtu.be"):
        return SocialRef("youtube", "post")
    if first.startswith("@"):
        return SocialRef("youtube", "channel", segs[0], f"https://www.youtube.com/{segs[0]}")
    if first in ("channel", "c", "user") and len(segs) >= 2:
        return SocialRef("youtube", "channel", segs[1], f"https://www.youtube.com/{first}/{segs[1]}")
    if first in ("watch", "shorts", "embed", "v", "live", "playlist"):
        return SocialRef("youtube", "post")
    if first in _YT_RESERVED or not _HANDLE.match(segs[0]):
        return SocialRef("youtube", "other")
    # Legacy custom URL: youtube.com/HumasKota
    return SocialRef("youtube", "channel", segs[0], f"https://www.youtube.com/{segs[0]}")


def _tw(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host == "t.co" or host.endswith(".t.co"):
        return SocialRef("twitter", "other")
    if first in ("intent", "share") or (first == "home" and "status" in query):
        return SocialRef("twitter", "share")
    if first in _TW_RESERVED or not _HANDLE.match(segs[0]):
        return SocialRef("twitter", "other")
    if len(segs) >= 2 and segs[1].lower() in ("status", "statuses"):
        return SocialRef("twitter", "post", segs[0])
    handle = segs[0].lstrip("@")
    return SocialRef("twitter", "channel", handle, f"https://x.com/{handle}")


def _tiktok(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host.startswith(("vm.", "vt.")):
        return SocialRef("tiktok", "post")
    if first.startswith("@"):
        if len(segs) >= 2:
            return SocialRef("tiktok", "post", segs[0])
        return SocialRef("tiktok", "channel", segs[0], f"https://www.tiktok.com/{segs[0]}")
    return SocialRef("tiktok", "other")


def _wa(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host == "wa.me" or host.endswith(".wa.me"):
        number = re.sub(r"\D", "", first)
        if number:
            return SocialRef("whatsapp", "channel", number, f"https://wa.me/{number}")
        return SocialRef("whatsapp", "share")
    if host.startswith("chat."):
        if segs:
            return SocialRef("whatsapp", "channel", segs[0], f"https://chat.whatsapp.com/{segs[0]}")
        return SocialRef("whatsapp", "other")
    if first == "channel" and len(segs) >= 2:
        return SocialRef("whatsapp", "channel", segs[1], f"https://whatsapp.com/channel/{segs[1]}")
    if first in ("send", "") and "phone" in query:
        number = re.sub(r"\D", "", query["phone"][0])
        if number:
            return SocialRef("whatsapp", "channel", number, f"https://wa.me/{number}")
    if first == "send" or "text" in query:
        return SocialRef("whatsapp", "share")
    return SocialRef("whatsapp", "other")


def _tg(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if host.endswith("telegram.org"):
        return SocialRef("telegram", "other")
    if first in ("share", "addstickers", "iv", "proxy", "socks", "setlanguage", "login"):
        return SocialRef("telegram", "share" if first == "share" else "other")
    if not first or not _HANDLE.match(segs[0]):
        return SocialRef("telegram", "other")
    if len(segs) >= 2 and segs[1].isdigit():
        return SocialRef("telegram", "post", segs[0])
    if first == "s" and len(segs) >= 2:
        return SocialRef("telegram", "channel", segs[1], f"https://t.me/{segs[1]}")
    return SocialRef("telegram", "channel", segs[0], f"https://t.me/{segs[0]}")


def _li(host: str, segs: list[str], first: str, query: dict[str, list[str]]) -> SocialRef:
    if first in ("sharearticle", "sharing", "shareArticle".lower()):
        return SocialRef("linkedin", "share")
    if first in ("company", "in", "school", "showcase") and len(segs) >= 2:
        if len(segs) >= 3 and segs[2].lower() in ("posts",):
            return SocialRef("linkedin", "post", segs[1])
        return SocialRef("linkedin", "channel", segs[1], f"https://www.linkedin.com/{first}/{segs[1]}")
    if first in ("feed", "posts", "pulse", "events"):
        return SocialRef("linkedin", "post")
    return SocialRef("linkedin", "other")


_HANDLERS = {
    "facebook": _fb,
    "instagram": _ig,
    "youtube": _yt,
    "twitter": _tw,
    "tiktok": _tiktok,
    "whatsapp": _wa,
    "telegram": _tg,
    "linkedin": _li,
}
