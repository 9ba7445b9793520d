-- ПОС messages: the latest version of each message (every export is kept in
-- raw), region resolved, local times as timestamptz. Officials' names are
-- personal data: only whether an executor is named survives.
--
-- Incremental (macros/incremental_latest_version.sql): a run reads only the
-- loads it has not seen and merges their newest versions with the stored
-- ones. Reference data changes (region names) need --full-refresh.
{{
    config(
        materialized='incremental',
        unique_key='pos_number',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['pos_number'], 'unique': True},
            {'columns': ['_seen_load_id']},
            {'columns': ['_built_at']},
        ],
    )
}}

with

source as (
    select * from {{ source('raw', 'pos_messages') }}
    where {{ new_loads_filter() }}
),

-- Code lookup only (region name → code and time zone), see the model's doc.
region_names as (
    select * from {{ ref('stg_reference__region_names') }}
),

versioned as (
    select
        *,
        {{ latest_version_columns(['pos_number']) }}
    from source
),

latest as (
    select * from versioned
    where version_rank = 1
),

located as (
    select
        latest.*,
        region_names.region_code,
        coalesce(region_names.timezone, '{{ var("default_timezone") }}') as timezone
    from latest
    left join region_names
        on {{ name_key('latest.top_level_lko') }} = region_names.name_key
),

batch as (
    select
        pos_number,
        epgu_number,
        source_code,
        region_code,
        top_level_lko as source_region_name,
        category,
        subcategory,
        fact,
        org_received,
        org_current,
        received_at at time zone timezone as received_at,
        received_at::date as received_date_local,
        planned_completion_at at time zone timezone as planned_completion_at,
        actual_completion_at at time zone timezone as actual_completion_at,
        stage,
        status,
        is_overdue,
        is_fast_track,
        fz_kind,
        chose_59fz,
        decision_type,
        -- the export has no answer text: only a «Тип решения» a rule names
        -- can mark an answer formal; otherwise it is unknown (null)
        {{ formal_reply_flag('pos', answer_types=['decision_type'], has_text=false) }} as is_formal_reply,
        emailed_to_foiv,
        rating,
        is_repeat_review,
        executor_name is not null as has_executor,
        version_count,
        _load_id,
        _exported_at,
        _row_number
    from located
),

final as (
    {{ merge_latest_versions('batch', ['pos_number'], 'pos_messages') }}
)

select * from final
