{#- md5 of the given columns, '|'-separated, null as ''. For entities whose
    natural key has several columns (a roadmap event is region + version +
    number), so that marts and tests have one column to hold on to. -#}
{% macro surrogate_key(columns) %}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- set _ = parts.append("coalesce(cast(" ~ column ~ " as text), '')") -%}
    {%- endfor -%}
    md5({{ parts | join(" || '|' || ") }})
{%- endmacro %}
