"""The Dagster code location: assembles the domains, defines nothing itself."""

from dagster import Definitions

from orchestration.db.resources import WarehouseResource
from orchestration.ingest.assets import raw_feeds
from orchestration.ingest.sensors import build_landing_sensor
from orchestration.jobs import daily_job, main_job
from orchestration.quality.checks import build_quality_checks
from orchestration.warehouse.assets import tsur_dbt_assets
from orchestration.warehouse.resources import dbt_resource

defs = Definitions(
    assets=[raw_feeds, tsur_dbt_assets],
    asset_checks=build_quality_checks(),
    jobs=[main_job, daily_job],
    sensors=[build_landing_sensor(daily_job)],
    resources={"warehouse": WarehouseResource(), "dbt": dbt_resource()},
)
