-- One row per roadmap event: as the newest version that lists it has it,
-- with its history across versions (first deadline, how often and how far
-- the deadline moved, whether the latest version still lists it).
with

event_versions as (
    select * from {{ ref('fct_roadmap_event_versions') }}
),

history as (
    select
        event_key,
        min(version_seq) as first_version_seq,
        max(version_seq) as last_version_seq,
        count(*) as versions_listed,
        count(*) filter (where is_due_date_moved) as due_date_moves
    from event_versions
    group by event_key
),

firsts as (
    select
        event_versions.event_key,
        event_versions.roadmap_version as first_version,
        event_versions.due_date as original_due_date
    from event_versions
    inner join history
        on
            event_versions.event_key = history.event_key
            and event_versions.version_seq = history.first_version_seq
),

final as (
    select
        latest.event_key,
        latest.region_code,
        latest.event_name,
        latest.event_number,
        latest.block_code,
        latest.source_block,
        latest.responsible_agency,
        latest.responsible_agency_id,
        firsts.first_version,
        latest.roadmap_version as last_version,
        latest.is_latest_version as is_in_latest_version,
        history.versions_listed,
        firsts.original_due_date,
        latest.due_date,
        history.due_date_moves,
        latest.due_date - firsts.original_due_date as due_date_shift_days,
        latest.status,
        latest.done_date,
        latest.is_cancelled,
        latest.is_done,
        latest.is_done_on_time,
        coalesce(latest.is_done and latest.done_date <= firsts.original_due_date, false)
            as is_done_by_original_due_date,
        latest.is_overdue,
        latest.as_of_date
    from event_versions as latest
    inner join history
        on
            latest.event_key = history.event_key
            and latest.version_seq = history.last_version_seq
    inner join firsts
        on latest.event_key = firsts.event_key
)

select * from final
