"""The per-site unit of work keeps a site that fails to assess, named, instead of losing its chunk."""

from __future__ import annotations

import pytest

import govlens.pipeline as pipeline
from govlens.assess import load_framework
from govlens.types import ArchivedRecord, SiteCapture


def test_a_site_that_fails_to_assess_is_kept_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(_capture: SiteCapture) -> None:
        raise RecursionError("maximum recursion depth exceeded while parsing")

    monkeypatch.setattr(pipeline, "extract_site", explode)
    home = ArchivedRecord(url="https://dinkes.contoh.go.id/", record_id="<urn:uuid:1>", warc_file="a.warc.gz",
                          offset=0, date="2026-01-01T00:00:00Z", record_type="response", status=200,
                          content_type="text/html", body=b"<html><title>x</title></html>")
    capture = SiteCapture(site_id="dinkes", seed_url="https://dinkes.contoh.go.id/", records=[home])
    done = pipeline.assess_capture(capture, load_framework("nath-2019"))
    a = done.assessment
    assert a.scan_status == "assess_error" and "RecursionError" in a.scan_detail
    assert {v.verdict for code, v in a.verdicts.items() if code != "K2"} == {"needs_review"}
    assert a.verdicts["K2"].verdict == "met"  # settled by the address alone
    assert done.pages == []
