-- Each entity's rating in each period: the score of each axis and the total,
-- its rank among the rated entities of its subject, and its rank in the
-- previous period of the same grain.
--
-- Total = Σ weight × score ÷ Σ weight over the metrics the entity has a score
-- for, rounded to 0.01: a metric without a value (no rated answers, no first
-- responses) hands its weight to the others in proportion. An axis score is
-- the same mean over the axis's metrics. Equal totals share a rank (1, 1, 3).
with

entity_periods as (
    select * from {{ ref('int_ratings__entity_periods') }}
),

metric_scores as (
    select * from {{ ref('agg_rating_metric_scores') }}
    where is_scored
),

combined as (
    select
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id,
        count(*) as metrics_scored,
        round(sum(weight * score) / nullif(sum(weight), 0), 2) as total_score,
        round(
            sum(weight * score) filter (where axis = 'quantity')
            / nullif(sum(weight) filter (where axis = 'quantity'), 0),
            2
        ) as quantity_score,
        round(
            sum(weight * score) filter (where axis = 'quality')
            / nullif(sum(weight) filter (where axis = 'quality'), 0),
            2
        ) as quality_score,
        round(
            sum(weight * score) filter (where axis = 'speed')
            / nullif(sum(weight) filter (where axis = 'speed'), 0),
            2
        ) as speed_score,
        round(
            sum(weight * score) filter (where axis = 'completeness')
            / nullif(sum(weight) filter (where axis = 'completeness'), 0),
            2
        ) as completeness_score
    from metric_scores
    group by
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id
),

scored as (
    select
        entity_periods.*,
        coalesce(combined.metrics_scored, 0) as metrics_scored,
        combined.quantity_score,
        combined.quality_score,
        combined.speed_score,
        combined.completeness_score,
        combined.total_score,
        coalesce(entity_periods.meets_minimum and combined.total_score is not null, false) as is_rated
    from entity_periods
    left join combined
        on
            entity_periods.region_code = combined.region_code
            and entity_periods.period_grain = combined.period_grain
            and entity_periods.period_start = combined.period_start
            and entity_periods.subject = combined.subject
            and entity_periods.entity_id = combined.entity_id
),

ranked as (
    select
        scored.*,
        case
            when scored.is_rated
                then rank() over (
                    partition by
                        scored.region_code, scored.period_grain, scored.period_start, scored.subject, scored.is_rated
                    order by scored.total_score desc
                )
        end as rating_rank,
        count(*) filter (where scored.is_rated) over (
            partition by scored.region_code, scored.period_grain, scored.period_start, scored.subject
        ) as rated_entities
    from scored
),

final as (
    select
        ranked.region_code,
        ranked.period_grain,
        ranked.period_start,
        ranked.period_end,
        ranked.is_complete,
        ranked.snapshot_at,
        ranked.subject,
        ranked.entity_id,
        ranked.entity_name,
        ranked.entity_short_name,
        ranked.entity_kind,
        ranked.population,
        ranked.appeals_received,
        ranked.appeals_answered,
        ranked.appeals_in_work,
        ranked.min_appeals,
        ranked.is_rated,
        case
            when not ranked.is_rated then coalesce(ranked.below_minimum_reason, 'no_metrics')
        end as not_rated_reason,
        ranked.metrics_scored,
        ranked.quantity_score,
        ranked.quality_score,
        ranked.speed_score,
        ranked.completeness_score,
        ranked.total_score,
        ranked.rating_rank,
        ranked.rated_entities,
        previous.rating_rank as previous_rank,
        previous.rating_rank - ranked.rating_rank as rank_change,
        case
            when not ranked.is_rated then 'not_rated'
            when previous.rating_rank is null then 'new'
            when ranked.rating_rank < previous.rating_rank then 'up'
            when ranked.rating_rank > previous.rating_rank then 'down'
            else 'same'
        end as movement
    from ranked
    left join ranked as previous
        on
            ranked.region_code = previous.region_code
            and ranked.period_grain = previous.period_grain
            and ranked.previous_period_start = previous.period_start
            and ranked.subject = previous.subject
            and ranked.entity_id = previous.entity_id
)

select * from final
