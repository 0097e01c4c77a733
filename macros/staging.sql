{#
    One half of a staging entity's rows. Every base model (models/staging/*/base/) keeps
    each raw row with `rejection_reason`, the first row-level rule it breaks (null for a
    clean row); its staging model takes the clean rows and its `_rejected` model the
    others, so each raw row is in exactly one of the two and nothing is dropped silently.

    `columns` are the select list (a column, or an expression with its alias); the
    rejected half adds `rejection_reason` to them, and takes every column of the base
    model when `columns` is none.
#}
{% macro split_rejected(base_model, columns=none, rejected=false) -%}
with

checked as (
    select * from {{ base_model }}
),

final as (
    select
        {%- if columns is none %}
        *
        {%- else %}
        {%- for column in columns + (['rejection_reason'] if rejected else []) %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
        {%- endif %}
    from checked
    where rejection_reason is {{ 'not ' if rejected }}null
)

select * from final
{%- endmacro %}
