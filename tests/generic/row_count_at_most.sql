{#
    Counts the rows of a relation and fails (or warns, by severity) when there are more
    than max_rows. Used on the *_rejected relations so that rejected rows are reported
    by every `dbt build` with their count instead of disappearing.
#}
{% test row_count_at_most(model, max_rows=0) %}

select count(*) as row_count
from {{ model }}
having count(*) > {{ max_rows }}

{% endtest %}
