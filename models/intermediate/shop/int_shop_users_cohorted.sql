{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        unique_key='user_id',
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_reprocess_from('last_active_day', loads) %}
-- One row per user: the first and last day with an action, and the cohort week (the
-- Monday of the ISO week of the first action).
with

user_hours as (
    select * from {{ ref('int_shop_user_hours_summarized') }}
),
{%- if reprocess_from %}

known_users as (
    select * from {{ this }}
),
{%- endif %}

active_days as (
    select
        user_id,
        min(day) as first_active_day,
        max(day) as last_active_day
    from user_hours
    where
        events > 0{% if reprocess_from %}
        and day >= cast('{{ reprocess_from }}' as date){% endif %}
    group by user_id
),

{%- if reprocess_from %}

-- a user seen before keeps the earlier first day
merged as (
    select
        active_days.user_id,
        case
            when known_users.first_active_day < active_days.first_active_day
                then known_users.first_active_day
            else active_days.first_active_day
        end as first_active_day,
        active_days.last_active_day
    from active_days
    left join known_users
        on active_days.user_id = known_users.user_id
),
{%- else %}

merged as (
    select * from active_days
),
{%- endif %}

final as (
    select
        user_id,
        first_active_day,
        last_active_day,
        {{ pulse.shop_period_start('week', 'first_active_day') }} as cohort_week,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from merged
)

select * from final
