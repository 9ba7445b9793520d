-- Инцидент Менеджмент incidents: the latest version of each incident, region
-- resolved, local times as timestamptz, durations in seconds, the social
-- network from the blog's host. Personal data (author, blog and post links,
-- street and house, texts, notes) is read only to derive keyed hashes and
-- counts; none of it is passed on. The answers' texts are read only to flag
-- formal replies (formal_reply_rules seed).
--
-- Incremental (macros/incremental_latest_version.sql): a run reads only the
-- loads it has not seen and merges their newest versions with the stored
-- ones. Reference data changes (region names, channels, formal-reply rules)
-- need --full-refresh.
{{
    config(
        materialized='incremental',
        unique_key='im_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['im_id'], 'unique': True},
            {'columns': ['_seen_load_id']},
            {'columns': ['_built_at']},
        ],
    )
}}
{#- A table, not a view like the rest of staging: a view's SQL, with the hash
    key in it, is readable by every database user in pg_views. -#}
with

source as (
    select * from {{ source('raw', 'im_incidents') }}
    where {{ new_loads_filter() }}
),

-- Code lookups only: region name → code and time zone, blog host → channel.
region_names as (
    select * from {{ ref('stg_reference__region_names') }}
),

im_channels as (
    select
        channel_code,
        network_host
    from {{ ref('channels') }}
    where source_system = 'im'
),

versioned as (
    select
        *,
        {{ latest_version_columns(['im_id']) }}
    from source
),

latest as (
    select
        *,
        regexp_replace(
            lower(substring(blog_url from '^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/]*@)?([^/:?#\s]+)')),
            '^(www|m)\.',
            ''
        ) as network_host
    from versioned
    where version_rank = 1
),

located as (
    select
        latest.*,
        region_names.region_code,
        coalesce(region_names.timezone, '{{ var("default_timezone") }}') as timezone,
        coalesce(by_host.channel_code, other_hosts.channel_code) as channel
    from latest
    left join region_names
        on {{ name_key('latest.region_name') }} = region_names.name_key
    left join im_channels as by_host
        on
            by_host.network_host != '*'
            and (
                latest.network_host = by_host.network_host
                or latest.network_host like '%.' || by_host.network_host
            )
    left join im_channels as other_hosts
        on other_hosts.network_host = '*'
),

batch as (
    select
        im_id,
        incident_number,
        cabinet,
        department,
        executor_org,
        region_code,
        region_name as source_region_name,
        municipality_name,
        locality,
        topic_group,
        topic,
        channel,
        network_host,
        created_at at time zone timezone as created_at,
        created_at::date as created_date_local,
        closed_at at time zone timezone as closed_at,
        first_response_at at time zone timezone as first_response_at,
        last_executor_assigned_at at time zone timezone as last_executor_assigned_at,
        executor_first_response_at at time zone timezone as executor_first_response_at,
        executor_answer_sent_for_approval_at at time zone timezone as executor_answer_sent_for_approval_at,
        satisfaction_step_at at time zone timezone as satisfaction_step_at,
        round(extract(epoch from first_response_duration))::bigint as first_response_seconds,
        round(extract(epoch from first_response_working_duration))::bigint as first_response_working_seconds,
        round(extract(epoch from executor_first_reaction_duration))::bigint as executor_first_reaction_seconds,
        round(extract(epoch from resolution_duration))::bigint as resolution_seconds,
        round(extract(epoch from executor_answer_approval_duration))::bigint as executor_answer_approval_seconds,
        executor_met_deadline,
        current_step,
        incident_type,
        outcome,
        object_old,
        object_name,
        has_media_in_answer,
        has_media_in_message,
        closing_reason,
        audience,
        engagement,
        tags,
        survey_sent,
        first_response_text is not null as has_first_response_text,
        (executor_answer_1 is not null)::int
        + (executor_answer_2 is not null)::int
        + (executor_answer_3 is not null)::int as executor_answer_count,
        -- formal when any of the executor's answers (or «Итог») matches a rule
        {{ formal_reply_flag(
            'im',
            answer_types=['outcome'],
            answer_texts=['executor_answer_1', 'executor_answer_2', 'executor_answer_3'],
        ) }} as is_formal_reply,
        coalesce(tags ilike '%{{ var("im_repeat_tag") }}%', false) as is_repeat_tagged,
        {{ keyed_hash('lower(trim(author_url))') }} as applicant_key,
        case
            when street is not null
                then {{ keyed_hash(address_text("concat_ws(' ', locality, street, house)")) }}
        end as address_key,
        version_count,
        _load_id,
        _exported_at,
        _row_number
    from located
),

final as (
    {{ merge_latest_versions('batch', ['im_id'], 'im_incidents') }}
)

select * from final
