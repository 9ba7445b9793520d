{#- Calendar hours from start_at to end_at, 2 decimals: null when either is
    null, 0 when end_at is before start_at. ПОС dates its completion by the
    day alone («Дата фактического завершения работ»), so an answer given on
    the day of receipt is dated at that day's midnight, before a receipt whose
    time the export gives: it came after the receipt, that day, and no time
    can be counted for it (working_seconds_between gives 0 likewise). -#}
{% macro hours_between(start_at, end_at) -%}
    case
        when ({{ end_at }}) >= ({{ start_at }})
            then round(extract(epoch from (({{ end_at }}) - ({{ start_at }}))) / 3600.0, 2)
        when ({{ end_at }}) < ({{ start_at }}) then 0.00
    end
{%- endmacro %}
