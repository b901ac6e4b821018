"""The documents the demo sites actually serve, as (host, path) → title and a few lines of text.

Kept as data rather than binary files so a reviewer can see what each PDF says, and so the
expected verdicts in docs/demo.md can point at a readable source. Every document link on the bundled
pages that is NOT listed here answers 404 on purpose (see "Dead links" in docs/demo.md).
"""

from __future__ import annotations

from typing import NamedTuple

D = "demokota.go.id"


class DemoDocument(NamedTuple):
    title: str
    lines: tuple[str, ...] = ()
    fmt: str = "pdf"  # pdf | docx | xlsx


_NOTE = "Dokumen contoh govlens demo - Kota Demokota adalah kota fiktif."


def _doc(title: str, *lines: str, fmt: str = "pdf") -> DemoDocument:
    return DemoDocument(title, (*lines, _NOTE), fmt)


DOCUMENTS: dict[tuple[str, str], DemoDocument] = {
    # --- www (city portal) -- /ppid/dokumen/lppd-2022.pdf is dead on purpose
    (f"www.{D}", "/ppid/dokumen/dip-2023.pdf"): _doc("Daftar Informasi Publik Kota Demokota 2023"),
    (f"www.{D}", "/ppid/dokumen/perwal-12-2021.pdf"): _doc(
        "Peraturan Wali Kota Demokota Nomor 12 Tahun 2021", "tentang Pengelolaan Informasi Publik"
    ),
    # named only "Dokumen 2" on the PPID page: its content says it is the LKjIP (E4 by content)
    (f"www.{D}", "/ppid/dokumen/dokumen-2.pdf"): _doc(
        "Laporan Kinerja Instansi Pemerintah (LKjIP) Kota Demokota Tahun 2022",
        "Capaian indikator kinerja utama pemerintah daerah tahun 2022.",
    ),
    (f"www.{D}", "/ppid/dokumen/apbd-2023.pdf"): _doc(
        "APBD Kota Demokota Tahun Anggaran 2023",
        "Pendapatan daerah Rp 2.104 miliar; belanja daerah Rp 2.231 miliar.",
    ),
    # --- dinkes (WordPress) -- Renja-Dinkes-2023.pdf is dead on purpose
    (f"dinkes.{D}", "/wp-content/uploads/2021/10/Renstra-Dinkes-2021-2026.pdf"): _doc(
        "Rencana Strategis Dinas Kesehatan Kota Demokota 2021-2026"
    ),
    (f"dinkes.{D}", "/wp-content/uploads/2023/03/LKjIP-Dinkes-2022.pdf"): _doc(
        "LKjIP Dinas Kesehatan Kota Demokota Tahun 2022", "Capaian indikator kinerja utama tahun 2022."
    ),
    (f"dinkes.{D}", "/wp-content/uploads/2022/06/Perwal-05-2022-Standar-Pelayanan-Puskesmas.pdf"): _doc(
        "Peraturan Wali Kota Demokota Nomor 5 Tahun 2022", "tentang Standar Pelayanan Puskesmas"
    ),
    (f"dinkes.{D}", "/wp-content/uploads/2020/09/Perwal-18-2020-KTR.pdf"): _doc(
        "Peraturan Wali Kota Demokota Nomor 18 Tahun 2020", "tentang Kawasan Tanpa Rokok"
    ),
    # --- disdukcapil
    (f"disdukcapil.{D}", "/unduhan/sk-standar-pelayanan-2023.pdf"): _doc(
        "Keputusan Kepala Dinas Nomor 470/125/Disdukcapil/2023",
        "tentang Standar Pelayanan Administrasi Kependudukan",
    ),
    # linked as "Renstra Disdukcapil 2021-2026", but the file is a meeting invitation: no E3 evidence
    (f"disdukcapil.{D}", "/unduhan/renstra-disdukcapil-2021-2026.pdf"): _doc(
        "Undangan Rapat Koordinasi",
        "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada rapat koordinasi hari Senin, 4 Maret, "
        "pukul 09.00 WIB di aula kantor.",
    ),
    (f"disdukcapil.{D}", "/unduhan/maklumat-pelayanan.pdf"): _doc(
        "Maklumat Pelayanan Disdukcapil Kota Demokota"
    ),
    (f"disdukcapil.{D}", "/unduhan/laporan-skm-semester-ii-2023.pdf"): _doc(
        "Laporan Hasil Survei Kepuasan Masyarakat Semester II Tahun 2023",
        "IKM 86,4 (B). Unsur terendah: waktu penyelesaian.",
    ),
    # --- bappeda -- renja-bappeda-2024.pdf and kajian-banjir-cibeber.pdf are dead on purpose
    (f"bappeda.{D}", "/unduh/dokumen-7"): _doc(
        "Rencana Kerja Pemerintah Daerah (RKPD) Kota Demokota Tahun 2024",
        "Served without a file extension: only Content-Type and the %PDF magic say it is a PDF.",
    ),
    (f"bappeda.{D}", "/files/perda-3-2021-rpjmd.pdf"): _doc(
        "Peraturan Daerah Kota Demokota Nomor 3 Tahun 2021", "tentang RPJMD Kota Demokota Tahun 2021-2026"
    ),
    (f"bappeda.{D}", "/files/rpjmd-2021-2026.pdf"): _doc("RPJMD Kota Demokota 2021-2026"),
    (f"bappeda.{D}", "/files/renstra-bappeda-2021-2026.pdf"): _doc("Renstra Bappeda Kota Demokota 2021-2026"),
    (f"bappeda.{D}", "/files/apbd-2023.pdf"): _doc("APBD Kota Demokota Tahun Anggaran 2023"),
    (f"bappeda.{D}", "/files/realisasi-anggaran-2022.pdf"): _doc(
        "Laporan Realisasi Anggaran APBD Tahun 2022", "Realisasi belanja 91,3% dari anggaran."
    ),
    (f"bappeda.{D}", "/files/lkjip-bappeda-2021.pdf"): _doc("LKjIP Bappeda Kota Demokota Tahun 2021"),
    (f"bappeda.{D}", "/files/lkjip-bappeda-2022.pdf"): _doc("LKjIP Bappeda Kota Demokota Tahun 2022"),
    (f"bappeda.{D}", "/files/lkjip-bappeda-2023.pdf"): _doc(
        "LKjIP Bappeda Kota Demokota Tahun 2023", "Capaian 2023 dibandingkan dengan 2021 dan 2022."
    ),
    (f"bappeda.{D}", "/files/perjanjian-kinerja-2023.pdf"): _doc(
        "Perjanjian Kinerja Kepala Bappeda Tahun 2023"
    ),
    (f"bappeda.{D}", "/files/evaluasi-rpjmd-2022.pdf"): _doc(
        "Laporan Evaluasi Paruh Waktu RPJMD 2021-2026", "18 dari 24 indikator kinerja daerah sesuai target."
    ),
    (f"bappeda.{D}", "/files/kajian-kampung-kb-2022.pdf"): _doc(
        "Kajian Evaluasi Program Kampung KB Tahun 2022"
    ),
    (f"bappeda.{D}", "/files/berita-acara-musrenbang-2024.pdf"): _doc(
        "Berita Acara Musrenbang Kota RKPD 2024"
    ),
    # --- diskominfo
    (f"diskominfo.{D}", "/ppid/dokumen/perwal-7-2023-spbe.pdf"): _doc(
        "Peraturan Wali Kota Demokota Nomor 7 Tahun 2023", "tentang Penyelenggaraan SPBE"
    ),
    (f"diskominfo.{D}", "/ppid/dokumen/renja-diskominfo-2024.pdf"): _doc(
        "Renja Diskominfo Kota Demokota 2024"
    ),
    # a Word file linked as "Lampiran 1": its text is the performance report (E4 by content)
    (f"diskominfo.{D}", "/ppid/dokumen/lampiran-1.docx"): _doc(
        "Laporan Kinerja Dinas Komunikasi dan Informatika Tahun 2023",
        "Capaian indikator kinerja utama: indeks SPBE 3,12 (target 3,00).",
        fmt="docx",
    ),
    # --- inspektorat -- pkpt-2024.pdf is dead on purpose
    (f"inspektorat.{D}", "/files/ringkasan-lhp-bos-2022.pdf"): _doc(
        "Ringkasan LHP Pengelolaan Dana BOS Tahun 2022", "14 temuan; kerugian Rp 312.450.000."
    ),
    (f"inspektorat.{D}", "/files/ringkasan-audit-investigasi-alkes-2021.pdf"): _doc(
        "Ringkasan Audit Investigasi Pengadaan Alat Kesehatan 2021"
    ),
    (f"inspektorat.{D}", "/files/reviu-lkjip-2022.pdf"): _doc("Laporan Hasil Reviu LKjIP Kota Demokota 2022"),
    (f"inspektorat.{D}", "/files/perwal-20-2022.pdf"): _doc(
        "Peraturan Wali Kota Demokota Nomor 20 Tahun 2022", "tentang Pedoman Pengawasan"
    ),
    (f"inspektorat.{D}", "/files/renstra-inspektorat-2021-2026.pdf"): _doc("Renstra Inspektorat 2021-2026"),
    (f"inspektorat.{D}", "/files/lkjip-inspektorat-2022.pdf"): _doc(
        "LKjIP Inspektorat Kota Demokota Tahun 2022"
    ),
    # a spreadsheet linked as "Rekap 2023"
    (f"inspektorat.{D}", "/files/rekap-2023.xlsx"): _doc(
        "Laporan Realisasi Anggaran Inspektorat Tahun 2023",
        "Uraian | Anggaran | Realisasi",
        "Belanja Pegawai | 4120000000 | 3987500000",
        "Belanja Barang dan Jasa | 1850000000 | 1702300000",
        fmt="xlsx",
    ),
}

#: Document links on the bundled pages that answer 404 on purpose: the archive shows them gone, so
#: they are no evidence for their criterion, and the report lists them as broken links.
DEAD_DOCUMENTS: tuple[tuple[str, str], ...] = (
    (f"www.{D}", "/ppid/dokumen/lppd-2022.pdf"),
    (f"dinkes.{D}", "/wp-content/uploads/2023/01/Renja-Dinkes-2023.pdf"),
    (f"bappeda.{D}", "/files/renja-bappeda-2024.pdf"),
    (f"bappeda.{D}", "/files/kajian-banjir-cibeber.pdf"),
    (f"inspektorat.{D}", "/files/pkpt-2024.pdf"),
)
