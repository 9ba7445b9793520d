-- rating_settings: a `*` default for both subjects and both grains, minimum
-- volumes of at least one appeal, known region codes. Returns the offending rows.
with

settings as (
    select * from {{ ref('rating_settings') }}
),

regions as (
    select region_code from {{ ref('regions') }}
),

required as (
    select
        subjects.subject,
        grains.period_grain
    from (values ('agency'), ('municipality')) as subjects (subject)
    cross join (values ('month'), ('quarter')) as grains (period_grain)
),

problems as (
    select
        '*' as region_code,
        required.subject,
        required.period_grain,
        'no default (*) row' as problem
    from required
    left join settings
        on
            settings.region_code = '*'
            and required.subject = settings.subject
            and required.period_grain = settings.period_grain
    where settings.region_code is null

    union all

    select
        region_code,
        subject,
        period_grain,
        'min_appeals below 1' as problem
    from settings
    where min_appeals < 1

    union all

    select
        settings.region_code,
        settings.subject,
        settings.period_grain,
        'unknown region code' as problem
    from settings
    left join regions
        on settings.region_code = regions.region_code
    where settings.region_code != '*' and regions.region_code is null
)

select * from problems
