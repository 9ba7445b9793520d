-- What the computable indicators are made of, per region, source kind,
-- block and local day: appeals received that day (repeats, redirects, first
-- responses) and answered that day (answer times, deadlines, ratings,
-- reactions, formal replies). Sums and counts only, so any date window adds up from days.
-- Rejected appeals are left out.
--
-- A table: agg_indicator_progress and two data tests read it, and as a view
-- each of them would scan fct_appeals again.
--
-- Incremental (macros/incremental_aggregates.sql): every measure is a sum, so
-- a run adds to each row the measures of the appeals fct_appeals changed,
-- their current version counted +1 and the version this model counted -1; a
-- row left with nothing received or answered is deleted. A full refresh
-- gives the same rows (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'source_kind',
    'block_code',
    'received_date',
    'answered_date',
    'hours_to_answer',
    'hours_to_first_response',
    'is_on_time',
    'rating',
    'is_satisfied',
    'is_repeat',
    'is_redirected',
    'is_formal_reply',
    'is_rejected',
] %}
{%- set dimensions = ['region_code', 'source_kind', 'block_code', 'activity_date'] %}
{#- name, type, the signed sum over the received (r) or answered (a) events -#}
{%- set measures = [
    ['received', 'numeric', "sum(sign) filter (where event_kind = 'r')"],
    ['received_repeat', 'numeric', "sum(sign) filter (where event_kind = 'r' and is_repeat)"],
    ['received_redirected', 'numeric', "sum(sign) filter (where event_kind = 'r' and is_redirected)"],
    ['received_with_first_response', 'numeric', "sum(sign) filter (where event_kind = 'r' and hours_to_first_response is not null)"],
    ['hours_to_first_response_sum', 'numeric', "sum(sign * hours_to_first_response) filter (where event_kind = 'r')"],
    ['answered', 'numeric', "sum(sign) filter (where event_kind = 'a')"],
    ['answered_with_time', 'numeric', "sum(sign) filter (where event_kind = 'a' and hours_to_answer is not null)"],
    ['hours_to_answer_sum', 'numeric', "sum(sign * hours_to_answer) filter (where event_kind = 'a')"],
    ['answered_with_deadline', 'numeric', "sum(sign) filter (where event_kind = 'a' and is_on_time is not null)"],
    ['answered_late', 'numeric', "sum(sign) filter (where event_kind = 'a' and not is_on_time)"],
    ['answered_rated', 'numeric', "sum(sign) filter (where event_kind = 'a' and rating is not null)"],
    ['answered_rated_positive', 'numeric', "sum(sign) filter (where event_kind = 'a' and rating >= 4)"],
    ['answered_with_reaction', 'numeric', "sum(sign) filter (where event_kind = 'a' and is_satisfied is not null)"],
    ['answered_satisfied', 'numeric', "sum(sign) filter (where event_kind = 'a' and is_satisfied)"],
    ['answered_with_formal_check', 'numeric', "sum(sign) filter (where event_kind = 'a' and is_formal_reply is not null)"],
    ['answered_formal_reply', 'numeric', "sum(sign) filter (where event_kind = 'a' and is_formal_reply)"],
] %}
{%- set mode = appeal_aggregate_mode() %}
{{ config(**appeal_cells_config(counted_columns, 'received = 0 and answered = 0')) }}

with

-- The changed appeals (current versions +1, the versions counted before -1),
-- or in a full build every appeal.
appeals as (
    {{ counted_appeals(counted_columns, mode == 'incremental', 'not is_rejected and region_code is not null') }}
),

-- each appeal on the day it was received and on the day it was answered
events as (
    select
        occurrence.event_kind,
        occurrence.activity_date,
        appeals.*
    from appeals
    cross join
        lateral (
            values
            ('r', appeals.received_date),
            ('a', appeals.answered_date)
        ) as occurrence (event_kind, activity_date)
    where occurrence.activity_date is not null
),

-- the signed sums per cell, the cells to write and the rows
{{ appeal_cells(dimensions, measures, mode == 'incremental') }}

select * from final
