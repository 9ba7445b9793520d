-- The category tree (block → category → subcategory) as SCD2 versions
-- (snapshot snap_categories): one row per subcategory and version of its
-- seed row. Renaming a category closes the old version; appeals keep the
-- name that was valid when they arrived (fct_appeals.category_version_key).
-- Version boundaries as in dim_agency: the first version reaches back to the
-- beginning of time, later ones start when the snapshot saw the change.
with

snapshot as (
    select * from {{ ref('snap_categories') }}
),

versions as (
    select
        snapshot.*,
        row_number() over (partition by snapshot.subcategory_code order by snapshot.dbt_valid_from)
            as version_number
    from snapshot
),

final as (
    select
        dbt_scd_id as category_version_key,
        subcategory_code,
        subcategory_name,
        category_code,
        category_name,
        block_code,
        is_catch_all,
        version_number,
        case
            when version_number = 1 then '-infinity'::timestamptz
            else dbt_valid_from at time zone 'UTC'
        end as version_valid_from,
        coalesce(dbt_valid_to at time zone 'UTC', 'infinity'::timestamptz) as version_valid_to,
        dbt_valid_to is null as is_current_version
    from versions
)

select * from final
