-- Agencies as SCD2 versions (snapshot snap_agencies): one row per agency and
-- version of its seed row. A region's edit (a new short name, a valid_to set
-- on a reorganised agency) closes the old version and opens a new one; the old
-- one is never rewritten. fct_appeals.agency_version_key points at the version
-- valid when the appeal arrived. The first version of an agency reaches back
-- to the beginning of time (appeals older than the first snapshot belong to
-- it); later versions start when the snapshot saw the change.
with recursive

snapshot as (
    select * from {{ ref('snap_agencies') }}
),

versions as (
    select
        snapshot.*,
        row_number() over (partition by snapshot.agency_id order by snapshot.dbt_valid_from) as version_number
    from snapshot
),

-- The successor chain followed to its end: where a reorganised agency's
-- appeals are counted today (seeds/README.md, "Agencies").
current_seed as (
    select
        agency_id,
        successor_agency_id
    from snapshot
    where dbt_valid_to is null
),

successor_chain as (
    select
        agency_id,
        agency_id as current_agency_id,
        0 as chain_length
    from current_seed
    where successor_agency_id is null
    union all
    select
        predecessor.agency_id,
        successor_chain.current_agency_id,
        successor_chain.chain_length + 1 as chain_length
    from current_seed as predecessor
    inner join successor_chain
        on predecessor.successor_agency_id = successor_chain.agency_id
    where successor_chain.chain_length < 20
),

final as (
    select
        versions.dbt_scd_id as agency_version_key,
        versions.agency_id,
        versions.region_code,
        versions.agency_name,
        versions.short_name,
        versions.agency_kind,
        versions.oktmo as municipality_oktmo,
        versions.valid_from as agency_valid_from,
        versions.valid_to as agency_valid_to,
        versions.successor_agency_id,
        coalesce(successor_chain.current_agency_id, versions.agency_id) as current_agency_id,
        versions.source as naming_source,
        versions.version_number,
        case
            when versions.version_number = 1 then '-infinity'::timestamptz
            else versions.dbt_valid_from at time zone 'UTC'
        end as version_valid_from,
        coalesce(versions.dbt_valid_to at time zone 'UTC', 'infinity'::timestamptz) as version_valid_to,
        versions.dbt_valid_to is null as is_current_version
    from versions
    left join successor_chain
        on versions.agency_id = successor_chain.agency_id
)

select * from final
