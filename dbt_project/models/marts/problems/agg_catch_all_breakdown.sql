-- What the catch-all «Прочие по направлению» of a block holds: per region,
-- block and period (ISO week, month, quarter), the source systems' own
-- categories and subcategories of the appeals that landed in it, so that a
-- catch-all that rises into the block's top can be decomposed (and the
-- category map extended). Same appeals as agg_problem_categories' catch-all
-- row (received in the period, not rejected, category the catch-all or not
-- known): the counts of a block and period add up to that row's count. The
-- days' counts come from int_problem_categories__catch_all_daily (kept up to
-- date incrementally), so a run sums tens of thousands of daily rows instead
-- of reading every appeal.
with

daily as (
    select * from {{ ref('int_problem_categories__catch_all_daily') }}
),

problem_categories as (
    select * from {{ ref('agg_problem_categories') }}
),

grains as (
    select grain.period_grain
    from (values ('week'), ('month'), ('quarter')) as grain (period_grain)
),

counted as (
    select
        grains.period_grain,
        date_trunc(grains.period_grain, daily.received_date::timestamp)::date as period_start,
        daily.region_code,
        daily.block_code,
        daily.category_code,
        daily.source_kind,
        daily.source_category,
        daily.source_subcategory,
        daily.is_category_mapped,
        sum(daily.appeal_count) as appeal_count
    from daily
    cross join grains
    group by
        grains.period_grain,
        period_start,
        daily.region_code,
        daily.block_code,
        daily.category_code,
        daily.source_kind,
        daily.source_category,
        daily.source_subcategory,
        daily.is_category_mapped
),

final as (
    select
        counted.period_grain,
        counted.period_start,
        counted.region_code,
        counted.block_code,
        counted.category_code,
        counted.source_kind,
        counted.source_category,
        counted.source_subcategory,
        counted.is_category_mapped,
        counted.appeal_count::bigint as appeal_count,
        problem_categories.appeal_count as catch_all_count,
        {{ share('counted.appeal_count', 'problem_categories.appeal_count') }} as share_of_catch_all,
        row_number() over (
            partition by counted.period_grain, counted.period_start, counted.region_code, counted.block_code
            order by
                counted.appeal_count desc,
                counted.source_kind asc,
                counted.source_category asc,
                counted.source_subcategory asc,
                counted.is_category_mapped asc
        )::int as rank_in_catch_all,
        problem_categories.priority_rank as catch_all_priority_rank,
        problem_categories.is_catch_all_in_top
    from counted
    inner join problem_categories
        on
            counted.period_grain = problem_categories.period_grain
            and counted.period_start = problem_categories.period_start
            and counted.region_code = problem_categories.region_code
            and counted.category_code = problem_categories.category_code
)

select * from final
