{# Median as an ordered-set aggregate (continuous: the mean of the two middle values). #}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'pulse')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
    {{ exceptions.raise_compiler_error("median is not implemented for " ~ target.type) }}
{%- endmacro %}

{% macro postgres__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}
