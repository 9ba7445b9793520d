-- The counts and medians every rating metric is made of, per region, period
-- (month and quarter), rated subject (agency, municipality) and entity: one
-- pass over the appeals. Rejected appeals (declined by moderation) are left
-- out: nobody was asked to answer them. Each appeal is counted in every
-- period it was in work in (received by the period's end and not answered
-- before its start), for its agency (the one credited in that period) and
-- for its municipality.
--
-- A table, not a view: three models read it, and it is the only step of the
-- ratings that scans the appeals. The rating periods are those of
-- int_ratings__periods, computed inline from the same macro
-- (macros/rating_periods.sql): reading the table would make this model wait
-- for it and its tests, behind the other aggregates of fct_appeals.
--
-- Incremental (macros/incremental_aggregates.sql): a run takes the appeals
-- whose columns read here changed against the version this model counted
-- (fct_appeals' change log) and adds to the stored counts, per group, the
-- counts of the current version less those of the counted one. Each changed
-- appeal is counted only in the periods where its two versions can differ:
-- those ending on or after the first day a difference shows at a snapshot
-- (visible_from, below). An open appeal rewritten only because the as-of
-- moved thus touches the running periods alone, not every period since its
-- receipt. The medians are computed again, from fct_appeals, in the groups
-- where a changed appeal's time counts differently; a period with no stored
-- row yet (the as-of entered it, or the region is new) is computed whole;
-- a group left with no appeal in work is deleted. A full refresh gives the
-- same rows (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'agency_id',
    'municipality_oktmo',
    'received_date',
    'due_at',
    'first_response_at',
    'first_response_due_at',
    'answered_at',
    'answered_date',
    'is_on_time',
    'hours_to_first_response',
    'hours_to_answer',
    'is_satisfied',
    'is_negative',
    'is_repeat',
    'is_formal_reply',
    'as_of_at',
    'is_rejected',
] %}
{%- set counts = [
    ['appeals_received', 'is_received'],
    ['appeals_answered', 'is_answered'],
    ['appeals_in_work', 'true'],
    ['received_answered_by_snapshot', 'is_received and is_answered_by_snapshot'],
    ['overdue_open_at_snapshot', 'is_overdue_open_at_snapshot'],
    ['answered_with_deadline', 'is_answered and is_on_time is not null'],
    ['answered_on_time', 'is_answered and is_on_time'],
    ['answered_with_reaction', 'is_answered and is_satisfied is not null'],
    ['answered_satisfied', 'is_answered and is_satisfied'],
    ['answered_negative', 'is_answered and is_negative'],
    ['received_repeat', 'is_received and is_repeat'],
    ['answered_with_formal_check', 'is_answered and is_formal_reply is not null'],
    ['answered_formal_reply', 'is_answered and is_formal_reply'],
    ['received_with_first_response_deadline', 'is_received and is_first_response_on_time is not null'],
    ['received_first_response_on_time', 'is_received and is_first_response_on_time'],
    ['answered_with_time', 'is_answered and hours_to_answer is not null'],
    ['received_with_first_response', 'is_received and hours_to_first_response is not null'],
] %}
{%- set group_key = ['region_code', 'period_grain', 'period_start', 'subject', 'entity_id'] %}
{#- the appeal's columns the counts read: its key and the counted ones but
    is_rejected (rejected appeals are left out) -#}
{%- set appeal_columns = ['appeal_key'] + counted_columns | reject('equalto', 'is_rejected') | list %}
{%- set mode = appeal_aggregate_mode() %}
{#- Merge joins off for this statement: the planner, misled by the estimates
    of its CTEs, sorted the changed appeals to merge them with the periods
    and rescanned them once per period (2.1 million rows for 176 000 on five
    region-years; 0.9 s against 0.6 s for the hash join). -#}
{{ config(
    materialized='incremental',
    unique_key=group_key,
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    indexes=[{'columns': group_key, 'unique': True}],
    pre_hook=[
        "set local work_mem = '256MB'",
        "set local enable_mergejoin = off",
        "{{ prepare_appeal_changes(" ~ counted_columns ~ ") }}",
    ],
    post_hook=[
        "delete from {{ this }} where appeals_in_work = 0",
        "{{ mark_appeal_changes_read() }}",
        "analyze {{ this }}",
    ],
) }}

with

credited_agencies as (
    select * from {{ ref('int_ratings__credited_agencies') }}
),

{% if mode == 'incremental' -%}

    -- the changed appeals: the current version (sign 1), the counted one (-1)
    changes as (
        select * from {{ appeal_changes_relation() }}
    ),

    -- per changed appeal: the first day its two versions can differ at a
    -- snapshot (visible_from), and whether its times may count differently
    -- in a median (macros/rating_measures.sql)
    visible as (
        {{ changed_appeal_windows('changes') }}
    ),

    periods as (
        select rating_periods.*
        from ({{ rating_periods() }}) as rating_periods
        where rating_periods.region_code in (select changes.region_code from changes)
    ),

    -- the periods with stored rows are updated by the changes; the others
    -- (the as-of entered them, or the region is new) are computed whole
    stored_periods as (
        select distinct
            region_code,
            period_grain,
            period_start
        from {{ this }}
    ),

    periods_counted as (
        select
            periods.*,
            stored_periods.region_code is null as is_whole
        from periods
        left join stored_periods
            on
                periods.region_code = stored_periods.region_code
                and periods.period_grain = stored_periods.period_grain
                and periods.period_start = stored_periods.period_start
    ),

    whole_periods_first as (
        select
            region_code,
            min(period_start) as first_start
        from periods_counted
        where is_whole
        group by region_code
    ),

    -- each version of a changed appeal in the stored periods from its
    -- visible_from on, and every appeal in work in a period computed whole
    appeals as (
        select
            changes.sign,
            visible.visible_from,
            visible.may_change_answer_median,
            visible.may_change_first_response_median,
            changes.{{ appeal_columns | join(',\n            changes.') }}
        from changes
        inner join visible on changes.appeal_key = visible.appeal_key
        where
            visible.visible_from is not null
            and not changes.is_rejected
            and changes.region_code is not null

        union all

        select
            1 as sign,
            null::date as visible_from,
            true as may_change_answer_median,
            true as may_change_first_response_median,
            appeal.{{ appeal_columns | join(',\n            appeal.') }}
        from {{ ref('fct_appeals') }} as appeal
        inner join whole_periods_first
            on appeal.region_code = whole_periods_first.region_code
        -- the open appeals and those answered since the earliest such
        -- period (in_work keeps each region's own), read through the index
        -- on the day of the answer (a range with a bound not known when
        -- planned is estimated narrow; "on or after" alone would be
        -- estimated at a third of the table)
        where
            not appeal.is_rejected
            and (
                appeal.answered_date is null
                or appeal.answered_date between (
                    select min(earliest.first_start) from whole_periods_first as earliest
                ) and 'infinity'::date
            )
    ),

{%- else %}

    appeals as (
        select
            1 as sign,
            null::date as visible_from,
            true as may_change_answer_median,
            true as may_change_first_response_median,
            {{ appeal_columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }}
        where
            not is_rejected
            and region_code is not null
    ),

    periods_counted as (
        select
            rating_periods.*,
            true as is_whole
        from ({{ rating_periods() }}) as rating_periods
    ),

{%- endif %}

-- every period each appeal was in work in: received by its end and not
-- answered before its start (in an incremental run: a changed appeal's
-- versions in the periods kept from its visible_from on, every appeal in
-- work in those computed whole)
in_work as (
    select
        appeals.sign,
        appeals.may_change_answer_median,
        appeals.may_change_first_response_median,
        periods_counted.region_code,
        periods_counted.period_grain,
        periods_counted.period_start,
        appeals.agency_id,
        appeals.municipality_oktmo,
        {{ in_work_columns('appeals', 'periods_counted') }}
    from appeals
    inner join periods_counted
        on
            appeals.region_code = periods_counted.region_code
            and appeals.received_date <= periods_counted.period_end
            and (appeals.answered_date is null or appeals.answered_date >= periods_counted.period_start)
            and (appeals.visible_from is null) = periods_counted.is_whole
            and (appeals.visible_from is null or appeals.visible_from <= periods_counted.period_end)
),

-- each appeal once for its agency and once for its municipality
attributed as (
    {{ attributed_to_entities('in_work') }}
),

{% if mode == 'incremental' -%}

    -- the groups that change, with the counts to add, and whether their
    -- medians may change (a changed appeal with a time that counts there)
    deltas as (
        select
            {{ group_key | join(',\n            ') }},
            {%- for name, condition in counts %}
                coalesce(sum(sign) filter (where {{ condition }}), 0)::bigint as {{ name }},
            {%- endfor %}
            coalesce(
                bool_or(
                    (may_change_answer_median and is_answered and hours_to_answer is not null)
                    or (may_change_first_response_median and is_received and hours_to_first_response is not null)
                ),
                false
            ) as changes_medians
        from attributed
        group by {{ group_key | join(', ') }}
    ),

    -- the medians of the groups where they may change, from every appeal
    -- received or answered in the period
    median_periods as (
        select periods_counted.*
        from periods_counted
        inner join (
            select distinct
                region_code,
                period_grain,
                period_start
            from deltas
            where changes_medians
        ) as changed
            on
                periods_counted.region_code = changed.region_code
                and periods_counted.period_grain = changed.period_grain
                and periods_counted.period_start = changed.period_start
    ),

    -- the appeals received or answered since the earliest of those periods,
    -- read in one pass (not once per period)
    recent_times as materialized (
        select
            region_code,
            agency_id,
            municipality_oktmo,
            received_date,
            answered_date,
            hours_to_answer,
            first_response_at,
            hours_to_first_response,
            as_of_at
        from {{ ref('fct_appeals') }}
        where
            not is_rejected
            and (
                received_date >= (select min(earliest.period_start) from median_periods as earliest)
                or answered_date >= (select min(earliest.period_start) from median_periods as earliest)
            )
    ),

    -- the times that count in those medians
    timed_in_period as (
        select
            median_periods.region_code,
            median_periods.period_grain,
            median_periods.period_start,
            recent_times.agency_id,
            recent_times.municipality_oktmo,
            {{ median_inputs('recent_times', 'median_periods') }}
        from recent_times
        inner join median_periods
            on
                recent_times.region_code = median_periods.region_code
                and (
                    recent_times.received_date between median_periods.period_start and median_periods.period_end
                    or recent_times.answered_date between median_periods.period_start and median_periods.period_end
                )
    ),

    timed as (
        {{ attributed_to_entities('timed_in_period') }}
    ),

    medians as (
        select
            {{ group_key | join(',\n            ') }},
            {{ measure_median('answer') }} as median_hours_to_answer,
            {{ measure_median('first_response') }} as median_hours_to_first_response
        from timed
        where ({{ group_key | join(', ') }}) in (
            select {{ group_key | join(', ') }}
            from deltas
            where changes_medians
        )
        group by {{ group_key | join(', ') }}
    ),

    final as (
        select
            deltas.{{ group_key | join(',\n            deltas.') }},
            {%- for name, condition in counts %}
                coalesce(stored.{{ name }}, 0) + deltas.{{ name }} as {{ name }},
                {%- if name in ('answered_with_time', 'received_with_first_response') %}
                    {%- set median = 'median_hours_to_answer' if name == 'answered_with_time'
                        else 'median_hours_to_first_response' %}
                    case
                        when deltas.changes_medians then medians.{{ median }} else stored.{{ median }}
                    end as {{ median }}{{ ',' if not loop.last }}
                {%- endif %}
            {%- endfor %}
        from deltas
        left join {{ this }} as stored
            on
                {%- for column in group_key %}
                    {{ 'and ' if not loop.first }}deltas.{{ column }} = stored.{{ column }}
                {%- endfor %}
        left join medians
            on
                {%- for column in group_key %}
                    {{ 'and ' if not loop.first }}deltas.{{ column }} = medians.{{ column }}
                {%- endfor %}
    )

{%- else %}

    final as (
        select
            {{ group_key | join(',\n            ') }},
            {%- for name, condition in counts %}
                count(*) filter (where {{ condition }}) as {{ name }},
                {%- if name == 'answered_with_time' %}
                    {{ measure_median('answer') }} as median_hours_to_answer,
                {%- elif name == 'received_with_first_response' %}
                    {{ measure_median('first_response') }} as median_hours_to_first_response
                {%- endif %}
            {%- endfor %}
        from attributed
        group by {{ group_key | join(', ') }}
    )

{%- endif %}

select * from final
