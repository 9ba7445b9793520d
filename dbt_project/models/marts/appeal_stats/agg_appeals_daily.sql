-- The additive grain of every appeal indicator: one row per local calendar
-- day, region, block, category, agency, municipality and channel, holding
-- counts and sums only, so that a dashboard filtering on any of these at once
-- adds rows up and computes shares from the sums (never averages shares).
--
-- Each measure sits on the day its event happened, in the region's calendar:
--   * received_* on the day the appeal arrived (the received cohort; its
--     *_now counts are that cohort's state at the data's as-of);
--   * answered, on-time, answer time, ratings and reactions on the day of
--     the final answer;
--   * open_delta / overdue_open_delta are +1 / -1 when an appeal enters or
--     leaves the open (overdue) backlog, so that the backlog at the end of
--     any day is the running sum of the deltas up to that day.
-- An answer or deadline dated before the appeal's receipt counts on the day
-- of receipt (so that no running sum starts before the data does).
--
-- Incremental (macros/incremental_aggregates.sql): every measure is a sum, so
-- a run adds to each cell the measures of the appeals fct_appeals changed,
-- their new version counted +1 and the version this model counted before -1;
-- a cell left with no event is deleted. Only cells whose values change are
-- written (their _built_at is the run's), and their days go to the change
-- log that agg_appeals_by_period and agg_dashboard_appeals_daily read. A full
-- refresh gives the same rows (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'block_code',
    'category_code',
    'agency_id',
    'municipality_oktmo',
    'channel',
    'source_kind',
    'received_date',
    'due_at',
    'answered_at',
    'answered_date',
    'as_of_at',
    'is_answered',
    'is_rejected',
    'is_repeat',
    'is_redirected',
    'is_on_time',
    'is_overdue_open',
    'is_first_response_on_time',
    'ageing_bucket',
    'is_formal_reply',
    'hours_to_first_response',
    'hours_to_answer',
    'working_hours_to_first_response',
    'working_hours_to_answer',
    'rating',
    'satisfaction_reaction',
    'is_satisfied',
    'is_negative',
] %}
{%- set dimensions = [
    'calendar_date', 'region_code', 'block_code', 'category_code', 'agency_id', 'municipality_oktmo', 'channel',
    'source_kind',
] %}
{#- name, type, the signed sum over the events (coalesced to 0) -#}
{%- set measures = [
    ["received_count", "int", "sum(sign) filter (where event_kind = 'received')"],
    ["received_rejected_count", "int", "sum(sign) filter (where event_kind = 'received' and is_rejected)"],
    ["received_repeat_count", "int", "sum(sign) filter (where event_kind = 'received' and is_repeat)"],
    ["received_redirected_count", "int", "sum(sign) filter (where event_kind = 'received' and is_redirected)"],
    ["received_answered_now_count", "int", "sum(sign) filter (where event_kind = 'received' and is_answered)"],
    ["received_open_now_count", "int", "sum(sign) filter (where event_kind = 'received' and not is_answered and not is_rejected)"],
    ["received_overdue_open_now_count", "int", "sum(sign) filter (where event_kind = 'received' and is_overdue_open)"],
    ["first_response_count", "int", "sum(sign) filter (where event_kind = 'received' and hours_to_first_response is not null)"],
    ["first_response_hours_sum", "numeric", "sum(sign * hours_to_first_response) filter (where event_kind = 'received')"],
    ["first_response_working_count", "int", "sum(sign) filter (where event_kind = 'received' and working_hours_to_first_response is not null)"],
    ["first_response_working_hours_sum", "numeric", "sum(sign * working_hours_to_first_response) filter (where event_kind = 'received')"],
    ["first_response_with_deadline_count", "int", "sum(sign) filter (where event_kind = 'received' and is_first_response_on_time is not null)"],
    ["first_response_on_time_count", "int", "sum(sign) filter (where event_kind = 'received' and is_first_response_on_time)"],
    ["ageing_not_due_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = 'not_due')"],
    ["ageing_0_3d_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = '0-3d')"],
    ["ageing_4_7d_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = '4-7d')"],
    ["ageing_8_14d_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = '8-14d')"],
    ["ageing_15_30d_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = '15-30d')"],
    ["ageing_31d_plus_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = '31+d')"],
    ["ageing_no_deadline_now_count", "int", "sum(sign) filter (where event_kind = 'received' and ageing_bucket = 'no_deadline')"],
    ["answered_count", "int", "sum(sign) filter (where event_kind = 'answered')"],
    ["answered_rateable_count", "int", "sum(sign) filter (where event_kind = 'answered' and source_kind != 'im')"],
    ["answered_with_deadline_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_on_time is not null)"],
    ["answered_on_time_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_on_time)"],
    ["answer_hours_sum", "numeric", "sum(sign * hours_to_answer) filter (where event_kind = 'answered')"],
    ["answer_working_count", "int", "sum(sign) filter (where event_kind = 'answered' and working_hours_to_answer is not null)"],
    ["answer_working_hours_sum", "numeric", "sum(sign * working_hours_to_answer) filter (where event_kind = 'answered')"],
    ["rated_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating is not null)"],
    ["rating_1_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating = 1)"],
    ["rating_2_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating = 2)"],
    ["rating_3_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating = 3)"],
    ["rating_4_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating = 4)"],
    ["rating_5_count", "int", "sum(sign) filter (where event_kind = 'answered' and rating = 5)"],
    ["reaction_satisfied_count", "int", "sum(sign) filter (where event_kind = 'answered' and satisfaction_reaction = 'satisfied')"],
    ["reaction_neutral_count", "int", "sum(sign) filter (where event_kind = 'answered' and satisfaction_reaction = 'neutral')"],
    ["reaction_dissatisfied_count", "int", "sum(sign) filter (where event_kind = 'answered' and satisfaction_reaction = 'dissatisfied')"],
    ["reaction_other_count", "int", "sum(sign) filter (where event_kind = 'answered' and satisfaction_reaction not in ('satisfied', 'neutral', 'dissatisfied'))"],
    ["assessed_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_satisfied is not null)"],
    ["satisfied_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_satisfied)"],
    ["negative_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_negative)"],
    ["formal_reply_judged_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_formal_reply is not null)"],
    ["formal_reply_count", "int", "sum(sign) filter (where event_kind = 'answered' and is_formal_reply)"],
    ["open_delta", "int", "coalesce(sum(sign) filter (where event_kind = 'received' and is_backlogged), 0) - coalesce(sum(sign) filter (where event_kind = 'answered' and is_backlogged), 0)"],
    ["overdue_open_delta", "int", "coalesce(sum(sign) filter (where event_kind = 'fell_overdue'), 0) - coalesce(sum(sign) filter (where event_kind = 'answered' and becomes_overdue), 0)"],
    ["event_count", "int", "sum(sign)"],
] %}

{%- set mode = appeal_aggregate_mode() %}
{{ config(**appeal_cells_config(
    counted_columns,
    'event_count = 0',
    indexes=[{'columns': ['_built_at']}, {'columns': ['region_code', 'calendar_date']}],
    pre_hook=["set local work_mem = '256MB'"],
    post_hook=["{{ log_changed_cells(full=appeal_aggregate_mode() == 'full') }}"],
)) }}

with

-- The changed appeals (new versions +1, the versions counted before -1), or
-- in a full build every appeal with only the columns used: each appeal is
-- repeated once per event below.
appeals as (
    {{ counted_appeals(counted_columns, mode == 'incremental') }}
),

regions as (
    select
        region_code,
        timezone
    from {{ ref('regions') }}
),

localised as (
    select
        appeals.*,
        -- greatest() skips nulls: an unanswered appeal must keep no answer day
        case
            when appeals.answered_date is not null then greatest(appeals.answered_date, appeals.received_date)
        end as answer_day,
        case
            when appeals.due_at is not null
                then greatest(
                    (appeals.due_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}'))::date,
                    appeals.received_date
                )
        end as due_day,
        -- an appeal is in the backlog from its receipt until its answer;
        -- rejected ones never are, nor answered ones whose answer has no date
        not appeals.is_rejected and not (appeals.is_answered and appeals.answered_at is null) as is_backlogged,
        -- it becomes overdue when its deadline passes unanswered (before the as-of)
        coalesce(
            not appeals.is_rejected
            and appeals.due_at < appeals.as_of_at
            and (not appeals.is_answered or appeals.answered_at > appeals.due_at),
            false
        ) as becomes_overdue
    from appeals
    left join regions on appeals.region_code = regions.region_code
),

-- Up to three events per appeal: received, answered, fell overdue.
events as (
    select
        occurrence.event_kind,
        occurrence.calendar_date,
        localised.*
    from localised
    cross join
        lateral (
            values
            ('received', localised.received_date),
            ('answered', localised.answer_day),
            ('fell_overdue', case when localised.becomes_overdue then localised.due_day end)
        ) as occurrence (event_kind, calendar_date)
    where occurrence.calendar_date is not null
),

signed as (
    {{ signed_sums(dimensions, measures) }}
),

-- the cells to write (in an incremental run, those whose values change,
-- with their stored values added)
cells as (
    {{ cells_to_write(dimensions, measures, mode == 'incremental') }}
),

final as (
    select
        {{ row_key(dimensions) }} as cell_key,
        calendar_date,
        date_trunc('week', calendar_date::timestamp)::date as week_start,
        date_trunc('month', calendar_date::timestamp)::date as month_start,
        date_trunc('quarter', calendar_date::timestamp)::date as quarter_start,
        {{ dimensions[1:] | join(',\n        ') }},
        {%- for name, type, expression in measures %}
            {{ name }},
        {%- endfor %}
        {{ run_timestamp() }} as _built_at
    from cells
)

select * from final
