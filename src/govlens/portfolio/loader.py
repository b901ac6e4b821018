"""Load a portfolio from YAML or CSV into :class:`govlens.types.Portfolio`.

YAML files are parsed with a line-tracking loader so that a validation error can point at the
line of the offending organisation; CSV errors point at the row number as a spreadsheet shows it
(the header is row 1).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from govlens.types import DeclaredChannel, Organisation, Platform, Portfolio

KINDS = ("main", "portal", "agency", "district", "other")
PLATFORMS = tuple(p.value for p in Platform)
_PLATFORM_ALIASES = {"x": "twitter", "wa": "whatsapp", "ig": "instagram", "fb": "facebook", "yt": "youtube"}
_TRUE = {"yes", "y", "true", "1", "ya", "ada", "x", "✓"}
_FALSE = {"no", "n", "false", "0", "tidak", "-", "", "none"}


class PortfolioError(ValueError):
    """The portfolio file cannot be used; ``problems`` lists every problem found, not just the first."""

    def __init__(self, path: str, problems: list[str]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}: {p}" for p in problems))


class OrganisationIn(BaseModel):
    """One organisation as written in a portfolio file."""

    model_config = ConfigDict(extra="forbid")
    id: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9_-]*$", description="stable slug; default: slug of short")
    name: str = Field(min_length=1)
    short: str | None = None
    kind: Literal["main", "portal", "agency", "district", "other"] = "agency"
    sites: list[str] = Field(default_factory=list, description="website addresses (http/https)")
    site: str | None = Field(None, description="shorthand for a single site")
    channels: dict[str, bool | str | None] = Field(default_factory=dict)
    services: list[str] = Field(default_factory=list)
    notes: str = ""

    @field_validator("sites", "services")
    @classmethod
    def _urls(cls, v: list[str]) -> list[str]:
        return [normalise_url(u) for u in v if u and str(u).strip()]

    @field_validator("site")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return normalise_url(v) if v and v.strip() else None

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, bool | str | None]) -> dict[str, bool | str | None]:
        out: dict[str, bool | str | None] = {}
        for k, val in v.items():
            key = _PLATFORM_ALIASES.get(k.lower(), k.lower())
            if key not in PLATFORMS:
                raise ValueError(f"unknown channel platform {k!r}; expected one of {', '.join(PLATFORMS)}")
            if isinstance(val, str) and not val.lower().startswith(("http://", "https://")):
                raise ValueError(f"channel {k}: expected true/false or an http(s) URL, got {val!r}")
            out[key] = val
        return out


class PortfolioMeta(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    country: str = Field("ID", pattern=r"^[A-Z]{2}$")
    region: str = ""
    main_portal: str | None = None
    source: str = ""


class PortfolioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    portfolio: PortfolioMeta
    organisations: list[OrganisationIn] = Field(min_length=1)


def portfolio_json_schema() -> dict[str, Any]:
    return PortfolioIn.model_json_schema()


def normalise_url(url: str) -> str:
    """Absolute http(s) URL with a lower-case host and at least '/' as path; raises ValueError."""
    u = str(url).strip()
    if not re.match(r"^https?://", u, re.I):
        if re.match(r"^[a-z][a-z0-9+.-]*://", u, re.I):
            raise ValueError(f"{u!r}: only http and https addresses can be audited")
        u = "https://" + u  # the study's table writes bare host names
    parts = urlsplit(u)
    host = (parts.hostname or "").lower()
    if not host or ("." not in host and host != "localhost"):
        raise ValueError(f"{url!r} is not a website address (expected e.g. https://dinkes.cilegon.go.id/)")
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def slugify(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "org"


# --------------------------------------------------------------------------- YAML with line numbers


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (as key ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keylines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value if hasattr(k, "value")}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_lines(v) for k, v in obj.items() if k not in ("__line__", "__keylines__")}
    if isinstance(obj, list):
        return [_strip_lines(v) for v in obj]
    return obj


def _line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    node, line = data, None
    for key in loc:
        if isinstance(node, dict):
            line = node.get("__keylines__", {}).get(key, node.get("__line__", line))
            node = node.get(key)
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            break
    return line


def _describe(data: Any, loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and isinstance(node, list) and key < len(node):
            node = node[key]
            label = node.get("short") or node.get("name") if isinstance(node, dict) else None
            parts[-1] = parts[-1].removesuffix("s") + f" #{key + 1}" + (f" ({label})" if label else "")
        else:
            parts.append(str(key))
            node = node.get(key) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def _human(err: Any) -> str:
    """pydantic's wording, said the way a person editing a portfolio needs it."""
    kind, loc = err["type"], err["loc"]
    field = str(loc[-1]) if loc else ""
    if kind == "extra_forbidden":
        return "unknown field (check the spelling; `govlens portfolio schema` lists the fields)"
    if kind == "missing":
        return "required field is missing"
    if kind == "string_pattern_mismatch":
        return {
            "country": "expected a two-letter country code in capitals, such as ID",
            "id": "expected a short id of lower-case letters, digits, '-' or '_' (e.g. dinkes)",
        }.get(field, "has an unexpected form")
    if kind == "list_type":
        return "expected a list, e.g. [https://dinkes.example.go.id/]"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "too_short":
        return "needs at least one entry"
    if kind == "literal_error":
        return "expected one of " + err["ctx"]["expected"].replace("'", "")
    if kind in ("string_type", "dict_type", "bool_type"):
        want = {"string_type": "text", "dict_type": "a mapping (key: value lines)", "bool_type": "true or false"}
        return f"expected {want[kind]}, got {err.get('input')!r}"
    return str(err["msg"]).removeprefix("Value error, ")


def _load_yaml(path: Path, text: str) -> Portfolio:
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        ctx = getattr(e, "context_mark", None)
        context = f"; {e.context} at line {ctx.line + 1}" if ctx and getattr(e, "context", None) else ""
        raise PortfolioError(str(path), [f"{where}not valid YAML ({getattr(e, 'problem', e)}{context})"]) from e
    if not isinstance(raw, dict):
        raise PortfolioError(str(path), ["expected a mapping with 'portfolio:' and 'organisations:' keys"])
    try:
        model = PortfolioIn.model_validate(_strip_lines(raw))
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = err["loc"]
            line = _line_of(raw, loc)
            where = f"line {line}: " if line else ""
            problems.append(f"{where}{_describe(raw, loc)}: {_human(err)}")
        organisations = raw.get("organisations")
        if isinstance(organisations, list):  # cross-checks too, so one run lists every problem
            problems += _cross_problems(
                [_raw_entry(o) for o in organisations if isinstance(o, dict)],
                (raw.get("portfolio") or {}).get("main_portal") if isinstance(raw.get("portfolio"), dict) else None,
                _line_of(raw, ("portfolio", "main_portal")),
            )
        raise PortfolioError(str(path), problems) from e
    return _build(path, model, line_of=lambda i: raw["organisations"][i].get("__line__"),
                  main_line=_line_of(raw, ("portfolio", "main_portal")))


# --------------------------------------------------------------------------- CSV


_CSV_COLUMNS = {"name", "short", "website", "kind", "services", "id", "notes", *PLATFORMS, "x"}


def _load_csv(path: Path, text: str) -> Portfolio:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise PortfolioError(str(path), ["row 1: empty file, expected a header row with at least 'name,website'"])
    header = [h.strip().lower() for h in reader.fieldnames]
    problems = []
    missing = {"name", "website"} - set(header)
    if missing:
        problems.append(f"row 1: missing column(s) {', '.join(sorted(missing))}; found {', '.join(header)}")
    unknown = [h for h in header if h not in _CSV_COLUMNS]
    if unknown:
        problems.append(
            f"row 1: unknown column(s) {', '.join(unknown)}; known: {', '.join(sorted(_CSV_COLUMNS))}"
        )
    if problems:
        raise PortfolioError(str(path), problems)
    orgs: list[OrganisationIn] = []
    rows: list[int] = []
    for n, row in enumerate(reader, start=2):
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not any(r.values()):
            continue
        channels: dict[str, bool | str | None] = {}
        for p in (*PLATFORMS, "x"):
            if p in r:
                v = r[p]
                if v.lower() in _TRUE:
                    channels[p] = True
                elif v.lower() in _FALSE:
                    channels[p] = False
                elif v.lower().startswith(("http://", "https://")):
                    channels[p] = v
                else:
                    problems.append(f"row {n}: column {p}: expected yes/no or a URL, got {v!r}")
        data: dict[str, Any] = {
            "name": r.get("name", ""),
            "short": r.get("short") or None,
            "kind": r.get("kind") or "agency",
            "sites": [r["website"]] if r.get("website") else [],
            "channels": channels,
            "services": re.split(r"[;\s]+", r["services"]) if r.get("services") else [],
            "notes": r.get("notes", ""),
        }
        if r.get("id"):
            data["id"] = r["id"]
        try:
            orgs.append(OrganisationIn.model_validate(data))
            rows.append(n)
        except ValidationError as e:
            for err in e.errors():
                field = ".".join(str(x) for x in err["loc"]) or "row"
                col = {"sites": "website"}.get(field.split(".")[0], field)
                problems.append(f"row {n}: column {col}: {_human(err)}")
    if problems:
        raise PortfolioError(str(path), problems)
    if not orgs:
        raise PortfolioError(str(path), ["no organisation rows after the header"])
    meta = PortfolioMeta(name=path.stem)
    model = PortfolioIn(portfolio=meta, organisations=orgs)
    return _build(path, model, line_of=lambda i: rows[i], unit="row")


# --------------------------------------------------------------------------- common


def _raw_entry(o: dict[str, Any]) -> tuple[str, list[str], int | None]:
    """(id, sites, line) of an organisation as written, for cross-checks before full validation."""
    short = o.get("short") or o.get("name") or ""
    oid = o.get("id") or slugify(str(short))
    sites = []
    for u in [o.get("site"), *(o.get("sites") or [] if isinstance(o.get("sites"), list) else [])]:
        try:
            if u:
                sites.append(normalise_url(str(u)))
        except ValueError:
            pass
    return str(oid), sites, o.get("__line__")


def _cross_problems(
    entries: list[tuple[str, list[str], int | None]], main: str | None, main_line: int | None, unit: str = "line"
) -> list[str]:
    """Problems between organisations: ids and sites used twice, a main portal that is no one."""
    problems: list[str] = []
    ids: dict[str, int | None] = {}
    owner: dict[str, str] = {}
    for oid, sites, line in entries:
        where = f"{unit} {line}: " if line else ""
        if oid in ids:
            first = f" (first at {unit} {ids[oid]})" if ids[oid] else ""
            problems.append(f"{where}organisation id {oid!r} is used twice{first}; give one an explicit id")
        ids.setdefault(oid, line)
        for site in sites:
            if site in owner and owner[site] != oid:
                problems.append(f"{where}site {site} is already listed for {owner[site]!r}")
            owner.setdefault(site, oid)
    if main and main not in ids:
        where = f"line {main_line}: " if main_line else ""
        problems.append(f"{where}portfolio.main_portal: {main!r} is not the id of any organisation ({', '.join(ids)})")
    return problems


def _build(path: Path, model: PortfolioIn, line_of: Any, unit: str = "line", main_line: int | None = None) -> Portfolio:
    orgs: list[Organisation] = []
    entries: list[tuple[str, list[str], int | None]] = []
    for i, o in enumerate(model.organisations):
        short = o.short or o.name
        oid = o.id or slugify(short)
        sites = list(dict.fromkeys([*([o.site] if o.site else []), *o.sites]))
        entries.append((oid, sites, line_of(i)))
        channels = []
        for platform, val in o.channels.items():
            if isinstance(val, str):
                channels.append(DeclaredChannel(platform=platform, present=True, url=val))
            else:
                channels.append(DeclaredChannel(platform=platform, present=bool(val)))
        orgs.append(
            Organisation(
                id=oid, name=o.name, short=short, kind=o.kind, sites=sites, channels=channels,
                services=o.services, notes=o.notes,
            )
        )
    meta = model.portfolio
    problems = _cross_problems(entries, meta.main_portal, main_line, unit)
    if problems:
        raise PortfolioError(str(path), problems)
    return Portfolio(
        name=meta.name, organisations=orgs, country=meta.country, region=meta.region,
        main_portal=meta.main_portal, source=str(path),
    )


def load_portfolio(path: str | Path) -> Portfolio:
    """Load a portfolio from ``.yaml``/``.yml`` or ``.csv``; raises :class:`PortfolioError`."""
    p = Path(path)
    if not p.exists():
        raise PortfolioError(str(p), ["no such file"])
    if p.is_dir():
        raise PortfolioError(str(p), ["is a folder; give a portfolio .yaml or .csv file"])
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise PortfolioError(str(p), [f"not UTF-8 text (byte {e.start}); save the file as UTF-8"]) from e
    suffix = p.suffix.lower()
    if suffix == ".csv":
        return _load_csv(p, text)
    if suffix in (".yaml", ".yml"):
        return _load_yaml(p, text)
    raise PortfolioError(str(p), [f"unknown file type {suffix!r}: expected .yaml, .yml or .csv"])


def portfolio_from_urls(urls: list[str], name: str = "ad hoc") -> Portfolio:
    """A portfolio for `govlens audit URL...` without a file: one organisation per site."""
    orgs = []
    for u in urls:
        nu = normalise_url(u)
        host = urlsplit(nu).hostname or nu
        oid = slugify(host.removeprefix("www."))
        orgs.append(Organisation(id=oid, name=host, short=host, sites=[nu]))
    return Portfolio(name=name, organisations=orgs)
