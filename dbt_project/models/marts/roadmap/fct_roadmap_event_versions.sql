-- One row per roadmap event per version: the deadline that version set, and
-- how the event stands against it by the latest information (the status and
-- date done from the newest version that lists the event). So version 1's
-- rows say how the original plan is kept, the latest version's how the
-- current plan is; the previous version's deadline says whether it moved.
--
-- Judged at the warehouse's as-of date (newest export loaded): an event is
-- overdue when it is neither done nor cancelled and its deadline is before
-- that date; done on time when its date done is on or before the deadline.
with

versions as (
    select * from {{ ref('int_roadmap__event_versions') }}
),

sequenced as (
    select
        versions.*,
        lag(versions.due_date) over (
            partition by versions.event_key order by versions.version_seq
        ) as previous_due_date,
        lag(versions.version_seq) over (
            partition by versions.event_key order by versions.version_seq
        ) as previous_version_seq,
        first_value(versions.status) over (
            partition by versions.event_key order by versions.version_seq desc
        ) as latest_status,
        first_value(versions.done_date) over (
            partition by versions.event_key order by versions.version_seq desc
        ) as latest_done_date
    from versions
),

final as (
    select
        roadmap_event_key,
        region_code,
        event_key,
        roadmap_version,
        version_seq,
        is_latest_version,
        event_number,
        event_name,
        block_code,
        source_block,
        responsible_agency,
        responsible_agency_id,
        due_date,
        status,
        done_date,
        previous_due_date,
        previous_version_seq is null as is_new_in_version,
        coalesce(due_date is distinct from previous_due_date and previous_version_seq is not null, false)
            as is_due_date_moved,
        due_date - previous_due_date as due_date_shift_days,
        latest_status,
        latest_done_date,
        coalesce(latest_status = 'cancelled', false) as is_cancelled,
        coalesce(latest_status = 'done', false) as is_done,
        coalesce(latest_status = 'done' and latest_done_date <= due_date, false) as is_done_on_time,
        coalesce(latest_status not in ('done', 'cancelled') and due_date < as_of_date, false) as is_overdue,
        coalesce(latest_status is distinct from 'cancelled' and due_date < as_of_date, false) as is_due,
        as_of_date
    from sequenced
)

select * from final
