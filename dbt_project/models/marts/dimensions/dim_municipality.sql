-- Municipalities (ОКТМО) with their population, for per-10 000 ratios
-- (appeals_per_10k = appeals / population * 10 000) and for the rating of
-- municipalities; the region's name and time zone come along for display.
with

municipalities as (
    select * from {{ ref('municipalities') }}
),

regions as (
    select * from {{ ref('regions') }}
),

final as (
    select
        municipalities.oktmo as municipality_oktmo,
        municipalities.region_code,
        regions.region_name,
        municipalities.municipality_name,
        municipalities.municipality_kind,
        municipalities.admin_center,
        municipalities.population,
        municipalities.population / 10000.0 as population_10k
    from municipalities
    inner join regions on municipalities.region_code = regions.region_code
)

select * from final
