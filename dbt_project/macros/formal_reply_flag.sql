{#- Whether an answer is a formal reply («отписка»), by the rules of the
    formal_reply_rules seed. Used in staging, the last layer that still has
    the answer's text; only the flag goes on.

    source_kind: pos, im or regional (rules for it and for `*` apply).
    answer_types / answer_texts: SQL expressions of the answer's type(s) and
    text(s); an answer is formal when any rule for that field matches any of
    them (equals: normalised names; regex: on the lower-cased value, ё as е,
    unless the rule's exclude_pattern matches as well).
    has_text: the source carries the answer's text. When it does not (ПОС),
    an answer no rule marks formal is unknown (null), not "not formal".

    The result is null when there is no answer at all (every expression null). -#}
{% macro formal_reply_flag(source_kind, answer_types=[], answer_texts=[], has_text=true) -%}
    {%- set fields = [] -%}
    {%- for value in answer_types %}{% set _ = fields.append(('answer_type', value)) %}{% endfor -%}
    {%- for value in answer_texts %}{% set _ = fields.append(('answer_text', value)) %}{% endfor -%}
    case
        when {% for field in fields %}({{ field[1] }}) is null{% if not loop.last %} and {% endif %}{% endfor %}
            then null
        when exists (
            select 1
            from {{ ref('formal_reply_rules') }} as formal_rule
            where
                formal_rule.source_system in ('*', '{{ source_kind }}')
                and (
                    false
                    {% for field, value in fields %}
                        or (
                            formal_rule.field = '{{ field }}'
                            and case
                                when formal_rule.match_kind = 'equals'
                                    then {{ name_key(value) }} = {{ name_key('formal_rule.pattern') }}
                                else
                                    replace(lower({{ value }}), 'ё', 'е') ~ formal_rule.pattern
                                    and (
                                        formal_rule.exclude_pattern is null
                                        or replace(lower({{ value }}), 'ё', 'е') !~ formal_rule.exclude_pattern
                                    )
                            end
                        )
                    {% endfor %}
                )
        ) then true
        {% if has_text %}
            else false
        {% endif %}
    end
{%- endmacro %}
