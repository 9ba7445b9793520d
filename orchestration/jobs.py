"""Jobs: what runs together."""

from __future__ import annotations

from dagster import AssetKey, AssetSelection, define_asset_job

from orchestration.ingest.assets import raw_feeds

MAIN_JOB_NAME = "tsur_main"
DAILY_JOB_NAME = "tsur_daily"
# The daily job's dbt build arguments and environment: unit tests check formulas on fixed inputs, not the data
# (the main job and the test suite run them), and the data tests of the big incremental tables read only the rows
# the run wrote (dbt_project/macros/test_scope.sql). An environment variable rather than a dbt var: a var changes
# the parse, so dbt would parse the whole project again on every daily run. bench/bench_build.py times exactly this.
DAILY_BUILD_ARGS = ["--exclude-resource-type", "unit_test"]
DAILY_BUILD_ENV = {"TSUR_TEST_SCOPE": "written"}

# The exports by period (partitioned: one run per week, month or quarter) have
# their own jobs and schedules (orchestration/exports/schedules.py); the jobs
# below take the unpartitioned export step, which refreshes the outbox with the
# newest complete periods after the build.
BY_PERIOD = AssetSelection.groups("exports_by_period")

# Everything, in dependency order: new files into raw, then dbt build (seeds,
# snapshots, models, their data tests and the unit tests of the formulas), then
# the exports of the newest complete periods. `tsur demo` and a first
# installation run it; so does a change of reference data (seeds). Later stages
# (quality gates) join this job as they are added, so one run takes a region
# from files to published numbers.
main_job = define_asset_job(
    MAIN_JOB_NAME,
    selection=AssetSelection.all() - BY_PERIOD,
    description="Load new files of every feed into raw, build the whole warehouse with dbt, export the newest periods.",
)

# A delivery of files: load them, then rebuild only what the raw tables feed
# (dbt's `source:raw+`), incrementally where the models are incremental.
# Seeds, snapshots of reference data and the models built from them alone are
# left as they are, and unit tests (which check formulas on fixed inputs, not
# data) are not run: the main job and `make test` run them. The landing sensor
# starts this job. The loader's registry (raw.load_files, raw.quarantine) is
# written with every load but is not an asset of raw_feeds, so what reads it
# (the data-quality dashboard's marts) is selected downstream of it too.
LOADER_REGISTRY = [AssetKey(["raw", "load_files"]), AssetKey(["raw", "quarantine"])]
daily_job = define_asset_job(
    DAILY_JOB_NAME,
    selection=(
        AssetSelection.assets(raw_feeds).downstream()
        | AssetSelection.assets(*LOADER_REGISTRY).downstream(include_self=False)
    )
    - BY_PERIOD,
    description="Load newly delivered files into raw, then rebuild what they feed (data tests included) and "
    "refresh the outbox with the newest periods.",
)
