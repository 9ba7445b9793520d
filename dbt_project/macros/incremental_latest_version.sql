{#- Staging keeps the latest version of every record (latest_version_columns:
    newest export, then newest load, then last row of the file). Built in
    full, a staging model ranks every raw row. Built incrementally, it reads
    only the rows of loads it has not seen (new_loads_filter) and merges them
    with what it holds (merge_latest_versions), which gives the same rows:
    the version order is total, so the newest of (the batch's newest, the
    stored one) is the newest of all, and version_count adds up.

    Loads are taken in load-id order: a load is new when its id is above the
    newest load id the model had seen (_seen_load_id, the newest loaded load
    of the raw table when the row was written). tsur loads one file at a time,
    so ids are committed in order; after loads that ran concurrently, rebuild
    with --full-refresh. -#}

{#- The where-clause on the raw source: only loads newer than the model has seen. -#}
{% macro new_loads_filter(load_id_column='_load_id') %}
    {% if is_incremental() %}
        {{ load_id_column }} > (select coalesce(max(seen._seen_load_id), 0) from {{ this }} as seen)
    {% else %}
        true
    {% endif %}
{% endmacro %}

{#- The newest load of a raw table in the registry: the rows written now have
    seen every load up to it (read in the same statement as the rows). -#}
{% macro seen_load_id(raw_table) %}
    (
        select coalesce(max(load_file.load_id), 0)
        from {{ source('raw', 'load_files') }} as load_file
        where load_file.target = '{{ raw_table }}' and load_file.status = 'loaded'
    )
{% endmacro %}

{#- The model's stored columns, in order. sqlfluff renders is_incremental()
    as true and has no adapter: it lints the merge with two stand-ins. -#}
{% macro stored_columns() %}
    {% if adapter is defined %}
        {{ return(adapter.get_columns_in_relation(this) | map(attribute='name') | list) }}
    {% else %}
        {{ return(['version_count', '_seen_load_id', '_built_at']) }}
    {% endif %}
{% endmacro %}

{#- The rows to write: batch (a CTE with the model's columns except
    _seen_load_id and _built_at, one row per key, its version_count counting the batch's
    versions) merged with the stored rows of the same keys: the batch's row
    where it is newer (or new), the stored one where that is newer, both with
    the versions added up. Every row
    written carries the newest load seen and the run that wrote it. -#}
{% macro merge_latest_versions(batch, key_columns, raw_table) %}
    {% if is_incremental() %}
        {% set columns = stored_columns() %}
        {% set newer_than_stored %}
            (new_version._exported_at, new_version._load_id, new_version._row_number)
            > (old_version._exported_at, old_version._load_id, old_version._row_number)
        {% endset %}
        select
            {% for column in columns %}
                {% if column == 'version_count' %}
                    new_version.version_count + coalesce(old_version.version_count, 0) as version_count
                {% elif column == '_seen_load_id' %}
                    {{ seen_load_id(raw_table) }} as _seen_load_id
                {% elif column == '_built_at' %}
                    {{ run_timestamp() }} as _built_at
                {% else %}
                    new_version.{{ column }}
                {% endif %}{{ ',' if not loop.last }}
            {% endfor %}
        from {{ batch }} as new_version
        left join {{ this }} as old_version
            on
                {% for key in key_columns %}
                    {{ 'and' if not loop.first }} new_version.{{ key }} = old_version.{{ key }}
                {% endfor %}
        where old_version.{{ key_columns[0] }} is null or {{ newer_than_stored }}
        union all
        select
            {% for column in columns %}
                {% if column == 'version_count' %}
                    new_version.version_count + old_version.version_count as version_count
                {% elif column == '_seen_load_id' %}
                    {{ seen_load_id(raw_table) }} as _seen_load_id
                {% elif column == '_built_at' %}
                    {{ run_timestamp() }} as _built_at
                {% else %}
                    old_version.{{ column }}
                {% endif %}{{ ',' if not loop.last }}
            {% endfor %}
        from {{ batch }} as new_version
        inner join {{ this }} as old_version
            on
                {% for key in key_columns %}
                    {{ 'and' if not loop.first }} new_version.{{ key }} = old_version.{{ key }}
                {% endfor %}
        where not ({{ newer_than_stored }})
    {% else %}
        select
            {{ batch }}.*,
            {{ seen_load_id(raw_table) }} as _seen_load_id,
            {{ run_timestamp() }} as _built_at
        from {{ batch }}
    {% endif %}
{% endmacro %}
