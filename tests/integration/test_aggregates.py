"""The agg_* marts recomputed independently, in Python, from fct_appeals of the session's built region.

Every number a dashboard or an export shows comes from these marts, so each
formula of the YAML is recomputed here from the appeals themselves (not from
another aggregate) and must match exactly: counts as integers, shares as the
same IEEE division of the same two counts, percentiles by PostgreSQL's
percentile_cont interpolation.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import psycopg
import pytest
from psycopg.rows import dict_row

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TZ = ZoneInfo("Europe/Moscow")  # Брянская область


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month + timedelta(days=32)).replace(day=1)


def _percentile_cont(values: list[float], fraction: float) -> float:
    """PostgreSQL's percentile_cont: linear interpolation at rank fraction × (n − 1), as it computes it."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    first = math.floor(position)
    second = math.ceil(position)
    low, high = ordered[first], ordered[second]
    return low + (high - low) * (position - first)


@pytest.fixture(scope="module")
def warehouse(built_region):
    with psycopg.connect(built_region.url, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture(scope="module")
def appeals(warehouse) -> list[dict]:
    return warehouse.execute("select * from marts.fct_appeals").fetchall()


def _by_period(warehouse, grain: str, dimension: str) -> dict[tuple, dict]:
    rows = warehouse.execute(
        "select * from marts.agg_appeals_by_period where period_grain = %s and dimension = %s",
        (grain, dimension),
    ).fetchall()
    return {(row["period_start"], row["dimension_value"]): row for row in rows}


def _answer_day(appeal: dict) -> date | None:
    if appeal["answered_date"] is None:
        return None
    return max(appeal["answered_date"], appeal["received_date"])


def test_the_daily_table_adds_up_to_the_appeals(warehouse, appeals):
    totals = warehouse.execute(
        """select sum(received_count) as received, sum(answered_count) as answered, sum(rated_count) as rated,
                  sum(received_overdue_open_now_count) as overdue_now, sum(open_delta) as open_now,
                  sum(overdue_open_delta) as overdue_delta, sum(received_repeat_count) as repeats,
                  sum(answered_on_time_count) as on_time
           from marts.agg_appeals_daily"""
    ).fetchone()
    answered = [a for a in appeals if a["answered_date"] is not None]
    assert totals["received"] == len(appeals) == 6000
    assert totals["answered"] == len(answered)
    assert totals["rated"] == sum(1 for a in answered if a["rating"] is not None)
    assert totals["on_time"] == sum(1 for a in answered if a["is_on_time"])
    assert totals["repeats"] == sum(1 for a in appeals if a["is_repeat"])
    overdue_now = sum(1 for a in appeals if a["is_overdue_open"])
    assert overdue_now > 0
    assert totals["overdue_now"] == totals["overdue_delta"] == overdue_now
    assert totals["open_now"] == sum(1 for a in appeals if not a["is_answered"] and not a["is_rejected"])


def test_the_daily_table_adds_up_by_any_dimension(warehouse, appeals):
    rows = warehouse.execute(
        """select block_code, channel, municipality_oktmo, sum(received_count) as n
           from marts.agg_appeals_daily group by 1, 2, 3"""
    ).fetchall()
    expected = Counter((a["block_code"], a["channel"], a["municipality_oktmo"]) for a in appeals)
    assert {(r["block_code"], r["channel"], r["municipality_oktmo"]): r["n"] for r in rows} == expected


def test_ageing_counts_add_up_to_the_backlog_now(warehouse, appeals):
    row = warehouse.execute(
        """select sum(received_open_now_count) as open, sum(received_overdue_open_now_count) as overdue,
                  sum(ageing_not_due_now_count) as not_due, sum(ageing_no_deadline_now_count) as no_deadline,
                  sum(ageing_0_3d_now_count + ageing_4_7d_now_count + ageing_8_14d_now_count
                      + ageing_15_30d_now_count + ageing_31d_plus_now_count) as past_due
           from marts.agg_appeals_daily"""
    ).fetchone()
    buckets = Counter(a["ageing_bucket"] for a in appeals if a["ageing_bucket"] is not None)
    assert row["overdue"] == row["past_due"] == sum(n for b, n in buckets.items() if b.endswith("d")) > 0
    assert (row["not_due"], row["no_deadline"]) == (buckets["not_due"], buckets["no_deadline"])
    assert row["open"] == row["past_due"] + row["not_due"] + row["no_deadline"]


def test_formal_reply_share_by_month_and_channel(warehouse, appeals):
    marts = _by_period(warehouse, "month", "channel")
    judged: Counter = Counter()
    formal: Counter = Counter()
    for a in appeals:
        if a["is_formal_reply"] is not None and a["answered_date"] is not None:
            key = (_month(_answer_day(a)), a["channel"])
            judged[key] += 1
            formal[key] += a["is_formal_reply"]
    assert sum(formal.values()) > 0
    for key, total in judged.items():
        assert marts[key]["formal_reply_share"] == formal[key] / total, key


def test_received_by_block_and_month(warehouse, appeals):
    marts = _by_period(warehouse, "month", "block")
    expected = Counter((_month(a["received_date"]), a["block_code"]) for a in appeals)
    assert len(expected) > 100
    for key, count in expected.items():
        assert marts[key]["received_count"] == count, key
    # the dense grid holds zeros for the rest
    assert sum(row["received_count"] for row in marts.values()) == len(appeals)


def test_pos_on_time_share_by_month(warehouse, appeals):
    marts = _by_period(warehouse, "month", "channel")
    with_deadline: Counter = Counter()
    on_time: Counter = Counter()
    for appeal in appeals:
        if appeal["source_kind"] == "pos" and appeal["answered_date"] and appeal["is_on_time"] is not None:
            month = _month(_answer_day(appeal))
            with_deadline[month] += 1
            on_time[month] += appeal["is_on_time"]
    assert len(with_deadline) >= 12 and 0 < sum(on_time.values()) < sum(with_deadline.values())
    for month, total in with_deadline.items():
        row = marts[(month, "pos")]
        assert (row["answered_with_deadline_count"], row["answered_on_time_count"]) == (total, on_time[month])
        assert row["on_time_share"] == on_time[month] / total


def test_satisfaction_shares_by_month(warehouse, appeals):
    marts = _by_period(warehouse, "month", "region")
    assessed: Counter = Counter()
    satisfied: Counter = Counter()
    rated: Counter = Counter()
    rated_4_5: Counter = Counter()
    reactions: dict[date, Counter] = defaultdict(Counter)
    for appeal in appeals:
        day = _answer_day(appeal)
        if day is None:
            continue
        month = _month(day)
        if appeal["is_satisfied"] is not None:
            assessed[month] += 1
            satisfied[month] += appeal["is_satisfied"]
        if appeal["rating"] is not None:
            rated[month] += 1
            rated_4_5[month] += appeal["rating"] >= 4
        reactions[month][appeal["satisfaction_reaction"]] += 1
    assert sum(reactions[m]["satisfied"] for m in reactions) > 0
    for month in assessed:
        row = marts[(month, "BRY")]
        assert row["satisfaction_share"] == satisfied[month] / assessed[month]
        assert row["rating_4_5_share"] == rated_4_5[month] / rated[month]
        three = reactions[month]["satisfied"] + reactions[month]["neutral"] + reactions[month]["dissatisfied"]
        assert row["reaction_satisfied_share"] == reactions[month]["satisfied"] / three
        assert row["reaction_dissatisfied_share"] == reactions[month]["dissatisfied"] / three


def test_backlog_at_each_month_end(warehouse, appeals):
    marts = _by_period(warehouse, "month", "region")
    for (month, _), row in marts.items():
        end = _next_month(month)  # the first moment after the month, local
        end_at = datetime(end.year, end.month, end.day, tzinfo=TZ)
        open_then = overdue_then = 0
        for a in appeals:
            backlogged = not a["is_rejected"] and not (a["is_answered"] and a["answered_at"] is None)
            answer_day = _answer_day(a)
            if not backlogged or a["received_date"] >= end or (answer_day is not None and answer_day < end):
                continue
            open_then += 1
            limit = min(end_at, a["as_of_at"])
            overdue_then += a["due_at"] is not None and a["due_at"] < limit
        assert (row["open_at_period_end"], row["overdue_open_at_period_end"]) == (open_then, overdue_then), month
    last = marts[max(marts)]
    assert last["overdue_open_at_period_end"] == sum(1 for a in appeals if a["is_overdue_open"])


def test_answer_and_first_response_percentiles_by_month(warehouse, appeals):
    rows = warehouse.execute(
        """select * from marts.agg_appeal_times_by_period
           where period_grain = 'month' and dimension in ('region', 'agency')"""
    ).fetchall()
    times = {(r["period_start"], r["dimension"], r["dimension_value"]): r for r in rows}
    answers: dict[tuple, list[float]] = defaultdict(list)
    first_responses: dict[tuple, list[float]] = defaultdict(list)
    for a in appeals:
        for dimension, value in (("region", a["region_code"]), ("agency", a["agency_id"])):
            if a["answered_date"] is not None and a["hours_to_answer"] is not None:
                answers[(_month(_answer_day(a)), dimension, value)].append(float(Decimal(a["hours_to_answer"])))
            if a["hours_to_first_response"] is not None:
                first_responses[(_month(a["received_date"]), dimension, value)].append(
                    float(a["hours_to_first_response"])
                )
    assert len(answers) > 100
    for key, values in answers.items():
        row = times[key]
        assert row["answered_count"] == len(values)
        assert row["median_hours_to_answer"] == _percentile_cont(values, 0.5), key
        assert row["p90_hours_to_answer"] == _percentile_cont(values, 0.9), key
    for key, values in first_responses.items():
        assert times[key]["median_hours_to_first_response"] == _percentile_cont(values, 0.5), key
        assert times[key]["p90_hours_to_first_response"] == _percentile_cont(values, 0.9), key


def test_every_share_lies_between_zero_and_one(warehouse):
    columns = [
        row["column_name"]
        for row in warehouse.execute(
            """select column_name from information_schema.columns
               where table_schema = 'marts' and table_name like 'agg\\_%%'
                 and (column_name like '%%share' or column_name like '%%coverage' or column_name like '%%score')"""
        ).fetchall()
    ]
    assert len(columns) > 20
    for table in ("agg_appeals_by_period", "agg_problem_categories", "agg_catch_all_breakdown"):
        present = {
            r["column_name"]
            for r in warehouse.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' and table_name = %s",
                (table,),
            ).fetchall()
        }
        for column in present & set(columns):
            sql = f"select count(*) as n from marts.{table} where {column} not between 0 and 1"
            assert warehouse.execute(sql).fetchone()["n"] == 0, f"{table}.{column}"


def test_problem_categories_recomputed_for_each_month(warehouse, appeals):
    rows = warehouse.execute("select * from marts.agg_problem_categories where period_grain = 'month'").fetchall()
    assert rows
    counts: Counter = Counter()
    negative: Counter = Counter()
    assessed: Counter = Counter()
    overdue: Counter = Counter()
    with_deadline: Counter = Counter()
    for a in appeals:
        if a["is_rejected"]:
            continue
        key = (_month(a["received_date"]), a["category_code"] or f"{a['block_code']}_other")
        counts[key] += 1
        if a["is_negative"] is not None:
            assessed[key] += 1
            negative[key] += a["is_negative"]
        if a["due_at"] is not None:
            with_deadline[key] += 1
            overdue[key] += a["is_on_time"] is False or a["is_overdue_open"]
    first_month = min(_month(a["received_date"]) for a in appeals)
    blocks: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        blocks[(row["period_start"], row["block_code"])].append(row)
    for (month, _block), categories in blocks.items():
        block_total = sum(counts[(month, c["category_code"])] for c in categories)
        previous_month = (month - timedelta(days=1)).replace(day=1)
        scores = {}
        for c in categories:
            key, previous = (month, c["category_code"]), (previous_month, c["category_code"])
            n, p = counts[key], counts[previous]
            assert c["appeal_count"] == n
            has_previous = previous_month >= first_month
            above = n >= 10
            volume = n / block_total if block_total else 0.0
            growth = max((n - p) / (n + p), 0.0) if above and has_previous and n + p else 0.0
            neg = negative[key] / assessed[key] if above and assessed[key] else 0.0
            ovd = overdue[key] / with_deadline[key] if above and with_deadline[key] else 0.0
            score = 0.4 * volume + 0.2 * growth + 0.2 * neg + 0.2 * ovd
            assert math.isclose(c["priority_score"], score, abs_tol=1e-12), (month, c["category_code"])
            scores[c["category_code"]] = (-score, -n, c["is_catch_all"], c["category_code"])
        ranked = sorted(scores, key=scores.get)
        by_rank = sorted(categories, key=lambda c: c["priority_rank"])
        assert [c["category_code"] for c in by_rank] == ranked
        top = [c for c in categories if c["is_top"]]
        assert len(top) == 3 and {c["priority_rank"] for c in top} == {1, 2, 3}
        for c in categories:
            assert c["is_catch_all_in_top"] == (c["is_catch_all"] and c["is_top"])


def test_catch_all_breakdown_adds_up_to_the_catch_all(warehouse):
    mismatched = warehouse.execute(
        """select p.period_grain, p.period_start, p.block_code, p.appeal_count, b.n
           from marts.agg_problem_categories as p
           left join (
               select period_grain, period_start, region_code, category_code, sum(appeal_count) as n
               from marts.agg_catch_all_breakdown group by 1, 2, 3, 4
           ) as b using (period_grain, period_start, region_code, category_code)
           where p.is_catch_all and p.appeal_count != coalesce(b.n, 0)"""
    ).fetchall()
    assert mismatched == []
    flagged = warehouse.execute(
        "select count(*) as n from marts.agg_catch_all_breakdown where is_catch_all_in_top"
    ).fetchone()
    assert flagged["n"] > 0
