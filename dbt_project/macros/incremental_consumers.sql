{#- The aggregates computed from another aggregate (agg_appeals_by_period and
    agg_dashboard_appeals_daily from agg_appeals_daily): the change log they
    read, the marks of how far each has read it, and their pre-hooks. The
    design is in macros/incremental_aggregates.sql and docs/architecture.md
    ("Incremental path"). -#}

{#- The change log of an aggregate that others are computed from: one row per
    cell of the readers' grain (region, day, block, agency, municipality,
    channel) whose rows it rewrote, stamped with the run. A full computation
    logs one row with a null day: "everything changed". -#}
{% macro change_log_relation(model_name) %}
    {{ return(incremental_state_relation(model_name ~ '__changed_cells')) }}
{% endmacro %}

{#- The readers of a change log: rows all of them have read are pruned. -#}
{% macro change_log_readers(model_name) %}
    {{ return({'agg_appeals_daily': ['agg_appeals_by_period', 'agg_dashboard_appeals_daily']}[model_name]) }}
{% endmacro %}

{% macro aggregate_marks_relation() %}
    {{ return(incremental_state_relation('aggregate_marks')) }}
{% endmacro %}

{% macro create_change_log(model_name) %}
    create schema if not exists {{ incremental_state_schema() }};
    create table if not exists {{ change_log_relation(model_name) }} (
        changed_at timestamptz not null,
        region_code text,
        calendar_date date,
        block_code text,
        agency_id text,
        municipality_oktmo text,
        channel text
    );
    create index if not exists {{ model_name }}__changed_cells_at on {{ change_log_relation(model_name) }} (changed_at);
    {{ create_aggregate_marks() }}
{% endmacro %}

{% macro create_aggregate_marks() %}
    create schema if not exists {{ incremental_state_schema() }};
    create table if not exists {{ aggregate_marks_relation() }} (
        model_name text primary key,
        read_up_to timestamptz not null
    )
{% endmacro %}

{#- Post-hook of the logging aggregate: the cells of the rows written now
    (those whose _built_at is this run's, emptied ones included: they are
    deleted after this), or "everything" after a full computation. The rows
    every reader has read are pruned first (a reader with no mark computes in
    full, so it reads none). -#}
{% macro log_changed_cells(full) %}
    {{ create_change_log(this.identifier) }};
    {{ prune_read_log(change_log_relation(this.identifier), change_log_readers(this.identifier)) }};
    {% if full %}
        insert into {{ change_log_relation(this.identifier) }} (changed_at, region_code, calendar_date)
        values ({{ run_timestamp() }}, null, null)
    {% else %}
        insert into {{ change_log_relation(this.identifier) }}
        (changed_at, region_code, calendar_date, block_code, agency_id, municipality_oktmo, channel)
        select distinct _built_at, region_code, calendar_date, block_code, agency_id, municipality_oktmo, channel
        from {{ this }}
        where _built_at = {{ run_timestamp() }}
    {% endif %};

    analyze {{ change_log_relation(this.identifier) }}
{% endmacro %}

{#- Whether a reader of the change log computes in part: 'full' when it has
    no mark yet (marked_mode), when there is no log, or when the log says
    everything changed since its mark. -#}
{% macro changed_days_mode(source_model) %}
    {{ return(log_reader_mode(source_model ~ '__changed_cells', 'log.calendar_date is null')) }}
{% endmacro %}

{#- The mode of a model reading a change log (`log_identifier`, in the
    incremental state schema) from its mark: 'full' when it has no mark yet
    (marked_mode), when the log is missing, or when a row the log wrote after
    the mark says everything changed (`everything_changed`, a condition on
    the log's row `log`); 'incremental' otherwise. -#}
{% macro log_reader_mode(log_identifier, everything_changed) %}
    {% if marked_mode() == 'full' %}
        {{ return('full') }}
    {% endif %}
    {% set log = incremental_state_relation(log_identifier) %}
    {% if load_relation(log) is none %}
        {{ return('full') }}
    {% endif %}
    {% set query %}
        select count(*)
        from {{ log }} as log
        where {{ everything_changed }} and log.changed_at > {{ read_mark() }}
    {% endset %}
    {{ return('full' if run_query(query).rows[0][0] > 0 else 'incremental') }}
{% endmacro %}

{#- Deletes the rows of a change log that all its readers have read (none
    while a reader has no mark: it computes in full, so it reads none). -#}
{% macro prune_read_log(log, readers) %}
    delete from {{ log }}
    where changed_at <= (
        select min(mark.read_up_to)
        from {{ aggregate_marks_relation() }} as mark
        where mark.model_name in ('{{ readers | join("', '") }}')
        having count(*) = {{ readers | length }}
    )
{% endmacro %}

{#- The distinct `columns` of the cells in the source's log this consumer
    has not read. -#}
{% macro unread_changed_cells(source_model, columns) %}
    select distinct log.{{ columns | join(', log.') }}
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

        analyze {{ this.identifier }}__windows;

        create temporary table {{ this.identifier }}__regions on commit drop as
        with

        changed_days as (
            {{ unread_changed_cells('agg_appeals_daily', ['region_code', 'calendar_date']) }}
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

        analyze {{ this.identifier }}__regions;

        create temporary table {{ this.identifier }}__cells on commit drop as
        select distinct
            known.region_code,
            known.dimension,
            known.dimension_value
        from {{ this }} as known
        inner join {{ this.identifier }}__regions as recomputed
            on coalesce(known.region_code, '') = recomputed.region_key
        where known.period_grain = 'quarter' and recomputed.start_day is not null;

        analyze {{ this.identifier }}__cells;

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

        analyze {{ this.identifier }}__base;

        delete from {{ this }} as known
        using {{ this.identifier }}__regions as recomputed
        where
            coalesce(known.region_code, '') = recomputed.region_key
            and (recomputed.start_day is null or known.period_end >= recomputed.start_day)
    {% else %}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- Each region's data window (agg_appeals_by_period, agg_problem_categories):
    the day of its first appeal and its as-of, local. -#}
{% macro region_windows() %}
    select
        bounds.region_code,
        bounds.first_received_date as first_date,
        bounds.as_of_at at time zone coalesce(region.timezone, '{{ var("default_timezone") }}') as as_of_local
    from ({{ appeal_region_bounds() }}) as bounds
    left join {{ ref('regions') }} as region on bounds.region_code = region.region_code
{% endmacro %}

{#- The key of a row of agg_dashboard_appeals_daily, from the columns of
    `alias` (a uuid: md5 of the row's day, region, block, agency,
    municipality and channel, nulls included). -#}
{% macro dashboard_cell_key(alias) %}
    {{- row_key(['calendar_date', 'region_code', 'block_code', 'agency_id', 'municipality_oktmo', 'channel'], alias) -}}
{% endmacro %}

{#- agg_dashboard_appeals_daily's pre-hook: each region's last day of data
    goes to the temporary table <model>__last_days, the cells to compute
    again to <model>__cells, and their rows are deleted. They are
    the cells agg_appeals_daily rewrote since this model read its log, and
    every cell of the days from the week of the region's last day of data on
    (a week becomes complete as the last day moves; the earlier of its
    last day before and after the run). -#}
{% macro prepare_cell_recompute(incremental) %}
    {% if incremental %}
        -- each region's last day of data after this run (the model reads it too)
        create temporary table {{ this.identifier }}__last_days on commit drop as
        {{ last_day_by_region(ref('agg_appeals_daily')) }};

        create temporary table {{ this.identifier }}__cells on commit drop as
        with

        changed as (
            {{ unread_changed_cells(
                'agg_appeals_daily',
                ['calendar_date', 'region_code', 'block_code', 'agency_id', 'municipality_oktmo', 'channel'],
            ) }}
        ),

        last_days as (
            select
                coalesce(stored.region_code, '') as region_key,
                stored.last_day
            from ({{ last_day_by_region(this) }}) as stored
            union all
            select
                coalesce(region_code, '') as region_key,
                last_day
            from {{ this.identifier }}__last_days
        ),

        week_tails as (
            select
                region_key,
                date_trunc('week', min(last_day)::timestamp)::date as from_day
            from last_days
            group by region_key
        ),

        tail_cells as (
            select
                known.calendar_date,
                known.region_code,
                known.block_code,
                known.agency_id,
                known.municipality_oktmo,
                known.channel
            from {{ this }} as known
            inner join week_tails
                on
                    coalesce(known.region_code, '') = week_tails.region_key
                    and known.calendar_date >= week_tails.from_day
        ),

        cells as (
            select * from changed
            union
            select * from tail_cells
        )

        select
            {{ dashboard_cell_key('cells') }} as cell_key,
            cells.*
        from cells;

        create unique index on {{ this.identifier }}__cells (cell_key);

        analyze {{ this.identifier }}__cells;

        delete from {{ this }} as known
        using {{ this.identifier }}__cells as recomputed
        where known.cell_key = recomputed.cell_key
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
