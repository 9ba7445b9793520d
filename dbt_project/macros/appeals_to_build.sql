{#- fct_appeals' pre-hook in an incremental run: the appeals to build again, in
    analysed temporary tables the model reads. <model>__changed holds the
    appeals whose latest version arrived in a load newer than the table's;
    <model>__to_build their keys, those of the later appeals of the same
    applicant or address within the repeat window (whether they are repeats
    may change; any category, a changed version may have changed its
    category) and those of every appeal still open (its overdue state moves
    with the data's as-of even when no new version arrives). In a CTE the
    planner estimated the new versions from the table's statistics at a third
    of all appeals (a load newer than the table lies beyond its histogram) and
    joined every appeal by hash: the tables tell it how few they are, and the
    repeat lookups go through the (applicant_key, received_at) and
    (address_key, received_at) indexes. The newest load built is read first
    and written into the statement as a constant, for the same reason: a
    subquery's value is unknown when the statement is planned. -#}
{% macro prepare_appeals_to_build() %}
    {% if updates_existing_table() %}
create temporary table {{ this.identifier }}__changed on commit drop as
select
    appeal_key,
    region_code,
    applicant_key,
    address_key,
    received_at
from {{ ref('int_appeals__unioned') }}
where _load_id > {{ newest_load_id_built() }};

analyze {{ this.identifier }}__changed;

create temporary table {{ this.identifier }}__to_build on commit drop as
select changed.appeal_key
from {{ this.identifier }}__changed as changed
union
select later.appeal_key
from {{ this.identifier }}__changed as changed
inner join {{ ref('int_appeals__unioned') }} as later
    on
        changed.applicant_key = later.applicant_key
        and changed.region_code = later.region_code
        and changed.received_at <= later.received_at
        and changed.received_at + {{ repeat_window_interval() }} >= later.received_at
union
select later.appeal_key
from {{ this.identifier }}__changed as changed
inner join {{ ref('int_appeals__unioned') }} as later
    on
        changed.address_key = later.address_key
        and changed.region_code = later.region_code
        and changed.received_at <= later.received_at
        and changed.received_at + {{ repeat_window_interval() }} >= later.received_at
union
select open_appeal.appeal_key
from {{ this }} as open_appeal
where not open_appeal.is_answered and not open_appeal.is_rejected;

analyze {{ this.identifier }}__to_build
{% else %}
select 1
{% endif %}
{% endmacro %}

{#- The newest load fct_appeals holds (0 when empty), as a literal. -#}
{% macro newest_load_id_built() %}
    {%- set newest = run_query('select coalesce(max(_load_id), 0) from ' ~ this) -%}
    {{- return(newest.rows[0][0] | int) -}}
{% endmacro %}

{#- The repeat window (var repeat_window_days) as an SQL interval. -#}
{% macro repeat_window_interval() %}
    {{- return("make_interval(days => " ~ var('repeat_window_days') ~ ")") -}}
{% endmacro %}
