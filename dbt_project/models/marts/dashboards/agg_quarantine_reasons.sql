-- What ingestion put in quarantine, counted per file, field and reason, for
-- the «Качество данных» dashboard. The quarantined value and record stay in
-- raw (they may hold personal data); the reasons are the loader's own texts,
-- which never quote the value (orchestration/ingest/converters.py).
with

quarantine as (
    select * from {{ source('raw', 'quarantine') }}
),

load_files as (
    select * from {{ source('raw', 'load_files') }}
),

counted as (
    select
        load_id,
        feed,
        file_name,
        coalesce(field, '(вся строка)') as field,
        reason,
        count(*) as row_count,
        min(row_number) as first_row_number,
        max(row_number) as last_row_number
    from quarantine
    group by load_id, feed, file_name, coalesce(field, '(вся строка)'), reason
),

final as (
    select
        counted.load_id,
        counted.feed,
        load_files.target,
        counted.file_name,
        (load_files.finished_at at time zone 'UTC')::date as loaded_date,
        counted.field,
        counted.reason,
        counted.row_count,
        counted.first_row_number,
        counted.last_row_number
    from counted
    inner join load_files on counted.load_id = load_files.load_id
)

select * from final
