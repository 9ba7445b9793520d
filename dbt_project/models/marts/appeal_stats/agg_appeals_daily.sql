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
{{ config(pre_hook="set local work_mem = '256MB'") }}

with

-- Only the columns used: each appeal is repeated once per event below.
appeals as (
    select
        region_code,
        block_code,
        category_code,
        agency_id,
        municipality_oktmo,
        channel,
        source_kind,
        received_date,
        due_at,
        answered_at,
        answered_date,
        as_of_at,
        is_answered,
        is_rejected,
        is_repeat,
        is_redirected,
        is_on_time,
        is_overdue_open,
        is_first_response_on_time,
        ageing_bucket,
        is_formal_reply,
        hours_to_first_response,
        hours_to_answer,
        working_hours_to_first_response,
        working_hours_to_answer,
        rating,
        satisfaction_reaction,
        is_satisfied,
        is_negative
    from {{ ref('fct_appeals') }}
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

final as (
    select
        calendar_date,
        date_trunc('week', calendar_date::timestamp)::date as week_start,
        date_trunc('month', calendar_date::timestamp)::date as month_start,
        date_trunc('quarter', calendar_date::timestamp)::date as quarter_start,
        region_code,
        block_code,
        category_code,
        agency_id,
        municipality_oktmo,
        channel,
        source_kind,
        -- the received cohort (event received)
        (count(*) filter (where event_kind = 'received'))::int as received_count,
        (count(*) filter (where event_kind = 'received' and is_rejected))::int as received_rejected_count,
        (count(*) filter (where event_kind = 'received' and is_repeat))::int as received_repeat_count,
        (count(*) filter (where event_kind = 'received' and is_redirected))::int as received_redirected_count,
        (count(*) filter (where event_kind = 'received' and is_answered))::int as received_answered_now_count,
        (count(*) filter (
            where event_kind = 'received' and not is_answered and not is_rejected
        ))::int as received_open_now_count,
        (count(*) filter (where event_kind = 'received' and is_overdue_open))::int as received_overdue_open_now_count,
        (count(hours_to_first_response) filter (where event_kind = 'received'))::int as first_response_count,
        coalesce(sum(hours_to_first_response) filter (where event_kind = 'received'), 0) as first_response_hours_sum,
        (count(working_hours_to_first_response) filter (where event_kind = 'received'))::int
            as first_response_working_count,
        coalesce(sum(working_hours_to_first_response) filter (where event_kind = 'received'), 0)
            as first_response_working_hours_sum,
        (count(is_first_response_on_time) filter (where event_kind = 'received'))::int
            as first_response_with_deadline_count,
        (count(*) filter (where event_kind = 'received' and is_first_response_on_time))::int
            as first_response_on_time_count,
        -- the received cohort's open appeals at the as-of, by how long they are overdue
        (count(*) filter (
            where event_kind = 'received' and ageing_bucket = 'not_due'
        ))::int as ageing_not_due_now_count,
        (count(*) filter (where event_kind = 'received' and ageing_bucket = '0-3d'))::int as ageing_0_3d_now_count,
        (count(*) filter (where event_kind = 'received' and ageing_bucket = '4-7d'))::int as ageing_4_7d_now_count,
        (count(*) filter (where event_kind = 'received' and ageing_bucket = '8-14d'))::int as ageing_8_14d_now_count,
        (count(*) filter (where event_kind = 'received' and ageing_bucket = '15-30d'))::int as ageing_15_30d_now_count,
        (count(*) filter (where event_kind = 'received' and ageing_bucket = '31+d'))::int as ageing_31d_plus_now_count,
        (count(*) filter (
            where event_kind = 'received' and ageing_bucket = 'no_deadline'
        ))::int as ageing_no_deadline_now_count,
        -- the answers given that day (event answered)
        (count(*) filter (where event_kind = 'answered'))::int as answered_count,
        (count(*) filter (where event_kind = 'answered' and source_kind != 'im'))::int as answered_rateable_count,
        (count(is_on_time) filter (where event_kind = 'answered'))::int as answered_with_deadline_count,
        (count(*) filter (where event_kind = 'answered' and is_on_time))::int as answered_on_time_count,
        coalesce(sum(hours_to_answer) filter (where event_kind = 'answered'), 0) as answer_hours_sum,
        (count(working_hours_to_answer) filter (where event_kind = 'answered'))::int as answer_working_count,
        coalesce(sum(working_hours_to_answer) filter (where event_kind = 'answered'), 0) as answer_working_hours_sum,
        (count(rating) filter (where event_kind = 'answered'))::int as rated_count,
        (count(*) filter (where event_kind = 'answered' and rating = 1))::int as rating_1_count,
        (count(*) filter (where event_kind = 'answered' and rating = 2))::int as rating_2_count,
        (count(*) filter (where event_kind = 'answered' and rating = 3))::int as rating_3_count,
        (count(*) filter (where event_kind = 'answered' and rating = 4))::int as rating_4_count,
        (count(*) filter (where event_kind = 'answered' and rating = 5))::int as rating_5_count,
        (count(*) filter (
            where event_kind = 'answered' and satisfaction_reaction = 'satisfied'
        ))::int as reaction_satisfied_count,
        (count(*) filter (
            where event_kind = 'answered' and satisfaction_reaction = 'neutral'
        ))::int as reaction_neutral_count,
        (count(*) filter (
            where event_kind = 'answered' and satisfaction_reaction = 'dissatisfied'
        ))::int as reaction_dissatisfied_count,
        (count(*) filter (
            where event_kind = 'answered' and satisfaction_reaction not in ('satisfied', 'neutral', 'dissatisfied')
        ))::int as reaction_other_count,
        (count(is_satisfied) filter (where event_kind = 'answered'))::int as assessed_count,
        (count(*) filter (where event_kind = 'answered' and is_satisfied))::int as satisfied_count,
        (count(*) filter (where event_kind = 'answered' and is_negative))::int as negative_count,
        (count(is_formal_reply) filter (where event_kind = 'answered'))::int as formal_reply_judged_count,
        (count(*) filter (where event_kind = 'answered' and is_formal_reply))::int as formal_reply_count,
        -- the backlog's movements
        (
            count(*) filter (where event_kind = 'received' and is_backlogged)
            - count(*) filter (where event_kind = 'answered' and is_backlogged)
        )::int as open_delta,
        (
            count(*) filter (where event_kind = 'fell_overdue')
            - count(*) filter (where event_kind = 'answered' and becomes_overdue)
        )::int as overdue_open_delta
    from events
    group by
        calendar_date,
        region_code,
        block_code,
        category_code,
        agency_id,
        municipality_oktmo,
        channel,
        source_kind
)

select * from final
