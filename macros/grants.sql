{#
    USAGE on the schemas that hold public models (the marts) for the read-only BI role,
    and on nothing else: raw, staging and intermediate schemas are never granted. Runs
    at on-run-end (where `schemas` lists the schemas this run built), after the marts'
    own `grants` gave SELECT on each table.
#}
{% macro grant_schema_usage_to_readers() -%}
    {{ return(adapter.dispatch('grant_schema_usage_to_readers', 'pulse')()) }}
{%- endmacro %}

{% macro default__grant_schema_usage_to_readers() %}
    {%- if execute -%}
        {%- set role = var('bi_role', 'pulse_bi') -%}
        {%- set public_schemas = [] -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.config.get('access') == 'public' -%}
                {%- do public_schemas.append(node.schema) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for schema in schemas | unique | sort if schema in public_schemas %}
            grant usage on schema {{ adapter.quote(schema) }} to {{ adapter.quote(role) }};
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
