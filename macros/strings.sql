{# True when the text is a whole number of 1 to 18 digits (fits a bigint). #}
{% macro is_digits(text_expr) -%}
    {{ return(adapter.dispatch('is_digits', 'pulse')(text_expr)) }}
{%- endmacro %}

{% macro default__is_digits(text_expr) -%}
    {{ exceptions.raise_compiler_error("is_digits is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__is_digits(text_expr) -%}
    ({{ text_expr }} ~ '^[0-9]{1,18}$')
{%- endmacro %}
