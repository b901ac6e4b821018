"""The command line as a user meets it: real files, a real loopback site set, real SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from govlens.cli import app
from govlens.demo.server import DemoServer, demo_portfolio_path

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, list(args))
    return r.exit_code, r.output


@pytest.fixture(scope="module")
def demo_server() -> Iterator[DemoServer]:
    with DemoServer() as server:
        yield server


@pytest.fixture(scope="module")
def audited(demo_server: DemoServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("audit")
    maps = [f"--map={a}={b}" for a, b in demo_server.url_map()]
    code, output = run("audit", str(demo_portfolio_path()), "--out", str(out), *maps, "--delay", "0.01",
                       "--timeout", "5", "--format", "json,md", "--label", "first")
    assert code == 0, output
    return out


def test_help_lists_the_commands() -> None:
    code, output = run("--help")
    assert code == 0
    for cmd in ("audit", "crawl", "assess", "report", "demo", "evaluate", "portfolio", "framework"):
        assert cmd in output


def test_bad_portfolio_stops_before_any_work(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("portfolio:\n  name: x\norganisations:\n  - name: A\n    sites: [ftp://a.go.id]\n", encoding="utf-8")
    code, output = run("audit", str(bad), "--out", str(tmp_path / "run"))
    assert code == 2
    assert "bad.yaml: 1 problem, nothing was run" in output
    assert "line 5: organisation #1 (A).sites: 'ftp://a.go.id': only http and https" in output
    assert not (tmp_path / "run").exists()


def test_usage_errors_are_explained(tmp_path: Path) -> None:
    code, output = run("assess", str(tmp_path / "missing.warc.gz"), "--out", str(tmp_path))
    assert code == 2 and "no such WARC file" in output
    code, output = run("report", str(tmp_path), "--format", "pdf")
    assert code == 2 and "unknown report format(s) pdf" in output
    code, output = run("report", str(tmp_path))
    assert code == 2 and "no govlens.db here" in output
    code, output = run("audit", str(demo_portfolio_path()), "--out", str(tmp_path), "--map", "nonsense")
    assert code == 2 and "expected ORIGINAL_PREFIX=LOCAL_PREFIX" in output
    code, output = run("audit", str(demo_portfolio_path()), "--out", str(tmp_path), "--framework", "nope")
    assert code == 2 and "no such framework" in output and "nath-2019" in output


def test_audit_writes_archive_db_and_reports(audited: Path) -> None:
    assert sorted(p.name for p in audited.glob("archive/*.warc.gz"))
    results = json.loads((audited / "results.json").read_text(encoding="utf-8"))
    by_short = {s["short"]: s for s in results["sites"]}
    assert by_short["BPBD"]["scan_status"] == "unreachable"
    assert by_short["Kesbangpol"]["scan_status"] == "no_site"
    assert by_short["Dinkes"]["criteria"]["K3"]["verdict"] == "met"
    assert (audited / "report.md").read_text(encoding="utf-8").startswith("#")


def test_audit_resumes_and_keeps_both_audits(audited: Path, demo_server: DemoServer) -> None:
    before = len(demo_server.requests)
    maps = [f"--map={a}={b}" for a, b in demo_server.url_map()]
    code, output = run("audit", str(demo_portfolio_path()), "--out", str(audited), *maps, "--format", "json",
                       "--label", "second")
    assert code == 0, output
    assert len(demo_server.requests) == before  # every site was complete in the archive: nothing re-fetched
    code, output = run("audits", str(audited))
    assert code == 0 and "first" in output and "second" in output


def test_report_in_indonesian_from_the_store(audited: Path, tmp_path: Path) -> None:
    code, output = run("report", str(audited), "--format", "html,md,csv,xlsx", "--lang", "id", "--out", str(tmp_path))
    assert code == 0, output
    md = (tmp_path / "report.id.md").read_text(encoding="utf-8")
    assert "Penyiaran" in md or "Ringkasan" in md
    html = (tmp_path / "report.id.html").read_text(encoding="utf-8")
    assert 'lang="id"' in html
    assert (tmp_path / "results.id.xlsx").stat().st_size > 0
    assert not (tmp_path / "report.html").exists()  # the English report is not replaced, nor made


def test_reassess_archive_offline_with_another_framework(audited: Path, tmp_path: Path) -> None:
    warcs = sorted(str(p) for p in audited.glob("archive/*.warc.gz"))
    code, output = run("assess", *warcs, "--portfolio", str(demo_portfolio_path()), "--out", str(tmp_path),
                       "--framework", "un-losi-2024-lite", "--format", "json")
    assert code == 0, output
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["framework"]["id"] == "un-losi-2024-lite"
    # without a portfolio, records are grouped by host
    code, output = run("assess", *warcs, "--out", str(tmp_path / "byhost"), "--format", "json")
    assert code == 0, output
    hosts = json.loads((tmp_path / "byhost" / "results.json").read_text(encoding="utf-8"))["sites"]
    assert any("dinkes.demokota.go.id" in s["url"] for s in hosts)


def test_portfolio_and_framework_commands(tmp_path: Path) -> None:
    code, output = run("portfolio", "validate", str(demo_portfolio_path()))
    assert code == 0 and "valid" in output
    code, output = run("framework", "list")
    assert code == 0 and "nath-2019" in output and "un-losi-2024-lite" in output
    code, output = run("framework", "schema")
    assert code == 0 and json.loads(output)["title"] == "Framework"
    broken = tmp_path / "fw.yaml"
    broken.write_text("id: x\nversion: '1'\ntitle: {en: X}\nmodels: []\n", encoding="utf-8")
    code, output = run("framework", "validate", str(broken))
    assert code == 2 and "at least one model" in output


def test_out_must_be_a_folder_and_db_must_be_a_database(tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    code, output = run("demo", "--out", str(afile))
    assert code == 2 and "is a file; --out needs a folder" in output
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "govlens.db").write_bytes(b"this is not sqlite" * 100)
    code, output = run("report", str(junk))
    assert code == 2 and "not a usable govlens database" in output


def test_providers_file_is_checked_before_work(audited: Path, tmp_path: Path) -> None:
    bad = tmp_path / "providers.yaml"
    bad.write_text("providers: [{id: x\n", encoding="utf-8")
    code, output = run("assess", str(audited / "archive"), "--out", str(tmp_path / "o"), "--providers", str(bad))
    assert code == 2 and "--providers" in output and "line 1" in output
