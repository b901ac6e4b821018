"""The bundled sample sites are consistent: every link on them answers what docs/demo.md says.

A typo in a hand-written page would otherwise show up as a surprising verdict three stages later;
here it shows up as a link that answers 404 without being on the list of links that are dead on
purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest
import yaml

from govlens.demo.documents import DEAD_DOCUMENTS
from govlens.demo.server import HOSTS, HOSTS_BY_NAME, DemoServer, demo_portfolio_path, sites_dir

SITE_HOSTS = [h for h in HOSTS if h.area == "site"]

#: Links on the bundled pages that must NOT answer 200, and what they answer instead.
EXPECTED_NOT_200: dict[str, int | str] = {
    **{f"https://{h}{p}": 404 for h, p in DEAD_DOCUMENTS},
    "https://eretribusi.demokota.go.id/": 404,  # dead service on the city portal
    "https://sicantik.dpmptsp.demokota.go.id/": 404,  # "Perizinan Online"
    "https://bpbd.demokota.go.id/": "refused",
    "https://simpeg.demokota.go.id/": 302,  # -> /login
    "http://inspektorat.demokota.go.id/": 301,  # -> https
    "https://inspektorat.demokota.go.id/pengaduan/": 302,  # -> lapor.go.id
    "https://inspektorat.demokota.go.id/arsip/": 302,  # loop
    # Blogger boilerplate links that a real Blogspot export carries but the demo does not serve
    "https://satpolpp-demokota.blogspot.com/favicon.ico": 404,
    "https://satpolpp-demokota.blogspot.com/feeds/posts/default": 404,
    "https://satpolpp-demokota.blogspot.com/search?updated-max=2023-09-12T08:00:00%2B07:00&max-results=7": 404,
}

_LINK = re.compile(r"""<(?:a|link|script|iframe)\b[^>]*?\b(?:href|src)\s*=\s*(["'])(.*?)\1""", re.I | re.S)


def _pages(folder: str) -> list[str]:
    root = sites_dir() / folder
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.html") if not p.name.startswith("_404"))


def test_total_size_is_small() -> None:
    total = sum(p.stat().st_size for p in sites_dir().rglob("*") if p.is_file())
    assert total < 1_000_000, total


@pytest.mark.parametrize("host", SITE_HOSTS, ids=lambda h: h.folder)
def test_site_shape(host: object) -> None:
    folder = host.folder  # type: ignore[attr-defined]
    assert (sites_dir() / folder / "robots.txt").is_file()
    pages = _pages(folder)
    if host.fallback == "spa":  # type: ignore[attr-defined]
        assert pages == ["index.html"]  # the JS-only shell answers every route
    else:
        assert 3 <= len(pages) <= 12, pages


def test_portfolio_matches_hosts() -> None:
    data = yaml.safe_load(demo_portfolio_path().read_text(encoding="utf-8"))
    assert data["portfolio"]["main_portal"] == "www"
    ids = [o["id"] for o in data["organisations"]]
    assert len(ids) == len(set(ids)) >= 10
    for org in data["organisations"]:
        for url in org["sites"]:
            host = HOSTS_BY_NAME[urlsplit(url).hostname or ""]
            assert host.area in ("site", "closed"), url
            if host.area == "site":
                assert host.folder == org["id"]
    by_id = {o["id"]: o for o in data["organisations"]}
    assert HOSTS_BY_NAME[urlsplit(by_id["bpbd"]["sites"][0]).hostname or ""].area == "closed"
    assert not urlsplit(by_id["satpolpp"]["sites"][0]).hostname.endswith(".go.id")  # type: ignore[union-attr]
    assert by_id["kesbangpol"]["sites"] == []


def test_portfolio_loads_with_the_loader() -> None:
    loader = pytest.importorskip("govlens.portfolio")
    if not hasattr(loader, "load_portfolio"):
        pytest.skip("govlens.portfolio.load_portfolio is not there yet")
    pf = loader.load_portfolio(demo_portfolio_path())
    assert pf.main_portal == "www"
    assert {o.id for o in pf.organisations} >= {"www", "dinkes", "bpbd", "kesbangpol", "inspektorat"}


@pytest.fixture(scope="module")
def demo() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


def _links_on_bundled_pages() -> dict[str, str]:
    """Every link (href/src of a, link, script, iframe) that points at a demo host, resolved against
    the page's ORIGINAL URL as the crawler does, with the page it was found on."""
    out: dict[str, str] = {}
    for host in [h for h in HOSTS if h.area in ("site", "app")]:
        root = sites_dir() / host.folder
        for page in root.rglob("*.html"):
            rel = page.relative_to(root).as_posix()
            if rel.startswith("_q/"):
                k, _, v = rel[3:-5].partition("-")
                base = f"https://{host.host}/?{k}={v}"
            else:
                base = f"https://{host.host}/{rel}"
            for _, href in _LINK.findall(page.read_bytes().decode("latin-1")):
                href = unescape(href).strip()
                if not href or href.startswith(("#", "javascript:", "mailto:", "tel:")):
                    continue
                url = urljoin(base, href).split("#", 1)[0]
                target = HOSTS_BY_NAME.get(urlsplit(url).hostname or "")
                if target is not None and target.area != "ext":
                    out.setdefault(url, f"{host.host}/{rel}")
    return out


async def test_every_demo_link_answers_as_designed(demo: DemoServer) -> None:
    links = _links_on_bundled_pages()
    assert len(links) > 100
    wrong: dict[str, str] = {}
    async with aiohttp.ClientSession() as session:
        for url, found_on in sorted(links.items()):
            try:
                async with session.get(demo.local_url(url), allow_redirects=False) as r:
                    got: int | str = r.status
            except aiohttp.ClientConnectorError:
                got = "refused"
            want = EXPECTED_NOT_200.get(url, 200)
            if got != want:
                wrong[url] = f"answered {got}, expected {want} (linked from {found_on})"
    assert not wrong, wrong


# --------------------------------------------------------------------------- the answer key

REPO = sites_dir().parents[3]
SYMBOLS = {"M": "met", "–": "not_met", "?": "cannot_tell", "R": "needs_review"}
MODELS = {
    "broadcasting": ["K1", "K2", "K3", "E1", "E2", "E3", "E4", "E5"],
    "critical": ["C1", "C2", "C3", "C4", "C5"],
    "comparative": ["A1", "A2", "A3", "A4", "A5"],
    "mobilisation": ["M1", "M2", "M3", "M4", "M5"],
    "interactive": ["I1", "I2", "I3", "I4", "I5"],
}


def _markdown_table() -> dict[str, dict[str, str]]:
    md = (REPO / "docs" / "demo.md").read_text(encoding="utf-8").splitlines()
    header = next(line for line in md if line.startswith("| | www"))
    sites = [c.strip() for c in header.strip("|").split("|")][1:]
    table: dict[str, dict[str, str]] = {s: {} for s in sites}
    for line in md:
        if line.startswith("| **"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            for site, cell in zip(sites, cells[1:], strict=True):
                if cell:
                    table[site][cells[0].strip("*")] = SYMBOLS[cell]
    return table


def test_expected_yaml_matches_docs_table() -> None:
    from govlens.demo import expected_verdicts_path

    expected = yaml.safe_load(expected_verdicts_path().read_text(encoding="utf-8"))["sites"]
    table = _markdown_table()
    assert set(expected) == set(table)
    for site, entry in expected.items():
        assert entry["verdicts"] == table[site], site
    codes = [c for cs in MODELS.values() for c in cs]
    for site, entry in expected.items():
        if entry["verdicts"]:
            assert list(entry["verdicts"]) == codes, site
    assert {s for s, e in expected.items() if not e["verdicts"]} == {"bpbd", "kesbangpol"}
    assert expected["disparbud"]["scan_status"] == "js_only"
    assert expected["bpbd"]["scan_status"] == "unreachable"


def test_every_model_has_evidence_somewhere_and_scores_spread() -> None:
    from govlens.demo import expected_verdicts_path

    expected = yaml.safe_load(expected_verdicts_path().read_text(encoding="utf-8"))["sites"]
    for model, codes in MODELS.items():
        assert any(e["verdicts"].get(c) == "met" for e in expected.values() for c in codes), model
    broadcasting = {
        s: sum(e["verdicts"].get(c) == "met" for c in MODELS["broadcasting"])
        for s, e in expected.items()
        if e["scan_status"] == "ok"
    }
    assert len(set(broadcasting.values())) >= 4, broadcasting
