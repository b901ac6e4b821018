"""What a posted document is, read from its content: law, plan, budget, report, survey, decision.

A link called "Dokumen 2" may lead to the performance report and a link called "Renstra" to a
scanned invitation; the criteria that ask for a kind of document (E1, E3, E4, A2, A3, E5) are
answered better by what the file says about itself than by its anchor text. The kinds and their
patterns are data (``data/document_kinds.yaml``); this module only scores them, so a new kind or
language is a YAML change.

Scoring by zone (why: a performance report *cites* regulations in its preamble, and a budget
realisation report names the budget it realises, so "the words appear somewhere" is not enough):
a pattern scores the weight of the most telling zone it appears in: the document's own title (4),
the link's anchor text or file name (3), the first 600 characters (2), the next 8,000
characters (1). The kind with the highest total of at least ``min_score`` wins.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from govlens.extract._data import load
from govlens.extract.documents import find_years

LEAD_CHARS = 600
BODY_CHARS = 8_000
ZONE_WEIGHTS = {"title": 4, "name": 3, "lead": 2, "body": 1}

# "Nomor 12 Tahun 2021", "No. 470/125/Disdukcapil/2023", "Act No. 5 of 2020"
_NUMBER_TAHUN = re.compile(r"\b(?:nomor|no\.?)\s*:?\s*(\d[\w./-]{0,40}?)\s+tahun\s+((?:19|20)\d{2})\b", re.I)
_NUMBER_SLASH_YEAR = re.compile(r"\b(?:nomor|no\.?)\s*:?\s*(\d+(?:/[\w.-]+)*/((?:19|20)\d{2}))\b", re.I)
_NUMBER_OF = re.compile(r"\b(?:no\.?|number)\s*(\d+)\s+of\s+((?:19|20)\d{2})\b", re.I)


@dataclass(frozen=True)
class Kind:
    name: str
    label_en: str
    label_id: str
    patterns: tuple[re.Pattern[str], ...]
    overrides: tuple[str, ...] = ()


@dataclass
class DocumentClass:
    """The kind a document was typed as, and the passage that shows it."""

    kind: str  # a key of document_kinds.yaml, or "other"
    score: int = 0
    signals: list[str] = field(default_factory=list)  # "title: Laporan Kinerja", "lead: nomor 5 tahun 2022"
    number: str = ""  # a regulation's or decision's number, as written
    year: int | None = None  # the year of that number ("Nomor 12 Tahun 2021" → 2021)
    years: list[int] = field(default_factory=list)  # years the title and lead are about
    periods: list[str] = field(default_factory=list)  # "2021-2026" as written
    passage: str = ""  # the strongest matching passage, for evidence


@cache
def kinds() -> tuple[tuple[Kind, ...], int]:
    """The kinds in priority order and the minimum score, compiled once per process."""
    data: dict[str, Any] = load("document_kinds.yaml")
    out: list[Kind] = []
    for name, spec in (data.get("kinds") or {}).items():
        label = spec.get("label") or {}
        # zones are lower-cased once, so patterns (lower-case in the YAML) run without IGNORECASE,
        # which costs Python's re a multiple of the time on long bodies
        pats = tuple(re.compile(rf"(?<![^\W_])(?:{p.lower()})(?![^\W_])") for p in spec.get("patterns") or [])
        out.append(
            Kind(name, label.get("en", name), label.get("id", name), pats, tuple(spec.get("overrides") or ()))
        )
    return tuple(out), int(data.get("min_score", 3))


def kind_label(name: str, lang: str = "en") -> str:
    for k in kinds()[0]:
        if k.name == name:
            return k.label_id if lang == "id" else k.label_en
    return {"en": "Other document", "id": "Dokumen lain"}["id" if lang == "id" else "en"]


def _fold(s: str) -> str:
    """Lower case without diacritics, so "İSTANBUL" and "KİNERJA" meet lower-case patterns."""
    if s.isascii():
        return s.lower()
    decomposed = unicodedata.normalize("NFKD", s)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _collapse(s: str) -> str:
    return re.sub(r"\s+", " ", s or "").strip()


def regulation_number(*texts: str) -> tuple[str, int | None]:
    """The first "Nomor … Tahun …" (or "No. 470/…/2023", "No. 5 of 2020") in the texts."""
    for text in texts:
        if not text:
            continue
        for rx in (_NUMBER_TAHUN, _NUMBER_OF):
            m = rx.search(text)
            if m:
                return m.group(1).rstrip("./-"), int(m.group(2))
        m = _NUMBER_SLASH_YEAR.search(text)
        if m:
            return m.group(1), int(m.group(2))
    return "", None


def classify_document(title: str, text: str, anchor: str = "", filename: str = "") -> DocumentClass:
    """Type a document by its title, its opening, the link that points at it and its file name.

    With no text (a file the crawl did not keep, or a scan without a text layer) the title zones
    alone decide, which is what a coder reading the link would do; the result says so through
    its ``signals``.
    """
    title = _collapse(title)[:500]
    body = _collapse(text)
    lead, rest = body[:LEAD_CHARS], body[LEAD_CHARS:BODY_CHARS]
    name = _collapse(f"{anchor} {re.sub(r'[-_+.%]+', ' ', filename)}")
    zones = [(z, t, _fold(t)) for z, t in (("title", title), ("name", name), ("lead", lead), ("body", rest))]
    all_kinds, min_score = kinds()
    scores: dict[str, int] = {}
    in_content: dict[str, bool] = {}  # found in the file itself, not only in the link
    found: dict[str, list[tuple[int, str, str]]] = {}
    for kind in all_kinds:
        total = 0
        hits: list[tuple[int, str, str]] = []
        content = False
        for rx in kind.patterns:
            best_hit: tuple[int, str, str] | None = None
            for zone, orig, low in zones:
                m = rx.search(low) if low else None
                if not m:
                    continue
                content = content or zone != "name"
                if best_hit is None:  # zones are in weight order: the first hit is the most telling
                    # folding keeps positions except for a few letters (İ): then quote the folded text
                    s_ = orig if len(orig) == len(low) else low
                    a, b = max(0, m.start() - 60), min(len(s_), m.end() + 100)
                    best_hit = (ZONE_WEIGHTS[zone], f"{zone}: {s_[m.start() : m.end()]}", s_[a:b])
                if content:
                    break  # scored, and known to be in the file itself: the other zones add nothing
            if best_hit is not None:
                total += best_hit[0]
                hits.append(best_hit)
        scores[kind.name] = total
        in_content[kind.name] = content
        found[kind.name] = sorted(hits, key=lambda h: -h[0])
    for kind in all_kinds:
        if any(w >= ZONE_WEIGHTS["lead"] for w, _, _ in found[kind.name]):
            for other in kind.overrides:
                scores[other] = 0
    if title or body:
        # the file was read: what it says decides, the link only adds weight. A link called
        # "Renstra" to a meeting invitation is not a strategic plan; a Renstra whose cover says
        # "RENCANA STRATEGIS" under the city's name is one, by its lead and its link together.
        for kind in all_kinds:
            if not in_content[kind.name]:
                scores[kind.name] = 0
    # ties: the kind with the most telling single hit (a title hit beats two lead hits), then the
    # order of the YAML
    best = (
        max(all_kinds, key=lambda k: (scores[k.name], found[k.name][0][0] if found[k.name] else 0))
        if all_kinds
        else None
    )
    # the years a document is *about*: its title and link first; its opening only when they name
    # none (a report's preamble cites the plan period and the regulations it follows)
    years, periods = find_years(title, anchor, filename)
    if not years:
        years, periods = find_years(lead)
    if best is None or scores[best.name] < min_score:
        return DocumentClass("other", years=years, periods=periods)
    hits = found[best.name]
    number, year = (
        regulation_number(title, lead, anchor) if best.name in ("law", "court_decision") else ("", None)
    )
    return DocumentClass(
        kind=best.name,
        score=scores[best.name],
        signals=[h[1] for h in hits[:4]],
        number=number,
        year=year,
        years=years,
        periods=periods,
        passage=_collapse(hits[0][2])[:300] if hits else "",
    )
