{#- A name as a matching key: the same organisation, region or topic is
    written with different case, ё/е, dashes, quotes and spacing by different
    systems («ХМАО – Югра», «ХМАО-Югра»). Used on both sides of every lookup
    by name; the reference seeds keep their own spelling for display. -#}
{% macro name_key(value) -%}
    nullif(
        regexp_replace(
            regexp_replace(
                regexp_replace(replace(lower(trim({{ value }})), 'ё', 'е'), '[«»"“”„]', '', 'g'),
                '\s*[-–—]\s*', '-', 'g'
            ),
            '\s+', ' ', 'g'
        ),
        ''
    )
{%- endmacro %}

{#- A municipality's name as a matching key: also drops the kind words people
    add or omit («город Брянск» = «г. Брянск» = «Брянск»; «Брянский район» =
    «Брянский муниципальный район»). -#}
{% macro municipality_key(value) -%}
    nullif(
        trim(
            regexp_replace(
                {{ name_key(value) }},
                '(^|\s)(городской округ|муниципальный округ|муниципальный район|район|город|г\.|го|мо)(?=\s|$)',
                ' ', 'g'
            )
        ),
        ''
    )
{%- endmacro %}

{#- An address as a hashing key: punctuation and abbreviation dots do not make
    a different address («ул. Ленина, д. 5» = «ул Ленина д 5»). -#}
{% macro address_text(value) -%}
    {{ name_key("regexp_replace(" ~ value ~ ", '[[:punct:]]', ' ', 'g')") }}
{%- endmacro %}
