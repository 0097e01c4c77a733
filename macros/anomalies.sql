{#
    The anomaly rule of every mart that flags anomalies (docs block `anomaly_rule`): each
    row's `value` against a baseline of the earlier rows of its series, never itself.

    relation:      a CTE (or relation) with a numeric column `value`
    series:        the expressions that partition it into series (e.g. ['kpi'], or a metric
                   and its weekday so that Mondays are compared with Mondays)
    order_by:      the time order within a series
    baseline_rows: how many rows before the current one form its baseline; each series
                   must have a row for every period (zeros included), so rows are periods
    inclusive:     whether |z| = 3 itself is an anomaly (the shop's spec: |z| >= 3) or only
                   a value beyond it (the sales report's spec: "beyond 3 standard
                   deviations", |z| > 3)

    Returns a select of every column of `relation` and baseline_mean, baseline_stddev
    (sample), baseline_points, z_score and is_anomaly; a caller wraps it in a CTE.
#}
{% macro anomaly_scores(relation, series, order_by, baseline_rows, inclusive) -%}
    {%- set min_points = 6 %}
    {%- set anomaly_z = 3 %}
    select
        *,
        coalesce(abs(z_score) {{ '>=' if inclusive else '>' }} {{ anomaly_z }}, false) as is_anomaly
    from (
        select
            *,
            case
                when baseline_points >= {{ min_points }} and baseline_stddev > 0
                    then (value - baseline_mean) / baseline_stddev
            end as z_score
        from (
            select
                *,
                avg(value) over baseline as baseline_mean,
                stddev_samp(value) over baseline as baseline_stddev,
                count(value) over baseline as baseline_points
            from {{ relation }}
            window baseline as (
                partition by {{ series | join(', ') }}
                order by {{ order_by }}
                rows between {{ baseline_rows }} preceding and 1 preceding
            )
        ) as baselines
    ) as scored
{%- endmacro %}
