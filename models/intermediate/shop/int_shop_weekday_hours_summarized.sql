{{
    config(
        materialized='incremental',
        incremental_strategy=pulse.shop_incremental_strategy(),
        partition_by=pulse.shop_partition_by('year'),
        unique_key='year',
    )
}}
{#- The incremental strategy is explained in the model's description. #}
{%- set loads = ref('stg_shop__loads') %}
{%- set reprocess_from = pulse.shop_reprocess_from('last_day', loads) %}
{%- if reprocess_from %}
{%- set years_from = pulse.shop_period_start_of('year', reprocess_from) %}
{%- endif %}
-- Activity by year, ISO weekday and hour: events, distinct active users, orders (by order
-- time), for the combinations with any activity.
with

user_hours as (
    select * from {{ ref('int_shop_user_hours_summarized') }}
),

year_hours as (
    select *
    from user_hours
    {%- if reprocess_from %}
    where day >= cast('{{ years_from }}' as date)
    {%- endif %}
),

-- one row per user and hour of the week: distinct users are then counted as rows
user_weekday_hours as (
    select
        cast(extract(year from day) as integer) as year,
        {{ pulse.iso_weekday('day') }} as iso_weekday,
        hour,
        user_id,
        cast(sum(events) as integer) as events,
        cast(sum(orders) as integer) as orders
    from year_hours
    group by
        cast(extract(year from day) as integer),
        {{ pulse.iso_weekday('day') }},
        hour,
        user_id
),

summarized as (
    select
        year,
        iso_weekday,
        hour,
        cast(sum(events) as bigint) as events,
        count(case when events > 0 then 1 end) as active_users,
        cast(sum(orders) as bigint) as orders
    from user_weekday_hours
    group by year, iso_weekday, hour
),

bounds as (
    select max(day) as last_day
    from year_hours
),

final as (
    select
        summarized.year,
        summarized.iso_weekday,
        summarized.hour,
        summarized.events,
        summarized.active_users,
        summarized.orders,
        bounds.last_day,
        {{ pulse.shop_loaded_through(loads) }} as loaded_through
    from summarized
    cross join bounds
)

select * from final
