-- Which agency an appeal's agency is credited to, and from when to when:
-- itself while it exists, otherwise the first agency down its successor
-- chain (agencies seed, successor_agency_id) that still exists on the day
-- reported on, as seeds/README.md says ("follow successor_agency_id when the
-- agency's valid_to is before the date you report on"). An agency retired
-- without an existing successor keeps its own appeals (and is not in the
-- rating of a period after it). The ratings judge a period by its first day.
--
-- One row per agency and span of days, from the seed alone (not from the
-- appeals), so that the ratings need not wait for a per-period list.
-- Down the chain, step s is credited on the days after every earlier step's
-- valid_to and up to its own; once every step has ended, the agency itself.
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

steps as (
    select
        chain.region_code,
        chain.agency_id,
        chain.step,
        chain.credited_agency_id,
        credited.valid_to,
        -- the last day an earlier step existed, and whether one still does
        max(credited.valid_to) over earlier_steps as earlier_valid_to,
        coalesce(bool_or(credited.valid_to is null) over earlier_steps, false) as has_open_earlier_step,
        bool_or(credited.valid_to is null) over all_steps as has_open_step,
        max(credited.valid_to) over all_steps as last_valid_to
    from chain
    inner join agencies as credited
        on chain.credited_agency_id = credited.agency_id
    window
        earlier_steps as (
            partition by chain.agency_id
            order by chain.step
            rows between unbounded preceding and 1 preceding
        ),
        all_steps as (partition by chain.agency_id)
),

spans as (
    select
        region_code,
        agency_id,
        credited_agency_id,
        (earlier_valid_to + 1) as credited_from,
        valid_to as credited_to
    from steps
    where
        not has_open_earlier_step
        and (valid_to is null or earlier_valid_to is null or valid_to > earlier_valid_to)

    union all

    -- every step has ended: the agency keeps its own appeals
    select
        region_code,
        agency_id,
        agency_id as credited_agency_id,
        (last_valid_to + 1) as credited_from,
        null::date as credited_to
    from steps
    where step = 0 and not has_open_step
),

final as (
    select
        region_code,
        agency_id,
        credited_agency_id,
        credited_from,
        credited_to
    from spans
)

select * from final
