"""Time for the generator: the period, its weekly exports, the production calendar, office hours.

Inside the generator a moment is an ``int``: seconds since the period's first
midnight, local time. Integer arithmetic is exact (so the same seed gives the
same bytes) and an order of magnitude faster than ``datetime``; the text forms
the exports need come from tables built once here.
"""

from __future__ import annotations

import calendar as _calendar
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

DAY = 86_400
WEEK = 7 * DAY
HORIZON_DAYS = 400  # lifecycles (and planned dates) run past the period's end; tables cover them


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Export:
    """One weekly export: the week it covers and the moment its state is taken."""

    index: int
    file_date: date  # the Monday after the week
    week_start: int  # seconds; the first week starts at the period's start
    week_end: int
    as_of: int  # the export's moment, never after the period's end


class Calendar:
    """The period's days with their text forms, working time and weekly exports."""

    def __init__(self, start: date, months: int, office: tuple[int, int, int, int]):
        if months < 1:
            raise ValueError("months: the period must be at least one month long")
        self.start = start
        self.end_date = add_months(start, months)  # first day after the period
        self.days = (self.end_date - start).days
        self.end = self.days * DAY
        size = self.days + HORIZON_DAYS
        dates = [start + timedelta(days=i) for i in range(size)]
        self.dates = dates
        self.dmy = [d.strftime("%d.%m.%Y") for d in dates]
        self.iso = [d.isoformat() for d in dates]
        self.hm = [f"{m // 60:02d}:{m % 60:02d}" for m in range(1440)]
        self.hms = [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
        self.month_key = [d.year * 12 + d.month - 1 for d in dates]
        self.weekday = [d.weekday() for d in dates]

        years = range(start.year - 1, dates[-1].year + 1)
        ru = holidays.country_holidays("RU", years=years)
        transferred_workdays = set(getattr(ru, "weekend_workdays", ()) or ())
        self.holiday = [d in ru for d in dates]
        self.workday = [(d.weekday() < 5 or d in transferred_workdays) and d not in ru for d in dates]

        # Office hours (minutes): working seconds are counted in [open, lunch) and [lunch end, close).
        opening, closing, lunch_start, lunch_end = office
        if not opening <= lunch_start <= lunch_end <= closing:
            lunch_start = lunch_end = closing  # no lunch break configured
        self._spans = ((opening * 60, lunch_start * 60), (lunch_end * 60, closing * 60))
        self.work_per_day = sum(b - a for a, b in self._spans)
        cum = [0]
        for is_work in self.workday:
            cum.append(cum[-1] + (self.work_per_day if is_work else 0))
        self._cum = cum

        monday = start - timedelta(days=start.weekday())
        offset = (start - monday).days * DAY
        self._week_offset = offset
        exports = []
        k = 0
        while True:
            week_start = max(0, k * WEEK - offset)
            if week_start >= self.end:
                break
            week_end = (k + 1) * WEEK - offset
            file_date = monday + timedelta(days=7 * (k + 1))
            exports.append(Export(k, file_date, week_start, week_end, min(week_end, self.end)))
            k += 1
        self.exports = exports

    # ------------------------------------------------------------------ text forms

    def dmy_hm(self, t: int) -> str:
        return f"{self.dmy[t // DAY]} {self.hm[t % DAY // 60]}"

    def iso_hms(self, t: int) -> str:
        return f"{self.iso[t // DAY]} {self.hms[t % DAY]}"

    def week_of(self, t: int) -> int:
        """Index of the weekly export whose week holds moment ``t``."""
        return (t + self._week_offset) // WEEK

    # ------------------------------------------------------------------ working time

    @staticmethod
    def add_duty(t: int, seconds: int, hours: tuple[int, int]) -> int:
        """``seconds`` of a duty shift's time after ``t``; the shift (the ЦУР's operators, ПОС moderators)
        works ``hours`` = (from, to) every day, holidays included."""
        start, stop = hours[0] * 3600, hours[1] * 3600
        day, second = divmod(t, DAY)
        while True:
            if second < start:
                second = start
            if second + seconds <= stop:
                return day * DAY + second + seconds
            seconds -= max(0, stop - second)
            day, second = day + 1, start

    def _within(self, second_of_day: int) -> int:
        done = 0
        for a, b in self._spans:
            if second_of_day > a:
                done += min(second_of_day, b) - a
        return done

    def work_clock(self, t: int) -> int:
        """Working seconds from the period's start to ``t`` (production calendar, office hours)."""
        day = t // DAY
        return self._cum[day] + (self._within(t % DAY) if self.workday[day] else 0)

    def working_between(self, t1: int, t2: int) -> int:
        return self.work_clock(t2) - self.work_clock(t1)

    def add_working(self, t: int, seconds: int) -> int:
        """The moment when ``seconds`` (> 0) of working time have passed after ``t``."""
        if seconds <= 0:
            return t
        target = self.work_clock(t) + seconds
        # the working day during which the total reaches the target: cum[day] < target <= cum[day + 1]
        day = min(bisect_left(self._cum, target) - 1, len(self.workday) - 1)
        left = target - self._cum[day]
        for a, b in self._spans:
            if left <= b - a:
                return day * DAY + a + left
            left -= b - a
        return day * DAY + self._spans[-1][1]
