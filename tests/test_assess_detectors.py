"""Detectors on synthetic facts: each CODING.md rule, in Indonesian and English."""

from __future__ import annotations

from govlens.assess.detectors import REGISTRY, check_params, is_channel_url, years_in
from govlens.types import Contact, Document, Embed, Form, Link, LinkCheck, PageFacts, SiteFacts


def page(url: str = "https://dinas.example.go.id/", **kw) -> PageFacts:
    kw.setdefault("status", 200)
    kw.setdefault("content_type", "text/html")
    return PageFacts(url=url, record_id=f"<urn:uuid:{abs(hash(url))}>", warc_file="s.warc.gz", **kw)


def site(*pages: PageFacts, seed: str = "https://dinas.example.go.id/", status: str = "ok", **kw) -> SiteFacts:
    return SiteFacts(site_id="s", seed_url=seed, organisation=None, scan_status=status, scan_detail="",
                     pages=list(pages), **kw)


def run(name: str, s: SiteFacts, **params):
    return REGISTRY[name](s, params)


def test_text_patterns_word_boundary_and_exclude():
    s = site(page(text="Markas besar. Pelatihan tanggap darurat bagi staf.", headings=["Info Bencana Banjir"]))
    assert not run("text_patterns", s, patterns=["rka"], fields=["text"])  # not inside "Markas"
    assert not run("text_patterns", s, patterns=["tanggap darurat"], fields=["text"], exclude=["pelatihan"])
    ev = run("text_patterns", s, patterns=["info\\s+bencana"], fields=["headings"])
    assert ev and ev[0].detector == "text_patterns" and ev[0].warc_record_id and "headings" in ev[0].detail


def test_text_patterns_near_and_min_matches():
    s = site(page(text="Jumlah Pendapatan 667076959895 dan Jumlah Belanja 36544796141. Kami selalu terbuka kepada warga tentang anggaran."))
    ev = run("text_patterns", s, patterns=["pendapatan|belanja|anggaran"], near=["\\d{9,}"], near_window=30)
    assert len(ev) == 2
    assert not run("text_patterns", s, patterns=["pendapatan"], min_matches=2)


def test_snippet_is_bounded():
    s = site(page(text="kata " * 500 + "LKjIP 2022 " + "kata " * 500))
    ev = run("text_patterns", s, patterns=["lkjip"])
    assert ev and len(ev[0].snippet) <= 300 and "LKjIP" in ev[0].snippet


def test_link_patterns_category_menu_is_not_a_document():
    menu = Link(url="https://x.go.id/produk-hukum", text="Peraturan", kind="internal", region="nav")
    doc = Link(url="https://x.go.id/up/perwal-12-2021.pdf", text="Perwal Nomor 12 Tahun 2021", kind="document")
    ev = run("link_patterns", site(page(links=[menu])), text=["peraturan|perwal"], also=["nomor\\s*\\d+"])
    assert not ev
    ev = run("link_patterns", site(page(links=[menu, doc])), text=["peraturan|perwal"], also=["nomor\\s*\\d+"])
    assert len(ev) == 1 and "Perwal Nomor 12" in ev[0].snippet


def test_link_patterns_also_ignores_upload_folder_years():
    lk = Link(url="https://x.org/wp-content/uploads/2019/05/Audit-Charter.pdf", text="Audit Charter", kind="document")
    assert not run("link_patterns", site(page(links=[lk])), text=["charter"], also=["(?:19|20)\\d{2}"])


def test_link_patterns_dead_targets_are_no_evidence_unless_asked():
    lk = Link(url="https://x.go.id/lkjip-2022.pdf", text="LKjIP 2022", kind="document")
    s = site(page(links=[lk]), link_checks={lk.url: LinkCheck(url=lk.url, status=404)})
    assert not run("link_patterns", s, text=["lkjip"])  # the archive shows the target gone
    assert run("link_patterns", s, text=["lkjip"], require_live=False)
    # a target the archive never fetched (the corpus copy dropped its PDFs) still names the document
    assert run("link_patterns", site(page(links=[lk])), text=["lkjip"])


def test_noop_links_are_not_links():
    lk = Link(url="", text="Renstra 2021-2026", kind="noop", raw_href="#")
    assert not run("link_patterns", site(page(links=[lk])), text=["renstra"])


def test_document_patterns_distinct_years():
    docs = [Document(url="https://x.go.id/a.pdf", text="LKjIP 2021", file_type="pdf", years=[2021]),
            Document(url="https://x.go.id/b.pdf", text="LKjIP 2022", file_type="pdf", years=[2022])]
    assert run("document_patterns", site(page(documents=docs)), text=["lkjip"], min_distinct_years=2)
    assert not run("document_patterns", site(page(documents=docs[:1])), text=["lkjip"], min_distinct_years=2)


def test_years_in_expands_ranges():
    assert years_in("PDRB 2015-2019") == {2015, 2019}
    assert years_in("FY 2017-18 budget") == {2017, 2018}


def test_official_domain_judges_the_seed_not_the_mirror():
    for host in ("https://dinas.cilegon.go.id/", "http://www.igb.illinois.gov/", "https://www.india.gov.in/",
                 "https://www.stratford.gov.uk/", "https://x.gob.mx", "https://x.gouv.fr", "https://x.nic.in",
                 "https://desa-a.desa.id", "https://army.mil"):
        assert run("official_domain", site(seed=host)), host
    for host in ("https://waynecounty.com/", "https://spm.github.io/", "https://mygov.com", "https://gov.example.org"):
        assert not run("official_domain", site(seed=host)), host
    assert REGISTRY["official_domain"].needs_pages is False
    assert run("official_domain", site(seed="https://kota.example.id/"), extra_suffixes=["example\\.id"])


def test_official_domain_cites_the_archived_exchange_at_the_address():
    home = page("https://dinas.example.go.id/")
    ev = run("official_domain", site(page("https://dinas.example.go.id/berita"), home))
    assert ev[0].warc_record_id == home.record_id and ev[0].warc_file == "s.warc.gz"
    # a site that never answered: the failed attempt at the seed is still a record of the archive
    failed = LinkCheck(url="https://dinas.example.go.id/", status=None, error="connect", record_id="<urn:uuid:f>")
    ev = run("official_domain", site(status="unreachable", link_checks={failed.url: failed}))
    assert ev[0].warc_record_id == "<urn:uuid:f>"
    assert run("official_domain", site())[0].warc_record_id == ""  # nothing archived: nothing to cite


def test_social_channels_exclude_share_and_posts():
    links = [
        Link(url="https://www.facebook.com/sharer/sharer.php?u=x", text="Share", kind="social", is_share=True),
        Link(url="https://twitter.com/intent/tweet?text=x", text="Tweet", kind="social"),
        Link(url="https://twitter.com/Pemkab/status/123", text="post", kind="social"),
        Link(url="https://www.youtube.com/watch?v=abc", text="video", kind="social"),
    ]
    assert not run("social_channels", site(page(links=links)))
    links.append(Link(url="https://www.instagram.com/dinaskominfo/", text="Instagram", kind="social"))
    ev = run("social_channels", site(page(links=links)))
    assert [e.detail for e in ev] == ["instagram channel (link)"]
    assert is_channel_url("https://www.youtube.com/channel/UC3Xf")
    embed = Embed(kind="iframe", src="https://www.facebook.com/plugins/page.php?href=https%3A%2F%2Fwww.facebook.com%2Fpemkab")
    assert run("social_channels", site(page(embeds=[embed])), sources=["embed"])


def test_contacts_need_official_and_channel():
    only_channel = page(full_text="Hubungi kami: Telp. (0254) 391234, surel info[at]cilegon[dot]go[dot]id")
    assert not run("contacts", site(only_channel))
    both = page(full_text="Kepala Dinas: Drs. H. Ahmad Fauzi, M.Si. Alamat: Jl. Raya No. 1, Telp. (0254) 391234")
    ev = run("contacts", site(both))
    details = {e.detail.split(":")[0] for e in ev}
    assert details == {"official", "contact"}
    en = page(full_text="Maurice D. Cox, Chair. For questions call (312) 744-4190.")
    assert run("contacts", site(en))


def test_contacts_reject_org_names_and_sentence_ends():
    p = page(full_text="Kepala Dinas Kependudukan Dan Catatan Sipil. Surat dari Lurah Setempat. Fotocopy Akta. "
                       "Email: info@disduk.go.id")
    assert not run("contacts", site(p))


def test_contacts_use_extractor_officials():
    p = page(contacts=[Contact(kind="official", value="Budi Santoso (Kepala Dinas)", snippet="Kepala Dinas Budi Santoso"),
                       Contact(kind="fax", value="+62254391235", snippet="Faks. (0254) 391235")])
    assert len(run("contacts", site(p))) == 2


def test_forms_need_fields_and_action():
    f_empty = Form(kind="complaint", action="", method="post", fields=["nama", "aduan"])
    f_ok = Form(kind="complaint", action="/kirim", method="post", fields=["nama", "aduan"], text="Form Pengaduan")
    assert not run("forms", site(page(forms=[f_empty])), kinds=["complaint"])
    assert run("forms", site(page(forms=[f_empty])), kinds=["complaint"], require_action=False)
    assert run("forms", site(page(forms=[f_ok])), kinds=["complaint"])
    assert not run("forms", site(page(forms=[Form(kind="search", action="/s", method="get", fields=["q"])])))


def test_complaint_channel_needs_submit_and_followup():
    params = {"submit_text": ["pengaduan"], "followup": ["tindak\\s*lanjut|nomor\\s+tiket"],
              "national": ["lapor\\.go\\.id"]}
    submit_only = page(links=[Link(url="https://x.go.id/pengaduan", text="Pengaduan", kind="internal")])
    assert not run("complaint_channel", site(submit_only), **params)
    both = page(links=submit_only.links, text="Simpan nomor tiket untuk melacak tindak lanjut aduan Anda.")
    ev = run("complaint_channel", site(both), **params)
    assert {e.detail.split(":")[0] for e in ev} == {"submit", "follow-up"}
    lapor = page(links=[Link(url="https://www.lapor.go.id/", text="SP4N LAPOR!", kind="external")])
    ev = run("complaint_channel", site(lapor), **params)
    assert ev and ev[0].detail.startswith("national platform")


def test_poll_takes_input_or_publishes_results():
    assert run("poll", site(page(forms=[Form(kind="poll", action="", method="post", fields=["pilihan"])])))
    assert run("poll", site(page(headings=["Hasil Polling Warga"])), result_patterns=["hasil\\s+polling"])
    assert not run("poll", site(page(text="Tidak ada apa-apa")), patterns=["jajak pendapat"])


def test_news_items_dated_or_information_page():
    dated = page(links=[Link(url=f"https://x.go.id/b/{i}", text=f"Berita {i} 1{i} Agustus 2022", kind="internal")
                        for i in range(3)])
    assert run("news_items", site(dated), min_dated=3, min_text_words=0)
    assert not run("news_items", site(page(text="short")), min_dated=3)
    assert run("news_items", site(page(text="kata " * 130)), min_text_words=120)


def test_year_series_needs_figures_not_a_year_menu():
    table = page(text="Indikator 2019 2020 2021 2022 IPM 74.97 75.62 75.75 76.09")
    menu = page(text="Arsip: 2005 | 2006 | 2007 | 2008 | Monday 13 | Monday 18 | 2 | 3")
    assert run("year_series", site(table), min_years=3)
    assert not run("year_series", site(menu), min_years=3)


def test_year_series_one_year_per_row():
    rows = page(text="Tahun\tIndeks\tPredikat\n2021\t2,10\tCukup\n2022\t2,45\tCukup\n2023\t3,12\tBaik\n")
    ev = run("year_series", site(rows), min_years=3)
    assert ev and "one per row" in ev[0].detail
    news = page(text="Berita A 18/12/2023 12,5 mm\nBerita B 27/11/2022 3,12\nBerita C 12 Oktober 2021 4,5%\n")
    archive = page(text="2023 (12)\n2022 (8)\n2021 (30)\n")
    two = page(text="2022\t2,45\n2023\t3,12\n")
    assert not run("year_series", site(news), min_years=3)
    assert not run("year_series", site(archive), min_years=3)
    assert not run("year_series", site(two), min_years=3)


def test_pages_that_failed_are_not_evidence():
    p404 = page(url="https://x.go.id/hilang", status=404, text="LKjIP 2022")
    soft = page(url="https://x.go.id/soft", soft_404=True, text="LKjIP 2022")
    assert not run("text_patterns", site(p404, soft), patterns=["lkjip"])


def test_check_params_reports_typos_and_bad_regex():
    assert check_params("text_patterns", {"pattern": ["x"]})
    assert check_params("text_patterns", {"patterns": ["(unclosed"]})
    assert not check_params("text_patterns", {"patterns": ["ok"], "fields": ["text"]})
