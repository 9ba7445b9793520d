-- How each region computes each indicator code (indicator_formulas seed):
-- the region's own row, else the `*` row. Codes without a row are taken as
-- reported (the indicators file's actual value).
with

regions as (
    select region_code from {{ ref('regions') }}
),

formulas as (
    select * from {{ ref('indicator_formulas') }}
),

candidates as (
    select
        regions.region_code,
        formulas.indicator_code,
        formulas.formula,
        formulas.source_kind,
        formulas.block_code,
        formulas.tolerance,
        row_number() over (
            partition by regions.region_code, formulas.indicator_code
            order by (formulas.region_code = regions.region_code) desc
        ) as preference
    from regions
    inner join formulas
        on formulas.region_code in (regions.region_code, '*')
),

final as (
    select
        region_code,
        indicator_code,
        formula,
        source_kind,
        block_code,
        tolerance
    from candidates
    where preference = 1
)

select * from final
