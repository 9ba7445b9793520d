-- Every metric of every agency and municipality in every month and quarter:
-- its value and, for the entities that are rated, its 0–100 score.
--
-- Normalisation is by rank within the period (the mid-rank percentile): among
-- the n rated entities of the subject that have a value, ordered from the
-- worst value to the best (the weight's direction says which end is best),
-- an entity whose value is at position r, shared with t entities in all, scores
-- 100 × (r − 1 + (t − 1) / 2) / (n − 1), rounded to 0.01: the best 100, the
-- worst 0, equal values the same score; a lone entity scores 100. Ranks, not
-- distances, so that one outlier (a department with ten times the volume of
-- the others) does not squeeze everyone else into a corner of the scale.
{{ config(post_hook='analyze {{ this }}') }}

with

metric_values as (
    select * from {{ ref('int_ratings__metric_values') }}
),

entity_periods as (
    select
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id,
        meets_minimum
    from {{ ref('int_ratings__entity_periods') }}
),

weights as (
    select * from {{ ref('int_ratings__weights') }}
),

joined as (
    select
        metric_values.region_code,
        metric_values.period_grain,
        metric_values.period_start,
        metric_values.subject,
        metric_values.entity_id,
        metric_values.metric,
        weights.axis,
        weights.direction,
        weights.weight,
        metric_values.value,
        metric_values.numerator,
        metric_values.denominator,
        coalesce(
            entity_periods.meets_minimum and metric_values.value is not null and weights.metric is not null,
            false
        ) as is_scored,
        case weights.direction
            when 'higher_is_better' then metric_values.value
            when 'lower_is_better' then -metric_values.value
        end as goodness
    from metric_values
    inner join entity_periods
        on
            metric_values.region_code = entity_periods.region_code
            and metric_values.period_grain = entity_periods.period_grain
            and metric_values.period_start = entity_periods.period_start
            and metric_values.subject = entity_periods.subject
            and metric_values.entity_id = entity_periods.entity_id
    left join weights
        on
            metric_values.region_code = weights.region_code
            and metric_values.subject = weights.subject
            and metric_values.metric = weights.metric
),

ranked as (
    select
        region_code,
        period_grain,
        period_start,
        subject,
        entity_id,
        metric,
        count(*) over (
            partition by region_code, period_grain, period_start, subject, metric
        ) as peers,
        rank() over (
            partition by region_code, period_grain, period_start, subject, metric
            order by goodness asc
        ) as position_from_worst,
        count(*) over (
            partition by region_code, period_grain, period_start, subject, metric, goodness
        ) as tied
    from joined
    where is_scored
),

final as (
    select
        joined.region_code,
        joined.period_grain,
        joined.period_start,
        joined.subject,
        joined.entity_id,
        joined.metric,
        joined.axis,
        joined.direction,
        joined.weight,
        joined.value,
        joined.numerator,
        joined.denominator,
        joined.is_scored,
        ranked.peers,
        case
            when ranked.peers = 1 then 100.00
            when ranked.peers > 1
                then round(
                    100.0 * (ranked.position_from_worst - 1 + (ranked.tied - 1) / 2.0) / (ranked.peers - 1), 2
                )
        end as score
    from joined
    left join ranked
        on
            joined.region_code = ranked.region_code
            and joined.period_grain = ranked.period_grain
            and joined.period_start = ranked.period_start
            and joined.subject = ranked.subject
            and joined.entity_id = ranked.entity_id
            and joined.metric = ranked.metric
)

select * from final
