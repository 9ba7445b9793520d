-- Every rated entity in every period of its region: each municipality, and
-- each agency that exists for at least a day of the period, whether or not it
-- received appeals. An entity is rated when the appeals it received in the
-- period reach the minimum volume (rating_settings); below it, it is listed
-- with the reason and without a score, never dropped.
--
-- A table: the metric values, their scores and the ranks all read it, and as
-- a chain of views the planner cannot see through, it would be recomputed per
-- row.
{{ config(materialized='table', post_hook='analyze {{ this }}') }}

with

periods as (
    select * from {{ ref('int_ratings__periods') }}
),

entities as (
    select * from {{ ref('int_ratings__entities') }}
),

measures as (
    select * from {{ ref('int_ratings__measures') }}
),

settings as (
    select * from {{ ref('int_ratings__settings') }}
),

spine as (
    select
        periods.region_code,
        periods.period_grain,
        periods.period_start,
        periods.period_end,
        periods.previous_period_start,
        periods.snapshot_at,
        periods.is_complete,
        entities.subject,
        entities.entity_id,
        entities.entity_name,
        entities.entity_short_name,
        entities.entity_kind,
        entities.population
    from periods
    inner join entities
        on
            periods.region_code = entities.region_code
            and (entities.valid_from is null or periods.period_end >= entities.valid_from)
            and (entities.valid_to is null or periods.period_start <= entities.valid_to)
),

final as (
    select
        spine.region_code,
        spine.period_grain,
        spine.period_start,
        spine.period_end,
        spine.previous_period_start,
        spine.snapshot_at,
        spine.is_complete,
        spine.subject,
        spine.entity_id,
        spine.entity_name,
        spine.entity_short_name,
        spine.entity_kind,
        spine.population,
        coalesce(measures.appeals_received, 0) as appeals_received,
        coalesce(measures.appeals_answered, 0) as appeals_answered,
        coalesce(measures.appeals_in_work, 0) as appeals_in_work,
        coalesce(measures.received_answered_by_snapshot, 0) as received_answered_by_snapshot,
        coalesce(measures.overdue_open_at_snapshot, 0) as overdue_open_at_snapshot,
        coalesce(measures.answered_with_deadline, 0) as answered_with_deadline,
        coalesce(measures.answered_on_time, 0) as answered_on_time,
        coalesce(measures.answered_with_reaction, 0) as answered_with_reaction,
        coalesce(measures.answered_satisfied, 0) as answered_satisfied,
        coalesce(measures.answered_negative, 0) as answered_negative,
        coalesce(measures.received_repeat, 0) as received_repeat,
        coalesce(measures.answered_with_formal_check, 0) as answered_with_formal_check,
        coalesce(measures.answered_formal_reply, 0) as answered_formal_reply,
        coalesce(measures.received_with_first_response_deadline, 0) as received_with_first_response_deadline,
        coalesce(measures.received_first_response_on_time, 0) as received_first_response_on_time,
        coalesce(measures.answered_with_time, 0) as answered_with_time,
        measures.median_hours_to_answer,
        coalesce(measures.received_with_first_response, 0) as received_with_first_response,
        measures.median_hours_to_first_response,
        settings.min_appeals,
        coalesce(measures.appeals_received, 0) >= settings.min_appeals as meets_minimum,
        case
            when coalesce(measures.appeals_received, 0) = 0 then 'no_appeals'
            when coalesce(measures.appeals_received, 0) < settings.min_appeals then 'below_minimum'
        end as below_minimum_reason
    from spine
    inner join settings
        on
            spine.region_code = settings.region_code
            and spine.subject = settings.subject
            and spine.period_grain = settings.period_grain
    left join measures
        on
            spine.region_code = measures.region_code
            and spine.period_grain = measures.period_grain
            and spine.period_start = measures.period_start
            and spine.subject = measures.subject
            and spine.entity_id = measures.entity_id
)

select * from final
