{#- A keyed hash of personal data: links rows of the same person or address
    (repeat appeals) without keeping who it is. sha256 of key || '|' || value,
    hex; null in, null out. Built-in sha256(), no pgcrypto needed. Without the
    key (var pii_hash_key, from TSUR_PII_HASH_KEY) a guess cannot be checked. -#}
{% macro keyed_hash(value) -%}
    encode(sha256(convert_to({{ "'" ~ (var('pii_hash_key') | replace("'", "''")) ~ "'" }} || '|' || ({{ value }}), 'UTF8')), 'hex')
{%- endmacro %}
