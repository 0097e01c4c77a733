-- Shop KPIs by day, ISO week and month: every period from the first to the last of the
-- data, with zeros where nothing happened. Ratios are null where the denominator is 0.
{#- numeric on PostgreSQL, double on Spark (see shop_measure_type) #}
{%- set measure = pulse.shop_measure_type() %}
{%- set grains = ['day', 'week', 'month'] %}
with

periods as (
    select * from {{ ref('int_shop_periods_summarized') }}
),

bounds as (
    select
        min(period_start) as first_day,
        max(period_start) as last_day
    from periods
    where period_grain = 'day'
    having count(*) > 0
),
{%- for grain in grains %}

{{ grain }}_spine as (
    {{ pulse.date_series(
        grain,
        '(select first_day from bounds)',
        '(select last_day from bounds)'
    ) }}
),
{%- endfor %}

spine as (
    {%- for grain in grains %}
    select
        '{{ grain }}' as period_grain,
        {{ grain }} as period_start
    from {{ grain }}_spine
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

filled as (
    select
        spine.period_grain,
        spine.period_start,
        coalesce(periods.active_users, 0) as active_users,
        coalesce(periods.sessions, 0) as sessions,
        coalesce(periods.buyers, 0) as buyers,
        coalesce(periods.orders, 0) as orders,
        coalesce(periods.revenue, 0) as revenue,
        coalesce(periods.checkout_users, 0) as checkout_users,
        coalesce(periods.confirmation_users, 0) as confirmation_users
    from spine
    left join periods
        on
            spine.period_grain = periods.period_grain
            and spine.period_start = periods.period_start
),

final as (
    select
        period_grain,
        period_start,
        active_users,
        sessions,
        buyers,
        orders,
        revenue,
        revenue / nullif(active_users, 0) as arpu,
        revenue / nullif(buyers, 0) as arppu,
        revenue / nullif(orders, 0) as avg_order_value,
        cast(buyers as {{ measure }}) / nullif(active_users, 0) as conversion_rate,
        cast(confirmation_users as {{ measure }}) / nullif(checkout_users, 0)
            as checkout_conversion_rate
    from filled
)

select * from final
