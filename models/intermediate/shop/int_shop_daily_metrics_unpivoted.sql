-- Every day of the data × each anomaly metric, in long form: `revenue`, `orders`,
-- `active_users` and `arppu` of the whole shop (category `All`) and the item revenue of
-- each category (zeros on days without any). Every day from the first to the last is
-- present, which the anomaly baseline (the previous rows of the same weekday) relies on.
{#- numeric on PostgreSQL, double on Spark (see shop_measure_type) #}
{%- set measure = pulse.shop_measure_type() %}
with

periods as (
    select * from {{ ref('int_shop_periods_summarized') }}
),

items as (
    select * from {{ ref('int_shop_order_items_assigned') }}
),

bounds as (
    select
        min(period_start) as first_day,
        max(period_start) as last_day
    from periods
    where period_grain = 'day'
    having count(*) > 0
),

days as (
    {{ pulse.date_series(
        'day',
        '(select first_day from bounds)',
        '(select last_day from bounds)'
    ) }}
),

shop_days as (
    select
        days.day,
        coalesce(periods.revenue, 0) as revenue,
        coalesce(periods.orders, 0) as orders,
        coalesce(periods.active_users, 0) as active_users,
        periods.revenue / nullif(periods.buyers, 0) as arppu
    from days
    left join periods
        on
            days.day = periods.period_start
            and periods.period_grain = 'day'
),

category_days as (
    select
        order_day as day,
        category,
        sum(item_revenue) as item_revenue
    from items
    group by order_day, category
),

categories as (
    select distinct category
    from category_days
),

metric_values as (
    select
        day,
        'revenue' as metric,
        'All' as category,
        cast(revenue as {{ measure }}) as value
    from shop_days

    union all

    select
        day,
        'orders' as metric,
        'All' as category,
        cast(orders as {{ measure }}) as value
    from shop_days

    union all

    select
        day,
        'active_users' as metric,
        'All' as category,
        cast(active_users as {{ measure }}) as value
    from shop_days

    union all

    -- null on a day without buyers: not a baseline point
    select
        day,
        'arppu' as metric,
        'All' as category,
        cast(arppu as {{ measure }}) as value
    from shop_days

    union all

    select
        days.day,
        'revenue' as metric,
        categories.category,
        coalesce(category_days.item_revenue, 0) as value
    from days
    cross join categories
    left join category_days
        on
            days.day = category_days.day
            and categories.category = category_days.category
)

select * from metric_values
