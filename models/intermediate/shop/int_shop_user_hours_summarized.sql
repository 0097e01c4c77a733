{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('day'),
        unique_key='day',
        indexes=[{'columns': ['day']}],
        post_hook=[{
            'sql': "{{ pulse.shop_vacuum_analyze_if_new() }}",
            'transaction': false,
        }],
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{#- Sessions count by their start day: a session that began before the window and goes on
    into it may reach further funnel steps, so its start day is recomputed too. #}
{%- set events = ref('int_shop_events_sequenced') %}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_session_reprocess_from('day', events, loads) %}
-- What each user did in each hour: events (and checkouts, confirmations) by event time,
-- sessions and their funnel depth by start time, orders and revenue by order time. The
-- small table every period, hourly and retention summary is computed from.
with

events as (
    select * from {{ ref('int_shop_events_sequenced') }}
),

sessions as (
    select * from {{ ref('int_shop_sessions_summarized') }}
),

orders as (
    select * from {{ ref('int_shop_orders_confirmed') }}
),

-- every session start and order time is also an event time of the same user, so each
-- (user, day, hour) of a session or an order has a row in event_hours
event_hours as (
    select
        user_id,
        event_day as day,
        cast(extract(hour from event_at) as integer) as hour,
        cast(count(*) as integer) as events,
        cast(count(case when action = 'checkout' then 1 end) as integer) as checkouts,
        cast(count(case when action = 'confirmation' then 1 end) as integer) as confirmations
    from events
    {%- if reprocess_from %}
    where event_day >= cast('{{ reprocess_from }}' as date)
    {%- endif %}
    group by user_id, event_day, cast(extract(hour from event_at) as integer)
),

session_hours as (
    select
        user_id,
        session_day as day,
        cast(extract(hour from started_at) as integer) as hour,
        cast(count(*) as integer) as sessions,
        cast(count(case when funnel_step >= 1 then 1 end) as integer) as product_sessions,
        cast(count(case when funnel_step >= 2 then 1 end) as integer) as cart_sessions,
        cast(count(case when funnel_step >= 3 then 1 end) as integer) as checkout_sessions,
        cast(count(case when funnel_step >= 4 then 1 end) as integer) as confirmation_sessions
    from sessions
    {%- if reprocess_from %}
    where session_day >= cast('{{ reprocess_from }}' as date)
    {%- endif %}
    group by user_id, session_day, cast(extract(hour from started_at) as integer)
),

order_hours as (
    select
        user_id,
        order_day as day,
        cast(extract(hour from ordered_at) as integer) as hour,
        cast(count(*) as integer) as orders,
        sum(revenue) as revenue
    from orders
    {%- if reprocess_from %}
    where order_day >= cast('{{ reprocess_from }}' as date)
    {%- endif %}
    group by user_id, order_day, cast(extract(hour from ordered_at) as integer)
),

-- counts are integers: summing them later is much cheaper than summing bigints
final as (
    select
        event_hours.user_id,
        event_hours.day,
        event_hours.hour,
        event_hours.events,
        event_hours.checkouts,
        event_hours.confirmations,
        coalesce(session_hours.sessions, 0) as sessions,
        coalesce(session_hours.product_sessions, 0) as product_sessions,
        coalesce(session_hours.cart_sessions, 0) as cart_sessions,
        coalesce(session_hours.checkout_sessions, 0) as checkout_sessions,
        coalesce(session_hours.confirmation_sessions, 0) as confirmation_sessions,
        coalesce(order_hours.orders, 0) as orders,
        coalesce(order_hours.revenue, 0) as revenue,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from event_hours
    left join session_hours
        on
            event_hours.user_id = session_hours.user_id
            and event_hours.day = session_hours.day
            and event_hours.hour = session_hours.hour
    left join order_hours
        on
            event_hours.user_id = order_hours.user_id
            and event_hours.day = order_hours.day
            and event_hours.hour = order_hours.hour
)

select * from final
