-- Median and 90th percentile of the time to first response and to the final
-- answer, in calendar hours and in working (office) hours, per period (day,
-- ISO week, month, quarter) and per one dimension at a time, with the key
-- of agg_appeals_by_period. Percentiles cannot be added up or averaged, so
-- they are computed here from the appeals for every period and dimension
-- value; a dashboard picks its row, it never combines
-- them. Sparse: a row only where the period has at least one measured appeal.
--
-- The answer's time counts on the answer's day, the first response's in the
-- received cohort, as in agg_appeals_daily. Percentiles are
-- percentile_cont: linear interpolation between the two nearest ranks
-- (numpy's default), as double precision.
--
-- Incremental (macros/incremental_aggregates.sql): a run finds the appeals
-- whose times, days or dimensions changed (against the version this model
-- counted, from fct_appeals' change log), deletes every period holding one of their old or new days,
-- and computes those periods again from the appeals of the quarters they lie
-- in. A full refresh gives the same rows (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'block_code',
    'category_code',
    'agency_id',
    'municipality_oktmo',
    'channel',
    'received_date',
    'answered_date',
    'hours_to_answer',
    'hours_to_first_response',
    'working_hours_to_answer',
    'working_hours_to_first_response',
] %}
{%- set mode = appeal_aggregate_mode() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "set local work_mem = '256MB'",
        "{{ prepare_appeal_changes(" ~ counted_columns ~ ") }}",
        "{{ prepare_changed_periods(appeal_times_changed_days(), appeal_aggregate_mode() == 'incremental') }}",
    ],
    post_hook=["{{ mark_appeal_changes_read() }}"],
) }}

with

{% if mode == 'incremental' -%}

    -- The periods to compute again, and the quarters holding them.
    changed_periods as (
        select * from {{ this.identifier }}__periods
    ),

    -- the span of the quarters holding them
    changed_span as (
        select
            min(period_start) as first_day,
            max((period_start + interval '3 months')::date) as end_day
        from changed_periods
        where period_grain = 'quarter'
    ),

    -- The appeals received or answered in that span (a time counts on its
    -- answer's or receipt's day), through fct_appeals' date indexes.
    appeals as (
        select
            {{ counted_columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }}
        where
            (
                received_date >= (select changed_span.first_day from changed_span)
                and received_date < (select changed_span.end_day from changed_span)
            )
            or (
                answered_date >= (select changed_span.first_day from changed_span)
                and answered_date < (select changed_span.end_day from changed_span)
            )
    ),

{%- else %}

    -- Only the columns used: the CTE is read twice, so it is materialised.
    appeals as (
        select
            {{ counted_columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }}
    ),

{%- endif %}

grains as (
    select grain.period_grain
    from (values ('day'), ('week'), ('month'), ('quarter')) as grain (period_grain)
),

timed as (
    select
        'answer' as measure,
        greatest(answered_date, received_date) as event_date,
        hours_to_answer::float8 as hours,
        working_hours_to_answer::float8 as working_hours,
        region_code,
        block_code,
        category_code,
        agency_id,
        municipality_oktmo,
        channel
    from appeals
    where answered_date is not null and hours_to_answer is not null
    union all
    select
        'first_response' as measure,
        received_date as event_date,
        hours_to_first_response::float8 as hours,
        working_hours_to_first_response::float8 as working_hours,
        region_code,
        block_code,
        category_code,
        agency_id,
        municipality_oktmo,
        channel
    from appeals
    where hours_to_first_response is not null
),

-- The hours of each day and dimension value as arrays: one pass over the
-- appeals, so that a week, month or quarter gathers its days' arrays rather
-- than re-reading and re-sorting the appeals once per grain.
day_hours as (
    select
        event_date,
        region_code,
        case
            when grouping(block_code) = 0 then 'block'
            when grouping(category_code) = 0 then 'category'
            when grouping(agency_id) = 0 then 'agency'
            when grouping(municipality_oktmo) = 0 then 'municipality'
            when grouping(channel) = 0 then 'channel'
            else 'region'
        end as dimension,
        case
            when grouping(block_code) = 0 then block_code
            when grouping(category_code) = 0 then category_code
            when grouping(agency_id) = 0 then agency_id
            when grouping(municipality_oktmo) = 0 then municipality_oktmo
            when grouping(channel) = 0 then channel
            else region_code
        end as dimension_value,
        array_agg(hours) filter (where measure = 'answer') as answer_hours,
        array_agg(hours) filter (where measure = 'first_response') as first_response_hours,
        array_agg(working_hours) filter (
            where measure = 'answer' and working_hours is not null
        ) as answer_working_hours,
        array_agg(working_hours) filter (
            where measure = 'first_response' and working_hours is not null
        ) as first_response_working_hours
    from timed
    group by
        event_date,
        region_code,
        grouping sets ((), (block_code), (category_code), (agency_id), (municipality_oktmo), (channel))
),

-- Each day's arrays under its period of every grain, in key order: reading
-- the unnested hours group by group spares the aggregate below a sort of
-- millions of rows (a plan choice only; the numbers do not depend on it).
-- unnest(a, b) pads the shorter array with nulls, which the aggregates skip.
period_hours as (
    select
        ordered.period_grain,
        ordered.period_start,
        ordered.region_code,
        ordered.dimension,
        ordered.dimension_value,
        hours.answer_hour,
        hours.first_response_hour,
        hours.answer_working_hour,
        hours.first_response_working_hour
    from (
        select
            grains.period_grain,
            date_trunc(grains.period_grain, day_hours.event_date::timestamp)::date as period_start,
            day_hours.region_code,
            day_hours.dimension,
            day_hours.dimension_value,
            day_hours.answer_hours,
            day_hours.first_response_hours,
            day_hours.answer_working_hours,
            day_hours.first_response_working_hours
        from day_hours
        cross join grains
        {%- if mode == 'incremental' %}
            inner join changed_periods
                on
                    grains.period_grain = changed_periods.period_grain
                    and date_trunc(grains.period_grain, day_hours.event_date::timestamp)::date
                    = changed_periods.period_start
                    and coalesce(day_hours.region_code, '') = coalesce(changed_periods.region_code, '')
        {%- endif %}
        order by
            grains.period_grain,
            period_start,
            day_hours.region_code,
            day_hours.dimension,
            day_hours.dimension_value
    ) as ordered
    cross join
        lateral unnest(
            ordered.answer_hours,
            ordered.first_response_hours,
            ordered.answer_working_hours,
            ordered.first_response_working_hours
        ) as hours (answer_hour, first_response_hour, answer_working_hour, first_response_working_hour)
),

percentiles as (
    select
        period_grain,
        period_start,
        region_code,
        dimension,
        dimension_value,
        count(first_response_hour) as first_response_count,
        percentile_cont(array[0.5, 0.9]) within group (order by first_response_hour) as first_response_percentiles,
        count(answer_hour) as answered_count,
        percentile_cont(array[0.5, 0.9]) within group (order by answer_hour) as answer_percentiles,
        percentile_cont(array[0.5, 0.9]) within group (
            order by first_response_working_hour
        ) as first_response_working_percentiles,
        percentile_cont(array[0.5, 0.9]) within group (order by answer_working_hour) as answer_working_percentiles
    from period_hours
    group by period_grain, period_start, region_code, dimension, dimension_value
),

final as (
    select
        period_grain,
        period_start,
        (
            period_start
            + case period_grain
                when 'day' then interval '1 day'
                when 'week' then interval '1 week'
                when 'month' then interval '1 month'
                else interval '3 months'
            end
            - interval '1 day'
        )::date as period_end,
        region_code,
        dimension,
        dimension_value,
        first_response_count::bigint as first_response_count,
        first_response_percentiles[1] as median_hours_to_first_response,
        first_response_percentiles[2] as p90_hours_to_first_response,
        answered_count::bigint as answered_count,
        answer_percentiles[1] as median_hours_to_answer,
        answer_percentiles[2] as p90_hours_to_answer,
        first_response_working_percentiles[1] as median_working_hours_to_first_response,
        first_response_working_percentiles[2] as p90_working_hours_to_first_response,
        answer_working_percentiles[1] as median_working_hours_to_answer,
        answer_working_percentiles[2] as p90_working_hours_to_answer
    from percentiles
)

select * from final
