"""The appeal fact's rules on the session's generated region: formal replies, repeats, deadlines.

The generator knows the truth the warehouse has to find: every formal reply it
writes carries FORMAL_MARKER, the portal flags the repeats it makes (the same
person about the same topic), and ПОС's planned dates and «Просрочено» follow
the platform's own rules. These tests hold the shipped seeds to that truth.
"""

from __future__ import annotations

import psycopg
import pytest

from orchestration.generate.texts import FORMAL_MARKER

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LATEST_REGIONAL = """
    select distinct on (_feed, source_id) *
    from raw.regional_appeals
    order by _feed, source_id, _exported_at desc, _load_id desc, _row_number desc
"""
LATEST_IM = """
    select distinct on (im_id) *
    from raw.im_incidents
    order by im_id, _exported_at desc, _load_id desc, _row_number desc
"""


def _rows(url: str, sql: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()


def test_formal_replies_are_exactly_the_generated_ones(built_region):
    pattern = f"%{FORMAL_MARKER}%"
    regional = _rows(
        built_region.url,
        f"""
        select stg.is_formal_reply, raw.answer_text ilike %s, count(*)
        from ({LATEST_REGIONAL}) as raw
        inner join staging.stg_regional__appeals as stg on stg.feed_name = raw._feed and stg.source_id = raw.source_id
        where raw.answer_text is not null
        group by 1, 2
        """,
        pattern,
    )
    im = _rows(
        built_region.url,
        f"""
        select stg.is_formal_reply, concat_ws(' ', raw.executor_answer_1, raw.executor_answer_2,
            raw.executor_answer_3) ilike %s, count(*)
        from ({LATEST_IM}) as raw
        inner join staging.stg_im__incidents as stg using (im_id)
        where raw.executor_answer_1 is not null
        group by 1, 2
        """,
        pattern,
    )
    for flagged, generated_formal, count in regional + im:
        assert flagged == generated_formal, (flagged, generated_formal, count)
    assert any(flagged for flagged, _, _ in regional) and any(flagged for flagged, _, _ in im)
    # ПОС exports have no answer text: the flag stays unknown, never "not formal"
    pos = _rows(
        built_region.url, "select count(*) from marts.fct_appeals where source_kind = 'pos' and is_formal_reply"
    )
    assert pos == [(0,)]
    unknown = _rows(
        built_region.url,
        "select count(*) from marts.fct_appeals where source_kind = 'pos' and is_formal_reply is not null",
    )
    assert unknown == [(0,)]


def test_portal_repeats_within_the_window_are_found_by_the_applicant(built_region):
    """The portal flags a repeat; tsur must find the same person's earlier appeal from the hashed contacts."""
    rows = _rows(
        built_region.url,
        """
        select fct.appeal_key, fct.repeat_basis, exists (
            select 1 from intermediate.int_appeals__unioned as earlier
            where earlier.applicant_key = appeal.applicant_key and earlier.category_code = appeal.category_code
              and earlier.received_at < appeal.received_at
              and earlier.received_at >= appeal.received_at - interval '30 days'
        ) as found
        from marts.fct_appeals as fct
        inner join intermediate.int_appeals__unioned as appeal using (appeal_key)
        where fct.source_kind = 'regional' and appeal.is_repeat
        """,
    )
    assert rows
    assert all(basis == "source_flag" for _, basis, _ in rows)
    # most generated repeats come within 30 days; each of those is linked to its first appeal
    assert sum(found for _, _, found in rows) > len(rows) / 3


def test_pos_deadlines_are_the_platforms_and_disagreements_are_explained(built_region):
    mismatched = _rows(
        built_region.url,
        """
        select count(*) from marts.fct_appeals as fct
        inner join staging.stg_pos__messages as stg on fct.source_id = stg.pos_number::text
        where fct.source_kind = 'pos' and fct.due_at is distinct from stg.planned_completion_at
        """,
    )
    assert mismatched == [(0,)]
    reasons = dict(
        _rows(
            built_region.url,
            "select reason, count(*) from marts.fct_deadline_checks where source_kind = 'pos' group by 1",
        )
    )
    # the demo platform moves a deadline only by re-review and postponement, and sets «Просрочено» right
    assert set(reasons) <= {
        "rereview_new_cycle",
        "later_than_rule",
        "later_within_extension_limit",
        "flag_kept_from_earlier_cycle",
    }, reasons
    assert reasons.get("rereview_new_cycle", 0) > 0


def test_im_first_response_deadlines_across_the_new_year_holidays(built_region):
    """Assigned during 1–11 January 2026 (all days off): the clock starts on Monday 12 January at 09:00.

    4 working hours end at 13:00 that day (the lunch break starts then); 9 end at 10:00 on the 13th
    (8 office hours a day: 09:00–18:00 minus lunch 13:00–14:00, regions.csv).
    """
    rows = _rows(
        built_region.url,
        """
        select appeal.importance, deadline.first_response_due_at, count(*)
        from intermediate.int_appeals__deadlines as deadline
        inner join intermediate.int_appeals__unioned as appeal using (appeal_key)
        where appeal.source_kind = 'im' and appeal.region_code = 'BRY'
          and coalesce(appeal.assigned_at, appeal.received_at) >= '2026-01-01 00:00+03'
          and coalesce(appeal.assigned_at, appeal.received_at) < '2026-01-12 00:00+03'
        group by 1, 2
        """,
    )
    due = {importance: due_at.isoformat() for importance, due_at, _ in rows}
    assert len(rows) == len(due) == 2, rows
    assert due == {"high": "2026-01-12T10:00:00+00:00", "normal": "2026-01-13T07:00:00+00:00"}


def test_im_first_response_verdicts_agree_with_the_source_except_on_shortened_days(built_region):
    """IM's own «Уложились…» and its working durations are reproduced; the demo's IM counts a
    shortened pre-holiday day (art. 95 of the Labour Code) as a full one, the warehouse does not."""
    shortened_between = """
        exists (
            select 1 from marts.dim_calendar as day
            where day.region_code = appeal.region_code and day.is_shortened
              and day.day_ends_at > {start} and day.day_starts_at < {end}
        )
    """
    verdicts = _rows(
        built_region.url,
        f"""
        select {shortened_between.format(start="appeal.assigned_at", end="appeal.executor_first_response_at")},
            count(*)
        from marts.fct_deadline_checks as checks
        inner join intermediate.int_appeals__unioned as appeal using (appeal_key)
        where checks.check_kind = 'first_response_flag'
        group by 1
        """,
    )
    assert all(explained for explained, _ in verdicts), verdicts
    agreed = _rows(
        built_region.url,
        """
        select count(*) from marts.fct_appeals
        where source_kind = 'im' and is_first_response_on_time is not null
        """,
    )
    assert agreed[0][0] > 1000
    durations = _rows(
        built_region.url,
        f"""
        select {shortened_between.format(start="appeal.received_at", end="appeal.first_response_at")}, count(*)
        from marts.fct_appeals as fct
        inner join intermediate.int_appeals__unioned as appeal using (appeal_key)
        inner join staging.stg_im__incidents as im on im.im_id = fct.source_id
        where fct.source_kind = 'im'
          and abs(fct.working_hours_to_first_response - im.first_response_working_seconds / 3600.0) > 0.02
        group by 1
        """,
    )
    assert all(explained for explained, _ in durations), durations
