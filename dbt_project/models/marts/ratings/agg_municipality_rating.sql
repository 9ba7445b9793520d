-- The municipality rating, monthly and quarterly: every municipality of the region in every
-- period, rated or listed as not rated with the reason, with its axis scores,
-- total, rank and movement. The method: docs/rating-methodology.md (generated
-- from the rating seeds); the computation: int_ratings__ranked and
-- agg_rating_metric_scores.
with

ranked as (
    select * from {{ ref('int_ratings__ranked') }}
    where subject = 'municipality'
),

final as (
    select
        region_code,
        period_grain,
        period_start,
        period_end,
        is_complete,
        snapshot_at,
        entity_id as municipality_oktmo,
        entity_name as municipality_name,
        entity_kind as municipality_kind,
        population,
        appeals_received,
        appeals_answered,
        appeals_in_work,
        min_appeals,
        is_rated,
        not_rated_reason,
        metrics_scored,
        quantity_score,
        quality_score,
        speed_score,
        completeness_score,
        total_score,
        rating_rank,
        rated_entities,
        previous_rank,
        rank_change,
        movement
    from ranked
)

select * from final
