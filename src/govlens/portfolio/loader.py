"""Load a portfolio from YAML or CSV into :class:`govlens.types.Portfolio`.

YAML files are parsed with a line-tracking loader so that a validation error can point at the
line of the offending organisation; CSV errors point at the row number as a spreadsheet shows it
(the header is row 1).
"""

from __future__ import annotations

import csv
import io
import ipaddress
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
        out, bad = [], []
        for u in v:
            if not (u and str(u).strip()):
                continue
            try:
                out.append(normalise_url(u))
            except ValueError as e:  # name every bad address of the list, not only the first
                bad.append(str(e))
        if bad:
            raise ValueError("; ".join(bad))
        return out

    @field_validator("site")
    @classmethod
    def _url(cls, v: str | None) -> str | None:
        return normalise_url(v) if v and v.strip() else None

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: dict[str, bool | str | None]) -> dict[str, bool | str | None]:
        out: dict[str, bool | str | None] = {}
        bad: list[str] = []
        for k, val in v.items():
            key = _PLATFORM_ALIASES.get(k.lower(), k.lower())
            if key not in PLATFORMS:
                bad.append(f"unknown channel platform {k!r}; expected one of {', '.join(PLATFORMS)}")
            elif isinstance(val, str) and not val.lower().startswith(("http://", "https://")):
                bad.append(f"channel {k}: expected true/false or an http(s) URL, got {val!r}")
            else:
                out[key] = val
        if bad:
            raise ValueError("; ".join(bad))
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


_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")


def _ascii_host(host: str) -> str | None:
    """The host in the ASCII form a request uses (IDN → punycode), or None if it is not a host name."""
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if not host.isascii():
        import idna  # a declared dependency; UTS 46 as browsers do

        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except idna.IDNAError:
            return None
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.match(lb) for lb in labels):
        return None
    if labels[-1].isdigit():  # 10.0.0 or 0x7f.0.0.1: a mangled IP address, not a name
        return None
    return host


def normalise_url(url: str) -> str:
    """Absolute http(s) URL with a lower-case ASCII host (IDN as punycode) and at least '/' as path;
    raises ValueError."""
    u = str(url).strip()
    bad = f"{url!r} is not a website address (expected e.g. https://dinkes.cilegon.go.id/)"
    if not re.match(r"^https?://", u, re.I):
        if re.match(r"^[a-z][a-z0-9+.-]*:", u, re.I) and not re.match(r"^[^:/]+:\d+(/|$)", u):
            scheme = u.split(":", 1)[0]
            raise ValueError(f"{u!r}: only http and https addresses can be audited, not {scheme}:")
        u = "https://" + u  # the study's table writes bare host names
    try:
        parts = urlsplit(u)
        port = parts.port
    except ValueError as e:
        raise ValueError(f"{url!r}: {e}") from None
    if "\\" in parts.netloc or re.search(r"\s", parts.netloc):
        raise ValueError(bad)
    if port == 0:
        raise ValueError(f"{url!r}: port 0 is not a port a website listens on")
    raw_host = (parts.hostname or "").lower()
    host = _ascii_host(raw_host) if raw_host else None
    if not host or ("." not in host and ":" not in host and host != "localhost"):
        raise ValueError(bad)
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host + (f":{port}" if port else "")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def site_key(url: str) -> str:
    """What makes two portfolio addresses the same site for the crawler and the grouping: the
    host with www folded and the path; scheme and a default port do not count."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    return f"{host}{f':{port}' if port else ''}{parts.path or '/'}{'?' + parts.query if parts.query else ''}"


def slugify(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s or "org"


# --------------------------------------------------------------------------- YAML with line numbers


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader (libyaml's when available: 10x faster on a big portfolio) that remembers the line
    of every mapping (as key ``__line__``) and collects keys written twice in one mapping."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicates: list[str] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    keylines: dict[Any, int] = {}
    for k, _ in node.value:
        if not hasattr(k, "value"):
            continue
        if k.value in keylines:
            loader.duplicates.append(
                f"line {k.start_mark.line + 1}: {k.value!r} is written twice in one mapping (first at line "
                f"{keylines[k.value]}); only one can be kept"
            )
        keylines[k.value] = k.start_mark.line + 1
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keylines__"] = keylines
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

MAX_VALUES = 1_000_000  # YAML aliases can make a 500-byte file stand for 10^9 values ("billion laughs")


class _TooBig(Exception):
    pass


def _strip_lines(obj: Any, budget: list[int] | None = None) -> Any:
    budget = [MAX_VALUES] if budget is None else budget
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    if isinstance(obj, dict):
        return {k: _strip_lines(v, budget) for k, v in obj.items() if k not in ("__line__", "__keylines__")}
    if isinstance(obj, list):
        return [_strip_lines(v, budget) for v in obj]
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
    loader = _LineLoader(text)
    try:
        raw = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        ctx = getattr(e, "context_mark", None)
        context = f"; {e.context} at line {ctx.line + 1}" if ctx and getattr(e, "context", None) else ""
        raise PortfolioError(str(path), [f"{where}not valid YAML ({getattr(e, 'problem', e)}{context})"]) from e
    finally:
        loader.dispose()
    if not isinstance(raw, dict):
        raise PortfolioError(str(path), ["expected a mapping with 'portfolio:' and 'organisations:' keys"])
    try:
        plain = _strip_lines(raw)
    except _TooBig:
        raise PortfolioError(str(path), [
            f"more than {MAX_VALUES:,} values once YAML aliases (*name) are expanded; write the portfolio out"
        ]) from None
    try:
        model = PortfolioIn.model_validate(plain)
    except ValidationError as e:
        problems = list(loader.duplicates)
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
    try:
        pf = _build(path, model, line_of=lambda i: raw["organisations"][i].get("__line__"),
                    main_line=_line_of(raw, ("portfolio", "main_portal")))
    except PortfolioError as e:
        raise PortfolioError(str(path), [*loader.duplicates, *e.problems]) from None
    if loader.duplicates:
        raise PortfolioError(str(path), list(loader.duplicates))
    return pf


# --------------------------------------------------------------------------- CSV


_CSV_COLUMNS = {"name", "short", "website", "kind", "services", "id", "notes", *PLATFORMS, "x"}


def _delimiter(first_line: str) -> str:
    """',' unless the header is clearly split by ';' or tabs (Excel in an Indonesian or European
    locale saves "CSV" with semicolons)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _load_csv(path: Path, text: str) -> Portfolio:
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    skipped = 0
    while skipped < len(lines) and not lines[skipped].strip(" \t\r\n,;"):
        skipped += 1  # blank lines (or lines of bare separators) above the header
    if skipped == len(lines):
        raise PortfolioError(str(path), ["row 1: empty file, expected a header row with at least 'name,website'"])
    body = "".join(lines[skipped:])
    reader = csv.DictReader(io.StringIO(body), delimiter=_delimiter(lines[skipped]), restkey="\0extra")
    assert reader.fieldnames
    hrow = skipped + 1
    header = [h.strip().lower() for h in reader.fieldnames]
    problems = []
    dup = sorted({h for h in header if header.count(h) > 1 and h})
    if dup:
        problems.append(f"row {hrow}: column(s) {', '.join(dup)} appear more than once; keep one of each")
    missing = {"name", "website"} - set(header)
    if missing:
        problems.append(f"row {hrow}: missing column(s) {', '.join(sorted(missing))}; found {', '.join(header)}")
    unknown = [h for h in header if h not in _CSV_COLUMNS]
    if unknown:
        problems.append(
            f"row {hrow}: unknown column(s) {', '.join(unknown)}; known: {', '.join(sorted(_CSV_COLUMNS))}"
        )
    if problems:
        raise PortfolioError(str(path), problems)
    orgs: list[OrganisationIn] = []
    rows: list[int] = []
    for row in reader:
        n = reader.line_num + skipped  # the file's line, as a spreadsheet numbers rows (quoted newlines aside)
        extra = [x for x in row.pop("\0extra", None) or [] if x and x.strip()]
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if extra:
            problems.append(
                f"row {n}: {len(header) + len(extra)} values but the header (row {hrow}) has {len(header)} columns; "
                f"extra: {', '.join(repr(x) for x in extra[:3])} (a comma inside a value needs \"quotes\")"
            )
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
    owner: dict[str, tuple[str, str]] = {}
    for oid, sites, line in entries:
        where = f"{unit} {line}: " if line else ""
        if oid in ids:
            first = f" (first at {unit} {ids[oid]})" if ids[oid] else ""
            problems.append(f"{where}organisation id {oid!r} is used twice{first}; give one an explicit id")
        ids.setdefault(oid, line)
        for site in sites:
            key = site_key(site)  # http/https and www/bare are one site to the crawler
            if key in owner and owner[key][0] != oid:
                other, first = owner[key]
                same = "" if first == site else f" (as {first})"
                problems.append(f"{where}site {site} is already listed{same} for {other!r}")
            owner.setdefault(key, (oid, site))
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
        data = p.read_bytes()
        line = data.count(b"\n", 0, e.start) + 1
        unit = "row" if p.suffix.lower() == ".csv" else "line"
        raise PortfolioError(
            str(p), [f"{unit} {line}: not UTF-8 text (byte {e.start}: {data[e.start:e.start + 1]!r}); save the file as UTF-8"]
        ) from e
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
