-- Which agency an appeal's agency is credited to in a period: itself while it
-- exists, otherwise the first agency down its successor chain (agencies seed,
-- successor_agency_id) that still exists at the period's start, as
-- seeds/README.md says ("follow successor_agency_id when the agency's
-- valid_to is before the date you report on"). An agency retired without a
-- successor keeps its own appeals (and is not in the period's rating).
with recursive

agencies as (
    select
        region_code,
        agency_id,
        successor_agency_id,
        valid_to
    from {{ ref('agencies') }}
),

chain (region_code, agency_id, step, credited_agency_id) as (
    select
        agencies.region_code,
        agencies.agency_id,
        0 as step,
        agencies.agency_id as credited_agency_id
    from agencies

    union all

    select
        chain.region_code,
        chain.agency_id,
        chain.step + 1,
        predecessor.successor_agency_id
    from chain
    inner join agencies as predecessor
        on chain.credited_agency_id = predecessor.agency_id
    where
        predecessor.successor_agency_id is not null
        and chain.step < 10
),

periods as (
    select
        region_code,
        period_grain,
        period_start
    from {{ ref('int_ratings__periods') }}
),

candidates as (
    select
        periods.region_code,
        periods.period_grain,
        periods.period_start,
        chain.agency_id,
        chain.credited_agency_id,
        row_number() over (
            partition by periods.region_code, periods.period_grain, periods.period_start, chain.agency_id
            order by
                (credited.valid_to is null or credited.valid_to >= periods.period_start) desc,
                chain.step asc
        ) as preference
    from periods
    inner join chain
        on periods.region_code = chain.region_code
    inner join agencies as credited
        on chain.credited_agency_id = credited.agency_id
),

final as (
    select
        region_code,
        period_grain,
        period_start,
        agency_id,
        credited_agency_id
    from candidates
    where preference = 1
)

select * from final
