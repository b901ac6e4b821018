"""extract on the real labelled corpus (../shared/corpus): facts the human coders relied on must be found.

Assertions follow the coders' labels (labels/*.yaml) generically, e.g. every site whose K3 is met
yields at least one social channel; a few spot checks use evidence quotes from malangkab.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml

from govlens.extract import extract_site
from govlens.types import LinkKind, SiteFacts

pytestmark = pytest.mark.corpus

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
if not (CORPUS / "warc").is_dir():
    pytest.skip(
        f"the real-site corpus is not here ({CORPUS} is absent: it sits beside the repo)",
        allow_module_level=True,
    )

from govlens.archive import group_sites  # noqa: E402 - only once the corpus is known to exist

SLUGS = sorted(p.name.removesuffix(".warc.gz") for p in (CORPUS / "warc").glob("*.warc.gz"))


@cache
def site(slug: str) -> SiteFacts:
    caps = group_sites([CORPUS / "warc" / f"{slug}.warc.gz"])
    assert caps, slug
    facts = [extract_site(c) for c in caps]
    main = max(facts, key=lambda f: len(f.pages))
    for other in facts:
        if other is not main:
            main.pages.extend(other.pages)
    return main


@cache
def label(slug: str) -> dict:
    return yaml.safe_load((CORPUS / "labels" / f"{slug}.yaml").read_text())["criteria"]


def verdict(slug: str, code: str) -> str:
    return label(slug)[code]["verdict"]


@pytest.mark.parametrize("slug", [s for s in SLUGS if (CORPUS / "labels" / f"{s}.yaml").exists()])
def test_every_page_extracts_and_k3_sites_have_a_channel(slug):
    sf = site(slug)
    assert sf.pages, slug
    assert any(p.is_html for p in sf.pages)
    if verdict(slug, "K3") == "met":
        assert any(p.socials for p in sf.pages), f"{slug}: K3 met but no social channel found"


@pytest.mark.parametrize("slug", [s for s in SLUGS if (CORPUS / "labels" / f"{s}.yaml").exists()])
def test_e2_sites_have_contacts(slug):
    if verdict(slug, "E2") != "met":
        pytest.skip("E2 not met")
    kinds = {c.kind for p in site(slug).pages for c in p.contacts}
    assert kinds & {"email", "phone", "fax", "address"}, f"{slug}: {kinds}"


def test_malangkab_channels_jdih_officials_address():
    sf = site("id-portal-malangkab")
    home = sf.pages[0]
    chans = {(s.platform, s.handle.lower()) for s in home.socials}
    assert {("facebook", "pemkabmalang"), ("instagram", "malangkab"), ("youtube", "humaskabmalang")} <= chans
    assert any("jdih.malangkab.go.id" in link.url for link in home.links)
    assert all(not s.url.endswith("/status/1253161941716963328") for s in home.socials)  # a tweet is a post
    assert any("Sanusi" in c.value for c in home.contacts if c.kind == "official")
    assert any("Trunojoyo" in c.value for c in home.contacts if c.kind == "address")
    assert home.lang == "id"
    pdfs = [d for d in home.documents if d.file_type == "pdf"]
    assert any(
        "Capaian Kinerja Pemerintah 2023" in d.url.replace("%20", " ") and 2023 in d.years for d in pdfs
    )


def test_kedirikab_obfuscated_email_and_phone():
    home = site("id-berita-kedirikab").pages[0]
    emails = {c.value for c in home.contacts if c.kind == "email"}
    assert "diskominfo@kedirikab.go.id" in emails
    assert any(c.value.startswith("+62354") for c in home.contacts if c.kind == "phone")


def test_bantul_fax_and_address():
    contacts = [c for p in site("id-portal-bantulkab-profil").pages for c in p.contacts]
    assert any(c.kind == "fax" for c in contacts)
    assert any("Monginsidi" in c.value for c in contacts if c.kind == "address")


def test_india_phone_and_fax_use_country_code():
    contacts = [c for p in site("in-india-gov-national-portal").pages for c in p.contacts]
    assert any(c.kind == "phone" and c.value.startswith("+9111") for c in contacts)
    assert any(c.kind == "fax" and c.value.startswith("+9111") for c in contacts)


def test_links_have_sensible_kinds_everywhere():
    for slug in SLUGS:
        for p in site(slug).pages:
            for link in p.links:
                if link.kind == LinkKind.NOOP:
                    assert link.url == ""
                elif link.kind in (LinkKind.INTERNAL, LinkKind.EXTERNAL, LinkKind.SERVICE, LinkKind.DOCUMENT):
                    assert link.url.startswith(("http://", "https://")), (slug, link)
