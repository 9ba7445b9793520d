"""Jobs: what runs together."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

MAIN_JOB_NAME = "tsur_main"

# Everything, in dependency order: new files into raw, then dbt build (models
# and their tests), then the exports of the newest complete periods. Later
# stages (quality gates) join this job as they are added, so one run takes a
# region from files to published numbers. The exports by period (partitioned:
# one run per week, month or quarter) have their own jobs and schedules
# (orchestration/exports/schedules.py).
main_job = define_asset_job(
    MAIN_JOB_NAME,
    selection=AssetSelection.all() - AssetSelection.groups("exports_by_period"),
    description="Load new files of every feed into raw, build the warehouse with dbt, export the newest periods.",
)
