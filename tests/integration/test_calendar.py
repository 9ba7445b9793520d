"""marts.dim_calendar and the working-time functions on a real PostgreSQL, on hand-computed cases.

dim_calendar is built from the seeds alone (`dbt build --select +dim_calendar`). The cases are
checked through the PostgreSQL functions (marts.working_seconds_between, add_working_days,
add_working_hours) and, all at once, through the dbt macros models use: both render the same SQL
(macros/calendar/), and the test proves they agree.

Office hours in every demo region: 09:00–18:00 local, lunch 13:00–14:00, so a day has 8 working
hours, a shortened eve 7 (closing at 17:00). Moments are written with their UTC offset: +03 is
Moscow (BRY), +08 Irkutsk (IRK).
"""

from __future__ import annotations

from datetime import datetime

import psycopg
import pytest

from tests.warehouse import run_dbt

pytestmark = [pytest.mark.integration]

# (id, function, region, start, argument, expected); argument is the end moment, days or hours.
CASES = [
    # 29.12.2025 + 7 working days: 30.12, then 31.12–11.01 off (transfer, New Year holidays,
    # 9 January transferred from 3 January, weekend), then 12, 13, 14, 15, 16, 19 January.
    ("7 working days over the New Year", "add_working_days", "BRY", "2025-12-29 10:00+03", 7, "2026-01-19 18:00+03"),
    ("the day's time does not matter", "add_working_days", "BRY", "2025-12-29 23:59+03", 1, "2025-12-30 18:00+03"),
    ("from a holiday", "add_working_days", "BRY", "2026-01-05 12:00+03", 1, "2026-01-12 18:00+03"),
    # Friday 31.10.2025 → Saturday 1 November is working (and shortened: closes at 17:00).
    ("a working Saturday counts", "add_working_days", "BRY", "2025-10-30 12:00+03", 2, "2025-11-01 17:00+03"),
    ("then 2–4 November are off", "add_working_days", "BRY", "2025-10-30 12:00+03", 3, "2025-11-05 18:00+03"),
    # The shipped override: Bryansk worked Saturday 22.04.2023 and rested on Tuesday 25.04 (Радоница).
    ("a regional working Saturday", "add_working_days", "BRY", "2023-04-21 12:00+03", 1, "2023-04-22 18:00+03"),
    ("a regional day off", "add_working_days", "BRY", "2023-04-21 12:00+03", 3, "2023-04-26 18:00+03"),
    ("not in another region", "add_working_days", "PSK", "2023-04-21 12:00+03", 2, "2023-04-25 18:00+03"),
    ("nor its Saturday", "add_working_days", "PSK", "2023-04-21 12:00+03", 1, "2023-04-24 18:00+03"),
    ("N < 1 has no deadline", "add_working_days", "BRY", "2025-10-30 12:00+03", 0, None),
    ("outside the calendar", "add_working_days", "BRY", "2033-06-01 12:00+03", 1, None),
    # An IM incident at 23:40 on Friday 16.01.2026: counting starts on Monday 19 January at 09:00.
    # 4 working hours: 09:00–13:00 → 13:00 (the end of the morning, not after lunch).
    ("IM high importance, Friday night", "add_working_hours", "BRY", "2026-01-16 23:40+03", 4, "2026-01-19 13:00+03"),
    # 9 working hours: Monday gives 8 (09–13, 14–18), the 9th is Tuesday 09:00–10:00.
    ("IM normal importance, Friday night", "add_working_hours", "BRY", "2026-01-16 23:40+03", 9, "2026-01-20 10:00+03"),
    ("a whole day ends at the close", "add_working_hours", "BRY", "2026-01-19 09:00+03", 8, "2026-01-19 18:00+03"),
    ("08:00 starts counting at 09:00", "add_working_hours", "BRY", "2026-01-19 08:00+03", 1, "2026-01-19 10:00+03"),
    ("lunch does not count", "add_working_hours", "BRY", "2026-01-19 12:30+03", 1, "2026-01-19 14:30+03"),
    ("from lunch, after lunch", "add_working_hours", "BRY", "2026-01-19 13:20+03", 0.5, "2026-01-19 14:30+03"),
    ("zero hours in office time", "add_working_hours", "BRY", "2026-01-19 10:15+03", 0, "2026-01-19 10:15+03"),
    # Shortened eve 11.06.2026 closes at 17:00; 12 June holiday, 13–14 weekend.
    ("over a shortened eve and a holiday", "add_working_hours", "BRY", "2026-06-11 16:00+03", 2, "2026-06-15 10:00+03"),
    # Irkutsk works in its own time: 23:40 Friday there is 18:40 in Moscow.
    ("Irkutsk, Friday night, 4 h", "add_working_hours", "IRK", "2026-01-16 23:40+08", 4, "2026-01-19 13:00+08"),
    # 09:00 in Moscow is 14:00 in Irkutsk, after lunch there.
    ("Irkutsk at 09:00 Moscow time", "add_working_hours", "IRK", "2026-01-19 09:00+03", 1, "2026-01-19 15:00+08"),
    ("Irkutsk, 7 working days", "add_working_days", "IRK", "2025-12-29 10:00+08", 7, "2026-01-19 18:00+08"),
    # Friday 17:00 → Monday 10:00: one hour each side of the weekend.
    ("across a weekend", "working_seconds_between", "BRY", "2026-01-16 17:00+03", "2026-01-19 10:00+03", 7200),
    # 30.12.2025 17:00 → 12.01.2026 10:00: one hour each side of 12 days off.
    ("across the New Year", "working_seconds_between", "BRY", "2025-12-30 17:00+03", "2026-01-12 10:00+03", 7200),
    ("lunch excluded", "working_seconds_between", "BRY", "2026-01-19 12:00+03", "2026-01-19 15:00+03", 7200),
    (
        "night to night is whole days",
        "working_seconds_between",
        "BRY",
        "2026-01-18 22:00+03",
        "2026-01-21 02:00+03",
        57600,
    ),
    (
        "a shortened day has 7 hours",
        "working_seconds_between",
        "BRY",
        "2026-06-11 00:00+03",
        "2026-06-12 00:00+03",
        25200,
    ),
    (
        "the same moments in Irkutsk",
        "working_seconds_between",
        "IRK",
        "2026-01-19 03:00+03",
        "2026-01-19 13:00+03",
        28800,
    ),
    ("and in Bryansk", "working_seconds_between", "BRY", "2026-01-19 03:00+03", "2026-01-19 13:00+03", 14400),
    ("end before start", "working_seconds_between", "BRY", "2026-01-19 15:00+03", "2026-01-19 10:00+03", 0),
    ("null end", "working_seconds_between", "BRY", "2026-01-19 15:00+03", None, None),
]
ARG_TYPES = {"add_working_days": "integer", "add_working_hours": "numeric", "working_seconds_between": "timestamptz"}


@pytest.fixture(scope="module")
def calendar_db(module_database_url: str, tmp_path_factory: pytest.TempPathFactory):
    target = tmp_path_factory.mktemp("dbt-calendar")
    run_dbt(
        module_database_url,
        "build",
        "--select",
        "+dim_calendar",
        "--indirect-selection",
        "cautious",
        target_path=target,
    )
    return module_database_url, target


def _query(conn: psycopg.Connection, sql: str, *params):
    return conn.execute(sql, params).fetchall()


def _expected(value):
    """A moment written as in CASES, as psycopg returns it; other values as they are."""
    return datetime.fromisoformat(value + ":00") if isinstance(value, str) else value


@pytest.mark.parametrize(
    ("case", "function", "region", "start", "argument", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_working_time_function(calendar_db, case, function, region, start, argument, expected):
    url, _ = calendar_db
    with psycopg.connect(url) as conn:
        [(got,)] = _query(
            conn,
            f"select marts.{function}(%s, %s::timestamptz, %s::{ARG_TYPES[function]})",
            region,
            start,
            argument,
        )
    assert got == _expected(expected)


def test_macros_render_the_same_answers_and_reference_dim_calendar(calendar_db):
    """The macros models call: one compiled query over every case, compared with the expectations."""
    url, target = calendar_db

    def literal(value, sql_type: str) -> str:
        return f"null::{sql_type}" if value is None else f"{sql_type} '{value}'"

    rows = ",\n".join(
        f"({i}, '{region}', timestamptz '{start}', "
        f"{literal(argument if function == 'working_seconds_between' else None, 'timestamptz')}, "
        f"{literal(None if function == 'working_seconds_between' else argument, 'numeric')})"
        for i, (_, function, region, start, argument, _) in enumerate(CASES)
    )
    inline = f"""
        select
            c.i,
            {{{{ add_working_days('c.region_code', 'c.start_at', 'c.n') }}}} as add_working_days,
            {{{{ add_working_hours('c.region_code', 'c.start_at', 'c.n') }}}} as add_working_hours,
            {{{{ working_seconds_between('c.region_code', 'c.start_at', 'c.end_at') }}}} as working_seconds_between
        from (values {rows}) as c (i, region_code, start_at, end_at, n)
    """
    compiled = run_dbt(url, "compile", "--quiet", "--inline", inline, target_path=target).stdout
    assert '"marts"."dim_calendar"' in compiled
    with psycopg.connect(url) as conn:
        results = {row[0]: row[1:] for row in _query(conn, compiled)}
    columns = ["add_working_days", "add_working_hours", "working_seconds_between"]
    for i, (case, function, *_, expected) in enumerate(CASES):
        assert results[i][columns.index(function)] == _expected(expected), case


def test_january_2026_has_15_working_days_in_every_region(calendar_db):
    url, _ = calendar_db
    with psycopg.connect(url) as conn:
        rows = _query(
            conn,
            """select region_code, count(*) filter (where is_working_day), sum(working_seconds) / 3600
               from marts.dim_calendar where month_start = date '2026-01-01' group by region_code""",
        )
    assert {(region, days, hours) for region, days, hours in rows} == {
        (region, 15, 120) for region in ("BRY", "YEV", "KHM", "PSK", "IRK")
    }


def test_dim_calendar_office_hours_are_local(calendar_db):
    url, _ = calendar_db
    with psycopg.connect(url) as conn:
        conn.execute("set time zone 'UTC'")
        rows = dict(
            _query(
                conn,
                """select region_code, office_opens_at from marts.dim_calendar
                   where calendar_date = date '2026-01-12' and region_code in ('BRY', 'IRK')""",
            )
        )
    assert rows["BRY"].isoformat() == "2026-01-12T06:00:00+00:00"
    assert rows["IRK"].isoformat() == "2026-01-12T01:00:00+00:00"


def test_regional_override_is_applied(calendar_db):
    """The shipped example: Радоница 2023 in Bryansk (the day off moved from Saturday 22.04 to Tuesday 25.04)."""
    url, _ = calendar_db
    with psycopg.connect(url) as conn:
        rows = _query(
            conn,
            """select region_code, calendar_date::text, is_working_day, day_type from marts.dim_calendar
               where calendar_date in (date '2023-04-22', date '2023-04-25') and region_code in ('BRY', 'PSK')
               order by 1, 2""",
        )
    assert rows == [
        ("BRY", "2023-04-22", True, "regional_working_day"),
        ("BRY", "2023-04-25", False, "regional_day_off"),
        ("PSK", "2023-04-22", False, "weekend"),
        ("PSK", "2023-04-25", True, "working"),
    ]
