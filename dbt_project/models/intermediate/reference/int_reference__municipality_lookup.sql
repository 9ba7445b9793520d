-- Municipality names as matching keys → ОКТМО, per region. The key ignores
-- kind words («город», «район»...), so a name that becomes ambiguous without
-- them (two municipalities of one region with the same key) is left out
-- rather than guessed.
with

municipalities as (
    select * from {{ ref('municipalities') }}
),

keyed as (
    select
        region_code,
        {{ municipality_key('municipality_name') }} as municipality_key,
        oktmo
    from municipalities
),

final as (
    select
        region_code,
        municipality_key,
        min(oktmo) as oktmo
    from keyed
    group by region_code, municipality_key
    having count(*) = 1
)

select * from final
