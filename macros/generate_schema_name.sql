{#
    Models land in the schema named in their config as is (`mentorhub`, `staging`, ...),
    not prefixed with the target schema: the mart schemas are a public contract for BI.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
