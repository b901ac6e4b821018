"""Detectors: small, named functions that look for one kind of evidence in a site's facts.

A framework file names detectors and gives them parameters (the patterns, the fields to search);
the detector itself knows nothing about Nath, Cilegon or any particular site. That split is what
lets a second framework (LOSI, a city's own checklist) reuse the same code, and what keeps the
rules honest: everything site- or language-specific lives in YAML where a reviewer can read it.

Every detector has the signature ``(site: SiteFacts, params: dict) -> list[Evidence]``; an empty
list means "nothing seen", never "not applicable". Detectors that can decide without any page
(``official_domain`` judges the site's address) are registered with ``needs_pages=False`` so the
engine can still use them when a scan failed.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import unquote_plus, urlsplit

from govlens.extract.site import is_broken
from govlens.types import Document, Evidence, Link, LinkKind, PageFacts, SiteFacts, SocialChannel

DetectorFn = Callable[[SiteFacts, dict[str, Any]], list[Evidence]]

SNIPPET_MAX = 300
DEFAULT_MAX_EVIDENCE = 5

# parameters every detector accepts
_COMMON_PARAMS = frozenset({"max_evidence", "note"})


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector plus what the engine needs to know about it."""

    name: str
    fn: DetectorFn
    needs_pages: bool
    params: frozenset[str]
    doc: str

    def __call__(self, site: SiteFacts, params: dict[str, Any] | None = None) -> list[Evidence]:
        # a detector called on its own (tests, the CLI) still shares one SiteIndex between the
        # detectors it calls itself (poll → forms, link_patterns, text_patterns)
        with indexed(site):
            return self.fn(site, dict(params or {}))


REGISTRY: dict[str, DetectorSpec] = {}


def detector(
    name: str, *, needs_pages: bool = True, params: Iterable[str] = ()
) -> Callable[[DetectorFn], DetectorFn]:
    """Register a detector under ``name``; ``params`` lists the parameter names it understands so a
    misspelt key in a framework file is reported at load time instead of being silently ignored."""

    def wrap(fn: DetectorFn) -> DetectorFn:
        if name in REGISTRY:
            raise ValueError(f"detector {name!r} registered twice")
        REGISTRY[name] = DetectorSpec(
            name=name,
            fn=fn,
            needs_pages=needs_pages,
            params=frozenset(params) | _COMMON_PARAMS,
            doc=(fn.__doc__ or "").strip(),
        )
        return fn

    return wrap


def check_params(name: str, params: dict[str, Any]) -> list[str]:
    """Problems with a detector use's parameters (unknown keys, patterns that do not compile)."""
    spec = REGISTRY.get(name)
    if spec is None:
        return [f"unknown detector {name!r}"]
    problems = [
        f"detector {name!r}: unknown parameter {k!r} (known: {', '.join(sorted(spec.params))})"
        for k in params
        if k not in spec.params
    ]
    for k, v in params.items():
        for pat in _as_list(v) if _is_pattern_param(k) else []:
            try:
                re.compile(str(pat))
            except re.error as e:
                problems.append(f"detector {name!r}: parameter {k!r}: bad pattern {pat!r}: {e}")
    return problems


def _is_pattern_param(key: str) -> bool:
    return key in {
        "patterns", "exclude", "near", "text", "url", "also", "submit_text", "submit_url",
        "followup", "national", "post_patterns", "section_patterns", "result_patterns",
        "form_text", "not_name_words", "national_text", "extra_suffixes",
    }  # fmt: skip


_URL_PARAMS = frozenset({"url", "submit_url", "national"})  # matched without word boundaries


# --------------------------------------------------------------------------- helpers


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, list | tuple | set):
        return list(v)
    return [v]


_RX_FLAGS = re.IGNORECASE | re.UNICODE


@lru_cache(maxsize=4096)
def _compile(patterns: tuple[str, ...], word_boundary: bool) -> re.Pattern[str] | None:
    """One case-insensitive alternation; word boundaries by default so 'RKA' does not fire inside
    'markas' and 'SOP' not inside 'philosophy'. Lookarounds (not ``\\b``) so a pattern may start
    or end with punctuation.

    The lookarounds are written once around the whole alternation, ``(?<!\\w)(?:a|b)(?!\\w)``,
    not once per pattern: the engine tries the alternatives in the same order and backtracks the
    same way, so every match (start, end, text) is the one ``(?<!\\w)(?:a)(?!\\w)|(?<!\\w)(?:b)(?!\\w)``
    finds, but the lookbehind is checked once per position instead of once per pattern, which
    halves the scan time of long texts. That holds only when each pattern is a regex of its own
    (``a)|(b`` is not), so anything else, or anything the factored form fails on, is compiled
    the per-pattern way, which also raises exactly the error it always raised."""
    if not patterns:
        return None
    if word_boundary:
        if all(_self_contained(p) for p in patterns):
            try:
                return re.compile(
                    "(?<!\\w)(?:" + "|".join(f"(?:{p})" for p in patterns) + ")(?!\\w)", _RX_FLAGS
                )
            except re.error:
                pass
        body = "|".join(f"(?<!\\w)(?:{p})(?!\\w)" for p in patterns)
    else:
        body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(body, _RX_FLAGS)


def _self_contained(pattern: str) -> bool:
    """Whether ``pattern`` parses on its own, i.e. ``(?:pattern)`` is one group and not a
    splice like ``a)|(b`` that only parses inside a larger expression. (A pattern that parses but
    does not compile fails the same way inside the alternation, which then raises as before.)"""
    return _parsed(pattern) is not None


@lru_cache(maxsize=4096)
def _parsed(pattern: str) -> list[tuple[Any, Any]] | None:
    """The stdlib parser's reading of one pattern (``re._parser``, what ``re.compile`` itself
    parses with), or None when it does not parse."""
    try:
        from re import _parser

        return list(_parser.parse(pattern, _RX_FLAGS).data)
    except Exception:
        return None


def _rx(params: dict[str, Any], key: str, word_boundary: bool = True) -> re.Pattern[str] | None:
    return _compile(tuple(str(p) for p in _as_list(params.get(key))), word_boundary)


def _rx_heads(params: dict[str, Any], key: str) -> re.Pattern[str] | None:
    """``_heads`` of the patterns ``_rx(params, key)`` compiles (the same with or without word
    boundaries: the lookarounds consume nothing)."""
    return _heads(tuple(str(p) for p in _as_list(params.get(key))))


# --------------------------------------------------------------------------- literal pre-check
#
# Python's re cannot skip ahead for a case-insensitive pattern that starts with a letter: it tries
# every alternative at every position, ~30 ms per framework pattern over the corpus' page texts.
# Most patterns start with a word ('anggaran', 'budget\s+book'), and a match must contain that
# word; plain substring search on a case-folded copy of the text is ~50x cheaper than the regex.
# So when no pattern's leading word occurs in a string, the regex is not run: it could not have
# matched. When one occurs, the regex runs as before, so a false alarm costs nothing but time.

_FOLD_EXTRA = (("ı", "i"), ("ſ", "s"))  # re.IGNORECASE equates them with i, s; str.lower() leaves them


def fold(s: str) -> str:
    """``s`` with every character that ``re.IGNORECASE`` takes for an ASCII character replaced by
    that character in lower case, other characters as ``str.lower`` leaves them. İ becomes 'i'
    (``lower`` would add a combining dot); K (Kelvin) becomes 'k' through ``lower``; ı and ſ,
    which ``lower`` keeps, become 'i' and 's'. A test checks this against ``re`` itself over every
    code point, so that 'contains a fold of the literal' is never false when the regex matches."""
    if "İ" in s:
        s = s.replace("İ", "i")
    s = s.lower()
    for a, b in _FOLD_EXTRA:
        if a in s:
            s = s.replace(a, b)
    return s


@lru_cache(maxsize=4096)
def _heads(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """A case-sensitive regex of lower-case ASCII strings at least one of which every match of
    every pattern contains, to be searched in ``fold(text)``: the literal beginnings of the
    patterns' alternatives ('ren' for 'renja|renstra'; 'adopted', 'approved' for
    '(?:adopted|approved)\\s+budget'; 'jdih', '//jdih', '.jdih' for '(?:^|//|\\.)jdih').
    None when some alternative has no literal beginning (it starts with a class, ``\\w+``...) or
    the patterns cannot be read: then the regex always runs."""
    if not patterns or not all(_self_contained(p) for p in patterns):
        return None
    out: list[str] = []
    try:
        for p in patterns:
            hs = _literal_heads(_parsed(p) or [], "", 0)
            if hs is None or not all(hs):
                return None
            out += hs
    except Exception:
        return None
    uniq = list(dict.fromkeys(h.lower() for h in out))
    if len(uniq) > 256:
        return None
    return re.compile("|".join(re.escape(h) for h in sorted(uniq, key=len)))


_MAX_HEADS = 64


def _literal_heads(items: list[tuple[Any, Any]], acc: str, depth: int) -> list[str] | None:
    """The literal ASCII beginnings of the parsed sequence ``items`` preceded by ``acc`` (see
    ``_heads``): every way of matching ``items`` starts with one of them. Zero-width items
    (lookarounds, anchors) are stepped over, since they consume nothing; a group or alternation
    is followed into each alternative with the rest of the sequence; an optional part either is
    taken or is not. Anything else (a class, ``.``, ``\\w+``, a non-ASCII letter) ends the
    beginning found so far, or, before any, is stepped over: the rest of the sequence still has
    to match after it. [""] means nothing is known."""
    from re import _constants as c

    if depth > 20:
        return [acc]
    i = 0
    while i < len(items):
        op, av = items[i]
        if op is c.LITERAL and av < 128:
            acc += chr(av)
            i += 1
            continue
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            i += 1
            continue
        rest = items[i + 1 :]
        options: list[list[tuple[Any, Any]]] | None = None
        if op is c.SUBPATTERN:
            options = [list(av[3].data) + rest]
        elif op is c.BRANCH:
            options = [list(alt.data) + rest for alt in av[1]]
        elif op is c.IN and all(o is c.LITERAL and a < 128 for o, a in av):
            options = [[(c.LITERAL, a), *rest] for _, a in av]
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
            lo, _, body = av
            # one or more turns begin with the body (what follows it is not followed further)
            options = [list(body.data)] if lo else [list(body.data), rest]
        if options is None:
            if acc:
                break
            # nothing literal yet ('\\w+\\s+(?:act|code)'): what follows must still match, right
            # after whatever this item consumed, so its beginnings are still necessary
            i += 1
            continue
        found: list[str] = []
        for opt in options:
            hs = _literal_heads(opt, acc, depth + 1)
            if hs is None or len(found) + len(hs) > _MAX_HEADS:
                return [acc]
            found += hs
        if all(found) or acc:
            return found
        # some way through this item shows no literal: step over it as over a class
        i += 1
    return [acc]


_WS = re.compile(r"\s+")


def _clean(s: str) -> str:
    return _WS.sub(" ", s or "").strip()


def snippet_around(text: str, start: int, end: int, window: int = 120) -> str:
    """A passage around a match, cut at word boundaries, at most SNIPPET_MAX characters."""
    a = max(0, start - window)
    b = min(len(text), end + window)
    if a > 0:
        sp = text.find(" ", a, start)
        a = sp + 1 if sp != -1 else a
    if b < len(text):
        sp = text.rfind(" ", end, b)
        b = sp if sp != -1 else b
    s = _clean(text[a:b])
    if len(s) > SNIPPET_MAX:
        s = s[: SNIPPET_MAX - 1] + "…"
    return s


def _short(s: str) -> str:
    s = _clean(s)
    return s if len(s) <= SNIPPET_MAX else s[: SNIPPET_MAX - 1] + "…"


def content_pages(site: SiteFacts) -> list[PageFacts]:
    """Pages whose content is evidence: HTML answered with success, not soft-404 error pages."""
    out = []
    for p in site.pages:
        if not p.is_html or p.soft_404:
            continue
        if p.status is not None and not (200 <= p.status < 400):
            continue
        out.append(p)
    return out


# --------------------------------------------------------------------------- per-site index


class SiteIndex:
    """What the ~50 detector uses of one assessment would otherwise each recompute from the same
    site: the content pages, every link with its decoded target, and the answer a regex already
    gave for a string. Menus repeat on every page, so the same anchor text is put to the same
    pattern again and again; the answer is a pure function of (pattern, string), so remembering it
    changes nothing but the time.

    ``assess_site`` (and ``DetectorSpec.__call__``) build one per site and activate it with
    ``indexed`` for that run only; a detector asked about another site, or called outside such a
    run, gets a fresh one (``_index``). Nothing outlives the facts it was built from, so a caller
    that edits a SiteFacts between two calls still gets fresh answers."""

    __slots__ = (
        "_basenames",
        "_channels",
        "_docs",
        "_folded",
        "_groups",
        "_hits",
        "_links",
        "_pages",
        "_texts",
        "_words",
        "site",
    )

    def __init__(self, site: SiteFacts, pages: list[PageFacts] | None = None) -> None:
        self.site = site
        self._pages = pages
        self._links: list[tuple[PageFacts, Link, str, str]] | None = None
        self._hits: dict[re.Pattern[str], dict[str, bool]] = {}
        self._basenames: dict[str, str] = {}
        self._words: dict[str, int] = {}
        self._channels: list[tuple[PageFacts, SocialChannel]] | None = None
        self._texts: dict[tuple[Any, ...], dict[str, list[tuple[str, str]]]] = {}
        self._groups: dict[tuple[frozenset[Any], frozenset[Any], bool], list[tuple[str, str, list[int]]]] = {}
        self._folded: dict[str, str] = {}
        self._docs: dict[str, Document] | None = None

    @property
    def documents(self) -> dict[str, Document]:
        """Every linked document of the content pages by URL; when several pages link the same
        file, the entry whose target was read wins (they share the target, not the anchor)."""
        if self._docs is None:
            docs: dict[str, Document] = {}
            for page in self.pages:
                for d in page.documents:
                    old = docs.get(d.url)
                    if old is None or (old.kind_source != "content" and d.kind_source == "content"):
                        docs[d.url] = d
            self._docs = docs
        return self._docs

    @property
    def pages(self) -> list[PageFacts]:
        """``content_pages(site)``, computed once."""
        if self._pages is None:
            self._pages = content_pages(self.site)
        return self._pages

    @property
    def links(self) -> list[tuple[PageFacts, Link, str, str]]:
        """(page, link, anchor text or "", decoded target) for every link of every content page,
        in page and document order: what ``_link_matches`` reads, decoded once per site."""
        if self._links is None:
            self._links = [
                (page, lk, lk.text or "", unquote_plus(lk.url or lk.raw_href or ""))
                for page in self.pages
                for lk in page.links
            ]
        return self._links

    def link_groups(
        self, kinds: frozenset[Any], regions: frozenset[Any], include_noop: bool
    ) -> list[tuple[str, str, list[int]]]:
        """The links ``_iter_links`` keeps for these filters, grouped by (anchor text, decoded
        target): (text, href, positions in ``links``), groups in order of first appearance.
        A menu link on ten pages is one group, so a detector decides it once, and in the order
        the per-link code first met it."""
        key = (kinds, regions, include_noop)
        groups = self._groups.get(key)
        if groups is None:
            by_key: dict[tuple[str, str], list[int]] = {}
            for i, (_, lk, text, href) in enumerate(self.links):
                if kinds and lk.kind not in kinds:
                    continue
                if regions and lk.region not in regions:
                    continue
                if lk.kind == LinkKind.NOOP and not include_noop:
                    continue
                by_key.setdefault((text, href), []).append(i)
            groups = self._groups[key] = [(t, h, pos) for (t, h), pos in by_key.items()]
        return groups

    def folded(self, s: str) -> str:
        """``fold(s)``, once per string for all the patterns asked about it."""
        f = self._folded.get(s)
        if f is None:
            f = self._folded[s] = fold(s)
        return f

    def may_match(self, heads: re.Pattern[str] | None, s: str) -> bool:
        """False only when no head occurs in the folded ``s``, i.e. the regex cannot match it."""
        return heads is None or heads.search(self.folded(s)) is not None

    def hits(self, rx: re.Pattern[str]) -> dict[str, bool]:
        """The memo of ``rx.search(s) is not None`` by ``s``, shared by every use of ``rx``."""
        memo = self._hits.get(rx)
        if memo is None:
            memo = self._hits[rx] = {}
        return memo

    def basename(self, href: str) -> str:
        """``_basename(href)``, remembered; an href it raises on is not remembered, so it raises
        again wherever the uncached code would have."""
        b = self._basenames.get(href)
        if b is None:
            b = self._basenames[href] = _basename(href)
        return b

    def words(self, text: str | None) -> int:
        """``_words(text)``, remembered."""
        key = text or ""
        n = self._words.get(key)
        if n is None:
            n = self._words[key] = _words(key)
        return n

    def text_memo(self, key: tuple[Any, ...]) -> dict[str, list[tuple[str, str]]]:
        """Accepted ``text_patterns`` matches (snippet, matched text) by string, for one pattern
        set: headings and link texts repeat on every page."""
        memo = self._texts.get(key)
        if memo is None:
            memo = self._texts[key] = {}
        return memo


_ACTIVE: ContextVar[SiteIndex | None] = ContextVar("govlens_site_index", default=None)


@contextmanager
def indexed(site: SiteFacts, pages: list[PageFacts] | None = None) -> Iterator[SiteIndex]:
    """Make one SiteIndex of ``site`` the one detectors use until the block ends (an index of the
    same site already active is reused). ``pages``: ``content_pages(site)`` if the caller has it."""
    cur = _ACTIVE.get()
    if cur is not None and cur.site is site:
        yield cur
        return
    ix = SiteIndex(site, pages)
    token = _ACTIVE.set(ix)
    try:
        yield ix
    finally:
        _ACTIVE.reset(token)


def _index(site: SiteFacts) -> SiteIndex:
    """The active index of ``site``, or a fresh one used by this call only."""
    ix = _ACTIVE.get()
    if ix is not None and ix.site is site:
        return ix
    return SiteIndex(site)


def _ev(page: PageFacts, snippet: str, name: str, detail: str) -> Evidence:
    return Evidence(
        url=page.url,
        warc_record_id=page.record_id,
        warc_file=page.warc_file,
        snippet=_short(snippet),
        detector=name,
        detail=detail,
    )


def _limit(evs: list[Evidence], params: dict[str, Any]) -> list[Evidence]:
    """Drop duplicate passages (the same menu on every page) and keep the first few."""
    seen: set[tuple[str, str]] = set()
    out: list[Evidence] = []
    for e in evs:
        key = (e.snippet.lower(), e.detail)
        if key in seen:
            continue
        seen.add(key)
        out.append(e)
    return out[: int(params.get("max_evidence", DEFAULT_MAX_EVIDENCE))]


FIELDS = (
    "title", "headings", "link_text", "link_url", "text", "full_text",
    "document_text", "document_url", "form_text", "same_as",
)  # fmt: skip


def page_field(page: PageFacts, field: str) -> list[str]:
    """The strings of one searchable field of a page."""
    if field == "title":
        return [page.title] if page.title else []
    if field == "headings":
        return list(page.headings)
    if field == "link_text":
        return [lk.text for lk in page.links if lk.text]
    if field == "link_url":
        return [lk.url or lk.raw_href for lk in page.links if lk.url or lk.raw_href]
    if field == "text":
        return [page.text] if page.text else []
    if field == "full_text":
        return [page.full_text] if page.full_text else []
    if field == "document_text":
        return [d.text for d in page.documents if d.text]
    if field == "document_url":
        return [d.url for d in page.documents]
    if field == "form_text":
        return [_clean(" ".join([f.text, *f.fields])) for f in page.forms]
    if field == "same_as":
        return list(page.jsonld_same_as)
    raise ValueError(f"unknown field {field!r} (known: {', '.join(FIELDS)})")


_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-–/]\s*((?:19|20)?\d{2})(?!\d)")


def years_in(s: str) -> set[int]:
    """Years named in a title or URL, with ranges ('2015-2019', 'FY 2017-18') expanded to both
    ends so a multi-year series counts as comparing periods."""
    ys = {int(y) for y in _YEAR.findall(s or "")}
    for a, b in _YEAR_RANGE.findall(s or ""):
        ya = int(a)
        yb = int(b) if len(b) == 4 else (ya // 100) * 100 + int(b)
        if 1980 <= yb <= 2049 and yb > ya:
            ys.update({ya, yb})
    return ys


def _link_is_live(site: SiteFacts, url: str) -> bool:
    """False when the archive shows the target gone: a failed fetch, or an HTML error page
    answering a document link. A target the archive never fetched is not known dead (a partial
    copy such as the corpus, a page budget reached)."""
    doc = _index(site).documents.get(url)
    if doc is not None and doc.target in DEAD_TARGETS:
        return False
    lc = site.link_checks.get(url)
    return lc is None or not is_broken(lc)


DEAD_TARGETS = frozenset({"missing", "error_page"})


def _doc_kinds(params: dict[str, Any]) -> frozenset[str]:
    return frozenset(_as_list(params.get("doc_kinds")))


def _read_as_other_kind(doc: Document | None, kinds: frozenset[str]) -> bool:
    """The document was opened and is not what the criterion asks for: a link called "Renstra"
    to a meeting invitation is no strategic plan, whatever its anchor says. A document read as
    "other" vetoes only when there was enough of it to read (a title of its own or a paragraph of
    text): a scan with no text layer, or a two-word cover page, cannot contradict its link."""
    if not kinds or doc is None or doc.kind_source != "content" or doc.kind in kinds:
        return False
    if doc.kind == "other":
        return bool(doc.content_title) and doc.content_chars >= OTHER_VETO_CHARS
    return True


# a document typed "other" must have this much text before it can contradict its link
OTHER_VETO_CHARS = 100


def _doc_evidence(doc: Document, name: str) -> Evidence:
    """Evidence from inside a document that was read: its own record and the passage that typed it."""
    what = doc.kind
    if doc.number:
        what += f" no. {doc.number}" + (f" ({doc.number_year})" if doc.number_year else "")
    years = f"; about {','.join(map(str, doc.years))}" if doc.years else ""
    title = doc.content_title or doc.text or doc.url
    passage = doc.kind_passage
    snippet = (
        title
        if not passage
        or passage.lower() in title.lower()
        or title.lower() in passage.lower()[: len(title) + 5]
        else f"{title} — {passage}"
    )
    return Evidence(
        url=doc.url,
        warc_record_id=doc.target_record_id,
        warc_file=doc.target_warc_file,
        snippet=_short(snippet),
        detector=name,
        detail=f"document read ({doc.file_type}): {what}, by {', '.join(doc.kind_signals[:2])}{years}",
    )


def _basename(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.rstrip("/").rsplit("/", 1)[-1] + ("?" + parts.query if parts.query else "")


def _words(s: str) -> int:
    return len(re.findall(r"[^\W_]+", s or ""))


# --------------------------------------------------------------------------- text


@detector(
    "text_patterns",
    params=(
        "patterns",
        "fields",
        "exclude",
        "near",
        "near_window",
        "word_boundary",
        "min_matches",
        "min_pages",
    ),
)
def text_patterns(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Passages matching any of ``patterns`` in the chosen fields (default: main text, headings,
    title). ``exclude`` vetoes a match whose surrounding passage matches it (a training notice is
    not a hazard warning); ``near`` demands a second pattern within ``near_window`` characters
    (a budget word near an amount). ``min_matches`` distinct passages and ``min_pages`` distinct
    pages are needed before anything is returned, so one stray word is not evidence."""
    rx = _rx(params, "patterns", params.get("word_boundary", True))
    if rx is None:
        return []
    ex = _rx(params, "exclude")
    near = _rx(params, "near")
    window = int(params.get("near_window", 80))
    fields = _as_list(params.get("fields")) or ["text", "headings", "title"]
    ix = _index(site)
    # the same heading or menu text on every page: its accepted matches are worked out once
    memo = ix.text_memo(("text_patterns", rx, ex, near, window))
    heads = _rx_heads(params, "patterns")
    stop = _Enough(params, "min_matches", "min_pages") if all(f in FIELDS for f in fields) else None
    evs: list[Evidence] = []
    pages: set[str] = set()
    for page in ix.pages:
        for field in fields:
            for s in page_field(page, field):
                found = memo.get(s)
                if found is None:
                    found = memo[s] = _text_matches(s, rx, ex, near, window) if ix.may_match(heads, s) else []
                for snip, matched in found:
                    e = _ev(page, snip, "text_patterns", f"{field}: /{matched}/")
                    evs.append(e)
                    pages.add(page.url)
                    if stop is not None and stop.add(e, page.url):
                        return _limit(evs, params)
    distinct = {e.snippet.lower() for e in evs}
    if len(distinct) < int(params.get("min_matches", 1)) or len(pages) < int(params.get("min_pages", 1)):
        return []
    return _limit(evs, params)


def _text_matches(
    s: str, rx: re.Pattern[str], ex: re.Pattern[str] | None, near: re.Pattern[str] | None, window: int
) -> list[tuple[str, str]]:
    """(snippet, matched text) of every match of ``rx`` in ``s`` that ``exclude`` does not veto
    and, with ``near``, that has a ``near`` match within ``window`` characters."""
    out: list[tuple[str, str]] = []
    for m in rx.finditer(s):
        snip = snippet_around(s, m.start(), m.end())
        if ex is not None and ex.search(snip):
            continue
        if near is not None:
            ctx = s[max(0, m.start() - window) : m.end() + window]
            if not near.search(ctx):
                continue
        out.append((snip, m.group(0)))
    return out


class _Enough:
    """Says when a detector that ends in ``_limit(evs, params)`` behind count gates has seen
    enough: once ``max_evidence`` distinct (passage, detail) items are in hand and the gates
    (``min_matches`` distinct passages, ``min_pages`` pages) are passed, later matches can only
    land behind the cut ``_limit`` makes, so the answer is already fixed. Stopping there is what
    makes a page-heavy site cheap when the evidence is in its menu.

    Only for positive, well-formed parameters; otherwise ``add`` never says stop and the detector
    runs to the end as it always did (and fails where it always failed)."""

    __slots__ = ("cap", "keys", "min_matches", "min_pages", "pages", "snips")

    def __init__(
        self, params: dict[str, Any], matches_key: str | None = None, pages_key: str | None = None
    ) -> None:
        try:
            self.cap = int(params.get("max_evidence", DEFAULT_MAX_EVIDENCE))
            self.min_matches = int(params.get(matches_key, 1)) if matches_key else 0
            self.min_pages = int(params.get(pages_key, 1)) if pages_key else 0
        except (TypeError, ValueError):
            self.cap = 0
        self.keys: set[tuple[str, str]] = set()
        self.snips: set[str] = set()
        self.pages: set[str] = set()

    def add(self, e: Evidence, page_url: str) -> bool:
        """Record one more item; True when nothing after it can change the result."""
        if self.cap <= 0:
            return False
        low = e.snippet.lower()
        self.keys.add((low, e.detail))
        self.snips.add(low)
        self.pages.add(page_url)
        return (
            len(self.keys) >= self.cap
            and len(self.snips) >= self.min_matches
            and len(self.pages) >= self.min_pages
        )


# --------------------------------------------------------------------------- links and documents


def _iter_links(site: SiteFacts, params: dict[str, Any]) -> Iterator[tuple[PageFacts, Link]]:
    kinds = set(_as_list(params.get("kinds")))
    regions = set(_as_list(params.get("regions")))
    for page in content_pages(site):
        for lk in page.links:
            if kinds and lk.kind not in kinds:
                continue
            if regions and lk.region not in regions:
                continue
            if lk.kind == LinkKind.NOOP and not params.get("include_noop", False):
                # CODING.md: a title with no link behind it is not a posted document
                continue
            yield page, lk


def _parts_match(mode: Any, t_hit: bool, u_hit: bool) -> bool:
    """``match``: either | text | url | both of the anchor text and the target must have matched."""
    if mode == "text":
        return t_hit
    if mode == "url":
        return u_hit
    if mode == "both":
        return t_hit and u_hit
    return t_hit or u_hit


def _link_matches(lk: Link, params: dict[str, Any]) -> str | None:
    """Which part of a link matched ('text', 'url', 'text+url'), or None."""
    trx = _rx(params, "text")
    urx = _rx(params, "url", word_boundary=False)
    href = unquote_plus(lk.url or lk.raw_href or "")
    t_hit = bool(trx and trx.search(lk.text or ""))
    u_hit = bool(urx and urx.search(href or ""))
    if not _parts_match(params.get("match", "either"), t_hit, u_hit):
        return None
    also = _rx(params, "also")
    # the second condition is read on the anchor and the file name only: upload folders
    # ("/uploads/2019/05/") carry years that say nothing about the document
    if also is not None and not (also.search(lk.text or "") or also.search(_basename(href))):
        return None
    ex = _rx(params, "exclude")
    if ex is not None and ex.search(lk.text or ""):
        return None
    if _words(lk.text) < int(params.get("min_words", 0)) and not u_hit:
        return None
    return "+".join(p for p, hit in (("text", t_hit), ("url", u_hit)) if hit)


def _memo_search(
    memo: dict[str, bool], rx: re.Pattern[str], s: str, ix: SiteIndex, heads: re.Pattern[str] | None
) -> bool:
    """``rx.search(s) is not None``, remembered in ``memo``; not run when ``heads`` show it
    cannot match."""
    hit = memo.get(s)
    if hit is None:
        hit = memo[s] = ix.may_match(heads, s) and rx.search(s) is not None
    return hit


@dataclass(frozen=True)
class _LinkRule:
    """``_link_matches`` with its parameters read and compiled once per detector call, not once
    per link (the profile's 750k ``_rx`` look-ups), and its regex answers remembered per site."""

    text: re.Pattern[str] | None
    url: re.Pattern[str] | None
    also: re.Pattern[str] | None
    exclude: re.Pattern[str] | None
    mode: Any
    min_words: int
    heads: tuple[re.Pattern[str] | None, ...] = (None, None, None, None)  # of text, url, also, exclude

    @classmethod
    def of(cls, params: dict[str, Any]) -> _LinkRule | None:
        """None when a parameter does not compile or convert: the caller then runs
        ``_link_matches`` per link, which fails (or, with no link to read, does not) exactly
        where it always did."""
        try:
            return cls(
                text=_rx(params, "text"),
                url=_rx(params, "url", word_boundary=False),
                also=_rx(params, "also"),
                exclude=_rx(params, "exclude"),
                mode=params.get("match", "either"),
                min_words=int(params.get("min_words", 0)),
                heads=tuple(_rx_heads(params, k) for k in ("text", "url", "also", "exclude")),
            )
        except Exception:
            return None

    def matcher(self, ix: SiteIndex) -> Callable[[str, str], str | None]:
        """``part(text, href)``: what ``_link_matches`` returns for a link with anchor ``text``
        (``lk.text or ""``) and decoded target ``href``, remembered per (text, href) pair for
        this call; the regex answers are remembered in ``ix`` for every call."""
        trx, urx, also, ex = self.text, self.url, self.also, self.exclude
        tm = ix.hits(trx) if trx is not None else {}
        um = ix.hits(urx) if urx is not None else {}
        am = ix.hits(also) if also is not None else {}
        em = ix.hits(ex) if ex is not None else {}
        mode, min_words = self.mode, self.min_words
        th, uh, ah, eh = self.heads
        seen: dict[tuple[str, str], str | None] = {}

        def decide(text: str, href: str) -> str | None:
            t_hit = trx is not None and _memo_search(tm, trx, text, ix, th)
            u_hit = urx is not None and _memo_search(um, urx, href, ix, uh)
            if not _parts_match(mode, t_hit, u_hit):
                return None
            if also is not None and not (
                _memo_search(am, also, text, ix, ah) or _memo_search(am, also, ix.basename(href), ix, ah)
            ):
                return None
            if ex is not None and _memo_search(em, ex, text, ix, eh):
                return None
            if ix.words(text) < min_words and not u_hit:
                return None
            return "+".join(p for p, hit in (("text", t_hit), ("url", u_hit)) if hit)

        def part(text: str, href: str) -> str | None:
            key = (text, href)
            if key in seen:
                return seen[key]
            out = seen[key] = decide(text, href)
            return out

        return part


def _link_parts(site: SiteFacts, params: dict[str, Any]) -> Iterator[tuple[PageFacts, Link, str]]:
    """(page, link, matched part) of every link ``_link_matches`` accepts, in ``_iter_links``
    order: the fast path when the parameters compile, the per-link reference path otherwise."""
    rule = _LinkRule.of(params)
    if rule is None:
        for page, lk in _iter_links(site, params):
            part = _link_matches(lk, params)
            if part is not None:
                yield page, lk, part
        return
    ix = _index(site)
    decide = rule.matcher(ix)
    kinds = frozenset(_as_list(params.get("kinds")))
    regions = frozenset(_as_list(params.get("regions")))
    hits: list[tuple[int, str]] = []
    for text, href, positions in ix.link_groups(kinds, regions, bool(params.get("include_noop", False))):
        part = decide(text, href)
        if part is not None:
            hits.extend((i, part) for i in positions)
    hits.sort()
    links = ix.links
    for i, part in hits:
        page, lk, _, _ = links[i]
        yield page, lk, part


def _document_part(site: SiteFacts, params: dict[str, Any]) -> Callable[[Document], str | None]:
    """``_link_matches`` of a document read as a link (its title as anchor, its URL as target)."""
    rule = _LinkRule.of(params)
    if rule is None:
        return lambda d: _link_matches(Link(url=d.url, text=d.text, kind=LinkKind.DOCUMENT), params)
    match = rule.matcher(_index(site))
    return lambda d: match(d.text or "", unquote_plus(d.url or ""))


_LINK_PARAMS = (
    "text", "url", "match", "also", "exclude", "kinds", "regions", "min_words", "require_live",
    "include_noop", "min_matches", "doc_kinds",
)  # fmt: skip


@detector("link_patterns", params=_LINK_PARAMS)
def link_patterns(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Links whose anchor text (``text``) and/or target (``url``) match; ``match`` says which must
    (either | text | url | both). ``also`` adds a second condition on text or target (a number or
    year, so 'Peraturan' as a menu item is not a posted regulation); ``min_words`` asks the anchor
    to name something specific unless the target itself matched.

    ``require_live`` (default True): a link whose target the archive shows gone (a failed fetch,
    an HTML error page for a file) is no evidence; a target the archive never fetched still is
    (CODING.md: the corpus copy dropped its PDFs, so their links name documents the real site
    had). ``require_live: false`` counts dead links too. ``doc_kinds`` drops a link to a document
    that was opened and is a different kind (see document_patterns)."""
    evs = [e for e, _ in _link_hits(site, params)]
    if len({e.snippet.lower() for e in evs}) < int(params.get("min_matches", 1)):
        return []
    return _limit(evs, params)


def _link_hits(site: SiteFacts, params: dict[str, Any]) -> list[tuple[Evidence, Link]]:
    """link_patterns' evidence with the link each item is about, before the count and the cap."""
    out: list[tuple[Evidence, Link]] = []
    kinds = _doc_kinds(params)
    docs = _index(site).documents if kinds else {}
    for page, lk, part in _link_parts(site, params):
        if params.get("require_live", True) and not _link_is_live(site, lk.url):
            continue
        if kinds and _read_as_other_kind(docs.get(lk.url), kinds):
            continue
        snip = f"{lk.text} → {lk.url or lk.raw_href}" if lk.text else (lk.url or lk.raw_href)
        out.append((_ev(page, snip, "link_patterns", f"link {part} ({lk.kind})"), lk))
    return out


@detector(
    "document_patterns",
    params=("text", "url", "match", "also", "exclude", "file_types", "min_count", "min_distinct_years",
            "require_live", "min_words", "doc_kinds", "same_kind"),
)  # fmt: skip
def document_patterns(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Posted documents (PDF, DOC, XLS... found by the extractor) whose title or URL match, or,
    with ``doc_kinds``, that were opened and read as one of those kinds (extract/doctype.py): a
    file called ``dokumen-2.pdf`` that is the LKjIP counts, and a file called ``renstra.pdf`` that
    is an invitation does not. ``min_distinct_years`` asks for documents covering at least that
    many years between them (A3: reports for more than one period), years read from inside the
    document when it was opened; ``min_count`` for that many matching documents; ``same_kind``
    asks the count and years of documents of one kind (a series). Dead targets
    are dropped unless ``require_live: false`` (see link_patterns)."""
    hits = _document_hits(site, params)
    if not params.get("same_kind"):
        return _years_gate([(h.evidence, h.years, h.key) for h in hits], params, "document_patterns")
    # a series is reports of one kind: LKjIP 2021 and LKjIP 2022, not an LKjIP and a budget
    by_kind: dict[str, list[tuple[Evidence, set[int], str]]] = {}
    for h in hits:
        by_kind.setdefault(h.kind, []).append((h.evidence, h.years, h.key))
    for group in by_kind.values():
        found = _years_gate(group, params, "document_patterns")
        if found:
            return found
    return []


class _DocHit(NamedTuple):
    """A matching document before the count and years gate. ``key`` is what makes it one item:
    "doc:" + URL for a document read from inside, else its "text → target" snippet."""

    evidence: Evidence
    years: set[int]
    key: str
    kind: str
    url: str


def _document_hits(site: SiteFacts, params: dict[str, Any]) -> list[_DocHit]:
    ftypes = set(_as_list(params.get("file_types")))
    kinds = _doc_kinds(params)
    hits: list[_DocHit] = []
    doc_part = _document_part(site, params) if params.get("text") or params.get("url") else (lambda d: None)
    for page in _index(site).pages:
        for d in page.documents:
            if ftypes and d.file_type not in ftypes:
                continue
            if params.get("require_live", True) and not _link_is_live(site, d.url):
                continue
            ys = set(d.years) | years_in(d.text) | years_in(d.url)
            if kinds and d.kind_source == "content" and d.kind in kinds:
                hits.append(_DocHit(_doc_evidence(d, "document_patterns"), ys, "doc:" + d.url, d.kind, d.url))
                continue
            if _read_as_other_kind(d, kinds):
                continue
            part = doc_part(d)
            if part is None:
                continue
            snip = f"{d.text} → {d.url}" if d.text else d.url
            detail = f"document {part} ({d.file_type})"
            if d.target == "not_captured":
                detail += "; target not in the archive"
            hits.append(
                _DocHit(
                    _ev(page, snip, "document_patterns", detail), ys, snip.lower(), d.kind or "other", d.url
                )
            )
    return hits


def _years_gate(
    hits: list[tuple[Evidence, set[int], str]], params: dict[str, Any], name: str
) -> list[Evidence]:
    """Count distinct items and the years they cover. An item is its key: a link's or listed
    document's "text → target" (the same menu link on every page is one), a document read from
    inside by its URL (three LKjIPs whose files share one metadata title are three)."""
    uniq: dict[str, tuple[Evidence, set[int]]] = {}
    for e, ys, key in hits:
        uniq.setdefault(key, (e, ys))
    if len(uniq) < int(params.get("min_count", 1)):
        return []
    need = int(params.get("min_distinct_years", 0))
    if need:
        years: set[int] = set().union(*(ys for _, ys in uniq.values())) if uniq else set()
        if len(years) < need:
            return []
        kept = [e for e, ys in uniq.values() if ys]
        for e in kept:
            e.detail += f"; years {','.join(str(y) for y in sorted(years))}"
        return _limit(kept, params)
    return _limit([e for e, _ in uniq.values()], params)


@detector(
    "dated_items",
    params=("text", "url", "match", "also", "exclude", "kinds", "min_words", "include_noop", "regions",
            "require_live", "min_count", "min_distinct_years", "file_types", "doc_kinds"),
)  # fmt: skip
def dated_items(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Links *and* documents matching the patterns, pooled, with the years they name: 'at least two
    dated reports' (A3) is a statement about the set, not about one link."""
    hits: list[tuple[Evidence, set[int], str]] = []
    doc_urls: set[str] = set()
    for h in _document_hits(site, params):
        h.evidence.detector = "dated_items"
        hits.append((h.evidence, h.years, h.key))
        doc_urls.add(h.url)
    kinds = _doc_kinds(params)
    docs = _index(site).documents
    for page, lk, part in _link_parts(site, params):
        if lk.url in doc_urls:
            continue  # the document itself is already counted, with the years read inside it
        if params.get("require_live", True) and not _link_is_live(site, lk.url):
            continue
        if kinds and _read_as_other_kind(docs.get(lk.url), kinds):
            continue
        ys = years_in(lk.text) | years_in(lk.url)
        snip = f"{lk.text} → {lk.url}" if lk.text else lk.url
        hits.append((_ev(page, snip, "dated_items", f"link {part}"), ys, snip.lower()))
    return _years_gate(hits, params, "dated_items")


_SERIES = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:\s*[|,;/]?\s*(?:19|20)\d{2}){2,}(?!\d)")


def _is_figure_row(tail: str, need: int) -> bool:
    """Figures after a year header: enough numbers that are not themselves years or day numbers,
    at least one a measured value (decimal, percentage or three digits or more). A year menu of an
    archive ("2019 | 2018 | 2017 ... Monday 13") fails this."""
    nums = [n for n in re.findall(r"\d+(?:[.,]\d+)*%?", tail) if not _YEAR.fullmatch(n)]
    measured = [n for n in nums if re.search(r"[.,%]", n) or len(n) >= 3]
    return len(nums) >= need and bool(measured)


_DATE_BEFORE = re.compile(
    r"(?:\d\s*[/.\-]\s*|(?i:jan|feb|mar|apr|mei|may|jun|jul|agu|aug|sep|okt|oct|nov|des|dec)[a-z]*\.?\s+)$"
)


def _vertical_series(s: str, min_years: int, max_years: int, gap: int = 60) -> Iterator[tuple[int, int, int]]:
    """(start, end, years) of a table written one year per row ('2021 2,10 Cukup 2022 2,45 Cukup
    2023 3,12 Baik'): at least ``min_years`` distinct years in order, each followed within ``gap``
    characters by a measured figure before the next year. Dates ('27/11/2023', '18 Desember 2023')
    are not rows."""
    run: list[re.Match[str]] = []

    def flush() -> Iterator[tuple[int, int, int]]:
        ys = [int(m.group(1)) for m in run]
        if (
            min_years <= len(set(ys)) <= max_years
            and len(set(ys)) == len(ys)
            and (ys == sorted(ys) or ys == sorted(ys, reverse=True))
        ):
            yield run[0].start(), run[-1].end() + gap, len(ys)

    prev_end = -1
    matches = [m for m in _YEAR.finditer(s) if not _DATE_BEFORE.search(s[max(0, m.start() - 12) : m.start()])]
    for i, m in enumerate(matches):
        nxt = matches[i + 1].start() if i + 1 < len(matches) else len(s)
        row = s[m.end() : min(nxt, m.end() + gap)]
        is_row = _is_figure_row(row, 1) and bool(re.search(r"\d+[.,]\d+|\d+\s*%", row))
        if run and (m.start() - prev_end > gap or not is_row):
            yield from flush()
            run = []
        if is_row:
            run.append(m)
            prev_end = min(nxt, m.end() + gap)
    if run:
        yield from flush()


@detector("year_series", params=("fields", "patterns", "min_years", "max_years", "near_window"))
def year_series(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """A table header of consecutive years ('2019 2020 2021 2022') followed by figures, or, when
    ``patterns`` are given, a comparison phrase ('compared with last year', 'dibandingkan tahun
    lalu') next to a year: the shape of year-on-year statistics, whatever the subject."""
    fields = _as_list(params.get("fields")) or ["text", "full_text"]
    min_years = int(params.get("min_years", 3))
    max_years = int(params.get("max_years", 12))
    window = int(params.get("near_window", 200))
    rx = _rx(params, "patterns")
    ix = _index(site)
    memo = ix.text_memo(("year_series", min_years, max_years, window, rx))
    heads = _rx_heads(params, "patterns")
    stop = _Enough(params) if all(f in FIELDS for f in fields) else None
    evs: list[Evidence] = []
    for page in ix.pages:
        for field in fields:
            for s in page_field(page, field):
                found = memo.get(s)
                if found is None:
                    found = memo[s] = _year_rows(s, min_years, max_years, window, rx, heads)
                for snip, what in found:
                    e = _ev(page, snip, "year_series", f"{field}: {what}")
                    evs.append(e)
                    if stop is not None and stop.add(e, page.url):
                        return _limit(evs, params)
    return _limit(evs, params)


def _year_rows(
    s: str,
    min_years: int,
    max_years: int,
    window: int,
    rx: re.Pattern[str] | None,
    heads: re.Pattern[str] | None = None,
) -> list[tuple[str, str]]:
    """(snippet, what was seen) of every year series in ``s``, in the order ``year_series``
    reports them: horizontal series, vertical tables, then comparison phrases."""
    out: list[tuple[str, str]] = []
    # every year either pattern reads starts with '19' or '20' (neither overlaps itself, so
    # ``count`` sees them all): a series needs three, a vertical table ``min_years``
    n_years = s.count("19") + s.count("20")
    for m in _SERIES.finditer(s) if n_years >= 3 else ():
        ys = {int(y) for y in _YEAR.findall(m.group(0))}
        if not min_years <= len(ys) <= max_years:
            continue
        if _is_figure_row(s[m.end() : m.end() + window], min_years):
            out.append((snippet_around(s, m.start(), m.end()), f"series of {len(ys)} years with figures"))
    for start, end, n in _vertical_series(s, min_years, max_years) if n_years >= max(min_years, 1) else ():
        out.append((snippet_around(s, start, min(end, len(s))), f"{n} years, one per row, with figures"))
    if rx is not None and (heads is None or heads.search(fold(s)) is not None):
        for m in rx.finditer(s):
            ctx = s[max(0, m.start() - window) : m.end() + window]
            if _YEAR.search(ctx) and re.search(r"\d+(?:[.,]\d+)?\s*%|\d[\d.,]{2,}", ctx):
                out.append((snippet_around(s, m.start(), m.end()), f"comparison /{m.group(0)}/"))
    return out


# --------------------------------------------------------------------------- domain


# host suffixes as regexes, without the leading dot; a host matches when it *is* the suffix or
# ends in "." + suffix (so "gov" matches "igb.illinois.gov" but not "mygov.com")
_GOV_SUFFIXES = (
    r"gov",  # US federal/state/local
    r"mil",
    r"go\.[a-z]{2}",  # .go.id, .go.jp, .go.kr, .go.th, .go.ke ...
    r"gov\.[a-z]{2}",  # .gov.uk, .gov.au, .gov.in ...
    r"gob\.[a-z]{2}",
    r"gouv\.[a-z]{2}",
    r"govt\.[a-z]{2}",  # .govt.nz
    r"gv\.[a-z]{2}",  # .gv.at
    r"nic\.in",
    r"gc\.ca",
    r"europa\.eu",
    r"(?:state|ci|co|city|county|town|twp|vil)\.[a-z]{2}\.us",  # US locality domains
    r"desa\.id",  # Indonesian village governments
    r"mil\.[a-z]{2}",
)


@detector("official_domain", needs_pages=False, params=("extra_suffixes", "use"))
def official_domain(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """The site's original address is on a domain reserved for government (.go.id, .gov,
    gov.<cc>, .gob.<cc>, .gouv.<cc>, nic.in, .mil, ...). Judged on the seed URL (the address the
    portfolio or the archive's warcinfo names), never on where a mirror happened to serve it;
    ``use: final`` judges the address after redirects instead. Needs no page, so a site whose
    scan failed can still be decided."""
    url = site.final_url if params.get("use") == "final" and site.final_url else site.seed_url
    if not url and site.organisation and site.organisation.sites:
        url = site.organisation.sites[0]
    host = (urlsplit(url if "//" in (url or "") else f"//{url}").hostname or "").lower().rstrip(".")
    if not host:
        return []
    suffixes = list(_GOV_SUFFIXES) + [str(s) for s in _as_list(params.get("extra_suffixes"))]
    for suf in suffixes:
        suf = suf.lstrip(".")
        if re.search(f"(?:^|\\.)(?:{suf})$", host):
            rid, wfile = _record_at(site, url)
            return [
                Evidence(
                    url=url,
                    warc_record_id=rid,
                    warc_file=wfile,
                    snippet=host,
                    detector="official_domain",
                    detail=f"host {host} ends in a government suffix (.{suf.replace(chr(92), '')})",
                )
            ]
    return []


def _record_at(site: SiteFacts, url: str) -> tuple[str, str]:
    """The archived exchange (or failed attempt) at ``url``, so even address-only evidence points
    into the archive: the page answered there, else the fetch record of that URL; ("", "") when
    the archive holds neither (a portfolio row that was never crawled)."""

    def same(a: str) -> bool:
        return a.rstrip("/").lower() == url.rstrip("/").lower()

    for page in site.pages:
        if same(page.url):
            return page.record_id, page.warc_file
    wfile = site.pages[0].warc_file if site.pages else ""
    for u, lc in site.link_checks.items():
        if same(u) and lc.record_id:
            by_id = {pg.record_id: pg.warc_file for pg in site.pages}
            return lc.record_id, by_id.get(lc.record_id, wfile)
    return "", ""


# --------------------------------------------------------------------------- social channels

_SOCIAL_HOSTS = {
    "facebook.com": "facebook", "fb.com": "facebook", "fb.me": "facebook",
    "instagram.com": "instagram", "youtube.com": "youtube", "twitter.com": "twitter",
    "x.com": "twitter", "tiktok.com": "tiktok", "linkedin.com": "linkedin", "t.me": "telegram",
    "telegram.me": "telegram", "whatsapp.com": "whatsapp",
}  # fmt: skip

# a single post, a share/intent button, a search: not a channel (CODING.md, K3)
_NOT_CHANNEL = re.compile(
    r"/(?:sharer|share|intent|status|statuses|posts?|p|reels?|photos?|videos?|watch|shorts|embed|"
    r"permalink|story\.php|hashtag|search|events|groups/[^/]+/posts|dialog|plugins|login|home\.php|"
    r"tr|explore|i/web)(?:[/?.]|$)|[?&](?:u|url|text)=|^/?$",
    re.IGNORECASE,
)


@lru_cache(maxsize=16384)
def social_platform(url: str) -> str | None:
    """The platform a URL belongs to (by host), or None. Remembered: a pure function of the
    string, asked for every link of every page (the same footer links on each)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:  # 'http://[::1' and friends: not a channel, and not a reason to drop the site
        return None
    host = host[4:] if host.startswith("www.") else host
    host = host[2:] if host.startswith("m.") else host
    for h, p in _SOCIAL_HOSTS.items():
        if host == h or host.endswith("." + h):
            return p
    return None


def is_channel_url(url: str) -> bool:
    """A profile or channel page, not a post or a share button."""
    if social_platform(url) is None:
        return False
    parts = urlsplit(url)
    path = parts.path or "/"
    if _NOT_CHANNEL.search(path) or (_NOT_CHANNEL.search("?" + (parts.query or "")) and "share" in url):
        return False
    # facebook page plugins embed a page: the page is in href=
    return path.strip("/") != ""


def _norm_channel(url: str) -> str:
    p = urlsplit(url)
    host = (p.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    return f"{host}{p.path.rstrip('/').lower()}"


def site_channels(site: SiteFacts) -> list[tuple[PageFacts, SocialChannel]]:
    """The site's own channels: extractor socials, social links that are not share buttons,
    platform embeds (page plugins, timelines) and JSON-LD sameAs, deduplicated by address.

    Worked out once per SiteIndex (K3's detector and the assessment's channel list both ask);
    each call gets its own SocialChannel objects, as before, so a caller may change them."""
    ix = _index(site)
    if ix._channels is None:
        ix._channels = _site_channels(ix)
    return [(page, copy.copy(ch)) for page, ch in ix._channels]


def _site_channels(ix: SiteIndex) -> list[tuple[PageFacts, SocialChannel]]:
    found: dict[str, tuple[PageFacts, SocialChannel]] = {}

    def add(page: PageFacts, url: str, platform: str | None, source: str, handle: str = "") -> None:
        platform = platform or social_platform(url)
        if not platform or not url:
            return
        if "plugins/page.php" in url or "plugins/likebox" in url:
            from urllib.parse import parse_qs

            href = parse_qs(urlsplit(url).query).get("href", [""])[0]
            if not href:
                return
            url = href
        if not is_channel_url(url):
            return
        found.setdefault(_norm_channel(url), (page, SocialChannel(platform, url, handle, source)))

    for page in ix.pages:
        for sc in page.socials:
            add(page, sc.url, sc.platform, sc.source, sc.handle)
        for lk in page.links:
            if lk.is_share:
                continue
            if lk.kind == LinkKind.SOCIAL or social_platform(lk.url or ""):
                add(page, lk.url, lk.social_platform, "link")
        for em in page.embeds:
            add(page, em.src, em.platform, "embed")
        for u in page.jsonld_same_as:
            add(page, u, None, "jsonld")
    return list(found.values())


@detector("social_channels", params=("min", "platforms", "sources", "exclude_platforms"))
def social_channels(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """At least ``min`` (default 1) of the organisation's own channel pages linked, embedded or
    declared in JSON-LD sameAs. Share buttons and links to a single post are excluded."""
    plats = set(_as_list(params.get("platforms")))
    skip = set(_as_list(params.get("exclude_platforms", ["whatsapp"])))
    sources = set(_as_list(params.get("sources")))
    chans = [
        (p, c)
        for p, c in site_channels(site)
        if (not plats or c.platform in plats)
        and c.platform not in skip
        and (not sources or c.source in sources)
    ]
    if len(chans) < int(params.get("min", 1)):
        return []
    evs = [_ev(p, c.url, "social_channels", f"{c.platform} channel ({c.source})") for p, c in chans]
    return _limit(evs, {"max_evidence": params.get("max_evidence", 8)})


# --------------------------------------------------------------------------- contacts

# Runs are bounded ({1,64}) and anchored on a non-word character before the local part, so a
# megabyte of minified JSON or base64 cannot make the engine retry every start position.
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}\s{0,3}(?:@|\[at\]|\(at\)|\{at\}|\s at\s)\s{0,3}[\w-]{1,63}"
    r"(?:\s{0,3}(?:\.|\[dot\]|\(dot\)|\s dot\s)\s{0,3}[\w-]{1,63}){1,8}",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?:(?:telp?|tel(?:ephone|epon)?|phone|ph|fax|faks(?:imili)?|hp|wa|call)\.?\s*:?\s*)"
    r"(?:\+?\d{1,3}[\s.-]?)?\(?\d{2,5}\)?[\s.-]?\d{3,4}[\s.-]?\d{3,5}"
    r"|\(\d{2,5}\)\s?\d{3,4}[\s.-]?\d{3,5}|\+\d{1,3}[\s.-]?\d{2,4}[\s.-]?\d{3,4}[\s.-]?\d{3,5}"
    r"|(?<!\d)\d{3}[-.]\d{3}[-.]\d{4}(?!\d)|(?<!\d)0\d{1,3}[-.\s]\d{3,4}[-.\s]?\d{3,5}(?!\d)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(
    r"(?<!\w)(?:alamat(?:\s+kantor)?\s*:|jl\.|jln\.?|jalan\s+[A-Z]|kode pos|"
    r"\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.?|Boulevard|Blvd\.?|Drive|Dr\.|Lane|Way|Place)"
    r"|P\.?\s?O\.?\s+Box\s+\d+)",
)

_DEFAULT_POSTS = (
    r"kepala(?:\s+(?:dinas|badan|bagian|bidang|seksi|sub\s*bagian|kantor|desa|unit|pusat))?",
    r"plt\.?\s+kepala", r"sekretaris(?:\s+(?:daerah|dinas|badan|camat))?", r"kasubb?ag", r"kabid",
    r"kasi", r"camat", r"lurah", r"bupati", r"wakil\s+bupati", r"wali\s*kota", r"wakil\s+wali\s*kota",
    r"gubernur", r"direktur(?:\s+utama)?", r"ketua", r"inspektur", r"kadis", r"sekda",
    r"director", r"deputy\s+director", r"chair(?:man|woman|person)?", r"vice\s+chair", r"commissioner",
    r"manager", r"mayor", r"deputy\s+mayor", r"executive(?:\s+director)?", r"chief(?:\s+\w+)?\s+officer",
    r"(?:assessment\s+|information\s+|public\s+information\s+|press\s+)?officer", r"secretary",
    r"administrator", r"coordinator", r"president", r"clerk", r"treasurer", r"sheriff",
    r"minister", r"councill?or", r"superintendent", r"supervisor", r"head\s+of\s+\w+",
)  # fmt: skip

_NAME = (
    r"(?:(?i:dr|drs|dra|ir|h|hj|prof|mr|mrs|ms|hon)\.?\s+)*"
    r"[A-Z][A-Za-z'’-]+(?:\s+[A-Z]\.)?(?:\s+(?:[A-Z]\.|[A-Z][A-Za-z'’-]+)){1,4}(?!\w)"
)
_NOT_NAME_WORDS = (
    "dinas", "badan", "kabupaten", "kota", "kecamatan", "kelurahan", "pemerintah", "provinsi", "daerah",
    "bagian", "bidang", "seksi", "kantor", "sekretariat", "dan", "umum", "pelayanan", "department",
    "county", "city", "office", "board", "committee", "services", "service", "division", "state",
    "council", "commission", "of", "the", "and", "for", "public", "health", "information", "contact",
    "us", "home", "menu", "news", "berita", "profil", "struktur", "organisasi", "visi", "misi",
    "republik", "indonesia", "selamat", "datang", "website", "portal", "program", "report", "reports",
)  # fmt: skip


def _posts(params: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(p) for p in _as_list(params.get("post_patterns"))) or _DEFAULT_POSTS


def _official_rx(params: dict[str, Any]) -> tuple[re.Pattern[str], re.Pattern[str], set[str]]:
    posts = _posts(params)
    post = "|".join(f"(?:{p})" for p in posts)
    # "Post: Name", "Post Name"  |  "Name, Post" / "Name - Post" / "Name (Post)"
    a = re.compile(rf"(?<!\w)(?i:{post})\s*[:,\-–]?\s*(?P<name>{_NAME})")
    b = re.compile(rf"(?P<name>{_NAME})\s*(?:,|-|–|\()\s*(?:[\w&]+\s+){{0,4}}(?i:{post})(?!\w)")
    stop = {w.lower() for w in _as_list(params.get("not_name_words"))} or set(_NOT_NAME_WORDS)
    return a, b, stop


def _plausible_name(name: str, stop: set[str]) -> bool:
    toks = [t.strip(".,'’").lower() for t in name.split()]
    toks = [
        t for t in toks if t not in {"dr", "drs", "dra", "ir", "h", "hj", "prof", "mr", "mrs", "ms", "hon"}
    ]
    return len(toks) >= 2 and not any(t in stop for t in toks)


def find_officials(
    page: PageFacts,
    params: dict[str, Any],
    rxs: tuple[re.Pattern[str], re.Pattern[str], set[str]] | None = None,
) -> list[tuple[str, str]]:
    """(name passage, detail) pairs: a person's name next to a post. ``rxs``: ``_official_rx(params)``
    when the caller reads many pages with the same parameters."""
    out: list[tuple[str, str]] = []
    for c in page.contacts:
        if c.kind == "official" and c.value:
            out.append((c.snippet or c.value, "official (extractor)"))
    a, b, stop = rxs if rxs is not None else _official_rx(params)
    heads = _heads(_posts(params))  # both patterns need a post: no post word, no official
    for s in page_field(page, "full_text") or page_field(page, "text"):
        if heads is not None and heads.search(fold(s)) is None:
            continue
        for rx in (a, b):
            for m in rx.finditer(s):
                if _plausible_name(m.group("name"), stop):
                    out.append((snippet_around(s, m.start(), m.end(), 40), "official: name with post"))
    return out


def find_channels(page: PageFacts, kinds: set[str]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for c in page.contacts:
        if c.kind in kinds and c.kind != "official":
            out.append((c.snippet or c.raw or c.value, f"contact: {c.kind}"))
    for lk in page.links:
        if lk.kind == LinkKind.MAILTO and "email" in kinds:
            out.append((lk.raw_href or lk.url, "contact: email (mailto)"))
        elif lk.kind == LinkKind.TEL and "phone" in kinds:
            out.append((lk.raw_href or lk.url, "contact: phone (tel)"))
    text = " ".join(page_field(page, "full_text") or page_field(page, "text"))
    for kind, rx in (("email", _EMAIL), ("phone", _PHONE), ("address", _ADDRESS)):
        if kind in kinds or (kind == "phone" and "fax" in kinds):
            for m in rx.finditer(text):
                out.append((snippet_around(text, m.start(), m.end(), 50), f"contact: {kind}"))
                break
    return out


@detector("contacts", params=("post_patterns", "not_name_words", "channel_kinds", "require_official"))
def contacts(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """E2: an official named with a post AND an actual contact channel (address, phone, fax or
    e-mail) on the captured pages. A 'Contact us' link is not a channel: only the address, number
    or mailbox itself counts. Both parts are returned as evidence, each labelled."""
    kinds = set(_as_list(params.get("channel_kinds"))) or {"email", "phone", "fax", "address"}
    officials: list[Evidence] = []
    chans: list[Evidence] = []
    rxs: tuple[re.Pattern[str], re.Pattern[str], set[str]] | None = None
    seen_off: set[tuple[str, str]] = set()
    seen_chan: set[tuple[str, str]] = set()
    for page in _index(site).pages:
        if rxs is None:  # on the first page, as before: a site with no page never compiles them
            rxs = _official_rx(params)
        found_off = [_ev(page, s, "contacts", d) for s, d in find_officials(page, params, rxs)]
        found_chan = [_ev(page, s, "contacts", d) for s, d in find_channels(page, kinds)]
        officials += found_off
        chans += found_chan
        seen_off.update((e.snippet.lower(), e.detail) for e in found_off)
        seen_chan.update((e.snippet.lower(), e.detail) for e in found_chan)
        if len(seen_off) >= 3 and len(seen_chan) >= 3:
            # both ``_limit(..., 3)`` below are settled: later pages cannot change them
            break
    if not chans or (params.get("require_official", True) and not officials):
        return []
    return _limit(officials, {"max_evidence": 3}) + _limit(chans, {"max_evidence": 3})


# --------------------------------------------------------------------------- forms and services


def _form_matches(f: Any, params: dict[str, Any]) -> bool:
    kinds = set(_as_list(params.get("form_kinds") or params.get("kinds")))
    if kinds and f.kind not in kinds:
        return False
    if len(f.fields) < int(params.get("min_fields", 1)):
        return False
    if params.get("require_action", True) and (
        not f.action or f.action.strip() in {"#", ""} or f.action.lower().startswith("javascript")
    ):
        return False
    if not params.get("require_action", True) and not can_submit(f):
        return False
    ft = _rx(params, "form_text")
    return not (ft is not None and not ft.search(_clean(" ".join([f.text, *f.fields]))))


def can_submit(f: Any) -> bool:
    """A form a visitor can send: no action attribute posts to the page itself, which is how most
    CMS forms work; an action of "#" or "javascript:" sends nothing without scripts we did not run."""
    action = (f.action or "").strip().lower()
    return action != "#" and not action.startswith("javascript")


@detector("forms", params=("kinds", "form_kinds", "min_fields", "require_action", "form_text"))
def forms(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """Forms of the given kinds (complaint, poll, contact...) with at least ``min_fields`` inputs and,
    unless ``require_action: false``, a real action: a form that submits somewhere takes input.
    Search and login boxes are excluded unless asked for explicitly."""
    evs: list[Evidence] = []
    for page in content_pages(site):
        for f in page.forms:
            if not params.get("kinds") and f.kind in {"search", "login"}:
                continue
            if _form_matches(f, params):
                desc = f"<form {f.method} {f.action}> {f.text} [{', '.join(f.fields[:6])}]"
                evs.append(_ev(page, desc, "forms", f"form kind {f.kind}, {len(f.fields)} fields"))
    return _limit(evs, params)


@detector(
    "service_links",
    params=(*_LINK_PARAMS, "service_kind", "form_text", "min_fields", "require_action", "form_kinds"),
)
def service_links(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """A service requested or used online: a link whose text/target names an online application,
    registration, permit, booking or payment, or a submitting form that says so (``form_text``).
    ``service_kind: true`` also accepts links the extractor classed as service links, when their
    text matches. Dead targets are no evidence, as in link_patterns (``require_live``)."""
    evs = link_patterns(site, {k: v for k, v in params.items() if k in _LINK_PARAMS})
    for e in evs:
        e.detector = "service_links"
    if params.get("form_text"):
        fp = {
            "form_text": params["form_text"],
            "min_fields": params.get("min_fields", 2),
            "require_action": params.get("require_action", False),
            "kinds": params.get("form_kinds"),
        }
        for e in forms(site, fp):
            e.detector = "service_links"
            evs.append(e)
    return _limit(evs, params)


@detector(
    "complaint_channel",
    params=("submit_text", "submit_url", "followup", "followup_fields", "national", "national_text", "form_kinds",
            "require_both", "min_fields"),
)  # fmt: skip
def complaint_channel(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """I4, a two-way G2C2G flow: a way to submit (a complaint/request form that takes input, or a
    link to a complaint channel) AND a sign that an answer comes back (ticket number, status
    tracking, published responses, 'tindak lanjut', 'balasan'). A link to the national complaint
    platform (``national``, e.g. lapor.go.id / SP4N-LAPOR!) is enough on its own: that platform
    tracks and answers by design. Each evidence item says which part it shows."""
    national = (
        link_patterns(
            site, {"url": params.get("national"), "text": params.get("national_text"), "max_evidence": 3}
        )
        if params.get("national")
        else []
    )
    for e in national:
        e.detector, e.detail = "complaint_channel", f"national platform: {e.detail}"
    submit: list[Evidence] = []
    for e in forms(
        site,
        {
            "kinds": _as_list(params.get("form_kinds")) or ["complaint", "contact"],
            "min_fields": params.get("min_fields", 2),
            "require_action": False,
        },
    ):
        e.detector, e.detail = "complaint_channel", f"submit: {e.detail}"
        submit.append(e)
    if params.get("submit_text") or params.get("submit_url"):
        for e in link_patterns(
            site, {"text": params.get("submit_text"), "url": params.get("submit_url"), "max_evidence": 3}
        ):
            e.detector, e.detail = "complaint_channel", f"submit: {e.detail}"
            submit.append(e)
    follow = text_patterns(
        site,
        {
            "patterns": params.get("followup"),
            "max_evidence": 3,
            "fields": _as_list(params.get("followup_fields"))
            or ["text", "full_text", "headings", "link_text", "form_text"],
        },
    )
    for e in follow:
        e.detector, e.detail = "complaint_channel", f"follow-up: {e.detail}"
    if national:
        return _limit(national + submit[:1] + follow[:1], {"max_evidence": 5})
    if (submit and follow) or (follow and not params.get("require_both", True)):
        return _limit(submit[:2] + follow[:3], {"max_evidence": 5})
    return []


@detector(
    "poll",
    params=(
        "text",
        "url",
        "patterns",
        "fields",
        "result_patterns",
        "published_patterns",
        "form_text",
        "min_fields",
    ),
)
def poll(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """I5: a poll or debate space that takes input or publishes results; a page that only talks
    about a poll is neither. Input: a poll form that can be sent, a comment form (``form_text``),
    or a live link to a poll or forum (``text`` / ``url``). Results: ``result_patterns`` in the
    page text ('hasil polling', 'poll results', an index value), or published contributions
    (``published_patterns``: a "recent comments" block showing what readers wrote). ``patterns`` (a page that calls
    itself a debate space, 'tulis komentar', 'forum diskusi') support either but never count
    alone. Each evidence item's detail starts with the part it shows: input, results or space."""
    inputs: list[Evidence] = []
    for e in forms(
        site, {"kinds": ["poll"], "min_fields": params.get("min_fields", 1), "require_action": False}
    ):
        e.detector, e.detail = "poll", f"input: {e.detail}"
        inputs.append(e)
    if params.get("form_text"):
        for e in forms(
            site,
            {
                "form_text": params["form_text"],
                "min_fields": params.get("min_fields", 1),
                "require_action": False,
            },
        ):
            e.detector, e.detail = "poll", f"input: {e.detail}"
            inputs.append(e)
    found: dict[str, list[Evidence]] = {"results": [], "space": []}
    if params.get("text") or params.get("url"):
        # a link to a poll is input when its target takes input or shows results; a target the
        # archive holds that does neither ("segera hadir") is only a page talking about a poll
        shown = [
            r for r in (_rx(params, "result_patterns"), _rx(params, "published_patterns")) if r is not None
        ]
        by_url = {p.url: p for p in site.pages}
        hits = _link_hits(site, {"text": params.get("text"), "url": params.get("url")})
        kept = {id(e) for e in _limit([e for e, _ in hits], {})}  # as link_patterns: a menu link once
        for e, lk in hits:
            if id(e) not in kept:
                continue
            target = by_url.get(lk.url)
            if target is None:
                e.detector, e.detail = "poll", f"input: {e.detail}; target not in the archive"
                inputs.append(e)
            elif any(
                f.kind not in ("search", "login") and f.fields and can_submit(f) for f in target.forms
            ) or any(r.search(target.text or "") for r in shown):
                e.detector, e.detail = "poll", f"input: {e.detail}; the target takes input or shows results"
                inputs.append(e)
            else:
                e.detector, e.detail = "poll", f"space: {e.detail}; the target has no poll form or results"
                found["space"].append(e)
    for key, part in (
        ("result_patterns", "results"),
        ("published_patterns", "results"),
        ("patterns", "space"),
    ):
        if params.get(key):
            tp = {"patterns": params[key], "fields": params.get("fields") or ["text", "headings"]}
            what = "published contributions" if key == "published_patterns" else part
            for e in text_patterns(site, tp):
                e.detector, e.detail = "poll", f"{what}: {e.detail}"
                found[part].append(e)
    if not inputs and not found["results"]:
        return []
    return _limit(inputs + found["results"] + found["space"], params)


# --------------------------------------------------------------------------- news / information

_MONTHS = (
    r"jan(?:uari|uary)?|feb(?:ruari|ruary)?|mar(?:et|ch)?|apr(?:il)?|mei|may|jun[ei]?|jul[iy]?|"
    r"ag(?:ustus)?|aug(?:ust)?|sep(?:tember)?|sept|okt(?:ober)?|oct(?:ober)?|nov(?:ember)?|"
    r"des(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"(?<!\w)(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+(?:19|20)\d{{2}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+(?:19|20)\d{{2}}"
    r"|\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d{2}|(?:19|20)\d{2}-\d{2}-\d{2})(?!\w)",
    re.IGNORECASE,
)


@detector("news_items", params=("min_dated", "section_patterns", "min_text_words", "fields"))
def news_items(site: SiteFacts, params: dict[str, Any]) -> list[Evidence]:
    """K1: the site disseminates information: several dated items (news, announcements, notices:
    ``min_dated`` dates in headings, link texts or text), a news/announcement section
    (``section_patterns`` in headings, titles or link texts), or an information page whose main text
    has at least ``min_text_words`` words (a profile, a service description)."""
    evs: list[Evidence] = []
    dated: list[Evidence] = []
    sec = _rx(params, "section_patterns")
    fields = _as_list(params.get("fields")) or ["headings", "link_text", "text"]
    min_words = int(params.get("min_text_words", 120))
    ix = _index(site)
    # menus and headings repeat on every page: their dates and section names are read once
    dates = ix.text_memo(("news_items.dates",))
    sections = ix.text_memo(("news_items.sections", sec))
    for page in ix.pages:
        for field in fields:
            for s in page_field(page, field):
                found = dates.get(s)
                if found is None:
                    found = dates[s] = [
                        (snippet_around(s, m.start(), m.end(), 80), "") for m in _DATE.finditer(s)
                    ]
                for snip, _ in found:
                    dated.append(_ev(page, snip, "news_items", f"dated item ({field})"))
        if sec is not None:
            for field in ("headings", "title", "link_text"):
                for s in page_field(page, field):
                    hit = sections.get(s)
                    if hit is None:
                        m = sec.search(s)
                        hit = sections[s] = [(s, m.group(0))] if m else []
                    for snip, matched in hit:
                        evs.append(_ev(page, snip, "news_items", f"section: /{matched}/"))
        if min_words and _words(page.text) >= min_words:
            evs.append(
                _ev(
                    page,
                    f"{page.title}: {page.text[:200]}",
                    "news_items",
                    f"information page ({_words(page.text)} words)",
                )
            )
    if len({e.snippet for e in dated}) >= int(params.get("min_dated", 3)):
        evs = dated[:3] + evs
    return _limit(evs, params)
