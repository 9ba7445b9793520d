-- Roadmap events across versions: each event of each version with a key
-- that follows the event from one version to the next, the version's order,
-- the block and responsible agency resolved, and the warehouse's as-of date
-- (the newest export loaded), against which deadlines are judged.
--
-- An event is the same across versions when its name is (compared as a
-- name key: case, ё/е, quotes, dashes and spacing ignored), because the
-- yearly update renumbers events but rarely renames them; two events with
-- the same name in one version stay apart by their order of numbers.
with

events as (
    select * from {{ ref('stg_roadmap__events') }}
    where region_code is not null
),

agency_lookup as (
    select * from {{ ref('int_reference__agency_lookup') }}
),

blocks as (
    select
        block_code,
        {{ name_key('block_name') }} as block_key
    from {{ ref('thematic_blocks') }}
),

region_blocks as (
    select
        region_code,
        block_code,
        {{ name_key('block_name_in_act') }} as block_key
    from {{ ref('region_blocks') }}
    where block_name_in_act is not null
),

as_of as (
    select max(exported_at)::date as as_of_date
    from {{ source('raw', 'load_files') }}
    where status = 'loaded'
),

versions as (
    select
        region_code,
        roadmap_version,
        dense_rank() over (
            partition by region_code
            order by
                min(_exported_at),
                nullif(regexp_replace(roadmap_version, '\D', '', 'g'), '')::numeric nulls last,
                roadmap_version
        ) as version_seq
    from events
    group by region_code, roadmap_version
),

named as (
    select
        events.*,
        {{ name_key('events.event_name') }} as event_name_key,
        row_number() over (
            partition by events.region_code, events.roadmap_version, {{ name_key('events.event_name') }}
            order by
                nullif(regexp_replace(events.event_number, '[^0-9]', '', 'g'), '')::numeric nulls last,
                events.event_number
        ) as name_occurrence
    from events
),

final as (
    select
        named.roadmap_event_key,
        named.region_code,
        {{ surrogate_key(['named.region_code', 'named.event_name_key', 'named.name_occurrence']) }} as event_key,
        named.roadmap_version,
        versions.version_seq,
        versions.version_seq = max(versions.version_seq) over (partition by named.region_code) as is_latest_version,
        named.event_number,
        named.event_name,
        named.source_block,
        coalesce(region_blocks.block_code, blocks.block_code) as block_code,
        named.responsible_agency,
        agency_lookup.agency_id as responsible_agency_id,
        named.due_date,
        named.status,
        named.done_date,
        named.comment,
        as_of.as_of_date
    from named
    inner join versions
        on
            named.region_code = versions.region_code
            and named.roadmap_version = versions.roadmap_version
    cross join as_of
    left join region_blocks
        on
            named.region_code = region_blocks.region_code
            and {{ name_key('named.source_block') }} = region_blocks.block_key
    left join blocks
        on {{ name_key('named.source_block') }} = blocks.block_key
    left join agency_lookup
        on
            named.region_code = agency_lookup.region_code
            and {{ name_key('named.responsible_agency') }} = agency_lookup.name_key
)

select * from final
