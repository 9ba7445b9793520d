"""The rating recomputed independently: from marts.fct_appeals and the seed CSV files, by the rules
docs/rating-methodology.md publishes, in plain Python with exact decimals. The marts must give the
same metric values, scores, totals and ranks: this is how an official (or the federal center) would
check the published rating, and it fails when the SQL and the published method drift apart.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

from orchestration.settings import REFERENCE_DIR

pytestmark = [pytest.mark.integration, pytest.mark.slow]

REGION = "BRY"
# two consecutive months (the second one's previous rank comes from the first) and a quarter
PERIODS = [
    ("month", date(2026, 2, 1), date(2026, 2, 28)),
    ("month", date(2026, 3, 1), date(2026, 3, 31)),
    ("quarter", date(2026, 1, 1), date(2026, 3, 31)),
]
CENT = Decimal("0.01")
AXES = ("quantity", "quality", "speed", "completeness")


def _round(value: Decimal) -> Decimal:
    """Rounding to 0.01, halves away from zero (PostgreSQL's round(numeric) and the methodology's)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _share(numerator: int, denominator: int) -> Decimal | None:
    return _round(Decimal(100) * numerator / denominator) if denominator else None


def _seed(name: str) -> list[dict[str, str]]:
    with (REFERENCE_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@dataclass
class Tally:
    """What the methodology counts for one entity in one period."""

    received: int = 0
    answered: int = 0
    in_work: int = 0
    received_answered_by_snapshot: int = 0
    overdue_open: int = 0
    with_deadline: int = 0
    on_time: int = 0
    with_reaction: int = 0
    satisfied: int = 0
    negative: int = 0
    repeat: int = 0
    with_formal_check: int = 0
    formal_reply: int = 0
    with_first_response_deadline: int = 0
    first_response_on_time: int = 0
    hours_to_answer: list[Decimal] = field(default_factory=list)
    hours_to_first_response: list[Decimal] = field(default_factory=list)


def _median(values: list[Decimal]) -> Decimal | None:
    return _round(statistics.median(values)) if values else None


def _metric_values(tally: Tally, population: int | None) -> dict[str, Decimal | None]:
    """Section 3 of the methodology, one line per metric."""
    return {
        "answered_count": Decimal(tally.answered),
        "appeals_per_10k": _round(Decimal(10000) * tally.received / population) if population else None,
        "satisfaction_share": _share(tally.satisfied, tally.with_reaction),
        "negative_share": _share(tally.negative, tally.with_reaction),
        "repeat_share": _share(tally.repeat, tally.received),
        "formal_reply_share": _share(tally.formal_reply, tally.with_formal_check),
        "first_response_on_time_share": _share(tally.first_response_on_time, tally.with_first_response_deadline),
        "on_time_share": _share(tally.on_time, tally.with_deadline),
        "median_hours_to_answer": _median(tally.hours_to_answer),
        "median_hours_to_first_response": _median(tally.hours_to_first_response),
        "answered_share": _share(tally.received_answered_by_snapshot, tally.received),
        "overdue_open_share": _share(tally.overdue_open, tally.in_work),
        "reaction_coverage": _share(tally.with_reaction, tally.answered),
    }


def _weights(subject: str) -> list[dict[str, str]]:
    """Section 8: the region's own rows for the subject, else the `*` rows."""
    rows = [w for w in _seed("rating_weights") if w["subject"] == subject]
    own = [w for w in rows if w["region_code"] == REGION]
    return own or [w for w in rows if w["region_code"] == "*"]


def _min_appeals(subject: str, grain: str) -> int:
    rows = [s for s in _seed("rating_settings") if s["subject"] == subject and s["period_grain"] == grain]
    own = [s for s in rows if s["region_code"] == REGION]
    return int((own or [s for s in rows if s["region_code"] == "*"])[0]["min_appeals"])


def _entities(start: date, end: date) -> dict[tuple[str, str], int | None]:
    """Section 1: agencies existing at least a day of the period, every municipality (→ population)."""
    entities: dict[tuple[str, str], int | None] = {}
    for agency in _seed("agencies"):
        valid_from, valid_to = _day(agency["valid_from"]), _day(agency["valid_to"])
        exists = (valid_from is None or valid_from <= end) and (valid_to is None or valid_to >= start)
        if agency["region_code"] == REGION and exists:
            entities[("agency", agency["agency_id"])] = None
    for municipality in _seed("municipalities"):
        if municipality["region_code"] == REGION:
            entities[("municipality", municipality["oktmo"])] = int(municipality["population"])
    return entities


def _credited(agency_id: str, start: date) -> str:
    """Section 1: the agency itself while it exists, else the first existing successor down the chain."""
    agencies = {a["agency_id"]: a for a in _seed("agencies")}
    chain, current = [agency_id], agency_id
    while current in agencies and agencies[current]["successor_agency_id"] and len(chain) < 10:
        current = agencies[current]["successor_agency_id"]
        chain.append(current)
    for candidate in chain:
        valid_to = _day(agencies[candidate]["valid_to"]) if candidate in agencies else None
        if valid_to is None or valid_to >= start:
            return candidate
    return agency_id


def _tallies(appeals: list[dict], start: date, end: date, end_at: datetime) -> dict[tuple[str, str], Tally]:
    """Section 2: which appeals count, for whom, judged at the snapshot."""
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    credit: dict[str, str] = {}
    for a in appeals:
        if a["received_date"] > end or (a["answered_date"] is not None and a["answered_date"] < start):
            continue
        snapshot = min(end_at, a["as_of_at"])
        received = start <= a["received_date"] <= end
        answered = a["answered_date"] is not None and start <= a["answered_date"] <= end
        answered_by_snapshot = a["answered_at"] is not None and a["answered_at"] <= snapshot
        keys = []
        if a["agency_id"] is not None:
            credit.setdefault(a["agency_id"], _credited(a["agency_id"], start))
            keys.append(("agency", credit[a["agency_id"]]))
        if a["municipality_oktmo"] is not None:
            keys.append(("municipality", a["municipality_oktmo"]))
        for key in keys:
            t = tallies[key]
            t.in_work += 1
            t.overdue_open += bool(a["due_at"] is not None and a["due_at"] < snapshot and not answered_by_snapshot)
            if received:
                t.received += 1
                t.received_answered_by_snapshot += answered_by_snapshot
                t.repeat += bool(a["is_repeat"])
                first = a["first_response_at"]
                if first is not None and first <= snapshot and a["hours_to_first_response"] is not None:
                    t.hours_to_first_response.append(a["hours_to_first_response"])
                first_due = a["first_response_due_at"]
                if first_due is not None and first_due <= snapshot:
                    t.with_first_response_deadline += 1
                    t.first_response_on_time += bool(first is not None and first <= first_due)
            if answered:
                t.answered += 1
                if a["is_on_time"] is not None:
                    t.with_deadline += 1
                    t.on_time += a["is_on_time"]
                if a["is_satisfied"] is not None:
                    t.with_reaction += 1
                    t.satisfied += a["is_satisfied"]
                    t.negative += bool(a["is_negative"])
                if a["is_formal_reply"] is not None:
                    t.with_formal_check += 1
                    t.formal_reply += a["is_formal_reply"]
                if a["hours_to_answer"] is not None:
                    t.hours_to_answer.append(a["hours_to_answer"])
    return tallies


def _scores(values: dict[str, Decimal | None], rated: set[str], weight: dict[str, str]) -> dict[str, Decimal]:
    """Section 5: mid-rank percentile among the rated entities with a value."""
    sign = 1 if weight["direction"] == "higher_is_better" else -1
    goodness = {e: sign * v for e, v in values.items() if e in rated and v is not None}
    n = len(goodness)
    scores = {}
    for entity, mine in goodness.items():
        if n == 1:
            scores[entity] = Decimal(100)
            continue
        position = 1 + sum(other < mine for other in goodness.values())
        tied = sum(other == mine for other in goodness.values())
        scores[entity] = _round(Decimal(100) * (Decimal(position - 1) + Decimal(tied - 1) / 2) / (n - 1))
    return scores


def _weighted_mean(pairs: list[tuple[dict[str, str], Decimal]]) -> Decimal | None:
    """Section 6: Σ weight × score / Σ weight over the scored metrics; none without weight."""
    total_weight = sum(Decimal(w["weight"]) for w, _ in pairs)
    return _round(sum(Decimal(w["weight"]) * s for w, s in pairs) / total_weight) if total_weight else None


def recompute(appeals: list[dict], grain: str, start: date, end: date, timezone: str) -> dict[tuple[str, str], dict]:
    """The whole rating of one period, for both subjects."""
    end_at = datetime.combine(end + timedelta(days=1), time(0), ZoneInfo(timezone))
    entities = _entities(start, end)
    tallies = _tallies(appeals, start, end, end_at)
    result: dict[tuple[str, str], dict] = {}
    for subject in ("agency", "municipality"):
        members = {e for s, e in entities if s == subject}
        minimum = _min_appeals(subject, grain)
        values = {e: _metric_values(tallies.get((subject, e), Tally()), entities[(subject, e)]) for e in members}
        meets = {e for e in members if tallies.get((subject, e), Tally()).received >= minimum}
        weighted = _weights(subject)
        scores = {w["metric"]: _scores({e: values[e][w["metric"]] for e in members}, meets, w) for w in weighted}
        for entity in members:
            mine = [(w, scores[w["metric"]][entity]) for w in weighted if entity in scores[w["metric"]]]
            total = _weighted_mean(mine)
            result[(subject, entity)] = {
                "values": values[entity],
                "scores": {w["metric"]: s for w, s in mine},
                "axes": {axis: _weighted_mean([p for p in mine if p[0]["axis"] == axis]) for axis in AXES},
                "total_score": total,
                "is_rated": entity in meets and total is not None,
            }
        totals = {e: r["total_score"] for (s, e), r in result.items() if s == subject and r["is_rated"]}
        for entity in members:
            mine_total = totals.get(entity)
            rank = None if mine_total is None else 1 + sum(t > mine_total for t in totals.values())
            result[(subject, entity)]["rating_rank"] = rank
    return result


@pytest.fixture(scope="module")
def marts(built_region):
    with psycopg.connect(built_region.url, row_factory=dict_row) as conn:
        appeals = conn.execute(
            "select * from marts.fct_appeals where region_code = %s and not is_rejected", (REGION,)
        ).fetchall()
        ratings = [
            *conn.execute(
                "select 'agency' as subject, agency_id as entity_id, period_grain, period_start, is_rated, "
                "total_score, rating_rank, previous_rank, quantity_score, quality_score, speed_score, "
                "completeness_score from marts.agg_agency_rating where region_code = %s",
                (REGION,),
            ).fetchall(),
            *conn.execute(
                "select 'municipality' as subject, municipality_oktmo as entity_id, period_grain, period_start, "
                "is_rated, total_score, rating_rank, previous_rank, quantity_score, quality_score, speed_score, "
                "completeness_score from marts.agg_municipality_rating where region_code = %s",
                (REGION,),
            ).fetchall(),
        ]
        metrics = conn.execute(
            "select subject, entity_id, period_grain, period_start, metric, value, score "
            "from marts.agg_rating_metric_scores where region_code = %s",
            (REGION,),
        ).fetchall()
    timezone = next(r["timezone"] for r in _seed("regions") if r["region_code"] == REGION)
    return appeals, ratings, metrics, timezone


@pytest.mark.parametrize(("grain", "start", "end"), PERIODS, ids=[f"{g}-{s:%Y-%m}" for g, s, _ in PERIODS])
def test_rating_recomputed_from_the_methodology_equals_the_marts(marts, grain, start, end):
    appeals, ratings, metrics, timezone = marts
    expected = recompute(appeals, grain, start, end, timezone)

    mart_values = {
        (m["subject"], m["entity_id"], m["metric"]): m["value"]
        for m in metrics
        if m["period_grain"] == grain and m["period_start"] == start
    }
    for (subject, entity), mine in expected.items():
        for metric, value in mine["values"].items():
            if (subject, entity, metric) in mart_values:
                assert mart_values[(subject, entity, metric)] == value, (subject, entity, metric)
    mart_scores = {
        (m["subject"], m["entity_id"], m["metric"]): m["score"]
        for m in metrics
        if m["period_grain"] == grain and m["period_start"] == start and m["score"] is not None
    }
    assert mart_scores == {
        (subject, entity, metric): score
        for (subject, entity), mine in expected.items()
        for metric, score in mine["scores"].items()
    }

    mart_ratings = {
        (r["subject"], r["entity_id"]): r for r in ratings if r["period_grain"] == grain and r["period_start"] == start
    }
    assert set(mart_ratings) == set(expected), "every agency existing in the period and every municipality is listed"
    for key, mine in expected.items():
        row = mart_ratings[key]
        got = {
            "is_rated": row["is_rated"],
            "total_score": row["total_score"],
            "rating_rank": row["rating_rank"],
            "axes": {axis: row[f"{axis}_score"] for axis in AXES},
        }
        assert got == {k: mine[k] for k in ("is_rated", "total_score", "rating_rank", "axes")}, key
    assert any(mine["is_rated"] for mine in expected.values()), "the period rates somebody"


def test_previous_rank_is_the_rank_of_the_month_before(marts):
    appeals, ratings, _metrics, timezone = marts
    february = recompute(appeals, "month", date(2026, 2, 1), date(2026, 2, 28), timezone)
    march = {
        (r["subject"], r["entity_id"]): r["previous_rank"]
        for r in ratings
        if r["period_grain"] == "month" and r["period_start"] == date(2026, 3, 1)
    }
    assert march == {key: february.get(key, {}).get("rating_rank") for key in march}
    assert any(rank is not None for rank in march.values())
