{#- The aggregates computed from another aggregate (agg_appeals_by_period and
    agg_dashboard_appeals_daily from agg_appeals_daily): the change log they
    read, the marks of how far each has read it, and their pre-hooks. The
    design is in macros/incremental_aggregates.sql and docs/architecture.md
    ("Incremental path"). -#}

{#- The change log of an aggregate that others are computed from: one row per
    region and day whose rows it rewrote, stamped with the run. A full
    computation logs one row with a null day: "everything changed". -#}
{% macro change_log_relation(model_name) %}
    {{ return(api.Relation.create(
        database=target.database, schema=incremental_state_schema(), identifier=model_name ~ '__changed_days'
    )) }}
{% endmacro %}

{% macro aggregate_marks_relation() %}
    {{ return(api.Relation.create(
        database=target.database, schema=incremental_state_schema(), identifier='aggregate_marks'
    )) }}
{% endmacro %}

{% macro create_change_log(model_name) %}
    create schema if not exists {{ incremental_state_schema() }};
    create table if not exists {{ change_log_relation(model_name) }} (
        changed_at timestamptz not null,
        region_code text,
        calendar_date date
    );
    create index if not exists {{ model_name }}__changed_days_at on {{ change_log_relation(model_name) }} (changed_at);
    {{ create_aggregate_marks() }}
{% endmacro %}

{% macro create_aggregate_marks() %}
    create schema if not exists {{ incremental_state_schema() }};
    create table if not exists {{ aggregate_marks_relation() }} (
        model_name text primary key,
        read_up_to timestamptz not null
    )
{% endmacro %}

{#- Post-hook of the logging aggregate: the (region, day) of the rows written
    now (those whose _built_at is this run's), or "everything" after a full
    computation. -#}
{% macro log_changed_days(full) %}
    {{ create_change_log(this.identifier) }};
    {% if full %}
        insert into {{ change_log_relation(this.identifier) }} (changed_at, region_code, calendar_date)
        values ({{ run_timestamp() }}, null, null)
    {% else %}
        insert into {{ change_log_relation(this.identifier) }} (changed_at, region_code, calendar_date)
        select distinct _built_at, region_code, calendar_date
        from {{ this }}
        where _built_at = {{ run_timestamp() }}
    {% endif %}
{% endmacro %}

{#- Whether a reader of the change log computes in part: 'full' when it has
    no mark yet (marked_mode), when there is no log, or when the log says
    everything changed since its mark. -#}
{% macro changed_days_mode(source_model) %}
    {% if marked_mode() == 'full' %}
        {{ return('full') }}
    {% endif %}
    {% set log = change_log_relation(source_model) %}
    {% if load_relation(log) is none %}
        {{ return('full') }}
    {% endif %}
    {% set query %}
        select count(*)
        from {{ log }} as log
        where log.calendar_date is null and log.changed_at > {{ read_mark() }}
    {% endset %}
    {{ return('full' if run_query(query).rows[0][0] > 0 else 'incremental') }}
{% endmacro %}

{#- The (region, day) rows of the source's log this consumer has not read. -#}
{% macro unread_changed_days(source_model) %}
    select distinct log.region_code, log.calendar_date
    from {{ change_log_relation(source_model) }} as log
    where
        log.calendar_date is not null
        and log.changed_at > {{ read_mark() }}
{% endmacro %}

{#- agg_appeals_by_period's pre-hook. Per region, the first day whose period
    changes: the earliest day agg_appeals_daily changed since this model read
    its log, or the region's previous as-of day (the grid grows with the
    as-of, and the periods holding it become complete). A region that is new,
    whose first day moved, or that shows a dimension value never seen before
    is computed whole (start_day null). The regions' data windows (read once,
    for the model too), the cells and, per cell and grain, the backlog at the
    end of the last period kept go to temporary tables; the rows of the
    periods to compute are deleted. -#}
{% macro prepare_period_recompute(incremental) %}
    {% if incremental %}
        create temporary table {{ this.identifier }}__windows on commit drop as
        {{ region_windows() }};

        create temporary table {{ this.identifier }}__regions on commit drop as
        with

        changed_days as (
            {{ unread_changed_days('agg_appeals_daily') }}
        ),

        changed as (
            select
                coalesce(region_code, '') as region_key,
                min(calendar_date) as first_changed_day
            from changed_days
            group by region_key
        ),

        windows as (
            select
                coalesce(region_code, '') as region_key,
                first_date,
                as_of_local::date as as_of_day
            from {{ this.identifier }}__windows
        ),

        stored as (
            select
                coalesce(region_code, '') as region_key,
                min(period_start) as first_date,
                max(period_start) as as_of_day
            from {{ this }}
            where period_grain = 'day'
            group by region_key
        ),

        -- dimension values of the daily rows written since the log was read
        new_cells as (
            select distinct coalesce(daily.region_code, '') as region_key
            from {{ ref('agg_appeals_daily') }} as daily
            cross join lateral (
                values
                ('region', daily.region_code),
                ('block', daily.block_code),
                ('category', daily.category_code),
                ('agency', daily.agency_id),
                ('municipality', daily.municipality_oktmo),
                ('channel', daily.channel)
            ) as cell (dimension, dimension_value)
            where
                daily._built_at > {{ read_mark() }}
                and not exists (
                    select
                    from {{ this }} as known
                    where
                        known.period_grain = 'quarter'
                        and coalesce(known.region_code, '') = coalesce(daily.region_code, '')
                        and known.dimension = cell.dimension
                        and coalesce(known.dimension_value, '') = coalesce(cell.dimension_value, '')
                )
        )

        select
            coalesce(windows.region_key, stored.region_key) as region_key,
            case
                when
                    stored.region_key is null
                    or windows.region_key is null
                    or windows.first_date != stored.first_date
                    or new_cells.region_key is not null
                    then null
                else least(changed.first_changed_day, stored.as_of_day)
            end as start_day
        from windows
        full outer join stored on windows.region_key = stored.region_key
        left join changed on coalesce(windows.region_key, stored.region_key) = changed.region_key
        left join new_cells on coalesce(windows.region_key, stored.region_key) = new_cells.region_key
        where
            changed.region_key is not null
            or new_cells.region_key is not null
            or windows.region_key is null
            or stored.region_key is null
            or windows.first_date != stored.first_date
            or windows.as_of_day != stored.as_of_day;

        create temporary table {{ this.identifier }}__cells on commit drop as
        select distinct
            known.region_code,
            known.dimension,
            known.dimension_value
        from {{ this }} as known
        inner join {{ this.identifier }}__regions as recomputed
            on coalesce(known.region_code, '') = recomputed.region_key
        where known.period_grain = 'quarter' and recomputed.start_day is not null;

        create temporary table {{ this.identifier }}__base on commit drop as
        select distinct on (known.period_grain, known.region_code, known.dimension, known.dimension_value)
            known.period_grain,
            known.region_code,
            known.dimension,
            known.dimension_value,
            known.open_at_period_end,
            known.overdue_open_at_period_end
        from {{ this }} as known
        inner join {{ this.identifier }}__regions as recomputed
            on coalesce(known.region_code, '') = recomputed.region_key
        where known.period_end < recomputed.start_day
        order by known.period_grain, known.region_code, known.dimension, known.dimension_value, known.period_start desc;

        delete from {{ this }} as known
        using {{ this.identifier }}__regions as recomputed
        where
            coalesce(known.region_code, '') = recomputed.region_key
            and (recomputed.start_day is null or known.period_end >= recomputed.start_day)
    {% else %}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- agg_appeals_by_period's data window per region: the day of its first
    appeal and its as-of, local. -#}
{% macro region_windows() %}
    select
        appeal.region_code,
        min(appeal.received_date) as first_date,
        max(appeal.as_of_at at time zone coalesce(region.timezone, '{{ var("default_timezone") }}')) as as_of_local
    from {{ ref('fct_appeals') }} as appeal
    left join {{ ref('regions') }} as region on appeal.region_code = region.region_code
    group by appeal.region_code
{% endmacro %}

{#- agg_dashboard_appeals_daily's pre-hook: the days to compute again — those
    agg_appeals_daily rewrote since this model read its log, and every day
    from the start of the week of the region's previous last day on (a week
    becomes complete as the data's last day moves) — go to the temporary
    table <model>__days, and their rows are deleted. -#}
{% macro prepare_day_recompute(incremental) %}
    {% if incremental %}
        create temporary table {{ this.identifier }}__days on commit drop as
        with

        changed_days as (
            {{ unread_changed_days('agg_appeals_daily') }}
        ),

        week_tails as (
            select
                coalesce(region_code, '') as region_key,
                date_trunc('week', max(calendar_date)::timestamp)::date as from_day
            from {{ this }}
            group by region_key
        )

        select
            coalesce(region_code, '') as region_key,
            calendar_date,
            null::date as from_day
        from changed_days
        union all
        select
            region_key,
            null::date as calendar_date,
            from_day
        from week_tails;

        analyze {{ this.identifier }}__days;

        delete from {{ this }} as known
        where
            (coalesce(known.region_code, ''), known.calendar_date) in (
                select
                    recomputed.region_key,
                    recomputed.calendar_date
                from {{ this.identifier }}__days as recomputed
                where recomputed.calendar_date is not null
            )
            or known.calendar_date >= (
                select recomputed.from_day
                from {{ this.identifier }}__days as recomputed
                where recomputed.region_key = coalesce(known.region_code, '') and recomputed.from_day is not null
            )
    {% else %}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- A model recomputed per appeal from the rows an upstream incremental table
    wrote since the model last ran (their _built_at after its mark in
    aggregate_marks): 'incremental' when it exists and has a mark, 'full'
    otherwise. -#}
{% macro marked_mode() %}
    {% if not updates_existing_table() %}
        {{ return('full') }}
    {% endif %}
    {% set marks = aggregate_marks_relation() %}
    {% if load_relation(marks) is none %}
        {{ return('full') }}
    {% endif %}
    {% set query %}
        select count(*) from {{ marks }} as mark where mark.model_name = '{{ this.identifier }}'
    {% endset %}
    {{ return('incremental' if run_query(query).rows[0][0] > 0 else 'full') }}
{% endmacro %}

{#- Pre-hook: the keys `upstream` wrote since this model's mark go to the
    temporary table <model>__keys, and this model's rows of those keys are
    deleted (the model computes them again; incremental_strategy append). -#}
{% macro prepare_rewritten_keys(upstream, key, incremental) %}
    {% if incremental %}
        create temporary table {{ this.identifier }}__keys on commit drop as
        select {{ key }}
        from {{ upstream }}
        where _built_at > {{ read_mark() }};

        create unique index on {{ this.identifier }}__keys ({{ key }});

        analyze {{ this.identifier }}__keys;

        delete from {{ this }} as known
        using {{ this.identifier }}__keys as rewritten
        where known.{{ key }} = rewritten.{{ key }}
    {% else %}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- Post-hook of a model with a mark (the readers of the change log, and
    marked_mode's models): it has read its upstream up to this run. -#}
{% macro set_read_mark() %}
{{ create_aggregate_marks() }};

    insert into {{ aggregate_marks_relation() }} (model_name, read_up_to)
    values ('{{ this.identifier }}', {{ run_timestamp() }})
    on conflict (model_name) do update set read_up_to = excluded.read_up_to
{% endmacro %}

{#- The else-branch of the pre-hooks above: a model that exists but is computed
    in full this run (no mark yet, or its source says everything changed) is
    emptied first, since its rows are appended. -#}
{% macro empty_for_full_computation() %}
    {% if updates_existing_table() %}
        truncate {{ this }}
    {% else %}
        select 1
    {% endif %}
{% endmacro %}

{#- This model's mark: up to when it has read its upstream. -#}
{% macro read_mark() %}
    (
        select mark.read_up_to from {{ aggregate_marks_relation() }} as mark
        where mark.model_name = '{{ this.identifier }}'
    )
{% endmacro %}
