-- Daily anomalies: each day's value of a metric against the same weekday of the previous
-- 8 weeks (days present in the data, zeros included; sample standard deviation). The
-- z-score needs at least 6 such days and some variation; |z| >= 3 is an anomaly.
{%- set baseline_weeks = 8 %}
{%- set min_points = 6 %}
{%- set anomaly_z = 3 %}
with

metric_values as (
    select * from {{ ref('int_shop_daily_metrics_unpivoted') }}
),

-- every day of the data is present, so the previous rows of the same weekday are the
-- same weekday of the previous weeks
baselines as (
    select
        *,
        avg(value) over same_weekday_before as baseline_mean,
        stddev_samp(value) over same_weekday_before as baseline_stddev,
        count(value) over same_weekday_before as baseline_points
    from metric_values
    window same_weekday_before as (
        partition by metric, category, {{ pulse.iso_weekday('day') }}
        order by day
        rows between {{ baseline_weeks }} preceding and 1 preceding
    )
),

scored as (
    select
        *,
        case
            when baseline_points >= {{ min_points }} and baseline_stddev > 0
                then (value - baseline_mean) / baseline_stddev
        end as z_score
    from baselines
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
        coalesce(abs(z_score) >= {{ anomaly_z }}, false) as is_anomaly
    from scored
)

select * from final
