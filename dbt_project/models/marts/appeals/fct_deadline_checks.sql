-- Where a source's own deadline or overdue flag disagrees with tsur's
-- recomputation, one row per appeal and check, with the reason. The source
-- stays authoritative (fct_appeals keeps ПОС's planned date and «Просрочено»);
-- this lists what to look into.
--
-- Checks (all on local calendar days, the precision of ПОС's dates):
--   deadline      the source's planned date against the sla_rules limit
--                 (ПОС; regional systems that set a due date);
--   overdue_flag  ПОС «Просрочено» against the state recomputed from the
--                 platform's own dates, as of the export the version came
--                 from (the flag's own as-of): answered after the planned
--                 date, or still open when the export's day is past it.
--   first_response_flag  IM «Уложились или нет после назн. ПИ» against the
--                 executor's first answer and tsur's first-response deadline
--                 (working hours from the assignment, sla_rules).
-- A re-reviewed ПОС message («Повторное рассмотрение») gets a new cycle with
-- a new planned date and keeps its old flag: reasons say so.
--
-- Incremental: an appeal's rows depend on its int_appeals__unioned and
-- int_appeals__deadlines rows only, so a run deletes and computes again the
-- rows of the appeals int_appeals__deadlines wrote since the last run (it
-- rewrites every appeal int_appeals__unioned does); its mark is in
-- intermediate.aggregate_marks (macros/incremental_consumers.sql).
{%- set mode = marked_mode() %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ prepare_rewritten_keys(ref('int_appeals__deadlines'), 'appeal_key', marked_mode() == 'incremental') }}",
    ],
    post_hook=["{{ set_read_mark() }}"],
) }}

with

{% if mode == 'incremental' -%}

    appeals as (
        select unioned.*
        from {{ ref('int_appeals__unioned') }} as unioned
        inner join {{ this.identifier }}__keys as rewritten on unioned.appeal_key = rewritten.appeal_key
    ),

    deadlines as (
        select computed.*
        from {{ ref('int_appeals__deadlines') }} as computed
        inner join {{ this.identifier }}__keys as rewritten on computed.appeal_key = rewritten.appeal_key
    ),

{%- else %}

    appeals as (
        select * from {{ ref('int_appeals__unioned') }}
    ),

    deadlines as (
        select * from {{ ref('int_appeals__deadlines') }}
    ),

{%- endif %}

regions as (
    select
        region_code,
        timezone
    from {{ ref('regions') }}
),

dated as (
    select
        appeals.appeal_key,
        appeals.source_system,
        appeals.source_kind,
        appeals.source_id,
        appeals.region_code,
        appeals.agency_id,
        appeals.received_date_local as received_date,
        appeals.status,
        appeals.is_answered,
        appeals.is_repeat as is_repeat_source,
        appeals.is_overdue_source,
        appeals.executor_met_deadline,
        appeals.executor_first_response_at <= deadlines.first_response_due_at as is_first_response_on_time,
        deadlines.final_answer_rule_id as rule_id,
        deadlines.first_response_rule_id,
        appeals._exported_at::date as export_date,
        (deadlines.source_due_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}'))::date
            as source_due_date,
        (deadlines.rule_due_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}'))::date
            as rule_due_date,
        (deadlines.rule_due_max_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}'))::date
            as rule_due_max_date,
        (appeals.answered_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}'))::date
            as answered_date
    from appeals
    inner join deadlines on appeals.appeal_key = deadlines.appeal_key
    left join regions on appeals.region_code = regions.region_code
),

deadline_checks as (
    select
        *,
        'deadline' as check_kind,
        case
            when rule_due_date is null then 'no_rule'
            when source_kind = 'pos' and is_repeat_source then 'rereview_new_cycle'
            when source_due_date < rule_due_date then 'earlier_than_rule'
            when source_due_date <= rule_due_max_date then 'later_within_extension_limit'
            else 'later_than_rule'
        end as reason,
        null::boolean as is_overdue_recomputed
    from dated
    where
        source_due_date is not null
        and source_due_date is distinct from rule_due_date
),

overdue_states as (
    select
        *,
        case
            when is_answered then answered_date > source_due_date
            else export_date > source_due_date
        end as is_overdue_recomputed
    from dated
    where
        source_kind = 'pos'
        and source_due_date is not null
        and is_overdue_source is not null
        and status is distinct from 'rejected'
),

overdue_checks as (
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        is_answered,
        is_repeat_source,
        is_overdue_source,
        rule_id,
        export_date,
        source_due_date,
        rule_due_date,
        rule_due_max_date,
        answered_date,
        'overdue_flag' as check_kind,
        case
            when is_overdue_source and is_repeat_source then 'flag_kept_from_earlier_cycle'
            when is_overdue_source and is_answered then 'flagged_but_answered_in_time'
            when is_overdue_source then 'flagged_but_not_yet_due'
            when is_answered then 'answered_late_not_flagged'
            else 'open_past_due_not_flagged'
        end as reason,
        is_overdue_recomputed
    from overdue_states
    where is_overdue_source is distinct from is_overdue_recomputed
),

first_response_checks as (
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        is_answered,
        is_repeat_source,
        executor_met_deadline as is_overdue_source,
        first_response_rule_id as rule_id,
        export_date,
        null::date as source_due_date,
        null::date as rule_due_date,
        null::date as rule_due_max_date,
        answered_date,
        'first_response_flag' as check_kind,
        case
            when executor_met_deadline then 'source_on_time_recomputed_late'
            else 'source_late_recomputed_on_time'
        end as reason,
        is_first_response_on_time as is_overdue_recomputed
    from dated
    where
        source_kind = 'im'
        and executor_met_deadline is not null
        and is_first_response_on_time is not null
        and executor_met_deadline != is_first_response_on_time
),

unioned as (
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        is_answered,
        is_repeat_source,
        is_overdue_source,
        rule_id,
        export_date,
        source_due_date,
        rule_due_date,
        rule_due_max_date,
        answered_date,
        check_kind,
        reason,
        is_overdue_recomputed
    from deadline_checks
    union all
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        is_answered,
        is_repeat_source,
        is_overdue_source,
        rule_id,
        export_date,
        source_due_date,
        rule_due_date,
        rule_due_max_date,
        answered_date,
        check_kind,
        reason,
        is_overdue_recomputed
    from overdue_checks
    union all
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        is_answered,
        is_repeat_source,
        is_overdue_source,
        rule_id,
        export_date,
        source_due_date,
        rule_due_date,
        rule_due_max_date,
        answered_date,
        check_kind,
        reason,
        is_overdue_recomputed
    from first_response_checks
),

final as (
    select
        appeal_key,
        check_kind,
        reason,
        source_system,
        source_kind,
        source_id,
        region_code,
        agency_id,
        received_date,
        status,
        rule_id as sla_rule_id,
        source_due_date,
        rule_due_date,
        source_due_date - rule_due_date as due_difference_days,
        answered_date,
        export_date as source_as_of_date,
        -- overdue_flag: «Просрочено» and the overdue state recomputed;
        -- first_response_flag: «Уложились…» and the on-time state recomputed
        is_overdue_source as source_flag,
        is_overdue_recomputed as recomputed_flag,
        case
            when source_kind = 'pos' then 'https://pos.gosuslugi.ru/backoffice/appeals/' || source_id
        end as source_link
    from unioned
)

select * from final
