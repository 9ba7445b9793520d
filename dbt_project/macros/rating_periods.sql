{#- The rating periods of each region (int_ratings__periods, documented
    there): every month and every quarter from the one holding the region's
    first appeal to the one holding its data's as-of, with each period's
    snapshot. int_ratings__measures computes them inline from the same macro
    rather than reading int_ratings__periods, so that it does not wait for
    that table and its tests: dbt starts ready models by their depth in the
    graph, and one step less lets the ratings' only heavy model start with
    the first aggregates of fct_appeals. To be used as a subquery. -#}
{% macro rating_periods() %}
    with

    appeals as (
        select
            bounds.region_code,
            bounds.first_received_date,
            bounds.as_of_at
        from ({{ appeal_region_bounds() }}) as bounds
        where bounds.region_code is not null
    ),

    regions as (
        select
            region_code,
            timezone
        from {{ ref('regions') }}
    ),

    bounds as (
        select
            appeals.region_code,
            regions.timezone,
            appeals.first_received_date,
            appeals.as_of_at,
            (appeals.as_of_at at time zone regions.timezone)::date as as_of_date
        from appeals
        inner join regions
            on appeals.region_code = regions.region_code
    ),

    grains as (
        select
            grain.period_grain,
            grain.period_length
        from (
            values
            ('month', interval '1 month'),
            ('quarter', interval '3 months')
        ) as grain (period_grain, period_length)
    ),

    spine as (
        select
            bounds.region_code,
            bounds.timezone,
            bounds.as_of_at,
            grains.period_grain,
            grains.period_length,
            period_start.period_start::date as period_start
        from bounds
        cross join grains
        cross join lateral generate_series(
            date_trunc(grains.period_grain, bounds.first_received_date::timestamp),
            date_trunc(grains.period_grain, bounds.as_of_date::timestamp),
            grains.period_length
        ) as period_start (period_start)
    )

    select
        region_code,
        period_grain,
        period_start,
        (period_start + period_length - interval '1 day')::date as period_end,
        (period_start - period_length)::date as previous_period_start,
        (period_start + period_length)::timestamp at time zone timezone as period_end_at,
        least((period_start + period_length)::timestamp at time zone timezone, as_of_at) as snapshot_at,
        as_of_at,
        (period_start + period_length)::timestamp at time zone timezone <= as_of_at as is_complete
    from spine
{% endmacro %}
