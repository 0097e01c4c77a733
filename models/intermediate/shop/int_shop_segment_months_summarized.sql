{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('month'),
        unique_key='month',
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_reprocess_from('month', loads) %}
{%- if reprocess_from %}
{%- set months_from = pulse.shop_period_start_of('month', reprocess_from) %}
{%- endif %}
-- Order items by month of the order and segment: category (the item's), city, gender
-- and age band (the order's checkout row's).
with

items as (
    select * from {{ ref('int_shop_order_items_assigned') }}
),

month_items as (
    select
        {{ pulse.shop_period_start('month', 'order_day') }} as month,
        category,
        city,
        gender,
        age_band,
        user_id,
        session_id,
        checkout_number,
        item_revenue
    from items
    {%- if reprocess_from %}
    where order_day >= cast('{{ months_from }}' as date)
    {%- endif %}
),

-- an order counts once in a segment, however many of its items fall in it
segment_orders as (
    select
        month,
        category,
        city,
        gender,
        age_band,
        user_id,
        session_id,
        checkout_number,
        sum(item_revenue) as item_revenue
    from month_items
    group by month, category, city, gender, age_band, user_id, session_id, checkout_number
),

final as (
    select
        month,
        category,
        city,
        gender,
        age_band,
        sum(item_revenue) as item_revenue,
        count(*) as orders,
        count(distinct user_id) as buyers,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from segment_orders
    group by month, category, city, gender, age_band
)

select * from final
