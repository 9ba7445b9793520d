"""Export periods: an ISO week, a month or a quarter of the region's local calendar.

A period is written the way people say it: ``2026-W43`` (ISO week, Monday to
Sunday), ``2026-10`` (month), ``2026-Q3`` (quarter). Its ``grain`` is the
``period_grain`` of the marts and ``start`` their ``period_start``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = {"weekly": "week", "monthly": "month", "quarterly": "quarter"}
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class PeriodError(ValueError):
    """A period or kind that cannot be understood; the message says what was expected."""


@dataclass(frozen=True, order=True)
class Period:
    kind: str  # weekly | monthly | quarterly
    start: date  # first local day
    end: date  # last local day

    @property
    def grain(self) -> str:
        return KINDS[self.kind]

    @property
    def label(self) -> str:
        if self.kind == "weekly":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "monthly":
            return f"{self.start:%Y-%m}"
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"

    @property
    def title_ru(self) -> str:
        """How the period is named in Russian documents."""
        if self.kind == "weekly":
            return f"неделя {self.label[-2:]} ({self.start:%d.%m.%Y} – {self.end:%d.%m.%Y})"
        if self.kind == "monthly":
            return f"{MONTHS_RU[self.start.month - 1]} {self.start.year}"
        return f"{self.label[-1]} квартал {self.start.year}"

    def previous(self) -> Period:
        return containing(self.kind, self.start - timedelta(days=1))


MONTHS_RU = (
    "январь",
    "февраль",
    "март",
    "апрель",
    "май",
    "июнь",
    "июль",
    "август",
    "сентябрь",
    "октябрь",
    "ноябрь",
    "декабрь",
)


def _month_end(year: int, month: int) -> date:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return following - timedelta(days=1)


def containing(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains ``day``."""
    if kind == "weekly":
        start = day - timedelta(days=day.weekday())
        return Period(kind, start, start + timedelta(days=6))
    if kind == "monthly":
        return Period(kind, day.replace(day=1), _month_end(day.year, day.month))
    if kind == "quarterly":
        first = 3 * ((day.month - 1) // 3) + 1
        return Period(kind, date(day.year, first, 1), _month_end(day.year, first + 2))
    raise PeriodError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")


def parse_period(text: str, kind: str | None = None) -> Period:
    """``2026-W43``, ``2026-10`` or ``2026-Q3``; ``kind``, when given, must agree with the spelling."""
    text = text.strip().upper()
    if match := _WEEK.match(text):
        year, week = int(match[1]), int(match[2])
        try:
            period = containing("weekly", date.fromisocalendar(year, week, 1))
        except ValueError as exc:
            raise PeriodError(f"period {text!r}: {year} has no ISO week {week}") from exc
    elif match := _MONTH.match(text):
        month = int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"period {text!r}: month must be 01–12")
        period = containing("monthly", date(int(match[1]), month, 1))
    elif match := _QUARTER.match(text):
        period = containing("quarterly", date(int(match[1]), 3 * int(match[2]) - 2, 1))
    else:
        raise PeriodError(f"period {text!r}: expected a week 2026-W43, a month 2026-10 or a quarter 2026-Q3")
    if kind is not None and kind != period.kind:
        if kind not in KINDS:
            raise PeriodError(f"kind {kind!r}: expected one of {', '.join(KINDS)}")
        raise PeriodError(f"period {text!r} is {period.kind}, not {kind}; drop --kind or write the period as {kind}")
    return period


def from_partition_key(kind: str, key: str) -> Period:
    """A Dagster time-window partition key (the period's first day, YYYY-MM-DD) as a period."""
    period = containing(kind, date.fromisoformat(key))
    if period.start.isoformat() != key:
        raise PeriodError(f"partition {key!r} is not the first day of a {KINDS[kind]}")
    return period
