"""extract_page on synthetic records: one test per rule, each able to fail on its own."""

from __future__ import annotations

import pytest

from govlens.extract import extract_page
from govlens.extract.charset import decode_body
from govlens.types import ArchivedRecord, LinkKind

SITE = "https://dinas.kota.go.id/"


def rec(
    body: str | bytes,
    url: str = SITE,
    content_type: str = "text/html",
    headers: dict[str, str] | None = None,
    status: int = 200,
    **kw: object,
) -> ArchivedRecord:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return ArchivedRecord(
        url=url,
        record_id=kw.pop("record_id", "<urn:uuid:1>"),
        warc_file="t.warc.gz",
        offset=0,  # type: ignore[arg-type]
        date=kw.pop("date", "2026-01-01T00:00:00Z"),
        record_type="response",
        status=status,  # type: ignore[arg-type]
        headers=headers or {"content-type": content_type},
        content_type=content_type,
        body=data,
        **kw,  # type: ignore[arg-type]
    )


def page(body_html: str, head: str = "", **kw: object):
    return extract_page(rec(f"<html><head>{head}</head><body>{body_html}</body></html>", **kw))  # type: ignore[arg-type]


def links_by_text(facts):
    return {link.text: link for link in facts.links}


# ----------------------------------------------------------------------------- charset


def test_charset_bom_wins_over_header():
    text, enc = decode_body(b"\xef\xbb\xbf<p>Caf\xc3\xa9</p>", "text/html; charset=iso-8859-1")
    assert enc == "utf-8" and "Café" in text


def test_charset_from_http_header():
    body = "<p>Café</p>".encode("cp1252")
    text, _ = decode_body(body, "text/html; charset=windows-1252")
    assert "Café" in text


def test_charset_meta_late_in_head():
    filler = "<script>" + "var x = 1;\n" * 400 + "</script>"  # pushes the meta past 1024 bytes
    html = f'<html><head>{filler}<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body>Café</body></html>'
    body = html.encode("cp1252")
    assert body.index(b"charset") > 1024
    text, enc = decode_body(body, "text/html")
    assert enc == "cp1252" and "Café" in text


def test_charset_meta_charset_attribute():
    body = '<meta charset="windows-1252"><p>“quoted”</p>'.encode("cp1252")
    assert "“quoted”" in decode_body(body)[0]


def test_charset_fallback_utf8_then_cp1252():
    assert decode_body("Café".encode())[0] == "Café"
    text, enc = decode_body(b"Caf\xe9 \x93ok\x94")
    assert enc == "cp1252" and text == "Café “ok”"


def test_charset_unknown_label_ignored():
    assert decode_body("Café".encode(), "text/html; charset=x-bogus")[0] == "Café"


def test_extract_page_decodes_latin1_page():
    body = '<html><head><meta charset="iso-8859-1"><title>Pengumuman Café</title></head><body>x</body></html>'
    facts = extract_page(rec(body.encode("cp1252"), headers={"content-type": "text/html"}))
    assert facts.title == "Pengumuman Café"


# ----------------------------------------------------------------------------- title, lang, text


def test_title_and_headings():
    f = page(
        "<h1>Beranda</h1><h2>Berita</h2><h5>small</h5><h4>Agenda</h4>", head="<title> Dinas  Kominfo </title>"
    )
    assert f.title == "Dinas Kominfo"
    assert f.headings == ["Beranda", "Berita", "Agenda"]


def test_lang_from_html_attribute():
    f = extract_page(rec('<html lang="id-ID"><body><p>The quick brown fox and the dog.</p></body></html>'))
    assert f.lang == "id"


def test_lang_from_content_language_header():
    r = rec(
        "<html><body><p>x</p></body></html>",
        headers={"content-type": "text/html", "content-language": "en-GB"},
    )
    assert extract_page(r).lang == "en"


def test_lang_detected_when_undeclared():
    ind = "Pemerintah kota telah menerbitkan pengumuman untuk masyarakat yang akan mengikuti kegiatan ini dan juga dapat dilihat pada laman berita."
    eng = "The council has published a notice for the residents who want to take part in the event and it is on the news page."
    assert page(f"<p>{ind}</p>").lang == "id"
    assert page(f"<p>{eng}</p>").lang == "en"


def test_lang_default_english_overridden_by_plain_indonesian():
    ind = " ".join(
        [
            "Pemerintah kabupaten telah menyampaikan bahwa kegiatan ini akan dilaksanakan pada tahun depan dan masyarakat dapat ikut serta."
        ]
        * 3
    )
    f = extract_page(rec(f'<html lang="en-US"><body><p>{ind}</p></body></html>'))
    assert f.lang == "id"


def test_main_text_excludes_menu_full_text_includes_it():
    para = "Pemerintah Kota mengumumkan jadwal pelayanan kependudukan selama libur nasional. " * 8
    html = f"""<nav><ul><li><a href="/a">Menu Satu</a></li><li><a href="/b">Menu Dua</a></li></ul></nav>
    <article><h1>Jadwal Pelayanan</h1><p>{para}</p><p>{para}</p></article>
    <footer>Hak Cipta 2024</footer><script>var hidden = "SCRIPTTEXT";</script><style>.x{{}}</style>"""
    f = page(html)
    assert "Jadwal pelayanan kependudukan".lower() in f.text.lower()
    assert "Menu Satu" not in f.text
    assert "Menu Satu" in f.full_text and "Hak Cipta 2024" in f.full_text
    assert "SCRIPTTEXT" not in f.full_text and ".x{" not in f.full_text


def test_full_text_keeps_block_lines_and_joins_inline():
    f = page("<div>Alamat</div><div><b>Telp</b>: (0254) 391234</div>")
    assert "Alamat\nTelp: (0254) 391234" in f.full_text


# ----------------------------------------------------------------------------- links


def test_links_internal_external_www_folded_and_base_href():
    f = page(
        '<a href="/profil">Profil</a><a href="https://www.dinas.kota.go.id/berita">Berita</a>'
        '<a href="https://kemendagri.go.id/">Kemendagri</a><a href="rel/page">Rel</a>',
        head='<base href="https://dinas.kota.go.id/sub/">',
    )
    by = links_by_text(f)
    assert by["Profil"].kind == LinkKind.INTERNAL and by["Profil"].url == "https://dinas.kota.go.id/profil"
    assert by["Berita"].kind == LinkKind.INTERNAL
    assert by["Kemendagri"].kind == LinkKind.EXTERNAL
    assert by["Rel"].url == "https://dinas.kota.go.id/sub/rel/page"


def test_links_use_original_url_as_base():
    f = extract_page(rec('<a href="/kontak">Kontak</a>', url="https://opd.cilegon.go.id/index.php"))
    assert f.links[0].url == "https://opd.cilegon.go.id/kontak"


def test_link_fragment_removed():
    f = page('<a href="/profil#visi">Visi</a>')
    assert f.links[0].url == "https://dinas.kota.go.id/profil"


@pytest.mark.parametrize(
    "href", ["#", "#!", "", "javascript:void(0)", "javascript:void(0);", "javascript:;", "  #  "]
)
def test_noop_links(href):
    f = page(f'<a href="{href}">Layanan</a>')
    assert f.links[0].kind == LinkKind.NOOP


def test_javascript_window_open_is_followed():
    f = page("<a href=\"javascript:window.open('https://lapor.go.id')\">Lapor</a>")
    assert f.links[0].kind == LinkKind.SERVICE and f.links[0].url == "https://lapor.go.id/"


def test_mailto_and_tel_links():
    f = page('<a href="mailto:info@kota.go.id">Surel</a><a href="tel:+62254391234">Telepon</a>')
    kinds = [link.kind for link in f.links]
    assert kinds == [LinkKind.MAILTO, LinkKind.TEL]


@pytest.mark.parametrize(
    ("text", "href"),
    [
        ("Layanan Online", "/layanan"),
        ("Perizinan", "/p"),
        ("Pengaduan Masyarakat", "/p2"),
        ("SP4N-LAPOR!", "https://www.lapor.go.id/"),
        ("Aplikasi Kepegawaian", "/apps"),
        ("e-Office", "/eo"),
        ("Kepegawaian", "https://simpeg.kota.go.id/"),
        ("Sistem", "https://sipp.kota.go.id/login"),
        ("Masuk", "https://e-office.kota.go.id/"),
        ("Apply online", "/x"),
    ],
)
def test_service_links(text, href):
    f = page(f'<a href="{href}">{text}</a>')
    assert f.links[0].kind == LinkKind.SERVICE, (text, href)


@pytest.mark.parametrize("text", ["E-mail kami", "Berita", "Profil Dinas"])
def test_not_service_links(text):
    assert page(f'<a href="/z">{text}</a>').links[0].kind == LinkKind.INTERNAL


def test_link_regions():
    html = """<header><a href="/h">H</a></header>
    <div class="main-menu"><a href="/m">M</a></div>
    <nav><a href="/n">N</a></nav>
    <div id="footer-widgets"><ul class="menu"><li><a href="/f">F</a></li></ul></div>
    <aside><a href="/s">S</a></aside>
    <article><header><a href="/ah">AH</a></header><p><a href="/b">B</a></p></article>"""
    by = links_by_text(page(html))
    assert by["H"].region == "header"
    assert by["M"].region == "nav"
    assert by["N"].region == "nav"
    assert by["F"].region == "footer"
    assert by["S"].region == "aside"
    assert by["AH"].region == "body"
    assert by["B"].region == "body"


def test_link_text_falls_back_to_img_alt_and_aria_label():
    f = page(
        '<a href="/x"><img src="i.png" alt="Logo Dinas"></a><a href="/y" aria-label="Cari"><i class="fa"></i></a>'
    )
    assert [link.text for link in f.links] == ["Logo Dinas", "Cari"]


# ----------------------------------------------------------------------------- socials


@pytest.mark.parametrize(
    ("href", "platform", "handle"),
    [
        ("https://www.facebook.com/PemkabMalang/", "facebook", "PemkabMalang"),
        ("https://web.facebook.com/profile.php?id=100064", "facebook", "100064"),
        ("https://www.instagram.com/malangkab/", "instagram", "malangkab"),
        ("https://www.youtube.com/user/HumasKabMalang", "youtube", "HumasKabMalang"),
        ("https://youtube.com/@diskominfo", "youtube", "@diskominfo"),
        ("https://www.youtube.com/channel/UC3XfkK2AGWbJC9zINJQZUzw", "youtube", "UC3XfkK2AGWbJC9zINJQZUzw"),
        ("https://twitter.com/Pemkab_Malang", "twitter", "Pemkab_Malang"),
        ("https://x.com/kominfo", "twitter", "kominfo"),
        ("https://www.tiktok.com/@pemkot", "tiktok", "@pemkot"),
        ("https://wa.me/6281234567890", "whatsapp", "6281234567890"),
        ("https://api.whatsapp.com/send?phone=6281234567890", "whatsapp", "6281234567890"),
        ("https://chat.whatsapp.com/AbCdEf", "whatsapp", "AbCdEf"),
        ("https://t.me/kotaku", "telegram", "kotaku"),
        ("https://www.linkedin.com/company/kota", "linkedin", "kota"),
    ],
)
def test_social_channels(href, platform, handle):
    f = page(f'<footer><a href="{href}">ikon</a></footer>')
    link = f.links[0]
    assert link.kind == LinkKind.SOCIAL and link.social_platform == platform and not link.is_share
    assert [(s.platform, s.handle, s.source) for s in f.socials] == [(platform, handle, "link")]


@pytest.mark.parametrize(
    "href",
    [
        "https://www.facebook.com/sharer/sharer.php?u=https://x.go.id/a",
        "https://www.facebook.com/sharer.php?u=x",
        "https://twitter.com/intent/tweet?text=x",
        "https://twitter.com/share?url=x",
        "https://wa.me/?text=Baca%20ini",
        "https://api.whatsapp.com/send?text=x",
        "https://t.me/share/url?url=x",
        "https://www.linkedin.com/shareArticle?url=x",
        "https://www.facebook.com/PemkabMalang/posts/123456",
        "https://www.instagram.com/p/Cx1234/",
        "https://www.youtube.com/watch?v=abc",
        "https://youtu.be/abc",
        "https://twitter.com/Pemkab_Malang/status/1253161941716963328",
        "https://www.tiktok.com/@pemkot/video/123",
        "https://platform.twitter.com/widgets.js",
    ],
)
def test_share_buttons_and_posts_are_not_channels(href):
    f = page(f'<a href="{href}">Bagikan</a>')
    assert f.links[0].kind == LinkKind.SOCIAL and f.links[0].is_share
    assert f.socials == []


def test_addthis_share_widget_is_share_not_channel():
    f = page('<a href="https://www.addthis.com/bookmark.php?v=300">Share</a>')
    assert f.links[0].is_share and f.socials == []


def test_social_channels_deduplicated():
    f = page('<a href="https://www.instagram.com/kota/">a</a><a href="https://instagram.com/kota">b</a>')
    assert len(f.socials) == 1


def test_embed_facebook_page_plugin_and_youtube_and_map():
    html = """<iframe src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2FDiskominfoKota&tabs=timeline"></iframe>
    <iframe src="https://www.youtube.com/embed/abc123"></iframe>
    <iframe data-src="https://www.google.com/maps/embed?pb=!1m18"></iframe>
    <a class="twitter-timeline" href="https://twitter.com/KotaKita">Tweets</a>
    <script async src="https://platform.twitter.com/widgets.js"></script>
    <video src="/media/profil.mp4"></video>"""
    f = page(html)
    kinds = {(e.kind, e.platform) for e in f.embeds}
    assert ("iframe", "facebook") in kinds
    assert ("video", "youtube") in kinds
    assert ("map", "google-maps") in kinds
    assert ("script-widget", "twitter") in kinds
    assert any(e.kind == "video" and e.src.endswith("/media/profil.mp4") for e in f.embeds)
    chans = {(s.platform, s.handle, s.source) for s in f.socials}
    assert ("facebook", "DiskominfoKota", "embed") in chans
    assert ("twitter", "KotaKita", "embed") in chans or ("twitter", "KotaKita", "link") in chans
    assert not any(s.platform == "youtube" for s in f.socials)  # a single video names no channel


def test_youtube_uploads_playlist_embed_is_channel():
    f = page(
        '<iframe src="https://www.youtube.com/embed/videoseries?list=UU3XfkK2AGWbJC9zINJQZUzw"></iframe>'
    )
    assert [(s.platform, s.url) for s in f.socials] == [
        ("youtube", "https://www.youtube.com/channel/UC3XfkK2AGWbJC9zINJQZUzw")
    ]


def test_jsonld_same_as_including_broken_json():
    good = '<script type="application/ld+json">{"@type":"GovernmentOrganization","sameAs":["https://www.facebook.com/kotaku","https://id.wikipedia.org/wiki/Kota"]}</script>'
    broken = '<script type="application/ld+json">{"@graph":[{"sameAs": ["https://www.instagram.com/kotaku"], }] </script>'
    f = page(good + broken)
    assert "https://id.wikipedia.org/wiki/Kota" in f.jsonld_same_as
    assert {(s.platform, s.source) for s in f.socials} == {("facebook", "jsonld"), ("instagram", "jsonld")}


def test_jsonld_trailing_comma_repaired():
    f = page('<script type="application/ld+json">{"sameAs": ["https://x.com/kota",],}</script>')
    assert f.jsonld_same_as == ["https://x.com/kota"]


# ----------------------------------------------------------------------------- documents


def test_documents_by_extension_years_and_periods():
    f = page(
        '<a href="/uploads/Renstra%202021-2026.pdf">Renstra Dinas 2021–2026</a>'
        '<a href="/files/lkjip.docx?v=2">LKjIP Tahun 2023</a>'
        '<a href="/dl?file=APBD.xlsx">APBD</a>'
    )
    docs = {d.file_type: d for d in f.documents}
    assert set(docs) == {"pdf", "docx", "xlsx"}
    assert docs["pdf"].years == [2021, 2022, 2023, 2024, 2025, 2026]
    assert any("2021" in p for p in docs["pdf"].periods)
    assert docs["docx"].years == [2023] and docs["docx"].how_typed == "extension"
    assert all(link.kind == LinkKind.DOCUMENT for link in f.links)


def test_documents_by_type_and_download_attributes_and_anchor():
    f = page(
        '<a href="/unduh/1" type="application/pdf">Perwal 12</a>'
        '<a href="/unduh/2" download="SOP Pelayanan.docx">SOP</a>'
        '<a href="/unduh/3">Laporan Kinerja (PDF, 2 MB)</a>'
    )
    got = [(d.file_type, d.how_typed) for d in f.documents]
    assert got == [("pdf", "content_type"), ("docx", "extension"), ("pdf", "anchor")]


def test_years_outside_range_and_inside_long_numbers_ignored():
    f = page('<a href="/a.pdf">NIP 198001012005011002 tahun 1985 dan 2040</a>')
    assert f.documents[0].years == []


# ----------------------------------------------------------------------------- forms


def test_form_kinds():
    html = """
    <form action="/cari"><input name="q"><button>Cari</button></form>
    <h3>Form Pengaduan</h3><form method="post" action="/kirim"><input name="nama"><input name="email" type="email"><textarea name="isi"></textarea></form>
    <form id="polling"><p>Jajak pendapat: bagaimana pelayanan kami?</p><input type="radio" name="p" value="1"><input type="radio" name="p" value="2"><button>Vote</button></form>
    <form action="/login"><input name="user"><input type="password" name="pw"></form>
    <form action="/contact"><input name="name"><input name="email"><textarea name="message"></textarea></form>
    <form action="/nl"><p>Berlangganan newsletter</p><input type="email" name="email"></form>
    <form action="/x"><input name="nik"><input name="tanggal"><input name="alamat"><input name="rw"></form>
    """
    forms = page(html).forms
    assert [f.kind for f in forms] == [
        "search",
        "complaint",
        "poll",
        "login",
        "contact",
        "subscribe",
        "other",
    ]
    assert forms[1].method == "post" and forms[1].action == "/kirim"
    assert "isi" in forms[1].fields and "Form Pengaduan" in forms[1].text


# ----------------------------------------------------------------------------- page health


def test_soft_404_from_title_or_h1():
    assert page("<h1>Halaman tidak ditemukan</h1>").soft_404
    assert page("<p>x</p>", head="<title>404 Not Found</title>").soft_404
    assert not page("<h1>Halaman tidak ditemukan</h1>", status=404).soft_404  # a real 404 is not soft
    long_news = "Warga melaporkan bahwa korban banjir di desa itu hingga kini masih belum juga tidak ditemukan oleh tim SAR gabungan"
    assert not page(f"<h1>{long_news}</h1>").soft_404


def test_soft_404_compared_with_probe():
    body = (
        "<nav><a href='/'>Beranda</a></nav><article><h2>Maaf</h2><p>"
        + "Konten yang dicari sedang dipindahkan ke alamat lain. " * 10
        + "</p></article>"
    )
    probe = rec(
        f"<html><head><title>Dinas</title></head><body>{body}</body></html>",
        url=SITE + "govlens-404-probe-x",
        record_id="<p>",
    )
    same = rec(
        f"<html><head><title>Dinas</title></head><body>{body}</body></html>",
        url=SITE + "layanan",
        record_id="<a>",
    )
    other = rec(
        "<html><head><title>Dinas</title></head><body><article><p>"
        + "Jadwal pelayanan KTP elektronik di kecamatan. " * 10
        + "</p></article></body></html>",
        url=SITE + "berita",
        record_id="<b>",
    )
    home = rec(
        f"<html><head><title>Dinas</title></head><body>{body}</body></html>", url=SITE, record_id="<c>"
    )
    assert extract_page(same, probe).soft_404
    assert not extract_page(other, probe).soft_404
    assert not extract_page(home, probe).soft_404


def test_needs_js_shell():
    shell = '<div id="root"></div><script src="/a.js"></script><script src="/b.js"></script>'
    assert page(shell).needs_js
    assert page(
        "<noscript>Please enable JavaScript to view this site.</noscript><div id='app'></div>"
    ).needs_js
    assert not page("<p>" + "Teks berita yang panjang. " * 30 + "</p><script></script>").needs_js


# ----------------------------------------------------------------------------- non-HTML


def _tiny_pdf(text: str) -> bytes:
    from io import BytesIO

    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = PdfWriter()
    p = w.add_blank_page(200, 200)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    p[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(font)})}
    )
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode())
    p[NameObject("/Contents")] = w._add_object(stream)
    w.add_metadata({"/Title": "Renstra 2021-2026"})
    buf = BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_pdf_record_title_and_text():
    f = extract_page(
        rec(_tiny_pdf("Rencana Strategis Dinas"), url=SITE + "renstra.pdf", content_type="application/pdf")
    )
    assert not f.is_html
    assert f.title == "Renstra 2021-2026"
    assert "Rencana Strategis" in f.text


def test_broken_pdf_and_other_binary_do_not_raise():
    f = extract_page(
        rec(b"%PDF-1.4 garbage", url=SITE + "x.pdf", content_type="application/pdf", truncated=True)
    )
    assert not f.is_html and f.text == ""
    g = extract_page(rec(b"\x89PNG\r\n", url=SITE + "x.png", content_type="image/png"))
    assert not g.is_html and g.links == []


def test_html_sniffed_without_content_type():
    f = extract_page(
        rec("<!DOCTYPE html><html><head><title>T</title></head><body></body></html>", content_type="")
    )
    assert f.is_html and f.title == "T"


# ----------------------------------------------------------------------------- hostile pages (break tests)


def test_unparseable_links_become_noop_not_crash_later():
    """'//[::1' and 'http://x:99999/' were kept as link URLs and crashed the assess stage
    (urlsplit: Invalid IPv6 URL), losing the whole site."""
    from urllib.parse import urlsplit

    facts = page('<a href="//[::1">a</a> <a href="http://x:99999/">b</a> <a href="https://[::1/x">c</a>'
                 ' <a href="ftp://files.example.go.id/a.pdf">d</a>')
    links = links_by_text(facts)
    assert links["a"].kind == LinkKind.NOOP and links["a"].url == ""
    assert links["b"].kind == LinkKind.NOOP and links["c"].kind == LinkKind.NOOP
    assert links["d"].url == "ftp://files.example.go.id/a.pdf"  # odd but valid: kept
    for link in facts.links:
        urlsplit(link.url).port  # noqa: B018 - every URL handed on must parse


def test_deeply_nested_page_extracts_quickly():
    import time

    t0 = time.monotonic()
    facts = page("<div>" * 100_000 + "Visi dan misi dinas" + "</div>" * 100_000 + "<p>Kontak kami</p>")
    assert time.monotonic() - t0 < 20  # was ~35 s
    assert "Visi dan misi dinas" in facts.full_text and "Kontak kami" in facts.full_text


def test_huge_page_skips_trafilatura_but_keeps_text():
    """A 5 MB page of 650k paragraphs took 97 s and 1.3 GB in trafilatura."""
    import time

    from govlens.extract.page import MAX_TRAFILATURA_CHARS

    body = "<main><h1>Berita</h1>" + "<p>x</p>" * (MAX_TRAFILATURA_CHARS // 8 + 10) + "<p>Akhir berita</p></main>"
    t0 = time.monotonic()
    facts = page(body)
    assert time.monotonic() - t0 < 30
    assert facts.text.startswith("Berita") and "Akhir berita" in facts.text


def test_page_text_is_capped():
    from govlens.extract.page import MAX_TEXT_CHARS

    facts = page("<p>" + "A" * (MAX_TEXT_CHARS * 3) + "</p>")
    assert len(facts.full_text) == MAX_TEXT_CHARS and len(facts.text) <= MAX_TEXT_CHARS
