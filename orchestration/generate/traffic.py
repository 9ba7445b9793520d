"""When, where and about what citizens write: the arrival process of one source.

It splits the source's total over the days (weekday, holidays, season,
day-to-day noise), spreads a day's appeals over the hours, and draws each
appeal's topic (from the month's seasonal table) and municipality
(population, with the largest city over-represented).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from orchestration.generate.behaviour import (
    BLOCK_WEIGHTS,
    CAPITAL_BOOST,
    CATCH_ALL_SHARE,
    DAY_NOISE,
    DEFAULT_BLOCK_WEIGHT,
    HOLIDAY_FACTOR,
    HOURS,
    WEEKDAY,
    Weighted,
    season,
)
from orchestration.generate.calendar import DAY, Calendar
from orchestration.generate.reference import Label, Municipality, Reference
from orchestration.generate.texts import Topic, topic_for


@dataclass(frozen=True)
class TopicChoice:
    """A label with what the lifecycle and the texts need about it, resolved once."""

    label: Label
    topic: Topic
    block_name: str


class Traffic:
    def __init__(self, ref: Reference, cal: Calendar, source: str, seed: int):
        self.cal = cal
        self.source = source
        rng = random.Random(f"{seed}:topics:{source}")
        blocks = {b.code: b.name for b in ref.blocks}
        labels = ref.labels[source]
        per_block: dict[str, list[Label]] = {}
        for label in labels:
            per_block.setdefault(label.block_code, []).append(label)
        choices: list[TopicChoice] = []
        base: list[float] = []
        profiles: list[tuple[float, ...]] = []
        for block_code, members in per_block.items():
            weight = BLOCK_WEIGHTS.get(block_code, DEFAULT_BLOCK_WEIGHT)
            catch_all = [m for m in members if m.catch_all]
            specific = [m for m in members if not m.catch_all] or catch_all
            raw = [rng.lognormvariate(0.0, 0.7) for _ in specific]
            share = weight * (1 - CATCH_ALL_SHARE) if catch_all and specific is not catch_all else weight
            for member, r in zip(specific, raw, strict=True):
                base.append(share * r / sum(raw))
                choices.append(
                    TopicChoice(member, topic_for(member.canonical_text, member.subcategory), blocks[block_code])
                )
                profiles.append(season(member.canonical_text))
            if catch_all and specific is not catch_all:
                for member in catch_all:
                    base.append(weight * CATCH_ALL_SHARE / len(catch_all))
                    choices.append(
                        TopicChoice(member, topic_for(member.canonical_text, member.subcategory), blocks[block_code])
                    )
                    profiles.append(season(member.canonical_text))
        self.choices = choices
        total = sum(base)
        # One topic table per calendar month; a month's total volume follows its topics' season, damped.
        self._tables: dict[int, Weighted[TopicChoice]] = {}
        self._volume: dict[int, float] = {}
        for month_key in sorted(set(cal.month_key)):
            weights = [b * p[month_key % 12] for b, p in zip(base, profiles, strict=True)]
            self._tables[month_key] = Weighted(choices, weights)
            self._volume[month_key] = math.sqrt(sum(weights) / total)

        population = [float(m.population or 1) for m in ref.municipalities]
        largest = max(range(len(population)), key=lambda i: population[i])
        population[largest] *= CAPITAL_BOOST
        self.municipalities: Weighted[Municipality] = Weighted(ref.municipalities, population)
        self._hours = Weighted(list(range(24)), HOURS[source])
        self._rng = rng

    def topics(self, day: int) -> Weighted[TopicChoice]:
        return self._tables[self.cal.month_key[day]]

    def day_counts(self, total: int) -> list[int]:
        """How many appeals arrive on each day of the period; sums to ``total`` exactly."""
        cal, rng = self.cal, self._rng
        weekday = WEEKDAY[self.source]
        weights = []
        for day in range(cal.days):
            factor = weekday[cal.weekday[day]]
            if cal.holiday[day]:
                factor = min(factor, weekday[6]) * (HOLIDAY_FACTOR / 0.45)
            elif cal.workday[day] and cal.weekday[day] >= 5:  # a working Saturday
                factor = weekday[4] * 0.85
            factor *= self._volume[cal.month_key[day]] * rng.lognormvariate(0.0, DAY_NOISE)
            weights.append(factor)
        scale = total / sum(weights)
        exact = [w * scale for w in weights]
        counts = [int(x) for x in exact]
        short = total - sum(counts)
        by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[:short]:
            counts[i] += 1
        return counts

    def moments(self, rng: random.Random, day: int, count: int) -> list[int]:
        """``count`` sorted moments on ``day``, spread by the source's hour profile."""
        base = day * DAY
        hours = self._hours
        return sorted(base + hours.pick(rng.random()) * 3600 + int(rng.random() * 3600) for _ in range(count))
