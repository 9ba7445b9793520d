{#-
    The working-time macros as PostgreSQL functions in dim_calendar's schema,
    for analysts' SQL (models use the macros: they inline, which is faster,
    and record the dependency on dim_calendar):

        marts.working_seconds_between(region_code text, start_at timestamptz, end_at timestamptz) → bigint
        marts.add_working_days(region_code text, start_at timestamptz, days integer) → timestamptz
        marts.add_working_hours(region_code text, start_at timestamptz, hours numeric) → timestamptz

    Run from on-run-start, so every dbt invocation (re)creates them from the
    macros' current SQL. Bodies are not checked at creation
    (check_function_bodies = off): the functions exist before dim_calendar
    does and give an error only when called without it.
-#}
{% macro create_working_time_functions() -%}
    {%- set calendar = ref('dim_calendar') -%}
    {%- set schema = adapter.quote(calendar.schema) -%}
    set check_function_bodies = off;
    create schema if not exists {{ schema }};

    create or replace function {{ schema }}.working_seconds_between(
        region_code text, start_at timestamptz, end_at timestamptz
    ) returns bigint language sql stable parallel safe as $body$
        select {{ calendar__working_seconds_between(calendar, '$1', '$2', '$3') }}
    $body$;

    create or replace function {{ schema }}.add_working_days(
        region_code text, start_at timestamptz, days integer
    ) returns timestamptz language sql stable parallel safe as $body$
        select {{ calendar__add_working_days(calendar, '$1', '$2', '$3') }}
    $body$;

    create or replace function {{ schema }}.add_working_hours(
        region_code text, start_at timestamptz, hours numeric
    ) returns timestamptz language sql stable parallel safe as $body$
        select {{ calendar__add_working_hours(calendar, '$1', '$2', '$3') }}
    $body$;

    reset check_function_bodies;
{%- endmacro %}
