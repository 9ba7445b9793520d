"""The Russian production calendar (производственный календарь) as a dbt seed.

Generated from the ``holidays`` package (country RU), which carries the
government's yearly transfer decrees (постановления «О переносе выходных
дней»): a transfer is a pair *(day off, from day)*; when the from day is an
ordinary Saturday or Sunday it becomes a working day (``weekend_workdays``).
The seed is committed, so builds never depend on the installed package;
``tests/unit/test_calendar.py`` fails when an upgrade of ``holidays`` would
change it, and ``make calendar`` regenerates it.

Shortened days (Labour Code art. 95): the working day just before a public
holiday is one hour shorter. A working Saturday made so by a transfer is
worked *in place of* the weekday it gave its day off to, and is shortened
only when that weekday would have been (Rostrud's reading, followed by every
official calendar: 01.11.2025 is short because it replaces 03.11.2025, the
eve of 4 November; 28.12.2024 is not, because it replaces 30.12.2024, and
31.12.2024 is a transferred day off, not a holiday).

Years after the last decree the package knows are marked provisional: only
the fixed holidays of art. 112 are in them, without the transfers the
government has yet to decide, so working-day deadlines there may still move.
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import astuple, dataclass, fields
from datetime import date, timedelta
from pathlib import Path

import holidays

from orchestration.settings import DBT_PROJECT_DIR

FIRST_YEAR = 2018
LAST_YEAR = 2032
SEED_PATH = DBT_PROJECT_DIR / "seeds" / "production_calendar.csv"

DAY_TYPES = ("working", "weekend", "holiday", "transferred_day_off", "working_weekend")


@dataclass(frozen=True)
class CalendarDay:
    """One row of the seed."""

    calendar_date: date
    is_working_day: bool
    day_type: str  # one of DAY_TYPES
    holiday_name: str  # the package's Russian name(s); empty on working days and plain weekends
    is_shortened: bool  # a working day one hour shorter (art. 95)
    is_provisional: bool  # the year has no transfer decree in the installed package yet


def _transfers(ru: holidays.HolidayBase) -> dict[date, date]:
    """Every transfer the package knows: day off → the day its rest came from."""
    result = {}
    for year, entries in getattr(ru, "special_public_holidays", {}).items():
        for entry in entries if isinstance(entries[0], tuple) else (entries,):
            if len(entry) < 4:  # a one-off holiday, not a transfer
                continue
            to_month, to_day, from_month, from_day, *from_year = entry
            result[date(year, to_month, to_day)] = date(from_year[0] if from_year else year, from_month, from_day)
    return result


def _last_decree_year(ru: holidays.HolidayBase) -> int:
    years = set(getattr(ru, "special_public_holidays", {})) | set(getattr(ru, "special_public_holidays_observed", {}))
    if not years:
        raise RuntimeError(f"holidays {holidays.__version__} has no transfer decrees for RU; need holidays >= 0.108")
    return max(years)


def production_calendar(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> list[CalendarDay]:
    """Every day of the years, classified; see the module's docstring for the rules."""
    years = range(first_year - 1, last_year + 2)  # neighbours: eves and transfers cross the new year
    ru = holidays.country_holidays("RU", years=years, language="ru")
    fixed = holidays.country_holidays("RU", years=years, language="ru", observed=False)
    transfers = _transfers(ru)
    # Public holidays proper (art. 112): neither a day off moved by a transfer nor an observed one.
    public = {day for day in fixed if day not in transfers}
    weekend_workdays = set(ru.weekend_workdays)
    # Which weekday a working Saturday or Sunday stands in for.
    replaces = {source: day_off for day_off, source in transfers.items() if source in weekend_workdays}
    unexplained = weekend_workdays - replaces.keys()
    if unexplained:
        raise RuntimeError(f"holidays {holidays.__version__}: working weekend days without a transfer: {unexplained}")
    provisional_after = _last_decree_year(ru)

    days = []
    day = date(first_year, 1, 1)
    while day.year <= last_year:
        is_weekend = day.weekday() >= 5
        is_working = ru.is_working_day(day)
        if day in public:
            day_type = "holiday"
        elif is_working:
            day_type = "working_weekend" if is_weekend else "working"
        else:
            day_type = "weekend" if is_weekend else "transferred_day_off"
        eve_of = replaces.get(day, day)  # the day whose regime a working weekend day takes
        days.append(
            CalendarDay(
                calendar_date=day,
                is_working_day=is_working,
                day_type=day_type,
                holiday_name="; ".join(ru.get_list(day)),
                is_shortened=is_working and eve_of + timedelta(days=1) in public,
                is_provisional=day.year > provisional_after,
            )
        )
        day += timedelta(days=1)
    return days


def render_csv(days: list[CalendarDay]) -> str:
    """The seed's text: a header, ISO dates, lowercase booleans, LF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(field.name for field in fields(CalendarDay))
    for day in days:
        writer.writerow(
            value.isoformat() if isinstance(value, date) else str(value).lower() if isinstance(value, bool) else value
            for value in astuple(day)
        )
    return out.getvalue()


def write_seed(path: Path = SEED_PATH) -> Path:
    path.write_text(render_csv(production_calendar()), encoding="utf-8")
    return path


def main() -> None:
    path = write_seed()
    print(f"{path}: {FIRST_YEAR}–{LAST_YEAR} from holidays {holidays.__version__}", file=sys.stderr)


if __name__ == "__main__":
    main()
