"""The review dashboard (``govlens serve``): FastAPI, Jinja2 templates, plain HTML forms.

No JavaScript is needed or served: every page is a server-rendered form, so the dashboard's CSP
can forbid inline script entirely, and a crawled page's text can only ever land in escaped HTML.
Reads go through ``Store.load_audit`` (final values after review) and the report's view model, so
what a reviewer sees here is what ``govlens report`` writes.
"""

from __future__ import annotations

import functools
import logging
import tempfile
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from govlens import __version__
from govlens.assess.framework import Framework, load_framework
from govlens.report.data import ReportData, build, extreme_text, pct, score_text, share_text
from govlens.report.html import safe_href
from govlens.report.i18n import LANGS, scan_label, t, verdict_label
from govlens.store import Store
from govlens.types import AuditResult, VerdictValue
from govlens.web import data as wd
from govlens.web.archive import HTML_TYPES, TEXT_TYPES, ArchiveIndex, record_key
from govlens.web.security import (
    ARCHIVE_CSP,
    SAFE_METHODS,
    LoginLimiter,
    LoginWallMiddleware,
    SecurityHeadersMiddleware,
    csrf_ok,
    csrf_token,
    resolve_secret,
    safe_next,
)
from govlens.web.users import ROLES, User, UserError, UserStore

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
SESSION_MAX_AGE = 8 * 3600
ACTIONS = ("confirm", *(v.value for v in VerdictValue))


def archive_href(record_id: str | None) -> str:
    return "/archive/" + quote(record_key(record_id), safe=":") if record_id else ""


def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("govlens.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = safe_href
    env.filters["pct"] = pct
    env.filters["archive_href"] = archive_href
    env.filters["record_key"] = record_key
    return env


class Dashboard:
    """State shared by the routes: the store, the users, the archive index, caches."""

    def __init__(self, db_url: str, archive_dirs: list[Path] | None) -> None:
        self.store = Store(db_url)
        self.store._ensure()  # create tables on a fresh database (users included)
        self.users = UserStore(self.store.engine)
        self.archive = ArchiveIndex(self.store.engine, archive_dirs or [])
        self.limiter = LoginLimiter()
        self.env = _env()
        self._charts: dict[tuple[Any, ...], str] = {}
        self._lock = threading.Lock()

    @functools.lru_cache(maxsize=8)  # noqa: B019 - one Dashboard per app, lives as long as it
    def framework(self, framework_id: str) -> Framework:
        return load_framework(framework_id)

    def audit_id(self, request: Request) -> int:
        raw = request.query_params.get("audit")
        if raw:
            try:
                return int(raw)
            except ValueError:
                raise HTTPException(400, "audit must be a number") from None
        latest = self.store.latest_audit_id()
        if latest is None:
            raise HTTPException(404, "no audit stored yet: run `govlens audit` or `govlens demo` first")
        return latest

    def load(self, audit_id: int, lang: str) -> tuple[AuditResult, ReportData]:
        try:
            audit = self.store.load_audit(audit_id)
        except LookupError:
            raise HTTPException(404, f"no audit {audit_id}") from None
        return audit, build(audit, self.framework(audit.framework_id), lang)

    def capture(self, capture: str | None) -> dict[str, Any] | None:
        """What the "as captured" panel shows for a record id from a link (None: no panel)."""
        if not capture:
            return None
        key = record_key(capture)
        rec = self.archive.get(key)
        return {
            "key": key,
            "url": rec.url if rec else "",
            "found": rec is not None,
            "date": rec.date if rec else "",
            "status": rec.status if rec else None,
        }

    def store_machine(self, audit_id: int) -> dict[tuple[str, str], wd.MachineVerdict]:
        return wd.machine_verdicts(self.store, audit_id)

    def chart_svg(self, audit_id: int, key: str, lang: str) -> str | None:
        from govlens.report import charts

        n_reviews = len(self.store.reviews(audit_id))
        ck = (audit_id, n_reviews, key, lang)
        with self._lock:
            if ck in self._charts:
                return self._charts[ck]
        _, rd = self.load(audit_id, lang)
        spec = dict(charts.chart_specs(rd)).get(key)
        if spec is None:
            return None
        svg = charts.to_svg(spec)
        with self._lock:
            if len(self._charts) > 64:
                self._charts.clear()
            self._charts[ck] = svg
        return svg

    def render(self, request: Request, name: str, status: int = 200, **ctx: Any) -> HTMLResponse:
        lang = lang_of(request)
        user: User | None = request.state.user
        base = {
            "request": request,
            "user": user,
            "csrf": csrf_token(request.session),
            "lang": lang,
            "langs": LANGS,
            "T": lambda key, **kw: t(key, lang, **kw),
            "W": lambda key, **kw: wt(key, lang, **kw),
            "scan_label": lambda s: scan_label(s, lang),
            "verdict_label": lambda v: verdict_label(v, lang),
            "score_text": score_text,
            "share_text": share_text,
            "extreme_text": lambda e: extreme_text(e, lang),
            "version": __version__,
            "path": request.url.path,
            "qs": lambda **kw: urlencode({k: v for k, v in kw.items() if v is not None}),
        }
        html = self.env.get_template(name).render(**base, **ctx)
        return HTMLResponse(html, status_code=status)


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.session.get("lang") or "en"
    return lang if lang in LANGS else "en"


# dashboard words (the report's own words come from govlens.report.i18n)
WEB_STRINGS: dict[str, dict[str, str]] = {
    "dashboard": {"en": "Review workspace", "id": "Ruang kerja peninjauan"},
    "login": {"en": "Log in", "id": "Masuk"},
    "logout": {"en": "Log out", "id": "Keluar"},
    "username": {"en": "Username", "id": "Nama pengguna"},
    "password": {"en": "Password", "id": "Kata sandi"},
    "bad_login": {"en": "Wrong username or password.", "id": "Nama pengguna atau kata sandi salah."},
    "overview": {"en": "Overview", "id": "Ikhtisar"},
    "queue": {"en": "Review queue", "id": "Antrean tinjauan"},
    "audits": {"en": "Audits over time", "id": "Audit dari waktu ke waktu"},
    "agreement": {"en": "Agreement", "id": "Kesepakatan"},
    "users": {"en": "Users", "id": "Pengguna"},
    "show": {"en": "Show", "id": "Tampilkan"},
    "machine_verdict": {"en": "Machine verdict", "id": "Hasil mesin"},
    "final_verdict": {"en": "Final verdict", "id": "Hasil akhir"},
    "set_by": {"en": "set by", "id": "ditetapkan oleh"},
    "as_captured": {"en": "as captured", "id": "sesuai tangkapan"},
    "open_capture": {"en": "open alone", "id": "buka terpisah"},
    "capture_of": {"en": "Captured page", "id": "Halaman tertangkap"},
    "close": {"en": "close", "id": "tutup"},
    "review_action": {"en": "Your review", "id": "Tinjauan Anda"},
    "confirm": {"en": "confirm the current verdict", "id": "konfirmasi hasil saat ini"},
    "set_met": {"en": "set: met", "id": "tetapkan: terpenuhi"},
    "set_not_met": {"en": "set: not met", "id": "tetapkan: tidak terpenuhi"},
    "set_needs_review": {"en": "set: needs review", "id": "tetapkan: perlu ditinjau"},
    "reason_hint": {
        "en": "Reason (required when you differ from the machine)",
        "id": "Alasan (wajib jika berbeda dari mesin)",
    },
    "save_review": {"en": "Save review", "id": "Simpan tinjauan"},
    "history": {"en": "Review history", "id": "Riwayat tinjauan"},
    "queue_empty": {"en": "Nothing is waiting for review.", "id": "Tidak ada yang menunggu tinjauan."},
    "prev": {"en": "previous", "id": "sebelumnya"},
    "next": {"en": "next", "id": "berikutnya"},
    "item_of": {"en": "item {i} of {n}", "id": "butir {i} dari {n}"},
    "why_needs_review": {"en": "needs review", "id": "perlu ditinjau"},
    "why_low_confidence": {"en": "low confidence", "id": "keyakinan rendah"},
    "download_sheet": {"en": "Download coding sheet", "id": "Unduh lembar pengodean"},
    "reviews_applied": {"en": "Reviews applied", "id": "Tinjauan diterapkan"},
    "by": {"en": "by", "id": "oleh"},
    "reviewed_cells": {"en": "reviewed", "id": "ditinjau"},
    "observed": {"en": "Observed agreement", "id": "Kesepakatan teramati"},
    "kappa": {"en": "Cohen's κ", "id": "κ Cohen"},
    "alpha": {"en": "Krippendorff's α (all reviewers)", "id": "α Krippendorff (semua peninjau)"},
    "cells": {"en": "Criteria coded by both", "id": "Kriteria yang dikode keduanya"},
    "between_reviewers": {"en": "Between reviewers", "id": "Antarpeninjau"},
    "with_machine": {"en": "Reviewers and the machine", "id": "Peninjau dan mesin"},
    "add_user": {"en": "Add user", "id": "Tambah pengguna"},
    "role": {"en": "Role", "id": "Peran"},
    "created": {"en": "Created", "id": "Dibuat"},
    "change": {"en": "Change", "id": "Ubah"},
    "when": {"en": "When", "id": "Waktu"},
    "reviews": {"en": "Reviews", "id": "Tinjauan"},
    "go": {"en": "Go", "id": "Buka"},
    "captured_status": {"en": "HTTP status when captured", "id": "Status HTTP saat ditangkap"},
}


def wt(key: str, lang: str = "en", **fmt: object) -> str:
    entry = WEB_STRINGS.get(key)
    if entry is None:
        return t(key, lang, **fmt)
    text = entry.get(lang) or entry["en"]
    return text.format(**fmt) if fmt else text


async def csrf_protect(request: Request) -> None:
    """Every non-GET request must carry the session's CSRF token (form field or header): 403 otherwise."""
    if request.method in SAFE_METHODS:
        return
    supplied = request.headers.get("x-csrf-token")
    if not supplied:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf")
            supplied = value if isinstance(value, str) else None
    if not csrf_ok(request.session, supplied):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")


def require(request: Request, role: str) -> User:
    user: User | None = request.state.user
    if user is None:
        raise HTTPException(401, "login required")
    if not user.can(role):
        raise HTTPException(403, f"this needs the {role} role")
    return user


def create_app(db_url: str, archive_dirs: list[Path] | None = None, secret: str | None = None) -> FastAPI:
    """The dashboard over an audit database (SQLite file or PostgreSQL URL).

    ``archive_dirs`` are folders holding the audit's WARC files (besides those recorded with each
    audit); ``secret`` signs session cookies (else $GOVLENS_SECRET, else a key file kept beside a
    SQLite database).
    """
    if "://" not in db_url:
        db_url = f"sqlite:///{Path(db_url).resolve()}"
    dash = Dashboard(db_url, archive_dirs)
    app = FastAPI(
        title="govlens",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    app.state.dash = dash
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # order matters: the last added runs first. Headers wrap everything (errors too), the session
    # is decoded before the login wall looks at it.
    app.add_middleware(LoginWallMiddleware, users=dash.users)
    app.add_middleware(
        SessionMiddleware,
        secret_key=resolve_secret(secret, db_url),
        session_cookie="govlens_session",
        max_age=SESSION_MAX_AGE,
        same_site="lax",
        https_only=False,
    )
    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if getattr(request.state, "user", None) is None or "text/html" not in request.headers.get(
            "accept", ""
        ):
            return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")
        return dash.render(
            request, "error.html", status=exc.status_code, status_code=exc.status_code, detail=exc.detail
        )

    # ------------------------------------------------------------------ login

    @app.get("/login")
    async def login_page(request: Request, next: str = "/") -> Response:
        if request.state.user is not None:
            return RedirectResponse(safe_next(next), 303)
        return dash.render(request, "login.html", next=safe_next(next), error="")

    @app.post("/login")
    async def login(request: Request) -> Response:
        form = await request.form()
        username = str(form.get("username") or "").strip()
        password = str(form.get("password") or "")
        target = safe_next(str(form.get("next") or "/"))
        wait = dash.limiter.wait(username)
        if wait > 0:
            return dash.render(
                request, "login.html", status=429, next=target,
                error=f"Too many failed attempts for this user: wait {int(wait) + 1} s.",
            )  # fmt: skip
        user = dash.users.authenticate(username, password) if username and password else None
        if user is None:
            dash.limiter.failed(username)
            return dash.render(
                request, "login.html", status=401, next=target, error=wt("bad_login", lang_of(request))
            )
        dash.limiter.succeeded(username)
        lang = request.session.get("lang")
        request.session.clear()  # new session (and CSRF token) at login: no fixation
        request.session.update({"user": user.username, **({"lang": lang} if lang else {})})
        csrf_token(request.session)
        return RedirectResponse(target, 303)

    @app.post("/logout")
    async def logout(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/login", 303)

    @app.get("/lang/{lang}")
    async def set_lang(request: Request, lang: str, next: str = "/") -> Response:
        if lang in LANGS:
            request.session["lang"] = lang
        return RedirectResponse(safe_next(next), 303)

    # ------------------------------------------------------------------ pages

    @app.get("/", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        audit_id = dash.audit_id(request)
        audit, rd = dash.load(audit_id, lang_of(request))
        reviews = dash.store.reviews(audit_id)
        reviewed: dict[str, set[str]] = {}
        for s in audit.sites:
            names = {v.reviewer for v in s.verdicts.values() if v.source == "review" and v.reviewer}
            if names:
                reviewed[s.site_id] = names
        charts = [k for k, spec in _chart_keys(rd)]
        return dash.render(
            request, "overview.html", a=audit, d=rd, sv=rd.summary_view, audits=dash.store.list_audits(),
            audit_id=audit_id, model_labels={m.id: m.label for m in rd.models}, reviews=reviews,
            reviewers=sorted({r.reviewer for r in reviews}), reviewed=reviewed, charts=charts,
        )  # fmt: skip

    @app.get("/charts/{audit_id}/{key}.svg")
    async def chart(request: Request, audit_id: int, key: str) -> Response:
        if key not in ("fulfilment", "heatmap", "channels"):
            raise HTTPException(404, "no such chart")
        svg = dash.chart_svg(audit_id, key, lang_of(request))
        if svg is None:
            raise HTTPException(404, "no such chart for this audit")
        return Response(
            svg,
            media_type="image/svg+xml",
            headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"},
        )

    @app.get("/sites/{site_id}", response_class=HTMLResponse)
    async def site_page(request: Request, site_id: str, capture: str | None = None) -> Response:
        audit_id = dash.audit_id(request)
        audit, rd = dash.load(audit_id, lang_of(request))
        view = next((v for v in rd.sites if v.site.site_id == site_id), None)
        if view is None:
            raise HTTPException(404, f"no site {site_id!r} in audit {audit_id}")
        machine = dash.store_machine(audit_id)
        history = wd.reviews_by_cell(dash.store.reviews(audit_id))
        cap = dash.capture(capture)
        groups = [(m, [c for c in rd.criteria if c.model == m.id]) for m in rd.models]
        return dash.render(
            request, "site.html", a=audit, d=rd, v=view, s=view.site, audit_id=audit_id, machine=machine,
            history=history, groups=groups, capture=cap, model_labels={m.id: m.label for m in rd.models},
            here=f"/sites/{quote(site_id)}?audit={audit_id}",
        )  # fmt: skip

    @app.post("/sites/{site_id}/review")
    async def review(request: Request, site_id: str) -> Response:
        user = require(request, "reviewer")
        audit_id = dash.audit_id(request)
        form = await request.form()
        code = str(form.get("code") or "")
        action = str(form.get("action") or "")
        reason = str(form.get("reason") or "").strip()[:2000]
        target = safe_next(str(form.get("next") or ""), f"/sites/{quote(site_id)}?audit={audit_id}")
        if action not in ACTIONS:
            raise HTTPException(400, f"action must be one of {', '.join(ACTIONS)}")
        machine = dash.store_machine(audit_id).get((site_id, code))
        if machine is None:
            raise HTTPException(404, f"no criterion {code!r} for site {site_id!r} in audit {audit_id}")
        final = dash.store.final_verdicts(audit_id).get(site_id, {}).get(code)
        current = final.verdict if final else machine.verdict
        verdict = current if action == "confirm" else action
        # confirming what is shown needs no reason; changing it, or departing from the machine, does
        if (verdict != current or (action != "confirm" and verdict != machine.verdict)) and not reason:
            raise HTTPException(
                400,
                "a reason is required for an override (a verdict other than the current one or the machine's)",
            )
        dash.store.add_review(audit_id, site_id, code, verdict, reviewer=user.username, reason=reason)
        return RedirectResponse(target, 303)

    @app.get("/queue", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        audit_id = dash.audit_id(request)
        audit, _ = dash.load(audit_id, lang_of(request))
        items = wd.review_queue(audit, dash.store_machine(audit_id))
        return dash.render(
            request, "queue.html", items=items, audit_id=audit_id, a=audit, audits=dash.store.list_audits()
        )

    @app.get("/queue/{n}", response_class=HTMLResponse)
    async def queue_item(request: Request, n: int, capture: str | None = None) -> Response:
        audit_id = dash.audit_id(request)
        audit, rd = dash.load(audit_id, lang_of(request))
        machine = dash.store_machine(audit_id)
        items = wd.review_queue(audit, machine)
        if not items:
            return RedirectResponse(f"/queue?audit={audit_id}", 303)
        n = max(1, min(n, len(items)))
        item = items[n - 1]
        view = next(v for v in rd.sites if v.site.site_id == item.site_id)
        crit = rd.criterion(item.code)
        return dash.render(
            request, "queue_item.html", item=item, n=n, total=len(items), audit_id=audit_id, a=audit, d=rd,
            v=view, s=view.site, c=crit, machine=machine, history=wd.reviews_by_cell(dash.store.reviews(audit_id)),
            here=f"/queue/{n}?audit={audit_id}", capture=dash.capture(capture),
        )  # fmt: skip

    @app.get("/audits", response_class=HTMLResponse)
    async def audits(request: Request) -> Response:
        rows = wd.audits_over_time(dash.store)
        models: list[tuple[str, str]] = []
        if rows:
            latest = dash.store.load_audit(rows[-1].id, apply_reviews=False)
            fw = dash.framework(latest.framework_id)
            lang = lang_of(request)
            models = [(m.id, m.label.get(lang)) for m in fw.models]
        return dash.render(request, "audits.html", rows=rows, models=models)

    @app.get("/agreement", response_class=HTMLResponse)
    async def agreement_page(request: Request) -> Response:
        audit_id = dash.audit_id(request)
        ag = wd.agreement(dash.store.reviews(audit_id), dash.store_machine(audit_id))
        return dash.render(
            request, "agreement.html", ag=ag, audit_id=audit_id, audits=dash.store.list_audits()
        )

    @app.get("/export/sheet")
    async def export_sheet(request: Request) -> Response:
        return _sheet_response(dash, dash.audit_id(request))

    # ------------------------------------------------------------------ archive viewer

    @app.get("/archive/{key:path}")
    async def archived(request: Request, key: str) -> Response:
        rec = dash.archive.get(record_key(key))
        if rec is None:
            raise HTTPException(
                404, "this record is not part of any stored audit, or its WARC file is missing"
            )
        headers = {
            "Content-Security-Policy": ARCHIVE_CSP,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "X-Govlens-Captured-Url": quote(rec.url, safe=":/?&=#%+@,;"),
            "X-Govlens-Captured-Date": rec.date,
            "Cache-Control": "private, no-store",
        }
        if rec.status is not None:
            headers["X-Govlens-Captured-Status"] = str(rec.status)
        ctype = rec.content_type
        if rec.error:
            text = (
                f"govlens could not fetch {rec.url}: {rec.error}\n{rec.headers.get('x-govlens-detail', '')}\n"
            )
            return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
        if ctype in HTML_TYPES:
            charset = _charset(rec.headers.get("content-type", ""))
            media = f"text/html; charset={charset}" if charset else "text/html"
            return Response(rec.body, media_type=media, headers=headers)
        if ctype in TEXT_TYPES or ctype.startswith("text/"):
            body = rec.body.decode(_charset(rec.headers.get("content-type", "")) or "utf-8", "replace")
            return Response(body, media_type="text/plain; charset=utf-8", headers=headers)
        text = (
            f"{rec.url}\ncaptured {rec.date}, HTTP {rec.status}, {ctype or 'no content type'}, "
            f"{len(rec.body)} bytes{' (truncated)' if rec.truncated else ''}.\n"
        )
        title, doc_text = _document_text(rec.body, ctype)
        if title or doc_text:
            # a posted document: show the text the verdicts were read from, never the file itself
            text += f"\nThe text govlens read from this file (what its verdicts saw):\n\n{title}\n\n{doc_text}\n"
        else:
            text += "Only HTML, text and readable documents are shown here; open the WARC file with a replay tool.\n"
        return Response(text, media_type="text/plain; charset=utf-8", headers=headers)

    # ------------------------------------------------------------------ admin

    @app.get("/admin/users", response_class=HTMLResponse)
    async def users_page(request: Request) -> Response:
        require(request, "admin")
        return dash.render(request, "users.html", users=dash.users.list(), roles=ROLES, error="")

    @app.post("/admin/users")
    async def users_add(request: Request) -> Response:
        require(request, "admin")
        form = await request.form()
        try:
            dash.users.add(
                str(form.get("username") or ""),
                str(form.get("password") or ""),
                str(form.get("role") or "viewer"),
            )
        except UserError as e:
            return dash.render(
                request, "users.html", status=400, users=dash.users.list(), roles=ROLES, error=str(e)
            )
        return RedirectResponse("/admin/users", 303)

    @app.post("/admin/users/{username}/role")
    async def users_role(request: Request, username: str) -> Response:
        admin = require(request, "admin")
        form = await request.form()
        role = str(form.get("role") or "")
        try:
            if username == admin.username and role != "admin":
                raise UserError("you cannot take the admin role from yourself")
            dash.users.set_role(username, role)
        except UserError as e:
            return dash.render(
                request, "users.html", status=400, users=dash.users.list(), roles=ROLES, error=str(e)
            )
        return RedirectResponse("/admin/users", 303)

    return app


def _chart_keys(rd: ReportData) -> list[tuple[str, Any]]:
    """Which charts this audit has (the heat map is left out for very large audits)."""
    from govlens.report import charts

    keys = [("fulfilment", True)]
    if rd.sites and len(rd.sites) <= charts.MAX_HEATMAP_SITES:
        keys.append(("heatmap", True))
    if rd.channel_stats:
        keys.append(("channels", True))
    return keys


def _document_text(body: bytes, content_type: str) -> tuple[str, str]:
    """(title, text) of a PDF/OOXML/ODF record, as the extract stage reads it; ("", "") otherwise."""
    from govlens.extract.doctext import document_text, file_type_of

    ftype, _ = file_type_of(body, content_type)
    if ftype not in ("pdf", "docx", "xlsx", "pptx", "odt", "ods"):
        return "", ""
    return document_text(body, ftype)


def _charset(content_type: str) -> str:
    for part in content_type.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset":
            v = v.strip().strip("\"'")
            if v and all(ch.isalnum() or ch in "-_.:" for ch in v):
                return v
    return ""


def _sheet_response(dash: Dashboard, audit_id: int) -> Response:
    """The coding sheet of an audit as a download: what `govlens sheet export` writes."""
    from govlens.sheets import export_sheet

    with tempfile.TemporaryDirectory(prefix="govlens-sheet-") as tmp:
        path = Path(tmp) / "coding-sheet.xlsx"
        try:
            export_sheet(dash.store, audit_id, path, csv=False)  # labels from the audit's framework
        except Exception as e:  # the exporter's own failure: say so on a page, keep the traceback in the log
            log.exception("coding sheet export of audit %s failed", audit_id)
            raise HTTPException(500, f"the coding sheet export failed: {type(e).__name__}: {e}") from e
        body = path.read_bytes()
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="audit-{audit_id}-coding-sheet.xlsx"'},
    )
