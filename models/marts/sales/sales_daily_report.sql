-- The KPIs of the head of sales' daily report, over both segments: each day's value, its
-- change from the day before and from the mean of the 7 days before, and the anomaly
-- columns against the trailing 28 days (macro anomaly_scores, docs block anomaly_rule).
-- sales_daily_kpis has every day of the data, so the previous rows are the previous days.
with

daily_kpis as (
    select * from {{ ref('sales_daily_kpis') }}
),

both_segments as (
    select
        day,
        sum(intro_booked_by_first_line) as intro_booked_by_first_line,
        sum(purchases_without_second_line) as purchases_without_second_line,
        sum(purchases_with_second_line) as purchases_with_second_line,
        sum(new_paying_users) as new_paying_users,
        sum(revenue_rub) as revenue_rub
    from daily_kpis
    group by day
),

-- one row per day and KPI, in the report's order
kpi_values as (
    select
        day,
        1 as kpi_order,
        'intro_booked_by_first_line' as kpi,
        cast(intro_booked_by_first_line as numeric) as value
    from both_segments
    union all
    select
        day,
        2 as kpi_order,
        'purchases_without_second_line' as kpi,
        cast(purchases_without_second_line as numeric) as value
    from both_segments
    union all
    select
        day,
        3 as kpi_order,
        'purchases_with_second_line' as kpi,
        cast(purchases_with_second_line as numeric) as value
    from both_segments
    union all
    select
        day,
        4 as kpi_order,
        'new_paying_users' as kpi,
        cast(new_paying_users as numeric) as value
    from both_segments
    union all
    select
        day,
        5 as kpi_order,
        'revenue_rub' as kpi,
        cast(revenue_rub as numeric) as value
    from both_segments
),

compared as (
    select
        *,
        lag(value) over kpi_days as previous_day_value,
        avg(value) over seven_days_before as mean_7d
    from kpi_values
    window
        kpi_days as (partition by kpi order by day),
        seven_days_before as (
            partition by kpi
            order by day
            rows between 7 preceding and 1 preceding
        )
),

scored as (
    {{ pulse.anomaly_scores(
        'compared', series=['kpi'], order_by='day', baseline_rows=28, inclusive=false
    ) }}
),

final as (
    select
        day,
        kpi_order,
        kpi,
        value,
        previous_day_value,
        value - previous_day_value as change_from_previous_day,
        case
            when previous_day_value <> 0
                then (value - previous_day_value) / previous_day_value
        end as change_from_previous_day_rate,
        mean_7d,
        value - mean_7d as change_from_mean_7d,
        case
            when mean_7d <> 0 then (value - mean_7d) / mean_7d
        end as change_from_mean_7d_rate,
        baseline_mean,
        baseline_stddev,
        baseline_points,
        z_score,
        is_anomaly
    from scored
)

select * from final
