{#- What a data test reads. dbt passes every data test's model through
    get_where_subquery (its `where` config); this override adds the daily
    job's scope. With the environment variable TSUR_TEST_SCOPE = 'written'
    (the daily job, orchestration/warehouse/assets.py), a test on one of the big incremental
    tables reads only the rows this run wrote (`_built_at` = the run's start):
    the rows it did not write were tested by the run that wrote them, and
    their keys stay unique through the tables' unique indexes. Every other
    test, and every test of the main job, a full build and `tsur build`,
    reads the whole model. The variable is read only when tests run
    (`execute`), never while parsing, so both jobs share one parsed project
    (a var would make dbt parse the whole project again). -#}
{% macro get_where_subquery(relation) -%}
    {%- set predicates = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do predicates.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- set scoped = execute and env_var('TSUR_TEST_SCOPE', 'all') == 'written' -%}
    {%- if scoped and relation.identifier in written_scope_models() -%}
        {%- do predicates.append('_built_at = ' ~ run_timestamp()) -%}
    {%- endif -%}
    {%- if predicates -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ predicates | join(' and ') ~ ') as dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The incremental tables whose rows carry the run that wrote them. -#}
{% macro written_scope_models() %}
    {{- return([
        'stg_pos__messages', 'stg_im__incidents', 'stg_regional__appeals',
        'int_appeals__unioned', 'int_appeals__deadlines', 'fct_appeals', 'agg_appeals_daily',
        'agg_dashboard_appeals_daily', 'int_problem_categories__daily', 'int_problem_categories__catch_all_daily',
    ]) -}}
{% endmacro %}
