-- rating_weights: per region and subject the weights are ≥ 0 and sum to 100,
-- every metric applies to the subject, every region code is known or `*`,
-- and both subjects have a `*` set to fall back on. Returns the offending rows.
with

weights as (
    select * from {{ ref('rating_weights') }}
),

metrics as (
    select * from {{ ref('rating_metrics') }}
),

regions as (
    select region_code from {{ ref('regions') }}
),

sums as (
    select
        region_code,
        subject,
        sum(weight) as total_weight,
        min(weight) as min_weight
    from weights
    group by region_code, subject
),

problems as (
    select
        region_code,
        subject,
        null as metric,
        'weights sum to ' || total_weight || ', not 100' as problem
    from sums
    where total_weight != 100

    union all

    select
        region_code,
        subject,
        null as metric,
        'a negative weight' as problem
    from sums
    where min_weight < 0

    union all

    select
        weights.region_code,
        weights.subject,
        weights.metric,
        'the metric is not defined for this subject' as problem
    from weights
    left join metrics
        on
            weights.metric = metrics.metric
            and metrics.subject in (weights.subject, '*')
    where metrics.metric is null

    union all

    select
        weights.region_code,
        weights.subject,
        weights.metric,
        'unknown region code' as problem
    from weights
    left join regions
        on weights.region_code = regions.region_code
    where weights.region_code != '*' and regions.region_code is null

    union all

    select
        '*' as region_code,
        subjects.subject,
        null as metric,
        'no default (*) weights' as problem
    from (values ('agency'), ('municipality')) as subjects (subject)
    where not exists (
        select 1 from weights
        where weights.region_code = '*' and weights.subject = subjects.subject
    )
)

select * from problems
