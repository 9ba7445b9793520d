-- Every appeal's deadlines from the sla_rules seed (docs in the YAML): the
-- rule for its first response and for its final answer, the moments they run
-- out, and the final deadline in force (for ПОС the platform's own planned
-- date, authoritative; for regional systems the rule's, moved by an extension
-- the system records within the rule's extension limit).
--
-- Incremental like int_appeals__unioned (deadlines depend only on the appeal
-- and the rules, never on the as-of): a run takes the appeals conformed since
-- its last run. Rule or calendar changes need --full-refresh.
{{
    config(
        materialized='incremental',
        unique_key='appeal_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['appeal_key'], 'unique': True},
            {'columns': ['_seen_load_id']},
            {'columns': ['_built_at']},
        ],
    )
}}

with

appeals as (
    select * from {{ ref('int_appeals__unioned') }}
    {% if is_incremental() -%}
        where _seen_load_id > (select coalesce(max(seen._seen_load_id), 0) from {{ this }} as seen)
    {%- endif %}
),

rules as (
    select * from {{ ref('sla_rules') }}
    where milestone in ('first_response', 'final_answer')
),

-- Matching order: only rules valid on the local day the appeal arrived; among
-- them the most specific wins, column by column: source (the feed's own name
-- over its kind over `*`), flow (exact over `*`), importance, fast-track;
-- then the newest valid_from, then rule_id.
ranked_rules as (
    select
        appeals.appeal_key,
        rules.milestone,
        rules.rule_id,
        rules.limit_value,
        rules.limit_unit,
        rules.extension_limit_value,
        row_number() over (
            partition by appeals.appeal_key, rules.milestone
            order by
                case rules.source_system
                    when appeals.source_system then 0
                    when appeals.source_kind then 1
                    else 2
                end asc,
                rules.flow = '*' asc,
                rules.importance = '*' asc,
                rules.is_fast_track = '*' asc,
                rules.valid_from desc,
                rules.rule_id asc
        ) as match_rank
    from appeals
    inner join rules
        on
            rules.source_system in (appeals.source_system, appeals.source_kind, '*')
            and rules.flow in (appeals.flow, '*')
            and rules.importance in (appeals.importance, '*')
            and rules.is_fast_track in (appeals.is_fast_track::text, '*')
            and appeals.received_date_local >= rules.valid_from
            and (rules.valid_to is null or appeals.received_date_local <= rules.valid_to)
),

matched as (
    select * from ranked_rules
    where match_rank = 1
),

with_rules as (
    select
        appeals.*,
        first_rule.rule_id as first_response_rule_id,
        first_rule.limit_value as first_response_limit,
        first_rule.limit_unit as first_response_unit,
        final_rule.rule_id as final_answer_rule_id,
        final_rule.limit_value as final_answer_limit,
        final_rule.limit_unit as final_answer_unit,
        final_rule.extension_limit_value as final_answer_extension
    from appeals
    left join matched as first_rule
        on
            appeals.appeal_key = first_rule.appeal_key
            and first_rule.milestone = 'first_response'
    left join matched as final_rule
        on
            appeals.appeal_key = final_rule.appeal_key
            and final_rule.milestone = 'final_answer'
),

-- The first response is due a limit after the appeal reached its executor
-- (IM «Время назначения последнего исполнителя»; else when it arrived).
-- (The calendar macros' arguments are qualified: inside their subqueries an
-- unqualified region_code would be the calendar's own column.)
first_response as (
    select
        with_rules.*,
        coalesce(with_rules.assigned_at, with_rules.received_at) as first_response_clock_at,
        {{ sla_due_at(
            'with_rules.region_code',
            'coalesce(with_rules.assigned_at, with_rules.received_at)',
            'with_rules.first_response_limit',
            'with_rules.first_response_unit',
        ) }} as first_response_due_at
    from with_rules
),

-- The final answer is due a limit after the appeal arrived; where a
-- first-response rule applies too (IM), after the first (interim) response,
-- or while there is none, after the first response's deadline.
final_answer as (
    select
        *,
        case
            when first_response_rule_id is not null
                then coalesce(executor_first_response_at, first_response_at, first_response_due_at)
            else received_at
        end as final_answer_clock_at
    from first_response
),

rule_deadlines as (
    select
        final_answer.*,
        {{ sla_due_at(
            'final_answer.region_code',
            'final_answer.final_answer_clock_at',
            'final_answer.final_answer_limit',
            'final_answer.final_answer_unit',
        ) }} as rule_due_at,
        {{ sla_due_at(
            'final_answer.region_code',
            'final_answer.final_answer_clock_at',
            'final_answer.final_answer_limit + coalesce(final_answer.final_answer_extension, 0)',
            'final_answer.final_answer_unit',
        ) }} as rule_due_max_at
    from final_answer
),

final as (
    select
        appeal_key,
        source_kind,
        flow,
        first_response_rule_id,
        first_response_clock_at,
        first_response_due_at,
        final_answer_rule_id,
        final_answer_clock_at,
        rule_due_at,
        rule_due_max_at,
        due_at as source_due_at,
        case
            when source_kind = 'pos' and due_at is not null then due_at
            when source_kind = 'regional' and due_at > rule_due_at and due_at <= rule_due_max_at then due_at
            else rule_due_at
        end as due_at,
        case
            when source_kind = 'pos' and due_at is not null then 'source'
            when source_kind = 'regional' and due_at > rule_due_at and due_at <= rule_due_max_at
                then 'rule_extended'
            when rule_due_at is not null then 'rule'
        end as due_basis,
        case
            when source_kind = 'pos' and due_at is not null then null
            else final_answer_rule_id
        end as sla_rule_id,
        _seen_load_id,
        -- the run that wrote the row (the daily job tests the rows it wrote: macros/test_scope.sql)
        {{ run_timestamp() }} as _built_at
    from rule_deadlines
)

select * from final
