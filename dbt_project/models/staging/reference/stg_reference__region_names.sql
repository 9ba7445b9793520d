-- Every spelling of a region's name (its official name and the aliases in
-- region_aliases), as a matching key, with the region's code and time zone.
-- The one lookup staging is allowed: feeds name the region in words, and
-- their local timestamps can only be read in the region's time zone.
with

regions as (
    select * from {{ ref('regions') }}
),

aliases as (
    select * from {{ ref('region_aliases') }}
),

names as (
    select
        region_code,
        region_name as source_name
    from regions
    union
    select
        region_code,
        source_name
    from aliases
),

final as (
    select distinct
        {{ name_key('names.source_name') }} as name_key,
        names.region_code,
        regions.timezone
    from names
    inner join regions on names.region_code = regions.region_code
)

select * from final
