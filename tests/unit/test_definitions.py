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


def test_the_jobs_and_the_landing_sensor_are_defined(defs):
    assert defs.resolve_job_def("tsur_main").name == "tsur_main"
    assert defs.resolve_job_def("tsur_daily").name == "tsur_daily"
    # a delivery of files rebuilds what it feeds, not the reference data
    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    assert sensor.job_name == "tsur_daily"


def test_the_daily_job_builds_exactly_what_dbt_selects_downstream_of_raw(defs):
    """The daily job's dbt part is `dbt build --select source:raw+` (what bench/bench_build.py times)."""
    import json

    from dagster import AssetSelection

    from orchestration.jobs import daily_job
    from orchestration.warehouse.project import tsur_dbt_project

    graph = defs.resolve_asset_graph()
    selected = daily_job.selection.resolve(graph)
    manifest = json.loads(tsur_dbt_project.manifest_path.read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}
    expected, todo = set(), [uid for uid, node in manifest["sources"].items() if node["source_name"] == "raw"]
    while todo:
        for child in manifest["child_map"][todo.pop()]:
            if child in nodes and child not in expected and nodes[child]["resource_type"] in {"model", "snapshot"}:
                expected.add(child)
                todo.append(child)
    expected_keys = {AssetKey([nodes[uid]["schema"], nodes[uid]["name"]]) for uid in expected}
    dbt_selected = selected - AssetSelection.assets(*[AssetKey(["raw", t]) for t in TARGETS]).resolve(graph)
    assert dbt_selected == expected_keys
    # the marts are rebuilt, the reference seeds and the dimensions built from them alone are not
    assert AssetKey(["marts", "fct_appeals"]) in dbt_selected
    assert AssetKey(["reference", "sla_rules"]) not in dbt_selected
    assert AssetKey(["marts", "dim_calendar"]) not in dbt_selected


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
