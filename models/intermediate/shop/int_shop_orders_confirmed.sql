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
-- Orders: a checkout followed, in its session and before the session's next checkout, by
-- a confirmation. Its time is that first confirmation; more confirmations before the next
-- checkout are repeats. Revenue is the checkout's value; city, gender and age are the
-- checkout row's.
with

events as (
    select * from {{ ref('int_shop_events_sequenced') }}
),

session_events as (
    select *
    from events
    where
        action in ('checkout', 'confirmation'){% if sessions_from %}
        and event_day >= cast('{{ sessions_from }}' as date)
        and session_day >= cast('{{ sessions_from }}' as date){% endif %}
),

checkouts as (
    select
        user_id,
        session_id,
        session_day,
        checkout_number,
        event_at as checkout_at,
        value as revenue,
        city,
        gender,
        age
    from session_events
    where action = 'checkout'
),

-- a confirmation belongs to the latest checkout before it (checkout_number 0: none)
confirmations as (
    select
        user_id,
        session_id,
        checkout_number,
        min(event_at) as ordered_at,
        count(*) as confirmations
    from session_events
    where
        action = 'confirmation'
        and checkout_number > 0
    group by user_id, session_id, checkout_number
),

confirmed as (
    select
        checkouts.user_id,
        checkouts.session_id,
        checkouts.checkout_number,
        checkouts.session_day,
        checkouts.checkout_at,
        confirmations.ordered_at,
        confirmations.confirmations,
        checkouts.revenue,
        checkouts.city,
        checkouts.gender,
        checkouts.age
    from checkouts
    inner join confirmations
        on
            checkouts.user_id = confirmations.user_id
            and checkouts.session_id = confirmations.session_id
            and checkouts.checkout_number = confirmations.checkout_number
),

final as (
    select
        user_id,
        session_id,
        checkout_number,
        coalesce(
            lag(checkout_number) over (
                partition by user_id, session_id
                order by checkout_number
            ),
            0
        ) as previous_order_checkout_number,
        session_day,
        checkout_at,
        ordered_at,
        cast(ordered_at as date) as order_day,
        confirmations - 1 as repeat_confirmations,
        revenue,
        coalesce(city, 'unknown') as city,
        gender,
        age,
        case
            when age is null then 'unknown'
            when age < 18 then '<18'
            when age <= 24 then '18-24'
            when age <= 34 then '25-34'
            when age <= 44 then '35-44'
            when age <= 54 then '45-54'
            when age <= 64 then '55-64'
            else '65+'
        end as age_band,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from confirmed
)

select * from final
