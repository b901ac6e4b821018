"""The dashboard over HTTP, on a real uvicorn server and a real SQLite file: the login wall,
CSRF, roles, the review round trip, escaping of hostile page text, the archive viewer's headers."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import inspect, select

from govlens.store import Store
from govlens.store.models import VerdictRow
from govlens.web.archive import record_key
from govlens.web.security import ARCHIVE_CSP, DASHBOARD_CSP
from govlens.web.users import UserStore
from test_web_support import (
    HOSTILE_DETECTOR,
    HOSTILE_SNIPPET,
    HOSTILE_URL,
    PASSWORD,
    WebEnv,
    csrf_of,
    web_env,
)

__all__ = ["web_env"]  # the fixture, imported so pytest sees it here


def _review(env: WebEnv, c, code: str, action: str, reason: str = "", token: str | None = None):
    page = c.get(f"/sites/{env.site_id}?audit={env.audit_id}")
    tok = csrf_of(page.text) if token is None else token
    return c.post(
        f"/sites/{env.site_id}/review?audit={env.audit_id}",
        data={"csrf": tok, "code": code, "action": action, "reason": reason},
    )


def _machine_rows(env: WebEnv) -> list[tuple[str, str, float]]:
    s = Store(env.db_url)
    with s.engine.connect() as conn:
        rows = [
            (r.code, r.verdict, r.confidence)
            for r in conn.execute(select(VerdictRow.__table__).order_by(VerdictRow.id))
        ]
    s.close()
    return rows


def test_nothing_but_login_without_a_session(web_env: WebEnv) -> None:
    app = web_env.server.config.app.app  # inside the request recorder
    c = web_env.client()
    paths = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"GET"}
        concrete = re.sub(r"\{[^}]+\}", "x1", path)
        if path.startswith(("/login", "/static")):
            continue
        paths.add(concrete)
        for method in methods:
            r = c.request(method, concrete)
            if method in ("GET", "HEAD"):
                assert r.status_code == 303, (method, concrete, r.status_code)
                assert r.headers["location"].startswith("/login?next="), concrete
            else:
                assert r.status_code == 401, (method, concrete, r.status_code)
            assert "Pemerintah" not in r.text and "contoh" not in r.text.lower()
    assert {"/", "/queue", "/audits", "/agreement", "/sites/x1", "/archive/x1", "/admin/users"} <= paths
    # an archived record, a chart, and a path that does not exist: same wall
    for p in (
        f"/archive/{quote(record_key(web_env.hostile_record))}",
        "/charts/1/fulfilment.svg",
        "/nope",
        "/docs",
        "/openapi.json",
    ):
        r = c.get(p)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), p
    assert c.get("/login").status_code == 200
    assert c.get("/static/govlens.css").status_code == 200


def test_login_rejects_bad_passwords_and_backs_off(web_env: WebEnv) -> None:
    s = Store(web_env.db_url)
    UserStore(s.engine).add("locky", PASSWORD, "viewer")
    s.close()
    c = web_env.client()
    tok = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"username": "locky", "password": "wrong password", "csrf": tok})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = c.post("/login", data={"username": "nobody", "password": "wrong password", "csrf": tok})
    assert r.status_code == 401  # same answer for an unknown user
    for _ in range(4):
        c.post("/login", data={"username": "locky", "password": "wrong password", "csrf": tok})
    r = c.post("/login", data={"username": "locky", "password": PASSWORD, "csrf": tok})
    assert r.status_code == 429 and "wait" in r.text  # even the right password waits now
    assert c.get("/").status_code == 303
    # other accounts are not locked by it
    web_env.login("vera")


def test_login_redirects_only_to_local_paths(web_env: WebEnv) -> None:
    c = web_env.client()
    tok = csrf_of(c.get("/login").text)
    r = c.post(
        "/login", data={"username": "vera", "password": PASSWORD, "csrf": tok, "next": "//evil.example/x"}
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_csrf_is_checked_on_every_post(web_env: WebEnv) -> None:
    c = web_env.client()
    c.get("/login")
    r = c.post("/login", data={"username": "ana", "password": PASSWORD})
    assert r.status_code == 403  # the login form needs its token too
    c = web_env.login("ana")
    assert _review(web_env, c, "E5", "met", "x", token="").status_code == 403
    assert _review(web_env, c, "E5", "met", "x", token="forged-token").status_code == 403
    other = web_env.login("budi")  # budi's token is not ana's
    assert _review(web_env, c, "E5", "met", "x", token=csrf_of(other.get("/").text)).status_code == 403
    assert c.post("/logout").status_code == 403
    assert not [r for r in Store(web_env.db_url).reviews(web_env.audit_id) if r.code == "E5"]


def test_roles(web_env: WebEnv) -> None:
    viewer = web_env.login("vera")
    page = viewer.get(f"/sites/{web_env.site_id}")
    assert page.status_code == 200 and 'class="review"' not in page.text  # no review form shown
    assert _review(web_env, viewer, "E4", "met", "looks fine").status_code == 403
    assert viewer.get("/admin/users").status_code == 403
    reviewer = web_env.login("ana")
    assert reviewer.get("/admin/users").status_code == 403
    admin = web_env.login("root")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and "vera" in page.text
    r = admin.post(
        "/admin/users",
        data={"csrf": csrf_of(page.text), "username": "citra", "password": "short", "role": "reviewer"},
    )
    assert r.status_code == 400 and "at least 8" in r.text
    r = admin.post(
        "/admin/users",
        data={"csrf": csrf_of(page.text), "username": "citra", "password": PASSWORD, "role": "reviewer"},
    )
    assert r.status_code == 303
    web_env.login("citra")
    r = admin.post("/admin/users/citra/role", data={"csrf": csrf_of(page.text), "role": "viewer"})
    assert r.status_code == 303
    citra = web_env.login("citra")
    assert _review(web_env, citra, "E4", "met", "x").status_code == 403  # role change applies at once


def test_review_round_trip(web_env: WebEnv) -> None:
    before = _machine_rows(web_env)
    store = Store(web_env.db_url)
    audit = store.load_audit(web_env.audit_id)
    site = audit.sites[0]
    assert site.verdicts["E3"].verdict == "not_met"
    met_before = site.scores["broadcasting"].met
    c = web_env.login("ana")
    overview = c.get("/").text
    assert f"{met_before}/8" in overview
    # an override without a reason is refused
    r = _review(web_env, c, "E3", "met", "")
    assert r.status_code == 400 and "reason" in r.text
    r = _review(web_env, c, "E3", "met", "Renstra 2021-2026 is on the <b>downloads</b> page")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/sites/{web_env.site_id}")
    # the final value, who and when, beside the untouched machine verdict
    reviews = [x for x in store.reviews(web_env.audit_id) if x.code == "E3"]
    assert len(reviews) == 1 and reviews[0].reviewer == "ana" and reviews[0].verdict == "met"
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", reviews[0].created)
    assert _machine_rows(web_env) == before
    after = store.load_audit(web_env.audit_id).sites[0]
    assert after.verdicts["E3"].verdict == "met" and after.verdicts["E3"].reviewer == "ana"
    assert after.scores["broadcasting"].met == met_before + 1
    page = c.get(f"/sites/{web_env.site_id}").text
    block = page[page.index('id="c-E3"') :]
    block = block[: block.index("</article>")]
    assert 'class="final v-met"' in block and "set by <strong>ana</strong>" in block
    assert 'class="machine v-not_met"' in block
    assert "&lt;b&gt;downloads&lt;/b&gt;" in block  # the reason is escaped too
    overview = c.get("/").text
    assert f"{met_before + 1}/8" in overview and "by ana" in overview
    assert 'id="reviews-applied"' in overview
    # confirming keeps the current final value and needs no reason
    budi = web_env.login("budi")
    assert _review(web_env, budi, "E3", "confirm").status_code == 303
    latest = [x for x in store.reviews(web_env.audit_id) if x.code == "E3"][-1]
    assert latest.reviewer == "budi" and latest.verdict == "met"
    assert store.load_audit(web_env.audit_id).sites[0].verdicts["E3"].reviewer == "budi"
    assert _review(web_env, budi, "E3", "maybe", "x").status_code == 400
    assert _review(web_env, budi, "Z9", "met", "x").status_code == 404
    store.close()


def test_queue_lists_open_items_and_review_moves_on(web_env: WebEnv) -> None:
    c = web_env.login("ana")
    q = c.get("/queue").text
    n = int(re.search(r"Review queue <small class=\"meta\">[^<]*· (\d+)</small>", q).group(1))
    assert n > 0 and "needs review" in q
    item = c.get("/queue/1").text
    code = re.search(r'name="code" value="([A-Z]\d)"', item).group(1)
    assert 'id="next"' in item and 'id="prev"' not in item
    r = c.post(
        f"/sites/{web_env.site_id}/review?audit={web_env.audit_id}",
        data={
            "csrf": csrf_of(item),
            "code": code,
            "action": "not_met",
            "reason": "no such page",
            "next": "/queue/1?audit=1",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/queue/1?audit=1"
    q2 = c.get("/queue").text
    assert int(re.search(r"Review queue <small class=\"meta\">[^<]*· (\d+)</small>", q2).group(1)) == n - 1
    assert 'id="prev"' in c.get("/queue/2").text


def test_hostile_strings_are_escaped(web_env: WebEnv) -> None:
    c = web_env.login("vera")
    for path in (f"/sites/{web_env.site_id}", "/", "/queue"):
        html = c.get(path).text
        assert "<script" not in html.lower(), path
        assert "onerror=" not in html.replace("onerror=alert(1)&gt;", ""), path
        assert 'href="javascript:' not in html.lower() and 'src="javascript:' not in html.lower()
    html = c.get(f"/sites/{web_env.site_id}").text
    assert "&lt;script&gt;alert(&#39;xss-snippet&#39;)&lt;/script&gt;" in html
    assert HOSTILE_SNIPPET not in html and HOSTILE_DETECTOR not in html
    assert "<code>javascript:alert(&#39;xss-url&#39;)</code>" in html  # shown as text, not a link
    assert HOSTILE_URL not in html
    assert "Pemerintah Kota &lt;b&gt;Contoh&lt;/b&gt;" in html


def test_dashboard_security_headers(web_env: WebEnv) -> None:
    c = web_env.login("vera")
    for path in ("/", f"/sites/{web_env.site_id}", "/queue", "/audits", "/agreement", "/login"):
        r = (web_env.client() if path == "/login" else c).get(path)
        assert r.status_code == 200, path
        assert r.headers["content-security-policy"] == DASHBOARD_CSP
        for part in ("default-src 'self'", "frame-src 'self'", "script-src 'self'", "object-src 'none'",
                     "base-uri 'none'", "form-action 'self'"):  # fmt: skip
            assert part in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "SAMEORIGIN"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
    cookie = web_env.client().get("/login").headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_archive_viewer_serves_captures_sandboxed(web_env: WebEnv) -> None:
    c = web_env.login("vera")
    key = record_key(web_env.hostile_record)
    r = c.get(f"/archive/{quote(key)}")
    assert r.status_code == 200
    csp = r.headers["content-security-policy"]
    assert (
        csp.startswith("sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'")
        and csp == ARCHIVE_CSP
    )
    assert "script-src" not in csp and "allow-scripts" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["content-type"].startswith("text/html")
    assert b"document.title='pwned'" in r.content  # as captured, byte for byte
    assert r.headers["x-govlens-captured-url"] == "https://www.contoh.go.id/pengumuman/"
    # scriptable non-HTML types never keep their type
    svg = c.get(f"/archive/{quote(record_key(web_env.svg_record))}")
    assert svg.status_code == 200 and svg.headers["content-type"] == "text/plain; charset=utf-8"
    assert svg.headers["content-security-policy"] == ARCHIVE_CSP
    pdf = c.get(f"/archive/{quote(record_key(web_env.pdf_record))}")
    assert pdf.headers["content-type"] == "text/plain; charset=utf-8" and "application/pdf" in pdf.text
    assert "Peraturan Daerah Nomor 1 Tahun 2022" in pdf.text  # the text govlens read, not the file
    assert pdf.headers["content-security-policy"] == ARCHIVE_CSP
    # a record the database does not name, and nonsense, are not found
    assert c.get("/archive/urn:uuid:00000000-0000-0000-0000-000000000000").status_code == 404
    assert c.get("/archive/..%2F..%2Fetc%2Fpasswd").status_code == 404
    # the site page embeds it in a sandboxed frame without allow-scripts / allow-same-origin
    page = c.get(f"/sites/{web_env.site_id}?capture={quote(key)}").text
    frame = re.search(r"<iframe[^>]*>", page).group(0)
    assert "sandbox" in frame and "allow-" not in frame and f'src="/archive/{quote(key, safe="")}"' in frame


def test_agreement_between_two_reviewers(web_env: WebEnv) -> None:
    ana, budi = web_env.login("ana"), web_env.login("budi")
    for code, a, b in (("I1", "met", "met"), ("I2", "not_met", "met"), ("I3", "met", "met")):
        assert _review(web_env, ana, code, a, "seen").status_code == 303
        assert _review(web_env, budi, code, b, "seen").status_code == 303
    html = ana.get("/agreement").text
    pair = re.search(r'<table id="agreement-pairs">.*?</table>', html, re.S).group(0)
    assert "<td>ana</td><td>budi</td>" in pair
    # they share E3 (met/met, from the round-trip test) when run in order, and these three
    m = re.search(
        r"<td>ana</td><td>budi</td><td class=\"num\">(\d+)</td><td class=\"num\">([\d.]+)%</td>", pair
    )
    n, observed = int(m.group(1)), float(m.group(2))
    assert n >= 3 and 0 < observed < 100
    assert 'id="agreement-machine"' in html


def test_audits_over_time(web_env: WebEnv) -> None:
    html = web_env.login("vera").get("/audits").text
    assert f'href="/?audit={web_env.audit_id}"' in html and "Broadcasting" in html


def test_migration_adds_users_table(tmp_path: Path) -> None:
    old = Store(f"sqlite:///{tmp_path / 'a.db'}")
    old.migrate()
    assert "users" in inspect(old.engine).get_table_names()
    UserStore(old.engine).add("ana", PASSWORD, "reviewer")
    old.migrate()  # idempotent
    # a database from before the users table: created at 0001, then upgraded
    from alembic import command

    from govlens.store.store import _alembic_config

    url = f"sqlite:///{tmp_path / 'b.db'}"
    command.upgrade(_alembic_config(url), "0001")
    s = Store(url)
    assert "users" not in inspect(s.engine).get_table_names()
    s.migrate()
    assert "users" in inspect(s.engine).get_table_names()


def test_secret_file_is_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from govlens.web import create_app

    monkeypatch.delenv("GOVLENS_SECRET", raising=False)
    create_app(f"sqlite:///{tmp_path / 'govlens.db'}")
    key = tmp_path / ".govlens-secret"
    assert key.is_file() and stat.S_IMODE(os.stat(key).st_mode) == 0o600
    first = key.read_text()
    create_app(f"sqlite:///{tmp_path / 'govlens.db'}")
    assert key.read_text() == first  # kept, so sessions survive a restart


def test_cli_user_add(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from govlens.cli import app

    Store(f"sqlite:///{tmp_path / 'govlens.db'}").list_audits()  # a run folder with a database
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["user", "add", "dewi", str(tmp_path), "--role", "admin", "--password-stdin"],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["user", "add", "dewi", str(tmp_path), "--password-stdin"], input=PASSWORD + "\n")
    assert r.exit_code != 0 and "exists" in r.output
    r = runner.invoke(app, ["user", "add", "eko", str(tmp_path), "--password-stdin"], input="short\n")
    assert r.exit_code != 0
    r = runner.invoke(app, ["user", "add", "fajar", str(tmp_path)], input=PASSWORD + "\n" + PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    s = Store(f"sqlite:///{tmp_path / 'govlens.db'}")
    users = {u.username: u.role for u in UserStore(s.engine).list()}
    assert users == {"dewi": "admin", "fajar": "reviewer"}
    assert UserStore(s.engine).authenticate("dewi", PASSWORD) is not None
    with s.engine.connect() as conn:
        h = conn.exec_driver_sql("select password_hash from users where username='dewi'").scalar()
    assert h.startswith("$argon2id$") and PASSWORD not in h
