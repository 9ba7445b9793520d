-- The counts and medians every rating metric is made of, per region, period
-- (month and quarter), rated subject (agency, municipality) and entity: one
-- pass over the appeals. Rejected appeals (declined by moderation) are left
-- out: nobody was asked to answer them. Each appeal is counted in every
-- period it was in work in (received by the period's end and not answered
-- before its start), for its agency (the one credited in that period) and
-- for its municipality.
--
-- A table, not a view: three models read it, and it is the only step of the
-- ratings that scans the appeals. The rating periods are those of
-- int_ratings__periods, computed inline from the same macro
-- (macros/rating_periods.sql): reading the table would make this model wait
-- for it and its tests, behind the other aggregates of fct_appeals.
--
-- Incremental (macros/incremental_aggregates.sql): a run finds the appeals
-- whose columns read here changed against the version this model counted
-- (fct_appeals' change log), and computes again, per region, every period ending on or after the
-- first day that can have changed: the earliest receipt of a changed appeal
-- (it was in work from then on), or the earliest previous as-of among them
-- (the running periods' snapshot moves with it); the day before, to be safe
-- across time zones. A full refresh gives the same rows
-- (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'agency_id',
    'municipality_oktmo',
    'received_date',
    'due_at',
    'first_response_at',
    'first_response_due_at',
    'answered_at',
    'answered_date',
    'is_on_time',
    'hours_to_first_response',
    'hours_to_answer',
    'is_satisfied',
    'is_negative',
    'is_repeat',
    'is_formal_reply',
    'as_of_at',
    'is_rejected',
] %}
{%- set mode = appeal_aggregate_mode() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ prepare_appeal_changes(" ~ counted_columns ~ ") }}",
        "{{ prepare_rating_recompute(appeal_aggregate_mode() == 'incremental') }}",
    ],
    post_hook=[
        "{{ mark_appeal_changes_read() }}",
        "analyze {{ this }}",
    ],
) }}

with

{% if mode == 'incremental' -%}

    -- The regions to compute again, from start_day on.
    recomputed as (
        select * from {{ this.identifier }}__regions
    ),

    -- the appeals in work in a period from start_day's quarter on
    appeals as (
        select
            appeal.appeal_key,
            appeal.region_code,
            appeal.agency_id,
            appeal.municipality_oktmo,
            appeal.received_at,
            appeal.received_date,
            appeal.due_at,
            appeal.first_response_at,
            appeal.first_response_due_at,
            appeal.answered_at,
            appeal.answered_date,
            appeal.is_on_time,
            appeal.hours_to_first_response,
            appeal.hours_to_answer,
            appeal.is_satisfied,
            appeal.is_negative,
            appeal.is_repeat,
            appeal.is_formal_reply,
            appeal.as_of_at
        from {{ ref('fct_appeals') }} as appeal
        inner join recomputed on appeal.region_code = recomputed.region_code
        where
            not appeal.is_rejected
            and (
                appeal.answered_date is null
                or appeal.answered_date >= date_trunc('quarter', recomputed.start_day::timestamp)::date
            )
    ),

    periods as (
        select rating_periods.*
        from ({{ rating_periods() }}) as rating_periods
        inner join recomputed on rating_periods.region_code = recomputed.region_code
        where rating_periods.period_end >= recomputed.start_day
    ),

{%- else %}

    appeals as (
        select
            appeal_key,
            region_code,
            agency_id,
            municipality_oktmo,
            received_at,
            received_date,
            due_at,
            first_response_at,
            first_response_due_at,
            answered_at,
            answered_date,
            is_on_time,
            hours_to_first_response,
            hours_to_answer,
            is_satisfied,
            is_negative,
            is_repeat,
            is_formal_reply,
            as_of_at
        from {{ ref('fct_appeals') }}
        where
            not is_rejected
            and region_code is not null
    ),

    periods as (
        select * from ({{ rating_periods() }}) as rating_periods
    ),

{%- endif %}

credited_agencies as (
    select * from {{ ref('int_ratings__credited_agencies') }}
),

-- every period each appeal was in work in
in_work as (
    select
        periods.region_code,
        periods.period_grain,
        periods.period_start,
        appeals.agency_id,
        appeals.municipality_oktmo,
        appeals.received_date between periods.period_start and periods.period_end as is_received,
        coalesce(appeals.answered_date between periods.period_start and periods.period_end, false) as is_answered,
        coalesce(appeals.answered_at <= least(periods.snapshot_at, appeals.as_of_at), false)
            as is_answered_by_snapshot,
        coalesce(
            appeals.due_at < least(periods.snapshot_at, appeals.as_of_at)
            and (appeals.answered_at is null or appeals.answered_at > least(periods.snapshot_at, appeals.as_of_at)),
            false
        ) as is_overdue_open_at_snapshot,
        case
            when appeals.first_response_at <= least(periods.snapshot_at, appeals.as_of_at)
                then appeals.hours_to_first_response
        end as hours_to_first_response,
        -- the first-response deadline fell by the snapshot: was it kept?
        case
            when appeals.first_response_due_at <= least(periods.snapshot_at, appeals.as_of_at)
                then coalesce(appeals.first_response_at <= appeals.first_response_due_at, false)
        end as is_first_response_on_time,
        appeals.is_on_time,
        appeals.hours_to_answer,
        appeals.is_satisfied,
        appeals.is_negative,
        appeals.is_repeat,
        appeals.is_formal_reply
    from appeals
    inner join periods
        on
            appeals.region_code = periods.region_code
            and appeals.received_date <= periods.period_end
            and (appeals.answered_date is null or appeals.answered_date >= periods.period_start)
),

-- each appeal once for its agency and once for its municipality
attributed as (
    select
        in_work.*,
        'agency' as subject,
        credited_agencies.credited_agency_id as entity_id
    from in_work
    inner join credited_agencies
        on
            in_work.region_code = credited_agencies.region_code
            and in_work.agency_id = credited_agencies.agency_id
            and in_work.period_start >= coalesce(credited_agencies.credited_from, '-infinity'::date)
            and in_work.period_start <= coalesce(credited_agencies.credited_to, 'infinity'::date)

    union all

    select
        in_work.*,
        'municipality' as subject,
        in_work.municipality_oktmo as entity_id
    from in_work
    where in_work.municipality_oktmo is not null
),

final as (
    select
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id,
        count(*) filter (where is_received) as appeals_received,
        count(*) filter (where is_answered) as appeals_answered,
        count(*) as appeals_in_work,
        count(*) filter (where is_received and is_answered_by_snapshot) as received_answered_by_snapshot,
        count(*) filter (where is_overdue_open_at_snapshot) as overdue_open_at_snapshot,
        count(*) filter (where is_answered and is_on_time is not null) as answered_with_deadline,
        count(*) filter (where is_answered and is_on_time) as answered_on_time,
        count(*) filter (where is_answered and is_satisfied is not null) as answered_with_reaction,
        count(*) filter (where is_answered and is_satisfied) as answered_satisfied,
        count(*) filter (where is_answered and is_negative) as answered_negative,
        count(*) filter (where is_received and is_repeat) as received_repeat,
        count(*) filter (where is_answered and is_formal_reply is not null) as answered_with_formal_check,
        count(*) filter (where is_answered and is_formal_reply) as answered_formal_reply,
        count(*) filter (where is_received and is_first_response_on_time is not null)
            as received_with_first_response_deadline,
        count(*) filter (where is_received and is_first_response_on_time) as received_first_response_on_time,
        count(hours_to_answer) filter (where is_answered) as answered_with_time,
        -- medians of 2-decimal hours have at most 3 decimals; rounding to 3
        -- only removes the float noise of percentile_cont
        round(
            (percentile_cont(0.5) within group (order by hours_to_answer) filter (where is_answered))::numeric, 3
        ) as median_hours_to_answer,
        count(hours_to_first_response) filter (where is_received) as received_with_first_response,
        round(
            (
                percentile_cont(0.5) within group (order by hours_to_first_response) filter (where is_received)
            )::numeric,
            3
        ) as median_hours_to_first_response
    from attributed
    group by
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id
)

select * from final
