"""The ``semantic_match`` detector: page texts close in meaning to a criterion's own description.

Patterns find the words a framework author thought of; a menu item "Ruang Aspirasi Warga" or
"Capaian Kinerja Tahunan" in the other language or in other words is missed. The semantic matcher
(``govlens.semantic``, the optional ``[semantic]`` extra) embeds the site's titles, headings and
link texts with a small bundled multilingual model and keeps those whose calibrated similarity to
the criterion's label and description (English and Indonesian) reaches ``threshold``.

It is a *hint* by default (``role: hint`` in the framework's ``semantic:`` block): similarity is
not evidence that a budget is posted, only a pointer for a reviewer, so on its own it turns a
silent not_met into needs_review and never makes a criterion met. ``govlens evaluate`` measures
what that costs and buys on a labelled corpus. Switch it off with ``--no-semantic`` or
``GOVLENS_SEMANTIC=0``; when the extra is not installed it finds nothing and says so once.
"""

from __future__ import annotations

import logging
import os
import re
from typing import Any

from govlens.assess.detectors import _as_list, _ev, _index, _limit, detector, page_field
from govlens.types import Evidence, PageFacts, SiteFacts

log = logging.getLogger(__name__)

ENV = "GOVLENS_SEMANTIC"  # "0"/"off"/"no" disables; anything else (or unset) enables when installed
_warned: set[str] = set()
_matchers: dict[tuple[str, tuple[str, ...]], Any] = {}


_OFF = {"0", "off", "no", "false"}
_ON = {"", "1", "on", "yes", "true"}


def semantic_enabled() -> bool:
    value = os.environ.get(ENV, "1").strip().lower()
    if value not in _OFF | _ON and value not in _warned:
        _warned.add(value)
        log.warning("%s=%r is neither on (1/on/yes/true) nor off (0/off/no/false); taking it as on", ENV, value)
    return value not in _OFF


def semantic_status() -> str:
    """One line for the CLI and reports: whether the matcher runs, and with which backend."""
    if not semantic_enabled():
        return f"semantic matcher: off ({ENV}=0 or --no-semantic)"
    from govlens.semantic import available_backends

    found = available_backends()
    if not found:
        return "semantic matcher: not installed (pip install 'govlens[semantic]'); patterns decide alone"
    return f"semantic matcher: on ({found[0]})"


def _matcher(backend: str, queries: tuple[str, ...]) -> Any | None:
    """A SemanticMatcher per (backend, criterion sentences), built once per process."""
    key = (backend, queries)
    if key in _matchers:
        return _matchers[key]
    from govlens.semantic import SemanticMatcher, SemanticUnavailable, load_embedder

    try:
        emb = load_embedder(backend)
    except SemanticUnavailable as e:
        if backend not in _warned:
            # not an error: the extra is optional and the CLI already says whether it runs
            _warned.add(backend)
            log.info("%s; the semantic matcher finds nothing", e)
        _matchers[key] = None
        return None
    _matchers[key] = SemanticMatcher(emb, {"q": list(queries)})
    return _matchers[key]


PASSAGES_PER_PAGE = 40
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])|\n+")


def passages(text: str, limit: int = PASSAGES_PER_PAGE) -> list[str]:
    """A page's main text cut into sentences (lines, or full stops before a capital), at most
    ``limit`` of them: the matcher embeds texts of up to 300 characters, so a whole page would be
    reduced to its first lines."""
    out: list[str] = []
    for part in _SENTENCE_END.split(text or ""):
        part = " ".join(part.split())
        if len(part) >= 20:
            out.append(part[:300])
            if len(out) >= limit:
                break
    return out


def _texts(page: PageFacts, f: str) -> list[str]:
    return passages(page.text) if f == "passages" else page_field(page, f)


def _candidates(site: SiteFacts, fields: list[str], min_words: int) -> list[tuple[PageFacts, str, str]]:
    """(page, field, text) of every distinct text in the fields, first page first: a menu on
    every page is scored once. ``passages`` is the main text cut into sentences."""
    ix = _index(site)
    seen: set[str] = set()
    out: list[tuple[PageFacts, str, str]] = []
    for page in ix.pages:
        for f in fields:
            for s in _texts(page, f):
                t = " ".join((s or "").split())
                if not t or t.lower() in seen or ix.words(t) < min_words:
                    continue
                seen.add(t.lower())
                out.append((page, f, t[:300]))
    return out


@detector(
    "semantic_match",
    params=("queries", "threshold", "fields", "min_words", "top_k", "backend"),
)
def semantic_match(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Titles, headings and link texts whose calibrated similarity to the ``queries`` (the
    criterion's label and description, filled in by the framework loader) is at least
    ``threshold`` (0..1, 0.5 = midway between typical unrelated and matching pairs), best
    ``top_k`` first. Finds nothing when the extra is missing or switched off."""
    queries = tuple(str(q) for q in _as_list(params.get("queries")) if q)
    if not queries or not semantic_enabled():
        return []
    matcher = _matcher(str(params.get("backend", "auto")), queries)
    if matcher is None:
        return []
    fields = _as_list(params.get("fields")) or ["title", "headings", "link_text"]
    cands = _candidates(site, fields, int(params.get("min_words", 2)))
    if not cands:
        return []
    threshold = float(params.get("threshold", 0.6))
    best = matcher.best([t for _, _, t in cands], "q", threshold=threshold,
                        top_k=int(params.get("top_k", 3)), calibrated=True)
    evs = []
    for i, score in best:
        page, f, text = cands[i]
        evs.append(_ev(page, text, "semantic_match",
                       f"{f}: similarity {score:.2f} to the criterion (≥ {threshold:.2f}, {matcher.embedder.name})"))
    return _limit(evs, params)
