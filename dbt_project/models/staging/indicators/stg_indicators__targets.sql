-- The ЦУР's target and additional indicators: the latest export of each
-- indicator of each region and year, region resolved.
with

source as (
    select * from {{ source('raw', 'indicator_targets') }}
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
        {{ latest_version_columns(['region_key', 'year', 'indicator_code']) }}
    from located
),

final as (
    select
        {{ surrogate_key(['region_key', 'year', 'indicator_code']) }} as indicator_target_key,
        region_code,
        region_name as source_region_name,
        year::int as indicator_year,
        indicator_code,
        indicator_name,
        indicator_kind,
        block as source_block,
        unit,
        direction,
        target_value,
        actual_value,
        deadline,
        version_count,
        _load_id,
        _exported_at
    from versioned
    where version_rank = 1
)

select * from final
