{#- The moment a limit of the sla_rules seed runs out, counted from start_at:
    calendar_days keep the local time of day (start + N × 24 h; Russia has no
    daylight saving time, so this is the same in UTC). Working units need the
    calendar's macros and are added when they land; until then they give
    null (no deadline) rather than a wrong one. -#}
{% macro sla_due_at(region_code, start_at, limit_value, limit_unit) -%}
    case {{ limit_unit }}
        when 'calendar_days' then ({{ start_at }}) + make_interval(days => ({{ limit_value }})::integer)
    end
{%- endmacro %}
