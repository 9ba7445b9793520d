{#- Each region's data bounds in fct_appeals: the day of its first appeal
    (first_received_date) and its data's as-of (the newest as_of_at), the
    unknown region (null) included when it has appeals. Read through the
    indexes (region_code, received_date) and (region_code, as_of_at): a
    recursive walk over the distinct regions, then a probe per region, so a
    daily run does not scan the appeals for a handful of rows. To be used
    as a subquery (dbt injects unit-test fixtures into the model's top-level
    WITH). -#}
{% macro appeal_region_bounds() %}
{{ indexed_region_codes(ref('fct_appeals')) }}

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

{#- The distinct non-null region codes of `relation`, walked through an index
    whose first column is region_code (one probe per region instead of a
    scan): the start of a WITH RECURSIVE, as the CTE region_codes, whose
    last row is a null (filter it out). -#}
{% macro indexed_region_codes(relation) %}
    with recursive region_codes as (
        (
            select walked.region_code
            from {{ relation }} as walked
            where walked.region_code is not null
            order by walked.region_code
            limit 1
        )
        union all
        select (
            select walked.region_code
            from {{ relation }} as walked
            where walked.region_code > known.region_code
            order by walked.region_code
            limit 1
        )
        from region_codes as known
        where known.region_code is not null
    )
{% endmacro %}

{#- Each region's last day in `relation` (region_code, calendar_date), the
    unknown region (null) included when it has rows: the same as
    `select region_code, max(calendar_date) ... group by region_code`, read
    through an index on (region_code, calendar_date). To be used as a
    subquery. -#}
{% macro last_day_by_region(relation) %}
{{ indexed_region_codes(relation) }}

    select
        known.region_code,
        (
            select max(dated.calendar_date)
            from {{ relation }} as dated
            where dated.region_code = known.region_code
        ) as last_day
    from region_codes as known
    where known.region_code is not null
    union all
    select
        null as region_code,
        (
            select max(dated.calendar_date)
            from {{ relation }} as dated
            where dated.region_code is null
        ) as last_day
    where exists (
        select
        from {{ relation }} as dated
        where dated.region_code is null
    )
{% endmacro %}
