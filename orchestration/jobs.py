"""Jobs: what runs together."""

from __future__ import annotations

from dagster import AssetSelection, define_asset_job

MAIN_JOB_NAME = "tsur_main"

# Everything, in dependency order: new files into raw, then dbt build (models
# and their tests). Later stages (quality gates, exports) join this job as they
# are added, so one run takes a region from files to published numbers.
main_job = define_asset_job(
    MAIN_JOB_NAME,
    selection=AssetSelection.all(),
    description="Load new files of every feed into raw, then build the warehouse with dbt.",
)
