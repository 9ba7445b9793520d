{#- Each region's data bounds in fct_appeals: the day of its first appeal
    (first_received_date) and its data's as-of (the newest as_of_at), the
    unknown region (null) included when it has appeals. Read through the
    indexes (region_code, received_date) and (region_code, as_of_at): a
    recursive walk over the distinct regions, then a probe per region, so a
    daily run does not scan the appeals for a handful of rows. To be used
    as a subquery (dbt injects unit-test fixtures into the model's top-level
    WITH). -#}
{% macro appeal_region_bounds() %}
    with recursive region_codes as (
        (
            select appeal.region_code
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code is not null
            order by appeal.region_code
            limit 1
        )
        union all
        select (
            select appeal.region_code
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code > known.region_code
            order by appeal.region_code
            limit 1
        )
        from region_codes as known
        where known.region_code is not null
    )

    select
        known.region_code,
        (
            select min(appeal.received_date)
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code = known.region_code
        ) as first_received_date,
        (
            select max(appeal.as_of_at)
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code = known.region_code
        ) as as_of_at
    from region_codes as known
    where known.region_code is not null
    union all
    select
        null as region_code,
        (
            select min(appeal.received_date)
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code is null
        ) as first_received_date,
        (
            select max(appeal.as_of_at)
            from {{ ref('fct_appeals') }} as appeal
            where appeal.region_code is null
        ) as as_of_at
    where exists (
        select
        from {{ ref('fct_appeals') }} as appeal
        where appeal.region_code is null
    )
{% endmacro %}
