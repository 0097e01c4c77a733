-- Item revenue by month of the order and segment (the item's category; the order's city,
-- gender and age band), only where there were order items.
with

segments as (
    select * from {{ ref('int_shop_segment_months_summarized') }}
),

final as (
    select
        month,
        category,
        city,
        gender,
        age_band,
        item_revenue,
        orders,
        buyers
    from segments
)

select * from final
