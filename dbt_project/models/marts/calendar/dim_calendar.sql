-- One row per region and day of the production calendar (2018–2032), with the
-- region's overrides applied, its office hours as moments in its own time zone,
-- and running totals of working days and working seconds. The working-time
-- macros (macros/calendar/) answer every question with one or two index
-- lookups on these running totals instead of walking day by day.
{{
    config(
        indexes=[
            {'columns': ['region_code', 'calendar_date'], 'unique': true},
            {'columns': ['region_code', 'day_starts_at'], 'unique': true},
            {'columns': ['region_code', 'working_day_number']},
            {'columns': ['region_code', 'working_seconds_before']},
        ]
    )
}}

with

production_calendar as (
    select * from {{ ref('production_calendar') }}
),

regions as (
    select * from {{ ref('regions') }}
),

overrides as (
    select * from {{ ref('calendar_overrides') }}
),

-- Office hours per region; a lunch break counts only when it lies inside them.
office_hours as (
    select
        region_code,
        timezone,
        office_open,
        office_close,
        coalesce(
            lunch_start is not null
            and lunch_end is not null
            and office_open <= lunch_start
            and lunch_start < lunch_end
            and lunch_end <= office_close,
            false
        ) as has_lunch,
        lunch_start,
        lunch_end
    from regions
),

office_seconds as (
    select
        region_code,
        timezone,
        office_open,
        office_close,
        has_lunch,
        lunch_start,
        lunch_end,
        extract(epoch from office_close - office_open)::integer
        - case when has_lunch then extract(epoch from lunch_end - lunch_start)::integer else 0 end
            as full_day_seconds,
        case
            when has_lunch then extract(epoch from lunch_start - office_open)::integer
            else extract(epoch from office_close - office_open)::integer
        end as morning_seconds
    from office_hours
),

-- The region's own override beats the `*` one for the same date.
region_overrides as (
    select distinct on (office_seconds.region_code, overrides.calendar_date)
        office_seconds.region_code,
        overrides.calendar_date,
        overrides.is_working_day,
        overrides.working_hours,
        overrides.reason
    from office_seconds
    inner join overrides
        on overrides.region_code in (office_seconds.region_code, '*')
    order by
        office_seconds.region_code asc,
        overrides.calendar_date asc,
        overrides.region_code = '*' asc
),

region_days as (
    select
        office_seconds.region_code,
        production_calendar.calendar_date,
        office_seconds.timezone,
        office_seconds.office_open,
        office_seconds.has_lunch,
        office_seconds.lunch_start,
        office_seconds.lunch_end,
        office_seconds.morning_seconds,
        office_seconds.full_day_seconds,
        production_calendar.day_type as national_day_type,
        production_calendar.holiday_name,
        production_calendar.is_provisional,
        region_overrides.reason as override_reason,
        coalesce(region_overrides.is_working_day, production_calendar.is_working_day) as is_working_day,
        case
            when not coalesce(region_overrides.is_working_day, production_calendar.is_working_day) then 0
            when region_overrides.working_hours is not null then round(region_overrides.working_hours * 3600)::integer
            when production_calendar.is_working_day and production_calendar.is_shortened
                then office_seconds.full_day_seconds - 3600
            else office_seconds.full_day_seconds
        end as working_seconds
    from office_seconds
    cross join production_calendar
    left join region_overrides
        on
            office_seconds.region_code = region_overrides.region_code
            and production_calendar.calendar_date = region_overrides.calendar_date
),

-- A day's office time runs from the opening until its working seconds are
-- used up, lunch excluded: a day one hour short closes one hour early.
office_moments as (
    select
        *,
        case
            when is_working_day then (calendar_date + office_open) at time zone timezone
        end as office_opens_at,
        case
            when not is_working_day then null
            when not has_lunch or working_seconds <= morning_seconds
                then (calendar_date + office_open) at time zone timezone + make_interval(secs => working_seconds)
            else
                (calendar_date + lunch_end) at time zone timezone
                + make_interval(secs => working_seconds - morning_seconds)
        end as office_closes_at,
        case
            when is_working_day and has_lunch and working_seconds > morning_seconds
                then (calendar_date + lunch_start) at time zone timezone
        end as lunch_starts_at,
        case
            when is_working_day and has_lunch and working_seconds > morning_seconds
                then (calendar_date + lunch_end) at time zone timezone
        end as lunch_ends_at
    from region_days
),

final as (
    select
        region_code,
        calendar_date,
        is_working_day,
        case
            when is_working_day = (national_day_type in ('working', 'working_weekend')) then national_day_type
            when is_working_day then 'regional_working_day'
            else 'regional_day_off'
        end as day_type,
        nullif(holiday_name, '') as holiday_name,
        is_working_day and working_seconds < full_day_seconds as is_shortened,
        is_provisional,
        override_reason,
        working_seconds,
        office_opens_at,
        office_closes_at,
        lunch_starts_at,
        lunch_ends_at,
        calendar_date::timestamp at time zone timezone as day_starts_at,
        (calendar_date + 1)::timestamp at time zone timezone as day_ends_at,
        timezone,
        extract(year from calendar_date)::integer as year, -- noqa: RF04
        extract(isoyear from calendar_date)::integer as iso_year,
        extract(week from calendar_date)::integer as iso_week,
        extract(isodow from calendar_date)::integer as day_of_week,
        date_trunc('week', calendar_date)::date as week_start,
        date_trunc('month', calendar_date)::date as month_start,
        date_trunc('quarter', calendar_date)::date as quarter_start,
        count(*) filter (where is_working_day) over running as working_day_number,
        coalesce(sum(working_seconds) over running - working_seconds, 0)::bigint as working_seconds_before
    from office_moments
    window running as (partition by region_code order by calendar_date rows unbounded preceding)
)

select * from final
