"""The `tsur` command: one entry point for the region's administrator and analysts."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from orchestration.settings import load_settings

console = Console()
err = Console(stderr=True)

app = typer.Typer(
    help=(
        "tsur: the data warehouse of a regional management centre (ЦУР).\n\n"
        "It loads citizens' appeals from ПОС, Инцидент Менеджмент and regional systems into PostgreSQL, "
        "builds the marts with dbt and serves them to dashboards and exports. Start with `tsur demo`."
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_show_locals=False,  # locals may hold passwords
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(
    help=(
        "Manage the warehouse database. Without TSUR_DATABASE_URL tsur runs its own PostgreSQL "
        "in .tsur/pgdata (TSUR_PGDATA to move it) on 127.0.0.1:55432 (TSUR_PG_PORT)."
    ),
    no_args_is_help=True,
)
app.add_typer(db_app, name="db")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


# ----------------------------------------------------------------------------- db


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (creating it on first use) and create the warehouse schemas."""
    from orchestration.db.connection import connect, database_url, redact
    from orchestration.db.schema import bootstrap

    settings = load_settings()
    url = database_url(settings)
    with connect(url) as conn:
        bootstrap(conn)
    where = f"embedded, data in {settings.pgdata}" if settings.embedded else "external (TSUR_DATABASE_URL)"
    console.print(f"[green]ready[/] {redact(url)} ({where})")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL cleanly. Does nothing for an external database."""
    from orchestration.db import embedded

    settings = load_settings()
    if not settings.embedded:
        console.print("TSUR_DATABASE_URL is set: tsur does not manage that server; nothing to stop.")
        return
    stopped = embedded.stop(settings.pgdata)
    console.print("stopped" if stopped else "not running")


@db_app.command("status")
def db_status() -> None:
    """Say whether the database is running and where its data lives."""
    import psycopg

    from orchestration.db import embedded
    from orchestration.db.connection import database_url, redact

    settings = load_settings()
    if settings.embedded:
        state = embedded.status(settings.pgdata)
        if state.running:
            console.print(
                f"embedded PostgreSQL [green]running[/] (pid {state.pid}, port {state.port}, data {settings.pgdata})"
            )
        else:
            console.print(f"embedded PostgreSQL [yellow]stopped[/] (data {settings.pgdata}); `tsur db start`")
            raise typer.Exit(3)
        return
    url = database_url(settings, start=False)
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            version = conn.execute("show server_version").fetchone()[0]
        console.print(f"external PostgreSQL {version} [green]reachable[/] at {redact(url)}")
    except psycopg.OperationalError as exc:
        raise _fail(f"cannot reach {redact(url)}: {exc}", 3) from exc


@db_app.command("url")
def db_url(
    export: bool = typer.Option(
        False, "--export", help="Print shell `export` lines of the TSUR_DB_* variables that dbt's profile reads."
    ),
) -> None:
    """Print the warehouse's connection string (starts the embedded server if needed)."""
    import shlex

    from orchestration.db.connection import database_url, dbt_env

    url = database_url(load_settings())
    if not export:
        print(url)
        return

    for name, value in dbt_env(url).items():
        print(f"export {name}={shlex.quote(value)}")


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def db_psql(ctx: typer.Context) -> None:
    """Open psql on the warehouse; extra arguments go to psql (e.g. -c 'select 1')."""
    from orchestration.db import embedded
    from orchestration.db.connection import database_url

    url = database_url(load_settings())
    raise typer.Exit(subprocess.call([embedded.psql_binary(), url, *ctx.args]))


# ----------------------------------------------------------------------------- generate


@app.command()
def generate(
    region: str = typer.Option(
        "BRY", "--region", "-r", help="Region code from seeds/reference/regions.csv: BRY, YEV, KHM, PSK or IRK."
    ),
    appeals: int = typer.Option(100_000, "--appeals", "-n", min=1, help="How many appeals to make in all channels."),
    start: str = typer.Option("2025-11-01", "--start", help="First day of the period, YYYY-MM-DD."),
    months: int = typer.Option(12, "--months", "-m", min=1, max=120, help="Length of the period in months."),
    seed: int = typer.Option(42, "--seed", "-s", help="Random seed: the same seed gives the same bytes."),
    out: Path = typer.Option(None, "--out", "-o", help="Folder to write into (default: .tsur/demo/<region>)."),
    defects: float = typer.Option(
        0.0, "--defects", min=0.0, max=0.5, help="Share of rows to spoil the way real exports are spoiled (e.g. 0.01)."
    ),
) -> None:
    """Make a realistic demo region: ПОС and IM exports, a regional portal CSV, roadmap, indicators and staff.

    The files are in the real formats (see docs/feeds.md) and can be loaded with `tsur ingest`.
    """
    summary = _generate(region, appeals, start, months, seed, out, defects)
    console.print(f"wrote {len(summary.files)} files to [bold]{summary.out_dir}[/] in {summary.elapsed_seconds:.1f} s")


def _generate(region: str, appeals: int, start: str, months: int, seed: int, out: Path | None, defects: float):
    from orchestration.generate import generate_region

    try:
        start_date = date.fromisoformat(start)
    except ValueError as exc:
        raise _fail(f"--start {start!r}: expected a date as YYYY-MM-DD") from exc
    out_dir = out or load_settings().demo_dir / region.upper()
    with _progress() as progress:
        tasks: dict[str, int] = {}

        def report(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done, total=total)

        try:
            return generate_region(
                region.upper(), appeals, start_date, months, seed, out_dir, defects=defects, progress=report
            )
        except (KeyError, ValueError) as exc:
            raise _fail(str(exc)) from exc


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


# ----------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    paths: list[Path] = typer.Argument(..., help="Files or folders to load (folders are searched recursively)."),
    feed: str = typer.Option(
        None,
        "--feed",
        "-f",
        help="Load every file as this feed (a name from seeds/feeds/); "
        "by default each file's feed is recognised by its name.",
    ),
) -> None:
    """Load source files into the raw layer.

    Each file is loaded in one transaction: all of it or nothing. A file loaded before (same SHA-256) is
    skipped. Rows that fail their checks go to raw.quarantine with the reason; see the table printed at
    the end. Exits with 2 if a file was rejected (a required column missing) and 1 if one could not be read.
    """
    results, failures, unmatched = _ingest(paths, feed)
    _print_load_results(results)
    for path in unmatched:
        err.print(f"[yellow]skipped[/] {path}: no feed in seeds/feeds/ matches this file name; use --feed")
    for message in failures:
        err.print(f"[bold red]failed[/] {message}")
    rejected = [r for r in results if r.status == "rejected"]
    for result in rejected:
        err.print(f"[bold red]rejected[/] {result.message}")
    if failures:
        raise typer.Exit(1)
    if rejected:
        raise typer.Exit(2)


def _ingest(paths: list[Path], feed: str | None):
    from orchestration.db.connection import connect
    from orchestration.db.schema import bootstrap
    from orchestration.ingest.loader import IngestError, load_file, plan_files
    from orchestration.ingest.mapping import MappingError, load_mappings

    try:
        planned, unmatched = plan_files(paths, load_mappings(), feed)
    except (MappingError, IngestError) as exc:
        raise _fail(str(exc)) from exc
    results, failures = [], []
    with connect() as conn, _progress() as progress:
        bootstrap(conn)
        overall = progress.add_task("files", total=len(planned))
        for path, mapping in planned:
            task = progress.add_task(f"  {path.name}", total=None)
            try:
                result = load_file(conn, path, mapping, progress=lambda n, t=task: progress.update(t, completed=n))
            except IngestError as exc:
                failures.append(str(exc))
                progress.remove_task(task)
                continue
            progress.update(task, completed=result.rows_read, total=max(result.rows_read, 1), visible=False)
            results.append(result)
            progress.advance(overall)
    return results, failures, unmatched


def _print_load_results(results) -> None:
    if not results:
        console.print("no files to load")
        return
    table = Table(title="Загрузка файлов / files loaded")
    for column in ("file", "feed", "status", "read", "loaded", "quarantined", "s"):
        numeric = column in ("read", "loaded", "quarantined", "s")
        # file names are what the reader looks for: never cut them short
        table.add_column(
            column,
            justify="right" if numeric else "left",
            no_wrap=column == "file",
            overflow="fold" if column == "file" else "ellipsis",
        )
    for r in results:
        colour = {"loaded": "green", "skipped": "dim", "rejected": "red"}[r.status]
        table.add_row(
            r.path.name,
            r.feed,
            f"[{colour}]{r.status}[/]",
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"{r.rows_quarantined:,}",
            f"{r.seconds:.1f}",
        )
    console.print(table)


# ----------------------------------------------------------------------------- build


@app.command()
def build(
    select: str = typer.Option(None, "--select", "-s", help="dbt selection, e.g. staging or +agg_appeals_by_period."),
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Rebuild incremental models from scratch."),
) -> None:
    """Build the warehouse with dbt: seeds, staging, intermediate and marts, with their tests (`dbt build`)."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    raise typer.Exit(run_dbt(args))


def run_dbt(args: list[str]) -> int:
    """Run dbt in dbt_project/ against the warehouse, streaming its output."""
    from orchestration.db.connection import database_url
    from orchestration.settings import DBT_PROJECT_DIR
    from orchestration.warehouse.resources import dbt_env

    env = {**os.environ, **dbt_env(database_url())}
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.call([str(dbt), *args], cwd=DBT_PROJECT_DIR, env=env)


# ----------------------------------------------------------------------------- dashboards and serve


@app.command()
def dashboards() -> None:
    """Import the official dashboards (superset_dashboards/bundle) into Superset, overwriting them.

    Also creates the read-only PostgreSQL role Superset reads the marts with, the roles (executive,
    analyst, block owners, municipalities with row-level security) and the demo users. Fails with the
    bundle's own error messages when it is invalid. `tsur serve` runs it before starting Superset.
    """
    from orchestration.db.connection import database_url
    from orchestration.superset.setup import import_dashboards

    with console.status("importing the dashboards into Superset …"):
        users = import_dashboards(database_url())
    console.print(
        f"[green]imported[/] {_dashboard_count()} dashboards; demo users: {', '.join(u.login for u in users)}"
    )


def _dashboard_count() -> int:
    from orchestration.superset.bundle import DASHBOARDS

    return len(DASHBOARDS)


@app.command()
def serve(
    stop: bool = typer.Option(False, "--stop", help="Stop the Superset and Dagster servers `tsur serve` started."),
    detach: bool = typer.Option(False, "--detach", "-d", help="Start, print the addresses and return."),
    dagster: bool = typer.Option(True, "--dagster/--no-dagster", help="Also run the Dagster UI."),
    reimport: bool = typer.Option(True, "--import/--no-import", help="Import the dashboards before starting."),
) -> None:
    """Start the database, the Dagster UI and Superset with the official dashboards; print where and who.

    Ports: Superset 8088 (TSUR_SUPERSET_PORT), Dagster 3000 (TSUR_DAGSTER_PORT). Runs until Ctrl-C, which
    stops both servers; with --detach it returns and `tsur serve --stop` stops them later. The database
    keeps running (`tsur db stop`).
    """
    from orchestration.superset import server
    from orchestration.superset.setup import credentials, import_dashboards

    services = [server.superset_service(), server.dagster_service()]
    if stop:
        for service in services:
            console.print(f"{service.name}: {'stopped' if server.stop(service) else 'not running'}")
        return
    db_start()
    from orchestration.db.connection import database_url

    users = None
    if reimport:
        with console.status("importing the dashboards into Superset …"):
            users = import_dashboards(database_url())
    with console.status("starting Superset …"):
        superset = server.start_superset()
    dagster_service = None
    if dagster:
        with console.status("starting the Dagster UI …"):
            dagster_service = server.start_dagster()
    passwords = credentials().users
    _print_serving(superset, dagster_service, users, passwords)
    if detach:
        return
    console.print("\nCtrl-C stops Superset and the Dagster UI.")
    try:
        while all(server.running_pid(s) for s in [superset, dagster_service] if s):
            time.sleep(2)
        err.print("[bold red]error:[/] a server stopped by itself; see the logs in .tsur/logs")
    except KeyboardInterrupt:
        pass
    finally:
        for service in [superset, dagster_service]:
            if service:
                server.stop(service)
        console.print("stopped Superset and the Dagster UI")


def _print_serving(superset, dagster, users, passwords: dict[str, str]) -> None:
    from orchestration.superset.bundle import DASHBOARDS
    from orchestration.superset.setup import DEMO_USERS

    table = Table(title="Демо-пользователи / demo logins", title_justify="left")
    for column in ("логин", "пароль", "роль"):
        table.add_column(column)
    subjects = {user.login: user.subject for user in users or []}
    for login, _kind, name in DEMO_USERS:
        role = f"{name} «{subjects[login]}»" if subjects.get(login) else name
        table.add_row(login, passwords[login], role)
    console.print(f"\n[bold]Superset[/]  {superset.url}   (дашборды / dashboards)")
    for dashboard in DASHBOARDS:
        console.print(f"  • {dashboard.title}: {superset.url}/superset/dashboard/{dashboard.key}/")
    if dagster:
        console.print(f"[bold]Dagster[/]   {dagster.url}   (запуски, активы / runs, assets)")
    console.print(table)
    console.print("Passwords are kept in .tsur/superset/credentials.json (TSUR_SUPERSET_DEMO_PASSWORD to set them).")


# ----------------------------------------------------------------------------- quality


@app.command()
def check(
    new_loads: bool = typer.Option(
        False,
        "--new-loads",
        help="Judge only the raw loads no run has checked yet (what the pipeline does); "
        "by default every load in the database.",
    ),
    table: list[str] = typer.Option(
        None, "--table", "-t", help="Only the suites of these tables (schema.table); repeatable."
    ),
    docs: bool = typer.Option(
        True, "--docs/--no-docs", help="Build Great Expectations' Data Docs into .tsur/quality/data_docs."
    ),
    serve: bool = typer.Option(False, "--serve", help="After checking, serve the Data Docs on http://127.0.0.1:8765."),
    port: int = typer.Option(8765, "--port", help="Port for --serve."),
) -> None:
    """Run every data-quality suite in expectations/ now and print what failed, where.

    Results go to quality.dq_results (latest per expectation: quality.dq_latest). Exits 1 when a critical
    expectation fails, 0 otherwise (warnings are printed but do not fail). See expectations/README.md.
    """
    from orchestration.db.connection import database_url
    from orchestration.quality.runner import run_suites
    from orchestration.quality.suites import load_suites

    suites = load_suites()
    if table:
        unknown = sorted(set(table) - {s.table for s in suites})
        if unknown:
            raise _fail(f"no suite for {', '.join(unknown)}; suites: {', '.join(s.table for s in suites)}")
        suites = [s for s in suites if s.table in table]
    docs_dir = load_settings().home / "quality" / "data_docs"
    url = database_url()
    with console.status("checking …") as status:
        runs = run_suites(
            url,
            suites,
            loads="new" if new_loads else "all",
            trigger="tsur check",
            docs_dir=docs_dir if docs or serve else None,
            progress=lambda suite: status.update(f"checking {suite.table} …"),
        )
    _print_check(runs)
    if docs or serve:
        console.print(f"Data Docs: {docs_dir / 'index.html'}")
    if serve:
        _serve(docs_dir, port)
    if any(run.critical_failures for run in runs):
        raise typer.Exit(1)


@app.command("accept-load")
def accept_load(
    load_id: int = typer.Argument(..., help="The load id (see `tsur check` sample keys or raw.load_files)."),
    reason: str = typer.Option(..., "--reason", help="Why the failure is accepted; kept with the load."),
) -> None:
    """Accept a load's critical quality failures after review, so that it stops blocking the build.

    A load whose raw suite failed critically is judged again by every pipeline run, and keeps stopping
    `dbt build`, until it is fixed (`tsur quarantine reload`) or accepted here. The acceptance and its
    reason are kept in quality.dq_checked_loads.
    """
    from orchestration.db.connection import connect
    from orchestration.quality.store import AcceptError
    from orchestration.quality.store import accept_load as accept

    with connect() as conn:
        try:
            file_name = accept(conn, load_id, reason)
        except AcceptError as exc:
            raise _fail(str(exc)) from exc
    console.print(f"load {load_id} ({file_name}) accepted: it no longer blocks the build")


def _print_check(runs) -> None:
    failed = [o for run in runs for o in run.outcomes if not o.success]
    total = sum(len(run.outcomes) for run in runs)
    if failed:
        table = Table(title="Проверки качества: не пройдены / failed expectations")
        for column in ("severity", "table", "#", "expectation", "unexpected", "sample keys"):
            table.add_column(column, justify="right" if column in ("#", "unexpected") else "left")
        for o in sorted(failed, key=lambda o: (o.severity != "critical", o.table_name, o.expectation_index)):
            colour = "red" if o.severity == "critical" else "yellow"
            samples = (o.sample_keys or [])[:3]
            sample = o.error or (
                f"[dim]{'/'.join(samples[0])}:[/] " + ", ".join("/".join(str(v) for v in k.values()) for k in samples)
                if samples
                else ""
            )
            table.add_row(
                f"[{colour}]{o.severity}[/]",
                o.table_name,
                str(o.expectation_index),
                f"{o.description}\n[dim]{o.expectation}[/]",
                "" if o.unexpected_count is None else f"{o.unexpected_count:,}",
                sample,
            )
        console.print(table)
    critical = sum(o.severity == "critical" for o in failed)
    colour = "red" if critical else ("yellow" if failed else "green")
    console.print(
        f"[{colour}]{len(runs)} suites, {total} expectations: {total - len(failed)} passed, "
        f"{critical} critical failed, {len(failed) - critical} warnings[/]"
    )


def _serve(folder: Path, port: int) -> None:
    import functools
    import http.server

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    with http.server.ThreadingHTTPServer(("127.0.0.1", port), handler) as server:
        console.print(f"serving Data Docs on http://127.0.0.1:{port}/index.html (Ctrl+C to stop)")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()


quarantine_app = typer.Typer(
    help="What the loader put in quarantine (raw.quarantine): list it, and reload the rows from a fixed file.",
    no_args_is_help=True,
)
app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    file: str = typer.Option(None, "--file", "-f", help="Only this file (its name, as loaded)."),
    open_only: bool = typer.Option(False, "--open", help="Only rows not resolved by a reload yet."),
) -> None:
    """Quarantined rows per file, field and reason, with the first row number to look at."""
    from orchestration.db.connection import connect
    from orchestration.quality.quarantine import summary

    with connect() as conn:
        rows = summary(conn, file, open_only=open_only)
    if not rows:
        console.print("nothing in quarantine" + (f" for {file}" if file else ""))
        return
    table = Table(title="Карантин / quarantined rows per file, field and reason")
    for column in ("file", "load", "feed", "field", "reason", "rows", "resolved", "first row"):
        numeric = column in ("load", "rows", "resolved", "first row")
        table.add_column(column, justify="right" if numeric else "left", no_wrap=column == "file")
    for r in rows:
        name = r.file_name + (" [red](rejected)[/]" if r.file_status == "rejected" else "")
        table.add_row(
            name, str(r.load_id), r.feed, r.field, r.reason, f"{r.rows:,}", f"{r.resolved:,}", str(r.first_row)
        )
    console.print(table)
    left = sum(r.rows - r.resolved for r in rows)
    console.print(f"{sum(r.rows for r in rows):,} rows quarantined, {left:,} not resolved")


@quarantine_app.command("reload")
def quarantine_reload(
    corrected: Path = typer.Argument(..., exists=True, dir_okay=False, help="The corrected copy of the file."),
    original: str = typer.Option(
        None, "--original", help="Name of the file as first loaded, when the corrected copy is named differently."
    ),
) -> None:
    """Load from a corrected file only the rows that were quarantined from its original, as a new load.

    Fix the rows named by `tsur quarantine list --file NAME` in a copy of the file (row numbers stay the same),
    then reload it: the rows that now pass are loaded and marked resolved; the rest stay in quarantine.
    """
    from orchestration.db.connection import connect
    from orchestration.quality.quarantine import QuarantineError, reload

    with connect() as conn:
        try:
            done = reload(conn, corrected, original)
        except QuarantineError as exc:
            raise _fail(str(exc)) from exc
    r = done.result
    console.print(
        f"load {r.load_id} ({r.status}): {done.requested:,} quarantined rows of load {done.original_load_id} "
        f"asked for, {r.rows_loaded:,} loaded, {r.rows_quarantined:,} still in quarantine; "
        f"{done.resolved:,} marked resolved"
    )
    if r.status == "rejected":
        raise _fail(r.message or "the corrected file was rejected", 2)


# ----------------------------------------------------------------------------- export


@app.command("export")
def export_command(
    period: str = typer.Option(
        None,
        "--period",
        "-p",
        help="A week 2026-W43, a month 2026-10 or a quarter 2026-Q3 (the region's local calendar). "
        "Default: the newest complete week, month and quarter.",
    ),
    kind: str = typer.Option(
        None, "--kind", "-k", help="weekly, monthly or quarterly; must agree with --period (which already says it)."
    ),
    region: str = typer.Option(
        None, "--region", "-r", help="Region code; default: TSUR_EXPORT_REGIONS, else every region with data."
    ),
    deliver: bool = typer.Option(
        False, "--deliver", help="Also POST the package(s), and every earlier unacknowledged one, to TSUR_EXPORT_URL."
    ),
) -> None:
    """Export packages for the federal competence center (and, for a week, the governor's report) to the outbox.

    The same period from the same data gives the same files and no new revision; changed data gives
    revision N+1 with the differences in its manifest.json. Refused when the data failed a critical
    quality check. See docs/exports.md.
    """
    from orchestration.db.connection import connect
    from orchestration.exports.config import load_export_settings
    from orchestration.exports.periods import parse_period
    from orchestration.exports.run import (
        ExportOutcome,
        deliver_outstanding,
        export_period,
        latest_complete,
        regions_with_data,
    )

    settings = load_export_settings()
    if deliver and not settings.delivers:
        raise _fail("--deliver needs the endpoint: set TSUR_EXPORT_URL (and TSUR_EXPORT_TOKEN); see docs/exports.md")
    outcome = ExportOutcome()
    with connect() as conn:
        regions = [region.upper()] if region else list(settings.regions) or regions_with_data(conn)
        if not regions:
            raise _fail("the warehouse has no appeals yet: load files and build first (tsur demo, tsur ingest)")
        for code in regions:
            periods = [parse_period(period, kind)] if period else latest_complete(conn, code)
            if not periods:
                raise _fail(f"{code}: the warehouse has no complete period to export; load and build first")
            for one in periods:
                done = export_period(conn, code, one, settings, deliver=False)
                outcome.packages += done.packages
                outcome.reports += done.reports
        if deliver:
            deliver_outstanding(conn, settings, outcome)
    table = Table(title="Выгрузки / export packages")
    for column in ("region", "kind", "period", "revision", "state", "rows", "folder in the outbox"):
        table.add_column(
            column, justify="right" if column in ("revision", "rows") else "left", no_wrap=column.startswith("folder")
        )
    for p in outcome.packages:
        rows = sum(f["rows"] for f in p.manifest["files"] if f["name"].endswith(".csv"))
        state = "[green]new[/]" if p.created else "[dim]unchanged[/]"
        table.add_row(
            p.region,
            p.period.kind,
            p.period.label,
            f"r{p.revision}",
            state,
            f"{rows:,}",
            str(p.path.relative_to(settings.outbox)),
        )
    console.print(table)
    console.print(f"outbox: [bold]{settings.outbox}[/]")
    for path in outcome.reports:
        console.print(f"governor's report: [bold]{path}[/]")
    for d in outcome.deliveries:
        colour = "green" if d.status == "acknowledged" else "red"
        console.print(f"delivery {d.package}: [{colour}]{d.status}[/] after {d.attempts} attempt(s) {d.error or ''}")
    if outcome.delivery_failed:
        raise _fail(f"{outcome.pending} package(s) not delivered; they are retried on the next run")


# ----------------------------------------------------------------------------- demo


@app.command()
def demo(
    region: str = typer.Option("BRY", "--region", "-r", help="Region code (BRY, YEV, KHM, PSK, IRK)."),
    appeals: int = typer.Option(100_000, "--appeals", "-n", min=1, help="How many appeals to generate."),
    months: int = typer.Option(12, "--months", "-m", min=1, help="Months of history."),
    start: str = typer.Option("2025-11-01", "--start", help="First day of the period, YYYY-MM-DD."),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    defects: float = typer.Option(0.0, "--defects", min=0.0, max=0.5, help="Share of spoiled rows."),
) -> None:
    """Run everything on a demo region: start the database, generate, load, build, and print a summary.

    Safe to run again: the same files are not loaded twice and the models are rebuilt.
    """
    from orchestration.pipeline import run_main_job, summarise

    started = time.monotonic()
    settings = load_settings()
    console.rule("[bold]tsur demo")
    console.print("1/4 database")
    db_start()
    console.print(f"2/4 generating {region} — {appeals:,} appeals, {months} months from {start}")
    summary = _generate(region, appeals, start, months, seed, None, defects)
    landing = settings.landing_dir
    console.print(f"3/4 loading and building through the Dagster job `tsur_main` ({summary.out_dir})")
    # dbt's own log (one line per model and test) goes to a file, not over the progress line.
    log_path = settings.home / "logs" / f"demo-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    screen = Console(file=sys.stdout)
    with (
        screen.status("ingest → dbt build …"),
        log_path.open("w", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
    ):
        outcome = run_main_job([summary.out_dir])
    console.print(f"    dbt log: {log_path}")
    console.print("4/4 summary")
    report = summarise(outcome, time.monotonic() - started)
    console.print(report.render())
    if not outcome.success:
        raise _fail("the Dagster run failed; see the messages above and the run in the Dagster UI")
    _print_next_steps(settings, landing)


def _print_next_steps(settings, landing: Path) -> None:
    from orchestration.db.connection import database_url, redact

    console.print(
        "\n[bold]Что дальше / what next[/]\n"
        f"  • SQL:        tsur db psql  (or {redact(database_url(settings, start=False))})\n"
        "               select * from marts.agg_appeals_by_period where period_grain = 'month'\n"
        "                 and dimension = 'block' order by period_start desc, received_count desc limit 20;\n"
        "  • Dashboards: tsur serve (or make up)  →  Superset on http://127.0.0.1:8088 with the demo logins it prints\n"
        "  • Dagster UI: make dagster  →  http://127.0.0.1:3000 (runs, assets, lineage)\n"
        "  • Quality:    tsur check (all suites, Data Docs), tsur quarantine list\n"
        f"  • New files:  drop exports into {landing} — the landing sensor loads them\n"
        f"  • Exports:    {_outbox()} — packages for the federal center and the governor's report;\n"
        "               tsur export --period 2026-10 [--deliver] (docs/exports.md)\n"
        "  • Docs:       docs/data-contract.md (marts), docs/rating-methodology.md, docs/architecture.md\n"
        "  • Stop:       tsur db stop"
    )


def _outbox() -> Path:
    from orchestration.exports.config import load_export_settings

    return load_export_settings().outbox


def _expected(exc: BaseException) -> bool:
    """Failures tsur raises on purpose, or a database that cannot be reached: their message is the whole story."""
    if type(exc).__module__.startswith("orchestration."):
        return True
    psycopg = sys.modules.get("psycopg")
    return psycopg is not None and isinstance(exc, psycopg.OperationalError)


def main() -> None:
    """The `tsur` script: known failures end with one clear line and exit 1; bugs keep their traceback."""
    try:
        app()
    except Exception as exc:
        if not _expected(exc):
            raise
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(1)


if __name__ == "__main__":
    main()
