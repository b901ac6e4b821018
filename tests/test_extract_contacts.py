"""Contacts: e-mails (disguised too), phones/fax/WhatsApp, addresses, named officials."""

from __future__ import annotations

import pytest

from govlens.extract import extract_page
from govlens.extract.contacts import decode_cfemail
from govlens.types import ArchivedRecord


def facts(body: str, url: str = "https://dinas.cilegon.go.id/kontak"):
    html = f"<html><head><title>Kontak</title></head><body>{body}</body></html>"
    return extract_page(
        ArchivedRecord(
            url=url,
            record_id="<r>",
            warc_file="t",
            offset=0,
            date="2026",
            record_type="response",
            status=200,
            headers={"content-type": "text/html"},
            content_type="text/html",
            body=html.encode(),
        )
    )


def of_kind(f, kind: str) -> list[str]:
    return [c.value for c in f.contacts if c.kind == kind]


@pytest.mark.parametrize(
    "written",
    [
        "diskominfo@cilegon.go.id",
        "diskominfo[at]cilegon[dot]go[dot]id",
        "diskominfo [at] cilegon [dot] go [dot] id",
        "diskominfo (at) cilegon (dot) go (dot) id",
        "diskominfo{at}cilegon.go.id",
        "diskominfo at cilegon dot go dot id",
        "DiskomInfo@Cilegon.go.id",
    ],
)
def test_email_forms(written):
    f = facts(f"<p>Surel: {written}</p>")
    assert of_kind(f, "email") == ["diskominfo@cilegon.go.id"]
    assert written.split()[0][:5].lower() in f.contacts[0].snippet.lower()


def test_email_in_mailto_with_query():
    f = facts('<a href="mailto:Info@Kota.go.id?subject=Halo">Kirim surel</a>')
    assert of_kind(f, "email") == ["info@kota.go.id"]


def test_bare_at_in_a_sentence_is_not_email():
    assert of_kind(facts("<p>Meet us at the office.building today</p>"), "email") == []


def test_invalid_and_image_names_rejected():
    f = facts("<p>logo@2x.png and bad@@x and a@b</p>")
    assert of_kind(f, "email") == []


def _cf(email: str, key: int = 0x42) -> str:
    return f"{key:02x}" + "".join(f"{ord(c) ^ key:02x}" for c in email)


def test_cloudflare_email_protection_decoded():
    hexed = _cf("humas@kota.go.id")
    assert decode_cfemail(hexed) == "humas@kota.go.id"
    f = facts(
        f'<p>Email: <a href="/cdn-cgi/l/email-protection" class="__cf_email__" data-cfemail="{hexed}">[email&#160;protected]</a></p>'
        f'<a href="/cdn-cgi/l/email-protection#{_cf("ppid@kota.go.id", 0x13)}">surel PPID</a>'
    )
    assert sorted(of_kind(f, "email")) == ["humas@kota.go.id", "ppid@kota.go.id"]
    assert any(link.kind == "mailto" for link in f.links)


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("(0254) 391234", "+62254391234"),
        ("0254-391234", "+62254391234"),
        ("+62 254 391234", "+62254391234"),
        ("0812-3456-7890", "+6281234567890"),
        ("021 1500 123", "+62211500123"),
    ],
)
def test_indonesian_phone_formats(written, e164):
    f = facts(f"<p>Telp. {written}</p>")
    assert of_kind(f, "phone") == ([e164] if e164 else [])


def test_fax_and_whatsapp_by_label():
    f = facts("<p>Telp. (0254) 391234 Fax. (0254) 391235</p><p>WhatsApp: 0812-3456-7890</p>")
    assert of_kind(f, "phone") == ["+62254391234"]
    assert of_kind(f, "fax") == ["+62254391235"]
    assert of_kind(f, "whatsapp") == ["+6281234567890"]


def test_fax_in_table_cell_and_combined_label():
    f = facts(
        "<table><tr><td>Faksimile</td><td>(0254) 391235</td></tr></table><p>Telp/Fax: (0254) 391200</p>"
    )
    assert "+62254391235" in of_kind(f, "fax")
    assert "+62254391200" in of_kind(f, "fax") and "+62254391200" in of_kind(f, "phone")


def test_dates_and_staff_numbers_are_not_phones():
    f = facts("<p>Periode 2021-2026, NIP 19800101 200501 1 002, dilihat 2024-06-26 05:08:34</p>")
    assert of_kind(f, "phone") == []


def test_whatsapp_link_and_tel_link():
    f = facts('<a href="https://wa.me/6281234567890">Chat</a><a href="tel:0254391234">Hubungi</a>')
    assert of_kind(f, "whatsapp") == ["+6281234567890"]
    assert of_kind(f, "phone") == ["+62254391234"]


def test_us_phone_uses_site_region():
    f = facts("<p>Call 312-744-5000</p>", url="https://www.chicago.gov/city/en.html")
    assert of_kind(f, "phone") == ["+13127445000"]


@pytest.mark.parametrize(
    "line",
    [
        "Jl. Jenderal Sudirman No. 2, Kota Cilegon, Banten 42411",
        "Alamat: Jalan Raya Merak Km. 3, Cilegon",
        "silakan datang ke kantor kami di Jl. Trunojoyo Kav. 3, Kepanjen",
        "121 N. LaSalle Street, Chicago, IL 60602",
    ],
)
def test_addresses(line):
    f = facts(f"<p>{line}</p>")
    addrs = of_kind(f, "address")
    assert len(addrs) == 1
    assert any(w in addrs[0] for w in ("Sudirman", "Merak", "Trunojoyo", "LaSalle"))


def test_address_stops_at_phone_label():
    f = facts("<p>Alamat: Jl. Sudirman No. 2, Cilegon 42411 Telp. (0254) 391234</p>")
    assert of_kind(f, "address") == ["Jl. Sudirman No. 2, Cilegon 42411"]


@pytest.mark.parametrize("text", ["Gelar Jalan Sehat Dusun Bangsri Desa Ardirejo", "Jalan-jalan ke pantai"])
def test_not_addresses(text):
    assert of_kind(facts(f"<p>{text}</p>"), "address") == []


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Kepala Dinas Komunikasi dan Informatika: Drs. H. Ahmad Yani, M.Si.", "Drs. H. Ahmad Yani, M.Si."),
        ("Kepada bpk bupati kab.malang Drs. H. M. Sanusi, M.M.", "Drs. H. M. Sanusi, M.M."),
        ("Sekretaris : Budi Santoso", "Budi Santoso"),
        ("Ir. Siti Aminah, S.T., M.T. selaku Kepala Bidang Tata Ruang", "Ir. Siti Aminah, S.T., M.T."),
        ("Camat Makale, Drs. Yohanis Patiung", "Drs. Yohanis Patiung"),
        ("Mayor Brandon Johnson announced", "Brandon Johnson"),
        ("Vice-Chair: Al Haidous", "Al Haidous"),
        ("Kepala Dinas : AGUS BUDIRAHARJA, SKM, M.Kes", "AGUS BUDIRAHARJA, SKM, M.Kes"),
        ("Tomás Aragón, Director of Public Health", None),
    ],
)
def test_officials(text, name):
    f = facts(f"<p>{text}</p>")
    names = [c.raw for c in f.contacts if c.kind == "official"]
    if name is None:
        assert names == [] or all("Director" not in n for n in names)
    else:
        assert name in names, names


def test_title_without_a_name_is_not_an_official():
    f = facts(
        "<p>Sambutan Kepala Dinas</p><p>Director of Public Health Services</p><p>Treasurer FOIA Request</p>"
    )
    assert of_kind(f, "official") == []


def test_snippet_is_bounded():
    f = facts("<p>" + "kata " * 200 + "Telp. (0254) 391234 " + "kata " * 200 + "</p>")
    c = f.contacts[0]
    assert len(c.snippet) <= 200 and "391234" in c.snippet


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        # a definition list: the post in <dt>, the name (and its contacts) in <dd>
        (
            "<dl><dt>Kepala Bappeda</dt><dd>Ir. Bambang Setiadi, M.T. &ndash; Telp. (0254) 394200</dd>"
            "<dt>Sekretaris</dt><dd>Yuliana Putri, S.E., M.Ak.</dd>"
            "<dt>Kepala Bidang Perencanaan, Pengendalian dan Evaluasi</dt><dd>Fajar Nugroho, S.T., M.PWK.</dd></dl>",
            {"Ir. Bambang Setiadi, M.T.", "Yuliana Putri, S.E., M.Ak.", "Fajar Nugroho, S.T., M.PWK."},
        ),
        # a heading with the post, the name in the next paragraph
        ("<h3>Kepala Dinas</h3><p>Drs. H. Ahmad Yani, M.Si.</p>", {"Drs. H. Ahmad Yani, M.Si."}),
        # a profile card with the name first and the post on the next line
        (
            "<p><strong>Rina Marlina, S.Kom., M.T.</strong><br>Kepala Dinas Komunikasi dan Informatika<br>"
            "Telp. (0254) 391500</p>",
            {"Rina Marlina, S.Kom., M.T."},
        ),
        # cards in a row, name first: each name goes with the post under it, not the one above
        (
            "<div><b>Budi Santoso, S.E.</b><br>Sekretaris</div><div><b>Andi Wijaya, S.T.</b><br>Kabid Aplikasi</div>",
            {"Budi Santoso, S.E.", "Andi Wijaya, S.T."},
        ),
    ],
)
def test_officials_on_adjacent_lines(body, expected):
    f = facts(body)
    officials = [c for c in f.contacts if c.kind == "official"]
    assert {c.raw for c in officials} == expected, [c.value for c in officials]
    if "Kabid Aplikasi" in body:
        assert {c.value for c in officials} == {"Sekretaris: Budi Santoso, S.E.", "Kabid: Andi Wijaya, S.T."}


def test_post_next_to_a_plain_line_is_not_an_official():
    f = facts("<ul><li>Sekretaris</li><li>Berita Terkini</li></ul><p>Perjanjian Kinerja Kepala Bappeda Tahun 2023</p>")
    assert of_kind(f, "official") == []
