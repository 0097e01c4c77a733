{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('period_start'),
        unique_key=['period_grain', 'period_start'],
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{#- The latest period_start of any grain is the latest day (a day is its own period); the
    start day of a session going on into the window is recomputed too (its funnel steps). #}
{%- set events = ref('int_shop_events_sequenced') %}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_session_reprocess_from('period_start', events, loads) %}
{%- if reprocess_from %}
{#- the whole weeks and months that contain a reprocessed day #}
{%- set summarize_from = [
    pulse.shop_period_start_of('week', reprocess_from),
    pulse.shop_period_start_of('month', reprocess_from),
] | min %}
{%- endif %}
{%- set grains = ['day', 'week', 'month'] %}
{#- a period's measures from one row per user and period #}
{%- set period_measures %}
        cast(sum(is_active) as bigint) as active_users,
        cast(sum(sessions) as bigint) as sessions,
        cast(sum(is_buyer) as bigint) as buyers,
        cast(sum(orders) as bigint) as orders,
        sum(revenue) as revenue,
        cast(sum(has_checkout) as bigint) as checkout_users,
        cast(sum(has_confirmation) as bigint) as confirmation_users,
        cast(sum(product_sessions) as bigint) as product_sessions,
        cast(sum(cart_sessions) as bigint) as cart_sessions,
        cast(sum(checkout_sessions) as bigint) as checkout_sessions,
        cast(sum(confirmation_sessions) as bigint) as confirmation_sessions
{%- endset %}
-- Activity by day, ISO week and month: distinct active users, buyers and users with a
-- checkout / confirmation; sessions by start, with their funnel depth; orders and revenue
-- by order time.
with

user_hours as (
    select * from {{ ref('int_shop_user_hours_summarized') }}
),

-- one row per user and day: distinct users are then counted as rows, not with
-- count(distinct), which sorts inside every group (and integer sums stay cheap)
user_days as (
    select
        day,
        user_id,
        max(case when events > 0 then 1 else 0 end) as is_active,
        max(case when orders > 0 then 1 else 0 end) as is_buyer,
        max(case when checkouts > 0 then 1 else 0 end) as has_checkout,
        max(case when confirmations > 0 then 1 else 0 end) as has_confirmation,
        cast(sum(sessions) as integer) as sessions,
        cast(sum(orders) as integer) as orders,
        sum(revenue) as revenue,
        cast(sum(product_sessions) as integer) as product_sessions,
        cast(sum(cart_sessions) as integer) as cart_sessions,
        cast(sum(checkout_sessions) as integer) as checkout_sessions,
        cast(sum(confirmation_sessions) as integer) as confirmation_sessions
    from user_hours
    {%- if reprocess_from %}
    where day >= cast('{{ summarize_from }}' as date)
    {%- endif %}
    group by day, user_id
),

by_day as (
    select
        'day' as period_grain,
        day as period_start,
        {{- period_measures }}
    from user_days
    group by day
),
{%- for grain in grains if grain != 'day' %}

user_{{ grain }}s as (
    select
        {{ pulse.shop_period_start(grain, 'day') }} as period_start,
        user_id,
        max(is_active) as is_active,
        max(is_buyer) as is_buyer,
        max(has_checkout) as has_checkout,
        max(has_confirmation) as has_confirmation,
        cast(sum(sessions) as integer) as sessions,
        cast(sum(orders) as integer) as orders,
        sum(revenue) as revenue,
        cast(sum(product_sessions) as integer) as product_sessions,
        cast(sum(cart_sessions) as integer) as cart_sessions,
        cast(sum(checkout_sessions) as integer) as checkout_sessions,
        cast(sum(confirmation_sessions) as integer) as confirmation_sessions
    from user_days
    group by {{ pulse.shop_period_start(grain, 'day') }}, user_id
),

by_{{ grain }} as (
    select
        '{{ grain }}' as period_grain,
        period_start,
        {{- period_measures }}
    from user_{{ grain }}s
    group by period_start
),
{%- endfor %}

unioned as (
    {%- for grain in grains %}
    select * from by_{{ grain }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

-- a week or month that began before the rows read would be partial: it is kept as it is
final as (
    select
        *,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from unioned
    {%- if reprocess_from %}
    where period_start >= cast('{{ summarize_from }}' as date)
    {%- endif %}
)

select * from final
