"""Export packages as Dagster assets: one partitioned asset per kind (backfill any past period from the UI),
the governor's weekly report, and the main job's step that exports the newest complete periods.

Each asset builds the package of its period for every region this
deployment exports (``TSUR_EXPORT_REGIONS``, or the run's config), writes it
to the outbox and delivers whatever the endpoint has not acknowledged, this
run's packages and earlier failures alike. The asset check ``delivered``
fails (severity error) while a package is not acknowledged, so a failed
delivery is red in the UI until a later run gets it through.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MonthlyPartitionsDefinition,
    TimeWindowPartitionsDefinition,
    WeeklyPartitionsDefinition,
    asset,
)
from pydantic import Field

from orchestration.db.resources import WarehouseResource
from orchestration.exports.config import load_export_settings
from orchestration.exports.delivery import pending
from orchestration.exports.periods import from_partition_key
from orchestration.exports.run import (
    ExportOutcome,
    deliver_outstanding,
    export_latest,
    export_period,
    regions_with_data,
)

# The marts the package reads (dbt models, keyed by schema): lineage runs raw file → mart → export.
MART_DEPS = [
    AssetKey(["marts", name])
    for name in (
        "agg_appeals_by_period",
        "agg_appeal_times_by_period",
        "agg_problem_categories",
        "agg_agency_rating",
        "agg_municipality_rating",
        "agg_roadmap_performance",
        "agg_indicator_progress",
        "dim_agency",
    )
]
REPORT_DEPS = [AssetKey(["marts", n]) for n in ("agg_appeals_by_period", "agg_problem_categories", "agg_agency_rating")]
PARTITION_START = "2024-01-01"
BY_PERIOD_GROUP = "exports_by_period"  # partitioned: run by the schedules and backfills, not by the main job

PARTITIONS = {
    "weekly": WeeklyPartitionsDefinition(start_date=PARTITION_START, day_offset=1),
    "monthly": MonthlyPartitionsDefinition(start_date=PARTITION_START),
    "quarterly": TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1,4,7,10 *", start=PARTITION_START, fmt="%Y-%m-%d"
    ),
}


class ExportConfig(Config):
    """Which regions to export (empty: TSUR_EXPORT_REGIONS) and whether to deliver to the endpoint."""

    regions: list[str] = Field(default_factory=list)
    deliver: bool = True


class LatestExportConfig(ExportConfig):
    """The main job keeps the outbox current on every load; the federal center gets the scheduled packages."""

    deliver: bool = False


def _regions(config: ExportConfig, conn) -> list[str]:
    """The run's regions, else TSUR_EXPORT_REGIONS, else every region with data."""
    return [r.upper() for r in config.regions] or list(load_export_settings().regions) or regions_with_data(conn)


def _check(key: AssetKey, outcome: ExportOutcome, delivers: bool) -> AssetCheckResult:
    failed = [d for d in outcome.deliveries if d.status == "failed"]
    return AssetCheckResult(
        asset_key=key,
        check_name="delivered",
        passed=outcome.pending == 0,
        severity=AssetCheckSeverity.ERROR,
        metadata={
            "endpoint": "configured" if delivers else "none (outbox only)",
            "pending_packages": outcome.pending,
            "failed_this_run": [f"{d.package}: {d.error}" for d in failed],
        },
        description="Every package's newest revision is acknowledged by the endpoint (or no endpoint is set).",
    )


def _log_packages(context: AssetExecutionContext, outcome: ExportOutcome) -> None:
    for p in outcome.packages:
        state = "new revision" if p.created else "unchanged"
        context.log.info(f"{p.region} {p.period.kind} {p.period.label}: r{p.revision} ({state}) in {p.path}")
    for d in outcome.deliveries:
        (context.log.info if d.status == "acknowledged" else context.log.error)(
            f"delivery of {d.package}: {d.status} after {d.attempts} attempt(s) {d.error or ''}"
        )


def _package_asset(kind: str):
    key = AssetKey(["exports", f"federal_export_{kind}"])

    @asset(
        key=key,
        deps=MART_DEPS,
        partitions_def=PARTITIONS[kind],
        group_name=BY_PERIOD_GROUP,
        check_specs=[AssetCheckSpec("delivered", asset=key)],
        description=f"The {kind} package for the federal competence center (docs/exports.md), one per period.",
        kinds={"csv", "xlsx"},
    )
    def package(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource):
        settings = load_export_settings()
        period = from_partition_key(kind, context.partition_key)
        outcome = ExportOutcome()
        with warehouse.connect() as conn:
            for region in _regions(config, conn):
                one = export_period(conn, region, period, settings, deliver=False)
                outcome.packages += one.packages
            if config.deliver:
                deliver_outstanding(conn, settings, outcome)
        _log_packages(context, outcome)
        yield MaterializeResult(metadata=outcome.metadata())
        yield _check(key, outcome, settings.delivers)

    package.__name__ = f"federal_export_{kind}"
    return package


federal_export_weekly = _package_asset("weekly")
federal_export_monthly = _package_asset("monthly")
federal_export_quarterly = _package_asset("quarterly")


@asset(
    key=AssetKey(["exports", "governor_weekly_report"]),
    deps=REPORT_DEPS,
    partitions_def=PARTITIONS["weekly"],
    group_name=BY_PERIOD_GROUP,
    description="The governor's weekly report (PDF, Russian) in the outbox: summary, top problems, deadlines, rating.",
    kinds={"pdf"},
)
def governor_weekly_report(context: AssetExecutionContext, config: ExportConfig, warehouse: WarehouseResource):
    from orchestration.exports.report import write_report

    settings = load_export_settings()
    period = from_partition_key("weekly", context.partition_key)
    with warehouse.connect() as conn:
        paths = [write_report(conn, region, period, settings.outbox) for region in _regions(config, conn)]
    return MaterializeResult(metadata={"reports": [str(p) for p in paths]})


LATEST_KEY = AssetKey(["exports", "federal_export_latest"])


@asset(
    key=LATEST_KEY,
    deps=MART_DEPS,
    group_name="exports",
    check_specs=[AssetCheckSpec("delivered", asset=LATEST_KEY)],
    description="After each build: the packages of the newest complete week, month and quarter, and the week's "
    "governor's report, in the outbox (delivered by the schedules, or with config deliver: true). "
    "Unchanged data → no new revision.",
    kinds={"csv", "xlsx", "pdf"},
)
def federal_export_latest(context: AssetExecutionContext, config: LatestExportConfig, warehouse: WarehouseResource):
    settings = load_export_settings()
    with warehouse.connect() as conn:
        outcome = export_latest(conn, _regions(config, conn), settings, deliver=config.deliver)
        if settings.delivers and not config.deliver:
            outcome.pending = len(pending(conn))  # what the schedules still have to get through
    _log_packages(context, outcome)
    yield MaterializeResult(metadata=outcome.metadata())
    yield _check(LATEST_KEY, outcome, settings.delivers)


export_assets = [
    federal_export_latest,
    federal_export_weekly,
    federal_export_monthly,
    federal_export_quarterly,
    governor_weekly_report,
]
