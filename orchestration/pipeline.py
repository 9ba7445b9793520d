"""Run the main Dagster job from the command line, and summarise what it did.

`tsur demo` goes through Dagster (not around it) so that the run, its logs and
the assets it materialised are in the Dagster UI afterwards, exactly as when
the landing sensor or a schedule starts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Group
from rich.table import Table

from orchestration.settings import load_settings

DAGSTER_YAML = """\
# Written by tsur on first use. Dagster's instance settings: https://docs.dagster.io
telemetry:
  enabled: false
"""


def ensure_dagster_home() -> Path:
    """DAGSTER_HOME (default .tsur/dagster), created with telemetry off (no network here)."""
    home = Path(os.environ.get("DAGSTER_HOME") or load_settings().home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML)
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class RunOutcome:
    success: bool
    run_id: str
    assets_materialised: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_failed: int = 0
    failed_checks: list[str] = field(default_factory=list)
    quality_checks: int = 0  # Great Expectations suites run as asset checks
    quality_critical: list[str] = field(default_factory=list)  # suites failing a critical expectation
    quality_warnings: list[str] = field(default_factory=list)  # suites failing warnings only
    files: dict[str, int] = field(default_factory=dict)  # this run's files_loaded / _rejected / _skipped
    exports: dict[str, list[str]] = field(default_factory=dict)  # export packages' folders and reports (outbox)


def run_main_job(paths: list[Path], job_name: str = "tsur_main") -> RunOutcome:
    """Run a job (the main one unless named: ``tsur_daily`` is the landing sensor's) in process on these files."""
    ensure_dagster_home()
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.ingest.sensors import delivery_assets
    from orchestration.jobs import DAILY_JOB_NAME

    job = defs.resolve_job_def(job_name)
    run_config = {
        "ops": {"raw_feeds": {"config": {"paths": [str(p) for p in paths]}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    # as the landing sensor does: only what these files feed
    selection = delivery_assets(paths, defs.resolve_asset_graph()) if job_name == DAILY_JOB_NAME else None
    with DagsterInstance.get() as instance:
        result = job.execute_in_process(
            run_config=run_config,
            instance=instance,
            raise_on_error=False,
            tags={"tsur/trigger": "cli"},
            asset_selection=selection,
        )
    from dagster import AssetCheckSeverity

    from orchestration.quality.checks import CHECK_PREFIX

    evaluations = result.get_asset_check_evaluations()
    quality = [e for e in evaluations if e.check_name.startswith(CHECK_PREFIX)]
    files: dict[str, int] = {}
    exports: dict[str, list[str]] = {}
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        for name in ("outbox", "reports", "deliveries"):
            if name in metadata:
                exports.setdefault(name, []).extend(metadata[name].value)
        for name in ("files_loaded", "files_rejected", "files_skipped"):
            if name in metadata:
                files[name] = files.get(name, 0) + int(metadata[name].value)
    return RunOutcome(
        success=result.success,
        run_id=result.run_id,
        assets_materialised=sorted({"/".join(e.asset_key.path) for e in result.get_asset_materialization_events()}),
        checks_passed=sum(e.passed for e in evaluations),
        checks_failed=sum(not e.passed for e in evaluations),
        failed_checks=[f"{'/'.join(e.asset_key.path)}: {e.check_name}" for e in evaluations if not e.passed],
        files=files,
        quality_checks=len(quality),
        quality_critical=[
            "/".join(e.asset_key.path) for e in quality if not e.passed and e.severity == AssetCheckSeverity.ERROR
        ],
        quality_warnings=[
            "/".join(e.asset_key.path) for e in quality if not e.passed and e.severity == AssetCheckSeverity.WARN
        ],
        exports=exports,
    )


@dataclass
class Report:
    feeds: list[tuple]
    outcome: RunOutcome
    elapsed: float

    def render(self) -> Group:
        feeds = Table(title="Загрузка по источникам / rows by feed (all loads in the database)")
        for column in ("feed", "files", "rejected", "rows read", "loaded", "quarantined"):
            feeds.add_column(column, justify="left" if column == "feed" else "right")
        for feed, files, rejected, read, loaded, quarantined in self.feeds:
            feeds.add_row(feed, f"{files:,}", f"{rejected:,}", f"{read:,}", f"{loaded:,}", f"{quarantined:,}")
        models = [a for a in self.outcome.assets_materialised if not a.startswith(("raw/", "exports/"))]
        run = Table(title="Сборка / build", show_header=False)
        run.add_column("what")
        run.add_column("value", justify="right", overflow="fold")
        run.add_row("Dagster run", self.outcome.run_id)
        run.add_row("result", "[green]success[/]" if self.outcome.success else "[red]failed[/]")
        files = self.outcome.files
        run.add_row(
            "files in this run",
            f"{files.get('files_loaded', 0):,} loaded, {files.get('files_rejected', 0):,} rejected, "
            f"{files.get('files_skipped', 0):,} already loaded before",
        )
        run.add_row("dbt models and seeds built", f"{len(models):,}")
        run.add_row("tests passed", f"{self.outcome.checks_passed:,}")
        run.add_row("tests failed", f"{self.outcome.checks_failed:,}")
        outcome = self.outcome
        if outcome.quality_critical:
            quality = f"[red]{len(outcome.quality_critical)} suites failed critically[/] (downstream blocked)"
        elif outcome.quality_warnings:
            quality = f"[yellow]clean of critical failures; warnings in {len(outcome.quality_warnings)} suites[/]"
        else:
            quality = "[green]clean[/]"
        run.add_row("quality (Great Expectations)", f"{outcome.quality_checks} suites: {quality}")
        for label, name in (("export packages (outbox)", "outbox"), ("governor's report", "reports")):
            for path in self.outcome.exports.get(name, []):
                run.add_row(label, path)
        for delivery in self.outcome.exports.get("deliveries", []):
            run.add_row("delivery", delivery)
        run.add_row("elapsed", f"{self.elapsed:,.1f} s")
        parts = [feeds, run]
        if self.outcome.failed_checks:
            parts.append("failed: " + "; ".join(self.outcome.failed_checks[:10]))
        if outcome.quality_critical or outcome.quality_warnings:
            parts.append("quality details: `tsur check` (table of failures) or select * from quality.dq_latest")
        return Group(*parts)


def feed_totals() -> list[tuple]:
    from orchestration.db.connection import connect

    with connect() as conn:
        return conn.execute(
            """
            select feed, count(*), count(*) filter (where status = 'rejected'),
                   sum(rows_read), sum(rows_loaded), sum(rows_quarantined)
            from raw.load_files group by feed order by feed
            """
        ).fetchall()


def summarise(outcome: RunOutcome, elapsed: float) -> Report:
    return Report(feed_totals(), outcome, elapsed)
