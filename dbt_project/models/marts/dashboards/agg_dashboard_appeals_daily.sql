-- agg_appeals_daily as the appeal dashboards read it: the same day × region ×
-- block × agency × municipality × channel counts without the category (no
-- appeal dashboard filters on it), with the names of the block, agency,
-- municipality and channel, so that a chart adds rows up without a join and
-- without the category's extra rows. «Сводка для Губернатора», «Сроки
-- рассмотрения» and «Удовлетворенность» read it; each chart must answer in
-- under a second on five region-years (bench/bench_dashboards.py). Indexed
-- on the day (the period filter), the municipality and the block (the
-- row-level security of those roles).
--
-- Incremental (macros/incremental_consumers.sql): a run computes again the
-- cells (day, region, block, agency, municipality, channel) agg_appeals_daily
-- rewrote since this model read its change log, and the days from the week
-- of the region's last day on (the week's completeness moves with it). A
-- full refresh gives the same rows (tests/integration/test_incremental.py).
{%- set mode = changed_days_mode('agg_appeals_daily') %}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    indexes=[
        {'columns': ['cell_key'], 'unique': True},
        {'columns': ['_built_at']},
        {'columns': ['calendar_date']},
        {'columns': ['region_code', 'calendar_date']},
        {'columns': ['municipality_oktmo']},
        {'columns': ['block_code']},
    ],
    pre_hook=["{{ prepare_cell_recompute(changed_days_mode('agg_appeals_daily') == 'incremental') }}"],
    post_hook=["{{ set_read_mark() }}"],
) }}

with

{% if mode == 'incremental' -%}

    -- the cells to compute again (the pre-hook deleted their rows)
    recomputed as (
        select * from {{ this.identifier }}__cells
    ),

    daily as (
        select daily.*
        from {{ ref('agg_appeals_daily') }} as daily
        inner join recomputed on {{ dashboard_cell_key('daily') }} = recomputed.cell_key
        where daily.calendar_date >= (select min(first_cell.calendar_date) from recomputed as first_cell)
    ),

    -- each region's last day of data, over all its days (read by the pre-hook)
    last_days as (
        select * from {{ this.identifier }}__last_days
    ),

{%- else %}

    daily as (
        select * from {{ ref('agg_appeals_daily') }}
    ),

    last_days as (
        select
            region_code,
            max(calendar_date) as last_day
        from daily
        group by region_code
    ),

{%- endif %}

blocks as (
    select * from {{ ref('dim_block') }}
),

agencies as (
    select * from {{ ref('dim_agency') }}
),

municipalities as (
    select * from {{ ref('dim_municipality') }}
),

channels as (
    select * from {{ ref('dim_channel') }}
),

-- An agency's name as of its newest version (a renamed agency shows its new name).
agency_names as (
    select distinct on (agency_id)
        agency_id,
        agency_name,
        coalesce(short_name, agency_name) as agency_short_name
    from agencies
    order by agency_id asc, version_number desc
),

summed as (
    select
        daily.calendar_date,
        daily.region_code,
        daily.block_code,
        daily.agency_id,
        daily.municipality_oktmo,
        daily.channel,
        sum(daily.received_count)::bigint as received_count,
        sum(daily.received_rejected_count)::bigint as received_rejected_count,
        sum(daily.received_repeat_count)::bigint as received_repeat_count,
        sum(daily.received_redirected_count)::bigint as received_redirected_count,
        sum(daily.received_answered_now_count)::bigint as received_answered_now_count,
        sum(daily.received_open_now_count)::bigint as received_open_now_count,
        sum(daily.received_overdue_open_now_count)::bigint as received_overdue_open_now_count,
        sum(daily.first_response_count)::bigint as first_response_count,
        sum(daily.first_response_hours_sum)::numeric as first_response_hours_sum,
        sum(daily.first_response_with_deadline_count)::bigint as first_response_with_deadline_count,
        sum(daily.first_response_on_time_count)::bigint as first_response_on_time_count,
        sum(daily.ageing_0_3d_now_count)::bigint as ageing_0_3d_now_count,
        sum(daily.ageing_4_7d_now_count)::bigint as ageing_4_7d_now_count,
        sum(daily.ageing_8_14d_now_count)::bigint as ageing_8_14d_now_count,
        sum(daily.ageing_15_30d_now_count)::bigint as ageing_15_30d_now_count,
        sum(daily.ageing_31d_plus_now_count)::bigint as ageing_31d_plus_now_count,
        sum(daily.answered_count)::bigint as answered_count,
        sum(daily.answered_with_deadline_count)::bigint as answered_with_deadline_count,
        sum(daily.answered_on_time_count)::bigint as answered_on_time_count,
        sum(daily.answer_hours_sum)::numeric as answer_hours_sum,
        sum(daily.answer_working_count)::bigint as answer_working_count,
        sum(daily.answer_working_hours_sum)::numeric as answer_working_hours_sum,
        sum(daily.rated_count)::bigint as rated_count,
        sum(daily.rating_1_count)::bigint as rating_1_count,
        sum(daily.rating_2_count)::bigint as rating_2_count,
        sum(daily.rating_3_count)::bigint as rating_3_count,
        sum(daily.rating_4_count)::bigint as rating_4_count,
        sum(daily.rating_5_count)::bigint as rating_5_count,
        sum(daily.reaction_satisfied_count)::bigint as reaction_satisfied_count,
        sum(daily.reaction_neutral_count)::bigint as reaction_neutral_count,
        sum(daily.reaction_dissatisfied_count)::bigint as reaction_dissatisfied_count,
        sum(daily.assessed_count)::bigint as assessed_count,
        sum(daily.satisfied_count)::bigint as satisfied_count,
        sum(daily.negative_count)::bigint as negative_count,
        sum(daily.formal_reply_judged_count)::bigint as formal_reply_judged_count,
        sum(daily.formal_reply_count)::bigint as formal_reply_count
    from daily
    group by
        daily.calendar_date,
        daily.region_code,
        daily.block_code,
        daily.agency_id,
        daily.municipality_oktmo,
        daily.channel
),

final as (
    select
        {{ dashboard_cell_key('summed') }} as cell_key,
        summed.calendar_date,
        summed.region_code,
        summed.block_code,
        coalesce(blocks.block_name, summed.block_code) as block_name,
        summed.agency_id,
        coalesce(agency_names.agency_name, summed.agency_id, 'не определен') as agency_name,
        coalesce(agency_names.agency_short_name, summed.agency_id, 'не определен') as agency_short_name,
        summed.municipality_oktmo,
        coalesce(municipalities.municipality_name, summed.municipality_oktmo, 'не определен') as municipality_name,
        summed.channel,
        coalesce(channels.channel_name, summed.channel) as channel_name,
        -- The week (Monday to Sunday) has ended by the region's last day of data:
        -- a weekly figure compared with the week before must not be a partial week.
        date_trunc('week', summed.calendar_date)::date + 6 <= last_days.last_day as is_in_complete_week,
        summed.received_count,
        summed.received_rejected_count,
        summed.received_repeat_count,
        summed.received_redirected_count,
        summed.received_answered_now_count,
        summed.received_open_now_count,
        summed.received_overdue_open_now_count,
        summed.first_response_count,
        summed.first_response_hours_sum,
        summed.first_response_with_deadline_count,
        summed.first_response_on_time_count,
        summed.ageing_0_3d_now_count,
        summed.ageing_4_7d_now_count,
        summed.ageing_8_14d_now_count,
        summed.ageing_15_30d_now_count,
        summed.ageing_31d_plus_now_count,
        summed.answered_count,
        summed.answered_with_deadline_count,
        summed.answered_on_time_count,
        summed.answer_hours_sum,
        summed.answer_working_count,
        summed.answer_working_hours_sum,
        summed.rated_count,
        summed.rating_1_count,
        summed.rating_2_count,
        summed.rating_3_count,
        summed.rating_4_count,
        summed.rating_5_count,
        summed.reaction_satisfied_count,
        summed.reaction_neutral_count,
        summed.reaction_dissatisfied_count,
        summed.assessed_count,
        summed.satisfied_count,
        summed.negative_count,
        summed.formal_reply_judged_count,
        summed.formal_reply_count,
        -- the run that wrote the row (the daily job tests the rows it wrote: macros/test_scope.sql)
        {{ run_timestamp() }} as _built_at
    from summed
    left join blocks
        on
            summed.region_code = blocks.region_code
            and summed.block_code = blocks.block_code
    left join agency_names on summed.agency_id = agency_names.agency_id
    left join municipalities on summed.municipality_oktmo = municipalities.municipality_oktmo
    left join channels on summed.channel = channels.channel_code
    left join last_days on summed.region_code is not distinct from last_days.region_code
)

select * from final
