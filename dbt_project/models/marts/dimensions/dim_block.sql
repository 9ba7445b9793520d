-- Thematic blocks per region: every block of the global catalogue for every
-- region, with the act's own wording where the region's act names the block
-- (region_blocks). An appeal can land in a block its region does not list:
-- the category map is global (seeds/README.md). Such appeals are kept, not
-- dropped or moved, and flagged (fct_appeals.is_block_in_act /
-- is_block_in_region_list); responsibility falls to the region's `other` lead.
with

regions as (
    select * from {{ ref('regions') }}
),

blocks as (
    select * from {{ ref('thematic_blocks') }}
),

region_blocks as (
    select * from {{ ref('region_blocks') }}
),

final as (
    select
        {{ surrogate_key(['regions.region_code', 'blocks.block_code']) }} as block_key,
        regions.region_code,
        blocks.block_code,
        blocks.block_name,
        blocks.description as block_description,
        region_blocks.block_name_in_act,
        region_blocks.act_clause,
        region_blocks.block_code is not null as is_block_in_region_list,
        region_blocks.block_name_in_act is not null as is_block_in_act
    from regions
    cross join blocks
    left join region_blocks
        on
            regions.region_code = region_blocks.region_code
            and blocks.block_code = region_blocks.block_code
)

select * from final
