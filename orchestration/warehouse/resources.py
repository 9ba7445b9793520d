"""The dbt CLI as a Dagster resource, and the environment its profile reads."""

from __future__ import annotations

from dagster_dbt import DbtCliResource

from orchestration.warehouse.project import dbt_env, dbt_executable, tsur_dbt_project

__all__ = ["dbt_env", "dbt_resource"]


def dbt_resource() -> DbtCliResource:
    """The dbt CLI for tsur's project.

    Which database it builds comes from the warehouse resource at run time
    (the asset puts :func:`dbt_env` of its URL into the environment), so that
    tsur's settings stay the one place that decides local vs production.
    """
    return DbtCliResource(project_dir=tsur_dbt_project, dbt_executable=dbt_executable())
