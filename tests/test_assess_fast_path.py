"""The assess fast path (one factored regex per pattern list, a per-site index that remembers
regex answers, literal pre-checks, early stops) must return exactly what the straightforward
per-link, per-pattern code returned: same evidence, same order, same details.

The reference below is the pre-optimisation code, kept small on purpose: every link is checked
against freshly compiled per-pattern regexes, every string is scanned, nothing is remembered.
"""

from __future__ import annotations

import random
import re
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import pytest

from govlens.assess import load_framework
from govlens.assess.detectors import (
    REGISTRY,
    _compile,
    _heads,
    _limit,
    _short,
    content_pages,
    fold,
    indexed,
    page_field,
    snippet_around,
)
from govlens.types import Evidence, Link, LinkCheck, LinkKind, PageFacts, SiteFacts, to_dict

# --------------------------------------------------------------------------- the reference


def ref_rx(patterns: Any, word_boundary: bool = True) -> re.Pattern[str] | None:
    pats = [str(p) for p in (patterns if isinstance(patterns, list | tuple) else [patterns] if patterns else [])]
    if not pats:
        return None
    wrap = "(?<!\\w)(?:{})(?!\\w)" if word_boundary else "(?:{})"
    return re.compile("|".join(wrap.format(p) for p in pats), re.IGNORECASE | re.UNICODE)


def ref_basename(url: str) -> str:
    parts = urlsplit(url)
    return parts.path.rstrip("/").rsplit("/", 1)[-1] + ("?" + parts.query if parts.query else "")


def ref_link_matches(lk: Link, p: dict[str, Any]) -> str | None:
    trx, urx = ref_rx(p.get("text")), ref_rx(p.get("url"), word_boundary=False)
    href = unquote_plus(lk.url or lk.raw_href or "")
    t_hit = bool(trx and trx.search(lk.text or ""))
    u_hit = bool(urx and urx.search(href))
    mode = p.get("match", "either")
    if (mode == "text" and not t_hit) or (mode == "url" and not u_hit) or (mode == "both" and not (t_hit and u_hit)):
        return None
    if not (t_hit or u_hit):
        return None
    also, ex = ref_rx(p.get("also")), ref_rx(p.get("exclude"))
    if also is not None and not (also.search(lk.text or "") or also.search(ref_basename(href))):
        return None
    if ex is not None and ex.search(lk.text or ""):
        return None
    if len(re.findall(r"[^\W_]+", lk.text or "")) < int(p.get("min_words", 0)) and not u_hit:
        return None
    return "+".join(n for n, hit in (("text", t_hit), ("url", u_hit)) if hit)


def ref_ev(page: PageFacts, snippet: str, name: str, detail: str) -> Evidence:
    return Evidence(url=page.url, warc_record_id=page.record_id, warc_file=page.warc_file,
                    snippet=_short(snippet), detector=name, detail=detail)


def ref_link_patterns(site: SiteFacts, p: dict[str, Any]) -> list[Evidence]:
    kinds, regions = set(p.get("kinds") or []), set(p.get("regions") or [])
    evs = []
    for page in content_pages(site):
        for lk in page.links:
            if (kinds and lk.kind not in kinds) or (regions and lk.region not in regions):
                continue
            if lk.kind == LinkKind.NOOP and not p.get("include_noop", False):
                continue
            part = ref_link_matches(lk, p)
            if part is None:
                continue
            lc = site.link_checks.get(lk.url)
            if p.get("require_live", True) and lc is not None and lc.status is not None and lc.status >= 400:
                continue
            snip = f"{lk.text} → {lk.url or lk.raw_href}" if lk.text else (lk.url or lk.raw_href)
            evs.append(ref_ev(page, snip, "link_patterns", f"link {part} ({lk.kind})"))
    if len({e.snippet.lower() for e in evs}) < int(p.get("min_matches", 1)):
        return []
    return _limit(evs, p)


def ref_text_patterns(site: SiteFacts, p: dict[str, Any]) -> list[Evidence]:
    rx = ref_rx(p.get("patterns"), p.get("word_boundary", True))
    ex, near = ref_rx(p.get("exclude")), ref_rx(p.get("near"))
    window = int(p.get("near_window", 80))
    evs, pages = [], set()
    for page in content_pages(site):
        for field in p.get("fields") or ["text", "headings", "title"]:
            for s in page_field(page, field):
                for m in rx.finditer(s):
                    snip = snippet_around(s, m.start(), m.end())
                    if ex is not None and ex.search(snip):
                        continue
                    if near is not None and not near.search(s[max(0, m.start() - window) : m.end() + window]):
                        continue
                    evs.append(ref_ev(page, snip, "text_patterns", f"{field}: /{m.group(0)}/"))
                    pages.add(page.url)
    if len({e.snippet.lower() for e in evs}) < int(p.get("min_matches", 1)) or len(pages) < int(p.get("min_pages", 1)):
        return []
    return _limit(evs, p)


# --------------------------------------------------------------------------- synthetic sites

_WORDS = (
    "Berita Pengumuman Perda perwal Nomor No. 12 Tahun 2021 2019-2020 budget Budget APBD renstra RENJA SOP markas "
    "philosophy İzmir PERDA ſop sop Kelvin ıd rencana kerja pelayanan standar Standar online services pengaduan "
    "lapor jdih act code of ordinances Peraturan Daerah Bupati anggaran realisasi tindak lanjut status tiket "
    "polling forum survei kepuasan masyarakat minutes meeting agenda the public is invited to attend \u212aELVIN"
)
WORDS = _WORDS.split()
URL_BITS = ("perda", "sop", "standar_pelayanan", "budget", "jdih", "uploads/2019/05", "renstra-2021.pdf",
            "lapor", "forum", "Perwal%20No%2012%20Tahun%202021.pdf", "berita", "a%2Fb", "poll")


def _text(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _link(rng: random.Random, host: str) -> Link:
    kind = rng.choice([k.value for k in LinkKind])
    if kind == LinkKind.NOOP:
        return Link(url="", text=_text(rng, rng.randint(0, 3)), kind=kind, raw_href=rng.choice(["#", "javascript:void(0)"]))
    url = f"https://{host}/" + "/".join(rng.choice(URL_BITS) for _ in range(rng.randint(1, 3)))
    return Link(url=url, text=_text(rng, rng.randint(0, 6)), kind=kind,
                region=rng.choice(["nav", "header", "footer", "body", "aside"]))


def synthetic_site(seed: int, pages: int = 10) -> SiteFacts:
    rng = random.Random(seed)
    host = "dinas.example.go.id"
    menu = [_link(rng, host) for _ in range(25)]  # the menu: the same links on every page
    ps = []
    for i in range(pages):
        links = menu + [_link(rng, host) for _ in range(rng.randint(5, 40))]
        ps.append(PageFacts(
            url=f"https://{host}/p{i}", record_id=f"<urn:uuid:{seed}-{i}>", warc_file="s.warc.gz",
            status=rng.choice([200, 200, 200, 404]), content_type="text/html", title=_text(rng, 4),
            text=_text(rng, rng.randint(0, 300)), full_text=_text(rng, rng.randint(50, 400)),
            headings=[_text(rng, 3) for _ in range(rng.randint(0, 6))], links=links,
            soft_404=rng.random() < 0.05,
        ))
    checks = {lk.url: LinkCheck(lk.url, rng.choice([200, 404])) for p in ps for lk in p.links if lk.url}
    return SiteFacts(site_id=f"s{seed}", seed_url=f"https://{host}/", organisation=None, scan_status="ok",
                     scan_detail="", pages=ps, link_checks=checks)


def _uses(detector: str) -> list[dict[str, Any]]:
    out = []
    for name in ("nath-2019", "un-losi-2024-lite"):
        for _, c in load_framework(name).criteria():
            out += [dict(u.params) for u in c.detectors if u.detector == detector]
    return out


LINK_VARIANTS = [{}, {"match": "text"}, {"match": "url"}, {"match": "both"}, {"min_words": 3},
                 {"kinds": ["document", "internal"]}, {"regions": ["nav", "footer"]}, {"include_noop": True},
                 {"max_evidence": 2, "min_matches": 2}, {"require_live": False}, {"max_evidence": 1000}]
SYNTHETIC_LINK = [
    {"text": ["perda|perwal", "sop"], "url": ["perda|sop", "budget"], "also": ["(?:19|20)\\d{2}", "no\\.?\\s*\\d+"]},
    {"text": ["(?:\\w+\\s+){1,3}(?:act|code)"], "exclude": ["ordinances"]},
    {"url": ["(?:^|//|\\.)jdih", "/forum(?:[/?.]|$)"], "text": ["lapor|pengaduan"]},
]
TEXT_VARIANTS = [{}, {"fields": ["link_text", "headings", "title"]}, {"fields": ["full_text", "text"]},
                 {"max_evidence": 2}, {"min_matches": 3, "min_pages": 2}, {"word_boundary": False},
                 {"exclude": ["pelayanan"]}, {"near": ["\\d{4}"], "near_window": 20}, {"max_evidence": 1000}]
SYNTHETIC_TEXT = [{"patterns": ["sop", "perda\\s+\\w+", "(?:rencana\\s+)?kerja", "ı[dD]", "izmir", "kelvin"]},
                  {"patterns": ["\\d+\\s*-\\s*\\d+", "anggaran|realisasi"], "fields": ["text", "link_text"]}]


def _same(a: list[Evidence], b: list[Evidence]) -> bool:
    return to_dict(a) == to_dict(b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_link_patterns_match_reference(seed: int) -> None:
    site = synthetic_site(seed)
    cases = [{**u, **v} for u in _uses("link_patterns") + SYNTHETIC_LINK for v in LINK_VARIANTS]
    with indexed(site):  # as in assess_site: one index, its memos shared by every call
        for params in cases:
            got = REGISTRY["link_patterns"](site, params)
            assert _same(got, ref_link_patterns(site, params)), params
    for params in cases[::7]:  # and each on a fresh index
        assert _same(REGISTRY["link_patterns"](site, params), ref_link_patterns(site, params)), params


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_text_patterns_match_reference(seed: int) -> None:
    site = synthetic_site(seed)
    cases = [{**u, **v} for u in _uses("text_patterns") + SYNTHETIC_TEXT for v in TEXT_VARIANTS]
    with indexed(site):
        for params in cases:
            got = REGISTRY["text_patterns"](site, params)
            assert _same(got, ref_text_patterns(site, params)), params


def test_index_does_not_outlive_the_call() -> None:
    site = synthetic_site(4, pages=2)
    params = {"text": ["zebra crossing"]}
    assert REGISTRY["link_patterns"](site, params) == []
    content_pages(site)[0].links.append(Link(url="https://x/zebra", text="Zebra crossing", kind="internal"))
    assert len(REGISTRY["link_patterns"](site, params)) == 1


def test_factored_alternation_finds_the_same_matches() -> None:
    texts = [synthetic_site(5).pages[i].full_text for i in range(10)] + ["SOP-1 sop. (perda) İzmir ıd Kelvin"]
    pattern_lists = [tuple(str(x) for x in u[k]) for u in _uses("text_patterns") + _uses("link_patterns")
                     for k in ("patterns", "text", "also", "exclude") if isinstance(u.get(k), list)]
    for pats in pattern_lists:
        fast, ref = _compile(pats, True), ref_rx(list(pats))
        assert fast is not None and ref is not None
        for s in texts:
            assert [(m.span(), m.group(0)) for m in fast.finditer(s)] == [(m.span(), m.group(0)) for m in ref.finditer(s)]


def test_splices_fall_back_to_the_per_pattern_form() -> None:
    # 'a)|(b' only parses inside the per-pattern form, which must then be used as is
    assert _compile(("a)|(b",), True).pattern == ref_rx(["a)|(b"]).pattern  # type: ignore[union-attr]
    assert _heads(("a)|(b",)) is None


def test_fold_agrees_with_re_ignorecase_on_every_code_point() -> None:
    """Every character ``re.IGNORECASE`` takes for an ASCII character folds to it in lower case,
    so a literal pre-check on the folded text never rules out a real match."""
    chars = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for m in re.finditer(r"[\x00-\x7f]", chars, re.IGNORECASE | re.UNICODE):
        c = m.group(0)
        ascii_twins = {chr(x).lower() for x in range(128) if re.fullmatch(re.escape(chr(x)), c, re.IGNORECASE)}
        assert ascii_twins == {fold(c)}, (hex(ord(c)), ascii_twins, fold(c))


def test_heads_never_rule_out_a_match() -> None:
    rng = random.Random(7)
    strings = [_text(rng, rng.randint(1, 12)) for _ in range(400)]
    strings += [s.upper() for s in strings[:100]] + [s.replace("i", "İ").replace("s", "ſ") for s in strings[:100]]
    strings += [unquote_plus(f"https://h/{b}") for b in URL_BITS] + ["//jdih.x.go.id", "MİNİ ſOP KELVIN"]
    lists = [(tuple(str(x) for x in u[k]), k != "url") for u in _uses("text_patterns") + _uses("link_patterns")
             + SYNTHETIC_LINK + SYNTHETIC_TEXT for k in ("patterns", "text", "url", "also", "exclude")
             if isinstance(u.get(k), list)]
    checked = 0
    for pats, wb in lists:
        heads = _heads(pats)
        rx = ref_rx(list(pats), wb)
        assert rx is not None
        for s in strings:
            if rx.search(s):
                checked += 1
                assert heads is None or heads.search(fold(s)), (pats, s)
    assert checked > 200  # the strings do exercise the patterns
