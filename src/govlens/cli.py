"""The `govlens` command line. It wires the stages together and holds no logic of its own."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from govlens import __version__

if TYPE_CHECKING:  # imported late at run time so that `govlens --help` stays fast
    from govlens.assess.framework import Framework
    from govlens.crawl import CrawlConfig
    from govlens.store import Store
    from govlens.types import AuditResult, Portfolio

app = typer.Typer(
    help=(
        "Audit government websites against digital governance models (Vikas Nath's five).\n\n"
        "Typical use: `govlens demo --out runs/demo` (offline sample sites), "
        "`govlens audit examples/cilegon-2022.yaml --out runs/cilegon` (live sites), "
        "`govlens assess runs/cilegon/archive/*.warc.gz --out runs/rescore` (re-score an archive, no network), "
        "`govlens report runs/cilegon --format html,xlsx --lang id`."
    ),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
portfolio_app = typer.Typer(help="Check and describe portfolio files.", no_args_is_help=True)
framework_app = typer.Typer(help="List, check and describe framework (rubric) files.", no_args_is_help=True)
app.add_typer(portfolio_app, name="portfolio")
app.add_typer(framework_app, name="framework")

# Piped output (CI logs, files) gets a wide console so tables are not cut at 80 columns.
console = Console(stderr=True, width=None if sys.stderr.isatty() else 160)
out = Console(width=None if sys.stdout.isatty() else 160)

FORMATS = ("html", "xlsx", "csv", "json", "md")
DEFAULT_FORMATS = "html,xlsx,csv,json,md"

FrameworkOpt = Annotated[
    str, typer.Option("--framework", "-f", help="Bundled framework name (e.g. nath-2019) or a YAML file.")
]
FormatOpt = Annotated[str, typer.Option("--format", help=f"Comma-separated report formats: {', '.join(FORMATS)}.")]
LangOpt = Annotated[str, typer.Option("--lang", help="Report language: en or id (Bahasa Indonesia).")]
ProvidersOpt = Annotated[
    Path | None,
    typer.Option("--providers", help="YAML file extending the shipped map of outside service providers "
                 "(src/govlens/data/providers.yaml; see docs/services.md)."),
]
SemanticOpt = Annotated[
    bool | None,
    typer.Option("--semantic/--no-semantic", help="Use the multilingual semantic matcher for reviewer hints "
                 "(default: when the 'semantic' extra is installed: pip install 'govlens\\[semantic]').",
                 show_default=False),
]
DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: govlens.db in the run folder; PostgreSQL: postgresql+psycopg://user@host/db)."),
]


def fail(message: str, code: int = 2) -> typer.Exit:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def _formats(value: str) -> list[str]:
    fmts = [f.strip().lower() for f in value.split(",") if f.strip()]
    bad = [f for f in fmts if f not in FORMATS]
    if bad:
        raise fail(f"unknown report format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return fmts


def _lang(value: str) -> str:
    if value not in ("en", "id"):
        raise fail(f"unknown language {value!r}; choose en or id")
    return value


def _load_framework(name: str) -> Framework:
    from govlens.assess.framework import FrameworkError, load_framework

    try:
        return load_framework(name)
    except FrameworkError as e:
        raise fail(str(e)) from e


def _load_portfolio(path: Path) -> Portfolio:
    from govlens.portfolio import PortfolioError, load_portfolio

    try:
        return load_portfolio(path)
    except PortfolioError as e:
        n = len(e.problems)
        raise fail(f"{path}: {n} problem{'s' * (n != 1)}, nothing was run:\n  " + "\n  ".join(e.problems)) from e


def _use_semantic(flag: bool | None) -> None:
    """--semantic / --no-semantic, handed to the detector (and worker processes) by environment."""
    import os

    from govlens.assess.semantic import ENV, semantic_status

    if flag:
        from govlens.semantic import available_backends

        if not available_backends():
            raise fail("--semantic: the semantic matcher is not installed; pip install 'govlens[semantic]'")
    if flag is not None:
        os.environ[ENV] = "1" if flag else "0"
    console.print(f"[dim]{escape(semantic_status())}[/dim]", highlight=False)


def _use_providers(path: Path | None) -> None:
    """Check a providers file now, and hand it to the stage that reads it (and to local worker
    processes, which inherit the environment)."""
    if path is None:
        return
    import os

    import yaml

    from govlens.services.providers import load_providers

    try:
        load_providers(path)
    except (OSError, ValueError, yaml.YAMLError) as e:
        raise fail(f"--providers {path}: {e}") from e
    os.environ["GOVLENS_PROVIDERS"] = str(path.resolve())


def _parse_map(values: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for v in values:
        if "=" not in v:
            raise fail(f"--map {v!r}: expected ORIGINAL_PREFIX=LOCAL_PREFIX, e.g. https://dinkes.go.id/=http://127.0.0.1:8000/")
        a, b = v.split("=", 1)
        if not a.startswith(("http://", "https://")) or not b.startswith(("http://", "https://")):
            raise fail(f"--map {v!r}: both prefixes must be http(s) URLs")
        pairs.append((a, b))
    return pairs


def _out_dir(path: Path) -> Path:
    """A run folder to write into, refused up front when it cannot be one."""
    if path.exists() and not path.is_dir():
        raise fail(f"{path} is a file; --out needs a folder (it is created if missing)")
    return path


def _store(db: str | None, out_dir: Path) -> Store:
    from sqlalchemy.exc import SQLAlchemyError

    from govlens.store import Store

    _out_dir(out_dir).mkdir(parents=True, exist_ok=True)
    url = db or f"sqlite:///{(out_dir / 'govlens.db').resolve()}"
    try:
        store = Store(url)
        store.list_audits()  # opens it: a file that is not a database fails here, not mid-report
    except SQLAlchemyError as e:
        raise fail(f"{url}: not a usable govlens database ({getattr(e, 'orig', None) or e})") from e
    return store


def _run_store(run_dir: Path, db: str | None) -> Store:
    """The store of an existing run folder (or --db): refused with a hint when there is none."""
    if db is None and not (run_dir / "govlens.db").is_file():
        raise fail(f"{run_dir}: no govlens.db here; give a run folder made by `govlens audit`, `assess`, "
                   "`demo` or `sheet import`, or pass --db")
    return _store(db, run_dir)


def _finish(
    audit: AuditResult, pages: dict[str, list[dict[str, object]]], fw: Framework, out_dir: Path, db: str | None,
    formats: list[str], lang: str,
) -> None:
    from govlens.report import print_summary, write_reports

    store = _store(db, out_dir)
    audit.audit_id = store.save_audit(audit, fw)
    for site_id, rows in pages.items():
        if rows:
            store.save_pages(audit.audit_id, site_id, rows)
    audit = store.load_audit(audit.audit_id)
    written = write_reports(audit, fw, out_dir, formats, lang)
    print_summary(audit, fw, out, lang)
    console.print(f"audit #{audit.audit_id} stored in {db or out_dir / 'govlens.db'}")
    for p in written:
        console.print(f"  wrote {p}")


def _crawl_config(**kw: object) -> CrawlConfig:
    from govlens.crawl import CrawlConfig

    return CrawlConfig(**{k: v for k, v in kw.items() if v is not None})


def _run_audit(
    portfolio: Portfolio, out_dir: Path, fw: Framework, config: CrawlConfig, db: str | None, formats: list[str],
    lang: str, label: str, *, framework_ref: str | None = None, workers: int = 1, scheduler: str | None = None,
) -> None:
    from govlens.crawl.progress import RichProgress
    from govlens.pipeline import build_audit, org_archives, utcnow
    from govlens.scale import ScaleError, run_chunks

    if workers < 1:
        raise fail(f"--workers {workers}: need at least 1")
    started = utcnow()
    archive_dir = out_dir / "archive"
    archive_dir.mkdir(parents=True, exist_ok=True)
    try:
        with RichProgress(console, total_sites=len(portfolio.organisations)) as progress:
            results = run_chunks(portfolio, archive_dir, config, framework_ref or fw,
                                 workers=workers, scheduler=scheduler, progress=progress)
    except ScaleError as e:
        raise fail(str(e)) from e
    paths = [p for org in portfolio.organisations for p in org_archives(archive_dir, portfolio, org)]
    assessments = [a for a, _ in results]
    pages = {a.site_id: rows for a, rows in results}
    audit = build_audit(assessments, portfolio, fw, paths=paths, started=started, label=label)
    _finish(audit, pages, fw, out_dir, db, formats, lang)
    if results.failures:
        for f in results.failures:
            console.print(f"[bold red]not assessed:[/] {', '.join(f.organisations)} ({f.error})", highlight=False)
        raise fail(f"{len(results.failed_organisations)} organisation(s) failed twice and are missing from "
                   "this audit; run the same command again (finished sites are not re-crawled)", code=1)


@app.command()
def audit(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml or .csv).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run folder: archive/, govlens.db, reports.")],
    framework: FrameworkOpt = "nath-2019",
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="ORIGINAL_PREFIX=LOCAL_PREFIX: fetch a site from a local copy, keep its real URL."),
    ] = None,
    max_pages: Annotated[int | None, typer.Option(help="HTML pages per site (default 40).")] = None,
    max_depth: Annotated[int | None, typer.Option(help="Link depth from the home page (default 3).")] = None,
    delay: Annotated[float | None, typer.Option(help="Seconds between requests to one host (default 1.0).")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Hosts crawled in parallel (default 16).")] = None,
    timeout: Annotated[float | None, typer.Option(help="Seconds per request (default 20).")] = None,
    check_external: Annotated[bool, typer.Option(help="Check links that leave the site (HEAD/GET).")] = True,
    map_only: Annotated[
        bool, typer.Option(help="With --map: never contact an address the map does not cover (audit local copies).")
    ] = False,
    render: Annotated[bool, typer.Option(help="Render script-only pages with Debian's Chromium (needs the 'js' extra: pip install 'govlens\\[js]').")] = False,
    fmt: FormatOpt = DEFAULT_FORMATS,
    lang: LangOpt = "en",
    db: DbOpt = None,
    label: Annotated[str, typer.Option(help="A name for this audit (e.g. '2022-11').")] = "",
    providers: ProvidersOpt = None,
    workers: Annotated[
        int, typer.Option(help="Local worker processes, each crawling and assessing a chunk of organisations.")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(help="dask scheduler address (tcp://host:8786), or 'local'; needs pip install 'govlens\\[distributed]'."),
    ] = None,
    semantic: SemanticOpt = None,
) -> None:
    """Crawl every site of a portfolio, archive it as WARC, assess it and write the reports.

    An interrupted audit resumes: run the same command again and finished sites are not re-crawled.
    With --workers or --scheduler (docs/scale.md) the same work runs in chunks on worker processes.
    """
    _use_semantic(semantic)
    formats, lang = _formats(fmt), _lang(lang)
    _out_dir(out_dir)
    _use_providers(providers)
    pf = _load_portfolio(portfolio)
    fw = _load_framework(framework)
    config = _crawl_config(
        max_pages=max_pages, max_depth=max_depth, delay=delay, concurrency=concurrency, timeout=timeout,
        url_map=_parse_map(map_ or []), check_external=check_external, render=render, map_only=map_only,
    )
    if map_only and not map_:
        raise fail("--map-only needs at least one --map ORIGINAL_PREFIX=LOCAL_PREFIX")
    _run_audit(pf, out_dir, fw, config, db, formats, lang, label,
               framework_ref=framework, workers=workers, scheduler=scheduler)


@app.command()
def crawl(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml or .csv).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run folder; WARC files go to OUT/archive/.")],
    map_: Annotated[list[str] | None, typer.Option("--map", help="ORIGINAL_PREFIX=LOCAL_PREFIX.")] = None,
    max_pages: Annotated[int | None, typer.Option(help="HTML pages per site (default 40).")] = None,
    max_depth: Annotated[int | None, typer.Option(help="Link depth (default 3).")] = None,
    delay: Annotated[float | None, typer.Option(help="Seconds between requests to one host.")] = None,
    concurrency: Annotated[int | None, typer.Option(help="Hosts in parallel.")] = None,
    check_external: Annotated[bool, typer.Option(help="Check links that leave the site.")] = True,
    render: Annotated[bool, typer.Option(help="Render script-only pages with Chromium.")] = False,
) -> None:
    """Only crawl and archive (WARC); assess later with `govlens assess`."""
    from govlens.crawl import crawl_portfolio
    from govlens.crawl.progress import RichProgress

    _out_dir(out_dir)
    pf = _load_portfolio(portfolio)
    config = _crawl_config(
        max_pages=max_pages, max_depth=max_depth, delay=delay, concurrency=concurrency,
        url_map=_parse_map(map_ or []), check_external=check_external, render=render,
    )
    archive_dir = out_dir / "archive"
    archive_dir.mkdir(parents=True, exist_ok=True)
    with RichProgress(console, total_sites=len(pf.organisations)) as progress:
        summary = crawl_portfolio(pf, archive_dir, config, progress=progress)
    console.print(f"archived to {archive_dir}: {summary}")


def _warc_files(paths: list[Path]) -> list[Path]:
    """WARC files from the arguments: folders are expanded; anything that is not a WARC is refused
    up front, with its name, rather than read as a 'damaged' archive."""
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.name.endswith((".warc", ".warc.gz")))
            if not found:
                raise fail(f"{p}: a folder with no .warc or .warc.gz files in it")
            files.extend(found)
        elif not p.exists():
            raise fail(f"no such WARC file: {p}")
        else:
            with p.open("rb") as fh:
                head = fh.read(6)
            if not (head.startswith(b"\x1f\x8b") or head.startswith(b"WARC/")):
                raise fail(f"{p}: not a WARC file (a WARC starts with 'WARC/' or is gzip-compressed)")
            files.append(p)
    return files


@app.command()
def assess(
    warcs: Annotated[
        list[Path], typer.Argument(help="WARC files (.warc or .warc.gz) from any crawler, or folders of them.")
    ],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Folder for govlens.db and reports.")],
    portfolio: Annotated[
        Path | None, typer.Option("--portfolio", "-p", help="Group records into the portfolio's sites (else by host).")
    ] = None,
    framework: FrameworkOpt = "nath-2019",
    fmt: FormatOpt = DEFAULT_FORMATS,
    lang: LangOpt = "en",
    db: DbOpt = None,
    label: Annotated[str, typer.Option(help="A name for this audit.")] = "",
    providers: ProvidersOpt = None,
    semantic: SemanticOpt = None,
) -> None:
    """Assess saved WARC archives with a framework, offline (re-score an old audit, or a web archive export)."""
    _use_semantic(semantic)
    from govlens.pipeline import assess_archives

    formats, lang = _formats(fmt), _lang(lang)
    _out_dir(out_dir)
    _use_providers(providers)
    warcs = _warc_files(warcs)
    pf = _load_portfolio(portfolio) if portfolio else None
    fw = _load_framework(framework)
    audit, pages = assess_archives(warcs, pf, fw, label=label)
    if not audit.sites:
        raise fail("the WARC files hold no HTTP responses to assess")
    _finish(audit, pages, fw, out_dir, db, formats, lang)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    fmt: FormatOpt = DEFAULT_FORMATS,
    lang: LangOpt = "en",
    audit_id: Annotated[int | None, typer.Option("--audit", help="Audit number (default: the latest).")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", "-o", help="Where to write (default: RUN_DIR).")] = None,
    framework: FrameworkOpt = "",
    db: DbOpt = None,
    published: Annotated[
        Path | None,
        typer.Option("--published", help="YAML of a study's published figures: adds a published-vs-recomputed table (docs/sheets.md)."),
    ] = None,
) -> None:
    """Write reports for a stored audit (HTML, XLSX, CSV, JSON, Markdown) in English or Indonesian."""
    from govlens.report import print_summary, write_reports

    formats, lang = _formats(fmt), _lang(lang)
    store = _run_store(run_dir, db)
    try:
        audit = store.load_audit(audit_id)
    except LookupError as e:
        raise fail(f"{e} (`govlens audits {run_dir}` lists the stored audits)") from e
    fw = _load_framework(framework or audit.framework_id)
    from govlens.evaluate.html import load_saved  # `govlens evaluate` saved one: the report shows it

    if (saved := load_saved(run_dir, audit.audit_id)) is not None:
        audit.extras["evaluation"] = saved
    written = write_reports(audit, fw, out_dir or run_dir, formats, lang)
    print_summary(audit, fw, out, lang)
    if published is not None:
        written += _published_table(audit, fw, published, out_dir or run_dir)
    for p in written:
        console.print(f"  wrote {p}")


@app.command()
def audits(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    db: DbOpt = None,
) -> None:
    """List the audits stored in a run folder's database."""
    from rich.table import Table

    store = _run_store(run_dir, db)
    t = Table("id", "label", "portfolio", "framework", "started", "finished", "sites")
    for a in store.list_audits():
        t.add_row(str(a.id), a.label, a.portfolio, f"{a.framework_id} {a.framework_version}", a.started,
                  a.finished, str(a.sites))
    out.print(t)


@app.command()
def demo(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run folder.")] = Path("runs/demo"),
    fmt: FormatOpt = DEFAULT_FORMATS,
    lang: LangOpt = "en",
    framework: FrameworkOpt = "nath-2019",
    db: DbOpt = None,
    render: Annotated[
        bool, typer.Option(help="Render the script-only sample site with Debian's Chromium (needs the 'js' extra: pip install 'govlens\\[js]').")
    ] = False,
    semantic: SemanticOpt = None,
) -> None:
    """Audit the bundled sample sites of 'Kota Demokota', served on 127.0.0.1: runs anywhere, offline."""
    _use_semantic(semantic)
    from govlens.demo.server import DemoServer, demo_portfolio_path

    formats, lang = _formats(fmt), _lang(lang)
    _out_dir(out_dir)
    fw = _load_framework(framework)
    pf = _load_portfolio(demo_portfolio_path())
    with DemoServer() as server:
        config = _crawl_config(url_map=server.url_map(), map_only=True, delay=0.05, timeout=5.0, retries=1, render=render)
        _run_audit(pf, out_dir, fw, config, db, formats, lang, label="demo")


@app.command()
def evaluate(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    labels: Annotated[Path, typer.Option("--labels", help="Folder of labels/<site>.yaml files.")],
    audit_id: Annotated[int | None, typer.Option("--audit", help="Audit number (default: latest).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON here.")] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML page here (default: RUN_DIR/evaluation.html).")
    ] = None,
    save: Annotated[
        bool, typer.Option(help="Save evaluation.json and evaluation.html in RUN_DIR; `govlens report` then adds an Evaluation section.")
    ] = True,
    confusion: Annotated[
        int | None, typer.Option("--confusion", help="Print at most this many disagreements (default: all).")
    ] = None,
    calibrate: Annotated[
        Path | None,
        typer.Option("--calibrate", help="Write observed precision / NPV per criterion and detector (calibration YAML) here."),
    ] = None,
    db: DbOpt = None,
) -> None:
    """Compare an audit's final verdicts with human labels: precision, recall, F1, kappa, alpha, calibration, disagreements."""
    from govlens.evaluate import evaluate as run_eval
    from govlens.evaluate import render, to_json
    from govlens.evaluate.html import PAGE_NAME, SAVED_NAME, write_page

    if not labels.is_dir():
        raise fail(f"{labels}: not a folder of label files")
    store = _run_store(run_dir, db)
    try:
        audit_ = store.load_audit(audit_id)
    except LookupError as e:
        raise fail(f"{e} (`govlens audits {run_dir}` lists the stored audits)") from e
    try:
        result = run_eval(audit_.sites, labels)
    except ValueError as e:  # a label file that cannot be read names itself
        raise fail(str(e)) from e
    if not result.sites_matched:
        n = len(result.labels_unmatched)
        raise fail(f"{labels}: none of its {n} label file(s) matches a site of audit #{audit_.audit_id} "
                   "(matched by site id, then by URL); is this the run these labels are for?")
    result.audit_id = audit_.audit_id
    render(result, out, confusion=confusion)
    targets = [json_out] if json_out else []
    if save and run_dir.is_dir():
        targets.append(run_dir / SAVED_NAME)
    for path in targets:
        path.write_text(to_json(result), encoding="utf-8")
        console.print(f"wrote {path}")
    html_path = html_out or (run_dir / PAGE_NAME if save and run_dir.is_dir() else None)
    if html_path:
        console.print(f"wrote {write_page(result, html_path)}")
    if calibrate:
        from govlens.evaluate.calibration import write_calibration

        command = " ".join(["govlens", *sys.argv[1:]]) if sys.argv[1:2] == ["evaluate"] else ""
        fw_id = getattr(audit_, "framework_id", None)
        console.print(f"wrote {write_calibration(result, calibrate, command=command, framework=fw_id)}")


@portfolio_app.command("validate")
def portfolio_validate(path: Annotated[Path, typer.Argument(help="Portfolio .yaml or .csv.")]) -> None:
    """Check a portfolio file and list its organisations."""
    pf = _load_portfolio(path)
    n_sites = sum(1 for o in pf.organisations if o.sites)
    out.print(f"{path}: valid — {len(pf.organisations)} organisations, {n_sites} with a website")


@portfolio_app.command("schema")
def portfolio_schema() -> None:
    """Print the JSON Schema of portfolio YAML files."""
    from govlens.portfolio import portfolio_json_schema

    out.print_json(json.dumps(portfolio_json_schema()))


@framework_app.command("list")
def framework_list() -> None:
    """List the bundled frameworks."""
    from govlens.assess.framework import FRAMEWORK_DIR, load_framework

    for p in sorted(FRAMEWORK_DIR.glob("*.yaml")):
        fw = load_framework(p)
        n = sum(len(m.criteria) for m in fw.models)
        out.print(f"{p.stem}: {fw.title.en} (v{fw.version}; {len(fw.models)} models, {n} criteria)")


@framework_app.command("validate")
def framework_validate(path: Annotated[Path, typer.Argument(help="Framework YAML file.")]) -> None:
    """Check a framework file against the schema and the detector registry."""
    fw = _load_framework(str(path))
    out.print(f"{path}: valid — {fw.id} v{fw.version}, {len(fw.models)} models")


@framework_app.command("schema")
def framework_schema() -> None:
    """Print the JSON Schema of framework files."""
    from govlens.assess.framework import framework_json_schema

    out.print_json(json.dumps(framework_json_schema()))


def version_callback(value: bool) -> None:
    if value:
        out.print(f"govlens {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details to stderr.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


# --------------------------------------------------------------------------- review dashboard

user_app = typer.Typer(help="Manage the review dashboard's local accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")


def _dashboard_db(run_dir: Path | None, db: str | None) -> str:
    """The database the dashboard and `user add` work on: --db, else RUN_DIR/govlens.db."""
    if db:
        return db
    if run_dir is None:
        raise fail("give a run folder (holding govlens.db) or --db URL")
    if not (run_dir / "govlens.db").is_file():
        raise fail(f"{run_dir}: no govlens.db here (run `govlens demo` or `govlens audit` first, or pass --db)")
    return f"sqlite:///{(run_dir / 'govlens.db').resolve()}"


@app.command()
def serve(
    run_dir: Annotated[Path | None, typer.Argument(help="A run folder (holds govlens.db and archive/).")] = None,
    db: DbOpt = None,
    host: Annotated[str, typer.Option(help="Address to listen on (keep 127.0.0.1 unless behind a TLS proxy).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    secret: Annotated[
        str | None,
        typer.Option(help="Key that signs session cookies (default: $GOVLENS_SECRET, else a key file beside the database).", envvar="GOVLENS_SECRET", show_envvar=False),
    ] = None,
) -> None:
    """Start the review dashboard: scores, evidence, archived pages, the review queue (log in with `govlens user add`)."""
    import uvicorn

    from govlens.web import create_app
    from govlens.web.users import UserStore

    url = _dashboard_db(run_dir, db)
    archive_dirs = [run_dir / "archive"] if run_dir is not None and (run_dir / "archive").is_dir() else []
    application = create_app(url, archive_dirs, secret)
    if not UserStore(application.state.dash.store.engine).list():
        console.print("no accounts yet: create one with `govlens user add NAME --role admin " + (str(run_dir) if run_dir else "--db URL") + "`")
    console.print(f"govlens dashboard on http://{host}:{port}/")
    uvicorn.run(application, host=host, port=port, log_level="warning", proxy_headers=False)


@user_app.command("add")
def user_add(
    username: Annotated[str, typer.Argument(help="Login name (letters, digits, . _ @ -).")],
    run_dir: Annotated[Path | None, typer.Argument(help="A run folder (holds govlens.db).")] = None,
    role: Annotated[str, typer.Option(help="viewer (read), reviewer (read and review) or admin (and manage users).")] = "reviewer",
    db: DbOpt = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from the first line of stdin (for scripts).")] = False,
) -> None:
    """Create a dashboard account; the password is asked for twice (hidden) and stored as an argon2 hash."""
    from govlens.store import Store
    from govlens.web.users import UserError, UserStore

    url = _dashboard_db(run_dir, db)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    store = Store(url)
    try:
        user = UserStore(store.engine).add(username, password, role)
    except UserError as e:
        raise fail(str(e)) from e
    finally:
        store.close()
    console.print(f"user {user.username} ({user.role}) added to {url}")


@user_app.command("list")
def user_list(
    run_dir: Annotated[Path | None, typer.Argument(help="A run folder (holds govlens.db).")] = None,
    db: DbOpt = None,
) -> None:
    """List the dashboard's accounts and their roles."""
    from govlens.store import Store
    from govlens.web.users import UserStore

    store = Store(_dashboard_db(run_dir, db))
    for u in UserStore(store.engine).list():
        out.print(f"{u.username}\t{u.role}\t{u.created}")
    store.close()


# --------------------------------------------------------------------------- availability and change


@app.command()
def watch(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio file (.yaml or .csv).")],
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Run folder: watch/*.warc.gz and govlens.db.")],
    interval: Annotated[float, typer.Option(help="Seconds from the start of one round to the next.")] = 300.0,
    once: Annotated[bool, typer.Option("--once", help="One round, then exit (cron, systemd timer).")] = False,
    rounds: Annotated[int | None, typer.Option(help="Stop after this many rounds (default: until stopped).")] = None,
    webhook: Annotated[str | None, typer.Option(help="POST a JSON message here on each state change.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="ORIGINAL_PREFIX=LOCAL_PREFIX.")] = None,
    map_only: Annotated[bool, typer.Option(help="With --map: never contact an address the map does not cover.")] = False,
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 10.0,
    delay: Annotated[float, typer.Option(help="Seconds between requests to one host.")] = 0.5,
    confirm: Annotated[int, typer.Option(help="Consecutive failing checks before 'down' is declared.")] = 2,
    audit_links: Annotated[bool, typer.Option(help="Also watch service entries / broken links of the latest audit.")] = True,
    report_: Annotated[bool, typer.Option("--report", help="Print the availability report after the rounds.")] = False,
    db: DbOpt = None,
) -> None:
    """Check every site and service of a portfolio at an interval (cheap HEAD/GET checks, not a crawl);
    record each check (WARC + database), track up/down state and notify changes (docs/watch.md)."""
    import asyncio

    from govlens.watch import WatchConfig, Watcher
    from govlens.watch.report import render_watch_report, watch_report

    pf = _load_portfolio(portfolio)
    if map_only and not map_:
        raise fail("--map-only needs at least one --map ORIGINAL_PREFIX=LOCAL_PREFIX")
    if webhook and not webhook.startswith(("http://", "https://")):
        raise fail(f"--webhook {webhook!r}: must be an http(s) URL")
    try:
        cfg = WatchConfig(interval=interval, timeout=timeout, delay=delay, confirm=confirm, webhook=webhook,
                          url_map=_parse_map(map_ or []), map_only=map_only, audit_links=audit_links)
    except ValueError as e:
        raise fail(str(e)) from e
    store = _store(db, out_dir)

    def progress(res: object) -> None:
        from govlens.watch.runner import RoundResult, iso

        assert isinstance(res, RoundResult)
        states = ", ".join(f"{k} {v}" for k, v in sorted(res.states.items()))
        console.print(f"round {res.number} at {iso(res.started)}: {res.targets} targets ({states}) "
                      f"in {res.seconds:.2f}s", highlight=False)
        for ch in res.changes:
            console.print(f"  {escape(ch.target)}: {ch.old_state} -> [bold]{ch.new_state}[/] since {iso(ch.since)}",
                          highlight=False)

    watcher = Watcher(pf, out_dir, store, cfg, progress=progress)
    done = asyncio.run(watcher.run(rounds=rounds, once=once))
    console.print(f"{done} round(s); checks stored in {db or out_dir / 'govlens.db'}, WARC in {out_dir / 'watch'}")
    if report_:
        render_watch_report(watch_report(store, pf.name), out)
    store.close()


@app.command("watch-report")
def watch_report_cmd(
    run_dir: Annotated[Path, typer.Argument(help="A run folder that `govlens watch` wrote to.")],
    hours: Annotated[float | None, typer.Option(help="Uptime over the last HOURS (default: all checks).")] = None,
    portfolio_name: Annotated[str | None, typer.Option("--portfolio", help="Only this portfolio's targets.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the rows as JSON here.")] = None,
    db: DbOpt = None,
) -> None:
    """Per target: uptime over the window, current state, down since / back up after."""
    from govlens.watch.report import render_watch_report, watch_report

    store = _run_store(run_dir, db)
    rows = watch_report(store, portfolio_name, hours)
    if not rows:
        raise fail(f"{run_dir}: no watch checks stored (run `govlens watch PORTFOLIO --out {run_dir}`)", code=1)
    render_watch_report(rows, out)
    if json_out:
        json_out.write_text(json.dumps(rows, indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"wrote {json_out}")
    store.close()


@app.command()
def diff(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    audit_a: Annotated[int, typer.Argument(help="The earlier audit number (`govlens audits RUN_DIR`).")],
    audit_b: Annotated[int, typer.Argument(help="The later audit number.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the diff as JSON here.")] = None,
    db: DbOpt = None,
) -> None:
    """Per site, what changed between two audits: criteria, scores, pages, documents, services, freshness."""
    from govlens.diff.core import diff_audits
    from govlens.diff.render import render_diff

    store = _run_store(run_dir, db)
    try:
        result = diff_audits(store, audit_a, audit_b)
    except LookupError as e:
        raise fail(f"{e} (`govlens audits {run_dir}` lists the stored audits)") from e
    labels: dict[str, str] = {}
    try:
        fw = _load_framework(store.load_audit(audit_b).framework_id)
        labels = {m.id: m.label.get("en") for m in fw.models}
    except (typer.Exit, Exception):  # labels are cosmetic: ids are shown instead
        pass
    render_diff(result, out, labels)
    if json_out:
        json_out.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"wrote {json_out}")
    store.close()


# --------------------------------------------------------------------------- coding sheets, agreement

sheet_app = typer.Typer(help="Coding sheets: export one to fill in by hand, import a filled one as reviews.",
                        no_args_is_help=True)
app.add_typer(sheet_app, name="sheet")


def _published_table(audit: AuditResult, fw: Framework, path: Path, out_dir: Path) -> list[Path]:
    """Print and write the published-vs-recomputed table of a study's figures (govlens.report.published)."""
    from govlens.assess import summarize
    from govlens.report.published import (
        PublishedError,
        compare_published,
        load_published,
        render_published,
        write_published,
    )

    try:
        pub = load_published(path)
    except PublishedError as e:
        raise fail(str(e)) from e
    summary = audit.summary if audit.summary.get("criteria") else summarize(audit.portfolio, audit.sites, fw)
    rows = compare_published(summary, pub)
    render_published(rows, out, str(pub.get("source", "")))
    return write_published(rows, out_dir, str(pub.get("source", "")))


@sheet_app.command("export")
def sheet_export(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The XLSX to write; a CSV twin is written beside it.")],
    audit_id: Annotated[int | None, typer.Option("--audit", help="Audit number (default: the latest).")] = None,
    csv_twin: Annotated[bool, typer.Option("--csv/--no-csv", help="Also write the same table as CSV.")] = True,
    db: DbOpt = None,
) -> None:
    """Write a coding sheet: one row per site, per criterion an empty cell beside the machine's verdict and evidence."""
    from govlens.sheets import export_sheet

    store = _run_store(run_dir, db)
    try:
        written = export_sheet(store, audit_id, out_file, csv=csv_twin)
    except LookupError as e:
        raise fail(str(e)) from e
    for p in written:
        console.print(f"wrote {p}")


@sheet_app.command("blank")
def sheet_blank(
    portfolio: Annotated[Path, typer.Argument(help="Portfolio (.yaml or .csv) of the study to code by hand.")],
    out_file: Annotated[Path, typer.Option("--out", "-o", help="The XLSX to write; a CSV twin is written beside it.")],
    framework: FrameworkOpt = "nath-2019",
    csv_twin: Annotated[bool, typer.Option("--csv/--no-csv", help="Also write the same table as CSV.")] = True,
) -> None:
    """Write an empty coding sheet for a portfolio, for a study coded by hand without a crawl."""
    from govlens.sheets import hand_coded_audit, write_sheet

    pf = _load_portfolio(portfolio)
    fw = _load_framework(framework)
    for p in write_sheet(hand_coded_audit(pf, fw), out_file, csv=csv_twin, fw=fw, hand_coded=True):
        console.print(f"wrote {p}")
    console.print(f"fill it in, then: govlens sheet import RUN_DIR {out_file} --portfolio {portfolio} --reviewer NAME",
                  highlight=False)


@sheet_app.command("import")
def sheet_import(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db; a new folder with --portfolio).")],
    sheet: Annotated[Path, typer.Argument(help="A filled coding sheet (.xlsx or .csv), or a channel table (.csv).")],
    reviewer: Annotated[
        str | None, typer.Option("--reviewer", "-r", help="Who coded it (else the sheet's reviewer column).")
    ] = None,
    audit_id: Annotated[
        int | None, typer.Option("--audit", help="Audit to review (default: the one the sheet names, else the latest).")
    ] = None,
    portfolio: Annotated[
        Path | None,
        typer.Option("--portfolio", "-p", help="Create a new hand-coded audit of this portfolio (no crawl) from the sheet."),
    ] = None,
    framework: FrameworkOpt = "nath-2019",
    label: Annotated[str, typer.Option(help="A name for a new hand-coded audit.")] = "",
    db: DbOpt = None,
) -> None:
    """Validate a filled sheet and store its coded cells as reviews; on any problem nothing is imported.

    A study coded without a crawl: `govlens sheet import runs/study SHEET --portfolio P.yaml --reviewer NAME`.
    A channel table (name, short, website, facebook, twitter, youtube, instagram: yes/no) becomes a
    hand-coded audit of its organisations and declared channels: `govlens sheet import runs/study TABLE.csv`.
    """
    from govlens.sheets import SheetError, import_sheet

    pf = _load_portfolio(portfolio) if portfolio else None
    fw = _load_framework(framework)
    if pf is None and db is None and not (run_dir / "govlens.db").is_file():
        from govlens.sheets import sheet_kind

        try:
            kind = sheet_kind(sheet)
        except SheetError as e:
            raise fail(str(e)) from e
        if kind != "channels":
            raise fail(f"{run_dir}: no govlens.db here; import into a run folder with an audit, or give "
                       "--portfolio PORTFOLIO.yaml to create a hand-coded audit")
    store = _store(db, run_dir)
    try:
        res = import_sheet(store, sheet, reviewer, audit_id, portfolio=pf, fw=fw, label=label)
    except SheetError as e:
        raise fail(str(e)) from e
    made = "created hand-coded audit" if res.created_audit else "audit"
    who = ", ".join(res.reviewers) or "no reviewer"
    console.print(f"{made} #{res.audit_id}: {res.reviews} coded cells of {res.sites} sites stored as reviews ({who})",
                  highlight=False)
    if res.kind == "channels":
        console.print("channel table: organisations, websites and declared channels; no criteria coded", highlight=False)


@app.command()
def agreement(
    run_dir: Annotated[Path, typer.Argument(help="A run folder (holds govlens.db).")],
    audit_id: Annotated[int | None, typer.Option("--audit", help="Audit number (default: the latest).")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the figures as JSON here.")] = None,
    db: DbOpt = None,
) -> None:
    """Agreement between reviewers and with the machine: Cohen's kappa per pair, Krippendorff's alpha, per criterion."""
    from govlens.evaluate.agreement import agreement_report, render, to_json

    store = _run_store(run_dir, db)
    try:
        rep = agreement_report(store, audit_id)
    except LookupError as e:
        raise fail(str(e)) from e
    render(rep, out)
    if json_out:
        json_out.write_text(to_json(rep), encoding="utf-8")
        console.print(f"wrote {json_out}")
