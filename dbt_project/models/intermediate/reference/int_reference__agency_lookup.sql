-- Organisation names as matching keys → agency, per region: the spellings in
-- agency_aliases first, then the agencies' own full and short names. A key
-- that two agencies share within one priority goes to the smaller agency_id
-- (the seed test on agency_aliases and this model's tests flag such cases).
with

agencies as (
    select * from {{ ref('agencies') }}
),

aliases as (
    select * from {{ ref('agency_aliases') }}
),

names as (
    select
        region_code,
        source_name,
        agency_id,
        1 as priority
    from aliases
    union all
    select
        region_code,
        agency_name as source_name,
        agency_id,
        2 as priority
    from agencies
    union all
    select
        region_code,
        short_name as source_name,
        agency_id,
        2 as priority
    from agencies
    where short_name is not null
),

ranked as (
    select
        names.region_code,
        {{ name_key('names.source_name') }} as name_key,
        names.agency_id,
        row_number() over (
            partition by names.region_code, {{ name_key('names.source_name') }}
            order by names.priority, names.agency_id
        ) as match_rank
    from names
),

final as (
    select
        ranked.region_code,
        ranked.name_key,
        ranked.agency_id,
        agencies.agency_kind,
        agencies.oktmo as agency_oktmo
    from ranked
    inner join agencies on ranked.agency_id = agencies.agency_id
    where ranked.match_rank = 1
)

select * from final
