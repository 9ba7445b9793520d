{#- Every group of the given columns has at least min_rows rows meeting the
    condition (a boolean SQL expression). Fails with the groups that fall
    short, e.g. a block that reports fewer than three problem categories. -#}
{% test min_rows_per_group(model, group_by, condition, min_rows) %}

select
    {{ group_by | join(', ') }},
    count(*) filter (where {{ condition }}) as n_rows
from {{ model }}
group by {{ group_by | join(', ') }}
having count(*) filter (where {{ condition }}) < {{ min_rows }}

{% endtest %}
