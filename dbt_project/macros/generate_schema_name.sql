{#- Schemas are exactly staging, intermediate, marts and reference (not
    <target>_staging, dbt's default): the warehouse has one set of schemas
    per database, and analysts, Superset and the exports name them directly. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
