"""`govlens demo` end to end: crawl the bundled Kota Demokota sites on 127.0.0.1, assess, store,
report, and hold the result to the designer's answer key (src/govlens/demo/expected.yaml).

The pipeline runs once per module, through the CLI as a user would run it. What is checked:
- every site's scan_status is the expected one;
- `auto` criteria give exactly the expected verdict; `assisted`/`manual` ones give it or defer
  (needs_review), and never the opposite firm verdict; `cannot_tell` accepts any verdict;
- every `met` verdict carries evidence that points into the archive: the site's real address
  (not 127.0.0.1), a WARC record that exists, a registered detector;
- results.json validates against its JSON Schema, report.html names the five models;
- nothing was contacted outside 127.0.0.1 (map_only crawl, socket-level guard, server log).
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

import govlens.crawl
import govlens.demo.server as demo_server
import govlens.scale
from govlens.archive import read_records
from govlens.assess import load_framework
from govlens.assess.detectors import REGISTRY
from govlens.cli import app
from govlens.demo import expected_verdicts_path

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "src" / "govlens" / "schemas" / "results.schema.json"
LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}


class Run:
    """What one demo run left behind, and what was observed while it ran."""

    def __init__(self) -> None:
        self.out: Path = Path()
        self.results: dict[str, Any] = {}
        self.configs: list[Any] = []
        self.servers: list[demo_server.DemoServer] = []
        self.connects: list[Any] = []
        self.url_map: list[tuple[str, str]] = []

    @property
    def sites(self) -> dict[str, dict[str, Any]]:
        return {s["site_id"]: s for s in self.results["sites"]}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    run = Run()
    base = tmp_path_factory.mktemp("demo-e2e")
    run.out = base / "run"
    real_crawl = govlens.crawl.crawl_portfolio
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def spy_crawl(portfolio, archive_dir, config, progress=None):
        run.configs.append(config)
        return real_crawl(portfolio, archive_dir, config, progress=progress)

    class RecordingServer(demo_server.DemoServer):
        def __enter__(self) -> demo_server.DemoServer:
            server = super().__enter__()
            run.servers.append(self)
            run.url_map = self.url_map()
            return server

    def guard(address: Any) -> None:
        run.connects.append(address)
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in LOCAL_HOSTS:
            raise OSError(f"demo test: refused to connect to {address!r} (not 127.0.0.1)")

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            guard(address)
        return real_connect_ex(self, address)

    with pytest.MonkeyPatch.context() as mp:
        home = base / "home"
        home.mkdir()
        mp.setenv("HOME", str(home))
        mp.setenv("XDG_CACHE_HOME", str(home / ".cache"))
        mp.setattr(govlens.crawl, "crawl_portfolio", spy_crawl)
        mp.setattr(govlens.scale, "crawl_portfolio", spy_crawl)  # the audit path crawls through scale
        mp.setattr(demo_server, "DemoServer", RecordingServer)
        mp.setattr(socket.socket, "connect", connect)
        mp.setattr(socket.socket, "connect_ex", connect_ex)
        result = CliRunner().invoke(app, ["demo", "--out", str(run.out), "--format", "html,json"])
    assert result.exit_code == 0, result.output + repr(result.exception)
    run.results = json.loads((run.out / "results.json").read_text(encoding="utf-8"))
    return run


@pytest.fixture(scope="module")
def expected() -> dict[str, Any]:
    return yaml.safe_load(expected_verdicts_path().read_text(encoding="utf-8"))["sites"]


@pytest.fixture(scope="module")
def decisions() -> dict[str, str]:
    fw = load_framework("nath-2019")
    return {c.code: c.decision for m in fw.models for c in m.criteria}


@pytest.fixture(scope="module")
def archive_ids(demo_run: Run) -> set[str]:
    paths = sorted((demo_run.out / "archive").glob("*.warc.gz"))
    assert paths, "the demo wrote no WARC files"
    return {r.record_id for r in read_records(paths)}


def test_every_site_has_its_expected_scan_status(demo_run: Run, expected: dict[str, Any]) -> None:
    got = {sid: s["scan_status"] for sid, s in demo_run.sites.items()}
    assert got == {sid: e["scan_status"] for sid, e in expected.items()}


def test_verdicts_match_the_answer_key(
    demo_run: Run, expected: dict[str, Any], decisions: dict[str, str]
) -> None:
    wrong: list[str] = []
    opposite = {"met": "not_met", "not_met": "met"}
    for sid, entry in expected.items():
        criteria = demo_run.sites[sid]["criteria"]
        for code, want in entry["verdicts"].items():
            got = criteria[code]["verdict"]
            decision = decisions[code]
            where = (
                f"{sid} {code} ({decision}): expected {want}, got {got} — {criteria[code].get('reason', '')}"
            )
            if want == "cannot_tell":
                continue  # a judgement the pages do not settle: deferring and either firm verdict are right
            if decision == "auto":
                if got != want:
                    wrong.append(where)
            elif got not in (want, "needs_review") or got == opposite.get(want):
                wrong.append(where)
    assert not wrong, "\n".join(wrong)


def test_unread_site_never_gets_a_firm_not_met(demo_run: Run, expected: dict[str, Any]) -> None:
    for sid, entry in expected.items():
        for code, want in entry["verdicts"].items():
            if want == "needs_review":
                assert demo_run.sites[sid]["criteria"][code]["verdict"] != "not_met", (sid, code)


def test_met_verdicts_point_into_the_archive(demo_run: Run, archive_ids: set[str]) -> None:
    originals = {urlsplit(orig).hostname for orig, _ in demo_run.url_map}
    bad: list[str] = []
    for sid, site in demo_run.sites.items():
        for code, v in site["criteria"].items():
            if v["verdict"] != "met":
                continue
            good = [
                e
                for e in v["evidence"]
                if e.get("url", "").startswith(("https://", "http://"))
                and urlsplit(e["url"]).hostname in originals
                and urlsplit(e["url"]).hostname not in LOCAL_HOSTS
                and e.get("warc_record_id") in archive_ids
                and e.get("detector") in REGISTRY
            ]
            if not good:
                bad.append(
                    f"{sid} {code}: {[(e.get('url'), e.get('warc_record_id'), e.get('detector')) for e in v['evidence']]}"
                )
    assert not bad, "met without archived evidence:\n" + "\n".join(bad)


def test_no_evidence_url_is_local(demo_run: Run) -> None:
    for site in demo_run.results["sites"]:
        for v in site["criteria"].values():
            for e in v["evidence"]:
                assert urlsplit(e["url"]).hostname not in LOCAL_HOSTS, e


def test_results_json_validates_against_its_schema(demo_run: Run) -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validate(demo_run.results, schema, cls=jsonschema.Draft202012Validator)


def test_report_html_names_the_five_models(demo_run: Run) -> None:
    html = (demo_run.out / "report.html").read_text(encoding="utf-8")
    fw = load_framework("nath-2019")
    assert len(fw.models) == 5
    for model in fw.models:
        assert model.label.en in html, model.label.en


def test_nothing_left_127_0_0_1(demo_run: Run) -> None:
    # the CLI crawls with the demo map and refuses anything the map does not cover
    assert len(demo_run.configs) == 1
    config = demo_run.configs[0]
    assert config.map_only is True
    assert config.url_map and all(urlsplit(local).hostname == "127.0.0.1" for _, local in config.url_map)
    # every socket the process opened went to the loopback address (the guard refused the rest,
    # and a refused connection would show up as a fetch error, so check the archive too)
    assert demo_run.connects, "the socket guard saw no connection: it is not wired in"
    assert all(a[0] in LOCAL_HOSTS for a in demo_run.connects)
    # the server saw the crawl
    assert len(demo_run.servers) == 1
    server = demo_run.servers[0]
    assert server.requests, "the demo server logged no request"
    # every response in the archive was fetched from the demo server, under its original address
    fetched_from: list[str] = []
    for path in sorted((demo_run.out / "archive").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for rec in ArchiveIterator(fh):
                if rec.rec_type != "response":
                    continue
                target = rec.rec_headers.get_header("WARC-Target-URI")
                local = rec.rec_headers.get_header("WARC-Govlens-Fetched-From") or ""
                assert urlsplit(target).hostname not in LOCAL_HOSTS, target
                assert urlsplit(local).hostname == "127.0.0.1" and urlsplit(local).port == server.port, (
                    target,
                    local,
                )
                fetched_from.append(local)
    assert len(fetched_from) == len(server.requests)
    # and the only failed connections are the deliberately closed port (BPBD)
    for rec in read_records(sorted((demo_run.out / "archive").glob("*.warc.gz"))):
        if rec.error == "connect":
            assert urlsplit(rec.url).hostname == "bpbd.demokota.go.id", rec.url
        elif rec.error:
            assert rec.error == "robots", (rec.url, rec.error)
