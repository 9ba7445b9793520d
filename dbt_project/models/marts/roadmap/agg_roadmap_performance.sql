-- Roadmap execution per region, version and responsible organisation: how
-- many events, how many are due (deadline before the as-of date, not
-- cancelled), and of those how many were done on time, done late and are
-- overdue (open past the deadline). The shares are of the due events, so
-- they add up to 100 % (with done late); events not yet due are counted
-- apart. Sum the counts over responsible organisations for a version's
-- total.
with

event_versions as (
    select * from {{ ref('fct_roadmap_event_versions') }}
),

counted as (
    select
        region_code,
        roadmap_version,
        min(version_seq) as version_seq,
        bool_or(is_latest_version) as is_latest_version,
        responsible_agency,
        min(responsible_agency_id) as responsible_agency_id,
        count(*) as events,
        count(*) filter (where is_cancelled) as events_cancelled,
        count(*) filter (where is_due_date_moved) as events_due_date_moved,
        count(*) filter (where is_due) as events_due,
        count(*) filter (where is_due and is_done_on_time) as events_done_on_time,
        count(*) filter (where is_due and is_done and not is_done_on_time) as events_done_late,
        count(*) filter (where is_overdue) as events_overdue,
        count(*) filter (where not is_due and not is_cancelled) as events_not_yet_due,
        count(*) filter (where not is_due and is_done) as events_done_before_due,
        min(as_of_date) as as_of_date
    from event_versions
    group by region_code, roadmap_version, responsible_agency
),

final as (
    select
        region_code,
        roadmap_version,
        version_seq,
        is_latest_version,
        responsible_agency,
        responsible_agency_id,
        events,
        events_cancelled,
        events_due_date_moved,
        events_due,
        events_done_on_time,
        events_done_late,
        events_overdue,
        events_not_yet_due,
        events_done_before_due,
        round(100.0 * events_done_on_time / nullif(events_due, 0), 2) as done_on_time_share,
        round(100.0 * events_overdue / nullif(events_due, 0), 2) as overdue_share,
        as_of_date
    from counted
)

select * from final
