{#- Incremental appeal aggregates (docs/architecture.md, "Incremental runs").

    A daily run rewrites a few thousand rows of fct_appeals (the new versions,
    the related appeals and every open appeal, whose overdue state moves with
    the as-of), and each of them may have counted before on other days or in
    other cells: an answer re-dated, a category corrected, a deadline passed.
    To update an aggregate from those rows alone, the aggregate must know what
    it counted for each of them last time. So an incremental aggregate keeps,
    next to itself, its *counted state*: the columns of fct_appeals it reads,
    per appeal, as it last counted them (intermediate.<model>__counted).

    Each run, inside the model's transaction:
      * pre-hook (prepare_appeal_changes): the appeals fct_appeals rewrote
        since the state (fct_appeals._built_at newer than the state's), and
        among them those whose counted columns differ from the state, into
        the session's temporary table <model>__changes: the new version with
        sign +1 and the counted one with sign -1;
      * the model reads that table (appeal_changes_relation) to compute what
        changed: signed sums for additive aggregates, the affected periods
        for the others;
      * post-hook (save_counted_state): the state takes the rewritten rows.
    The state and the aggregate change in one transaction, so a failed or
    skipped run leaves them in step; a full refresh (or a state that is
    missing) rebuilds both from fct_appeals.

    Aggregates computed from another aggregate (agg_appeals_by_period and
    agg_dashboard_appeals_daily from agg_appeals_daily) read the days it
    changed from its change log (intermediate.agg_appeals_daily__changed_days),
    each keeping the moment it has read up to in intermediate.aggregate_marks. -#}

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

{% macro counted_state_relation(model_name=none) %}
    {{ return(api.Relation.create(
        database=target.database,
        schema=incremental_state_schema(),
        identifier=(model_name or this.identifier) ~ '__counted',
    )) }}
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

{#- 'incremental' when the model exists, is not being fully refreshed and has
    its counted state; 'full' otherwise (the model is then computed from all
    of fct_appeals, and an existing table is emptied first). -#}
{% macro appeal_aggregate_mode() %}
    {% if updates_existing_table() %}
        {% set state = counted_state_relation() %}
        {{ return('incremental' if load_relation(state) is not none else 'full') }}
    {% endif %}
    {{ return('full') }}
{% endmacro %}

{#- Pre-hook: the changed appeals, signed, in the temporary table the model reads. -#}
{% macro prepare_appeal_changes(columns) %}
    {% set mode = appeal_aggregate_mode() %}
    {% if mode == 'incremental' %}
        {% set state = counted_state_relation() %}
        {% set changes = appeal_changes_relation() %}
        create temporary table {{ this.identifier }}__rewritten on commit drop as
        select
            appeal_key,
            _built_at,
            {{ columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }}
        where _built_at > (select coalesce(max(counted._built_at), '-infinity'::timestamptz) from {{ state }} as counted);

        create temporary table {{ changes }} on commit drop as
        with

        counted as (
            select counted.*
            from {{ state }} as counted
            inner join {{ this.identifier }}__rewritten as rewritten on counted.appeal_key = rewritten.appeal_key
        ),

        changed as (
            select rewritten.appeal_key
            from {{ this.identifier }}__rewritten as rewritten
            left join counted on rewritten.appeal_key = counted.appeal_key
            where
                counted.appeal_key is null
                or (rewritten.{{ columns | join(', rewritten.') }})
                is distinct from (counted.{{ columns | join(', counted.') }})
        )

        select
            1 as sign,
            rewritten.appeal_key,
            rewritten.{{ columns | join(',\n            rewritten.') }}
        from {{ this.identifier }}__rewritten as rewritten
        inner join changed on rewritten.appeal_key = changed.appeal_key
        union all
        select
            -1 as sign,
            counted.appeal_key,
            counted.{{ columns | join(',\n            counted.') }}
        from counted
        inner join changed on counted.appeal_key = changed.appeal_key;

        analyze {{ changes }}
    {% else %}
        {#- no counted state (first run of this version): recomputed in full -#}
        {{ empty_for_full_computation() }}
    {% endif %}
{% endmacro %}

{#- Post-hook: the counted state takes the rows fct_appeals rewrote (all of
    fct_appeals after a full computation). -#}
{% macro save_counted_state(columns) %}
    {% set state = counted_state_relation() %}
    {% if appeal_aggregate_mode() == 'incremental' %}
        delete from {{ state }} as counted
        using {{ this.identifier }}__rewritten as rewritten
        where counted.appeal_key = rewritten.appeal_key;

        insert into {{ state }}
        select * from {{ this.identifier }}__rewritten
    {% else %}
        create schema if not exists {{ state.schema }};
        drop table if exists {{ state }};
        create table {{ state }} as
        select
            appeal_key,
            _built_at,
            {{ columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }};
        create unique index on {{ state }} (appeal_key);
        create index on {{ state }} (_built_at);
        analyze {{ state }}
    {% endif %}
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

{#- int_ratings__measures' pre-hook: per region with a changed appeal, the
    first day whose periods are computed again (start_day: the earliest
    receipt among the changed appeals' two versions, or the earliest as-of of
    their counted versions, whichever is earlier, less a day for time zones),
    into the temporary table <model>__regions; the rows of the periods ending
    on or after it are deleted. -#}
{% macro prepare_rating_recompute(incremental) %}
    {% if incremental %}
        create temporary table {{ this.identifier }}__regions on commit drop as
        select
            region_code,
            least(
                min(received_date),
                min((as_of_at at time zone 'UTC')::date) filter (where sign = -1)
            ) - 1 as start_day
        from {{ appeal_changes_relation() }}
        where region_code is not null
        group by region_code;

        delete from {{ this }} as known
        using {{ this.identifier }}__regions as recomputed
        where
            known.region_code = recomputed.region_code
            and (
                known.period_start
                + case known.period_grain when 'month' then interval '1 month' else interval '3 months' end
                - interval '1 day'
            )::date >= recomputed.start_day
    {% else %}
        select 1
    {% endif %}
{% endmacro %}
