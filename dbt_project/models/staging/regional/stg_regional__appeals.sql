-- Appeals from regional and municipal systems (every regional feed shares
-- raw.regional_appeals; _feed names the system): the latest version of each
-- appeal per feed, region resolved, local times as timestamptz. The
-- applicant's contacts and the address are read only to derive keyed hashes;
-- names, contacts, address and texts are not passed on; the answer's text is
-- read only to flag formal replies (formal_reply_rules seed).
--
-- Incremental (macros/incremental_latest_version.sql): a run reads only the
-- loads it has not seen and merges their newest versions with the stored
-- ones. Reference data changes (region names, formal-reply rules) need
-- --full-refresh.
{{
    config(
        materialized='incremental',
        unique_key=['feed_name', 'source_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=[
            {'columns': ['feed_name', 'source_id'], 'unique': True},
            {'columns': ['_seen_load_id']},
            {'columns': ['_built_at']},
        ],
    )
}}
{#- A table, not a view like the rest of staging: a view's SQL, with the hash
    key in it, is readable by every database user in pg_views. -#}

{#- The applicant, by the most stable identifier the system has: the phone's
    last 10 digits (+7 and 8 prefixes alike), else the e-mail, else the name.
    The prefixes keep the three kinds apart. -#}
{%- set applicant_identity -%}
    case
        when length(phone_digits) >= 10 then 'tel:' || right(phone_digits, 10)
        when applicant_email is not null then 'mailto:' || lower(trim(applicant_email))
        when applicant_name is not null then 'name:' || {{ name_key('applicant_name') }}
    end
{%- endset %}

with

source as (
    select * from {{ source('raw', 'regional_appeals') }}
    where {{ new_loads_filter() }}
),

-- Code lookups only: region name → code and time zone, with the ОКТМО prefix
-- as a fallback for files that do not name their region.
region_names as (
    select * from {{ ref('stg_reference__region_names') }}
),

regions as (
    select
        region_code,
        oktmo_prefix,
        timezone
    from {{ ref('regions') }}
),

versioned as (
    select
        *,
        {{ latest_version_columns(['_feed', 'source_id']) }}
    from source
),

latest as (
    select
        *,
        regexp_replace(applicant_phone, '\D', '', 'g') as phone_digits
    from versioned
    where version_rank = 1
),

located as (
    select
        latest.*,
        coalesce(region_names.region_code, by_oktmo.region_code) as region_code,
        coalesce(region_names.timezone, by_oktmo.timezone, '{{ var("default_timezone") }}') as timezone
    from latest
    left join region_names
        on {{ name_key('latest.region_name') }} = region_names.name_key
    left join regions as by_oktmo
        on left(latest.oktmo, 2) = by_oktmo.oktmo_prefix
),

batch as (
    select
        _feed as feed_name,
        source_id,
        region_code,
        region_name as source_region_name,
        received_at at time zone timezone as received_at,
        received_at::date as received_date_local,
        channel,
        topic_group,
        topic,
        agency_name,
        municipality as municipality_name,
        oktmo,
        status,
        source_status,
        due_at at time zone timezone as due_at,
        first_response_at at time zone timezone as first_response_at,
        answered_at at time zone timezone as answered_at,
        rating,
        is_repeat,
        answer_type,
        {{ keyed_hash(applicant_identity) }} as applicant_key,
        {{ keyed_hash(address_text('address')) }} as address_key,
        answer_text is not null as has_answer_text,
        {{ formal_reply_flag('regional', answer_types=['answer_type'], answer_texts=['answer_text']) }}
            as is_formal_reply,
        version_count,
        _load_id,
        _exported_at,
        _row_number
    from located
),

final as (
    {{ merge_latest_versions('batch', ['feed_name', 'source_id'], 'regional_appeals') }}
)

select * from final
