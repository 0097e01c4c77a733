{#
    The combination of `columns` is the relation's key: none of them null, no two rows with
    the same values. Fails with one row per null or repeated key.

    With `window_column` (the day column an incremental shop table reprocesses by), only
    the rows from its latest day minus `shop_lookback_days` are checked: the days that
    every incremental run rewrites, read through the table's day index, so that the
    nightly test costs the same however long the history grows. A --full-refresh is
    checked on the same days: the older rows are keyed by construction (window
    numbering, GROUP BY keys), and the test catches what a change to that breaks in the
    rows the nightly runs write.
#}
{% test primary_key(model, columns, window_column=none) %}
{%- set from_day = pulse.shop_lookback_start(model, window_column)
    if window_column and execute else none %}
{%- set key = columns | join(', ') %}

with

keys as (
    select {{ key }}
    from {{ model }}
    {%- if from_day %}
    where {{ window_column }} >= cast('{{ from_day }}' as date)
    {%- endif %}
)

select
    {{ key }},
    count(*) as occurrences
from keys
group by {{ key }}
having
    count(*) > 1
    {%- for column in columns %}
    or {{ column }} is null
    {%- endfor %}

{% endtest %}
