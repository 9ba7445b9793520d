-- The weights each region rates with (rating_weights seed): a region that has
-- rows of its own for a subject uses exactly those (a metric it leaves out
-- does not count); otherwise the `*` rows. Weights are percentages and sum to
-- 100 per region and subject (tested on the seed).
with

regions as (
    select region_code from {{ ref('regions') }}
),

weights as (
    select * from {{ ref('rating_weights') }}
),

own_sets as (
    select distinct
        region_code,
        subject
    from weights
    where region_code != '*'
),

final as (
    select
        regions.region_code,
        weights.subject,
        weights.axis,
        weights.metric,
        weights.weight,
        weights.direction,
        weights.region_code = '*' as is_default
    from regions
    inner join weights
        on weights.region_code in (regions.region_code, '*')
    left join own_sets
        on
            regions.region_code = own_sets.region_code
            and weights.subject = own_sets.subject
    where
        weights.region_code = regions.region_code
        or (weights.region_code = '*' and own_sets.region_code is null)
)

select * from final
