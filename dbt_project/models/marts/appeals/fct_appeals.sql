-- One row per appeal (its latest version) from every channel: where it came
-- from, what it is about, who answers it, its deadlines and how it went. The
-- fact analysts, dashboards and exports read; its columns are a contract.
--
-- Incremental: a run takes the appeals whose latest version arrived in a load
-- newer than the table's, the later appeals of the same applicant or address
-- within the repeat window (whether they are repeats may change), and every
-- appeal still open (its overdue state moves with the data's as-of even
-- when no new version arrives): the pre-hook lists them
-- (macros/appeals_to_build.sql). A full refresh gives the same rows (tested
-- in tests/integration/test_incremental.py). Reference data changes (seeds)
-- need `tsur build --full-refresh`. The rows a run replaces and writes go to
-- a change log the appeal aggregates read (strategy logged_delete_insert,
-- macros/incremental_aggregates.sql).
--
-- int_appeals__unioned is read through ref() in several CTEs rather than one
-- import CTE: a CTE used twice is materialised whole by PostgreSQL, and an
-- incremental run must not read every appeal.
{{
    config(
        materialized='incremental',
        unique_key='appeal_key',
        incremental_strategy='logged_delete_insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['appeal_key'], 'unique': True},
            {'columns': ['_load_id']},
            {'columns': ['_built_at']},
            {'columns': ['received_date']},
            {'columns': ['answered_date']},
            {'columns': ['region_code', 'received_date']},
            {'columns': ['region_code', 'as_of_at']},
        ],
        pre_hook=["{{ prepare_appeals_to_build() }}"],
        post_hook=["{{ finish_appeal_change_log() }}"],
    )
}}

{%- set repeat_window = repeat_window_interval() %}

with

{% if is_incremental() -%}

    -- the appeals to build again (the pre-hook's table: new versions, the
    -- later appeals of their applicants and addresses, every appeal still open)
    appeals as (
        select unioned.*
        from {{ ref('int_appeals__unioned') }} as unioned
        inner join {{ this.identifier }}__to_build as to_build on unioned.appeal_key = to_build.appeal_key
    ),

{%- else %}

    appeals as (
        select * from {{ ref('int_appeals__unioned') }}
    ),

{%- endif %}

deadlines as (
    select * from {{ ref('int_appeals__deadlines') }}
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

agency_versions as (
    select * from {{ ref('dim_agency') }}
),

category_versions as (
    select * from {{ ref('dim_category') }}
),

blocks as (
    select * from {{ ref('dim_block') }}
),

-- A repeat: the source says so (ПОС «Повторное рассмотрение», IM's repeat
-- tag, a regional system's flag), or an earlier appeal of the same applicant,
-- or about the same address, in the same region and category arrived within
-- var repeat_window_days before it (ties on received_at broken by appeal_key).
repeats as (
    select
        appeals.appeal_key,
        exists(
            select 1
            from {{ ref('int_appeals__unioned') }} as earlier
            where
                earlier.applicant_key = appeals.applicant_key
                and earlier.region_code = appeals.region_code
                and earlier.category_code = appeals.category_code
                and (earlier.received_at, earlier.appeal_key) < (appeals.received_at, appeals.appeal_key)
                and earlier.received_at >= appeals.received_at - {{ repeat_window }}
        ) as has_earlier_same_applicant,
        exists(
            select 1
            from {{ ref('int_appeals__unioned') }} as earlier
            where
                earlier.address_key = appeals.address_key
                and earlier.region_code = appeals.region_code
                and earlier.category_code = appeals.category_code
                and (earlier.received_at, earlier.appeal_key) < (appeals.received_at, appeals.appeal_key)
                and earlier.received_at >= appeals.received_at - {{ repeat_window }}
        ) as has_earlier_same_address
    from appeals
),

timed as (
    select
        appeals.*,
        coalesce(regions.timezone, '{{ var("default_timezone") }}') as timezone,
        deadlines.first_response_due_at,
        deadlines.due_at as deadline_due_at,
        deadlines.due_basis,
        deadlines.sla_rule_id,
        coalesce(appeals.executor_first_response_at, appeals.first_response_at) as sla_first_response_at,
        coalesce(appeals.status = 'rejected', false) as is_rejected,
        repeats.has_earlier_same_applicant,
        repeats.has_earlier_same_address,
        agency_versions.agency_version_key,
        category_versions.category_version_key,
        blocks.is_block_in_act,
        blocks.is_block_in_region_list,
        -- exports carry local times: an as-of is read in the appeal's region
        as_of.as_of_local at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}')
            as source_as_of_at,
        appeals._exported_at at time zone coalesce(regions.timezone, '{{ var("default_timezone") }}')
            as version_exported_at
    from appeals
    inner join repeats on appeals.appeal_key = repeats.appeal_key
    left join deadlines on appeals.appeal_key = deadlines.appeal_key
    left join as_of on appeals.source_system = as_of.source_system
    left join regions on appeals.region_code = regions.region_code
    left join agency_versions
        on
            appeals.agency_id = agency_versions.agency_id
            and appeals.received_at >= agency_versions.version_valid_from
            and appeals.received_at < agency_versions.version_valid_to
    left join category_versions
        on
            appeals.subcategory_code = category_versions.subcategory_code
            and appeals.received_at >= category_versions.version_valid_from
            and appeals.received_at < category_versions.version_valid_to
    left join blocks
        on
            appeals.region_code = blocks.region_code
            and appeals.block_code = blocks.block_code
),

-- "Now" for an open appeal is its source's as-of (the newest export loaded):
-- it moves every day. An answered or rejected appeal no longer changes with
-- time: its as-of is the export its final version came from.
stated as (
    select
        *,
        case
            when is_answered or is_rejected then version_exported_at
            else source_as_of_at
        end as as_of_at,
        not is_answered and not is_rejected as is_open
    from timed
),

measured as (
    select
        *,
        coalesce(is_open and deadline_due_at < as_of_at, false) as is_overdue,
        case
            when is_open and deadline_due_at < as_of_at
                then (as_of_at at time zone timezone)::date - (deadline_due_at at time zone timezone)::date
        end as days_overdue
    from stated
),

-- Office hours in the region's working time (macros/calendar). The macros'
-- arguments are qualified: inside their subqueries an unqualified
-- region_code would be the calendar's own column.
worked as (
    select
        measured.*,
        round(
            {{ working_seconds_between('measured.region_code', 'measured.received_at', 'measured.first_response_at') }}
            / 3600.0,
            2
        ) as working_hours_to_first_response,
        round(
            {{ working_seconds_between('measured.region_code', 'measured.received_at', 'measured.answered_at') }}
            / 3600.0,
            2
        ) as working_hours_to_answer
    from measured
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
        is_rejected,
        importance,
        is_fast_track,
        deadline_due_at as due_at,
        first_response_at,
        answered_at,
        (answered_at at time zone timezone)::date as answered_date,
        is_answered,
        case
            when is_answered and answered_at is not null and deadline_due_at is not null
                then answered_at <= deadline_due_at
        end as is_on_time,
        is_overdue as is_overdue_open,
        {{ hours_between('received_at', 'first_response_at') }} as hours_to_first_response,
        {{ hours_between('received_at', 'answered_at') }} as hours_to_answer,
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
        coalesce(is_repeat, false) or has_earlier_same_applicant or has_earlier_same_address as is_repeat,
        is_redirected,
        is_overdue_source,
        as_of_at,
        _load_id,
        -- added in v2
        first_response_due_at,
        case
            when first_response_due_at is null then null
            when sla_first_response_at is not null then sla_first_response_at <= first_response_due_at
            when not is_rejected and as_of_at > first_response_due_at then false
        end as is_first_response_on_time,
        case
            when is_answered and answered_at is not null and deadline_due_at is not null
                then answered_at > deadline_due_at
        end as is_answered_late,
        days_overdue,
        case
            when not is_open then null
            when deadline_due_at is null then 'no_deadline'
            when not is_overdue then 'not_due'
            when days_overdue <= 3 then '0-3d'
            when days_overdue <= 7 then '4-7d'
            when days_overdue <= 14 then '8-14d'
            when days_overdue <= 30 then '15-30d'
            else '31+d'
        end as ageing_bucket,
        sla_rule_id,
        due_basis,
        is_formal_reply,
        case
            when coalesce(is_repeat, false) then 'source_flag'
            when has_earlier_same_applicant then 'same_applicant'
            when has_earlier_same_address then 'same_address'
        end as repeat_basis,
        agency_version_key,
        category_version_key,
        coalesce(is_block_in_act, false) as is_block_in_act,
        coalesce(is_block_in_region_list, false) as is_block_in_region_list,
        working_hours_to_first_response,
        working_hours_to_answer,
        -- the source's own category, as exported (decomposes a catch-all)
        source_category,
        source_subcategory,
        -- the run that wrote the row: the incremental aggregates take the rows
        -- written since they last counted (macros/incremental_aggregates.sql)
        {{ run_timestamp() }} as _built_at
    from worked
)

select * from final
