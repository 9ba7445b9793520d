"""The marts made for the dashboards equal what they are derived from, and carry no personal data."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from orchestration.generate import generate_region
from orchestration.superset.bundle import _DAILY_COUNTS
from tests.warehouse import load_folder, run_dbt

pytestmark = [pytest.mark.integration, pytest.mark.slow]

KEY = "calendar_date, region_code, block_code, agency_id, municipality_oktmo, channel"


def _rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_the_dashboard_daily_counts_are_the_daily_counts_without_the_category(built_region):
    sums = ", ".join(f"sum({name})" for name in _DAILY_COUNTS)
    columns = ", ".join(_DAILY_COUNTS)
    difference = _rows(
        built_region.url,
        f"""
        (select {KEY}, {sums} from marts.agg_appeals_daily group by {KEY}
         except all
         select {KEY}, {columns} from marts.agg_dashboard_appeals_daily)
        union all
        (select {KEY}, {columns} from marts.agg_dashboard_appeals_daily
         except all
         select {KEY}, {sums} from marts.agg_appeals_daily group by {KEY})
        """,
    )
    assert difference == []
    total = _rows(built_region.url, "select sum(received_count) from marts.agg_dashboard_appeals_daily")[0][0]
    assert total == _rows(built_region.url, "select count(*) from marts.fct_appeals")[0][0]


def test_every_row_has_the_names_of_its_block_agency_municipality_and_channel(built_region):
    missing = _rows(
        built_region.url,
        """
        select count(*) from marts.agg_dashboard_appeals_daily
        where block_name is null or agency_name is null or municipality_name is null or channel_name is null
        """,
    )
    assert missing == [(0,)]
    named = _rows(
        built_region.url,
        """
        select count(*) from marts.agg_dashboard_appeals_daily as daily
        inner join marts.dim_municipality using (municipality_oktmo)
        where daily.municipality_name <> dim_municipality.municipality_name
        """,
    )
    assert named == [(0,)]


def test_the_overdue_pos_list_is_exactly_the_open_overdue_pos_messages(built_region):
    listed = _rows(built_region.url, "select pos_number, pos_link from marts.fct_overdue_pos_appeals")
    expected = _rows(
        built_region.url, "select source_id from marts.fct_appeals where source_kind = 'pos' and is_overdue_open"
    )
    assert sorted(number for number, _ in listed) == sorted(number for (number,) in expected)
    assert all(link == f"https://pos.gosuslugi.ru/backoffice/appeals/{number}" for number, link in listed)


def test_the_ingestion_marts_count_the_registry_and_leave_the_values_in_raw(database_url, tmp_path):
    """A region with spoiled rows: quarantine counted per load, field and reason; no value leaves raw."""
    files = generate_region("BRY", 400, date(2025, 11, 1), 1, 5, tmp_path / "files", defects=0.05)
    load_folder(database_url, files.out_dir)
    run_dbt(database_url, "build", "--select", "fct_load_files", "agg_quarantine_reasons", target_path=tmp_path / "t")
    assert _rows(database_url, "select count(*), sum(rows_read), sum(rows_quarantined) from marts.fct_load_files") == (
        _rows(database_url, "select count(*), sum(rows_read), sum(rows_quarantined) from raw.load_files")
    )
    counted = _rows(database_url, "select sum(row_count), count(distinct reason) from marts.agg_quarantine_reasons")
    assert counted[0][0] == _rows(database_url, "select count(*) from raw.quarantine")[0][0] > 0
    per_reason = _rows(
        database_url,
        """
        select load_id, field, reason, row_count from marts.agg_quarantine_reasons
        except all
        select load_id, coalesce(field, '(вся строка)'), reason, count(*) from raw.quarantine group by 1, 2, 3
        """,
    )
    assert per_reason == []
    values = {value for (value,) in _rows(database_url, "select value from raw.quarantine where value <> ''")}
    reasons = {reason for (reason,) in _rows(database_url, "select distinct reason from marts.agg_quarantine_reasons")}
    assert not any(value in reason for value in values for reason in reasons if len(value) > 3)
    columns = {
        name
        for (name,) in _rows(
            database_url,
            """
            select column_name from information_schema.columns
            where table_schema = 'marts' and table_name in ('fct_load_files', 'agg_quarantine_reasons')
            """,
        )
    }
    assert columns and not columns & {"value", "record", "file_path"}
