{#- No two rows share the same combination of the given columns. Nulls count
    as one value (GROUP BY semantics), so a mart's "no municipality" group is
    a key like any other. -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
