{#
    Fails (or warns, by severity) when the relation has more than max_rows rows, and then
    returns all of them, so dbt reports the count ("WARN 1295") and `--store-failures`
    keeps the rows. Used on the *_rejected relations so that rejected rows are counted on
    every build instead of disappearing, and to hold one-row tables to one row.
#}
{% test row_count_at_most(model, max_rows=0) %}

select *
from {{ model }}
where (select count(*) from {{ model }}) > {{ max_rows }}

{% endtest %}
