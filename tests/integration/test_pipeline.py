"""The main Dagster job end to end on a small generated region: files → raw → dbt build, twice.

The first run is the main job (`tsur demo`); the second is the daily job the
landing sensor starts, on the same files: it must change nothing, every file is
recognised as already loaded and the numbers stay the same.
The region is clean, so every quality gate passes with no warning in both
runs (a region with defects is stopped at the raw checks: test_quality.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import psycopg
import pytest

from orchestration.generate import generate_region
from orchestration.pipeline import RunOutcome, feed_totals, run_main_job
from orchestration.quality.store import quality_status
from orchestration.quality.suites import load_suites

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("region")
    return generate_region("PSK", 3000, date(2025, 12, 1), 3, 7, out)


@pytest.fixture(scope="module")
def runs(module_database_url: str, region) -> tuple[RunOutcome, list[tuple], RunOutcome, list[tuple]]:
    first = run_main_job([region.out_dir])
    totals_first = feed_totals()
    second = run_main_job([region.out_dir], job_name="tsur_daily")
    return first, totals_first, second, feed_totals()


def _file_rows(region) -> dict[str, int]:
    rows: dict[str, int] = {}
    for record in region.files:
        rows[record.feed] = rows.get(record.feed, 0) + record.rows
    return rows


def test_the_first_run_loads_every_file_and_builds_the_marts(runs, region, module_database_url):
    first, _, _, _ = runs
    assert first.success, first.failed_checks
    data_files = [f for f in region.files if Path(f.path).suffix in {".csv", ".xlsx"}]
    assert first.files["files_loaded"] + first.files["files_rejected"] == len(data_files)
    assert first.files["files_rejected"] == 0
    assert "marts/agg_appeals_daily" in first.assets_materialised
    assert first.checks_passed > 50 and first.checks_failed == 0
    with psycopg.connect(module_database_url) as conn:
        appeals = conn.execute("select count(*) from intermediate.int_appeals__unioned").fetchone()[0]
        volume = conn.execute("select sum(received_count) from marts.agg_appeals_daily").fetchone()[0]
    assert appeals == volume
    assert appeals > 0.9 * sum(region.appeals.values())


def test_the_clean_region_passes_every_quality_gate_with_no_false_alarm(runs, module_database_url):
    first, _, second, _ = runs
    suites = load_suites()
    assert first.quality_checks == len(suites)
    # the daily job checks what it rebuilds (the calendar, built from seeds alone, is not)
    rebuilt = [s for s in suites if "/".join(s.asset) in second.assets_materialised]
    assert second.quality_checks == len(rebuilt) and len(rebuilt) >= len(suites) - 1
    assert (first.quality_critical, first.quality_warnings) == ([], [])
    assert (second.quality_critical, second.quality_warnings) == ([], [])
    with psycopg.connect(module_database_url) as conn:
        status = quality_status(conn)
        failed = conn.execute("select suite, description from quality.dq_results where not success").fetchall()
        judged = conn.execute("select count(*) from quality.dq_checked_loads").fetchone()[0]
        loads = conn.execute("select count(*) from raw.load_files").fetchone()[0]
    assert failed == []
    assert status.clean and status.checked == sum(len(s.expectations) for s in suites)
    assert judged == loads  # each load judged once, by the first run


def test_every_row_in_the_files_is_loaded_or_quarantined(runs, region):
    _, totals, _, _ = runs
    expected = _file_rows(region)
    for feed, _files, _rejected, read, loaded, quarantined in totals:
        assert loaded + quarantined == read, feed
        assert read == expected[feed], feed


def test_the_second_run_changes_nothing(runs):
    first, totals_first, second, totals_second = runs
    assert second.success, second.failed_checks
    # the daily job rebuilt the marts and ran their data tests, not the reference seeds
    assert "marts/fct_appeals" in second.assets_materialised
    assert not any(asset.startswith("reference/") for asset in second.assets_materialised)
    assert second.checks_passed > 50 and second.checks_failed == 0
    assert second.files.get("files_loaded", 0) == 0
    assert second.files["files_skipped"] == first.files["files_loaded"] + first.files["files_rejected"]
    assert totals_second == totals_first
