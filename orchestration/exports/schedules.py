"""Export jobs and their schedules, in each exported region's own time zone.

* weekly: Monday 08:00 local, the previous ISO week (package and the governor's report);
* monthly: 08:00 local on the first working day of the month (the region's
  production calendar, ``marts.dim_calendar``), the previous month;
* quarterly: 08:00 local on the first working day of January, April, July and
  October, the previous quarter.

The monthly and quarterly schedules tick every morning and skip, saying why,
on every other day. A run's key is region + period, so a tick evaluated twice
never starts two runs. Backfills of any past period: the partitioned assets in
the UI, or ``tsur export --period``.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta

from dagster import (
    AssetSelection,
    RunRequest,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    schedule,
)

from orchestration.exports.config import load_export_settings
from orchestration.exports.periods import containing
from orchestration.settings import REFERENCE_DIR

export_weekly_job = define_asset_job(
    "export_weekly",
    selection=AssetSelection.assets(["exports", "federal_export_weekly"], ["exports", "governor_weekly_report"]),
    description="The weekly package for the federal center and the governor's weekly report, for one ISO week.",
)
export_monthly_job = define_asset_job(
    "export_monthly",
    selection=AssetSelection.assets(["exports", "federal_export_monthly"]),
    description="The monthly package for the federal center, for one month.",
)
export_quarterly_job = define_asset_job(
    "export_quarterly",
    selection=AssetSelection.assets(["exports", "federal_export_quarterly"]),
    description="The quarterly package for the federal center, for one quarter.",
)
export_jobs = [export_weekly_job, export_monthly_job, export_quarterly_job]


DEFAULT_SCHEDULED_REGIONS = ("BRY",)


def region_timezones() -> dict[str, str]:
    """Region code → IANA time zone, from the regions seed (read at load time: no database needed)."""
    with (REFERENCE_DIR / "regions.csv").open(encoding="utf-8") as handle:
        return {row["region_code"]: row["timezone"] for row in csv.DictReader(handle)}


def first_working_day(region: str, month_start: date) -> date | None:
    """The region's first working day of the month, from marts.dim_calendar (production calendar + overrides)."""
    from orchestration.db.connection import connect

    with connect() as conn:
        return conn.execute(
            """
            select min(calendar_date) from marts.dim_calendar
            where region_code = %s and month_start = %s and is_working_day
            """,
            (region, month_start),
        ).fetchone()[0]


OPS = {
    "weekly": ("exports__federal_export_weekly", "exports__governor_weekly_report"),
    "monthly": ("exports__federal_export_monthly",),
    "quarterly": ("exports__federal_export_quarterly",),
}


def run_config(kind: str, region: str) -> dict:
    """The run's config: this region only (a deployment may export several, each on its own clock)."""
    return {"ops": {op: {"config": {"regions": [region]}} for op in OPS[kind]}}


def _local_today(context: ScheduleEvaluationContext) -> date:
    moment = context.scheduled_execution_time or datetime.now()
    return moment.date()


def _weekly(region: str, timezone: str):
    @schedule(
        name=f"export_weekly_{region.lower()}",
        job=export_weekly_job,
        cron_schedule="0 8 * * 1",
        execution_timezone=timezone,
        description=f"{region}: Monday 08:00 ({timezone}) — the previous week's package and the governor's report.",
    )
    def weekly(context: ScheduleEvaluationContext):
        week = containing("weekly", _local_today(context) - timedelta(days=7))
        key = week.start.isoformat()
        return RunRequest(run_key=f"{region}-{key}", partition_key=key, run_config=run_config("weekly", region))

    return weekly


def _first_working_day_schedule(region: str, timezone: str, kind: str):
    job = export_monthly_job if kind == "monthly" else export_quarterly_job
    months = range(1, 13) if kind == "monthly" else (1, 4, 7, 10)

    @schedule(
        name=f"export_{kind}_{region.lower()}",
        job=job,
        cron_schedule="0 8 * * *",
        execution_timezone=timezone,
        description=f"{region}: 08:00 ({timezone}) on the first working day of "
        + ("each month — the previous month." if kind == "monthly" else "each quarter — the previous quarter."),
    )
    def first_working_day_of_period(context: ScheduleEvaluationContext):
        today = _local_today(context)
        if today.month not in months:
            return SkipReason(f"{today}: not the first month of a quarter")
        first = first_working_day(region, today.replace(day=1))
        if first is None:
            return SkipReason(f"{today}: marts.dim_calendar has no working day for {region} in {today:%Y-%m}")
        if today != first:
            return SkipReason(f"{today}: the first working day of {today:%Y-%m} in {region} is {first}")
        period = containing(kind, today.replace(day=1) - timedelta(days=1))
        key = period.start.isoformat()
        return RunRequest(run_key=f"{region}-{key}", partition_key=key, run_config=run_config(kind, region))

    return first_working_day_of_period


def build_export_schedules() -> list:
    """Weekly, monthly and quarterly schedules for every region in TSUR_EXPORT_REGIONS (default: the demo
    region BRY), each in its time zone."""
    zones = region_timezones()
    schedules = []
    for region in load_export_settings().regions or DEFAULT_SCHEDULED_REGIONS:
        if region not in zones:
            raise ValueError(f"TSUR_EXPORT_REGIONS: {region!r} is not in seeds/reference/regions.csv")
        schedules += [
            _weekly(region, zones[region]),
            _first_working_day_schedule(region, zones[region], "monthly"),
            _first_working_day_schedule(region, zones[region], "quarterly"),
        ]
    return schedules
