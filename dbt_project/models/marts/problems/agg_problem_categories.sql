-- Problem categories: per region, thematic block and period (ISO week,
-- month, quarter), every category of the block ranked by a priority that
-- combines its volume, its growth against the previous period, its negative
-- share and its overdue share (weights and threshold are dbt vars; the
-- formula is in _problems__models.yml and docs/architecture.md). Every
-- category of the block has a row, zero-volume ones included, so a block
-- always reports its top `problem_top_n` (≥ 3) even when fewer categories had
-- appeals. The block's catch-all «Прочие по направлению» is flagged when it
-- enters the top, so that agg_catch_all_breakdown can decompose it.
--
-- All measures are of the appeals received in the period (the received
-- cohort), rejected ones excluded: a spam wave is not a problem category.
-- A problem_top_n below 3 is read as 3: the acts require three per block.
{%- set top_n = [var('problem_top_n') | int, 3] | max %}

{{ config(pre_hook="set local work_mem = '256MB'") }}

with

-- The received cohort per region, block, category and day
-- (int_problem_categories__daily keeps it up to date incrementally).
daily_counts as (
    select
        region_code,
        block_code,
        category_code,
        received_date,
        appeal_count,
        assessed_count,
        negative_count,
        with_deadline_count,
        overdue_count
    from {{ ref('int_problem_categories__daily') }}
),

categories as (
    select distinct
        block_code,
        category_code,
        category_name,
        is_catch_all
    from {{ ref('categories') }}
),

catch_alls as (
    select
        block_code,
        category_code as catch_all_code
    from categories
    where is_catch_all
),

thematic_blocks as (
    select
        block_code,
        block_name
    from {{ ref('thematic_blocks') }}
),

grains as (
    select
        grain.period_grain,
        grain.step
    from (
        values
        ('week', interval '1 week'),
        ('month', interval '1 month'),
        ('quarter', interval '3 months')
    ) as grain (period_grain, step)
),

-- each region's first appeal and its data's as-of (local), through
-- fct_appeals' indexes; the regions of the seed
region_window as (
    select windows.*
    from ({{ region_windows() }}) as windows
    where windows.region_code in (select regions.region_code from {{ ref('regions') }} as regions)
),

periods as (
    select
        region_window.region_code,
        region_window.first_date,
        grains.period_grain,
        period.period_start::date as period_start,
        (period.period_start + grains.step - interval '1 day')::date as period_end,
        period.period_start::date >= region_window.first_date
        and (period.period_start + grains.step)::date <= region_window.as_of_local::date as is_period_complete,
        -- growth needs a previous period wholly inside the data
        (period.period_start - grains.step)::date >= region_window.first_date as has_previous_period
    from region_window
    cross join grains
    cross join lateral generate_series(
        date_trunc(grains.period_grain, region_window.first_date::timestamp),
        date_trunc(grains.period_grain, region_window.as_of_local),
        grains.step
    ) as period (period_start)
),

-- The blocks a region reports: its act's list and any block its appeals
-- reach (rejected ones included).
region_blocks as (
    select
        region_code,
        block_code
    from {{ ref('region_blocks') }}
    union
    select distinct
        region_code,
        block_code
    from daily_counts
),

-- An appeal whose category is not known is counted in its block's catch-all.
daily as (
    select
        daily_counts.region_code,
        daily_counts.block_code,
        coalesce(daily_counts.category_code, catch_alls.catch_all_code) as category_code,
        daily_counts.received_date,
        daily_counts.appeal_count,
        daily_counts.assessed_count,
        daily_counts.negative_count,
        daily_counts.with_deadline_count,
        daily_counts.overdue_count
    from daily_counts
    left join catch_alls on daily_counts.block_code = catch_alls.block_code
),

measures as (
    select
        grains.period_grain,
        date_trunc(grains.period_grain, daily.received_date::timestamp)::date as period_start,
        daily.region_code,
        daily.block_code,
        daily.category_code,
        sum(daily.appeal_count) as appeal_count,
        sum(daily.assessed_count) as assessed_count,
        sum(daily.negative_count) as negative_count,
        sum(daily.with_deadline_count) as with_deadline_count,
        sum(daily.overdue_count) as overdue_count
    from daily
    cross join grains
    group by
        grains.period_grain,
        period_start,
        daily.region_code,
        daily.block_code,
        daily.category_code
),

grid as (
    select
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.is_period_complete,
        periods.has_previous_period,
        region_blocks.region_code,
        region_blocks.block_code,
        categories.category_code,
        categories.category_name,
        categories.is_catch_all
    from periods
    inner join region_blocks on periods.region_code = region_blocks.region_code
    inner join categories on region_blocks.block_code = categories.block_code
),

filled as (
    select
        grid.*,
        coalesce(measures.appeal_count, 0) as appeal_count,
        lag(coalesce(measures.appeal_count, 0)) over category_history as previous_appeal_count,
        sum(coalesce(measures.appeal_count, 0)) over block_period as block_appeal_count,
        coalesce(measures.assessed_count, 0) as assessed_count,
        coalesce(measures.negative_count, 0) as negative_count,
        coalesce(measures.with_deadline_count, 0) as with_deadline_count,
        coalesce(measures.overdue_count, 0) as overdue_count
    from grid
    left join measures
        on
            grid.period_grain = measures.period_grain
            and grid.period_start = measures.period_start
            and grid.region_code = measures.region_code
            and grid.block_code = measures.block_code
            and grid.category_code = measures.category_code
    window
        category_history as (
            partition by grid.period_grain, grid.region_code, grid.category_code
            order by grid.period_start
        ),
        block_period as (
            partition by grid.period_grain, grid.period_start, grid.region_code, grid.block_code
        )
),

scored as (
    select
        *,
        case when has_previous_period then previous_appeal_count end as previous_count,
        {{ share('appeal_count', 'block_appeal_count') }} as volume_share,
        case
            when has_previous_period then {{ share('appeal_count - previous_appeal_count', 'previous_appeal_count') }}
        end as growth_rate,
        {{ share('negative_count', 'assessed_count') }} as negative_share,
        {{ share('overdue_count', 'with_deadline_count') }} as overdue_share,
        appeal_count >= {{ var('problem_min_appeals') }} as is_above_threshold
    from filled
),

prioritised as (
    select
        *,
        coalesce(volume_share, 0) as volume_score,
        case
            when is_above_threshold and has_previous_period
                then greatest(
                    {{ share('appeal_count - previous_appeal_count', 'appeal_count + previous_appeal_count') }}, 0
                )
            else 0
        end as growth_score,
        case when is_above_threshold then coalesce(negative_share, 0) else 0 end as negative_score,
        case when is_above_threshold then coalesce(overdue_share, 0) else 0 end as overdue_score
    from scored
),

ranked as (
    select
        *,
        {{ var('problem_weight_volume') }} * volume_score
        + {{ var('problem_weight_growth') }} * growth_score
        + {{ var('problem_weight_negative') }} * negative_score
        + {{ var('problem_weight_overdue') }} * overdue_score as priority_score,
        row_number() over (
            partition by period_grain, period_start, region_code, block_code
            order by
                {{ var('problem_weight_volume') }} * volume_score
                + {{ var('problem_weight_growth') }} * growth_score
                + {{ var('problem_weight_negative') }} * negative_score
                + {{ var('problem_weight_overdue') }} * overdue_score desc,
                appeal_count desc,
                is_catch_all asc,
                category_code asc
        ) as priority_rank
    from prioritised
),

final as (
    select
        ranked.period_grain,
        ranked.period_start,
        ranked.period_end,
        ranked.is_period_complete,
        ranked.region_code,
        ranked.block_code,
        thematic_blocks.block_name,
        ranked.category_code,
        ranked.category_name,
        ranked.is_catch_all,
        ranked.appeal_count::bigint as appeal_count,
        ranked.block_appeal_count::bigint as block_appeal_count,
        ranked.previous_count::bigint as previous_appeal_count,
        ranked.has_previous_period,
        ranked.assessed_count::bigint as assessed_count,
        ranked.negative_count::bigint as negative_count,
        ranked.with_deadline_count::bigint as with_deadline_count,
        ranked.overdue_count::bigint as overdue_count,
        ranked.volume_share,
        ranked.growth_rate,
        ranked.negative_share,
        ranked.overdue_share,
        ranked.is_above_threshold,
        ranked.volume_score,
        ranked.growth_score,
        ranked.negative_score,
        ranked.overdue_score,
        ranked.priority_score,
        ranked.priority_rank::int as priority_rank,
        ranked.priority_rank <= {{ top_n }} as is_top,
        ranked.is_catch_all and ranked.priority_rank <= {{ top_n }} as is_catch_all_in_top
    from ranked
    left join thematic_blocks on ranked.block_code = thematic_blocks.block_code
)

select * from final
