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
-- Incremental (macros/incremental_aggregates.sql): a run finds the appeals
-- whose columns read here changed against the version this model counted
-- (fct_appeals' change log). The periods whose snapshot can have moved (those
-- ending on or after the earliest previous as-of among them, the day before
-- to be safe across time zones) are computed again whole. A closed period's
-- snapshot does not move, so there its counts are the stored ones plus the
-- changed appeals' current versions less the versions counted (an appeal
-- whose only change is the as-of changes nothing there); its medians are
-- sorted again only where a changed appeal's answered or received time in
-- it changed, or the group is new. A region whose first month moved is
-- computed again whole. A full refresh gives the same rows
-- (tests/integration/test_incremental.py).
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
{%- set mode = appeal_aggregate_mode() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ prepare_appeal_changes(" ~ counted_columns ~ ") }}",
        "{{ prepare_rating_recompute(appeal_aggregate_mode() == 'incremental') }}",
    ],
    post_hook=[
        "{{ mark_appeal_changes_read() }}",
        "analyze {{ this }}",
    ],
) }}

{#- The counts, each the number of an entity's in-work rows meeting a condition. -#}
{%- set counts = [
    ('appeals_received', 'is_received'),
    ('appeals_answered', 'is_answered'),
    ('appeals_in_work', 'true'),
    ('received_answered_by_snapshot', 'is_received and is_answered_by_snapshot'),
    ('overdue_open_at_snapshot', 'is_overdue_open_at_snapshot'),
    ('answered_with_deadline', 'is_answered and is_on_time is not null'),
    ('answered_on_time', 'is_answered and is_on_time'),
    ('answered_with_reaction', 'is_answered and is_satisfied is not null'),
    ('answered_satisfied', 'is_answered and is_satisfied'),
    ('answered_negative', 'is_answered and is_negative'),
    ('received_repeat', 'is_received and is_repeat'),
    ('answered_with_formal_check', 'is_answered and is_formal_reply is not null'),
    ('answered_formal_reply', 'is_answered and is_formal_reply'),
    ('received_with_first_response_deadline', 'is_received and is_first_response_on_time is not null'),
    ('received_first_response_on_time', 'is_received and is_first_response_on_time'),
    ('answered_with_time', 'is_answered and hours_to_answer is not null'),
    ('received_with_first_response', 'is_received and hours_to_first_response is not null'),
] %}
{#- what a closed period's counts depend on: all but the as-of -#}
{%- set compared_columns = counted_columns | reject('equalto', 'as_of_at') | list %}
{%- set appeal_columns = [
    'appeal_key',
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
] %}

with

{% if mode == 'incremental' -%}

    -- The regions with a changed appeal, and the first day of the periods
    -- computed again whole (null: all of them).
    recomputed as (
        select * from {{ this.identifier }}__regions
    ),

    rating_periods as (
        select * from ({{ rating_periods() }}) as rating_periods
    ),

    -- the periods computed again whole, and the closed ones updated
    periods as (
        select
            rating_periods.*,
            recomputed.start_day is null or rating_periods.period_end >= recomputed.start_day as is_whole
        from rating_periods
        inner join recomputed on rating_periods.region_code = recomputed.region_code
    ),

    -- the appeals in work in a period computed whole (sign 1), and the
    -- changed appeals' two versions (sign 1: current, -1: counted) whose
    -- columns read here differ besides the as-of, for the closed periods
    appeals as (
        select
            true as is_whole,
            1 as sign,
            appeal.{{ appeal_columns | join(',\n            appeal.') }}
        from {{ ref('fct_appeals') }} as appeal
        inner join recomputed on appeal.region_code = recomputed.region_code
        where
            not appeal.is_rejected
            and (
                recomputed.start_day is null
                or appeal.answered_date is null
                or appeal.answered_date >= date_trunc('quarter', recomputed.start_day::timestamp)::date
            )
        union all
        select
            false as is_whole,
            changed.sign,
            changed.{{ appeal_columns | join(',\n            changed.') }}
        from {{ appeal_changes_relation() }} as changed
        where
            changed.region_code is not null
            and not changed.is_rejected
            and changed.appeal_key in (
                select versions.appeal_key
                from {{ appeal_changes_relation() }} as versions
                group by versions.appeal_key
                having
                    count(*) != 2
                    or count(distinct (
                        versions.{{ compared_columns | join(',\n                        versions.') }}
                    )) > 1
            )
    ),

{%- else %}

    periods as (
        select
            rating_periods.*,
            true as is_whole
        from ({{ rating_periods() }}) as rating_periods
    ),

    appeals as (
        select
            true as is_whole,
            1 as sign,
            {{ appeal_columns | join(',\n            ') }}
        from {{ ref('fct_appeals') }}
        where
            not is_rejected
            and region_code is not null
    ),

{%- endif %}

credited_agencies as (
    select * from {{ ref('int_ratings__credited_agencies') }}
),

-- every period each appeal was in work in
in_work as (
    select
        appeals.appeal_key,
        appeals.sign,
        periods.is_whole,
        periods.region_code,
        periods.period_grain,
        periods.period_start,
        appeals.agency_id,
        appeals.municipality_oktmo,
        appeals.received_date between periods.period_start and periods.period_end as is_received,
        coalesce(appeals.answered_date between periods.period_start and periods.period_end, false) as is_answered,
        coalesce(appeals.answered_at <= least(periods.snapshot_at, appeals.as_of_at), false)
            as is_answered_by_snapshot,
        coalesce(
            appeals.due_at < least(periods.snapshot_at, appeals.as_of_at)
            and (appeals.answered_at is null or appeals.answered_at > least(periods.snapshot_at, appeals.as_of_at)),
            false
        ) as is_overdue_open_at_snapshot,
        case
            when appeals.first_response_at <= least(periods.snapshot_at, appeals.as_of_at)
                then appeals.hours_to_first_response
        end as hours_to_first_response,
        -- the first-response deadline fell by the snapshot: was it kept?
        case
            when appeals.first_response_due_at <= least(periods.snapshot_at, appeals.as_of_at)
                then coalesce(appeals.first_response_at <= appeals.first_response_due_at, false)
        end as is_first_response_on_time,
        appeals.is_on_time,
        appeals.hours_to_answer,
        appeals.is_satisfied,
        appeals.is_negative,
        appeals.is_repeat,
        appeals.is_formal_reply
    from appeals
    inner join periods
        on
            appeals.region_code = periods.region_code
            and appeals.is_whole = periods.is_whole
            and appeals.received_date <= periods.period_end
            and (appeals.answered_date is null or appeals.answered_date >= periods.period_start)
),

-- each appeal once for its agency and once for its municipality
attributed as (
    select
        in_work.*,
        'agency' as subject,
        credited_agencies.credited_agency_id as entity_id
    from in_work
    inner join credited_agencies
        on
            in_work.region_code = credited_agencies.region_code
            and in_work.agency_id = credited_agencies.agency_id
            and in_work.period_start >= coalesce(credited_agencies.credited_from, '-infinity'::date)
            and in_work.period_start <= coalesce(credited_agencies.credited_to, 'infinity'::date)

    union all

    select
        in_work.*,
        'municipality' as subject,
        in_work.municipality_oktmo as entity_id
    from in_work
    where in_work.municipality_oktmo is not null
),

-- the counts (signed in a closed period: the change to the stored ones) and
-- the medians (whole periods only)
summed as (
    select
        is_whole,
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id,
        {%- for name, condition in counts %}
            coalesce(
                sum(sign) filter (where {{ condition }}), 0
            ) as {{ name }},
        {%- endfor %}
        -- medians of 2-decimal hours have at most 3 decimals; rounding to 3
        -- only removes the float noise of percentile_cont
        round(
            (percentile_cont(0.5) within group (order by hours_to_answer) filter (where is_answered))::numeric, 3
        ) as median_hours_to_answer,
        round(
            (
                percentile_cont(0.5) within group (order by hours_to_first_response) filter (where is_received)
            )::numeric,
            3
        ) as median_hours_to_first_response
    from attributed
    group by
        is_whole,
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id
),

{% if mode == 'incremental' -%}

    -- the closed periods' rows as stored (the pre-hook moved them here)
    kept as (
        select * from {{ this.identifier }}__kept
    ),

    -- a closed period's group whose medians must be sorted again: a changed
    -- appeal's answered or received time in it differs between its versions
    median_changes as (
        select
            region_code,
            period_grain,
            period_start,
            subject,
            entity_id
        from attributed
        where not is_whole
        group by region_code, period_grain, period_start, subject, entity_id, appeal_key
        having
            (
                max(hours_to_answer) filter (where is_answered and sign = 1),
                count(*) filter (where is_answered and sign = 1),
                max(hours_to_first_response) filter (where is_received and sign = 1),
                count(*) filter (where is_received and sign = 1)
            ) is distinct from (
                max(hours_to_answer) filter (where is_answered and sign = -1),
                count(*) filter (where is_answered and sign = -1),
                max(hours_to_first_response) filter (where is_received and sign = -1),
                count(*) filter (where is_received and sign = -1)
            )
    ),

    updated as (
        select
            coalesce(kept.region_code, changed.region_code) as region_code,
            coalesce(kept.period_grain, changed.period_grain) as period_grain,
            coalesce(kept.period_start, changed.period_start) as period_start,
            coalesce(kept.subject, changed.subject) as subject,
            coalesce(kept.entity_id, changed.entity_id) as entity_id,
            {%- for name, condition in counts %}
                coalesce(kept.{{ name }}, 0)
                + coalesce(changed.{{ name }}, 0) as {{ name }},
            {%- endfor %}
            kept.median_hours_to_answer,
            kept.median_hours_to_first_response,
            kept.region_code is null as is_new
        from kept
        full outer join (select * from summed where not is_whole) as changed
            on
                kept.region_code = changed.region_code
                and kept.period_grain = changed.period_grain
                and kept.period_start = changed.period_start
                and kept.subject = changed.subject
                and kept.entity_id = changed.entity_id
    ),

    -- the groups whose medians are sorted again, and their appeals: those
    -- received or answered within the span of those periods
    resorted as (
        select distinct
            updated.region_code,
            updated.period_grain,
            updated.period_start,
            updated.subject,
            updated.entity_id
        from updated
        left join median_changes
            on
                updated.region_code = median_changes.region_code
                and updated.period_grain = median_changes.period_grain
                and updated.period_start = median_changes.period_start
                and updated.subject = median_changes.subject
                and updated.entity_id = median_changes.entity_id
        where updated.appeals_in_work > 0 and (updated.is_new or median_changes.region_code is not null)
    ),

    resorted_periods as (
        select distinct rating_periods.*
        from rating_periods
        inner join resorted
            on
                rating_periods.region_code = resorted.region_code
                and rating_periods.period_grain = resorted.period_grain
                and rating_periods.period_start = resorted.period_start
    ),

    resorted_span as (
        select
            min(period_start) as first_day,
            max(period_end) + 1 as end_day
        from resorted_periods
    ),

    resorted_times as (
        select
            resorted_periods.region_code,
            resorted_periods.period_grain,
            resorted_periods.period_start,
            appeal.agency_id,
            appeal.municipality_oktmo,
            case
                when appeal.answered_date between resorted_periods.period_start and resorted_periods.period_end
                    then appeal.hours_to_answer
            end as answer_hours,
            case
                when
                    appeal.received_date between resorted_periods.period_start and resorted_periods.period_end
                    and appeal.first_response_at <= least(resorted_periods.snapshot_at, appeal.as_of_at)
                    then appeal.hours_to_first_response
            end as first_response_hours
        from {{ ref('fct_appeals') }} as appeal
        inner join resorted_periods
            on
                appeal.region_code = resorted_periods.region_code
                and (
                    appeal.received_date between resorted_periods.period_start and resorted_periods.period_end
                    or appeal.answered_date between resorted_periods.period_start and resorted_periods.period_end
                )
        where
            not appeal.is_rejected
            and (
                (
                    appeal.received_date >= (select resorted_span.first_day from resorted_span)
                    and appeal.received_date < (select resorted_span.end_day from resorted_span)
                )
                or (
                    appeal.answered_date >= (select resorted_span.first_day from resorted_span)
                    and appeal.answered_date < (select resorted_span.end_day from resorted_span)
                )
            )
    ),

    resorted_attributed as (
        select
            resorted_times.*,
            'agency' as subject,
            credited_agencies.credited_agency_id as entity_id
        from resorted_times
        inner join credited_agencies
            on
                resorted_times.region_code = credited_agencies.region_code
                and resorted_times.agency_id = credited_agencies.agency_id
                and resorted_times.period_start >= coalesce(credited_agencies.credited_from, '-infinity'::date)
                and resorted_times.period_start <= coalesce(credited_agencies.credited_to, 'infinity'::date)
        union all
        select
            resorted_times.*,
            'municipality' as subject,
            resorted_times.municipality_oktmo as entity_id
        from resorted_times
        where resorted_times.municipality_oktmo is not null
    ),

    medians as (
        select
            resorted.region_code,
            resorted.period_grain,
            resorted.period_start,
            resorted.subject,
            resorted.entity_id,
            round((percentile_cont(0.5) within group (order by times.answer_hours))::numeric, 3)
                as median_hours_to_answer,
            round((percentile_cont(0.5) within group (order by times.first_response_hours))::numeric, 3)
                as median_hours_to_first_response
        from resorted
        left join resorted_attributed as times
            on
                resorted.region_code = times.region_code
                and resorted.period_grain = times.period_grain
                and resorted.period_start = times.period_start
                and resorted.subject = times.subject
                and resorted.entity_id = times.entity_id
        group by resorted.region_code, resorted.period_grain, resorted.period_start, resorted.subject, resorted.entity_id
    ),

    final as (
        select
            region_code,
            period_grain,
            period_start,
            subject,
            entity_id,
            {%- for name, condition in counts %}
                {{ name }},
                {%- if name == 'answered_with_time' %}
                    median_hours_to_answer,
                {%- endif %}
            {%- endfor %}
            median_hours_to_first_response
        from summed
        where is_whole
        union all
        select
            updated.region_code,
            updated.period_grain,
            updated.period_start,
            updated.subject,
            updated.entity_id,
            {%- for name, condition in counts %}
                updated.{{ name }},
                {%- if name == 'answered_with_time' %}
                    case
                        when medians.region_code is not null then medians.median_hours_to_answer
                        else updated.median_hours_to_answer
                    end as median_hours_to_answer,
                {%- endif %}
            {%- endfor %}
            case
                when medians.region_code is not null then medians.median_hours_to_first_response
                else updated.median_hours_to_first_response
            end as median_hours_to_first_response
        from updated
        left join medians
            on
                updated.region_code = medians.region_code
                and updated.period_grain = medians.period_grain
                and updated.period_start = medians.period_start
                and updated.subject = medians.subject
                and updated.entity_id = medians.entity_id
        where updated.appeals_in_work > 0
    )

{%- else %}

    final as (
        select
            region_code,
            period_grain,
            period_start,
            subject,
            entity_id,
            {%- for name, condition in counts %}
                {{ name }},
                {%- if name == 'answered_with_time' %}
                    median_hours_to_answer,
                {%- endif %}
            {%- endfor %}
            median_hours_to_first_response
        from summed
    )

{%- endif %}

select * from final
