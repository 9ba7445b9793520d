-- What the computable indicators are made of, per region, source kind,
-- block and local day: appeals received that day (repeats, redirects, first
-- responses) and answered that day (answer times, deadlines, ratings,
-- reactions, formal replies). Sums and counts only, so any date window adds up from days.
-- Rejected appeals are left out.
--
-- A table: agg_indicator_progress and two data tests read it, and as a view
-- each of them would scan fct_appeals again.
{{ config(materialized='table') }}

with

appeals as (
    select
        region_code,
        source_kind,
        block_code,
        received_date,
        answered_date,
        hours_to_answer,
        hours_to_first_response,
        is_on_time,
        rating,
        is_satisfied,
        is_repeat,
        is_redirected,
        is_formal_reply
    from {{ ref('fct_appeals') }}
    where
        not is_rejected
        and region_code is not null
),

received as (
    select
        region_code,
        source_kind,
        block_code,
        received_date as activity_date,
        count(*) as received,
        count(*) filter (where is_repeat) as received_repeat,
        count(*) filter (where is_redirected) as received_redirected,
        count(hours_to_first_response) as received_with_first_response,
        coalesce(sum(hours_to_first_response), 0) as hours_to_first_response_sum,
        0 as answered,
        0 as answered_with_time,
        0 as hours_to_answer_sum,
        0 as answered_with_deadline,
        0 as answered_late,
        0 as answered_rated,
        0 as answered_rated_positive,
        0 as answered_with_reaction,
        0 as answered_satisfied,
        0 as answered_with_formal_check,
        0 as answered_formal_reply
    from appeals
    group by region_code, source_kind, block_code, received_date
),

answered as (
    select
        region_code,
        source_kind,
        block_code,
        answered_date as activity_date,
        0 as received,
        0 as received_repeat,
        0 as received_redirected,
        0 as received_with_first_response,
        0 as hours_to_first_response_sum,
        count(*) as answered,
        count(hours_to_answer) as answered_with_time,
        coalesce(sum(hours_to_answer), 0) as hours_to_answer_sum,
        count(is_on_time) as answered_with_deadline,
        count(*) filter (where not is_on_time) as answered_late,
        count(rating) as answered_rated,
        count(*) filter (where rating >= 4) as answered_rated_positive,
        count(is_satisfied) as answered_with_reaction,
        count(*) filter (where is_satisfied) as answered_satisfied,
        count(is_formal_reply) as answered_with_formal_check,
        count(*) filter (where is_formal_reply) as answered_formal_reply
    from appeals
    where answered_date is not null
    group by region_code, source_kind, block_code, answered_date
),

final as (
    select
        region_code,
        source_kind,
        block_code,
        activity_date,
        sum(received) as received,
        sum(received_repeat) as received_repeat,
        sum(received_redirected) as received_redirected,
        sum(received_with_first_response) as received_with_first_response,
        sum(hours_to_first_response_sum) as hours_to_first_response_sum,
        sum(answered) as answered,
        sum(answered_with_time) as answered_with_time,
        sum(hours_to_answer_sum) as hours_to_answer_sum,
        sum(answered_with_deadline) as answered_with_deadline,
        sum(answered_late) as answered_late,
        sum(answered_rated) as answered_rated,
        sum(answered_rated_positive) as answered_rated_positive,
        sum(answered_with_reaction) as answered_with_reaction,
        sum(answered_satisfied) as answered_satisfied,
        sum(answered_with_formal_check) as answered_with_formal_check,
        sum(answered_formal_reply) as answered_formal_reply
    from (
        select * from received
        union all
        select * from answered
    ) as activity
    group by region_code, source_kind, block_code, activity_date
)

select * from final
