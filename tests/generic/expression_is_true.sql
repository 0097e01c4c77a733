{# Every row satisfies the boolean SQL `expression`; fails with the rows that do not. #}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
