-- Every file the loader took or rejected, from its registry (raw.load_files),
-- for the «Качество данных» dashboard. The registry holds no personal data;
-- the file's full path is left out (it names folders of the machine).
with

load_files as (
    select * from {{ source('raw', 'load_files') }}
),

final as (
    select
        load_id,
        feed,
        target,
        file_name,
        status,
        exported_at,
        started_at,
        finished_at,
        (finished_at at time zone 'UTC')::date as loaded_date,
        size_bytes,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_quarantined::float8 / nullif(rows_read, 0) as quarantined_share,
        error
    from load_files
)

select * from final
