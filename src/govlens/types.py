"""The data that passes between pipeline stages.

Every stage (portfolio → crawl → archive → extract → assess → store → report) takes one of these
types from the stage before and hands the next one on. They are plain dataclasses, not ORM objects
or pydantic models, so a stage can be run on its own, pickled to a dask worker, or serialised to
JSON with :func:`to_dict` without dragging a database session or a validator along.

Validation of *user input* (portfolio files, framework files) happens once at the border, in
``govlens.portfolio`` and ``govlens.assess.framework``; past that border the data is trusted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# --------------------------------------------------------------------------- portfolio


class Platform(StrEnum):
    """Social and messaging platforms whose official channels we recognise."""

    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    YOUTUBE = "youtube"
    TWITTER = "twitter"  # X / Twitter
    TIKTOK = "tiktok"
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    LINKEDIN = "linkedin"


@dataclass
class DeclaredChannel:
    """A social channel the portfolio says an organisation has.

    ``url`` is None when the source only says yes/no (the study's table does); ``present`` is
    False when the source explicitly says the organisation has no such channel.
    """

    platform: str
    present: bool = True
    url: str | None = None


@dataclass
class Organisation:
    id: str  # stable slug, unique in the portfolio (e.g. "diskominfo")
    name: str
    short: str
    kind: str = "agency"  # agency | portal | main | regency | ministry | other
    sites: list[str] = field(default_factory=list)  # normalised absolute URLs; may be empty
    channels: list[DeclaredChannel] = field(default_factory=list)
    services: list[str] = field(default_factory=list)  # extra service URLs to check
    notes: str = ""


@dataclass
class Portfolio:
    name: str
    organisations: list[Organisation]
    country: str = "ID"
    region: str = ""
    main_portal: str | None = None  # organisation id of the main city portal, if any
    source: str = ""  # path of the file it was loaded from


# --------------------------------------------------------------------------- archive


@dataclass
class ArchivedRecord:
    """One HTTP exchange (or failed attempt) as read back from a WARC file.

    ``status`` is None for a failed fetch (DNS, TLS, timeout, reset, too large): then
    ``error`` says what went wrong and ``record_type`` is "metadata". ``body`` is the decoded
    payload (transfer- and content-encoding removed), possibly truncated at the crawl's size limit
    (``truncated`` True).
    """

    url: str  # WARC-Target-URI: the original address, also when served from a local mirror
    record_id: str  # WARC-Record-ID, e.g. "<urn:uuid:...>"
    warc_file: str  # file name (not path) of the WARC the record is in
    offset: int  # byte offset of the record in that file
    date: str  # WARC-Date, ISO 8601
    record_type: str  # response | metadata | resource | revisit
    method: str = "GET"
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-cased names
    content_type: str = ""  # media type only, lower-cased ("text/html")
    body: bytes = b""
    truncated: bool = False
    error: str | None = None  # fetch error kind: dns | tls | timeout | reset | too_large | ...
    redirect_to: str | None = None  # absolute Location of a 3xx
    purpose: str = "page"  # page | robots | sitemap | probe404 | linkcheck | document | render
    depth: int | None = None
    via: str | None = None  # URL of the page the link was found on


class ScanStatus(StrEnum):
    """Can the site be read at all? Kept apart from criterion verdicts on purpose: a site we
    could not read is not a site without a budget report."""

    OK = "ok"
    NO_SITE = "no_site"  # the portfolio declares no website for the organisation
    UNREACHABLE = "unreachable"  # DNS failure, connection refused, timeout on the home page
    TLS_ERROR = "tls_error"
    HTTP_ERROR = "http_error"  # home page answers 4xx/5xx
    BLOCKED = "blocked"  # bot protection / challenge page / 403 to our agent
    ROBOTS_DISALLOWED = "robots_disallowed"
    REDIRECTS_AWAY = "redirects_away"  # home redirects to another registered domain
    REDIRECT_LOOP = "redirect_loop"
    JS_ONLY = "js_only"  # page has no content without a script and was not rendered
    NOT_IN_ARCHIVE = "not_in_archive"  # assess: the portfolio names it, the WARC has nothing
    HAND_CODED = "hand_coded"  # coded by a person from a coding sheet; never crawled
    ASSESS_ERROR = "assess_error"  # the archive was read but extracting or assessing it failed

    @property
    def assessable(self) -> bool:
        """Only a site we could read is scored; a script-only shell that was not rendered is
        not evidence of absence (render it with ``--render`` and it becomes ``ok``)."""
        return self is ScanStatus.OK


@dataclass
class SiteCapture:
    """Everything the archive holds for one site, grouped; input of the extract stage."""

    site_id: str  # slug, unique within the audit
    seed_url: str
    records: list[ArchivedRecord]
    organisation: Organisation | None = None
    scan_status: str = ScanStatus.OK
    scan_detail: str = ""  # human-readable reason for a non-ok status
    final_url: str | None = None  # home page after redirects
    probe_404: ArchivedRecord | None = None


# --------------------------------------------------------------------------- extract


class LinkKind(StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"
    SOCIAL = "social"
    SERVICE = "service"
    DOCUMENT = "document"
    NOOP = "noop"  # '#', 'javascript:void(0)', empty href
    MAILTO = "mailto"
    TEL = "tel"


@dataclass
class Link:
    url: str  # absolute, fragment removed ("" for a no-op)
    text: str  # anchor text, whitespace collapsed (alt/title/aria-label when no text)
    kind: str  # LinkKind
    raw_href: str = ""
    region: str = "body"  # nav | header | footer | body | aside
    social_platform: str | None = None
    is_share: bool = False  # share-this-page button, not a channel


@dataclass
class Document:
    url: str
    text: str  # anchor text or title
    file_type: str  # pdf | doc | docx | xls | xlsx | ppt | pptx | odt | ods | zip | other
    years: list[int] = field(default_factory=list)
    how_typed: str = "extension"  # extension | content_type | magic | anchor
    status: int | None = None  # from the crawl or link check, if known
    periods: list[str] = field(default_factory=list)  # period expressions as written, e.g. "2021-2026"
    # What the target turned out to be when the archive holds it (extract/site.py):
    #   document    a file was fetched and read (or could not be read: a scan, an old .doc)
    #   html        an HTML page that is not an error page (a law's own page, a viewer)
    #   missing     the fetch failed: 4xx/5xx, network error, redirect loop
    #   error_page  it answered 200 with the site's "not found" page or another HTML error page
    #   not_captured  the archive has no fetch of it (a partial copy, a page budget reached)
    target: str = "not_captured"
    target_record_id: str = ""
    target_warc_file: str = ""
    # What the document is, by its content when it was read, else by its anchor text and name:
    kind: str = ""  # document_kinds.yaml key or "other"; "" = not typed
    kind_source: str = ""  # content | link
    kind_signals: list[str] = field(default_factory=list)
    kind_passage: str = ""  # the passage that typed it, for evidence
    number: str = ""  # regulation / decision number, when it is one
    number_year: int | None = None
    content_title: str = ""  # the document's own title (metadata or first line)
    content_chars: int = 0  # how much text was read from it (0: not read, a scan, an old .doc)


@dataclass
class Contact:
    kind: str  # email | phone | fax | whatsapp | address | official
    value: str  # normalised: e-mail lower-cased, phone in E.164, address/official as text
    snippet: str  # the passage it was found in
    raw: str = ""  # as written on the page


@dataclass
class SocialChannel:
    platform: str
    url: str
    handle: str = ""
    source: str = "link"  # link | embed | jsonld


@dataclass
class Form:
    kind: str  # search | complaint | poll | login | contact | subscribe | other
    action: str
    method: str
    fields: list[str] = field(default_factory=list)  # input names / labels
    text: str = ""  # labels and surrounding heading


@dataclass
class Embed:
    kind: str  # iframe | video | map | script-widget
    src: str
    platform: str | None = None


@dataclass
class PageFacts:
    url: str
    record_id: str
    warc_file: str
    status: int | None
    content_type: str
    title: str = ""
    lang: str = ""
    text: str = ""  # main text (boilerplate removed where possible)
    full_text: str = ""  # all visible text, menus included
    headings: list[str] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    socials: list[SocialChannel] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)
    embeds: list[Embed] = field(default_factory=list)
    jsonld_same_as: list[str] = field(default_factory=list)
    is_html: bool = True
    soft_404: bool = False
    needs_js: bool = False  # little text and a script-driven shell


@dataclass
class LinkCheck:
    """Outcome of a link-check (HEAD/GET) or crawl fetch, for link health."""

    url: str
    status: int | None
    error: str | None = None
    record_id: str = ""
    final_url: str | None = None


@dataclass
class SiteFacts:
    site_id: str
    seed_url: str
    organisation: Organisation | None
    scan_status: str
    scan_detail: str
    pages: list[PageFacts]
    link_checks: dict[str, LinkCheck] = field(default_factory=dict)  # by URL
    final_url: str | None = None


# --------------------------------------------------------------------------- services


class ServiceHealth(StrEnum):
    """What a citizen gets when following a service link (docs/services.md).

    Three groups, kept apart on purpose: a service that *works*, one that is *broken* (the citizen
    is stuck: an error, a page that says not found, a click that does nothing, a name that no
    longer resolves), and one we *could not judge* (a login wall, bot protection, a timeout, a link
    the crawl never fetched) -- a dead link is never inferred from our own failure to look.
    """

    WORKS = "works"
    REDIRECT_AWAY = "redirect_away"  # works, but the click ends on another registered domain
    HTTP_ERROR = "http_error"  # 4xx/5xx (health_detail says which)
    SOFT_404 = "soft_404"  # 200 page that says "not found", or the site's 404-probe page
    NOOP = "noop"  # '#', 'javascript:void(0)', empty href, a handler that does nothing
    REDIRECT_LOOP = "redirect_loop"  # loops or too many redirects
    DNS = "dns"  # the name does not resolve
    UNREACHABLE = "unreachable"  # connection refused / reset: nothing answers
    TLS_ERROR = "tls_error"
    TIMEOUT = "timeout"
    BLOCKED = "blocked"  # bot protection / challenge page
    LOGIN_REQUIRED = "login_required"  # 401/403 with a login form, or a redirect to a login page
    NOT_CHECKED = "not_checked"  # the crawl never fetched it (budget, robots, out of the map)

    @property
    def group(self) -> str:
        """``ok`` | ``broken`` | ``unknown`` (could not judge)."""
        if self in (ServiceHealth.WORKS, ServiceHealth.REDIRECT_AWAY):
            return "ok"
        if self in (
            ServiceHealth.TIMEOUT,
            ServiceHealth.BLOCKED,
            ServiceHealth.LOGIN_REQUIRED,
            ServiceHealth.NOT_CHECKED,
        ):
            return "unknown"
        return "broken"


@dataclass
class Service:
    """One online service a site offers, as found in its menus and pages (govlens.services)."""

    name: str  # anchor text of the link that offers it
    url: str  # entry URL ("" for a no-op menu item)
    kind: str  # application | form | information | chat | platform | unknown
    provider_kind: str  # own | portfolio | outside | unknown
    provider: str  # organisation or outside provider name (or the host when unknown)
    health: str  # ServiceHealth
    health_detail: str = ""  # "HTTP 404", "redirects to https://...", "connect: refused"...
    found_on: str = ""  # URL of the page the link is on ("" when only declared in the portfolio)
    menu_path: list[str] = field(default_factory=list)  # anchor texts from the home page to the link
    region: str = "body"  # nav | header | footer | body | aside, of the link on found_on
    provider_org: str = ""  # organisation id when provider_kind is own or portfolio
    final_url: str | None = None  # where the link ended after redirects
    status: int | None = None  # final HTTP status, if fetched
    record_id: str = ""  # WARC-Record-ID of the fetch that settled the health (evidence)
    source: str = "link"  # link | menu_page | form_page | declared


# --------------------------------------------------------------------------- assess


class VerdictValue(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NEEDS_REVIEW = "needs_review"


@dataclass
class Evidence:
    url: str
    warc_record_id: str
    snippet: str  # passage or element (HTML fragment or text), ≤ 300 chars
    detector: str  # name of the detector that produced it
    warc_file: str = ""
    detail: str = ""  # e.g. which pattern matched, which part of a complaint channel was seen


@dataclass
class Verdict:
    code: str  # criterion code, e.g. "K1"
    verdict: str  # VerdictValue
    confidence: float  # 0..1
    evidence: list[Evidence] = field(default_factory=list)
    reason: str = ""  # why, in one sentence (English)
    decision: str = "auto"  # auto | assisted | manual, from the framework
    source: str = "machine"  # machine | review (final value after a human override)
    reviewer: str | None = None


@dataclass
class ModelScore:
    model: str
    met: int
    total: int
    needs_review: int = 0

    @property
    def fraction(self) -> float:
        return self.met / self.total if self.total else 0.0


@dataclass
class SiteAssessment:
    site_id: str
    organisation: str  # name
    short: str
    url: str  # seed URL ("" when no site)
    scan_status: str
    scan_detail: str
    verdicts: dict[str, Verdict]  # by criterion code, in framework order
    scores: dict[str, ModelScore]  # by model id
    implemented: list[str]  # model ids whose score reaches the framework's threshold
    pages: int = 0
    socials_found: list[SocialChannel] = field(default_factory=list)
    broken_links: list[LinkCheck] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)  # criterion codes, ordered
    # newest dated item the site shows (docs/diff.md): {"date": "2024-01-29" | "2025", "precision":
    # "day" | "year", "kind": "news" | "document", "url": ...}; None when nothing dated was found
    freshness: dict[str, Any] | None = None
    services: list[Service] | None = None  # online service inventory (None: not computed)
    # organisation id -> fewest clicks from this site's home page to that organisation's home page
    # (the portal's links to OPD sites; govlens.services.integration walks them)
    site_links: dict[str, int] | None = None


@dataclass
class AuditResult:
    """One audit: what was assessed, with what, when. The unit the store saves and reports read."""

    portfolio: Portfolio
    framework_id: str
    framework_version: str
    sites: list[SiteAssessment]
    started: str  # ISO 8601 UTC
    finished: str
    archives: list[str] = field(default_factory=list)  # WARC paths
    summary: dict[str, Any] = field(default_factory=dict)  # see govlens.assess.summary
    audit_id: int | None = None
    label: str = ""
    # context a report may show beside the audit but that is not part of it (scores of earlier
    # audits of the portfolio, availability checks): filled by Store.load_audit, never saved
    extras: dict[str, Any] = field(default_factory=dict)


def to_dict(obj: Any) -> Any:
    """Dataclasses → JSON-ready dicts (enums as their values, bytes dropped)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if isinstance(v, bytes):
                continue
            out[f.name] = to_dict(v)
        if isinstance(obj, ModelScore):
            out["fraction"] = obj.fraction
        return out
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_dict(v) for v in obj]
    return obj
