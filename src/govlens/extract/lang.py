"""Language of a page: declared first, guessed from stopwords otherwise.

A stopword count is enough to tell Indonesian, Malay and English apart on a page of text, costs
microseconds and needs no model (lingua limited to three languages still takes 100 MB).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-zA-Z]+")

_EN = frozenset(
    [
        "the",
        "and",
        "of",
        "to",
        "in",
        "for",
        "is",
        "on",
        "with",
        "that",
        "by",
        "this",
        "are",
        "be",
        "from",
        "at",
        "as",
        "an",
        "or",
        "was",
        "it",
        "not",
        "have",
        "has",
        "which",
        "you",
        "your",
        "our",
        "we",
        "will",
        "can",
        "all",
        "more",
        "about",
        "their",
        "they",
        "were",
        "been",
    ]
)
# Shared by Indonesian and Malay.
_IDMS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "dari",
        "untuk",
        "dengan",
        "ini",
        "pada",
        "dalam",
        "akan",
        "ke",
        "atau",
        "oleh",
        "juga",
        "tidak",
        "telah",
        "sebagai",
        "serta",
        "kepada",
        "bagi",
        "para",
        "dapat",
        "lebih",
        "ada",
    ]
)
_ID_ONLY = frozenset(
    [
        "adalah",
        "karena",
        "yaitu",
        "saja",
        "bisa",
        "pemerintah",
        "tersebut",
        "kami",
        "anda",
        "sudah",
        "melalui",
        "sehingga",
        "terhadap",
        "agar",
        "hari",
        "ketika",
        "masyarakat",
        "kabupaten",
        "kota",
        "berita",
        "dinas",
        "kegiatan",
        "selengkapnya",
        "tahun",
    ]
)
_MS_ONLY = frozenset(["kerana", "iaitu", "sahaja", "kerajaan", "mahupun", "perkhidmatan", "bahagian"])


def normalise_tag(tag: str) -> str:
    """'id-ID' -> 'id', 'in' (Java's old code for Indonesian) -> 'id', 'en_US' -> 'en'."""
    t = tag.strip().lower().replace("_", "-").split("-")[0].split(",")[0].strip()
    if t == "in":
        return "id"
    if t == "may":
        return "ms"
    return t if re.fullmatch(r"[a-z]{2,3}", t) else ""


def detect(text: str, sample: int = 20000) -> tuple[str, float]:
    """('id' | 'ms' | 'en' | '', confidence 0..1) from stopword counts on up to ``sample`` chars."""
    words = [w.lower() for w in _WORD.findall(text[:sample])]
    if len(words) < 5:
        return "", 0.0
    en = sum(1 for w in words if w in _EN)
    idms = sum(1 for w in words if w in _IDMS)
    id_only = sum(1 for w in words if w in _ID_ONLY)
    ms_only = sum(1 for w in words if w in _MS_ONLY)
    malayic = idms + id_only + ms_only
    total = en + malayic
    if total < 3:
        return "", 0.0
    if en >= malayic:
        return "en", en / total
    lang = "ms" if ms_only > id_only else "id"
    return lang, malayic / total


def page_language(html_lang: str, content_language: str, text: str) -> str:
    """Declared language, unless a page declares English and its text is plainly Indonesian/Malay.

    WordPress and many themes ship ``<html lang="en-US">`` untouched, so on Indonesian sites the
    declaration is often a default, not a statement; only that case is overridden, and only when the
    text is unambiguous.
    """
    declared = normalise_tag(html_lang) or normalise_tag(content_language)
    if declared and declared != "en":
        return declared
    guess, conf = detect(text)
    if declared == "en":
        return guess if guess in ("id", "ms") and conf >= 0.75 else "en"
    return guess
