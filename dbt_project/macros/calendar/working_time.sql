{#-
    Working time in a region's local office hours, from marts.dim_calendar.

    Every argument is a SQL expression (a column name, a literal, ...). Each
    macro renders a scalar subquery on {{ ref('dim_calendar') }}, so a model
    that calls one depends on dim_calendar in dbt's DAG without saying so.
    The same SQL is the body of the PostgreSQL functions marts.<name>(...)
    (create_working_time_functions), for analysts.

    Covered: 2018–2032 (the production calendar seed); a moment outside gives
    null. Office time is dim_calendar's [office_opens_at, office_closes_at)
    minus [lunch_starts_at, lunch_ends_at) on working days.

    The idea: W(t) = working seconds from the calendar's start up to moment t
    = working_seconds_before of t's local day + the office time of that day
    before t. W is one index lookup (region_code, day_starts_at); the
    inverse (a moment where W reaches a value) is one lookup on
    (region_code, working_seconds_before); N working days after a day is one
    lookup on (region_code, working_day_number).
-#}

{#- Working seconds between two moments: bigint (whole seconds), 0 when
    end_at <= start_at, null when either is null or outside the calendar. -#}
{% macro working_seconds_between(region_code, start_at, end_at) -%}
    {{ calendar__working_seconds_between(ref('dim_calendar'), region_code, start_at, end_at) }}
{%- endmacro %}

{#- Deadline "N working days": the end of office hours (local office_close,
    earlier on a shortened day) of the N-th working day after the local day
    of start_at, whatever the time on that day. N >= 1, whole (a numeric is
    rounded); null for N < 1. A working Saturday counts. -#}
{% macro add_working_days(region_code, start_at, days) -%}
    {{ calendar__add_working_days(ref('dim_calendar'), region_code, start_at, days) }}
{%- endmacro %}

{#- Deadline "N working hours": the first moment at which `hours` of office
    time have elapsed since start_at. Outside office hours counting starts at
    the next opening; lunch does not count; a deadline that falls on the end
    of a morning is the start of lunch (13:00), one that uses a whole day is
    that day's close (18:00), not the next opening. hours >= 0, may be
    fractional (0.5 = 30 minutes). -#}
{% macro add_working_hours(region_code, start_at, hours) -%}
    {{ calendar__add_working_hours(ref('dim_calendar'), region_code, start_at, hours) }}
{%- endmacro %}

{#- Calendar days, for symmetry: start_at + N × 24 h (no time zone needed:
    Russia has no daylight saving time). -#}
{% macro add_calendar_days(start_at, days) -%}
    (({{ start_at }}) + make_interval(days => ({{ days }})::integer))
{%- endmacro %}

{#- Implementations, parameterised by the calendar relation so that the
    PostgreSQL functions share them. -#}

{#- The calendar day holding moment `at` (a correlated, bounded index scan). -#}
{% macro calendar__day_of(calendar, alias, region_code, at) -%}
    from {{ calendar }} as {{ alias }}
    where
        {{ alias }}.region_code = ({{ region_code }})
        and {{ alias }}.day_starts_at <= ({{ at }})
        and {{ alias }}.day_starts_at > ({{ at }}) - interval '2 days'
        and {{ alias }}.day_ends_at > ({{ at }})
    order by {{ alias }}.day_starts_at desc
    limit 1
{%- endmacro %}

{#- W(at): working seconds from the calendar's start to `at` (double
    precision: date_part, not extract, whose numeric is several times slower). -#}
{% macro calendar__working_seconds_at(calendar, region_code, at) -%}
    (
        select
            w_day.working_seconds_before + coalesce(date_part('epoch',
                least(greatest(({{ at }}), w_day.office_opens_at), w_day.office_closes_at)
                - w_day.office_opens_at
                - coalesce(
                    least(greatest(({{ at }}), w_day.lunch_starts_at), w_day.lunch_ends_at) - w_day.lunch_starts_at,
                    interval '0'
                )
            ), 0)
        {{ calendar__day_of(calendar, 'w_day', region_code, at) }}
    )
{%- endmacro %}

{% macro calendar__working_seconds_between(calendar, region_code, start_at, end_at) -%}
    (
        case
            when ({{ end_at }}) <= ({{ start_at }}) then 0::bigint
            else round(
                {{ calendar__working_seconds_at(calendar, region_code, end_at) }}
                - {{ calendar__working_seconds_at(calendar, region_code, start_at) }}
            )::bigint
        end
    )
{%- endmacro %}

{% macro calendar__add_working_days(calendar, region_code, start_at, days) -%}
    (
        select n_day.office_closes_at
        from {{ calendar }} as n_day
        where
            n_day.region_code = ({{ region_code }})
            and n_day.is_working_day
            and ({{ days }}) >= 1
            and n_day.working_day_number = (
                select s_day.working_day_number
                {{ calendar__day_of(calendar, 's_day', region_code, start_at) }}
            ) + round({{ days }})::integer
    )
{%- endmacro %}

{% macro calendar__add_working_hours(calendar, region_code, start_at, hours) -%}
    (
        select
            case when goal.seconds <= h_day.working_seconds_before + h_day.working_seconds then greatest(
                ({{ start_at }}),
                h_day.office_opens_at
                + (goal.seconds - h_day.working_seconds_before) * interval '1 second'
                + case
                    when
                        h_day.lunch_starts_at < h_day.office_opens_at
                        + (goal.seconds - h_day.working_seconds_before) * interval '1 second'
                        then h_day.lunch_ends_at - h_day.lunch_starts_at
                    else interval '0'
                end
            ) end
        from (
            select
                {{ calendar__working_seconds_at(calendar, region_code, start_at) }}
                + ({{ hours }}) * 3600 as seconds
            limit all offset 0 -- a fence: computed once, not once per reference (limit all: sqlfluff parses it)
        ) as goal
        cross join lateral (
            select
                g_day.office_opens_at,
                g_day.lunch_starts_at,
                g_day.lunch_ends_at,
                g_day.working_seconds_before,
                g_day.working_seconds
            from {{ calendar }} as g_day
            where
                g_day.region_code = ({{ region_code }})
                and g_day.working_seconds > 0
                and g_day.working_seconds_before < ceil(goal.seconds)::bigint
                -- a lower bound too (a day has at most 86 400 working seconds): a
                -- backward index scan bounded on both sides is several times faster
                and g_day.working_seconds_before >= floor(goal.seconds)::bigint - 86400
            order by g_day.working_seconds_before desc
            limit 1
        ) as h_day
    )
{%- endmacro %}
