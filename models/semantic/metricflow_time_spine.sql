-- One row per day for MetricFlow's time arithmetic (metric_time), 2015 to 2035.
with

days as (
    {{ pulse.date_series('day', "'2015-01-01'", "'2035-12-31'") }}
),

final as (
    select day as date_day
    from days
)

select * from final
