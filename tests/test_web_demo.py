"""The issue's "done" path on the demo audit, over HTTP: a reviewer works through the queue,
overrides two verdicts, and the report shows the change and who made it; a second reviewer codes
the same criteria and the dashboard computes agreement for the two."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from govlens.store import Store
from govlens.web.users import UserStore
from test_web_support import PASSWORD, WebEnv, csrf_of, start_env, stop_env

pytestmark = pytest.mark.slow


def test_demo_queue_overrides_report_and_agreement(tmp_path: Path) -> None:
    from govlens.cli import app

    run = tmp_path / "demo"
    app(["demo", "--out", str(run), "--format", "json"], standalone_mode=False)
    url = f"sqlite:///{run / 'govlens.db'}"
    store = Store(url)
    UserStore(store.engine).add("ana", PASSWORD, "reviewer")
    UserStore(store.engine).add("budi", PASSWORD, "reviewer")
    env = start_env(tmp_path / "unused", db_url=url, archive_dir=run / "archive")
    try:
        _walk(env, store)
    finally:
        stop_env(env)
        store.close()


def _walk(env: WebEnv, store: Store) -> None:
    audit_id = store.latest_audit_id()
    ana = env.login("ana")
    total = int(re.search(r"· (\d+)</small>", ana.get("/queue").text).group(1))
    done: list[tuple[str, str]] = []
    for verdict in ("met", "not_met"):
        item = ana.get(f"/queue/1?audit={audit_id}").text
        site = re.search(r'action="/sites/([^/]+)/review', item).group(1)
        code = re.search(r'name="code" value="([A-Z]\d)"', item).group(1)
        r = ana.post(
            f"/sites/{site}/review?audit={audit_id}",
            data={"csrf": csrf_of(item), "code": code, "action": verdict, "reason": f"checked by hand: {verdict}",
                  "next": f"/queue/1?audit={audit_id}"},
        )  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == f"/queue/1?audit={audit_id}"
        done.append((site, code))
    assert int(re.search(r"· (\d+)</small>", ana.get("/queue").text).group(1)) == total - 2
    # the stored audit, and so every report, carries the final value and who set it
    audit = store.load_audit(audit_id)
    for site_id, code in done:
        v = next(s for s in audit.sites if s.site_id == site_id).verdicts[code]
        assert v.source == "review" and v.reviewer == "ana"
    from govlens.assess import load_framework
    from govlens.report.data import build
    from govlens.report.html import render_html

    html = render_html(build(audit, load_framework(audit.framework_id)), chart_mode="none")
    assert html.count("<small>review: ana</small>") == 2
    assert "Reviews applied: <strong>2</strong> by ana" in ana.get("/").text
    # a second reviewer codes the same two criteria, agreeing on one
    budi = env.login("budi")
    for (site_id, code), verdict in zip(done, ("met", "met"), strict=True):
        page = budi.get(f"/sites/{site_id}?audit={audit_id}").text
        r = budi.post(
            f"/sites/{site_id}/review?audit={audit_id}",
            data={"csrf": csrf_of(page), "code": code, "action": verdict, "reason": "second coder"},
        )
        assert r.status_code == 303
    html = budi.get(f"/agreement?audit={audit_id}").text
    assert re.search(
        r"<td>ana</td><td>budi</td><td class=\"num\">2</td><td class=\"num\">50.0%</td>", html
    ), html
