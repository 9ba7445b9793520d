-- source_category_map resolved per region: for every region, source system
-- and (category, subcategory) key, the one mapping that applies. A region's
-- own row wins over the '*' row. Appeals then look up, in order, their exact
-- (category, subcategory), (category, '*') and ('*', '*'). Region '*' holds
-- the global rows alone, for appeals whose region is unknown.
with

regions as (
    select region_code from {{ ref('regions') }}
    union all
    select '*' as region_code
),

category_map as (
    select * from {{ ref('source_category_map') }}
),

candidates as (
    select
        regions.region_code,
        category_map.source_system,
        {{ name_key('category_map.source_category') }} as category_key,
        {{ name_key('category_map.source_subcategory') }} as subcategory_key,
        category_map.block_code,
        category_map.category_code,
        category_map.subcategory_code,
        category_map.region_code != '*' as is_region_specific
    from category_map
    inner join regions
        on category_map.region_code in (regions.region_code, '*')
),

ranked as (
    select
        *,
        row_number() over (
            partition by region_code, source_system, category_key, subcategory_key
            order by is_region_specific desc
        ) as match_rank
    from candidates
),

final as (
    select
        {{ surrogate_key(['region_code', 'source_system', 'category_key', 'subcategory_key']) }}
            as category_lookup_key,
        region_code,
        source_system,
        category_key,
        subcategory_key,
        block_code,
        category_code,
        subcategory_code,
        is_region_specific
    from ranked
    where match_rank = 1
)

select * from final
