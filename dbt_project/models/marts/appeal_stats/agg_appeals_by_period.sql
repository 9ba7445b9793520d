-- Every countable appeal indicator per period (day, ISO week, month,
-- quarter) and per one dimension at a time (the region as a whole, or one
-- block, category, agency, municipality or channel): the long table for
-- report tables, exports and one-dimension charts. Counts are the sums of
-- agg_appeals_daily over the period (the same numbers by construction),
-- shares are ratios of those sums, and the backlog at a period's end is the
-- running sum of the daily deltas. Times (medians, 90th percentiles) are in
-- agg_appeal_times_by_period, with the same key. Dense: every value of a
-- dimension seen in the region's data has a row for every period from the
-- region's first appeal to its as-of, zeros included.
--
-- Incremental (macros/incremental_aggregates.sql): a run computes again, per
-- region, every period ending on or after the first day that changed (the
-- earliest day agg_appeals_daily rewrote since this model read its change
-- log, or the previous as-of day), carrying the backlog over from the last
-- period kept; a region that is new, whose first day moved or that shows a
-- new dimension value is computed whole. A full refresh gives the same rows
-- (tests/integration/test_incremental.py).
{%- set mode = changed_days_mode('agg_appeals_daily') %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "set local work_mem = '256MB'",
        "{{ prepare_period_recompute(changed_days_mode('agg_appeals_daily') == 'incremental') }}",
    ],
    post_hook=["{{ set_read_mark() }}"],
) }}

{#- The additive measures of agg_appeals_daily, summed per day and dimension,
    then per period (the backlog deltas are summed apart, into running totals). -#}
{%- set measures = [
    'received_count',
    'received_rejected_count',
    'received_repeat_count',
    'received_redirected_count',
    'received_answered_now_count',
    'received_open_now_count',
    'received_overdue_open_now_count',
    'first_response_count',
    'first_response_hours_sum',
    'first_response_working_count',
    'first_response_working_hours_sum',
    'first_response_with_deadline_count',
    'first_response_on_time_count',
    'ageing_not_due_now_count',
    'ageing_0_3d_now_count',
    'ageing_4_7d_now_count',
    'ageing_8_14d_now_count',
    'ageing_15_30d_now_count',
    'ageing_31d_plus_now_count',
    'ageing_no_deadline_now_count',
    'answered_count',
    'answered_rateable_count',
    'answered_with_deadline_count',
    'answered_on_time_count',
    'answer_hours_sum',
    'answer_working_count',
    'answer_working_hours_sum',
    'rated_count',
    'rating_1_count',
    'rating_2_count',
    'rating_3_count',
    'rating_4_count',
    'rating_5_count',
    'reaction_satisfied_count',
    'reaction_neutral_count',
    'reaction_dissatisfied_count',
    'reaction_other_count',
    'assessed_count',
    'satisfied_count',
    'negative_count',
    'formal_reply_judged_count',
    'formal_reply_count',
] %}

with

{% if mode == 'incremental' -%}

    -- The regions to compute, from start_day on (null: whole).
    recomputed as (
        select * from {{ this.identifier }}__regions
    ),

    daily as (
        select daily.*
        from {{ ref('agg_appeals_daily') }} as daily
        inner join recomputed on coalesce(daily.region_code, '') = recomputed.region_key
        where
            recomputed.start_day is null
            or daily.calendar_date >= date_trunc('quarter', recomputed.start_day::timestamp)::date
    ),

    -- the regions' data windows, as the pre-hook read them
    region_window as (
        select * from {{ this.identifier }}__windows
    ),

{%- else %}

    daily as (
        select * from {{ ref('agg_appeals_daily') }}
    ),

    region_window as (
        {{ region_windows() }}
    ),

{%- endif %}

grains as (
    select
        grain.period_grain,
        grain.step
    from (
        values
        ('day', interval '1 day'),
        ('week', interval '1 week'),
        ('month', interval '1 month'),
        ('quarter', interval '3 months')
    ) as grain (period_grain, step)
),

periods as (
    select
        region_window.region_code,
        grains.period_grain,
        period.period_start::date as period_start,
        (period.period_start + grains.step - interval '1 day')::date as period_end,
        period.period_start::date >= region_window.first_date
        and (period.period_start + grains.step)::date <= region_window.as_of_local::date as is_period_complete
    from region_window
    cross join grains
    cross join
        lateral generate_series(
            date_trunc(grains.period_grain, region_window.first_date::timestamp),
            date_trunc(grains.period_grain, region_window.as_of_local),
            grains.step
        ) as period (period_start)
    {% if mode == 'incremental' -%}
        inner join recomputed on coalesce(region_window.region_code, '') = recomputed.region_key
        where
            recomputed.start_day is null
            or (period.period_start + grains.step - interval '1 day')::date >= recomputed.start_day
    {%- endif %}
),

-- One dimension at a time: the sums of a day for the region as a whole and
-- for each block, category, agency, municipality and channel.
day_dimension as (
    select
        calendar_date,
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
        {%- for measure in measures %}
            sum({{ measure }}) as {{ measure }},
        {%- endfor %}
        sum(open_delta) as open_delta,
        sum(overdue_open_delta) as overdue_open_delta
    from daily
    group by
        calendar_date,
        region_code,
        grouping sets ((), (block_code), (category_code), (agency_id), (municipality_oktmo), (channel))
),

-- the same, keyed by cell (region, dimension and value as one text)
day_cells as (
    select
        coalesce(region_code, '?') || '|' || dimension || '|' || coalesce(dimension_value, '?') as cell_key,
        *
    from day_dimension
),

-- Null region or value (not known) are groups of their own: joined by key.
{%- if mode == 'incremental' %}
    -- a region computed in part keeps the cells it had (it has no new one)
    cells as (
        select
            region_code,
            dimension,
            dimension_value,
            coalesce(region_code, '?') || '|' || dimension || '|' || coalesce(dimension_value, '?') as cell_key
        from {{ this.identifier }}__cells
        union
        select
            day_cells.region_code,
            day_cells.dimension,
            day_cells.dimension_value,
            day_cells.cell_key
        from day_cells
        inner join recomputed on coalesce(day_cells.region_code, '') = recomputed.region_key
        where recomputed.start_day is null
    ),

    -- the backlog at the end of the last period kept, per grain and cell
    backlog_base as (
        select
            period_grain,
            coalesce(region_code, '?') || '|' || dimension || '|' || coalesce(dimension_value, '?') as cell_key,
            open_at_period_end,
            overdue_open_at_period_end
        from {{ this.identifier }}__base
    ),
{%- else %}
    cells as (
        select distinct
            region_code,
            dimension,
            dimension_value,
            cell_key
        from day_cells
    ),

    backlog_base as (
        select
            null::text as period_grain,
            null::text as cell_key,
            0::bigint as open_at_period_end,
            0::bigint as overdue_open_at_period_end
        where false
    ),
{%- endif %}

-- a day's sums are the day grain's; weeks, months and quarters add them up
period_sums as (
    select
        'day' as period_grain,
        calendar_date as period_start,
        cell_key,
        {%- for measure in measures %}
            {{ measure }},
        {%- endfor %}
        open_delta,
        overdue_open_delta
    from day_cells

    union all

    select
        grains.period_grain,
        date_trunc(grains.period_grain, day_cells.calendar_date::timestamp)::date as period_start,
        day_cells.cell_key,
        {%- for measure in measures %}
            sum(day_cells.{{ measure }}) as {{ measure }},
        {%- endfor %}
        sum(day_cells.open_delta) as open_delta,
        sum(day_cells.overdue_open_delta) as overdue_open_delta
    from day_cells
    inner join grains on grains.period_grain != 'day'
    group by grains.period_grain, period_start, day_cells.cell_key
),

grid as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        cells.region_code,
        cells.dimension,
        cells.dimension_value,
        cells.cell_key
    from cells
    inner join periods on coalesce(cells.region_code, '?') = coalesce(periods.region_code, '?')
),

filled as (
    select
        grid.*,
        {%- for measure in measures %}
            coalesce(period_sums.{{ measure }}, 0) as {{ measure }},
        {%- endfor %}
        -- the backlog at the period's end: every delta up to it (those of the
        -- periods kept are in backlog_base)
        coalesce(backlog_base.open_at_period_end, 0)
        + sum(coalesce(period_sums.open_delta, 0)) over backlog as open_at_period_end,
        coalesce(backlog_base.overdue_open_at_period_end, 0)
        + sum(coalesce(period_sums.overdue_open_delta, 0)) over backlog as overdue_open_at_period_end
    from grid
    left join period_sums
        on
            grid.period_grain = period_sums.period_grain
            and grid.period_start = period_sums.period_start
            and grid.cell_key = period_sums.cell_key
    left join backlog_base
        on
            grid.period_grain = backlog_base.period_grain
            and grid.cell_key = backlog_base.cell_key
    window backlog as (
        partition by grid.period_grain, grid.cell_key
        order by grid.period_start
        rows between unbounded preceding and current row
    )
),

labels as (
    select
        'block' as dimension,
        block_code as dimension_value,
        block_name as dimension_label
    from {{ ref('thematic_blocks') }}
    union all
    select distinct
        'category' as dimension,
        category_code as dimension_value,
        category_name as dimension_label
    from {{ ref('categories') }}
    union all
    select
        'agency' as dimension,
        agency_id as dimension_value,
        short_name as dimension_label
    from {{ ref('agencies') }}
    union all
    select
        'municipality' as dimension,
        oktmo as dimension_value,
        municipality_name as dimension_label
    from {{ ref('municipalities') }}
    union all
    select
        'channel' as dimension,
        channel_code as dimension_value,
        channel_name as dimension_label
    from {{ ref('channels') }}
    union all
    select
        'region' as dimension,
        region_code as dimension_value,
        region_name as dimension_label
    from {{ ref('regions') }}
),

final as (
    select
        filled.period_grain,
        filled.period_start,
        filled.period_end,
        filled.is_period_complete,
        filled.region_code,
        filled.dimension,
        filled.dimension_value,
        labels.dimension_label,
        filled.received_count::bigint as received_count,
        filled.received_rejected_count::bigint as received_rejected_count,
        filled.received_repeat_count::bigint as received_repeat_count,
        filled.received_redirected_count::bigint as received_redirected_count,
        filled.received_answered_now_count::bigint as received_answered_now_count,
        filled.received_open_now_count::bigint as received_open_now_count,
        filled.received_overdue_open_now_count::bigint as received_overdue_open_now_count,
        filled.answered_count::bigint as answered_count,
        filled.answered_with_deadline_count::bigint as answered_with_deadline_count,
        filled.answered_on_time_count::bigint as answered_on_time_count,
        filled.open_at_period_end::bigint as open_at_period_end,
        filled.overdue_open_at_period_end::bigint as overdue_open_at_period_end,
        filled.ageing_not_due_now_count::bigint as ageing_not_due_now_count,
        filled.ageing_0_3d_now_count::bigint as ageing_0_3d_now_count,
        filled.ageing_4_7d_now_count::bigint as ageing_4_7d_now_count,
        filled.ageing_8_14d_now_count::bigint as ageing_8_14d_now_count,
        filled.ageing_15_30d_now_count::bigint as ageing_15_30d_now_count,
        filled.ageing_31d_plus_now_count::bigint as ageing_31d_plus_now_count,
        filled.ageing_no_deadline_now_count::bigint as ageing_no_deadline_now_count,
        {{ share('filled.answered_on_time_count', 'filled.answered_with_deadline_count') }} as on_time_share,
        {{ share('filled.received_rejected_count', 'filled.received_count') }} as moderation_reject_share,
        {{ share('filled.received_repeat_count', 'filled.received_count') }} as repeat_share,
        {{ share('filled.received_redirected_count', 'filled.received_count') }} as redirect_share,
        filled.first_response_count::bigint as first_response_count,
        {{ share('filled.first_response_hours_sum', 'filled.first_response_count') }} as mean_hours_to_first_response,
        {{ share('filled.first_response_working_hours_sum', 'filled.first_response_working_count') }}
            as mean_working_hours_to_first_response,
        filled.first_response_with_deadline_count::bigint as first_response_with_deadline_count,
        filled.first_response_on_time_count::bigint as first_response_on_time_count,
        {{ share('filled.first_response_on_time_count', 'filled.first_response_with_deadline_count') }}
            as first_response_on_time_share,
        {{ share('filled.answer_hours_sum', 'filled.answered_count') }} as mean_hours_to_answer,
        {{ share('filled.answer_working_hours_sum', 'filled.answer_working_count') }} as mean_working_hours_to_answer,
        filled.answered_rateable_count::bigint as answered_rateable_count,
        filled.rated_count::bigint as rated_count,
        filled.rating_1_count::bigint as rating_1_count,
        filled.rating_2_count::bigint as rating_2_count,
        filled.rating_3_count::bigint as rating_3_count,
        filled.rating_4_count::bigint as rating_4_count,
        filled.rating_5_count::bigint as rating_5_count,
        {{ share(
            'filled.rating_1_count + 2 * filled.rating_2_count + 3 * filled.rating_3_count'
            ~ ' + 4 * filled.rating_4_count + 5 * filled.rating_5_count',
            'filled.rated_count'
        ) }} as mean_rating,
        {{ share('filled.rating_4_count + filled.rating_5_count', 'filled.rated_count') }} as rating_4_5_share,
        {{ share('filled.rating_1_count + filled.rating_2_count', 'filled.rated_count') }} as rating_1_2_share,
        {{ share('filled.rated_count', 'filled.answered_rateable_count') }} as rating_coverage,
        filled.reaction_satisfied_count::bigint as reaction_satisfied_count,
        filled.reaction_neutral_count::bigint as reaction_neutral_count,
        filled.reaction_dissatisfied_count::bigint as reaction_dissatisfied_count,
        filled.reaction_other_count::bigint as reaction_other_count,
        {{ share(
            'filled.reaction_satisfied_count',
            'filled.reaction_satisfied_count + filled.reaction_neutral_count + filled.reaction_dissatisfied_count'
        ) }} as reaction_satisfied_share,
        {{ share(
            'filled.reaction_neutral_count',
            'filled.reaction_satisfied_count + filled.reaction_neutral_count + filled.reaction_dissatisfied_count'
        ) }} as reaction_neutral_share,
        {{ share(
            'filled.reaction_dissatisfied_count',
            'filled.reaction_satisfied_count + filled.reaction_neutral_count + filled.reaction_dissatisfied_count'
        ) }} as reaction_dissatisfied_share,
        filled.assessed_count::bigint as assessed_count,
        filled.satisfied_count::bigint as satisfied_count,
        filled.negative_count::bigint as negative_count,
        {{ share('filled.satisfied_count', 'filled.assessed_count') }} as satisfaction_share,
        {{ share('filled.negative_count', 'filled.assessed_count') }} as negative_share,
        {{ share('filled.assessed_count', 'filled.answered_count') }} as assessment_coverage,
        filled.formal_reply_judged_count::bigint as formal_reply_judged_count,
        filled.formal_reply_count::bigint as formal_reply_count,
        {{ share('filled.formal_reply_count', 'filled.formal_reply_judged_count') }} as formal_reply_share
    from filled
    left join labels
        on
            filled.dimension = labels.dimension
            and filled.dimension_value = labels.dimension_value
)

select * from final
