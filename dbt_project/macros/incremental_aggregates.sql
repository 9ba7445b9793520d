{#- Incremental appeal aggregates (docs/architecture.md, "Incremental runs").

    A daily run rewrites a few thousand rows of fct_appeals (the new versions,
    the related appeals and every open appeal, whose overdue state moves with
    the as-of), and each of them may have counted before on other days or in
    other cells: an answer re-dated, a category corrected, a deadline passed.
    To update an aggregate from those rows alone, the aggregate must know the
    version it counted of each of them. So fct_appeals keeps a change log
    (intermediate.fct_appeals__changes): its incremental strategy
    (logged_delete_insert) writes there, stamped with the run, each row it
    replaces (sign -1) and each row it writes (sign +1); a full build logs one
    row with sign 0, "everything changed". Each aggregate reading it keeps the
    moment it has read up to (intermediate.aggregate_marks), and each run,
    inside the aggregate's transaction:
      * pre-hook (prepare_appeal_changes): from the log rows after its mark,
        the appeals whose columns it reads differ between the version it
        counted (the oldest replaced) and the current one (the newest
        written), into the session's temporary table <model>__changes: the
        current version with sign +1 and the counted one with sign -1;
      * the model reads that table (appeal_changes_relation) to compute what
        changed: signed sums for additive aggregates, the affected periods
        for the others;
      * post-hook: the mark moves to this run.
    The aggregate and its mark change in one transaction, so a failed or
    skipped run reads the same rows again next time; with no mark, or after a
    full build of fct_appeals, the aggregate is computed from all of it. The
    rows every reader has read are pruned when fct_appeals next writes.

    Aggregates computed from another aggregate (agg_appeals_by_period and
    agg_dashboard_appeals_daily from agg_appeals_daily) read the cells it
    changed from its change log (intermediate.agg_appeals_daily__changed_cells),
    in the same way (macros/incremental_consumers.sql). -#}

{#- The start of this dbt run, as a timestamptz literal: the stamp of the rows
    a run writes (now() outside dbt, e.g. when sqlfluff renders a model). -#}
{% macro run_timestamp() %}
    {%- if run_started_at is defined -%}
        '{{ run_started_at.isoformat() }}'::timestamptz
    {%- else -%}
        now()
    {%- endif -%}
{% endmacro %}

{% macro incremental_state_schema() %}
    {{- return('intermediate') -}}
{% endmacro %}

{#- A table of the incremental machinery (logs, marks), by name. -#}
{% macro incremental_state_relation(identifier) %}
    {{ return(api.Relation.create(
        database=target.database, schema=incremental_state_schema(), identifier=identifier
    )) }}
{% endmacro %}

{#- fct_appeals' change log and the models that read it. -#}
{% macro appeal_change_log_relation() %}
    {{ return(incremental_state_relation('fct_appeals__changes')) }}
{% endmacro %}

{% macro appeal_change_log_readers() %}
    {{ return([
        'agg_appeals_daily',
        'agg_appeal_times_by_period',
        'int_ratings__measures',
        'int_indicators__daily',
        'int_problem_categories__daily',
        'int_problem_categories__catch_all_daily',
    ]) }}
{% endmacro %}

{#- fct_appeals' incremental strategy: dbt's delete+insert, with the rows it
    replaces and the rows it writes logged (the log is created, saying
    "everything changed", when missing). The rows all readers have read are
    pruned first. -#}
{% macro get_incremental_logged_delete_insert_sql(arg_dict) %}
    {%- set target_relation = arg_dict['target_relation'] -%}
    {%- set temp_relation = arg_dict['temp_relation'] -%}
    {%- set key = arg_dict['unique_key'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set log = appeal_change_log_relation() -%}
    {%- if load_relation(log) is none -%}
        {{ create_appeal_change_log(target_relation) }};
    {%- endif %}
    {{ create_aggregate_marks() }};

    {{ prune_read_log(log, appeal_change_log_readers()) }};

    insert into {{ log }} (changed_at, sign, {{ columns }})
    select {{ run_timestamp() }}, -1, {{ columns }}
    from {{ target_relation }}
    where {{ key }} in (select replaced.{{ key }} from {{ temp_relation }} as replaced);

    {{ get_delete_insert_merge_sql(
        target_relation, temp_relation, key, arg_dict['dest_columns'], arg_dict['incremental_predicates']
    ) }};

    insert into {{ log }} (changed_at, sign, {{ columns }})
    select {{ run_timestamp() }}, 1, {{ columns }}
    from {{ temp_relation }}
{% endmacro %}

{#- The log: fct_appeals' columns after the run's stamp and the sign, and one
    row saying "everything changed" (sign 0). -#}
{% macro create_appeal_change_log(fact) %}
{% set log = appeal_change_log_relation() %}
    create schema if not exists {{ log.schema }};
    drop table if exists {{ log }};
    create table {{ log }} as
    select
        null::timestamptz as changed_at,
        null::smallint as sign,
        fact.*
    from {{ fact }} as fact
    where false;
    create index on {{ log }} (changed_at);
    insert into {{ log }} (changed_at, sign) values ({{ run_timestamp() }}, 0)
{% endmacro %}

{#- fct_appeals' post-hook: a full build starts the log afresh; after an
    incremental run the log is analysed (its readers plan on its statistics,
    which a full build left at one row): the columns they filter, sort and
    join it on, not the fact's other fifty (statistics nothing reads,
    whose analysis took 0.25 s of fct_appeals' 1.5 s on a region-year). -#}
{% macro finish_appeal_change_log() %}
    {% if updates_existing_table() %}
        analyze {{ appeal_change_log_relation() }} (changed_at, sign, appeal_key)
    {% else %}
        {{ create_appeal_change_log(this) }}
    {% endif %}
{% endmacro %}

{#- A row's key from its grain columns (of `alias`, when given): a uuid, the
    md5 of the columns' values as a row, nulls included. -#}
{% macro row_key(columns, alias=none) %}
    {%- set prefix = alias ~ '.' if alias else '' -%}
    md5(({{ prefix }}{{ columns | join(', ' ~ prefix) }})::text)::uuid
{%- endmacro %}

{#- An additive aggregate's sums over `events` (its rows carry `sign`): per
    `dimensions`, each of `measures` ([name, type, signed sum expression]). -#}
{% macro signed_sums(dimensions, measures) %}
    {%- set sums = [] -%}
    {%- for name, type, expression in measures -%}
        {%- do sums.append('coalesce(' ~ expression ~ ', 0)::' ~ type ~ ' as ' ~ name) -%}
    {%- endfor -%}
select
    {{ (dimensions + sums) | join(',\n    ') }}
from events
group by {{ dimensions | join(', ') }}
{% endmacro %}

{#- The cells an additive aggregate keyed by cell_key (row_key of its
    dimensions) writes, from `signed` (signed_sums): in an incremental run
    those whose values change, with the stored values added
    (added_to_stored); in a full one all of them. -#}
{% macro cells_to_write(dimensions, measures, incremental) %}
    {{ return(added_to_stored(dimensions, measures) if incremental else 'select * from signed') }}
{% endmacro %}

{#- An incremental run's cells: the rows of `signed` that change something,
    with the stored values added. -#}
{% macro added_to_stored(dimensions, measures) %}
    {%- set columns, changes = [], [] -%}
    {%- for dimension in dimensions -%}
        {%- do columns.append('signed.' ~ dimension) -%}
    {%- endfor -%}
    {%- for name, type, expression in measures -%}
        {%- do columns.append('(coalesce(stored.' ~ name ~ ', 0) + signed.' ~ name ~ ')::' ~ type ~ ' as ' ~ name) -%}
        {%- do changes.append('signed.' ~ name ~ ' != 0') -%}
    {%- endfor -%}
select
    {{ columns | join(',\n    ') }}
from signed
left join {{ this }} as stored on {{ row_key(dimensions, 'signed') }} = stored.cell_key
where {{ changes | join('\n    or ') }}
{% endmacro %}

{#- The closing CTEs of an additive aggregate of fct_appeals kept by cell
    (int_indicators__daily, int_problem_categories__daily, int_problem_
    categories__catch_all_daily): from `events` (its rows carry `sign`) the
    signed sums per `dimensions` (signed_sums), the cells to write
    (cells_to_write) and `final`, keyed by cell_key (row_key of the
    dimensions) and stamped with the run. -#}
{% macro appeal_cells(dimensions, measures, incremental) %}
signed as (
    {{ signed_sums(dimensions, measures) }}
),

-- the cells to write (in an incremental run, those whose values change,
-- with their stored values added)
summed as (
    {{ cells_to_write(dimensions, measures, incremental) }}
),

final as (
    select
        {{ row_key(dimensions) }} as cell_key,
        {{ (dimensions + measures | map('first') | list) | join(',\n        ') }},
        {{ run_timestamp() }} as _built_at
    from summed
)
{% endmacro %}

{#- The appeals an additive aggregate of fct_appeals counts this run, each
    with its sign: in an incremental run the changed ones (appeal_changes_
    relation: current version +1, the version counted -1); in a full one
    every appeal, +1, with only `columns`. `condition` filters both. -#}
{% macro counted_appeals(columns, incremental, condition='true') %}
    {{ return(
        ('select *\n    from ' ~ appeal_changes_relation() ~ '\n    where ' ~ condition)
        if incremental else
        ('select\n        1 as sign,\n        ' ~ columns | join(',\n        ')
        ~ '\n    from ' ~ ref('fct_appeals') ~ '\n    where ' ~ condition)
    ) }}
{% endmacro %}

{% macro appeal_changes_relation() %}
    {{ return(api.Relation.create(identifier=this.identifier ~ '__changes', type='table')) }}
{% endmacro %}

{#- Whether this run updates the model's existing table (not a first build, a
    full refresh, parsing, or a unit test: a unit test has no relation, and
    mocks is_incremental in the model only). -#}
{% macro updates_existing_table() %}
    {{ return(execute and this is not none and is_incremental()) }}
{% endmacro %}

{#- 'incremental' when the model exists, is not being fully refreshed, has
    a mark, and fct_appeals' log has no full build after it; 'full'
    otherwise (the model is then computed from all of fct_appeals, and an
    existing table is emptied first). -#}
{% macro appeal_aggregate_mode() %}
    {{ return(log_reader_mode('fct_appeals__changes', 'log.sign = 0')) }}
{% endmacro %}

{#- Pre-hook: the changed appeals, signed, in the temporary table the model reads. -#}
{% macro prepare_appeal_changes(columns) %}
    {% if appeal_aggregate_mode() == 'incremental' %}
        {% set changes = appeal_changes_relation() %}
        create temporary table {{ changes }} on commit drop as
        with

        logged as (
            select
                changed_at,
                sign,
                appeal_key,
                {{ columns | join(',\n                ') }}
            from {{ appeal_change_log_relation() }}
            where changed_at > {{ read_mark() }} and sign != 0
        ),

        -- the version this model counted: the oldest replaced since its mark
        counted as (
            select distinct on (appeal_key) *
            from logged
            where sign = -1
            order by appeal_key asc, changed_at asc
        ),

        -- the current version: the newest written
        current_version as (
            select distinct on (appeal_key) *
            from logged
            where sign = 1
            order by appeal_key asc, changed_at desc
        ),

        changed as (
            select coalesce(current_version.appeal_key, counted.appeal_key) as appeal_key
            from current_version
            full outer join counted on current_version.appeal_key = counted.appeal_key
            where
                counted.appeal_key is null
                or current_version.appeal_key is null
                or (current_version.{{ columns | join(', current_version.') }})
                is distinct from (counted.{{ columns | join(', counted.') }})
        )

        select
            1 as sign,
            current_version.appeal_key,
            current_version.{{ columns | join(',\n            current_version.') }}
        from current_version
        inner join changed on current_version.appeal_key = changed.appeal_key
        union all
        select
            -1 as sign,
            counted.appeal_key,
            counted.{{ columns | join(',\n            counted.') }}
        from counted
        inner join changed on counted.appeal_key = changed.appeal_key;

        analyze {{ changes }}
    {% else %}
        {#- no mark, or fct_appeals was built in full: recomputed in full -#}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- Post-hook: this model has read fct_appeals' log up to this run (the
    counted state an earlier version kept per model is dropped). -#}
{% macro mark_appeal_changes_read() %}
{{ set_read_mark() }};
    drop table if exists {{ incremental_state_schema() }}.{{ this.identifier }}__counted
{% endmacro %}

{#- Pre-hook of an aggregate per period (day, week, month, quarter) that is
    recomputed period by period: the periods holding a day of `days_sql`
    (region_code, calendar_date rows, read from the changes) go to the
    temporary table <model>__periods, and their stored rows are deleted; the
    model then computes those periods again (incremental_strategy append). -#}
{% macro prepare_changed_periods(days_sql, incremental) %}
    {% if incremental %}
        create temporary table {{ this.identifier }}__periods on commit drop as
        select distinct
            grain.period_grain,
            date_trunc(grain.period_grain, changed_day.calendar_date::timestamp)::date as period_start,
            changed_day.region_code
        from ({{ days_sql }}) as changed_day
        cross join (values ('day'), ('week'), ('month'), ('quarter')) as grain (period_grain);

        analyze {{ this.identifier }}__periods;

        delete from {{ this }} as stored
        using {{ this.identifier }}__periods as changed
        where
            stored.period_grain = changed.period_grain
            and stored.period_start = changed.period_start
            and coalesce(stored.region_code, '') = coalesce(changed.region_code, '')
    {% else %}
        select 1
    {% endif %}
{% endmacro %}

{#- agg_appeal_times_by_period's changed days: where a changed appeal's answer
    time or first-response time counts, in its new and its counted version,
    when that time or what it is grouped by differs between the two. -#}
{% macro appeal_times_changed_days() %}
{%- set dimensions = ['region_code', 'block_code', 'category_code', 'agency_id', 'municipality_oktmo', 'channel'] -%}
    with

    timed as (
        select
            sign,
            appeal_key,
            'answer' as measure,
            greatest(answered_date, received_date) as calendar_date,
            hours_to_answer as hours,
            working_hours_to_answer as working_hours,
            {{ dimensions | join(', ') }}
        from {{ appeal_changes_relation() }}
        where answered_date is not null and hours_to_answer is not null
        union all
        select
            sign,
            appeal_key,
            'first_response' as measure,
            received_date as calendar_date,
            hours_to_first_response as hours,
            working_hours_to_first_response as working_hours,
            {{ dimensions | join(', ') }}
        from {{ appeal_changes_relation() }}
        where hours_to_first_response is not null
    )

    -- a time present in one version only, or different in the two
    select distinct
        timed.region_code,
        timed.calendar_date
    from timed
    left join timed as other
        on
            timed.appeal_key = other.appeal_key
            and timed.measure = other.measure
            and timed.sign = -other.sign
    where
        other.appeal_key is null
        or (timed.calendar_date, timed.hours, timed.working_hours, timed.{{ dimensions | join(', timed.') }})
        is distinct from (other.calendar_date, other.hours, other.working_hours, other.{{ dimensions | join(', other.') }})
{% endmacro %}

{#- The config of an additive aggregate of fct_appeals kept by cell
    (agg_appeals_daily, int_indicators__daily, int_problem_categories__daily
    and the catch-all days): incremental by cell_key, fed by the changed
    appeals of `counted_columns` (prepare_appeal_changes), the cells the run
    left at zero (`emptied`, a condition on the row) deleted, the log's mark
    moved. `indexes`, `pre_hook` and `post_hook` add the model's own, before
    the shared ones. -#}
{% macro appeal_cells_config(counted_columns, emptied, indexes=[], pre_hook=[], post_hook=[]) %}
    {{ return({
        'materialized': 'incremental',
        'unique_key': 'cell_key',
        'incremental_strategy': 'delete+insert',
        'on_schema_change': 'fail',
        'indexes': [{'columns': ['cell_key'], 'unique': True}] + indexes,
        'pre_hook': pre_hook + ["{{ prepare_appeal_changes(" ~ counted_columns ~ ") }}"],
        'post_hook': post_hook + [
            "delete from {{ this }} where _built_at = {{ run_timestamp() }} and " ~ emptied,
            "{{ mark_appeal_changes_read() }}",
        ],
    }) }}
{% endmacro %}
