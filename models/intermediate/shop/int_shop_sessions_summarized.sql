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
-- One row per session: when it started and how deep into the funnel it went in order.
with

events as (
    select * from {{ ref('int_shop_events_sequenced') }}
),

-- every event of the sessions to (re)compute: those that started on or after the first
-- start day among the sessions with an event in the reprocessed days
session_events as (
    select *
    from events
    {%- if sessions_from %}
    where
        event_day >= cast('{{ sessions_from }}' as date)
        and session_day >= cast('{{ sessions_from }}' as date)
    {%- endif %}
),

-- the funnel in one pass, from the running columns of the event log:
--   product reached: any product event;
--   cart reached: a cart after a product (is_after_product); the first such cart comes
--     after `checkouts_before_cart` checkouts (checkout_number never decreases);
--   checkout reached: a checkout after that cart, i.e. the session has more checkouts;
--   confirmation reached: a confirmation after the first such checkout, i.e. one with at
--     least `checkouts_before_cart` + 1 checkouts before it.
summarized as (
    select
        session_id,
        user_id,
        session_day,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as events,
        max(is_after_product) as is_product_reached,
        min(case when action = 'cart' and is_after_product = 1 then checkout_number end)
            as checkouts_before_cart,
        max(checkout_number) as checkouts,
        max(case when action = 'confirmation' then checkout_number end)
            as checkouts_before_last_confirmation
    from session_events
    group by session_id, user_id, session_day
),

final as (
    select
        user_id,
        session_id,
        session_day,
        started_at,
        ended_at,
        events,
        case
            when checkouts_before_last_confirmation > checkouts_before_cart then 4
            when checkouts > checkouts_before_cart then 3
            when checkouts_before_cart is not null then 2
            when is_product_reached = 1 then 1
            else 0
        end as funnel_step,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from summarized
)

select * from final
