-- Roadmap (дорожная карта) events: the latest export of each event of each
-- roadmap version (versions are kept: the roadmap is re-issued every year),
-- region resolved. The responsible official's name is not passed on.
with

source as (
    select * from {{ source('raw', 'roadmap_events') }}
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
        {{ latest_version_columns(['region_key', 'roadmap_version', 'event_number']) }}
    from located
),

final as (
    select
        {{ surrogate_key(['region_key', 'roadmap_version', 'event_number']) }} as roadmap_event_key,
        region_code,
        region_name as source_region_name,
        roadmap_version,
        event_number,
        event_name,
        block as source_block,
        responsible_agency,
        due_date,
        status,
        done_date,
        comment,
        version_count,
        _load_id,
        _exported_at
    from versioned
    where version_rank = 1
)

select * from final
