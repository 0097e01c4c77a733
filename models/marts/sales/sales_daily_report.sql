-- The KPIs of the head of sales' daily report, over both segments: each day's value, its
-- change from the day before and from the mean of the 7 days before, and the anomaly
-- columns against the trailing 28 days (macro anomaly_scores, docs block anomaly_rule).
-- sales_daily_kpis has every day of the data, so the previous rows are the previous days.
{%- set kpis = [
    'intro_booked_by_first_line',
    'purchases_without_second_line',
    'purchases_with_second_line',
    'new_paying_users',
    'revenue_rub',
] %}
with

daily_kpis as (
    select * from {{ ref('sales_daily_kpis') }}
),

both_segments as (
    select
        day,
        {%- for kpi in kpis %}
            sum({{ kpi }}) as {{ kpi }}{{ "," if not loop.last }}
        {%- endfor %}
    from daily_kpis
    group by day
),

kpi_values as (
    {%- for kpi in kpis %}
        select
            day,
            {{ loop.index }} as kpi_order,
            '{{ kpi }}' as kpi,
            cast({{ kpi }} as numeric) as value
        from both_segments
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
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
    {{ pulse.anomaly_scores('compared', series=['kpi'], order_by='day', baseline_rows=28) }}
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
