{#- md5 of the given columns, '|'-separated, null as ''. For entities whose
    natural key has several columns (a roadmap event is region + version +
    number), so that marts and tests have one column to hold on to. -#}
{% macro surrogate_key(columns) -%}
    md5(
        {%- for column in columns %}
        coalesce(cast({{ column }} as text), ''){{ " || '|' ||" if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}
