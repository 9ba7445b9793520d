{#- The moment a limit of the sla_rules seed runs out, counted from start_at,
    in the region's working time (macros/calendar/working_time.sql):
    calendar_days keep the local time of day (start + N × 24 h; Russia has no
    daylight saving time); working_days end at the close of office hours of
    the N-th working day after start's local day (production calendar,
    regional overrides); working_hours is the moment N hours of office time
    (lunch excluded) have passed. Null when the unit is unknown, the region
    is unknown or the moment is outside the calendar's years. -#}
{% macro sla_due_at(region_code, start_at, limit_value, limit_unit) -%}
    case {{ limit_unit }}
        when 'calendar_days' then {{ add_calendar_days(start_at, limit_value) }}
        when 'working_days' then {{ add_working_days(region_code, start_at, limit_value) }}
        when 'working_hours' then {{ add_working_hours(region_code, start_at, limit_value) }}
    end
{%- endmacro %}
