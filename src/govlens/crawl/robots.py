"""robots.txt rules per host, parsed with protego (wildcards and Crawl-delay, which the stdlib
parser lacks)."""

from __future__ import annotations

from dataclasses import dataclass, field

from protego import Protego


@dataclass
class RobotsRules:
    """Parsed rules; ``parser`` None means allow everything (missing, 4xx, or unreadable)."""

    parser: Protego | None = None
    sitemaps: list[str] = field(default_factory=list)
    crawl_delay: float | None = None
    note: str = ""

    def allowed(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))


def parse_robots(text: str, user_agent: str, note: str = "") -> RobotsRules:
    parser = Protego.parse(text)
    delay = parser.crawl_delay(user_agent)
    return RobotsRules(
        parser=parser,
        sitemaps=list(parser.sitemaps),
        crawl_delay=float(delay) if delay is not None else None,
        note=note,
    )


def product_token(user_agent: str) -> str:
    """The token robots.txt groups match against: 'govlens' from 'govlens/0.1.0 (+...)'."""
    return user_agent.split("/", 1)[0].split(" ", 1)[0] or user_agent
