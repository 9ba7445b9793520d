-- Who is rated: every agency and every municipality of each region, with the
-- dates an agency exists (agencies seed). An agency is in the rating of every
-- period it exists in, with or without appeals; a municipality in every
-- period. A retired agency's appeals are credited to its successor
-- (int_ratings__credited_agencies).
with

agencies as (
    select
        region_code,
        agency_id,
        agency_name,
        short_name,
        agency_kind,
        valid_from,
        valid_to
    from {{ ref('agencies') }}
),

municipalities as (
    select
        region_code,
        oktmo,
        municipality_name,
        municipality_kind,
        population
    from {{ ref('municipalities') }}
),

final as (
    select
        'agency' as subject,
        region_code,
        agency_id as entity_id,
        agency_name as entity_name,
        short_name as entity_short_name,
        agency_kind as entity_kind,
        null::bigint as population,
        valid_from,
        valid_to
    from agencies

    union all

    select
        'municipality' as subject,
        region_code,
        oktmo as entity_id,
        municipality_name as entity_name,
        municipality_name as entity_short_name,
        municipality_kind as entity_kind,
        population,
        null::date as valid_from,
        null::date as valid_to
    from municipalities
)

select * from final
