"""Jobs: what runs together."""

from __future__ import annotations

from collections.abc import Iterable

from dagster import AssetKey, AssetSelection, define_asset_job

from orchestration.ingest.assets import raw_feeds

MAIN_JOB_NAME = "tsur_main"
DAILY_JOB_NAME = "tsur_daily"
# The daily job's dbt build arguments and environment: unit tests check formulas on fixed inputs, not the data
# (the main job and the test suite run them), and the data tests of the big incremental tables read only the rows
# the run wrote (dbt_project/macros/test_scope.sql). An environment variable rather than a dbt var: a var changes
# the parse, so dbt would parse the whole project again on every daily run. bench/bench_build.py times exactly this.
# The file log at info, not debug: the debug log writes out every statement of every node (1.4 MB for a
# region-year's run; a region-year's daily run with no new file took 7.6 and 7.7 s with it, 7.2 and 7.2 s
# without it, 216 nodes); the compiled SQL of each node
# stays in the run's target folder, and the main job keeps the debug log.
DAILY_BUILD_ARGS = ["--exclude-resource-type", "unit_test", "--log-level-file", "info"]
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
# (dbt's `source:raw+`; the landing sensor narrows it to the raw tables its
# files go to, delivery_selection), incrementally where the models are
# incremental.
# Seeds, snapshots of reference data and the models built from them alone are
# left as they are, and unit tests (which check formulas on fixed inputs, not
# data) are not run: the main job and `make test` run them. The landing sensor
# starts this job. The loader's registry (raw.load_files, raw.quarantine) is
# written with every load but is not an asset of raw_feeds, so what reads it
# (the data-quality dashboard's marts) is selected downstream of it too.
LOADER_REGISTRY = [AssetKey(["raw", "load_files"]), AssetKey(["raw", "quarantine"])]


def delivery_selection(raw_tables: Iterable[str] | None = None) -> AssetSelection:
    """What a delivery of files to these raw tables (all of them when None) rebuilds: the tables, what they
    feed, and what reads the loader's registry (every load writes it), without the exports by period.

    The landing sensor runs the daily job on this subset for the raw tables its files go to
    (orchestration/ingest/sensors.py): a ПОС export does not rebuild the staging views of the roadmap, the
    staff or the indicators. dagster-dbt turns a subset into an explicit dbt selection, so the dbt part is
    `dbt build --select source:raw.<table>+ … source:raw.load_files+ source:raw.quarantine+`
    (bench/bench_build.py times that; tests/unit/test_definitions.py checks the two agree).
    """
    feeds = (
        AssetSelection.assets(raw_feeds)
        if raw_tables is None
        else AssetSelection.assets(*[AssetKey(["raw", name]) for name in sorted(raw_tables)])
    )
    return (feeds.downstream() | AssetSelection.assets(*LOADER_REGISTRY).downstream(include_self=False)) - BY_PERIOD


def delivery_dbt_select(raw_tables: Iterable[str]) -> list[str]:
    """The dbt selection of delivery_selection(raw_tables): what the daily job's dbt build runs for them."""
    sources = sorted(set(raw_tables) | {key.path[-1] for key in LOADER_REGISTRY})
    return ["--select", *[f"source:raw.{name}+" for name in sources]]


daily_job = define_asset_job(
    DAILY_JOB_NAME,
    selection=delivery_selection(),
    description="Load newly delivered files into raw, then rebuild what they feed (data tests included) and "
    "refresh the outbox with the newest periods.",
)
