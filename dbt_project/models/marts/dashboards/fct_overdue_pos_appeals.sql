-- The open, overdue ПОС messages at the data's as-of, one row per message,
-- with the names a reader needs and the link officials open in the ПОС back
-- office. The «Сроки рассмотрения» dashboard lists them; it is the one list of
-- single appeals the dashboards show, so it is a small table of its own
-- rather than a filter over fct_appeals (which dashboards never read).
with

appeals as (
    select * from {{ ref('fct_appeals') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

categories as (
    select * from {{ ref('dim_category') }}
),

blocks as (
    select * from {{ ref('dim_block') }}
),

municipalities as (
    select * from {{ ref('dim_municipality') }}
),

overdue as (
    select
        appeal_key,
        source_id,
        region_code,
        received_date,
        due_at,
        days_overdue,
        ageing_bucket,
        status,
        block_code,
        category_version_key,
        agency_id,
        agency_version_key,
        municipality_oktmo,
        is_fast_track,
        as_of_at
    from appeals
    where source_kind = 'pos' and is_overdue_open
),

final as (
    select
        overdue.appeal_key,
        overdue.source_id as pos_number,
        'https://pos.gosuslugi.ru/backoffice/appeals/' || overdue.source_id as pos_link,
        overdue.region_code,
        overdue.received_date,
        overdue.due_at,
        overdue.days_overdue,
        overdue.ageing_bucket,
        overdue.status,
        overdue.is_fast_track,
        overdue.block_code,
        coalesce(blocks.block_name, overdue.block_code) as block_name,
        categories.category_name,
        overdue.agency_id,
        coalesce(agencies.agency_name, overdue.agency_id) as agency_name,
        coalesce(agencies.short_name, agencies.agency_name, overdue.agency_id) as agency_short_name,
        overdue.municipality_oktmo,
        coalesce(municipalities.municipality_name, overdue.municipality_oktmo) as municipality_name,
        overdue.as_of_at
    from overdue
    left join agencies on overdue.agency_version_key = agencies.agency_version_key
    left join categories on overdue.category_version_key = categories.category_version_key
    left join blocks
        on
            overdue.region_code = blocks.region_code
            and overdue.block_code = blocks.block_code
    left join municipalities on overdue.municipality_oktmo = municipalities.municipality_oktmo
)

select * from final
