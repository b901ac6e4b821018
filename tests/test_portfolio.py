from __future__ import annotations

from pathlib import Path

import pytest

from govlens.portfolio import PortfolioError, load_portfolio
from govlens.portfolio.loader import normalise_url, portfolio_from_urls

GOOD = """\
portfolio:
  name: Kota Contoh
  country: ID
  main_portal: pemkot
organisations:
  - id: pemkot
    name: Pemerintah Kota Contoh
    short: Pemkot
    kind: main
    sites: [https://www.contoh.go.id/]
    channels: {facebook: true, instagram: "https://www.instagram.com/pemkotcontoh/", x: false}
  - name: Dinas Kesehatan
    short: Dinkes
    site: dinkes.contoh.go.id
  - name: Badan Tanpa Situs
    short: BTS
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_loads_with_defaults(tmp_path: Path) -> None:
    pf = load_portfolio(write(tmp_path, "p.yaml", GOOD))
    assert pf.name == "Kota Contoh" and pf.main_portal == "pemkot"
    pemkot, dinkes, bts = pf.organisations
    assert pemkot.kind == "main"
    chans = {c.platform: c for c in pemkot.channels}
    assert chans["instagram"].url == "https://www.instagram.com/pemkotcontoh/"
    assert chans["twitter"].present is False  # 'x' is an alias of twitter
    assert dinkes.id == "dinkes" and dinkes.sites == ["https://dinkes.contoh.go.id/"]
    assert bts.sites == [] and bts.kind == "agency"


def test_yaml_errors_name_line_field_and_all_problems(tmp_path: Path) -> None:
    bad = GOOD.replace("kind: main", "kind: mian").replace("x: false", "myspace: true")
    bad += "  - short: NoName\n"
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "bad.yaml", bad))
    msg = str(e.value)
    assert "bad.yaml: line 9: organisation #1 (Pemkot).kind" in msg
    assert "kind: expected one of main, portal, agency, district or other" in msg
    assert "unknown channel platform 'myspace'" in msg
    assert "organisation #4 (NoName).name: required field is missing" in msg
    assert len(e.value.problems) == 3


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match=r"line 4, column 1: not valid YAML .*flow sequence at line 3"):
        load_portfolio(write(tmp_path, "s.yaml", "portfolio:\n  name: x\n  bad: [unclosed\n"))


def test_unknown_field_and_duplicate_ids(tmp_path: Path) -> None:
    text = GOOD.replace("    short: BTS\n", "    short: Dinkes\n    webstie: x\n")
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "d.yaml", text))
    assert "webstie: unknown field" in str(e.value)
    text = GOOD.replace("    short: BTS\n", "    short: Dinkes\n")
    with pytest.raises(PortfolioError, match=r"organisation id 'dinkes' is used twice \(first at line 12\)"):
        load_portfolio(write(tmp_path, "d2.yaml", text))


def test_main_portal_must_exist(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match=r"line 4: portfolio.main_portal: .nowhere. is not the id"):
        load_portfolio(write(tmp_path, "m.yaml", GOOD.replace("main_portal: pemkot", "main_portal: nowhere")))


def test_csv_rows_and_errors(tmp_path: Path) -> None:
    good = "name,short,website,facebook,instagram\nDinas A,A,https://a.go.id,yes,no\nBadan B,B,,no,https://instagram.com/b\n"
    pf = load_portfolio(write(tmp_path, "p.csv", good))
    assert [o.sites for o in pf.organisations] == [["https://a.go.id/"], []]
    bad = "name,short,website,facebook\nDinas A,A,ftp://a.go.id,maybe\n"
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "b.csv", bad))
    assert "row 2: column facebook: expected yes/no or a URL, got 'maybe'" in str(e.value)
    assert "row 2: column website" in str(e.value)
    with pytest.raises(PortfolioError, match="row 1: missing column"):
        load_portfolio(write(tmp_path, "h.csv", "nama,situs\nx,y\n"))


def test_file_level_errors(tmp_path: Path) -> None:
    with pytest.raises(PortfolioError, match="no such file"):
        load_portfolio(tmp_path / "nope.yaml")
    with pytest.raises(PortfolioError, match="unknown file type"):
        load_portfolio(write(tmp_path, "p.txt", "x"))
    (tmp_path / "latin1.csv").write_bytes("name,website\nDinas Pariwisata é,x.go.id\n".encode("latin-1"))
    with pytest.raises(PortfolioError, match="not UTF-8"):
        load_portfolio(tmp_path / "latin1.csv")


def test_study_table_loads(shared_dir: Path) -> None:
    pf = load_portfolio(shared_dir / "cilegon-2022-opd.csv")
    assert len(pf.organisations) == 27
    assert sum(1 for o in pf.organisations if o.sites) == 26
    fb = sum(1 for o in pf.organisations for c in o.channels if c.platform == "facebook" and c.present)
    assert fb == 21  # the study: Facebook used by 21 OPDs


def test_normalise_url() -> None:
    assert normalise_url("DINKES.Cilegon.go.id") == "https://dinkes.cilegon.go.id/"
    assert normalise_url("http://x.go.id:8080/a?b=1#frag") == "http://x.go.id:8080/a?b=1"
    with pytest.raises(ValueError, match="not a website address"):
        normalise_url("nohost")
    assert portfolio_from_urls(["https://www.a.go.id/"]).organisations[0].id == "a-go-id"


def test_field_and_cross_problems_reported_in_one_pass(tmp_path: Path) -> None:
    text = GOOD.replace("country: ID", "country: Indonesia").replace("main_portal: pemkot", "main_portal: pemkott")
    text = text.replace("    short: BTS\n", "    short: Dinkes\n")
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "one.yaml", text))
    msg = str(e.value)
    assert "line 3: portfolio.country: expected a two-letter country code in capitals, such as ID" in msg
    assert "line 4: portfolio.main_portal: 'pemkott' is not the id of any organisation" in msg
    assert "organisation id 'dinkes' is used twice (first at line 12)" in msg


# --------------------------------------------------------------------------- hostile portfolios (break tests)


def test_yaml_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    """'Billion laughs' with YAML aliases: 500 bytes that stand for 10^8 values used to hang."""
    import time

    lines = ["portfolio:", "  name: X", "a0: &a0 [x,x,x,x,x,x,x,x,x,x]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    lines += ["organisations:", "  - name: A", "    notes: *a8"]
    t0 = time.monotonic()
    with pytest.raises(PortfolioError, match="YAML aliases"):
        load_portfolio(write(tmp_path, "laughs.yaml", "\n".join(lines) + "\n"))
    assert time.monotonic() - t0 < 10


def test_duplicate_yaml_keys_are_problems(tmp_path: Path) -> None:
    text = GOOD.replace("    site: dinkes.contoh.go.id\n", "    site: dinkes.contoh.go.id\n    site: other.contoh.go.id\n")
    with pytest.raises(PortfolioError, match=r"line 15: 'site' is written twice in one mapping \(first at line 14\)"):
        load_portfolio(write(tmp_path, "dup.yaml", text))


def test_every_bad_address_of_a_list_is_named(tmp_path: Path) -> None:
    text = GOOD.replace(
        "sites: [https://www.contoh.go.id/]",
        'sites: ["javascript:alert(1)", "ftp://f.go.id/", "https://c.go.id:99999/", "https://has space.go.id/",'
        ' "https://a..go.id/", "https://<script>.go.id/", "http://0x7f.0.0.1/", "https://a.go.id\\\\@evil.com/"]',
    )
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "urls.yaml", text))
    msg = str(e.value)
    for bad in ("javascript:alert(1)", "ftp://f.go.id/", "c.go.id:99999", "has space", "a..go.id", "<script>",
                "0x7f.0.0.1", "evil.com"):
        assert bad in msg, bad
    assert "not javascript:" in msg and "not ftp:" in msg


def test_addresses_normalised_idn_ip_port() -> None:
    assert normalise_url("https://Dínas.Kota.go.id") == "https://xn--dnas-vpa.kota.go.id/"
    assert normalise_url("https://xn--dnas-vpa.kota.go.id") == "https://xn--dnas-vpa.kota.go.id/"
    assert normalise_url("http://[::1]:8080/x") == "http://[::1]:8080/x"
    assert normalise_url("10.1.2.3:8080") == "https://10.1.2.3:8080/"
    assert normalise_url("https://a.go.id./") == "https://a.go.id/"
    assert normalise_url("https://a.go.id/Dinas Kesehatan/") == "https://a.go.id/Dinas Kesehatan/"
    with pytest.raises(ValueError, match="port 0"):
        normalise_url("a.go.id:0")


def test_same_site_in_another_spelling_is_a_duplicate(tmp_path: Path) -> None:
    text = GOOD.replace("    short: BTS\n", '    short: BTS\n    sites: ["http://contoh.go.id", "https://DINKES.contoh.go.id."]\n')
    text = text.replace("site: dinkes.contoh.go.id", "site: dínas.contoh.go.id")
    text += '  - name: Punycode\n    site: "https://xn--dnas-vpa.contoh.go.id/"\n'
    with pytest.raises(PortfolioError) as e:
        load_portfolio(write(tmp_path, "same.yaml", text))
    msg = str(e.value)
    assert "site http://contoh.go.id/ is already listed (as https://www.contoh.go.id/) for 'pemkot'" in msg
    assert "site https://xn--dnas-vpa.contoh.go.id/ is already listed for 'dinkes'" in msg


def test_csv_semicolons_blank_lines_extra_values_duplicate_columns(tmp_path: Path) -> None:
    pf = load_portfolio(write(tmp_path, "semi.csv", "\n\nname;short;website\nDinas A;A;a.go.id\n;;\nDinas B;B;b.go.id\n"))
    assert [o.sites for o in pf.organisations] == [["https://a.go.id/"], ["https://b.go.id/"]]
    with pytest.raises(PortfolioError, match=r"row 3: 5 values but the header \(row 1\) has 3 columns"):
        load_portfolio(write(tmp_path, "extra.csv", "name,short,website\nA,A,a.go.id\nDinas B, Kota C,B,b.go.id,x\n"))
    with pytest.raises(PortfolioError, match="column\\(s\\) website appear more than once"):
        load_portfolio(write(tmp_path, "dup.csv", "name,website,website\nA,a.go.id,b.go.id\n"))
    (tmp_path / "l1.csv").write_bytes("name,website\nA,a.go.id\nDinas Pariwisata é,x.go.id\n".encode("latin-1"))
    with pytest.raises(PortfolioError, match=r"row 3: not UTF-8"):
        load_portfolio(tmp_path / "l1.csv")
