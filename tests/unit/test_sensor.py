import os
import time

from dagster import RunRequest, SkipReason, build_sensor_context, define_asset_job

from orchestration.ingest.sensors import SETTLE_SECONDS, build_landing_sensor


def _sensor():
    return build_landing_sensor(define_asset_job("test_job"))


def _old(path):
    past = time.time() - SETTLE_SECONDS - 5
    os.utime(path, (past, past))
    return path


def test_new_files_start_one_run_and_are_not_picked_up_twice(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("TSUR_LANDING_DIR", str(landing))
    sensor = _sensor()
    assert isinstance(sensor(build_sensor_context()), SkipReason)

    first = landing / "pos_export_2026-01-12.csv"
    first.write_text("Номер\n1\n")
    _old(first)
    context = build_sensor_context()
    request = sensor(context)
    assert isinstance(request, RunRequest)
    assert request.run_config["ops"]["raw_feeds"]["config"]["paths"] == [str(first)]

    again = sensor(build_sensor_context(cursor=context.cursor))
    assert isinstance(again, SkipReason)


def test_a_file_still_being_copied_waits(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("TSUR_LANDING_DIR", str(landing))
    (landing / "im_export_2026-01-12.xlsx").write_bytes(b"partial")
    assert isinstance(_sensor()(build_sensor_context()), SkipReason)


def test_a_run_rebuilds_only_what_the_delivered_files_feed(tmp_path, monkeypatch):
    """A ПОС export starts the daily job on the subset its raw table feeds (orchestration.jobs.delivery_selection)."""
    from dagster import AssetKey

    from orchestration.definitions import defs

    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("TSUR_LANDING_DIR", str(landing))
    delivered = landing / "pos_export_2026-01-12.csv"
    delivered.write_text("Номер\n1\n")
    _old(delivered)
    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    request = sensor(build_sensor_context(definitions=defs))
    assert isinstance(request, RunRequest)
    selected = set(request.asset_selection)
    assert {AssetKey(["raw", "pos_messages"]), AssetKey(["staging", "stg_pos__messages"])} <= selected
    assert AssetKey(["marts", "fct_appeals"]) in selected
    # feeds that delivered nothing are not loaded, and what only they feed is not rebuilt (the incremental
    # staging of the appeal feeds reads the loader's registry, which every load writes: it is rebuilt, and
    # takes nothing new)
    assert AssetKey(["raw", "im_incidents"]) not in selected
    assert AssetKey(["staging", "stg_roadmap__events"]) not in selected
    assert AssetKey(["staging", "stg_staff__block_staff"]) not in selected
