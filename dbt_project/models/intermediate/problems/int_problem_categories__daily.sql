-- What agg_problem_categories ranks categories by, per region, block,
-- category and local day of receipt: appeals received (the received cohort),
-- rejected ones counted apart, and of the others those assessed, negative,
-- with a deadline and overdue (answered late or open past it). Sums only, so
-- any period adds up from its days; the mart reads this table, thousands of
-- rows a region-year, instead of every appeal.
--
-- Incremental (macros/incremental_aggregates.sql), as int_indicators__daily:
-- a run adds to each row the measures of the appeals fct_appeals changed,
-- their current version counted +1 and the version this model counted -1; a
-- row left with nothing received is deleted. A full refresh gives the same
-- rows (tests/integration/test_incremental.py).
{%- set counted_columns = [
    'region_code',
    'block_code',
    'category_code',
    'received_date',
    'is_rejected',
    'is_negative',
    'due_at',
    'is_on_time',
    'is_overdue_open',
] %}
{%- set dimensions = ['region_code', 'block_code', 'category_code', 'received_date'] %}
{#- name, type, the signed sum over the changed appeals -#}
{%- set measures = [
    ['received_count', 'bigint', "sum(sign)"],
    ['rejected_count', 'bigint', "sum(sign) filter (where is_rejected)"],
    ['appeal_count', 'bigint', "sum(sign) filter (where not is_rejected)"],
    ['assessed_count', 'bigint', "sum(sign) filter (where not is_rejected and is_negative is not null)"],
    ['negative_count', 'bigint', "sum(sign) filter (where not is_rejected and is_negative)"],
    ['with_deadline_count', 'bigint', "sum(sign) filter (where not is_rejected and due_at is not null)"],
    ['overdue_count', 'bigint', "sum(sign) filter (where not is_rejected and due_at is not null and (is_on_time = false or is_overdue_open))"],
] %}
{%- set mode = appeal_aggregate_mode() %}
{{ config(**appeal_cells_config(counted_columns, 'received_count = 0')) }}

with

-- The changed appeals (current versions +1, the versions counted before -1),
-- or in a full build every appeal.
events as (
    {{ counted_appeals(counted_columns, mode == 'incremental', 'region_code is not null') }}
),

-- the signed sums per cell, the cells to write and the rows
{{ appeal_cells(dimensions, measures, mode == 'incremental') }}

select * from final
