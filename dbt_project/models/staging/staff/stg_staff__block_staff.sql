-- Staff seconded to the ЦУР's thematic blocks: the latest export of each
-- (region, date, block, organisation) count, region resolved.
with

source as (
    select * from {{ source('raw', 'block_staff') }}
),

-- Code lookup only (region name → code), see stg_reference__region_names.
region_names as (
    select * from {{ ref('stg_reference__region_names') }}
),

located as (
    select
        source.*,
        region_names.region_code,
        coalesce(region_names.region_code, {{ name_key('source.region_name') }}) as region_key
    from source
    left join region_names
        on {{ name_key('source.region_name') }} = region_names.name_key
),

versioned as (
    select
        *,
        {{ latest_version_columns(['region_key', 'as_of', 'block', 'organisation']) }}
    from located
),

final as (
    select
        {{ surrogate_key(['region_key', 'as_of', 'block', 'organisation']) }} as block_staff_key,
        region_code,
        region_name as source_region_name,
        as_of,
        block as source_block,
        organisation,
        staff_count,
        version_count,
        _load_id,
        _exported_at
    from versioned
    where version_rank = 1
)

select * from final
