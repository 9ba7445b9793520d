"""The dbt project's seeds, models and tests as Dagster assets and asset checks.

Source keys are dagster-dbt's default ``[source_name, table]``, i.e.
``["raw", <table>]``: exactly the keys of the ingest assets, so staging hangs
off them with no translator. Models and seeds are keyed by their schema
(``["staging", "stg_pos__messages"]``, ``["marts", "agg_appeals_daily"]``,
``["reference", "regions"]``) and grouped by layer (dbt_project.yml).
"""

import os

from dagster import AssetExecutionContext
from dagster_dbt import DbtCliResource, dbt_assets

from orchestration.db.resources import WarehouseResource
from orchestration.jobs import DAILY_BUILD_ARGS, DAILY_BUILD_ENV, DAILY_JOB_NAME
from orchestration.warehouse.project import tsur_dbt_project
from orchestration.warehouse.resources import dbt_env


@dbt_assets(manifest=tsur_dbt_project.manifest_path, project=tsur_dbt_project, name="tsur_dbt_assets")
def tsur_dbt_assets(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """``dbt build``: seeds, models and their tests in dependency order; a failing test stops what depends on it."""
    # dagster-dbt hands the dbt subprocess this process's environment and has
    # no other way in, so the warehouse's address is put there.
    os.environ.update(dbt_env(warehouse.url()))
    args = ["build"]
    for name in DAILY_BUILD_ENV:
        os.environ.pop(name, None)
    if context.run.job_name == DAILY_JOB_NAME:
        args += DAILY_BUILD_ARGS
        os.environ.update(DAILY_BUILD_ENV)
    yield from dbt.cli(args, context=context).stream()
