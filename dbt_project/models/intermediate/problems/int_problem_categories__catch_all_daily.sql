-- What a block's catch-all «Прочие по направлению» holds, per region, block,
-- local day of receipt and source category: the appeals of agg_problem_
-- categories' catch-all row (not rejected, category the block's catch-all or
-- not known) counted by the source system's own category and subcategory
-- and whether source_category_map knew it. Sums only, so any period adds up
-- from its days; agg_catch_all_breakdown reads this table instead of every
-- appeal.
--
-- Incremental (macros/incremental_aggregates.sql), as int_problem_
-- categories__daily: a run adds to each row the appeals fct_appeals changed,
-- their current version counted +1 and the version this model counted -1; a
-- row left with no appeal is deleted. A full refresh gives the same rows
-- (tests/integration/test_incremental.py).
{%- set dimensions = [
    'region_code',
    'block_code',
    'category_code',
    'received_date',
    'source_kind',
    'source_category',
    'source_subcategory',
    'is_category_mapped',
] %}
{%- set counted_columns = dimensions + ['is_rejected'] %}
{#- name, type, the signed sum over the changed appeals -#}
{%- set measures = [['appeal_count', 'bigint', 'sum(sign)']] %}
{%- set mode = appeal_aggregate_mode() %}
{{ config(**appeal_cells_config(counted_columns, 'appeal_count = 0')) }}

with

-- The changed appeals (current versions +1, the versions counted before -1),
-- or in a full build every appeal, rejected ones left out.
appeals as (
    {{ counted_appeals(counted_columns, mode == 'incremental', 'region_code is not null and not is_rejected') }}
),

catch_alls as (
    select distinct
        block_code,
        category_code as catch_all_code
    from {{ ref('categories') }}
    where is_catch_all
),

-- each version in the catch-all of its block, under the catch-all's code
events as (
    select
        appeals.sign,
        appeals.region_code,
        appeals.block_code,
        catch_alls.catch_all_code as category_code,
        appeals.received_date,
        appeals.source_kind,
        appeals.source_category,
        appeals.source_subcategory,
        coalesce(appeals.is_category_mapped, false) as is_category_mapped
    from appeals
    inner join catch_alls on appeals.block_code = catch_alls.block_code
    where appeals.category_code is null or appeals.category_code = catch_alls.catch_all_code
),

-- the signed sums per cell, the cells to write and the rows
{{ appeal_cells(dimensions, measures, mode == 'incremental') }}

select * from final
