-- One row per day from the first to the last day of sales data (events and payments),
-- with the data's last timestamp (pending processes are judged against it).
with

events as (
    select * from {{ ref('stg_sales__events') }}
),

payments as (
    select * from {{ ref('stg_sales__payments') }}
),

moments as (
    select happened_at from events
    union all
    select paid_at as happened_at from payments
),

bounds as (
    select
        min(happened_at) as data_first_at,
        max(happened_at) as data_last_at
    from moments
    having count(*) > 0
),

days as (
    {{ pulse.date_series(
        'day',
        '(select data_first_at from bounds)',
        '(select data_last_at from bounds)'
    ) }}
),

final as (
    select
        days.day,
        bounds.data_first_at,
        bounds.data_last_at,
        cast(bounds.data_last_at as date) as data_last_day
    from days
    cross join bounds
)

select * from final
