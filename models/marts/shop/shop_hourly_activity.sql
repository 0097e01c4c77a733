-- Activity by year, ISO weekday and hour of the day: the cells with any event or order.
-- Orders count by order time.
with

weekday_hours as (
    select * from {{ ref('int_shop_weekday_hours_summarized') }}
),

final as (
    select
        year,
        iso_weekday,
        hour,
        events,
        active_users,
        orders
    from weekday_hours
)

select * from final
