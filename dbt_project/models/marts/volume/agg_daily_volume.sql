-- Appeals received per local day, region, block, channel and municipality,
-- with how many of them are answered, still open and rated today. Counts are
-- of the appeals' current state: a day's answered count grows as answers come.
with

appeals as (
    select * from {{ ref('int_appeals__unioned') }}
),

final as (
    select
        received_date_local,
        region_code,
        block_code,
        channel,
        municipality_oktmo,
        count(*) as appeals_received,
        count(*) filter (where is_answered) as appeals_answered,
        count(*) filter (
            where not is_answered and status is distinct from 'rejected'
        ) as appeals_open,
        count(rating) as appeals_rated,
        coalesce(sum(rating), 0) as rating_sum
    from appeals
    group by
        received_date_local,
        region_code,
        block_code,
        channel,
        municipality_oktmo
)

select * from final
