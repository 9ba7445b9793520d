-- One row per appeal (its latest version) from every channel: where it came
-- from, what it is about, who answers it, its deadline and how it went. The
-- fact analysts, dashboards and exports read; its columns are a contract.
--
-- Incremental: a run takes the appeals whose latest version arrived in a load
-- newer than the table's, plus every appeal still open (their overdue state
-- moves with the data's as-of even when no new version arrives). Reference
-- data changes (seeds) need `tsur build --full-refresh`.
{{
    config(
        materialized='incremental',
        unique_key='appeal_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

appeals as (
    select unioned.*
    from {{ ref('int_appeals__unioned') }} as unioned
    {% if is_incremental() %}
        where
            unioned._load_id > (
                select coalesce(max(loaded_before._load_id), 0)
                from {{ this }} as loaded_before
            )
            or unioned.appeal_key in (
                select still_open.appeal_key
                from {{ this }} as still_open
                where not still_open.is_answered
            )
    {% endif %}
),

-- The data's as-of per source system: the newest export loaded for its feed.
as_of as (
    select
        feed as source_system,
        max(exported_at) as as_of_local
    from {{ source('raw', 'load_files') }}
    where status = 'loaded'
    group by feed
),

regions as (
    select
        region_code,
        timezone
    from {{ ref('regions') }}
),

timed as (
    select
        appeals.*,
        -- exports carry local times: the as-of is read in the appeal's region
        (as_of.as_of_local at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}')) as as_of_at,
        coalesce(regions.timezone, '{{ var("default_timezone") }}') as timezone
    from appeals
    left join as_of
        on appeals.source_system = as_of.source_system
    left join regions
        on appeals.region_code = regions.region_code
),

final as (
    select
        appeal_key,
        source_system,
        source_kind,
        source_id,
        region_code,
        channel,
        received_at,
        received_date_local as received_date,
        block_code,
        category_code,
        subcategory_code,
        is_category_mapped,
        agency_id,
        municipality_oktmo,
        status,
        coalesce(status = 'rejected', false) as is_rejected,
        importance,
        is_fast_track,
        due_at,
        first_response_at,
        answered_at,
        (answered_at at time zone timezone)::date as answered_date,
        is_answered,
        case
            when is_answered and answered_at is not null and due_at is not null then answered_at <= due_at
        end as is_on_time,
        coalesce(
            not is_answered and status is distinct from 'rejected' and due_at < as_of_at,
            false
        ) as is_overdue_open,
        round(extract(epoch from (first_response_at - received_at)) / 3600.0, 2) as hours_to_first_response,
        round(extract(epoch from (answered_at - received_at)) / 3600.0, 2) as hours_to_answer,
        rating::smallint as rating,
        rating is not null as is_rated,
        case
            when rating is not null then rating >= 4
            when satisfaction_reaction in ('satisfied', 'neutral', 'dissatisfied')
                then satisfaction_reaction = 'satisfied'
        end as is_satisfied,
        case
            when rating is not null then rating <= 2
            when satisfaction_reaction in ('satisfied', 'neutral', 'dissatisfied')
                then satisfaction_reaction = 'dissatisfied'
        end as is_negative,
        satisfaction_reaction,
        coalesce(is_repeat, false) as is_repeat,
        is_redirected,
        is_overdue_source,
        as_of_at,
        _load_id
    from timed
)

select * from final
