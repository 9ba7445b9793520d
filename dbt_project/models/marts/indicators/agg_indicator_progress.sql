-- The ЦУР's target and additional indicators: per region, year and code,
-- the target, the actual value and the status.
--
-- The actual value is computed from the appeals where indicator_formulas
-- maps the code to a formula (over the year so far: from 1 January to the
-- deadline or the data's as-of date, whichever is first), otherwise it is
-- the indicators file's own «Фактическое значение».
--
-- Status: no_data without a value. Once the data's as-of date is past the
-- deadline, achieved when the value meets the target (≥ for
-- higher_is_better, ≤ for lower_is_better), else failed. Before it, on_track
-- when the value meets the target or misses it by no more than the allowed
-- gap, at_risk otherwise; the allowed gap is tolerance × (1 − elapsed share
-- of the period), a relative shortfall that narrows linearly to zero at the
-- deadline: early in the year a value 10 % off the target is on track, at the
-- deadline only the target itself is.
with

targets as (
    select * from {{ ref('stg_indicators__targets') }}
    where region_code is not null
),

formulas as (
    select * from {{ ref('int_indicators__formulas') }}
),

daily as (
    select * from {{ ref('int_indicators__daily') }}
),

region_as_of as (
    select
        bounds.region_code,
        (bounds.as_of_at at time zone regions.timezone)::date as as_of_date
    from ({{ appeal_region_bounds() }}) as bounds
    inner join {{ ref('regions') }} as regions
        on bounds.region_code = regions.region_code
),

loads_as_of as (
    select max(exported_at)::date as as_of_date
    from {{ source('raw', 'load_files') }}
    where status = 'loaded'
),

blocks as (
    select
        block_code,
        {{ name_key('block_name') }} as block_key
    from {{ ref('thematic_blocks') }}
),

windowed as (
    select
        targets.indicator_target_key,
        targets.region_code,
        targets.indicator_year,
        targets.indicator_code,
        targets.indicator_name,
        targets.indicator_kind,
        targets.source_block,
        blocks.block_code as source_block_code,
        targets.unit,
        targets.direction,
        targets.target_value,
        targets.actual_value as reported_value,
        make_date(targets.indicator_year, 1, 1) as period_start,
        coalesce(targets.deadline, make_date(targets.indicator_year, 12, 31)) as deadline,
        coalesce(formulas.formula, 'reported') as formula,
        formulas.source_kind,
        formulas.block_code,
        coalesce(formulas.tolerance, {{ var('indicator_tolerance') }}) as tolerance,
        coalesce(region_as_of.as_of_date, loads_as_of.as_of_date) as as_of_date
    from targets
    cross join loads_as_of
    left join formulas
        on
            targets.region_code = formulas.region_code
            and targets.indicator_code = formulas.indicator_code
    left join region_as_of
        on targets.region_code = region_as_of.region_code
    left join blocks
        on {{ name_key('targets.source_block') }} = blocks.block_key
),

-- Materialised: the targets' row count is estimated at one (a view that
-- picks the newest version), and a nested loop would sum the days per target.
summed as materialized (
    select
        windowed.indicator_target_key,
        min(daily.activity_date) as data_from,
        sum(daily.received) as received,
        sum(daily.received_repeat) as received_repeat,
        sum(daily.received_redirected) as received_redirected,
        sum(daily.received_with_first_response) as received_with_first_response,
        sum(daily.hours_to_first_response_sum) as hours_to_first_response_sum,
        sum(daily.answered) as answered,
        sum(daily.answered_with_time) as answered_with_time,
        sum(daily.hours_to_answer_sum) as hours_to_answer_sum,
        sum(daily.answered_with_deadline) as answered_with_deadline,
        sum(daily.answered_late) as answered_late,
        sum(daily.answered_rated) as answered_rated,
        sum(daily.answered_rated_positive) as answered_rated_positive,
        sum(daily.answered_with_reaction) as answered_with_reaction,
        sum(daily.answered_satisfied) as answered_satisfied,
        sum(daily.answered_with_formal_check) as answered_with_formal_check,
        sum(daily.answered_formal_reply) as answered_formal_reply
    from windowed
    inner join daily
        on
            windowed.region_code = daily.region_code
            and (windowed.source_kind = '*' or windowed.source_kind = daily.source_kind)
            and (windowed.block_code is null or windowed.block_code = daily.block_code)
            and daily.activity_date between windowed.period_start and least(windowed.deadline, windowed.as_of_date)
    where windowed.formula != 'reported'
    group by windowed.indicator_target_key
),

computed as (
    select
        windowed.*,
        summed.data_from,
        case windowed.formula
            when 'avg_answer_days' then summed.answered_with_time
            when 'positive_rating_share' then summed.answered_rated
            when 'avg_first_response_hours' then summed.received_with_first_response
            when 'late_answer_share' then summed.answered_with_deadline
            when 'rating_coverage' then summed.answered
            when 'satisfied_share' then summed.answered_with_reaction
            when 'repeat_share' then summed.received
            when 'redirect_share' then summed.received
            when 'formal_reply_share' then summed.answered_with_formal_check
        end as base_count,
        case windowed.formula
            when 'avg_answer_days'
                then round(summed.hours_to_answer_sum / nullif(summed.answered_with_time, 0) / 24.0, 2)
            when 'positive_rating_share'
                then round(100.0 * summed.answered_rated_positive / nullif(summed.answered_rated, 0), 2)
            when 'avg_first_response_hours'
                then round(summed.hours_to_first_response_sum / nullif(summed.received_with_first_response, 0), 2)
            when 'late_answer_share'
                then round(100.0 * summed.answered_late / nullif(summed.answered_with_deadline, 0), 2)
            when 'rating_coverage'
                then round(100.0 * summed.answered_rated / nullif(summed.answered, 0), 2)
            when 'satisfied_share'
                then round(100.0 * summed.answered_satisfied / nullif(summed.answered_with_reaction, 0), 2)
            when 'repeat_share'
                then round(100.0 * summed.received_repeat / nullif(summed.received, 0), 2)
            when 'redirect_share'
                then round(100.0 * summed.received_redirected / nullif(summed.received, 0), 2)
            when 'formal_reply_share'
                then round(100.0 * summed.answered_formal_reply / nullif(summed.answered_with_formal_check, 0), 2)
        end as computed_value
    from windowed
    left join summed
        on windowed.indicator_target_key = summed.indicator_target_key
),

judged as (
    select
        computed.*,
        case when computed.formula = 'reported' then computed.reported_value else computed.computed_value end
            as actual_value,
        least(computed.deadline, computed.as_of_date) as data_through,
        computed.as_of_date > computed.deadline as is_final,
        round(
            least(
                1,
                greatest(
                    0,
                    (least(computed.deadline, computed.as_of_date) - computed.period_start + 1)::numeric
                    / nullif(computed.deadline - computed.period_start + 1, 0)
                )
            ),
            4
        ) as elapsed_share
    from computed
),

gaps as (
    select
        judged.*,
        case judged.direction
            when 'higher_is_better' then judged.actual_value >= judged.target_value
            when 'lower_is_better' then judged.actual_value <= judged.target_value
        end as meets_target,
        round(
            case judged.direction
                when 'higher_is_better' then (judged.target_value - judged.actual_value)
                when 'lower_is_better' then (judged.actual_value - judged.target_value)
            end / nullif(abs(judged.target_value), 0),
            4
        ) as gap_share,
        round(judged.tolerance * (1 - judged.elapsed_share), 4) as allowed_gap_share
    from judged
),

final as (
    select
        indicator_target_key,
        region_code,
        indicator_year,
        indicator_code,
        indicator_name,
        indicator_kind,
        coalesce(block_code, source_block_code) as block_code,
        source_block,
        unit,
        direction,
        target_value,
        deadline,
        formula,
        source_kind,
        case
            when formula = 'reported' and reported_value is not null then 'reported'
            when formula != 'reported' and computed_value is not null then 'computed'
        end as actual_source,
        computed_value,
        reported_value,
        actual_value,
        base_count,
        period_start,
        data_from,
        data_through,
        as_of_date,
        elapsed_share,
        is_final,
        meets_target,
        gap_share,
        tolerance,
        allowed_gap_share,
        case
            when actual_value is null then 'no_data'
            when is_final and meets_target then 'achieved'
            when is_final then 'failed'
            when meets_target or gap_share <= allowed_gap_share then 'on_track'
            else 'at_risk'
        end as status
    from gaps
)

select * from final
