-- Daily anomalies: each day's value of a metric against the same weekday of the previous
-- 8 weeks, by the shared anomaly rule (macro anomaly_scores, docs block anomaly_rule).
with

metric_values as (
    select * from {{ ref('int_shop_daily_metrics_unpivoted') }}
),

-- every day of the data is present, so the previous 8 rows of the same weekday are the
-- same weekday of the previous 8 weeks
scored as (
    {{ pulse.anomaly_scores(
        'metric_values',
        series=['metric', 'category', pulse.iso_weekday('day')],
        order_by='day',
        baseline_rows=8,
        inclusive=true
    ) }}
),

final as (
    select
        day,
        metric,
        category,
        value,
        baseline_mean,
        baseline_stddev,
        baseline_points,
        z_score,
        is_anomaly
    from scored
)

select * from final
