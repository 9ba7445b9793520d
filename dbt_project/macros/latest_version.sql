{#- Every export of a feed is kept in raw, so an entity (a message, an
    incident, a roadmap event) has one row per export it appeared in. These
    two columns let staging keep the latest version (version_rank = 1: newest
    export, then the newest load of it, then the last row of the file) and say
    how many versions there were. -#}
{% macro latest_version_columns(partition_by) -%}
    row_number() over (
        partition by {{ partition_by | join(', ') }}
        order by _exported_at desc, _load_id desc, _row_number desc
    ) as version_rank,
    count(*) over (partition by {{ partition_by | join(', ') }}) as version_count
{%- endmacro %}
