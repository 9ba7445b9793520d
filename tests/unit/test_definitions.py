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


def _dbt_downstream_of(tables: list[str] | None) -> set[AssetKey]:
    """The models dbt selects with `--select source:raw.<table>+ …` (every raw source when None), as asset keys."""
    import json

    from orchestration.warehouse.project import tsur_dbt_project

    manifest = json.loads(tsur_dbt_project.manifest_path.read_text())
    nodes = {**manifest["nodes"], **manifest["sources"]}
    todo = [
        uid
        for uid, node in manifest["sources"].items()
        if node["source_name"] == "raw" and (tables is None or node["name"] in tables)
    ]
    expected = set()
    while todo:
        for child in manifest["child_map"][todo.pop()]:
            if child in nodes and child not in expected and nodes[child]["resource_type"] in {"model", "snapshot"}:
                expected.add(child)
                todo.append(child)
    return {AssetKey([nodes[uid]["schema"], nodes[uid]["name"]]) for uid in expected}


def _dbt_part(graph, selected: set[AssetKey]) -> set[AssetKey]:
    from dagster import AssetSelection

    dbt_selected = selected - AssetSelection.assets(*[AssetKey(["raw", t]) for t in TARGETS]).resolve(graph)
    # after the build, the export step refreshes the outbox (orchestration/exports/)
    assert AssetKey(["exports", "federal_export_latest"]) in dbt_selected
    return dbt_selected - AssetSelection.groups("exports").resolve(graph)


def test_the_daily_job_builds_exactly_what_dbt_selects_downstream_of_raw(defs):
    """The daily job's dbt part is `dbt build --select source:raw+`."""
    from orchestration.jobs import daily_job

    graph = defs.resolve_asset_graph()
    dbt_selected = _dbt_part(graph, daily_job.selection.resolve(graph))
    assert dbt_selected == _dbt_downstream_of(None)
    # the marts are rebuilt, the reference seeds and the dimensions built from them alone are not
    assert AssetKey(["marts", "fct_appeals"]) in dbt_selected
    assert AssetKey(["reference", "sla_rules"]) not in dbt_selected
    assert AssetKey(["marts", "dim_calendar"]) not in dbt_selected


def test_a_delivery_rebuilds_exactly_what_dbt_selects_downstream_of_its_raw_tables(defs):
    """A delivery's run (the landing sensor's subset) is `dbt build --select source:raw.<table>+ …` with the
    loader's registry: delivery_dbt_select, what bench/bench_build.py times for the held-back exports."""
    from orchestration.jobs import delivery_dbt_select, delivery_selection

    graph = defs.resolve_asset_graph()
    tables = ["pos_messages", "im_incidents"]
    dbt_selected = _dbt_part(graph, delivery_selection(tables).resolve(graph))
    select = delivery_dbt_select(tables)
    assert select[0] == "--select"
    assert dbt_selected == _dbt_downstream_of([s.removeprefix("source:raw.").removesuffix("+") for s in select[1:]])
    # the appeal chain is rebuilt; what only feeds that delivered nothing feed is not
    assert AssetKey(["marts", "fct_appeals"]) in dbt_selected
    assert AssetKey(["staging", "stg_roadmap__events"]) not in dbt_selected
    assert AssetKey(["staging", "stg_indicators__targets"]) not in dbt_selected
    # what reads the loader's registry is rebuilt by any delivery
    assert AssetKey(["marts", "fct_load_files"]) in dbt_selected


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
