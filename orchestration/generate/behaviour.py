"""How citizens and agencies behave: the knobs that make the demo look like a real region.

These are not regional facts (those live in seeds/reference/) but the shape
of the traffic every region sees: which blocks are loud, when snow and
heating complaints come, how the week and the day go, how fast and how well
agencies answer. Seasonality is keyed on words in the topic names, not on
codes, so a region that adds its own categories still gets the right season.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

# Share of the three sources in all appeals (ПОС, social networks, regional portal).
SOURCE_SHARES = {"pos": 0.45, "im": 0.40, "regional": 0.15}

# Relative loudness of the thematic blocks (percent of appeals, roughly what
# regional ЦУР reports show). Blocks a region does not have simply drop out.
BLOCK_WEIGHTS = {
    "zhkh": 21.0, "landscaping": 13.0, "roads": 12.0, "tko": 6.0, "energy": 5.0, "transport": 5.5,
    "health": 8.0, "education": 4.5, "social": 7.0, "labour": 1.5, "property": 2.0, "construction": 3.0,
    "trade": 1.2, "ecology": 2.2, "safety": 2.2, "military": 1.8, "civic": 1.0, "other": 3.0,
}  # fmt: skip
DEFAULT_BLOCK_WEIGHT = 1.0
CATCH_ALL_SHARE = 0.07  # «прочие по направлению»: a visible slice of every block

# Monthly multipliers (January first) for topics whose names contain these words; the first rule that
# matches wins. Short stems are anchored at a word start (ям in «семьям» is not a pothole), and hot water
# is «горячая вода», not school «горячее питание».
_SEASONS: list[tuple[str, tuple[float, ...]]] = [
    (r"снег|налед|сосульк|гололед|зимн", (3.2, 2.9, 2.0, 0.6, 0.05, 0.02, 0.02, 0.02, 0.05, 0.3, 1.3, 2.7)),
    (r"отопительн", (0.3, 0.2, 0.1, 0.3, 0.2, 0.05, 0.05, 0.1, 2.8, 4.5, 1.2, 0.4)),
    (
        r"отоплен|теплоснаб|низкая температура|тепловых сет",
        (1.4, 1.2, 0.9, 0.6, 0.2, 0.1, 0.1, 0.2, 1.6, 3.0, 1.7, 1.4),
    ),
    (r"горяч\w* вод", (0.5, 0.5, 0.5, 0.7, 1.6, 3.2, 3.0, 2.0, 0.8, 0.5, 0.5, 0.5)),
    (
        r"\bям|состояние дорог|ремонт дорог|грейдир|подсыпк",
        (0.5, 0.6, 1.8, 2.6, 2.3, 1.4, 1.0, 0.9, 0.8, 0.7, 0.5, 0.5),
    ),
    (r"пожар|сжигани", (0.5, 0.5, 0.9, 2.2, 2.0, 1.3, 1.2, 1.1, 0.8, 0.6, 0.5, 0.5)),
    (r"покос|\bтрав|озелен|высадк|цветник|деревьев", (0.1, 0.1, 0.2, 0.7, 1.6, 2.6, 2.8, 2.2, 1.0, 0.4, 0.1, 0.1)),
    (r"парк|сквер|площадк|благоустройство двор", (0.4, 0.4, 0.6, 0.9, 1.4, 1.7, 1.8, 1.6, 1.1, 0.8, 0.5, 0.4)),
    (r"паводк|подтоплен|ливнев", (0.3, 0.4, 1.6, 2.8, 1.2, 1.0, 1.0, 0.9, 0.6, 0.5, 0.4, 0.3)),
    (r"зачислен|поступлен", (0.6, 0.6, 0.8, 1.6, 1.1, 1.3, 1.8, 1.9, 1.2, 0.6, 0.5, 0.5)),
    (r"горячее питание|питани\w* в школ|школьн", (1.0, 1.1, 1.0, 1.0, 0.8, 0.2, 0.1, 0.6, 1.8, 1.3, 1.2, 1.0)),
    (r"безнадзорн|бездомн", (0.8, 0.8, 1.0, 1.2, 1.2, 1.1, 1.1, 1.1, 1.0, 0.9, 0.8, 0.8)),
    (r"призыв", (0.5, 0.5, 0.8, 1.8, 1.5, 1.0, 0.7, 0.6, 0.8, 1.8, 1.6, 0.9)),
]
_SEASON_RULES = [(re.compile(pattern, re.IGNORECASE), profile) for pattern, profile in _SEASONS]
FLAT_SEASON = (1.0,) * 12

# Day of week (Monday first): Monday and Tuesday peak, weekends about 40 % of a weekday.
WEEKDAY = {
    "pos": (1.30, 1.22, 1.10, 1.05, 0.95, 0.45, 0.42),
    "im": (1.20, 1.15, 1.08, 1.04, 0.98, 0.62, 0.60),
    "regional": (1.35, 1.25, 1.12, 1.06, 0.95, 0.30, 0.25),
}
HOLIDAY_FACTOR = 0.45  # a public holiday is quieter than a Sunday only for the portal's hotline
DAY_NOISE = 0.12  # day-to-day scatter (lognormal sigma)

# Hour of day (0-23). ПОС: office day; social networks: also evenings; the
# regional portal: the hotline and the reception keep office hours.
HOURS = {
    "pos": (0.5, 0.3, 0.2, 0.2, 0.2, 0.4, 1.0, 2.2, 4.2, 6.5, 7.4, 7.4, 6.8, 6.2, 6.8, 6.6, 6.0, 5.2,
            4.4, 3.9, 3.5, 2.8, 1.9, 1.0),
    "im": (1.4, 0.8, 0.5, 0.3, 0.3, 0.5, 1.2, 2.6, 4.0, 5.2, 5.6, 5.6, 5.3, 5.2, 5.4, 5.4, 5.3, 5.4,
           5.9, 6.4, 6.6, 6.1, 4.6, 2.7),
    "regional": (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 3.5, 8.5, 9.5, 9.3, 8.0, 5.0, 8.5, 8.8, 8.0, 6.4,
                 2.0, 1.4, 1.1, 0.9, 0.6, 0.4),
}  # fmt: skip

CAPITAL_BOOST = 1.6  # the largest city writes more than its population alone suggests
# Share of a block's appeals that go to a municipal administration rather than the regional body.
MUNICIPAL_SHARE = {
    "landscaping": 0.78, "roads": 0.45, "zhkh": 0.38, "tko": 0.15, "transport": 0.25, "education": 0.22,
    "property": 0.35, "construction": 0.25, "other": 0.20, "ecology": 0.12, "trade": 0.15, "civic": 0.40,
}  # fmt: skip
CO_EXECUTOR_SHARE = 0.25  # how often a non-municipal co-executor (police, МЧС…) gets the appeal


class Weighted(Generic[T]):
    """A fixed weighted choice: ``pick(u)`` maps a uniform number in [0, 1) to a value in O(log n)."""

    __slots__ = ("cum", "total", "values")

    def __init__(self, values: Sequence[T], weights: Sequence[float]):
        if not values or len(values) != len(weights):
            raise ValueError("a weighted choice needs as many weights as values, and at least one")
        self.values = list(values)
        self.cum = list(accumulate(weights))
        self.total = self.cum[-1]
        if self.total <= 0:
            raise ValueError("a weighted choice needs a positive total weight")

    def pick(self, u: float) -> T:
        return self.values[min(bisect_right(self.cum, u * self.total), len(self.values) - 1)]


def season(text: str) -> tuple[float, ...]:
    """The monthly profile of a topic, from the first keyword rule its names match."""
    for pattern, profile in _SEASON_RULES:
        if pattern.search(text):
            return profile
    return FLAT_SEASON


@dataclass(frozen=True)
class AgencyProfile:
    """An agency's stable habits over the whole period."""

    speed: float  # multiplies every answer time; 1 is the region's median agency
    breach_rate: float  # share of answers that miss the deadline
    quality: float  # 0-1: chance to really solve the problem, and the ratings that follow
    formal_rate: float  # share of answers that are formal replies («отписки»)
    rating_shift: float  # what citizens think of it beyond the answer itself


def agency_profile(seed: int, agency_id: str, kind: str) -> AgencyProfile:
    """Derive an agency's habits from the seed and its id alone, so they are the same in every source."""
    rng = random.Random(f"{seed}:agency:{agency_id}")
    speed = rng.lognormvariate(0.0, 0.35) * (1.15 if kind == "municipal" else 1.0)
    breach = min(0.15, max(0.05, 0.05 + 0.10 * rng.random() * (0.6 + 0.5 * speed) / 1.1))
    quality = min(0.95, max(0.15, rng.gauss(0.6, 0.15)))
    formal = rng.uniform(0.25, 0.45) if rng.random() < 0.22 else rng.uniform(0.01, 0.06)
    return AgencyProfile(
        round(speed, 4), round(breach, 4), round(quality, 4), round(formal, 4), round(rng.gauss(0.0, 0.25), 4)
    )
