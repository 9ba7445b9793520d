"""The production calendar seed: current with the installed `holidays`, and right on published facts.

The figures below are the official production calendars' (five-day week), checked in sources
independent of the `holidays` package, not read off the package:
- 2025: 247 working days, 118 days off, 1972 hours at 40 h/week; shortened days 7 March, 30 April,
  11 June and 1 November (Saturday, working); last working day 30 December, 31 December off, and
  30 December not shortened (РБК via saransk-news.net, fpur.ru, infopro54.ru, news.mail.ru).
- 2026: 247 working days, 118 days off, 1972 hours; January 15 working days / 120 hours; no six-day
  weeks; 9 January off (transferred from 3 January), 31 December off (from 4 January), 9 March and
  11 May off (holidays on Sunday and Saturday); shortened 30 April, 8 May, 11 June, 3 November
  (decree of 24.09.2025 No 1466; glavbukh's and 4dk.ru's calendars, vz.ru).
- 2024: Saturday 28 December worked *without* shortening, because it replaces a full working day,
  30 December (tomsk.mk.ru, 28.12.2024).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from orchestration.warehouse.calendar import (
    DAY_TYPES,
    FIRST_YEAR,
    LAST_YEAR,
    SEED_PATH,
    CalendarDay,
    production_calendar,
    render_csv,
)


@pytest.fixture(scope="module")
def days() -> dict[date, CalendarDay]:
    return {day.calendar_date: day for day in production_calendar()}


def _working_days(days: dict[date, CalendarDay], year: int, month: int | None = None) -> int:
    return sum(
        d.is_working_day
        for d in days.values()
        if d.calendar_date.year == year and (month is None or d.calendar_date.month == month)
    )


def _hours(days: dict[date, CalendarDay], year: int) -> int:
    """The norm of working time at 40 hours a week."""
    return sum(7 if d.is_shortened else 8 for d in days.values() if d.calendar_date.year == year and d.is_working_day)


def test_committed_seed_is_what_the_installed_holidays_gives():
    """Fails when `holidays` changes the calendar (an upgrade with a new decree): run `make calendar` and review."""
    assert SEED_PATH.read_text(encoding="utf-8") == render_csv(production_calendar()), (
        f"{SEED_PATH} is stale: run `make calendar` and review the diff"
    )


def test_covers_every_day_of_the_years_once(days):
    assert min(days) == date(FIRST_YEAR, 1, 1)
    assert max(days) == date(LAST_YEAR, 12, 31)
    assert len(days) == (date(LAST_YEAR + 1, 1, 1) - date(FIRST_YEAR, 1, 1)).days
    assert {d.day_type for d in days.values()} == set(DAY_TYPES)


@pytest.mark.parametrize(("year", "working_days", "hours"), [(2025, 247, 1972), (2026, 247, 1972)])
def test_year_totals_match_the_official_calendar(days, year, working_days, hours):
    assert _working_days(days, year) == working_days
    assert (
        sum(d.calendar_date.year == year and not d.is_working_day for d in days.values())
        == (366 if year % 4 == 0 else 365) - working_days
    )
    assert _hours(days, year) == hours


def test_january_2026_has_15_working_days(days):
    assert _working_days(days, 2026, 1) == 15
    first = min(d for d in days if d.year == 2026 and days[d].is_working_day)
    assert first == date(2026, 1, 12)


@pytest.mark.parametrize(
    ("year", "shortened"),
    [
        (2025, ["2025-03-07", "2025-04-30", "2025-06-11", "2025-11-01"]),
        (2026, ["2026-04-30", "2026-05-08", "2026-06-11", "2026-11-03"]),
    ],
)
def test_shortened_pre_holiday_days(days, year, shortened):
    assert [d.isoformat() for d, day in sorted(days.items()) if d.year == year and day.is_shortened] == shortened


@pytest.mark.parametrize(
    ("day", "is_working_day", "day_type", "is_shortened"),
    [
        ("2025-11-01", True, "working_weekend", True),  # Saturday worked in place of Monday 3 November
        ("2025-11-03", False, "transferred_day_off", False),
        ("2025-11-04", False, "holiday", False),
        ("2025-12-30", True, "working", False),  # the eve of a transferred day off is not shortened
        ("2025-12-31", False, "transferred_day_off", False),
        ("2026-01-03", False, "holiday", False),  # a holiday on a Saturday is a holiday
        ("2026-01-09", False, "transferred_day_off", False),
        ("2026-01-12", True, "working", False),
        ("2026-03-06", True, "working", False),  # Friday before Saturday 7 March: not an eve
        ("2026-03-09", False, "transferred_day_off", False),  # 8 March fell on a Sunday
        ("2026-05-11", False, "transferred_day_off", False),  # 9 May fell on a Saturday
        ("2026-12-31", False, "transferred_day_off", False),
        ("2024-12-28", True, "working_weekend", False),  # replaces a full day, 30 December
        ("2026-01-10", False, "weekend", False),
    ],
)
def test_known_days(days, day, is_working_day, day_type, is_shortened):
    got = days[date.fromisoformat(day)]
    assert (got.is_working_day, got.day_type, got.is_shortened) == (is_working_day, day_type, is_shortened)


def test_names_come_from_the_package_in_russian(days):
    assert days[date(2026, 1, 7)].holiday_name == "Рождество Христово"
    assert days[date(2026, 1, 9)].holiday_name == "Выходной (перенесено с 03.01.2026)"
    assert days[date(2026, 1, 12)].holiday_name == ""


def test_years_without_a_decree_are_provisional(days):
    provisional = Counter(d.calendar_date.year for d in days.values() if d.is_provisional)
    assert 2026 not in provisional and 2027 not in provisional
    assert provisional[LAST_YEAR] in (365, 366)
    # every provisional year is later than every decreed one
    assert min(provisional) > max(d.calendar_date.year for d in days.values() if not d.is_provisional)
