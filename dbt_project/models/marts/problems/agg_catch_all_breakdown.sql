-- What the catch-all «Прочие по направлению» of a block holds: per region,
-- block and period (ISO week, month, quarter), the source systems' own
-- categories and subcategories of the appeals that landed in it, so that a
-- catch-all that rises into the block's top can be decomposed (and the
-- category map extended). Same appeals as agg_problem_categories' catch-all
-- row (received in the period, not rejected, category the catch-all or not
-- known): the counts of a block and period add up to that row's count.
with

appeals as (
    select * from {{ ref('fct_appeals') }}
),

unioned as (
    select
        appeal_key,
        source_category,
        source_subcategory
    from {{ ref('int_appeals__unioned') }}
),

catch_alls as (
    select distinct
        block_code,
        category_code as catch_all_code
    from {{ ref('categories') }}
    where is_catch_all
),

problem_categories as (
    select * from {{ ref('agg_problem_categories') }}
),

grains as (
    select grain.period_grain
    from (values ('week'), ('month'), ('quarter')) as grain (period_grain)
),

in_catch_all as (
    select
        appeals.appeal_key,
        appeals.region_code,
        appeals.block_code,
        catch_alls.catch_all_code as category_code,
        appeals.received_date,
        appeals.source_kind,
        coalesce(appeals.is_category_mapped, false) as is_category_mapped
    from appeals
    inner join catch_alls on appeals.block_code = catch_alls.block_code
    where
        appeals.region_code is not null
        and not appeals.is_rejected
        and (appeals.category_code is null or appeals.category_code = catch_alls.catch_all_code)
),

counted as (
    select
        grains.period_grain,
        date_trunc(grains.period_grain, in_catch_all.received_date::timestamp)::date as period_start,
        in_catch_all.region_code,
        in_catch_all.block_code,
        in_catch_all.category_code,
        in_catch_all.source_kind,
        unioned.source_category,
        unioned.source_subcategory,
        in_catch_all.is_category_mapped,
        count(*) as appeal_count
    from in_catch_all
    inner join unioned on in_catch_all.appeal_key = unioned.appeal_key
    cross join grains
    group by
        grains.period_grain,
        period_start,
        in_catch_all.region_code,
        in_catch_all.block_code,
        in_catch_all.category_code,
        in_catch_all.source_kind,
        unioned.source_category,
        unioned.source_subcategory,
        in_catch_all.is_category_mapped
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
