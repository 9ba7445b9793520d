{#- numerator ÷ denominator as double precision, null when the denominator is
    0 or null: a share of nothing is unknown, not zero. Double precision,
    because the ratio of two integers is then correctly rounded, and any
    client that divides the same two counts gets the very same number. -#}
{% macro share(numerator, denominator) %}
    case when ({{ denominator }}) > 0 then ({{ numerator }})::float8 / ({{ denominator }})::float8 end
{%- endmacro %}
