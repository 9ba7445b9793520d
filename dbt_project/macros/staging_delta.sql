{#- int_appeals__unioned's pre-hook: each staging table's rows written since
    the model's newest _seen_load_id, in an analysed temporary table
    <model>__<name> (`sources`: name -> staging model) that the model reads. -#}
{% macro prepare_staging_delta(sources) %}
{% if updates_existing_table() %}
{% for name, staging in sources.items() %}
create temporary table {{ this.identifier }}__{{ name }} on commit drop as
select *
from {{ ref(staging) }}
where _seen_load_id > (select coalesce(max(seen._seen_load_id), 0) from {{ this }} as seen);

analyze {{ this.identifier }}__{{ name }}{{ ';' if not loop.last }}
{% endfor %}
{% else %}
select 1
{% endif %}
{% endmacro %}

{#- What int_appeals__unioned reads of a staging model: its delta (the
    pre-hook's temporary table) in an incremental run, all of it otherwise. -#}
{% macro staging_delta(name, staging) %}
{% if updates_existing_table() %}
select * from {{ this.identifier }}__{{ name }}
{% else %}
select * from {{ ref(staging) }}
{% endif %}
{% endmacro %}
