{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('session_day'),
        unique_key='session_day',
        indexes=[{'columns': ['session_day']}],
        post_hook=[{
            'sql': "{{ pulse.shop_vacuum_analyze_if_new() }}",
            'transaction': false,
        }],
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set events = ref('int_shop_events_sequenced') %}
{%- set loads = ref('stg_shop__loads') %}
{%- set sessions_from = pulse.shop_session_reprocess_from('session_day', events, loads) %}
-- Order items: the session's cart rows after the previous order's checkout and up to the
-- order's checkout. Carts that no order follows are not items.
with

events as (
    select * from {{ ref('int_shop_events_sequenced') }}
),

orders as (
    select * from {{ ref('int_shop_orders_confirmed') }}
),

carts as (
    select *
    from events
    where
        action = 'cart'{% if sessions_from %}
        and event_day >= cast('{{ sessions_from }}' as date)
        and session_day >= cast('{{ sessions_from }}' as date){% endif %}
),

session_orders as (
    select *
    from orders
    {%- if sessions_from %}
    where session_day >= cast('{{ sessions_from }}' as date)
    {%- endif %}
),

-- a cart's checkout_number is the number of checkouts before it in its session
assigned as (
    select
        session_orders.user_id,
        session_orders.session_id,
        session_orders.checkout_number,
        carts.event_number as cart_event_number,
        session_orders.session_day,
        session_orders.ordered_at,
        session_orders.order_day,
        coalesce(carts.category, 'unknown') as category,
        carts.value as item_revenue,
        session_orders.city,
        session_orders.gender,
        session_orders.age_band,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from session_orders
    inner join carts
        on
            session_orders.user_id = carts.user_id
            and session_orders.session_id = carts.session_id
            and session_orders.previous_order_checkout_number <= carts.checkout_number
            and session_orders.checkout_number > carts.checkout_number
)

select * from assigned
