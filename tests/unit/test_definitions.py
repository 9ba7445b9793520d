"""The Dagster code location loads, and its pieces fit together: raw assets feed dbt's sources."""

from __future__ import annotations

import pytest
from dagster import AssetKey, Definitions

from orchestration.ingest.targets import TARGETS


@pytest.fixture(scope="module")
def defs() -> Definitions:
    from orchestration.definitions import defs

    Definitions.validate_loadable(defs)
    return defs


def test_the_main_job_and_the_landing_sensor_are_defined(defs):
    job = defs.resolve_job_def("tsur_main")
    assert job.name == "tsur_main"
    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    assert sensor.job_name == "tsur_main"


def test_raw_assets_are_the_dbt_sources(defs):
    graph = defs.resolve_asset_graph()
    raw_keys = {AssetKey(["raw", name]) for name in TARGETS}
    assert raw_keys <= graph.get_all_asset_keys()
    # every raw table is read by the staging model of its feed: no source is left dangling
    for key in raw_keys:
        children = graph.get(key).child_keys
        assert any(child.path[0] == "staging" for child in children), f"{key} feeds no staging model"


def test_dbt_models_and_tests_are_assets_and_checks(defs):
    graph = defs.resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert AssetKey(["marts", "agg_appeals_daily"]) in keys
    assert AssetKey(["intermediate", "int_appeals__unioned"]) in keys
    assert AssetKey(["reference", "sla_rules"]) in keys
    # the mart is downstream of every appeal feed
    ancestors, todo = set(), [AssetKey(["marts", "agg_appeals_daily"])]
    while todo:
        parents = graph.get(todo.pop()).parent_keys - ancestors
        ancestors |= parents
        todo.extend(parents)
    assert {AssetKey(["raw", t]) for t in ("pos_messages", "im_incidents", "regional_appeals")} <= ancestors
    checks = {check.name for check in graph.asset_check_keys}
    assert any(name.startswith("unique_") for name in checks)
