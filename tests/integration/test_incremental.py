"""Incremental runs give the numbers a full refresh gives, and touch only what the new files touch.

A generated region is loaded up to two weeks before its end and built; then
the next week's ПОС and IM exports are loaded and the appeal chain and its
aggregates run incrementally, then the week after. After that, every column
of every row of marts.fct_appeals and of the incremental aggregates must
equal a full-refresh build of the same data (in the same database, so that
the snapshots' version keys are the same; _built_at, the moment a row was
written, aside), and open appeals must have moved to overdue as the as-of
advanced without a new version of their own.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import psycopg
import pytest

from orchestration.db.schema import bootstrap
from orchestration.generate import generate_region
from orchestration.ingest.loader import load_file, plan_files
from orchestration.ingest.mapping import load_mappings
from orchestration.jobs import DAILY_BUILD_ARGS, DAILY_BUILD_ENV
from tests.warehouse import run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REGION = dict(region_code="BRY", appeals=3000, start=date(2025, 11, 1), months=4, seed=7)
APPEAL_FEEDS = {"pos", "im"}
# the incremental aggregates, the models they read and the seeds and snapshots; their tests run on the
# session's built region
INCREMENTAL_MARTS = (
    "agg_appeals_daily",
    "agg_appeals_by_period",
    "agg_appeal_times_by_period",
    "agg_dashboard_appeals_daily",
    "fct_deadline_checks",
    "int_ratings__measures",
    "int_indicators__daily",
    "int_problem_categories__daily",
    "int_problem_categories__catch_all_daily",
    "agg_problem_categories",
    "agg_catch_all_breakdown",
)
SCHEMAS = {
    "int_ratings__measures": "intermediate",
    "int_indicators__daily": "intermediate",
    "int_problem_categories__daily": "intermediate",
    "int_problem_categories__catch_all_daily": "intermediate",
}
SELECTION = ("--select", *(f"+{m}" for m in INCREMENTAL_MARTS))
FIRST_BUILD = ("build", *SELECTION, "--resource-type", "model", "seed", "snapshot")
RUN = ("run", *SELECTION)


def _fct(url: str) -> dict[str, tuple]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute("select * from marts.fct_appeals order by appeal_key")
        names = [d.name for d in cursor.description]
        key = names.index("appeal_key")
        return {row[key]: row for row in cursor.fetchall()}, names


def _rows(url: str, table: str) -> list[tuple]:
    """The mart's rows without _built_at, in a canonical order."""
    with psycopg.connect(url) as conn:
        cursor = conn.execute(f"select * from {SCHEMAS.get(table, 'marts')}.{table}")
        keep = [i for i, d in enumerate(cursor.description) if d.name != "_built_at"]
        rows = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
    return sorted(rows, key=repr)


def _rows_written(target: Path, model: str) -> int:
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))["results"]
    found = [r for r in results if r["unique_id"] == f"model.tsur.{model}"]
    assert found, f"{model} did not run"
    return found[0]["adapter_response"]["rows_affected"]


@pytest.fixture(scope="module")
def weeks(module_database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """The region's files in three deliveries: all but the last two weekly ПОС/IM exports, then one week each."""
    out = tmp_path_factory.mktemp("incremental")
    files = generate_region(out_dir=out / "files", **REGION)
    planned, _ = plan_files([files.out_dir], load_mappings())
    export_days = sorted({m.exported_at(p) for p, m in planned if m.feed in APPEAL_FEEDS})
    last, before_last = export_days[-1], export_days[-2]
    deliveries: list[list] = [[], [], []]
    for path, mapping in planned:
        exported = mapping.exported_at(path)
        if mapping.feed in APPEAL_FEEDS and exported == last:
            deliveries[2].append((path, mapping))
        elif mapping.feed in APPEAL_FEEDS and exported == before_last:
            deliveries[1].append((path, mapping))
        else:
            deliveries[0].append((path, mapping))
    assert all(deliveries), "every delivery must bring files"
    return module_database_url, deliveries, out


def _load(url: str, delivery: list) -> None:
    with psycopg.connect(url) as conn:
        bootstrap(conn)
        for path, mapping in delivery:
            load_file(conn, path, mapping)


def test_incremental_runs_equal_a_full_refresh(weeks):
    url, deliveries, out = weeks
    target = out / "target"  # one target folder: dbt parses the project once
    _load(url, deliveries[0])
    run_dbt(url, *FIRST_BUILD, target_path=target)
    before, names = _fct(url)

    for delivery in deliveries[1:]:
        _load(url, delivery)
        run_dbt(url, *RUN, target_path=target)
    incremental, _ = _fct(url)
    # the last run wrote only the appeals the week touched, the related ones and the open ones
    written = _rows_written(target, "fct_appeals")
    assert 0 < written < len(incremental) / 2, (written, len(incremental))
    assert len(incremental) > len(before)

    aggregates = {table: _rows(url, table) for table in INCREMENTAL_MARTS}
    # the daily cells rewritten are those whose values the week changed, not the whole table
    cells_written = _rows_written(target, "agg_appeals_daily")
    assert 0 < cells_written < len(aggregates["agg_appeals_daily"]) / 2, cells_written
    # the periods computed again are those holding a changed day, not all of them
    for table in ("agg_appeal_times_by_period", "agg_appeals_by_period", "agg_dashboard_appeals_daily"):
        rows_written = _rows_written(target, table)
        assert 0 < rows_written < len(aggregates[table]), (table, rows_written, len(aggregates[table]))

    run_dbt(url, *RUN, "--full-refresh", target_path=target)
    for table, rows in aggregates.items():
        refreshed = _rows(url, table)
        assert len(rows) == len(refreshed), (table, len(rows), len(refreshed))
        differing = [(a, b) for a, b in zip(rows, refreshed, strict=True) if a != b]
        assert not differing, f"{table}: {len(differing)} rows differ, e.g. {differing[:3]}"
    full, full_names = _fct(url)
    assert full_names == names
    assert incremental.keys() == full.keys()
    differences = [
        (key, name, incremental[key][i], full[key][i])
        for key in full
        for i, name in enumerate(names)
        if name != "_built_at" and incremental[key][i] != full[key][i]
    ]
    assert not differences, f"{len(differences)} differences, e.g. {differences[:10]}"

    # open appeals with no new version still move to overdue as the as-of advances
    moved = [
        key
        for key, row in before.items()
        if not row[names.index("is_overdue_open")]
        and not row[names.index("is_answered")]
        and full[key][names.index("is_overdue_open")]
        and full[key][names.index("_load_id")] == row[names.index("_load_id")]
    ]
    assert moved, "no open appeal became overdue by the as-of alone"
    as_of = names.index("as_of_at")
    assert all(full[key][as_of] > before[key][as_of] for key in moved)

    # and an incremental run after the full refresh, with no new files, changes nothing
    run_dbt(url, "run", "--select", "fct_appeals", *INCREMENTAL_MARTS, target_path=target)
    again, _ = _fct(url)
    built_at = names.index("_built_at")
    assert {k: v[:built_at] + v[built_at + 1 :] for k, v in again.items()} == {
        k: v[:built_at] + v[built_at + 1 :] for k, v in full.items()
    }
    for table in INCREMENTAL_MARTS:
        assert _rows(url, table) == aggregates[table], table

    # a full refresh of agg_appeals_daily alone makes its readers compute everything again (no row twice),
    # and so does a reader that lost its mark
    run_dbt(url, "run", "--select", "agg_appeals_daily", "--full-refresh", target_path=target)
    with psycopg.connect(url) as conn:
        conn.execute("delete from intermediate.aggregate_marks where model_name = 'fct_deadline_checks'")
    run_dbt(url, "run", "--select", *INCREMENTAL_MARTS[1:], target_path=target)
    for table in INCREMENTAL_MARTS:
        assert _rows(url, table) == aggregates[table], table


def test_an_agency_edit_opens_a_version_and_rewrites_no_history(weeks):
    """Renaming an agency in the seed (after the builds above): dim_agency gets a second version,
    the old one keeps the old name, and the appeals received before keep pointing at it."""
    url, _, out = weeks
    with psycopg.connect(url) as conn:
        (agency_id,) = conn.execute(
            "select agency_id from marts.fct_appeals where agency_id is not null "
            "group by 1 order by count(*) desc limit 1"
        ).fetchone()
        (old_name,) = conn.execute(
            "select agency_name from reference.agencies where agency_id = %s", (agency_id,)
        ).fetchone()
        before = dict(
            conn.execute(
                "select appeal_key, agency_version_key from marts.fct_appeals where agency_id = %s", (agency_id,)
            )
        )
        conn.execute(
            "update reference.agencies set agency_name = agency_name || ' (переименовано)' where agency_id = %s",
            (agency_id,),
        )
    run_dbt(
        url, "build", "--select", "snap_agencies", "dim_agency", "fct_appeals", "--resource-type", "snapshot", "model",
        target_path=out / "target",
    )  # fmt: skip
    with psycopg.connect(url) as conn:
        versions = conn.execute(
            "select version_number, agency_name, is_current_version, agency_version_key from marts.dim_agency "
            "where agency_id = %s order by version_number",
            (agency_id,),
        ).fetchall()
        after = dict(
            conn.execute(
                "select appeal_key, agency_version_key from marts.fct_appeals where agency_id = %s", (agency_id,)
            )
        )
    assert [v[:3] for v in versions] == [(1, old_name, False), (2, f"{old_name} (переименовано)", True)]
    assert after == before and set(after.values()) == {versions[0][3]}


def test_the_daily_job_tests_the_rows_its_run_wrote(weeks):
    """With the daily job's arguments, a data test of fct_appeals reads the rows the build wrote: a bad
    value in a row written by an earlier run is not read again (the run that wrote it tested it); the same
    build without the scope reads the whole table and fails on it."""
    url, _, out = weeks
    with psycopg.connect(url) as conn:
        key, version_before = conn.execute(
            "select appeal_key, agency_version_key from marts.fct_appeals"
            " where is_answered and agency_id is not null order by appeal_key limit 1"
        ).fetchone()
        conn.execute("update marts.fct_appeals set agency_version_key = null where appeal_key = %s", (key,))
    try:
        build = (
            "build",
            "--select",
            "fct_appeals",
            "--indirect-selection",
            "cautious",
            "--resource-type",
            "model",
            "test",
        )
        scoped = run_dbt(url, *build, *DAILY_BUILD_ARGS, target_path=out / "target", env=DAILY_BUILD_ENV)
        with psycopg.connect(url) as conn:
            stamps = conn.execute(
                "select _built_at, count(*) from marts.fct_appeals group by 1 order by 1 desc"
            ).fetchall()
            (bad_stamp,) = conn.execute(
                "select _built_at from marts.fct_appeals where appeal_key = %s", (key,)
            ).fetchone()
        # the build rewrote the open appeals and tested them; the answered one kept its older stamp
        assert stamps[0][1] > 0 and bad_stamp < stamps[0][0]
        results = json.loads((out / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
        versions = [r for r in results if "not_null_fct_appeals_agency_version_key" in r["unique_id"]]
        assert versions and versions[0]["status"] == "pass", scoped.stdout[-3000:]
        assert "_built_at = '" in versions[0]["compiled_code"]

        unscoped = run_dbt(url, *build, target_path=out / "target", check=False)
        assert unscoped.returncode != 0 and "not_null_fct_appeals_agency_version_key" in unscoped.stdout
    finally:
        with psycopg.connect(url) as conn:
            conn.execute(
                "update marts.fct_appeals set agency_version_key = %s where appeal_key = %s", (version_before, key)
            )
