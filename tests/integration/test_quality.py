"""Quality gates against a real PostgreSQL: a region spoiled with known defects, a stale feed, a quarantine reload.

The ground truth is the generator's defects.json: every expectation that
should fail fails with exactly the number of rows the generator spoiled in the
loaded files; every other raw expectation passes; a real Dagster run stops
before dbt. The clean side (no false alarms through the whole warehouse) is in
test_pipeline.py, which runs the main job on a clean region.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from datetime import date
from pathlib import Path

import psycopg
import pytest

from orchestration.generate import generate_region
from orchestration.quality.quarantine import reload, summary
from orchestration.quality.runner import run_suites
from orchestration.quality.store import quality_status
from orchestration.quality.suites import load_suites
from tests.warehouse import load_folder

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TABLE_OF = {"pos": "raw.pos_messages", "im": "raw.im_incidents", "regional": "raw.regional_appeals"}
CATEGORY_COLUMN = {
    "raw.pos_messages": "category",
    "raw.im_incidents": "topic_group",
    "raw.regional_appeals": "topic_group",
}


@pytest.fixture(scope="module")
def spoiled(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("spoiled")
    return generate_region("BRY", 2500, date(2025, 12, 1), 3, 5, out, defects=0.02, workers=1)


@pytest.fixture(scope="module")
def spoiled_db(module_database_url: str, spoiled):
    loads = load_folder(module_database_url, spoiled.out_dir)
    raw = [s for s in load_suites() if s.layer == "raw"]
    runs = run_suites(module_database_url, raw, loads="all", trigger="test")
    return module_database_url, loads, {run.suite.table: run for run in runs}


def _truth(region) -> tuple[dict[str, Counter], set[str]]:
    """Defects per raw table and kind in the files that were loaded, and the files rejected whole."""
    files = json.loads((region.out_dir / "defects.json").read_text(encoding="utf-8"))["files"]
    rejected = {path for path, entries in files.items() if any(e["kind"] == "missing_column" for e in entries)}
    counts: dict[str, Counter] = {t: Counter() for t in TABLE_OF.values()}
    for path, entries in files.items():
        table = TABLE_OF[path.split("/")[0]]
        if path in rejected:
            counts[table]["missing_column"] += 1
            continue
        counts[table].update(e["kind"] for e in entries)
    return counts, rejected


def _by_description(run, words: str):
    (found,) = [o for o in run.outcomes if words in o.description]
    return found


def test_each_defect_is_reported_by_its_expectation_with_its_count(spoiled, spoiled_db):
    _, _, runs = spoiled_db
    truth, rejected = _truth(spoiled)
    assert len(rejected) == 1
    for table, kinds in truth.items():
        run = runs[table]
        column = CATEGORY_COLUMN[table]
        (category,) = [o for o in run.outcomes if o.expectation == f"expect_column_values_to_be_in_set({column})"]
        assert category.unexpected_count == kinds["unknown_category"], table
        duplicates = _by_description(run, "appears twice in one export with different content")
        assert duplicates.unexpected_count == kinds["duplicate_id"], table
        quarantined = _by_description(run, "were quarantined by the loader")
        expected = kinds["bad_date"] + kinds["rating_out_of_range"] + kinds["truncated_row"]
        assert quarantined.unexpected_count == expected, table
        rejected_files = _by_description(run, "rejected whole")
        assert rejected_files.unexpected_count == kinds["missing_column"], table
        for outcome in (category, duplicates, quarantined, rejected_files):
            assert outcome.success == (outcome.unexpected_count == 0), (table, outcome.description)
            assert outcome.error is None
        # nothing else fails: no false alarm next to the real ones
        others = [o for o in run.outcomes if o not in (category, duplicates, quarantined, rejected_files)]
        assert [o.description for o in others if not o.success] == [], table
    assert runs["raw.pos_messages"].critical_failures  # the rejected file and the duplicates are critical


def test_failing_rows_are_named_by_ids_only(spoiled_db):
    url, _, runs = spoiled_db
    duplicates = _by_description(runs["raw.pos_messages"], "appears twice")
    assert duplicates.sample_keys and set(duplicates.sample_keys[0]) == {"_load_id", "_row_number", "pos_number"}
    with psycopg.connect(url) as conn:
        stored = conn.execute(
            "select sample_keys from quality.dq_latest where suite = 'raw.pos_messages' and expectation_index = %s",
            (duplicates.expectation_index,),
        ).fetchone()[0]
        assert stored == json.loads(json.dumps(duplicates.sample_keys))
        status = quality_status(conn, ["raw.pos_messages"])
    assert not status.clean and status.critical_failures


def test_the_quarantine_summary_adds_up_to_the_ground_truth(spoiled, spoiled_db):
    url, _, _ = spoiled_db
    _, rejected = _truth(spoiled)
    with psycopg.connect(url) as conn:
        rows = summary(conn)
    by_file = Counter()
    for row in rows:
        by_file[row.file_name] += row.rows
    files = json.loads((spoiled.out_dir / "defects.json").read_text(encoding="utf-8"))["files"]
    manifest = {f.path.name: f.rows for f in spoiled.files}
    for path, entries in files.items():
        name = Path(path).name
        if path in rejected:
            assert by_file[name] == manifest[name]  # the whole file
        else:
            kinds = Counter(e["kind"] for e in entries)
            assert by_file[name] == kinds["bad_date"] + kinds["rating_out_of_range"] + kinds["truncated_row"], name
    assert {r.reason for r in rows if r.file_status == "rejected"} == {
        "the file has no required column «Дата поступления»; the whole file is rejected"
    }


def test_a_corrected_file_reloads_only_its_quarantined_rows(spoiled, spoiled_db, tmp_path):
    url, _, _ = spoiled_db
    files = json.loads((spoiled.out_dir / "defects.json").read_text(encoding="utf-8"))["files"]
    fixable = {"bad_date", "rating_out_of_range"}
    path, entries = next(
        (p, es)
        for p, es in sorted(files.items())
        if p.startswith("pos/")
        and p.endswith(".csv")
        and es
        and {e["kind"] for e in es} <= fixable | {"duplicate_id"}
        and any(e["kind"] in fixable for e in es)
    )
    source = spoiled.out_dir / path
    with source.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    header = table[0]
    for e in entries:
        if e["kind"] in fixable:
            column = header.index(e["field"])
            table[e["row"]][column] = "4" if e["kind"] == "rating_out_of_range" else "15.01.2026"
    corrected = tmp_path / source.name
    with corrected.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", lineterminator="\r\n").writerows(table)
    wanted = sorted(e["row"] for e in entries if e["kind"] in fixable)
    with psycopg.connect(url) as conn:
        done = reload(conn, corrected)
        assert (done.requested, done.resolved) == (len(wanted), len(wanted))
        assert (done.result.rows_read, done.result.rows_loaded, done.result.rows_quarantined) == (
            len(wanted),
            len(wanted),
            0,
        )
        rows = conn.execute(
            "select _row_number from raw.pos_messages where _load_id = %s order by 1", (done.result.load_id,)
        ).fetchall()
        assert [r[0] for r in rows] == wanted  # the original row numbers, nothing else
        assert [r for r in summary(conn, source.name, open_only=True)] == []


def test_tsur_check_prints_what_failed_where_and_exits_1(spoiled_db, monkeypatch, tmp_path):
    from typer.testing import CliRunner

    from orchestration.cli import app

    monkeypatch.setenv("TSUR_HOME", str(tmp_path))  # TSUR_DATABASE_URL is the module's database
    tables = ["--table", "raw.pos_messages", "--table", "raw.block_staff"]
    result = CliRunner().invoke(app, ["check", *tables], env={"COLUMNS": "200"})
    assert result.exit_code == 1, result.output
    assert "critical" in result.output and "raw.pos_messages" in result.output
    assert "appears twice in one export" in result.output
    assert "2 suites" in result.output
    assert (tmp_path / "quality" / "data_docs" / "index.html").exists()
    clean = CliRunner().invoke(app, ["check", "--table", "raw.block_staff", "--no-docs"], env={"COLUMNS": "200"})
    assert clean.exit_code == 0, clean.output
    assert "0 critical failed, 0 warnings" in clean.output


def test_a_critical_failure_blocks_dbt_until_the_load_is_fixed_or_accepted(
    spoiled, pg_admin_url, monkeypatch, tmp_path
):
    from orchestration.pipeline import run_main_job
    from orchestration.quality.store import accept_load
    from tests.conftest import fresh_database

    with fresh_database(pg_admin_url) as url:
        monkeypatch.setenv("TSUR_DATABASE_URL", url)
        monkeypatch.setenv("TSUR_HOME", str(tmp_path / "home"))
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
        first = run_main_job([spoiled.out_dir])
        assert not first.success
        assert {"raw/pos_messages", "raw/im_incidents"} <= set(first.quality_critical)
        assert [a for a in first.assets_materialised if not a.startswith("raw/")] == []  # no model was built
        with psycopg.connect(url) as conn:
            built = conn.execute("select count(*) from information_schema.tables where table_schema = 'marts'")
            assert built.fetchone()[0] == 0
            assert not quality_status(conn).clean
            failed = [
                load_id
                for (load_id,) in conn.execute(
                    "select load_id from quality.dq_checked_loads where critical_failed order by 1"
                )
            ]
        assert failed

        # Nothing new arrived: the failed loads are judged again and still block.
        second = run_main_job([spoiled.out_dir])
        assert not second.success and second.files.get("files_loaded", 0) == 0
        assert set(second.quality_critical) == set(first.quality_critical)
        assert [a for a in second.assets_materialised if not a.startswith("raw/")] == []

        # After review, the loads are accepted: the raw gates pass and dbt builds the warehouse.
        with psycopg.connect(url) as conn:
            for load_id in failed:
                accept_load(conn, load_id, "reviewed in the test: duplicates and a rejected file are known")
        third = run_main_job([spoiled.out_dir])
        assert not [key for key in third.quality_critical if key.startswith("raw/")]
        assert "marts/agg_appeals_daily" in third.assets_materialised
        with psycopg.connect(url) as conn:
            again = conn.execute(
                "select count(*) from quality.dq_results where run_id = %s and load_ids && %s::bigint[]",
                (third.run_id, failed),
            ).fetchone()[0]
        assert again == 0  # accepted loads are not judged again


def test_a_feed_that_stopped_arriving_is_reported_stale(pg_admin_url, tmp_path):
    from tests.conftest import fresh_database

    region = generate_region("BRY", 800, date(2026, 1, 1), 2, 9, tmp_path / "files", workers=1)
    im_files = sorted((region.out_dir / "im").iterdir())
    for late in im_files[-3:]:  # IM's last three weekly exports never arrived
        late.unlink()
    raw = [s for s in load_suites() if s.table in ("raw.im_incidents", "raw.pos_messages")]
    with fresh_database(pg_admin_url) as url:
        load_folder(url, region.out_dir)
        runs = {run.suite.table: run for run in run_suites(url, raw, loads="all", trigger="test")}
    stale = _by_description(runs["raw.im_incidents"], "freshness")
    assert not stale.success and stale.severity == "warning" and stale.unexpected_count == 1
    assert stale.sample_keys[0]["feed"] == "im"
    assert date.fromisoformat(stale.sample_keys[0]["newest_export"]) < date.fromisoformat(
        stale.sample_keys[0]["warehouse_as_of"]
    )
    assert _by_description(runs["raw.pos_messages"], "freshness").success
    assert [o.description for r in runs.values() for o in r.outcomes if not o.success] == [stale.description]
