{#- Parts of int_ratings__measures: the rules of what an appeal counts for
    in a period (shared by the counts and, in an incremental run, the
    medians computed again) and the day from which a changed appeal's two
    versions can differ. -#}

{#- A timestamp's UTC day. -#}
{% macro utc_day(timestamp) %}
    {{- '(' ~ timestamp ~ " at time zone 'UTC')::date" -}}
{% endmacro %}

{#- The moment a period's snapshot sees an appeal at: the snapshot, or the
    appeal's own as-of if earlier. -#}
{% macro seen_at(appeals, periods) %}
    {{- 'least(' ~ periods ~ '.snapshot_at, ' ~ appeals ~ '.as_of_at)' -}}
{% endmacro %}

{#- What the medians of a rating period (`periods`, rows of rating_periods)
    take from an appeal (`appeals`): whether it was received or answered in
    the period, its time to the answer, and its time to the first response
    if the snapshot sees that response. -#}
{% macro median_inputs(appeals, periods) %}
    {{ appeals }}.received_date between {{ periods }}.period_start and {{ periods }}.period_end as is_received,
    coalesce({{ appeals }}.answered_date between {{ periods }}.period_start and {{ periods }}.period_end, false)
        as is_answered,
    {{ appeals }}.hours_to_answer,
    case
        when {{ appeals }}.first_response_at <= {{ seen_at(appeals, periods) }}
            then {{ appeals }}.hours_to_first_response
    end as hours_to_first_response
{%- endmacro %}

{#- What an appeal counts for in a rating period: median_inputs, whether it
    was answered or overdue at the snapshot, whether its first-response
    deadline fell by then and was kept, and its flags. -#}
{% macro in_work_columns(appeals, periods) %}
    {%- set at = seen_at(appeals, periods) -%}
    {{ median_inputs(appeals, periods) }},
    coalesce({{ appeals }}.answered_at <= {{ at }}, false) as is_answered_by_snapshot,
    coalesce(
        {{ appeals }}.due_at < {{ at }}
        and ({{ appeals }}.answered_at is null or {{ appeals }}.answered_at > {{ at }}),
        false
    ) as is_overdue_open_at_snapshot,
    -- the first-response deadline fell by the snapshot: was it kept?
    case
        when {{ appeals }}.first_response_due_at <= {{ at }}
            then coalesce({{ appeals }}.first_response_at <= {{ appeals }}.first_response_due_at, false)
    end as is_first_response_on_time,
    {{ appeals }}.is_on_time,
    {{ appeals }}.is_satisfied,
    {{ appeals }}.is_negative,
    {{ appeals }}.is_repeat,
    {{ appeals }}.is_formal_reply
{%- endmacro %}

{#- Each row of `source` (an appeal in a period) once for the agency credited
    with it in the period and once for its municipality (subject, entity_id). -#}
{% macro attributed_to_entities(source) %}
    select
        {{ source }}.*,
        'agency' as subject,
        credited_agencies.credited_agency_id as entity_id
    from {{ source }}
    inner join credited_agencies
        on
            {{ source }}.region_code = credited_agencies.region_code
            and {{ source }}.agency_id = credited_agencies.agency_id
            and {{ source }}.period_start >= coalesce(credited_agencies.credited_from, '-infinity'::date)
            and {{ source }}.period_start <= coalesce(credited_agencies.credited_to, 'infinity'::date)

    union all

    select
        {{ source }}.*,
        'municipality' as subject,
        {{ source }}.municipality_oktmo as entity_id
    from {{ source }}
    where {{ source }}.municipality_oktmo is not null
{%- endmacro %}

{#- A group's median time to the answer (of the appeals answered in the
    period) or to the first response (of those received in it). Medians of
    2-decimal hours have at most 3 decimals; rounding to 3 only removes the
    float noise of percentile_cont. -#}
{% macro measure_median(kind) %}
    {%- if kind == 'answer' -%}
        round((percentile_cont(0.5) within group (order by hours_to_answer) filter (where is_answered))::numeric, 3)
    {%- else -%}
        round(
            (percentile_cont(0.5) within group (order by hours_to_first_response) filter (where is_received))::numeric,
            3
        )
    {%- endif -%}
{% endmacro %}

{#- int_ratings__measures: per changed appeal of `changes` (its current
    version with sign 1, the counted one with -1), visible_from, the first
    day whose snapshot can tell its two versions apart, less a day (UTC
    dates against local periods): the earlier receipt when it is new, gone,
    rejected or moved to another region, agency, municipality or day;
    otherwise the earliest day of what differs (a deadline, an answer, a
    first response, a repeat flag). A later as-of alone shows only where a
    time the snapshots compare with it (the answer, the deadline while
    unanswered, the first response and its deadline) falls after the earlier
    as-of; null: nothing shows. And, for each of the two medians, whether
    its time can count differently there. -#}
{% macro changed_appeal_windows(changes) %}
{%- set earlier_as_of = 'least(current_version.as_of_at, counted.as_of_at)' %}
{%- set new_or_gone = 'current_version.appeal_key is null or counted.appeal_key is null' %}
{%- set placement = ['region_code', 'agency_id', 'municipality_oktmo', 'is_rejected'] %}
    select
        coalesce(current_version.appeal_key, counted.appeal_key) as appeal_key,
        case
            when {{ new_or_gone }} or {{ versions_differ(placement + ['received_date']) }}
                then least(current_version.received_date, counted.received_date)
            else least(
                case
                    when {{ versions_differ(['due_at']) }}
                        then least({{ utc_day('current_version.due_at') }}, {{ utc_day('counted.due_at') }})
                end,
                case
                    when {{ versions_differ(['first_response_due_at']) }}
                        then least(
                            {{ utc_day('current_version.first_response_due_at') }},
                            {{ utc_day('counted.first_response_due_at') }}
                        )
                end,
                case
                    when {{ versions_differ(['is_repeat']) }}
                        then current_version.received_date
                end,
                case
                    when {{ versions_differ([
                        'answered_at',
                        'answered_date',
                        'is_on_time',
                        'hours_to_answer',
                        'is_satisfied',
                        'is_negative',
                        'is_formal_reply',
                    ]) }}
                        then coalesce(
                            least(
                                current_version.answered_date,
                                counted.answered_date,
                                {{ utc_day('current_version.answered_at') }},
                                {{ utc_day('counted.answered_at') }}
                            ),
                            current_version.received_date
                        )
                end,
                case
                    when {{ versions_differ(['first_response_at', 'hours_to_first_response']) }}
                        then coalesce(
                            least(
                                {{ utc_day('current_version.first_response_at') }},
                                {{ utc_day('counted.first_response_at') }}
                            ),
                            current_version.received_date
                        )
                end,
                -- the snapshots moving with the as-of compare it with the
                -- answer, the deadline (while unanswered), the first
                -- response and its deadline: a change shows only where
                -- one of them falls after the earlier as-of
                case
                    when
                        {{ versions_differ(['as_of_at']) }}
                        and not {{ as_of_invisible('current_version', earlier_as_of) }}
                        and not {{ as_of_invisible('counted', earlier_as_of) }}
                        then {{ utc_day(earlier_as_of) }}
                end
            )
        end - 1 as visible_from,
        -- whether its time to the answer can count differently in a
        -- median: it, or what places it in a period or group, differs
        {{ new_or_gone }}
        or {{ versions_differ(placement + ['answered_date', 'hours_to_answer']) }}
        as may_change_answer_median,
        -- the same for its time to the first response, which is seen from
        -- the snapshot it falls by (one version may see it, the other not,
        -- when it falls after the earlier as-of)
        {{ new_or_gone }}
        or {{ versions_differ(placement + ['received_date', 'first_response_at', 'hours_to_first_response']) }}
        or coalesce(current_version.first_response_at > {{ earlier_as_of }}, false)
        as may_change_first_response_median
    from (select * from {{ changes }} where sign = 1) as current_version
    full outer join (select * from {{ changes }} where sign = -1) as counted
        on current_version.appeal_key = counted.appeal_key
{% endmacro %}

{#- Whether the two versions (current_version, counted) differ in any of
    `columns`, nulls compared as values. -#}
{% macro versions_differ(columns) %}
    {{- '(current_version.' ~ columns | join(', current_version.') ~ ') is distinct from (counted.'
        ~ columns | join(', counted.') ~ ')' -}}
{% endmacro %}

{#- Whether a version (`version`, an alias) compares the same with every
    snapshot whichever of the two as-ofs it has, `earlier_as_of` being the
    earlier: its answer by then, or unanswered with its deadline before
    then; its first response and that response's deadline (when known) by
    then. -#}
{% macro as_of_invisible(version, earlier_as_of) %}
    (
        (
            coalesce({{ version }}.answered_at <= {{ earlier_as_of }}, false)
            or ({{ version }}.answered_at is null and coalesce({{ version }}.due_at < {{ earlier_as_of }}, true))
        )
        and coalesce({{ version }}.first_response_at <= {{ earlier_as_of }}, true)
        and coalesce({{ version }}.first_response_due_at <= {{ earlier_as_of }}, true)
    )
{%- endmacro %}
