-- The minimum volume for being rated, per region, subject and period grain
-- (rating_settings seed): the region's own row, else the `*` row.
with

regions as (
    select region_code from {{ ref('regions') }}
),

settings as (
    select * from {{ ref('rating_settings') }}
),

candidates as (
    select
        regions.region_code,
        settings.subject,
        settings.period_grain,
        settings.min_appeals,
        row_number() over (
            partition by regions.region_code, settings.subject, settings.period_grain
            order by (settings.region_code = regions.region_code) desc
        ) as preference
    from regions
    inner join settings
        on settings.region_code in (regions.region_code, '*')
),

final as (
    select
        region_code,
        subject,
        period_grain,
        min_appeals
    from candidates
    where preference = 1
)

select * from final
