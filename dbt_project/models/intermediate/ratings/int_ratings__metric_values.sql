-- Every rating metric (rating_metrics seed) of every entity and period, from
-- the measures: its value, rounded to 0.01 (shares in per cent), and the
-- numerator and denominator it comes from (for a median: the number of
-- appeals it is the median of). A share whose denominator is zero
-- has no value (the metric is then left out of the entity's score).
with

entity_periods as (
    select * from {{ ref('int_ratings__entity_periods') }}
),

metrics as (
    select * from {{ ref('rating_metrics') }}
),

computed as (
    select
        entity_periods.region_code,
        entity_periods.period_grain,
        entity_periods.period_start,
        entity_periods.subject,
        entity_periods.entity_id,
        metric.metric,
        metric.numerator,
        metric.denominator,
        metric.value
    from entity_periods
    cross join lateral (
        values
        (
            'answered_count',
            entity_periods.appeals_answered::numeric,
            null::numeric,
            entity_periods.appeals_answered::numeric
        ),
        (
            'appeals_per_10k',
            entity_periods.appeals_received::numeric,
            entity_periods.population::numeric,
            round(10000.0 * entity_periods.appeals_received / nullif(entity_periods.population, 0), 2)
        ),
        (
            'satisfaction_share',
            entity_periods.answered_satisfied,
            entity_periods.answered_with_reaction,
            round(100.0 * entity_periods.answered_satisfied / nullif(entity_periods.answered_with_reaction, 0), 2)
        ),
        (
            'negative_share',
            entity_periods.answered_negative,
            entity_periods.answered_with_reaction,
            round(100.0 * entity_periods.answered_negative / nullif(entity_periods.answered_with_reaction, 0), 2)
        ),
        (
            'repeat_share',
            entity_periods.received_repeat,
            entity_periods.appeals_received,
            round(100.0 * entity_periods.received_repeat / nullif(entity_periods.appeals_received, 0), 2)
        ),
        (
            'formal_reply_share',
            entity_periods.answered_formal_reply,
            entity_periods.answered_with_formal_check,
            round(
                100.0 * entity_periods.answered_formal_reply / nullif(entity_periods.answered_with_formal_check, 0), 2
            )
        ),
        (
            'first_response_on_time_share',
            entity_periods.received_first_response_on_time,
            entity_periods.received_with_first_response_deadline,
            round(
                100.0 * entity_periods.received_first_response_on_time
                / nullif(entity_periods.received_with_first_response_deadline, 0),
                2
            )
        ),
        (
            'on_time_share',
            entity_periods.answered_on_time,
            entity_periods.answered_with_deadline,
            round(100.0 * entity_periods.answered_on_time / nullif(entity_periods.answered_with_deadline, 0), 2)
        ),
        (
            'median_hours_to_answer',
            null::numeric,
            entity_periods.answered_with_time,
            round(entity_periods.median_hours_to_answer, 2)
        ),
        (
            'median_hours_to_first_response',
            null::numeric,
            entity_periods.received_with_first_response,
            round(entity_periods.median_hours_to_first_response, 2)
        ),
        (
            'answered_share',
            entity_periods.received_answered_by_snapshot,
            entity_periods.appeals_received,
            round(
                100.0 * entity_periods.received_answered_by_snapshot / nullif(entity_periods.appeals_received, 0), 2
            )
        ),
        (
            'overdue_open_share',
            entity_periods.overdue_open_at_snapshot,
            entity_periods.appeals_in_work,
            round(100.0 * entity_periods.overdue_open_at_snapshot / nullif(entity_periods.appeals_in_work, 0), 2)
        ),
        (
            'reaction_coverage',
            entity_periods.answered_with_reaction,
            entity_periods.appeals_answered,
            round(100.0 * entity_periods.answered_with_reaction / nullif(entity_periods.appeals_answered, 0), 2)
        )
    ) as metric (metric, numerator, denominator, value)
),

final as (
    select
        computed.region_code,
        computed.period_grain,
        computed.period_start,
        computed.subject,
        computed.entity_id,
        computed.metric,
        computed.numerator,
        computed.denominator,
        computed.value
    from computed
    inner join metrics
        on
            computed.metric = metrics.metric
            and metrics.subject in (computed.subject, '*')
)

select * from final
