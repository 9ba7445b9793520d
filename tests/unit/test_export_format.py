"""Export periods and file formats, without a database."""

from __future__ import annotations

import io
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from orchestration.exports.periods import PeriodError, containing, from_partition_key, parse_period
from orchestration.exports.tables import APPEALS, TABLES, Column, Table, tables_for
from orchestration.exports.writers import BOM, cell_text, csv_bytes, normalise_zip, read_csv, xlsx_bytes


@pytest.mark.parametrize(
    ("text", "kind", "start", "end"),
    [
        ("2026-W43", "weekly", date(2026, 10, 19), date(2026, 10, 25)),
        ("2026-w01", "weekly", date(2025, 12, 29), date(2026, 1, 4)),
        ("2026-W53", "weekly", date(2026, 12, 28), date(2027, 1, 3)),
        ("2026-10", "monthly", date(2026, 10, 1), date(2026, 10, 31)),
        ("2024-02", "monthly", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-Q3", "quarterly", date(2026, 7, 1), date(2026, 9, 30)),
        ("2026-Q4", "quarterly", date(2026, 10, 1), date(2026, 12, 31)),
    ],
)
def test_periods_are_spelled_as_people_say_them(text, kind, start, end):
    period = parse_period(text)
    assert (period.kind, period.start, period.end) == (kind, start, end)
    assert period.label == text.upper()
    assert parse_period(period.label, kind) == period
    assert from_partition_key(kind, start.isoformat()) == period


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2026-W54", None, "2026 has no ISO week 54"),
        ("2026-13", None, "month must be 01–12"),
        ("October", None, "expected a week 2026-W43, a month 2026-10 or a quarter 2026-Q3"),
        ("2026-10", "weekly", "is monthly, not weekly"),
        ("2026-10", "yearly", "kind 'yearly'"),
    ],
)
def test_a_wrong_period_says_what_was_expected(text, kind, message):
    with pytest.raises(PeriodError, match=message):
        parse_period(text, kind)


def test_previous_periods_and_russian_titles():
    assert parse_period("2026-W01").previous().label == "2025-W52"
    assert parse_period("2026-01").previous().label == "2025-12"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert containing("weekly", date(2026, 10, 25)).label == "2026-W43"
    assert parse_period("2026-10").title_ru == "октябрь 2026"
    assert parse_period("2026-Q3").title_ru == "3 квартал 2026"
    with pytest.raises(PeriodError, match="not the first day"):
        from_partition_key("monthly", "2026-10-02")


def test_cells_are_written_the_way_russian_excel_reads_them():
    share = Column("s", "Доля, %", "percent", 2)
    assert cell_text(0.928240740, share) == "92,82"
    assert cell_text(0.00005, share) == "0,01"  # half up, not banker's rounding
    assert cell_text(None, share) == ""
    assert cell_text(14.25, Column("h", "ч", "decimal", 1)) == "14,3"
    assert cell_text(Decimal("3"), Column("n", "n", "int")) == "3"
    assert cell_text(True, Column("b", "b", "bool")) == "Да"
    assert cell_text(date(2027, 1, 4), Column("d", "d", "date")) == "04.01.2027"


def test_csv_has_a_bom_semicolons_crlf_and_quotes_where_needed():
    table = Table("t", "Лист", "t", ("k",), (Column("k", "Код", "text"), Column("n", "Число", "decimal", 1)), "")
    data = csv_bytes(table, [("a;b", 1.25), ('say "hi"', None)])
    assert data.startswith(BOM.encode()) and b"\r\n" in data and b"\n\n" not in data
    assert data.decode("utf-8") == BOM + 'Код;Число\r\n"a;b";1,3\r\n"say ""hi""";\r\n'
    assert read_csv(data) == [["Код", "Число"], ["a;b", "1,3"], ['say "hi"', ""]]


def test_xlsx_is_the_same_bytes_whenever_it_is_written():
    as_of = datetime(2027, 1, 4, 0, 0)
    rows = [("region", "BRY", "Брянская область", *(1,) * (len(APPEALS.columns) - 3))]
    first = xlsx_bytes([(APPEALS, rows)], title="t", as_of=as_of)
    time.sleep(2.1)  # zip timestamps have a two-second resolution
    second = xlsx_bytes([(APPEALS, rows)], title="t", as_of=as_of)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2027, 1, 4, 0, 0, 0)}
    workbook = load_workbook(io.BytesIO(first))
    assert workbook.properties.created == as_of
    assert [c.value for c in workbook[APPEALS.sheet][1]] == APPEALS.header()


def test_normalise_zip_keeps_the_members_and_fixes_their_times():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "one")
        archive.writestr("b/c.txt", "two")
    fixed = normalise_zip(buffer.getvalue(), date(2026, 10, 31))
    with zipfile.ZipFile(io.BytesIO(fixed)) as archive:
        assert archive.read("a.txt") == b"one" and archive.read("b/c.txt") == b"two"
        assert {i.date_time for i in archive.infolist()} == {(2026, 10, 31, 0, 0, 0)}


def test_every_table_is_well_formed():
    for table in TABLES:
        keys = [c.key for c in table.columns]
        assert len(set(keys)) == len(keys) and set(table.key) <= set(keys), table.name
        assert len({c.header for c in table.columns}) == len(keys), table.name
        assert len(table.sheet) <= 31, table.name
        assert all(c.kind in ("text", "int", "decimal", "percent", "date", "bool") for c in table.columns)
    assert [t.name for t in tables_for("weekly")] == ["appeals", "problem_categories", "roadmap", "indicators"]
    assert len(tables_for("monthly")) == len(TABLES)


def test_export_schedules_are_defined_per_region_in_its_time_zone(monkeypatch):
    from orchestration.exports.schedules import build_export_schedules

    monkeypatch.setenv("TSUR_EXPORT_REGIONS", "BRY,IRK")
    schedules = {s.name: s for s in build_export_schedules()}
    assert set(schedules) == {f"export_{k}_{r}" for k in ("weekly", "monthly", "quarterly") for r in ("bry", "irk")}
    assert schedules["export_weekly_irk"].execution_timezone == "Asia/Irkutsk"
    assert schedules["export_monthly_bry"].execution_timezone == "Europe/Moscow"
    monkeypatch.setenv("TSUR_EXPORT_REGIONS", "XXX")
    with pytest.raises(ValueError, match=r"'XXX' is not in seeds/reference/regions\.csv"):
        build_export_schedules()
