-- Every channel's appeals as one canonical appeal: one row per (source_system,
-- source_id), in the taxonomy, states and codes of the reference seeds, with
-- no personal data (applicants and addresses only as keyed hashes). The marts
-- build on this model alone. Lookups are by normalised name (macro name_key).
--
-- Incremental: a run takes the staging rows written since its last run
-- (_seen_load_id above its own newest), so a new day of files conforms only
-- the appeals it touches. The pre-hook copies them into analysed temporary
-- tables first, so that the planner knows how few they are (estimated from
-- the staging tables' statistics, a new load lies beyond their histograms).
-- Reference data changes need --full-refresh.
{%- set sources = {
    'pos': 'stg_pos__messages',
    'im': 'stg_im__incidents',
    'regional': 'stg_regional__appeals',
} %}
{{
    config(
        materialized='incremental',
        unique_key='appeal_key',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['appeal_key'], 'unique': True},
            {'columns': ['_load_id']},
            {'columns': ['_seen_load_id']},
            {'columns': ['applicant_key', 'received_at']},
            {'columns': ['address_key', 'received_at']},
            {'columns': ['_built_at']},
        ],
        pre_hook=["{{ prepare_staging_delta(" ~ sources ~ ") }}"],
    )
}}

with

pos as (
    {{ staging_delta('pos', sources['pos']) }}
),

im as (
    {{ staging_delta('im', sources['im']) }}
),

regional as (
    {{ staging_delta('regional', sources['regional']) }}
),

category_lookup as (
    select * from {{ ref('int_reference__category_lookup') }}
),

agency_lookup as (
    select * from {{ ref('int_reference__agency_lookup') }}
),

municipality_lookup as (
    select * from {{ ref('int_reference__municipality_lookup') }}
),

municipalities as (
    select * from {{ ref('municipalities') }}
),

status_map as (
    select
        source_system,
        {{ name_key('source_stage') }} as stage_key,
        {{ name_key('source_status') }} as status_key,
        status
    from {{ ref('status_map') }}
),

closing_reason_map as (
    select
        {{ name_key('closing_reason') }} as closing_reason_key,
        satisfaction_reaction
    from {{ ref('closing_reason_map') }}
),

pos_appeals as (
    select
        'pos' as source_system,
        'pos' as source_kind,
        pos_number::text as source_id,
        region_code,
        'pos' as channel,
        received_at,
        received_date_local,
        category as source_category,
        subcategory as source_subcategory,
        org_current as source_agency_name,
        null::text as source_municipality_name,
        null::text as source_oktmo,
        stage as source_stage,
        status as source_status,
        null::text as given_status,
        coalesce(is_fast_track, false) as is_fast_track,
        'normal' as importance,
        case
            when chose_59fz or fz_kind ilike '%59%' then 'fz59'
            else 'pos_message'
        end as flow,
        planned_completion_at as due_at,
        null::timestamptz as first_response_at,
        null::timestamptz as assigned_at,
        null::timestamptz as executor_first_response_at,
        null::boolean as executor_met_deadline,
        actual_completion_at as answered_at,
        rating,
        null::text as closing_reason,
        is_formal_reply,
        coalesce(is_repeat_review, false) as is_repeat,
        coalesce({{ name_key('org_received') }} != {{ name_key('org_current') }}, false) as is_redirected_source,
        is_overdue as is_overdue_source,
        null::text as applicant_key,
        null::text as address_key,
        version_count,
        _load_id,
        _exported_at,
        _seen_load_id
    from pos
),

im_appeals as (
    select
        'im' as source_system,
        'im' as source_kind,
        im_id as source_id,
        region_code,
        channel,
        created_at as received_at,
        created_date_local as received_date_local,
        topic_group as source_category,
        topic as source_subcategory,
        executor_org as source_agency_name,
        municipality_name as source_municipality_name,
        null::text as source_oktmo,
        null::text as source_stage,
        current_step as source_status,
        null::text as given_status,
        false as is_fast_track,
        case
            when tags ilike '%{{ var("im_high_importance_tag") }}%' then 'high'
            else 'normal'
        end as importance,
        'im_incident' as flow,
        null::timestamptz as due_at,
        first_response_at,
        last_executor_assigned_at as assigned_at,
        executor_first_response_at,
        executor_met_deadline,
        coalesce(satisfaction_step_at, closed_at) as answered_at,
        null::bigint as rating,
        closing_reason,
        is_formal_reply,
        is_repeat_tagged as is_repeat,
        false as is_redirected_source,
        null::boolean as is_overdue_source,
        applicant_key,
        address_key,
        version_count,
        _load_id,
        _exported_at,
        _seen_load_id
    from im
),

regional_appeals as (
    select
        feed_name as source_system,
        'regional' as source_kind,
        source_id,
        region_code,
        channel,
        received_at,
        received_date_local,
        topic_group as source_category,
        topic as source_subcategory,
        agency_name as source_agency_name,
        municipality_name as source_municipality_name,
        oktmo as source_oktmo,
        null::text as source_stage,
        source_status,
        status as given_status,
        false as is_fast_track,
        'normal' as importance,
        'regional_appeal' as flow,
        due_at,
        first_response_at,
        null::timestamptz as assigned_at,
        null::timestamptz as executor_first_response_at,
        null::boolean as executor_met_deadline,
        answered_at,
        rating,
        null::text as closing_reason,
        is_formal_reply,
        coalesce(is_repeat, false) as is_repeat,
        coalesce({{ name_key('answer_type') }} like 'перенаправ%', false) as is_redirected_source,
        null::boolean as is_overdue_source,
        applicant_key,
        address_key,
        version_count,
        _load_id,
        _exported_at,
        _seen_load_id
    from regional
),

unioned as (
    select * from pos_appeals
    union all
    select * from im_appeals
    union all
    select * from regional_appeals
),

keyed as (
    select
        *,
        md5(source_system || ':' || source_id) as appeal_key,
        coalesce(region_code, '*') as lookup_region_code,
        {{ name_key('source_category') }} as category_key,
        {{ name_key('source_subcategory') }} as subcategory_key,
        {{ name_key('source_stage') }} as stage_key,
        {{ name_key('source_status') }} as status_key
    from unioned
),

-- Which mapping applies: the exact (category, subcategory), else the
-- category's '*' row (mapped); else the source's ('*', '*') row (not mapped).
category_matches as (
    select
        keyed.appeal_key,
        coalesce(
            exact.category_lookup_key,
            any_subcategory.category_lookup_key,
            any_category.category_lookup_key
        ) as category_lookup_key,
        coalesce(exact.category_lookup_key, any_subcategory.category_lookup_key) is not null
            as is_category_mapped
    from keyed
    left join category_lookup as exact
        on
            keyed.lookup_region_code = exact.region_code
            and keyed.source_kind = exact.source_system
            and keyed.category_key = exact.category_key
            and keyed.subcategory_key = exact.subcategory_key
    left join category_lookup as any_subcategory
        on
            keyed.lookup_region_code = any_subcategory.region_code
            and keyed.source_kind = any_subcategory.source_system
            and keyed.category_key = any_subcategory.category_key
            and any_subcategory.subcategory_key = '*'
    left join category_lookup as any_category
        on
            keyed.lookup_region_code = any_category.region_code
            and keyed.source_kind = any_category.source_system
            and any_category.category_key = '*'
            and any_category.subcategory_key = '*'
),

-- The canonical state: a regional feed's own mapping (done at load time)
-- first, then status_map: the exact (stage, status) pair, the status under
-- any stage, the stage's default.
statuses as (
    select
        keyed.appeal_key,
        coalesce(
            case
                when keyed.given_status in (
                    'new', 'rejected', 'assigned', 'redirected', 'in_work',
                    'postponed', 'answered', 'closed', 'reopened'
                ) then keyed.given_status
            end,
            exact.status,
            any_stage.status,
            stage_default.status
        ) as status
    from keyed
    left join status_map as exact
        on
            keyed.source_kind = exact.source_system
            and keyed.stage_key = exact.stage_key
            and keyed.status_key = exact.status_key
    left join status_map as any_stage
        on
            keyed.source_kind = any_stage.source_system
            and any_stage.stage_key = '*'
            and keyed.status_key = any_stage.status_key
    left join status_map as stage_default
        on
            keyed.source_kind = stage_default.source_system
            and keyed.stage_key = stage_default.stage_key
            and stage_default.status_key = '*'
),

enriched as (
    select
        keyed.*,
        statuses.status,
        category_matches.is_category_mapped,
        coalesce(category_lookup.block_code, 'other') as block_code,
        category_lookup.category_code,
        category_lookup.subcategory_code,
        agency_lookup.agency_id,
        coalesce(
            by_code.oktmo,
            by_name.oktmo,
            case when agency_lookup.agency_kind = 'municipal' then agency_lookup.agency_oktmo end
        ) as municipality_oktmo,
        case
            when closing_reason_map.satisfaction_reaction is not null
                then closing_reason_map.satisfaction_reaction
            when keyed.closing_reason is not null then 'unknown'
        end as satisfaction_reaction
    from keyed
    inner join statuses on keyed.appeal_key = statuses.appeal_key
    inner join category_matches on keyed.appeal_key = category_matches.appeal_key
    left join category_lookup
        on category_matches.category_lookup_key = category_lookup.category_lookup_key
    left join agency_lookup
        on
            keyed.region_code = agency_lookup.region_code
            and {{ name_key('keyed.source_agency_name') }} = agency_lookup.name_key
    left join municipalities as by_code
        on left(keyed.source_oktmo, 8) = by_code.oktmo
    left join municipality_lookup as by_name
        on
            keyed.region_code = by_name.region_code
            and {{ municipality_key('keyed.source_municipality_name') }} = by_name.municipality_key
    left join closing_reason_map
        on {{ name_key('keyed.closing_reason') }} = closing_reason_map.closing_reason_key
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
        received_date_local,
        block_code,
        category_code,
        subcategory_code,
        is_category_mapped,
        source_category,
        source_subcategory,
        agency_id,
        source_agency_name,
        municipality_oktmo,
        status,
        source_status,
        source_stage,
        is_fast_track,
        importance,
        flow,
        due_at,
        first_response_at,
        assigned_at,
        executor_first_response_at,
        executor_met_deadline,
        -- Only an appeal that is answered now has an answer time: a rejected
        -- or reopened one has none (its earlier answer does not count).
        case
            when status in ('answered', 'closed') or status is null then answered_at
        end as answered_at,
        coalesce(status in ('answered', 'closed'), answered_at is not null) as is_answered,
        case when rating between 1 and 5 then rating::int end as rating,
        satisfaction_reaction,
        -- a formal reply is a property of an answer the appeal has now
        case when coalesce(status in ('answered', 'closed'), answered_at is not null) then is_formal_reply end
            as is_formal_reply,
        is_repeat,
        is_redirected_source or coalesce(status = 'redirected', false) as is_redirected,
        is_overdue_source,
        applicant_key,
        address_key,
        version_count,
        _load_id,
        _exported_at,
        _seen_load_id,
        -- the run that wrote the row (the daily job tests the rows it wrote: macros/test_scope.sql)
        {{ run_timestamp() }} as _built_at
    from enriched
)

select * from final
